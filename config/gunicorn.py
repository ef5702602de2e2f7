"""The app server's settings, the same on every machine: `make run`, tests, benchmarks and production
(`gunicorn -c config/gunicorn.py`).

gthread workers: a few processes (one per core by default, so search, which is CPU work, uses every core)
with a pool of threads each (so a phone sending a tus chunk slowly, or a file being streamed, does not hold
a whole process). Each worker builds its heavy state (the jieba segmenter with the teaching vocabulary)
once, when it starts, before it takes requests.

Environment: KEXIANG_BIND (default 127.0.0.1:$PORT, PORT default 8000), WEB_CONCURRENCY (processes,
default the number of cores, at least 2), KEXIANG_WEB_THREADS (threads per process, default 6),
KEXIANG_WEB_TIMEOUT (seconds a worker may stay silent before it is restarted, default 120),
KEXIANG_WEB_ACCESS_LOG (a file, or "-" for standard output; default off), DJANGO_SETTINGS_MODULE.
"""
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("KEXIANG_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 2))
threads = int(os.environ.get("KEXIANG_WEB_THREADS", "6"))
# gthread keeps the worker's heartbeat in its main loop, so a long request (a big download, a slow upload)
# does not count against this; it only restarts a worker that is stuck as a whole.
timeout = int(os.environ.get("KEXIANG_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Renew workers now and then, so a slow leak in any library cannot grow without end.
max_requests = int(os.environ.get("KEXIANG_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# A 2 MiB tus chunk is one request body; headers stay small.
limit_request_line = 8190
accesslog = os.environ.get("KEXIANG_WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("KEXIANG_WEB_LOG_LEVEL", "info")
# The address nginx (or another proxy on this machine) connects from may set X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("KEXIANG_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "kexiang-web"
# gunicorn's control socket (gunicornc) sits at one path per user: several servers on one machine (tests,
# benchmarks) would fight over it. Operators who want it set KEXIANG_WEB_CONTROL_SOCKET to a path.
control_socket = os.environ.get("KEXIANG_WEB_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("KEXIANG_WEB_CONTROL_SOCKET")


def post_worker_init(worker):
    """Build what every request shares before the first request arrives (see search.text.warm_up)."""
    from search.text import warm_up

    warm_up()
