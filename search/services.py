"""Keeping both search backends up to date.

The database backend's SearchEntry rows are written in the same transaction as the change. For
Elasticsearch the same transaction adds IndexOutbox rows; a Celery task sent on commit (and the beat
task `replay_search_outbox`, which catches whatever a down cluster or broker left behind) writes them to
Elasticsearch and only then deletes them.
"""
import logging

from django.db import transaction

from resources.models import Resource

from . import documents
from .backends import elastic
from .models import IndexOutbox, SearchEntry

logger = logging.getLogger(__name__)

BATCH = 500


def search_entries_write(*, resource_ids):
    """Create, update or drop the SearchEntry rows of `resource_ids` (the database backend's index)."""
    resource_ids = list(dict.fromkeys(resource_ids))
    written = 0
    for start in range(0, len(resource_ids), BATCH):
        batch = resource_ids[start:start + BATCH]
        records = documents.resource_records(batch)
        with transaction.atomic():
            SearchEntry.objects.filter(resource_id__in=batch).delete()
            SearchEntry.objects.bulk_create(
                [SearchEntry(resource_id=record.id, **documents.entry_values(record)) for record in records]
            )
        written += len(records)
    return written


def search_entries_rebuild(*, progress=None):
    ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), 5 * BATCH):
        done += search_entries_write(resource_ids=ids[start:start + 5 * BATCH])
        if progress:
            progress(min(start + 5 * BATCH, len(ids)), len(ids))
    return done


def resources_changed(*, resource_ids):
    """Record that these resources changed (or went): both backends will follow.

    Call inside the transaction that made the change. Elasticsearch gets the change after commit, or
    from the outbox replay if the cluster or the broker is down then.
    """
    resource_ids = list(dict.fromkeys(int(pk) for pk in resource_ids))
    if not resource_ids:
        return
    with transaction.atomic():
        if elastic.configured():
            IndexOutbox.objects.bulk_create([IndexOutbox(resource_id=pk) for pk in resource_ids], batch_size=1000)
            transaction.on_commit(lambda: _send_index_task(resource_ids))
        search_entries_write(resource_ids=resource_ids)


def resources_counts_changed(*, resource_ids):
    """Views and downloads moved: the database reads them live; Elasticsearch gets them with the next
    outbox replay (a minute at most) rather than a task per view."""
    if elastic.configured():
        IndexOutbox.objects.bulk_create([IndexOutbox(resource_id=int(pk)) for pk in resource_ids])


def _send_index_task(resource_ids):
    from .tasks import index_resources_task  # noqa: PLC0415  (the tasks call these services: a cycle at the top)

    for start in range(0, len(resource_ids), BATCH):
        try:
            index_resources_task.delay(resource_ids[start:start + BATCH])
        except Exception:  # broker down: the outbox keeps the change and the beat replay sends it
            logger.warning("Could not queue search indexing; the outbox replay will send it", exc_info=True)
            return


def outbox_flush(*, resource_ids=None, limit=5000):
    """Write pending outbox changes (all, or those of `resource_ids`) to Elasticsearch.

    Returns how many resources were written. Raises the client's error when Elasticsearch is down;
    the rows stay for the next try.
    """
    if not elastic.configured():
        return 0
    rows = IndexOutbox.objects.order_by("pk")
    if resource_ids is not None:
        rows = rows.filter(resource_id__in=list(resource_ids))
    rows = list(rows.values_list("pk", "resource_id")[:limit])
    if not rows:
        return 0
    es = elastic.client(timeout=120)
    targets = elastic.write_targets(es)
    if not targets:
        # An empty index behind the alias would hide every resource and stop the database fallback;
        # keep the rows and wait for `search_index --rebuild`, which loads everything.
        logger.warning("No Elasticsearch index behind %s: run `manage.py search_index --rebuild`", documents.index_alias())
        return 0
    pending = list(dict.fromkeys(resource_id for _, resource_id in rows))
    records = documents.resource_records(pending)
    deleted = set(pending) - {r.id for r in records}
    failed = elastic.bulk_write(records, sorted(deleted), targets=targets, es=es)
    if failed:  # refused for good (not a cluster outage): the database search still has them
        logger.error("Elasticsearch refused resources %s; they stay out of the index until a rebuild", failed[:50])
    IndexOutbox.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    return len(pending)


def outbox_replay(*, batch=5000):
    """Flush the whole outbox in batches (the beat task and `search_index --replay`)."""
    total = 0
    while written := outbox_flush(limit=batch):
        total += written
    return total


def search_index_rebuild(*, progress=None, keep_old=False):
    """Build a new Elasticsearch index from the database and swap the alias to it.

    The live index keeps answering during the build; changes made meanwhile are written to both
    (the new index carries the alias `<alias>-building`), and versions keep a stale write from
    winning. Returns the new index's name.
    """
    es = elastic.client(timeout=120)
    alias = documents.index_alias()
    name = elastic.index_name()
    elastic.index_create(name, es)
    es.indices.update_aliases(body={"actions": [{"add": {"index": name, "alias": alias + elastic.BUILDING_SUFFIX}}]})
    es.indices.put_settings(index=name, body={"index": {"refresh_interval": "-1"}})
    try:
        ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH * 2):
            records = documents.resource_records(ids[start:start + BATCH * 2])
            elastic.bulk_write(records, targets=[name], es=es)
            if progress:
                progress(min(start + BATCH * 2, len(ids)), len(ids))
        es.indices.put_settings(index=name, body={"index": {"refresh_interval": "1s"}})
        es.indices.refresh(index=name)
        old = elastic.alias_targets(es, alias)
        actions = [{"remove": {"index": i, "alias": alias}} for i in old]
        actions += [{"add": {"index": name, "alias": alias}}, {"remove": {"index": name, "alias": alias + elastic.BUILDING_SUFFIX}}]
        es.indices.update_aliases(body={"actions": actions})
    except Exception:
        es.indices.delete(index=name, ignore=[404])
        raise
    if not keep_old:
        for index in old:
            es.indices.delete(index=index, ignore=[404])
    return name
