"""Saying that a folder cannot be written: loudly once, then quietly."""
import logging
import threading

logger = logging.getLogger(__name__)

_reported = set()
_reported_lock = threading.Lock()


def storage_failed(where: str, error: OSError) -> None:
    """A folder could not be written (read-only, no permission): log it with its cause once per process and
    folder, then only at debug level, so a broken disk does not flood the log; /readyz shows it meanwhile."""
    key = (where, getattr(error, "errno", None))
    with _reported_lock:
        first = key not in _reported
        _reported.add(key)
    logger.log(logging.ERROR if first else logging.DEBUG, "cannot write to %s: %s (/readyz says so too)", where,
               error, exc_info=first)


class QuietUnavailable(logging.Filter):
    """Drops Django's line for each 503: a 503 here is storage that storage_failed already logged (once)."""

    def filter(self, record):
        return getattr(record, "status_code", None) != 503
