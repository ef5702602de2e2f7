"""Liveness and readiness, for load balancers, orchestrators and `make run`.

- GET /healthz: liveness. Answers 200 without touching anything: the process serves requests.
- GET /readyz: readiness. Checks each part the site needs and answers 200 when every required part works,
  503 otherwise, with JSON naming each part, whether it is required, whether it works and how long the check
  took. Required: the database, the Celery broker and the storage (KEXIANG_UPLOAD_DIR writable; MEDIA_ROOT
  and PRIVATE_MEDIA_ROOT writable, or with object storage its buckets reachable). Elasticsearch, when ELASTICSEARCH_URL is set, is checked but not required: search falls back to
  the database while it is down, and the status says "degraded". KEXIANG_READY_REQUIRE_SEARCH=1 makes it
  required. A media folder that does not exist yet is made (storage would make it on the first save). Errors
  are named by their kind and a short reason, never with addresses or passwords.
"""
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.celery import app
from core import media_storage
from search.backends import elastic

CHECK_TIMEOUT = 3  # seconds for any one network check


def healthz(request):
    """Liveness: answers without touching services."""
    return JsonResponse({"status": "ok"})


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)
        if conn.transport_cls == "filesystem" or settings.CELERY_BROKER_URL == "filesystem://":
            folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
            _probe_write(folder)


def check_search():
    health = elastic.client(timeout=CHECK_TIMEOUT).cluster.health(request_timeout=CHECK_TIMEOUT)
    if health.get("status") not in ("green", "yellow"):
        raise RuntimeError(f"cluster status {health.get('status')}")


def check_media():
    """The folders this machine writes (uploads in progress; MEDIA_ROOT and PRIVATE_MEDIA_ROOT when media is on
    this disk), and the buckets when media is in object storage (reachable and listable: a write per probe
    would cost a request each time a load balancer asks)."""
    folders = [settings.KEXIANG_UPLOAD_DIR]
    for storage in (media_storage.media_storage(), media_storage.private_storage()):
        root = media_storage.local_root(storage)
        if root is not None:
            folders.append(root)
            continue
        ok, why = media_storage.reachable(storage)
        if not ok:
            raise media_storage.StorageUnavailable(f"bucket {storage.bucket_name} cannot be reached: {why}")
    for root in folders:
        _probe_write(Path(root))


def _probe_write(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)  # storage makes it on first save too; a fresh site is ready
    probe = folder / f".ready-{uuid.uuid4().hex}"
    probe.write_bytes(b"ok")
    probe.unlink()


def _reason(error) -> str:
    text = str(error).split("\n", 1)[0]
    if "://" in text or "@" in text:  # an address or a password in the message: keep only the kind
        text = ""
    return f"{type(error).__name__}: {text[:120]}" if text else type(error).__name__


def checks():
    """(name, required, check) for each part of this deployment."""
    parts = [("database", True, check_database), ("broker", True, check_broker), ("media", True, check_media)]
    if getattr(settings, "ELASTICSEARCH_URL", ""):
        parts.append(("search", bool(getattr(settings, "KEXIANG_READY_REQUIRE_SEARCH", False)), check_search))
    return parts


@require_safe
@never_cache
def readyz(request):
    report, ready, degraded = {}, True, False
    for name, required, check in checks():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # noqa: BLE001  any failure of a part is what this reports
            report[name] = {"ok": False, "required": required, "error": _reason(error)}
            ready = ready and not required
            degraded = degraded or not required
        else:
            report[name] = {"ok": True, "required": required}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    status = "not ready" if not ready else ("degraded" if degraded else "ready")
    return JsonResponse({"status": status, "checks": report}, status=200 if ready else 503)
