#!/usr/bin/env python3
"""Bulk provisioning benchmark: a district's 50,000 teachers in 500 schools through `manage.py import_people`.

    .venv/bin/python benchmarks/import_people.py [--people 50000] [--schools 500] [--dbs sqlite,pg] [--keep]

It writes the district's list as a CSV (UTF-8 with BOM, as Excel saves it): per school 100 teachers with a 工号,
a phone, a role (one 教研组长 and one 学校管理员 per school), a subject, one or two groups; every school paired with a
supporting school. Then, on each database (a fresh SQLite file; a fresh PostgreSQL database on the server
`scripts/services/postgres.sh start` runs), after `migrate`:
  1. first import (--create-schools): everything is made;
  2. the same file again: nothing changes;
  3. the file with 200 bad rows added (unknown school, duplicate phone, unknown role…): refused whole, the 200
     listed, nothing changed.
Each is one `manage.py` process, timed here (wall, Django's start included) with its peak memory (ru_maxrss
of that process); the command prints its own rows/s (without the start). Prints each figure, the ratios
second/first and pg/sqlite, and exits 1 when the first import misses 2,000 rows/s or 500 MB on either database.
About 3 minutes on 2 cores.
"""
import argparse
import os
import threading
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TARGET_ROWS_PER_S, TARGET_MB = 2000, 500
PG_DB = "kexiang_bench_people"
SUBJECTS = ("语文", "数学", "英语", "科学", "道德与法治", "音乐", "美术", "体育与健康")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建华红梅文"
HEADER = "学校,学段,姓名,手机号,工号,角色,学科,教研组,结对支援学校"


def write_list(path, people, schools, bad=0):
    rng = random.Random(20261205)
    per_school = people // schools
    lines = [HEADER]
    for s in range(schools):
        school, partner = f"示范县第{s + 1}学校", f"示范县支援校{s % 50 + 1}"
        stage = ("小学", "初中", "高中")[s % 3]
        for t in range(per_school):
            n = s * per_school + t
            subject = SUBJECTS[t % len(SUBJECTS)]
            role = "教研组长" if t == 0 else "学校管理员" if t == 1 else "教师"
            groups = f"{subject}组" + ("、青年教师成长营" if t % 5 == 0 else "")
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            lines.append(f"{school},{stage},{name},139{n:08d},T{n:06d},{role},{subject},{groups},{partner}")
    for b in range(bad):
        kind = b % 4
        n = people + b
        if kind == 0:
            lines.append(f"不存在的学校{b},小学,错校名,137{n:08d},X{n:06d},教师,语文,,")
        elif kind == 1:
            lines.append(f"示范县第1学校,小学,重号,13900000000,X{n:06d},教师,语文,,")  # the phone of T000000
        elif kind == 2:
            lines.append(f"示范县第1学校,小学,怪角色,137{n:08d},X{n:06d},校长,语文,,")
        else:
            lines.append(f"示范县第1学校,大学,学段错,137{n:08d},X{n:06d},教师,体操,,")
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    return len(lines) - 1


def service_url(script, name):
    out = subprocess.run([str(ROOT / "scripts" / "services" / script), "start"], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{script} start failed:\n{out.stderr}")
    match = re.search(rf"^{name}=(\S+)", out.stdout, re.M)
    if not match:
        sys.exit(f"{script} printed no {name}")
    return match.group(1)


def pg_admin(url, *statements):
    import psycopg  # noqa: PLC0415

    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def measured(env, *args):
    """manage.py, its peak memory from wait4 (its own ru_maxrss): (seconds, peak MB, rc, out, err)."""
    started = time.monotonic()
    process = subprocess.Popen([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    out_chunks, err_chunks = [], []
    readers = [threading.Thread(target=lambda s=stream, c=chunks: c.append(s.read()))
               for stream, chunks in ((process.stdout, out_chunks), (process.stderr, err_chunks))]
    for reader in readers:
        reader.start()
    _pid, status, usage = os.wait4(process.pid, 0)
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return (time.monotonic() - started, usage.ru_maxrss / 1024, process.returncode, "".join(out_chunks),
            "".join(err_chunks))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50000)
    parser.add_argument("--schools", type=int, default=500)
    parser.add_argument("--bad", type=int, default=200)
    parser.add_argument("--dbs", default="sqlite,pg")
    parser.add_argument("--keep", action="store_true", help="leave the work folder and the PostgreSQL database")
    args = parser.parse_args()
    dbs = [db for db in args.dbs.split(",") if db]
    work = Path(tempfile.mkdtemp(prefix="kexiang-bench-people-"))
    good, bad = work / "district.csv", work / "district-bad.csv"
    rows = write_list(good, args.people, args.schools)
    bad_rows = write_list(bad, args.people, args.schools, bad=args.bad)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"list: {rows} people in {args.schools} schools ({good.stat().st_size / 1e6:.1f} MB); "
          f"with {args.bad} bad rows: {bad_rows}")
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL",
                                                              "CELERY_BROKER_URL")}
    base.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "KEXIANG_VAR_DIR": str(work / "var")})
    results, failed = {}, False
    for db in dbs:
        env = dict(base)
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        else:
            admin = service_url("postgres.sh", "DATABASE_URL")
            pg_admin(admin, f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)', f'CREATE DATABASE "{PG_DB}"')
            env["DATABASE_URL"] = re.sub(r"/[^/]*$", f"/{PG_DB}", admin)
        seconds, _mb, rc, _out, err = measured(env, "migrate", "--noinput", "-v0")
        if rc:
            sys.exit(f"migrate on {db} failed:\n{err[-3000:]}")
        first = measured(env, "import_people", str(good), "--create-schools")
        second = measured(env, "import_people", str(good))
        refused = measured(env, "import_people", str(bad))
        for name, (_secs, _mb, rc, _out, err) in (("first", first), ("second", second)):
            if rc:
                sys.exit(f"{name} import on {db} failed:\n{err[-3000:]}")
        if refused[2] == 0 or f"{args.bad} of {bad_rows} rows are bad" not in refused[4]:
            sys.exit(f"the file with bad rows was not refused as it should be on {db}:\n{refused[4][-2000:]}")
        listed = sum(1 for line in refused[4].splitlines() if line.startswith("line "))
        own = float(re.search(r"([\d.]+) rows/s", first[3]).group(1))
        results[db] = {"first_s": first[0], "first_mb": first[1], "own_rows_s": own, "wall_rows_s": rows / first[0],
                       "second_s": second[0], "second_mb": second[1], "refused_s": refused[0], "listed": listed}
        r = results[db]
        print(f"\n{db}: first import {r['first_s']:.1f} s wall = {r['wall_rows_s']:.0f} rows/s "
              f"(command's own {r['own_rows_s']:.0f} rows/s), peak {r['first_mb']:.0f} MB")
        print(f"   {first[3].strip()}")
        print(f"   second import (no change) {r['second_s']:.1f} s, peak {r['second_mb']:.0f} MB: {second[3].strip()}")
        print(f"   {args.bad} bad rows: refused in {r['refused_s']:.1f} s, {listed} lines listed, nothing changed")
        print(f"   ratio second/first: x{r['second_s'] / r['first_s']:.2f}")
        if r["wall_rows_s"] < TARGET_ROWS_PER_S or r["first_mb"] > TARGET_MB:
            failed = True
            print(f"   MISSED the target (>= {TARGET_ROWS_PER_S} rows/s and <= {TARGET_MB} MB)")
    if {"sqlite", "pg"} <= set(results):
        print(f"\npg/sqlite first import: x{results['pg']['first_s'] / results['sqlite']['first_s']:.2f}; "
              f"second: x{results['pg']['second_s'] / results['sqlite']['second_s']:.2f}")
    if args.keep:
        print(f"kept {work}" + (f" and PostgreSQL database {PG_DB}" if "pg" in dbs else ""))
    else:
        shutil.rmtree(work, ignore_errors=True)
        if "pg" in dbs:
            pg_admin(service_url("postgres.sh", "DATABASE_URL"), f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
