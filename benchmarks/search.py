"""Search benchmark: quality (nDCG@10) and API latency of every search backend, against a naive baseline.

The baseline is what Kolibri-like libraries do: split the query on spaces, every word must be a
substring (icontains) of the title, the lesson or the chapter path, newest first. It runs over the same
database as the database backend, in this same run, so the ratios compare like with like.

    .venv/bin/python benchmarks/search.py [--scale 200000 | --skip-scale] [--backends es,sqlite,pg,naive]
                                          [--queries PATH] [--requests 200] [--runs 3] [--clients 10]
                                          [--seconds 15] [--keep | --clean | --reuse [--reindex]]

1. Imports the catalogue and ../shared/data/smartedu_micro_lessons/resources.jsonl into a SQLite file,
   a PostgreSQL database of its own (kexiang_bench) and an Elasticsearch alias of its own (kexiang-bench),
   starting the services with scripts/services/*.sh.
2. Scores nDCG@10 on ../shared/eval/search-dev.json (or --queries, any judged file in that format) with
   ../shared/eval/judge.py.
3. Adds copies of the records (external_id suffix :copyN) up to --scale documents, spreads their
   creation dates and use counts, and times GET /api/v1/search (django.test.Client: view, selector and
   backend) on 18 faceted query patterns, in --runs interleaved rounds per backend: Elasticsearch, each
   database, PostgreSQL answering while Elasticsearch is down (nothing listening at its URL), and the naive
   baseline. Reports p50/p95 (medians of the rounds) with the ratio to Elasticsearch, against the targets of
   issue 15 (p95 <= 30 ms on Elasticsearch and <= 150 ms on the databases, nDCG@10 1.000 with no judged
   query empty).
4. Then --clients concurrent clients on the same patterns through the real app server (gunicorn with
   config/gunicorn.py), --seconds per backend and round: requests/s, p50, p95 and errors.

Every database runs in a subprocess of this script (`--worker`) with its own environment; the project's
own databases (kexiang, test_*), the alias kexiang-resources and the Celery folders under var/ are never
touched. --keep leaves the corpus; --reuse times it again with today's code (migrated; --reindex rewrites
the search entries and the index first). Run on demand, never in CI.
"""
import argparse
import collections
import contextlib
import importlib.util
import io
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CATALOGUE = SHARED / "data"
RESOURCES = SHARED / "data" / "smartedu_micro_lessons" / "resources.jsonl"
QUERIES = SHARED / "eval" / "search-dev.json"
JUDGE = SHARED / "eval" / "judge.py"

TARGETS = {"ndcg": 1.0, "es_p95_ms": 30.0, "db_p95_ms": 150.0}  # issue 15

# Faceted API queries for the latency runs; "@unit" is replaced by a unit's chapter node id.
LATENCY_QUERIES = [
    {"q": "背影", "grade": "八年级"},
    {"q": "荷塘月色", "type": "courseware"},
    {"q": "宪法", "subject": "道德与法治", "grade": "八年级"},
    {"q": "春", "stage": "小学"},
    {"q": "难忘的泼水节 二年级 教案"},
    {"q": "单元", "subject": "语文"},
    {"q": "古诗", "type": "micro_lesson,courseware"},
    {"q": "背影 微课", "sort": "newest"},
    {"q": "整本书阅读", "sort": "popular"},
    {"q": "阅读", "grade": "七年级", "page": "2"},
    {"q": "宪法", "chapter": "@unit"},
    {"subject": "语文"},
    {"grade": "七年级", "subject": "语文", "type": "courseware"},
    {"stage": "高中", "sort": "popular"},
    {"sort": "newest"},
    {"type": "lesson_plan", "grade": "三年级", "page": "3"},
    {"chapter": "@unit"},
    {"subject": "道德与法治", "sort": "popular"},
]
UNIT_OF = "smartedu:2eee7cc7-6358-a170-9144-bf0f44d75234"  # a resource in 第一单元 坚持宪法至上 (八年级下册)
NAIVE_FACETS = {"stage": "stage__name", "grade": "grade__name", "subject": "subject__name",
                "edition": "edition__name", "volume": "volume__name"}


# --- the worker: one database (and maybe Elasticsearch), set up by the environment ------------------

class Clock:
    """Adds up the time spent in some functions, by patching them where they are looked up."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)

    def wrap(self, owner, name, key=None):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[key or name] += time.perf_counter() - start

        setattr(owner, name, timed)


def _search_clock():
    from search import documents, services

    clock = Clock()
    clock.wrap(services, "search_entries_write")
    clock.wrap(documents, "resource_records")
    clock.wrap(documents, "entry_values")
    return clock


def every_30_seconds(label, what):
    """A progress callback that prints at most every 30 seconds, and at the end."""
    start = last = time.perf_counter()

    def progress(done, total):
        nonlocal last
        if time.perf_counter() - last > 30 or done == total:
            print(f"    [{label}] {what} {done:,} / {total:,} ({time.perf_counter() - start:.0f} s)", flush=True)
            last = time.perf_counter()

    return progress


def _import_file(path, label):
    """What `manage.py import_resources PATH` does, timed: read, then resources_import (and its signal)."""
    from resources.importing import read_resource_file
    from resources.services import resources_import

    clock = _search_clock()
    start = time.perf_counter()
    rows, errors = read_resource_file(path)
    read_s = time.perf_counter() - start
    marks = {"next": 0.1}

    def progress(done, total):
        if done / total >= marks["next"] or done == total:
            print(f"    [{label}] imported {done:,} / {total:,} ({time.perf_counter() - start:.0f} s)", flush=True)
            marks["next"] = done / total + 0.1

    start_import = time.perf_counter()
    counts = resources_import(rows=rows, progress=progress)
    import_s = time.perf_counter() - start_import
    return {
        "rows": len(rows), "bad_rows": len(errors), "created": counts.created, "read_s": read_s, "import_s": import_s,
        "search_entries_s": clock.seconds["search_entries_write"],
        "records_s": clock.seconds["resource_records"], "grams_words_s": clock.seconds["entry_values"],
    }


def work_load(resources, catalogue):
    from django.core.management import call_command
    from django.db import connection

    out = {"vendor": connection.vendor}
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    out["migrate_s"] = time.perf_counter() - start
    start = time.perf_counter()
    call_command("import_textbooks", catalogue, stdout=io.StringIO(), stderr=io.StringIO())
    out["catalogue_s"] = time.perf_counter() - start
    out["import"] = _import_file(resources, connection.vendor)
    start = time.perf_counter()
    _analyze(connection)
    out["analyze_s"] = time.perf_counter() - start
    return out


def _analyze(connection):
    """Table statistics (and PostgreSQL's GIN pending list flushed), as autovacuum would leave them a
    minute later; without them PostgreSQL's search plans were several times slower."""
    with connection.cursor() as cursor:  # Django runs in autocommit, so VACUUM may run here
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def work_es_rebuild():
    from elasticsearch import helpers

    from search import documents, services
    from search.backends import elastic

    clock = _search_clock()
    clock.wrap(documents, "es_document")
    clock.wrap(helpers, "bulk")
    start = time.perf_counter()
    name = services.search_index_rebuild(progress=every_30_seconds("elasticsearch", "indexed"))
    seconds = time.perf_counter() - start
    es = elastic.client(timeout=60)
    settle = time.perf_counter()
    while time.perf_counter() - settle < 120:  # let background merges finish before anything is timed
        if not es.indices.stats(index=name, metric="merge")["indices"][name]["total"]["merges"]["current"]:
            break
        time.sleep(1)
    settle_s = time.perf_counter() - settle
    count = es.count(index=documents.index_alias())["count"]
    stats = es.indices.stats(index=name, metric="store")["indices"][name]["total"]["store"]["size_in_bytes"]
    return {"index": name, "seconds": seconds, "docs": count, "store_bytes": stats,
            "records_s": clock.seconds["resource_records"], "segment_s": clock.seconds["es_document"],
            "bulk_s": clock.seconds["bulk"], "settle_s": settle_s}


def _chapter_unit():
    from resources.models import Resource

    resource = Resource.objects.select_related("chapter").filter(external_id=UNIT_OF).first()
    node = resource.chapter if resource else None
    while node is not None and node.parent_id:
        node = node.parent
    return node.pk if node else None


def naive_search(params, page_size=10):
    """The baseline: every space-separated word a substring of title, lesson or chapter path; newest first."""
    from django.db.models import Q

    from resources.models import ChapterNode, Resource

    qs = Resource.objects.filter(visibility=Resource.Visibility.PUBLIC)
    for facet, column in NAIVE_FACETS.items():
        if params.get(facet):
            qs = qs.filter(**{column: params[facet]})
    if params.get("type"):
        qs = qs.filter(resource_type__in=params["type"].split(","))
    if params.get("chapter"):
        node = ChapterNode.objects.get(pk=params["chapter"])
        below = ChapterNode.objects.filter(Q(pk=node.pk) | Q(textbook_id=node.textbook_id, path__startswith=node.path + " > "))
        qs = qs.filter(chapter_id__in=below.values("pk"))
    for word in (params.get("q") or "").split():
        match = Q(title__icontains=word) | Q(lesson_title__icontains=word) | Q(chapter_path__icontains=word)
        escaped = json.dumps(word)[1:-1]  # SQLite keeps JSONField text as JSON with \\uXXXX escapes
        if escaped != word:
            match |= Q(chapter_path__icontains=escaped)
        qs = qs.filter(match)
    order = ["-use_count", "-created_at", "-id"] if params.get("sort") == "popular" else ["-created_at", "-id"]
    page = int(params.get("page") or 1)
    count = qs.count()
    rows = list(qs.order_by(*order).values("external_id", "title", "lesson_title", "chapter_path", "resource_type",
                                           "created_at")[(page - 1) * page_size:page * page_size])
    return count, [row["external_id"] for row in rows]


def work_quality(queries, backends):
    from search.backends.database import DatabaseBackend
    from search.backends.elastic import ElasticsearchBackend
    from search.selectors import SearchParams, resource_search

    make = {"es": ElasticsearchBackend, "db": DatabaseBackend}
    out = {}
    for name in backends:
        answers = []
        for q in queries:
            start = time.perf_counter()
            if name == "naive":
                count, ids = naive_search({"q": q})
                used = "naive"
            else:
                result = resource_search(user=None, params=SearchParams(q=q, page_size=10), backend=make[name]())
                count, ids, used = result.count, [r["external_id"] for r in result.results], result.backend
            answers.append({"q": q, "count": count, "ids": ids, "backend": used,
                            "ms": (time.perf_counter() - start) * 1000})
        out[name] = answers
    return out


def work_scale(path):
    from django.db import connection

    out = _import_file(path, connection.vendor)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # Deterministic spread: creation over three years, use counts 0..999 (skewed).
        if connection.vendor == "sqlite":
            cursor.execute(
                "UPDATE resources_resource SET created_at = strftime('%Y-%m-%d %H:%M:%f', 'now',"
                " '-' || ((id * 7919) % 1095) || ' days', '-' || ((id * 104729) % 86400) || ' seconds'),"
                " use_count = ((id * 48271) % 1000) * ((id * 16807) % 1000) / 1000")
        else:
            cursor.execute(
                "UPDATE resources_resource SET created_at = now() - ((id * 7919) % 1095) * interval '1 day'"
                " - ((id * 104729) % 86400) * interval '1 second',"
                " use_count = ((id * 48271) % 1000) * ((id * 16807) % 1000) / 1000")
    _analyze(connection)
    out["spread_s"] = time.perf_counter() - start
    from resources.models import Resource
    from search.models import SearchEntry

    out["resources"] = Resource.objects.count()
    out["search_entries"] = SearchEntry.objects.count()
    return out


def work_latency(kind, patterns, requests, warmup, expect):
    from django.test import Client

    unit = _chapter_unit()
    patterns = [{k: (str(unit) if v == "@unit" else v) for k, v in p.items()} for p in patterns]
    from search.backends.database import DatabaseBackend
    from search.backends.elastic import ElasticsearchBackend

    clock = Clock()  # time inside backend.search (every call of a request: strict, loose, relaxed)
    clock.wrap(DatabaseBackend, "search", "backend")
    clock.wrap(ElasticsearchBackend, "search", "backend")
    client = Client()
    problems = []

    def once(params):
        start = time.perf_counter()
        if kind == "naive":
            count, _ids = naive_search(params)
            return (time.perf_counter() - start) * 1000, count
        response = client.get("/api/v1/search", params)
        ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            problems.append(f"{params}: HTTP {response.status_code} {response.content[:200]!r}")
            return ms, None
        data = response.json()
        if data["backend"] != expect:
            problems.append(f"{params}: answered by {data['backend']}, not {expect}")
        return ms, f"~{data['count']}" if data.get("count_is_estimate") else data["count"]

    counts = {}
    for _ in range(warmup):
        for i, params in enumerate(patterns):
            counts[i] = once(params)[1]
    samples, by_pattern = [], collections.defaultdict(list)
    clock.seconds.clear()
    for n in range(requests):
        i = n % len(patterns)
        ms, _count = once(patterns[i])
        samples.append(ms)
        by_pattern[i].append(ms)
    return {"samples": samples, "backend_share": clock.seconds["backend"] * 1000 / sum(samples), "by_pattern": {str(i): v for i, v in by_pattern.items()}, "counts": counts,
            "problems": problems[:20], "n_problems": len(problems), "unit": unit}


def work_refresh(reindex):
    """A kept database brought up to today's code: migrations, and the search entries rewritten when asked."""
    from django.core.management import call_command
    from django.db import connection

    from search import services

    out = {"vendor": connection.vendor}
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    out["migrate_s"] = time.perf_counter() - start
    if reindex:
        start = time.perf_counter()
        services.search_entries_rebuild(progress=every_30_seconds(connection.vendor, "search entries"))
        out["entries_s"] = time.perf_counter() - start
    start = time.perf_counter()
    _analyze(connection)
    out["analyze_s"] = time.perf_counter() - start
    from resources.models import Resource

    out["resources"] = Resource.objects.count()
    return out


def work_unit():
    return {"unit": _chapter_unit()}


WORKERS = {"refresh": work_refresh, "unit": work_unit, "load": work_load, "es_rebuild": work_es_rebuild, "quality": work_quality, "scale": work_scale,
           "latency": work_latency}


def worker_main(step, args_json, out_path):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    import logging

    logging.getLogger("elasticsearch").setLevel(logging.ERROR)  # the 404 of a first alias lookup is expected
    result = WORKERS[step](**json.loads(args_json))
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")


# --- the orchestrator ---------------------------------------------------------------------------------

def load_judge():
    spec = importlib.util.spec_from_file_location("kexiang_judge", JUDGE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text, size, right=False):
    text = str(text)
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def service_url(script, name):
    """Start a service with scripts/services/<script> (a no-op when it runs) and read the URL it prints."""
    out = subprocess.run([str(ROOT / "scripts" / "services" / script), "start"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{script} start failed:\n{out.stderr}")
    match = re.search(rf"^{name}=(\S+)", out.stdout, re.M)
    if not match:
        sys.exit(f"{script} start printed no {name}:\n{out.stdout}")
    return match.group(1)


class Bench:
    def __init__(self, args):
        self.args = args
        self.phases = []  # (name, seconds)
        self.workdir = Path(args.workdir)
        self.base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ELASTICSEARCH_URL")}
        self.base_env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0", "LOG_LEVEL": "WARNING",
            "KEXIANG_VAR_DIR": str(self.workdir / "var"), "KEXIANG_SEARCH_INDEX": args.es_alias,
            "PYTHONUNBUFFERED": "1",
        })
        self.envs = {}

    @contextlib.contextmanager
    def phase(self, name):
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        yield
        seconds = time.perf_counter() - start
        self.phases.append((name, seconds))
        print(f"   ({seconds:.1f} s)", flush=True)

    def run(self, env_name, step, **kwargs):
        env = dict(self.base_env, **self.envs[env_name])
        with tempfile.NamedTemporaryFile(dir=self.workdir, suffix=".json", delete=False) as fh:
            out = Path(fh.name)
        proc = subprocess.run([sys.executable, __file__, "--worker", step, "--worker-args", json.dumps(kwargs, ensure_ascii=False),
                               "--worker-out", str(out)], env=env, cwd=ROOT)
        if proc.returncode != 0:
            sys.exit(f"worker {step} on {env_name} failed (exit {proc.returncode}); see above")
        result = json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
        return result


def _pg_admin(url, *statements):
    import psycopg
    from urllib.parse import urlparse

    u = urlparse(url)
    with psycopg.connect(host=u.hostname, port=u.port, user=u.username, password=u.password, dbname="postgres",
                         autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _es_cleanup(url, alias):
    import urllib.request

    request = urllib.request.Request(f"{url}/{alias}_*", method="DELETE")  # every index the alias swaps between
    with contextlib.suppress(Exception):
        urllib.request.urlopen(request, timeout=60).read()


def scaled_file(records, total, path):
    """Copies of the real records with new external_ids until `total` documents (with the originals)."""
    extra = max(0, total - len(records))
    with open(path, "w", encoding="utf-8") as fh:
        written, copy = 0, 0
        while written < extra:
            copy += 1
            for r in records:
                if written >= extra:
                    break
                row = dict(r, external_id=f"{r['external_id']}:copy{copy}")
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
    return extra


def describe(params):
    return " ".join(f"{k}={v}" for k, v in params.items()) or "(everything)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=200_000, help="documents for the latency runs (default 200000)")
    parser.add_argument("--skip-scale", action="store_true", help="quality only, no scaled corpus or latency")
    parser.add_argument("--backends", default="es,sqlite,pg,naive")
    parser.add_argument("--queries", default=str(QUERIES), help="judged queries (search-dev.json format)")
    parser.add_argument("--requests", type=int, default=200, help="timed API requests per backend")
    parser.add_argument("--warmup", type=int, default=2, help="untimed passes over the query set first")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds of every backend, interleaved; medians are reported")
    parser.add_argument("--clients", type=int, default=10, help="concurrent clients through the app server (0: skip)")
    parser.add_argument("--seconds", type=float, default=15, help="seconds of concurrent load per backend and round")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases, index and files")
    parser.add_argument("--reuse", action="store_true",
                        help="time what a --keep run left (migrated to today's code), without loading or scoring again")
    parser.add_argument("--reindex", action="store_true", help="with --reuse: rewrite the search entries and the index first")
    parser.add_argument("--clean", action="store_true", help="only remove what a --keep run left, then stop")
    parser.add_argument("--workdir", default="/tmp/kexiang-search-bench")
    parser.add_argument("--pg-db", default="kexiang_bench")
    parser.add_argument("--es-alias", default="kexiang-bench")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-args", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args.worker, args.worker_args, args.worker_out)

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"es", "sqlite", "pg", "naive"}
    if unknown:
        parser.error(f"unknown backends {sorted(unknown)}: choose from es, sqlite, pg, naive")
    if args.pg_db in ("kexiang", "postgres") or args.pg_db.startswith("test_"):
        parser.error("--pg-db must be a database of the benchmark's own")
    if args.es_alias == "kexiang-resources" or args.es_alias.startswith("kexiang-test"):
        parser.error("--es-alias must be an alias of the benchmark's own")
    dbs = [db for db in ("sqlite", "pg") if db in backends or (db == "pg" and "es" in backends)]
    if not dbs:
        dbs = ["sqlite"]  # naive alone
    use_es = "es" in backends

    if args.clean:
        admin = service_url("postgres.sh", "DATABASE_URL")
        _pg_admin(admin, f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
        _es_cleanup(service_url("elasticsearch.sh", "ELASTICSEARCH_URL"), args.es_alias)
        shutil.rmtree(args.workdir, ignore_errors=True)
        print(f"removed PostgreSQL database {args.pg_db}, Elasticsearch indices {args.es_alias}_*, {args.workdir}")
        return
    bench = Bench(args)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    if args.reuse:
        if not (bench.workdir / "var").exists():
            parser.error(f"--reuse needs what a --keep run left in {bench.workdir}")
        args.keep = True
    else:
        if bench.workdir.exists():
            shutil.rmtree(bench.workdir)
        (bench.workdir / "var").mkdir(parents=True)
    judge = bench.judge = load_judge()
    records = judge.load(RESOURCES)
    judged_queries = json.load(open(args.queries, encoding="utf-8"))
    queries = [item["q"] for item in judged_queries]
    judged = {item["q"]: judge.grades(records, item["rules"]) for item in judged_queries}

    pg_url = es_url = None
    with bench.phase("services"):
        if "sqlite" in dbs:
            bench.envs["sqlite"] = {"DATABASE_URL": f"sqlite:///{bench.workdir / 'bench.sqlite3'}"}
        if "pg" in dbs:
            admin = service_url("postgres.sh", "DATABASE_URL")
            pg_url = re.sub(r"/[^/]*$", f"/{args.pg_db}", admin)
            if not args.reuse:
                _pg_admin(admin, f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)', f'CREATE DATABASE "{args.pg_db}"')
            bench.envs["pg"] = {"DATABASE_URL": pg_url}
            print(f"   PostgreSQL {pg_url}")
        if use_es:
            es_url = service_url("elasticsearch.sh", "ELASTICSEARCH_URL")
            if not args.reuse:
                _es_cleanup(es_url, args.es_alias)
            bench.envs["es"] = {"DATABASE_URL": pg_url, "ELASTICSEARCH_URL": es_url}
            print(f"   Elasticsearch {es_url}, alias {args.es_alias}")

    try:
        report = run_bench(bench, backends, dbs, use_es, records, queries, judged)
    finally:
        if not args.keep:
            with bench.phase("clean up"):
                if pg_url:
                    _pg_admin(re.sub(r"/[^/]*$", "/postgres", pg_url), f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
                if es_url:
                    _es_cleanup(es_url, args.es_alias)
                shutil.rmtree(bench.workdir, ignore_errors=True)
        else:
            print(f"kept: {bench.workdir}, PostgreSQL {pg_url}, Elasticsearch alias {args.es_alias}")
    print_summary(bench, report)


def run_bench(bench, backends, dbs, use_es, records, queries, judged):
    args = bench.args
    report = {"import": {}, "quality": {}, "latency": {}, "es_index": {}, "concurrent": {}}
    if args.reuse:
        for db in dbs:
            with bench.phase(f"reuse {db}: migrate" + (", rewrite the search entries" if args.reindex else "") + ", ANALYZE"):
                got = bench.run(db, "refresh", reindex=args.reindex)
                print(f"   {got['resources']:,} resources")
        if use_es and args.reindex:
            with bench.phase("reuse Elasticsearch: rebuild the index"):
                built = bench.run("es", "es_rebuild")
                report["es_index"][built["docs"]] = built
                print(f"   {es_line(built)}")
        time_scaled(bench, backends, dbs, use_es, report)
        return report
    for db in dbs:
        with bench.phase(f"load {db}: migrate, catalogue, {len(records):,} resources"):
            loaded = bench.run(db, "load", resources=str(RESOURCES), catalogue=str(CATALOGUE))
            report["import"][f"{db} {len(records):,}"] = loaded["import"]
            print(f"   migrate {loaded['migrate_s']:.1f} s, catalogue {loaded['catalogue_s']:.1f} s, "
                  f"resources {import_line(loaded['import'])}; (VACUUM) ANALYZE {loaded['analyze_s']:.1f} s")
    if use_es:
        with bench.phase("Elasticsearch: build the index (search_index_rebuild)"):
            built = bench.run("es", "es_rebuild")
            report["es_index"][built["docs"]] = built
            print(f"   {es_line(built)}")

    # Quality: every backend on the real corpus.
    columns = []  # (label, env, worker backend)
    if use_es:
        columns.append(("elasticsearch", "es", "es"))
    for db in dbs:
        if db in backends:
            columns.append((f"db/{db}", db, "db"))
    if "naive" in backends:
        columns += [(f"naive/{db}", db, "naive") for db in dbs]
    with bench.phase(f"quality: {len(queries)} judged queries"):
        by_env = collections.defaultdict(list)
        for _label, env, kind in columns:
            by_env[env].append(kind)
        answers = {}
        for env, kinds in by_env.items():
            got = bench.run(env, "quality", queries=queries, backends=kinds)
            for label, env2, kind in columns:
                if env2 == env:
                    answers[label] = got[kind]
    print_quality(bench, columns, answers, queries, judged, report)

    if args.skip_scale:
        return report
    path = bench.workdir / f"scale-{args.scale}.jsonl"
    with bench.phase(f"scale: write {args.scale:,}-document corpus"):
        extra = scaled_file(records, args.scale, path)
        print(f"   {extra:,} copies in {path} ({path.stat().st_size / 1e6:.0f} MB)")
    for db in dbs:
        with bench.phase(f"scale {db}: import {extra:,} copies (import_resources path), spread dates"):
            scaled = bench.run(db, "scale", path=str(path))
            report["import"][f"{db} +{extra:,}"] = scaled
            print(f"   {import_line(scaled)}; dates/use counts + ANALYZE {scaled['spread_s']:.1f} s; "
                  f"{scaled['resources']:,} resources, {scaled['search_entries']:,} search entries")
    if use_es:
        with bench.phase(f"scale Elasticsearch: rebuild with {args.scale:,} documents"):
            built = bench.run("es", "es_rebuild")
            report["es_index"][built["docs"]] = built
            print(f"   {es_line(built)}")

    time_scaled(bench, backends, dbs, use_es, report)
    return report


ES_DOWN_URL = "http://127.0.0.1:9"  # the discard port: nothing listens, so a connection is refused at once


def time_scaled(bench, backends, dbs, use_es, report):
    """Latency of every backend in `--runs` interleaved rounds, then `--clients` concurrent clients through
    the app server. An Elasticsearch that is down (nothing listening at its URL) is timed too: the database
    answers in its place."""
    args = bench.args
    runs = []  # (label, env, kind, expected backend)
    if use_es:
        runs.append(("elasticsearch", "es", "api", "elasticsearch"))
    for db in dbs:
        if db in backends:
            runs.append((f"db/{db}", db, "api", "database"))
    if use_es and "pg" in dbs:
        bench.envs["es-down"] = dict(bench.envs["pg"], ELASTICSEARCH_URL=ES_DOWN_URL)
        runs.append(("es down: db/pg", "es-down", "api", "database"))
    if "naive" in backends:
        runs += [(f"naive/{db}", db, "naive", None) for db in dbs]
    for round_no in range(1, args.runs + 1):
        for label, env, kind, expect in runs:
            with bench.phase(f"latency {label}, round {round_no}/{args.runs}: {args.requests} requests"):
                env_over = dict(bench.envs[env], DATABASE_CONN_MAX_AGE="600")
                bench.envs[env + ":latency"] = env_over
                got = bench.run(env + ":latency", "latency", kind=kind, patterns=LATENCY_QUERIES,
                                requests=args.requests, warmup=args.warmup, expect=expect)
                report["latency"].setdefault(label, []).append(got)
                print(f"   p50 {percentile(got['samples'], 50):.1f} ms, p95 {percentile(got['samples'], 95):.1f} ms"
                      + (f", {got['backend_share'] * 100:.0f}% of the time inside backend.search" if kind == "api" else ""))
                for problem in got["problems"]:
                    print(f"   PROBLEM {problem}")
    print_latency(bench, runs, report)
    if args.clients:
        time_concurrent(bench, [r for r in runs if r[2] == "api"], report)


def time_concurrent(bench, runs, report):
    """`--clients` clients on GET /api/v1/search through gunicorn (config/gunicorn.py, as in production)."""
    import urllib.parse

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from serving import drive, free_port, get

    args = bench.args
    unit = next(iter(report["latency"].values()))[0]["unit"]
    paths = []
    for params in LATENCY_QUERIES:
        params = {k: (str(unit) if v == "@unit" else v) for k, v in params.items()}
        paths.append("/api/v1/search?" + urllib.parse.urlencode(params))
    for round_no in range(1, args.runs + 1):
        for label, env, _kind, expect in runs:
            with bench.phase(f"concurrent {label}, round {round_no}/{args.runs}: {args.clients} clients, {args.seconds:.0f} s"):
                port = free_port()
                environ = dict(bench.base_env, **bench.envs[env], DATABASE_CONN_MAX_AGE="600", KEXIANG_BIND=f"127.0.0.1:{port}",
                               KEXIANG_WEB_LOG_LEVEL="warning")
                log = bench.workdir / "gunicorn.log"
                with open(log, "ab") as fh:
                    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.py"],
                                              cwd=ROOT, env=environ, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
                try:
                    deadline = time.monotonic() + 120
                    while get(port, "/healthz", timeout=2)[0] != 200:
                        if server.poll() is not None or time.monotonic() > deadline:
                            sys.exit(f"gunicorn did not start; see {log}")
                        time.sleep(0.3)
                    status, body = get(port, paths[0])
                    answered = json.loads(body).get("backend") if status == 200 else None
                    for path in paths:  # every worker process warm: its first search reads the taxonomy
                        get(port, path)
                    rps, p50, p95, errors, count = drive(port, paths, args.clients, args.seconds)
                finally:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=60)
                got = {"rps": rps, "p50": p50, "p95": p95, "errors": errors, "requests": count, "backend": answered}
                report["concurrent"].setdefault(label, []).append(got)
                wrong = f" (answered by {answered}, not {expect})" if answered != expect else ""
                print(f"   {rps:.1f} req/s, p50 {p50 or 0:.1f} ms, p95 {p95 or 0:.1f} ms, {errors} errors{wrong}")


def import_line(imp):
    rate = imp["rows"] / imp["import_s"] if imp["import_s"] else 0
    other = imp["import_s"] - imp["search_entries_s"]
    db_write = imp["search_entries_s"] - imp["records_s"] - imp["grams_words_s"]
    return (f"{imp['rows']:,} rows: read {imp['read_s']:.1f} s, import {imp['import_s']:.1f} s = {rate:,.0f} rows/s "
            f"(resources {other:.1f} s; search entries {imp['search_entries_s']:.1f} s = read back "
            f"{imp['records_s']:.1f} + grams/jieba {imp['grams_words_s']:.1f} + write {db_write:.1f})")


def es_line(built):
    rate = built["docs"] / built["seconds"] if built["seconds"] else 0
    return (f"{built['docs']:,} documents in {built['seconds']:.1f} s = {rate:,.0f} docs/s (read {built['records_s']:.1f} s, "
            f"jieba {built['segment_s']:.1f} s, bulk {built['bulk_s']:.1f} s), {built['store_bytes'] / 1e6:.0f} MB; "
            f"merges settled {built['settle_s']:.1f} s later")


def print_quality(bench, columns, answers, queries, judged, report):
    print(f"\nnDCG@10 on {Path(bench.args.queries).name} ({len(queries)} judged queries); cell: nDCG (results)")
    head = pad("query", 30) + "".join(pad(label, 17, right=True) for label, _e, _k in columns)
    print(head)
    scores = {label: [] for label, _e, _k in columns}
    zero = {label: [] for label, _e, _k in columns}
    for i, q in enumerate(queries):
        line = pad(q, 30)
        for label, _env, kind in columns:
            answer = answers[label][i]
            score = bench.judge.ndcg(answer["ids"], judged[q])
            scores[label].append(score)
            if not answer["ids"]:
                zero[label].append(q)
            flag = "" if kind == "naive" or answer["backend"] == {"es": "elasticsearch", "db": "database"}[kind] else "!"
            line += pad(f"{score:.3f} ({answer['count']}){flag}", 17, right=True)
        print(line)
    print(pad("mean", 30) + "".join(pad(f"{statistics.mean(scores[label]):.3f}", 17, right=True) for label, _e, _k in columns))
    print(pad("selector ms, median", 30) + "".join(
        pad(f"{statistics.median(a['ms'] for a in answers[label]):.1f}", 17, right=True) for label, _e, _k in columns))
    print(pad("judged queries with no result", 30) + "".join(pad(len(zero[label]), 17, right=True) for label, _e, _k in columns))
    for label, _e, _k in columns:
        if zero[label]:
            print(f"  {label}: no result for {', '.join(zero[label])}")
    if "elasticsearch" in answers:  # the databases must give Elasticsearch's first page (issue 15)
        for label, _e, kind in columns:
            if kind != "db":
                continue
            differ = [a["q"] for a, es in zip(answers[label], answers["elasticsearch"]) if a["ids"] != es["ids"]]
            print(f"  {label}: same first page as Elasticsearch for {len(queries) - len(differ)} of {len(queries)}"
                  + (f"; differs for {', '.join(differ)}" if differ else ""))
    bad = [f"{label}: {a['q']} answered by {a['backend']}" for label, _e, kind in columns if kind != "naive"
           for a in answers[label] if a["backend"] != {"es": "elasticsearch", "db": "database"}[kind]]
    for line in bad:
        print(f"  ! {line}")
    report["quality"] = {label: {"mean": statistics.mean(scores[label]), "zero": len(zero[label]),
                                 "scores": scores[label]} for label, _e, _k in columns}


def round_figures(rounds):
    """(median of the rounds' p50, median of the rounds' p95, every round's p95)."""
    p50s = [percentile(r["samples"], 50) for r in rounds]
    p95s = [percentile(r["samples"], 95) for r in rounds]
    return statistics.median(p50s), statistics.median(p95s), p95s


def print_latency(bench, runs, report):
    latency = report["latency"]
    if not latency:
        return
    labels = [label for label, *_ in runs]
    print(f"\nLatency per query pattern at {bench.args.scale:,} documents: median ms over {bench.args.runs} round(s) "
          "(matching resources; ~ marks an estimated count). API through django.test.Client with persistent DB "
          "connections; naive/* times the baseline function alone")
    print(pad("query", 46) + "".join(pad(label, 20, right=True) for label in labels))
    for i, params in enumerate(LATENCY_QUERIES):
        line = pad(describe(params), 46)
        for label in labels:
            rounds = latency[label]
            values = [v for r in rounds for v in r["by_pattern"].get(str(i), [])]
            count = rounds[-1]["counts"].get(str(i))
            cell = f"{statistics.median(values):.1f}" if values else "-"
            if count is not None:
                cell += f" ({count})"
            line += pad(cell, 20, right=True)
        print(line)


def print_summary(bench, report):
    args = bench.args
    print("\nSummary")
    quality = report.get("quality", {})
    latency = report.get("latency", {})
    es_p50 = es_p95 = None
    if "elasticsearch" in latency:
        es_p50, es_p95, _ = round_figures(latency["elasticsearch"])
    print(pad("backend", 16) + pad("nDCG@10", 9, True) + pad("no result", 11, True)
          + (pad("p50 ms", 9, True) + pad("p95 ms", 9, True) + pad("p50 /ES", 9, True) + pad("p95 /ES", 9, True) if latency else "")
          + "  targets (p50/p95: medians of the rounds)")
    for label in list(dict.fromkeys(list(quality) + list(latency))):
        q = quality.get(label)
        line = pad(label, 16)
        line += pad(f"{q['mean']:.3f}" if q else "-", 9, True) + pad(q["zero"] if q else "-", 11, True)
        notes = []
        if q and not label.startswith("naive"):
            need = TARGETS["ndcg"]
            notes.append(f"nDCG>={need} {'ok' if q['mean'] >= need else 'MISSED'}")
            notes.append(f"no empty {'ok' if q['zero'] == 0 else 'MISSED'}")
        if latency:
            rounds = latency.get(label)
            if rounds:
                p50, p95, p95s = round_figures(rounds)
                line += pad(f"{p50:.1f}", 9, True) + pad(f"{p95:.1f}", 9, True)
                line += pad(f"x{p50 / es_p50:.1f}" if es_p50 else "-", 9, True) + pad(f"x{p95 / es_p95:.1f}" if es_p95 else "-", 9, True)
                if not label.startswith("naive"):
                    target = TARGETS["es_p95_ms"] if label == "elasticsearch" else TARGETS["db_p95_ms"]
                    notes.append(f"p95<={target:.0f} ms at {args.scale:,} {'ok' if p95 <= target else 'MISSED'}"
                                 f" (rounds: {', '.join(f'{v:.1f}' for v in p95s)})")
                n_problems = sum(r["n_problems"] for r in rounds)
                if n_problems:
                    notes.append(f"{n_problems} bad answers")
            else:
                line += pad("-", 9, True) * 4
        print(line + "  " + "; ".join(notes))
    concurrent = report.get("concurrent", {})
    if concurrent:
        print(f"\n{args.clients} concurrent clients through gunicorn (config/gunicorn.py), {args.seconds:.0f} s per round; "
              "medians of the rounds")
        print(pad("backend", 16) + pad("req/s", 9, True) + pad("p50 ms", 9, True) + pad("p95 ms", 9, True) + pad("errors", 9, True)
              + "  answered by")
        for label, rounds in concurrent.items():
            med = {k: statistics.median(r[k] or 0 for r in rounds) for k in ("rps", "p50", "p95")}
            print(pad(label, 16) + pad(f"{med['rps']:.1f}", 9, True) + pad(f"{med['p50']:.1f}", 9, True)
                  + pad(f"{med['p95']:.1f}", 9, True) + pad(sum(r["errors"] for r in rounds), 9, True)
                  + "  " + ", ".join(sorted({str(r["backend"]) for r in rounds})))
    if quality.get("naive/sqlite") or quality.get("naive/pg"):
        base = quality.get("naive/sqlite") or quality.get("naive/pg")
        ratios = [f"{label} x{q['mean'] / base['mean']:.2f}" for label, q in quality.items() if base["mean"]]
        print("nDCG@10 ratio to the naive baseline: " + ", ".join(ratios))
    print("import rates:")
    for name, imp in report.get("import", {}).items():
        print(f"  {pad(name, 16)} {imp['rows'] / imp['import_s']:8,.0f} rows/s ({imp['import_s']:.1f} s, "
              f"search entries {imp['search_entries_s'] / imp['import_s'] * 100:.0f}% of it)")
    for docs, built in report.get("es_index", {}).items():
        print(f"  {pad('es ' + format(int(docs), ','), 16)} {int(docs) / built['seconds']:8,.0f} docs/s ({built['seconds']:.1f} s)")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs); "
          "the machine is shared, so compare ratios within a run rather than absolute times across runs")
    print("phases:")
    for name, seconds in bench.phases:
        print(f"  {seconds:7.1f} s  {name}")
    print(f"  {sum(s for _n, s in bench.phases):7.1f} s  total")


if __name__ == "__main__":
    main()
