"""Thin search tasks: resource ids in, the outbox decides what is written."""
import logging

from celery import shared_task
from elasticsearch.exceptions import ConnectionError as ESConnectionError
from elasticsearch.exceptions import TransportError

from . import services

log = logging.getLogger(__name__)

# A cluster that is down, restarting or overloaded; the outbox keeps the change either way.
TRANSIENT = (ESConnectionError, TransportError, OSError)


@shared_task(
    bind=True, acks_late=True, autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300,
    retry_jitter=True, max_retries=5, soft_time_limit=600, time_limit=660,
)
def index_resources_task(self, resource_ids):
    """Write these resources' pending changes to Elasticsearch (safe to run twice)."""
    return services.outbox_flush(resource_ids=resource_ids)


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def replay_search_outbox():
    """Beat: whatever the outbox still holds (Elasticsearch or the broker was down) goes now."""
    try:
        return services.outbox_replay()
    except TRANSIENT as exc:
        log.info("Search outbox replay waits for Elasticsearch: %s", exc)
        return 0
