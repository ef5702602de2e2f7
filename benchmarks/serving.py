#!/usr/bin/env python3
"""Serving under load: the platform as `make run` starts it against the old development server, same data.

    .venv/bin/python benchmarks/serving.py [--runs 3] [--seconds 20] [--search-clients 10] [--page-clients 20]

Sets up the embedded default once in a temporary folder (migrate + load_demo_data, exactly what `make run`
does first), then for each run:
  1. starts `scripts/run.sh` (gunicorn with config/gunicorn.py and the Celery worker) and drives it with
     `--search-clients` clients on GET /api/v1/search (the judged queries of ../shared/eval, with and without
     facets) for `--seconds`, then `--page-clients` clients on pages (/, /resources/browse/, resource pages);
  2. does the same against `manage.py runserver --noreload` with DEBUG on, as `make run` served before.
Prints requests/s, p50, p95 and errors for each, the ratios, and the medians over the runs; exits 1 when
the app server misses the targets (search >= 50 req/s with p95 <= 300 ms, pages p95 <= 300 ms, no errors).
The load comes from this process (threads with keep-alive connections) on the same 2 cores, as a school's
single machine would see it from its network. Run it on demand, not in CI (~5 min with the demo data).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
EVAL = ROOT.parent / "shared" / "eval" / "search-dev.json"
FALLBACK_QUERIES = ["古诗三首", "背影 教案", "三年级 语文 课件", "春 微课", "道德与法治", "草船借箭", "荷塘月色 教学设计",
                    "找春天", "说课", "单元 练习"]
TARGETS = {"search_rps": 50.0, "search_p95_ms": 300.0, "pages_p95_ms": 300.0}


def fail(message):
    print(f"serving.py: {message}", file=sys.stderr)
    sys.exit(2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return None, b""
    finally:
        conn.close()


class Server:
    """One way of serving the same var dir: `scripts/run.sh` (as make run) or the old runserver."""

    def __init__(self, kind, env, log):
        self.kind, self.env, self.log = kind, env, log
        self.port = free_port()
        self.process = None

    def start(self):
        env = {**self.env, "PORT": str(self.port)}
        if self.kind == "app server":
            command = ["bash", "scripts/run.sh"]
            env["BIN"] = str(PYTHON.parent)
        else:
            command = [str(PYTHON), "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
            env["DEBUG"] = "1"  # the old `make run`: dev settings had DEBUG on
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if get(self.port, "/healthz", timeout=2)[0] == 200:
                return
            time.sleep(0.3)
        self.stop()
        fail(f"{self.kind} did not start; the end of {self.log}:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def drive(port, paths, clients, seconds):
    """`clients` threads, each on one keep-alive connection, GET paths in turn for `seconds`.
    Returns (requests/s, p50 ms, p95 ms, errors, requests)."""
    latencies, errors = [], []
    lock = threading.Lock()
    start_at = time.monotonic() + 0.2
    stop_at = start_at + seconds

    def client(number):
        rng = random.Random(number)
        mine, bad = [], 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < start_at:
            time.sleep(0.01)
        while time.monotonic() < stop_at:
            path = rng.choice(paths)
            began = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                status = None
                conn.close()
            mine.append((time.perf_counter() - began) * 1000)
            if status != 200:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    count = len(latencies)
    if not count:
        return 0.0, None, None, sum(errors), 0
    p50 = latencies[count // 2]
    p95 = latencies[min(count - 1, int(count * 0.95))]
    return count / seconds, p50, p95, sum(errors), count


def search_paths():
    queries = FALLBACK_QUERIES
    if EVAL.exists():
        queries = [item["q"] for item in json.loads(EVAL.read_text(encoding="utf-8"))] + FALLBACK_QUERIES
    paths = []
    for q in queries:
        paths.append("/api/v1/search?" + urllib.parse.urlencode({"q": q}))
        paths.append("/api/v1/search?" + urllib.parse.urlencode({"q": q, "subject": "语文", "page": 2}))
    paths.append("/api/v1/search?" + urllib.parse.urlencode({"subject": "语文", "grade": "三年级"}))
    return paths


def page_paths(port):
    status, body = get(port, "/api/v1/search?" + urllib.parse.urlencode({"q": "语文", "page_size": 20}))
    ids = [row["id"] for row in json.loads(body)["results"]] if status == 200 else []
    if not ids:
        fail("the demo content has no resource to open (search for 语文 found none)")
    return ["/", "/resources/browse/"] + [f"/resources/{pk}/" for pk in ids[:8]]


def setup(var, env):
    print(f"setting up the embedded default in {var} (migrate, load_demo_data) ...", flush=True)
    for command in (["migrate", "--noinput", "-v", "0"], ["load_demo_data"]):
        done = subprocess.run([str(PYTHON), "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            fail(f"manage.py {' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def ms(value):
    return "-" if value is None else f"{value:.0f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--search-clients", type=int, default=10)
    parser.add_argument("--page-clients", type=int, default=20)
    parser.add_argument("--var", help="reuse this var dir (made by an earlier --keep run) instead of a new one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir")
    parser.add_argument("--only", choices=["app server", "runserver"], help="measure one server only")
    args = parser.parse_args()
    if not PYTHON.exists():
        fail("run `make install` first (.venv is missing)")

    scratch = Path(args.var) if args.var else Path(tempfile.mkdtemp(prefix="kexiang-serving-"))
    var = scratch / "var"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "KEXIANG_VAR_DIR": str(var),
           "LOG_LEVEL": "WARNING"}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "ELASTICSEARCH_URL",
                 "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "STATIC_ROOT", "KEXIANG_UPLOAD_DIR", "DEBUG", "KEXIANG_BIND"):
        env.pop(name, None)
    kinds = [args.only] if args.only else ["app server", "runserver"]
    results = {kind: [] for kind in kinds}
    try:
        if not (var / "kexiang.sqlite3").exists():
            setup(var, env)
        print(f"{os.cpu_count()} cores; {args.search_clients} search clients, then {args.page_clients} page clients, "
              f"{args.seconds:.0f} s each; {args.runs} runs", flush=True)
        for run in range(1, args.runs + 1):
            for kind in kinds:
                server = Server(kind, env, scratch / f"{kind.replace(' ', '-')}.log")
                server.start()
                try:
                    pages = page_paths(server.port)
                    searches = search_paths()
                    drive(server.port, searches[:4] + pages[:3], 2, 2)  # warm both before measuring
                    search = drive(server.port, searches, args.search_clients, args.seconds)
                    page = drive(server.port, pages, args.page_clients, args.seconds)
                finally:
                    server.stop()
                results[kind].append({"search": search, "pages": page})
                print(f"run {run} {kind:10}  search {search[0]:6.1f} req/s p50 {ms(search[1]):>8} p95 {ms(search[2]):>8} "
                      f"errors {search[3]:4}   pages {page[0]:6.1f} req/s p50 {ms(page[1]):>8} p95 {ms(page[2]):>8} "
                      f"errors {page[3]:4}", flush=True)
    finally:
        if not args.keep and not args.var:
            shutil.rmtree(scratch, ignore_errors=True)
        elif args.keep:
            print(f"kept {scratch} (reuse it with --var {scratch})")

    def median(kind, part, index):
        values = [r[part][index] for r in results[kind] if r[part][index] is not None]
        return statistics.median(values) if values else None

    print(f"\nmedians of {args.runs} runs:")
    summary = {}
    for kind in kinds:
        summary[kind] = {part: [median(kind, part, i) for i in range(4)] for part in ("search", "pages")}
        s, p = summary[kind]["search"], summary[kind]["pages"]
        print(f"  {kind:10}  search {s[0]:6.1f} req/s p50 {ms(s[1]):>8} p95 {ms(s[2]):>8} errors {s[3]:.0f}   "
              f"pages {p[0]:6.1f} req/s p50 {ms(p[1]):>8} p95 {ms(p[2]):>8} errors {p[3]:.0f}")
    if len(kinds) == 2:
        new, old = summary["app server"], summary["runserver"]
        for part in ("search", "pages"):
            rps = new[part][0] / old[part][0] if old[part][0] else float("inf")
            p95 = old[part][2] / new[part][2] if new[part][2] else float("inf")
            print(f"  {part}: app server x{rps:.1f} the requests/s of runserver; p95 x{p95:.1f} shorter")
    if "app server" in summary:
        s, p = summary["app server"]["search"], summary["app server"]["pages"]
        missed = []
        if s[0] < TARGETS["search_rps"]:
            missed.append(f"search {s[0]:.1f} req/s < {TARGETS['search_rps']:.0f}")
        if s[2] is None or s[2] > TARGETS["search_p95_ms"]:
            missed.append(f"search p95 {ms(s[2])} > {TARGETS['search_p95_ms']:.0f} ms")
        if p[2] is None or p[2] > TARGETS["pages_p95_ms"]:
            missed.append(f"pages p95 {ms(p[2])} > {TARGETS['pages_p95_ms']:.0f} ms")
        if s[3] or p[3]:
            missed.append(f"{s[3] + p[3]:.0f} errors")
        print("targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
        sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
