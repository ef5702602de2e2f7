"""Lighthouse benchmark: the mobile performance score of the lesson page (issue 7 asks for >= 90).

    .venv/bin/python benchmarks/lighthouse.py [--runs 3] [--min-score 90] [--path /lessons/{id}/]
                                              [--clip-seconds 30] [--url URL] [--keep]

1. Installs Lighthouse (pinned in benchmarks/lighthouse/package.json and its lock, apart from the site's
   frontend/) with `npm ci` when benchmarks/lighthouse/node_modules is missing. Needs Node.js >= 18.16
   (Debian: apt-get install nodejs npm) and Debian's Chromium (apt-get install chromium).
2. Unless --url is given, starts the platform the way `make run` does (scripts/run.sh): the embedded
   default (SQLite, media on disk) in a temporary var dir of its own, migrated, with the demo content,
   then makes one public micro-lesson whose video went through the real media pipeline in-process (a
   lavfi test clip, --clip-seconds long, 1280x720 with sound), and serves it with gunicorn (config/gunicorn.py)
   on a free port. The page is /lessons/<id>/ (`lessons:lesson`); if that answers 404 the script
   measures /resources/<id>/ instead and says so. --path measures any other path ("{id}" is the lesson's id).
3. Runs Lighthouse --runs times (mobile form factor and simulated slow 4G, Lighthouse's defaults;
   performance only) against headless Chromium, prints each run's score and FCP, LCP, TBT, CLS,
   Speed Index and total byte weight, then the medians, and exits 1 when the median score is below
   --min-score.

The server is stopped and the temporary folder (database, media, reports) removed at the end, unless
--keep. Run on demand, never in CI: the figures depend on the machine's load.
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_DIR = Path(__file__).resolve().parent / "lighthouse"
LIGHTHOUSE_CLI = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
NODE_MIN = (18, 16)  # lighthouse 12's engines field; Debian 12 ships Node 18.20
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
EXTERNAL_ID = "bench:lighthouse"

# (audit id, column title, how to show its numericValue)
METRICS = [
    ("first-contentful-paint", "FCP", lambda v: f"{v / 1000:.2f} s"),
    ("largest-contentful-paint", "LCP", lambda v: f"{v / 1000:.2f} s"),
    ("total-blocking-time", "TBT", lambda v: f"{v:.0f} ms"),
    ("cumulative-layout-shift", "CLS", lambda v: f"{v:.3f}"),
    ("speed-index", "Speed Index", lambda v: f"{v / 1000:.2f} s"),
    ("total-byte-weight", "bytes", lambda v: f"{v / 1024:.1f} KiB"),
]


# --- the setup worker: runs in a subprocess with KEXIANG_VAR_DIR pointing at the temporary folder ------

def setup_main(out_path, clip_seconds):
    """Migrate, load the demo content, and make one public micro-lesson with a transcoded video."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from config.celery import app
    from media_pipeline.models import MediaAsset
    from media_pipeline.services import media_asset_create
    from resources.models import Resource, ResourceType

    timings = {}
    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo_data", verbosity=0)
    timings["migrate_demo_s"] = time.perf_counter() - start

    # The transcode runs here, in this process, as the tests run it (no worker to start or stop).
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    import ffmpeg as ffmpeg_python

    from django.conf import settings

    clip = Path(settings.VAR_DIR) / "bench-lesson.mp4"
    picture = ffmpeg_python.input(f"testsrc2=size=1280x720:rate=25:duration={clip_seconds}", f="lavfi")
    tone = ffmpeg_python.input(f"sine=frequency=440:sample_rate=44100:duration={clip_seconds}", f="lavfi")
    (ffmpeg_python.output(picture, tone, str(clip), **{"c:v": "libx264", "preset": "ultrafast", "c:a": "aac",
                                                        "pix_fmt": "yuv420p"})
     .global_args("-loglevel", "error").overwrite_output().run())

    owner = get_user_model().objects.filter(username="zhangfang").first() or get_user_model().objects.first()
    start = time.perf_counter()
    asset = media_asset_create(owner=owner, source_path=clip, title="《秋天的雨》微课（Lighthouse 基准）")
    asset.refresh_from_db()
    timings["transcode_s"] = time.perf_counter() - start
    if asset.state != MediaAsset.State.READY:
        raise SystemExit(f"the transcode did not finish: {asset.state} {asset.error_detail}")
    resource = Resource.objects.create(
        external_id=EXTERNAL_ID, title="《秋天的雨》微课", resource_type=ResourceType.MICRO_LESSON,
        visibility=Resource.Visibility.PUBLIC, uploaded_by=owner, media_asset=asset,
        duration_s=asset.duration, width=asset.width, height=asset.height,
        description="Lighthouse 基准测试用的微课：测试图案与提示音。",
    )
    Path(out_path).write_text(json.dumps({
        "resource": resource.pk, "asset": asset.pk, "duration": asset.duration,
        "rungs": [v["name"] for v in asset.variants or []], **timings,
    }), encoding="utf-8")


# --- the orchestrator -------------------------------------------------------------------------------

def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def check_tools():
    node = shutil.which("node")
    if not node:
        fail("Node.js is not installed; Lighthouse needs it. On Debian: apt-get install nodejs npm")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    found = tuple(int(x) for x in re.findall(r"\d+", version)[:2])
    if found < NODE_MIN:
        fail(f"Node.js {version} is too old for Lighthouse 12 (needs >= {'.'.join(map(str, NODE_MIN))}). "
             "On Debian 12: apt-get install nodejs npm (18.20)")
    if not shutil.which("npm"):
        fail("npm is not installed. On Debian: apt-get install npm")
    chrome = shutil.which("chromium")
    if not chrome:
        fail("Debian's Chromium is not installed. On Debian: apt-get install chromium")
    chrome_version = subprocess.run([chrome, "--version"], capture_output=True, text=True).stdout.strip()
    return node, version, chrome, chrome_version


def ensure_lighthouse():
    if LIGHTHOUSE_CLI.exists():
        return
    command = ["npm", "ci"] if (LIGHTHOUSE_DIR / "package-lock.json").exists() else ["npm", "install"]
    print(f"installing Lighthouse: {' '.join(command)} in {LIGHTHOUSE_DIR.relative_to(ROOT)}", flush=True)
    done = subprocess.run(command + ["--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR)
    if done.returncode or not LIGHTHOUSE_CLI.exists():
        fail(f"`{' '.join(command)}` failed in {LIGHTHOUSE_DIR}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(url, timeout=30):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


class Site:
    """The platform on the embedded default in a temporary var dir, as scripts/run.sh starts it."""

    def __init__(self, scratch, clip_seconds):
        self.scratch = scratch
        self.clip_seconds = clip_seconds
        self.var = scratch / "var"
        self.var.mkdir()
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "KEXIANG_VAR_DIR": str(self.var)}
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "ELASTICSEARCH_URL",
                     "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "STATIC_ROOT", "KEXIANG_UPLOAD_DIR"):
            self.env.pop(name, None)  # everything under the temporary var dir, nothing of the project's own
        self.server = None
        self.log = scratch / "gunicorn.log"
        self.info = {}

    def setup(self):
        out = self.scratch / "setup.json"
        done = subprocess.run([sys.executable, __file__, "--setup-worker", str(out), "--clip-seconds",
                               str(self.clip_seconds)], cwd=ROOT, env={**self.env, "LOG_LEVEL": "WARNING"})
        if done.returncode:
            fail("setting up the site failed (see above)")
        self.info = json.loads(out.read_text(encoding="utf-8"))
        return self.info

    def start(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        with open(self.log, "wb") as log:
            self.server = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.py"],
                cwd=ROOT, env={**self.env, "KEXIANG_BIND": f"127.0.0.1:{self.port}"}, stdout=log,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                break
            if status_of(self.base + "/healthz", timeout=2) == 200:
                return self.base
            time.sleep(0.3)
        self.stop()
        fail(f"the server did not start; its log:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self):
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()


def run_lighthouse(node, chrome, url, out_path):
    env = {**os.environ, "CHROME_PATH": chrome}
    command = [node, str(LIGHTHOUSE_CLI), url, "--only-categories=performance", "--output=json",
               f"--output-path={out_path}", f"--chrome-flags={CHROME_FLAGS}", "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode or not Path(out_path).exists():
        fail(f"Lighthouse failed ({done.returncode}):\n{(done.stderr or done.stdout)[-3000:]}")
    report = json.loads(Path(out_path).read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        fail(f"Lighthouse could not measure {url}: {report['runtimeError']}")
    score = report["categories"]["performance"]["score"]
    return {
        "score": None if score is None else round(score * 100),
        "metrics": {key: report["audits"][key].get("numericValue") for key, _t, _f in METRICS},
        "warnings": report.get("runWarnings", []),
        "version": report.get("lighthouseVersion"),
        "chrome": report.get("environment", {}).get("hostUserAgent", ""),
        "lcp_element": _lcp_element(report),
        "requests": [(item.get("resourceType") or "", item.get("statusCode"), item.get("transferSize") or 0, item["url"])
                     for item in report["audits"].get("network-requests", {}).get("details", {}).get("items", [])
                     if not item["url"].startswith("data:")],
        "seconds": seconds,
    }


def _lcp_element(report):
    try:
        items = report["audits"]["largest-contentful-paint-element"]["details"]["items"][0]["items"]
        return items[0]["node"].get("snippet", "")
    except (KeyError, IndexError, TypeError):
        return ""


def show(value, fmt):
    return "-" if value is None else fmt(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--min-score", type=float, default=90)
    parser.add_argument("--url", help="measure this page of a site already running; no server is started")
    parser.add_argument("--path", help="measure this path of the started site; {id} is the lesson's resource id "
                                       "(default /lessons/{id}/, or /resources/{id}/ when that is 404)")
    parser.add_argument("--clip-seconds", type=int, default=30, help="length of the lesson's test video")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, media, reports)")
    parser.add_argument("--setup-worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_worker:
        return setup_main(args.setup_worker, args.clip_seconds)

    node, node_version, chrome, chrome_version = check_tools()
    ensure_lighthouse()
    scratch = Path(tempfile.mkdtemp(prefix="kexiang-lighthouse-"))
    site = None
    try:
        if args.url:
            url, note = args.url, "an already running site"
        else:
            site = Site(scratch, args.clip_seconds)
            print(f"setting up the embedded default in {scratch / 'var'} (migrate, demo data, "
                  f"a {args.clip_seconds} s 720p lesson through the media pipeline)...", flush=True)
            info = site.setup()
            print(f"  migrate + demo data {info['migrate_demo_s']:.1f} s; transcode {info['transcode_s']:.1f} s; "
                  f"resource {info['resource']}, rungs {', '.join(info['rungs'])}")
            base = site.start()
            note = f"gunicorn (as `make run`) on port {site.port}"
            if args.path:
                path = args.path.replace("{id}", str(info["resource"]))
            else:
                path = f"/lessons/{info['resource']}/"
                got = status_of(base + path)
                if got == 404:
                    fallback = f"/resources/{info['resource']}/"
                    print(f"NOTE: {path} answers 404 (the lesson page is not there yet): measuring the resource "
                          f"page {fallback} instead")
                    path = fallback
            url = base + path
            got = status_of(url)  # also warms the server up (templates, first queries) before anything is timed
            if got != 200:
                fail(f"{url} answers {got}; not measuring an error page")

        print(f"\nLighthouse, {args.runs} run(s) of {url} ({note})")
        print(f"mobile form factor, simulated throttling (Lighthouse defaults), performance only; "
              f"{chrome_version or chrome}, flags {CHROME_FLAGS}; Node {node_version}")
        widths = [5, 7] + [max(10, len(t) + 2) for _k, t, _f in METRICS]
        header = "run".ljust(widths[0]) + "score".rjust(widths[1]) + "".join(
            t.rjust(w) for (_k, t, _f), w in zip(METRICS, widths[2:]))
        print(header)
        results = []
        for n in range(args.runs):
            result = run_lighthouse(node, chrome, url, scratch / f"run{n + 1}.report.json")
            results.append(result)
            line = str(n + 1).ljust(widths[0]) + show(result["score"], str).rjust(widths[1])
            line += "".join(show(result["metrics"][k], f).rjust(w) for (k, _t, f), w in zip(METRICS, widths[2:]))
            print(line + f"   ({result['seconds']:.0f} s)", flush=True)
            for warning in result["warnings"]:
                print(f"      warning: {warning}")
        scores = [r["score"] for r in results if r["score"] is not None]
        if not scores:
            fail("no run produced a performance score")
        median = statistics.median(scores)
        line = "med".ljust(widths[0]) + f"{median:g}".rjust(widths[1])
        for (k, _t, f), w in zip(METRICS, widths[2:]):
            values = [r["metrics"][k] for r in results if r["metrics"][k] is not None]
            line += (show(statistics.median(values), f) if values else "-").rjust(w)
        print(line)
        print(f"Lighthouse {results[0]['version']}; {results[0]['chrome']}")
        last = results[-1]
        print(f"largest contentful paint element (last run): {last['lcp_element'] or '-'}")
        print("requests (last run; transfer sizes as served, and `make run` serves without gzip; nginx compresses at scale):")
        for kind, code, size, address in last["requests"]:
            print(f"  {kind:<11} {code!s:>4} {size / 1024:7.1f} KiB  {address}")
        ok = median >= args.min_score
        print(f"\nmedian performance score {median:g} (runs: {', '.join(map(str, scores))}); "
              f"target >= {args.min_score:g}: {'ok' if ok else 'MISSED'}")
        if args.keep:
            print(f"kept: {scratch} (reports run*.report.json, var/, gunicorn.log)")
        return 0 if ok else 1
    finally:
        if site:
            site.stop()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
