"""Run the project's Celery app against a real broker with an in-process worker."""
import contextlib

from celery.contrib.testing.worker import start_worker
from kombu import pools

from config.celery import app


def _forget_connections():
    """Drop cached broker pools and the result backend so that a changed configuration is used. kombu keeps its
    pools per connection for the whole process: closing only ours left a closed pool that the next test with the
    same broker URL was handed ("Acquire on closed pool"), so every pool is closed and forgotten."""
    pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextlib.contextmanager
def real_worker(**conf):
    """Point the one Celery app at `conf` (broker_url, …), start a worker thread, restore afterwards."""
    keys = set(conf) | {"task_always_eager"}
    saved = {key: app.conf.get(key) for key in keys}
    app.conf.update(task_always_eager=False, **conf)
    _forget_connections()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)
        _forget_connections()
