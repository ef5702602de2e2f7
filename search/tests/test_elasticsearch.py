"""Elasticsearch's own duties, against a real node: outbox replay after an outage, the alias swap
under concurrent queries, falling back to the database when the cluster is unreachable."""
import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from resources.models import Resource
from search import selectors, services
from search.backends import elastic
from search.backends.base import Scope, SearchRequest
from search.backends.elastic import ElasticsearchBackend
from search.models import IndexOutbox
from search.query import query_parse
from search.selectors import SearchParams, resource_search
from tests.factories import ResourceFactory

pytestmark = pytest.mark.search

DEAD = "http://127.0.0.1:9"  # discard port: connection refused, like a cluster that is down


def es_count(alias, **term):
    es = elastic.client()
    es.indices.refresh(index=alias + "*")
    body = {"query": {"term": term}} if term else {"query": {"match_all": {}}}
    return es.count(index=alias, body=body)["count"]


def flush(django_capture_on_commit_callbacks, make):
    """Run `make` and the on-commit callbacks it queues (the eager Celery indexing task)."""
    with django_capture_on_commit_callbacks(execute=True):
        return make()


def test_saved_resource_reaches_elasticsearch_on_commit(es_alias, django_capture_on_commit_callbacks):
    elastic.index_ensure()
    resource = flush(django_capture_on_commit_callbacks, lambda: ResourceFactory(title="荷塘月色 课件"))
    assert not IndexOutbox.objects.exists()  # the task wrote it and cleared its outbox row
    assert es_count(es_alias, external_id=resource.external_id) == 1
    flush(django_capture_on_commit_callbacks, resource.delete)
    assert es_count(es_alias, external_id=resource.external_id) == 0


def test_outbox_replays_changes_made_while_elasticsearch_was_down(es_alias, settings, django_capture_on_commit_callbacks):
    elastic.index_ensure()
    kept = flush(django_capture_on_commit_callbacks, lambda: ResourceFactory(title="桂花雨 教案"))
    live_url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = DEAD
    created = flush(django_capture_on_commit_callbacks, lambda: [ResourceFactory(title=f"少年中国说 课件 {i}") for i in range(3)])
    kept.title = "桂花雨 教学设计（修改）"
    flush(django_capture_on_commit_callbacks, kept.save)
    gone_id = created[0].external_id
    flush(django_capture_on_commit_callbacks, created[0].delete)
    # nothing reached the cluster, nothing was lost
    assert IndexOutbox.objects.count() == 5  # 3 new, 1 change, 1 delete
    # meanwhile search answers from the database
    result = resource_search(user=AnonymousUser(), params=SearchParams(q="少年中国说"))
    assert result.backend == "database" and result.count == 2
    # the beat replay while still down keeps everything
    from search.tasks import replay_search_outbox

    assert replay_search_outbox() == 0
    assert IndexOutbox.objects.count() == 5
    # the cluster is back: the replay writes every change, in order, and empties the outbox
    settings.ELASTICSEARCH_URL = live_url
    selectors.backend_reset()
    assert replay_search_outbox() == 4
    assert not IndexOutbox.objects.exists()
    assert es_count(es_alias) == 3
    assert es_count(es_alias, external_id=gone_id) == 0
    result = resource_search(user=AnonymousUser(), params=SearchParams(q="桂花雨 修改"))
    assert result.backend == "elasticsearch" and [r["external_id"] for r in result.results] == [kept.external_id]


def test_queue_failure_leaves_the_change_in_the_outbox(es_alias, monkeypatch, django_capture_on_commit_callbacks):
    """Redis down when the change commits: the outbox keeps it for the beat replay."""
    from search import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.index_resources_task, "delay", broker_down)
    elastic.index_ensure()
    resource = flush(django_capture_on_commit_callbacks, lambda: ResourceFactory(title="匆匆 微课"))
    assert list(IndexOutbox.objects.values_list("resource_id", flat=True)) == [resource.pk]
    assert tasks.replay_search_outbox() == 1
    assert es_count(es_alias, external_id=resource.external_id) == 1


def test_rebuild_swaps_the_alias_while_queries_keep_answering(es_alias):
    ResourceFactory.create_batch(40, title="观潮 课件")
    first = services.search_index_rebuild()
    assert elastic.alias_targets() == [first]
    backend = ElasticsearchBackend()
    request = SearchRequest(parsed=query_parse("观潮"), filters={}, scope=Scope(), limit=5)
    answers, failures, stop = [], [], threading.Event()

    def ask():
        while not stop.is_set():
            try:
                answers.append(backend.search(request).count)
            except Exception as exc:  # any failure is what the test is about
                failures.append(repr(exc))

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for t in askers:
        t.start()
    try:
        time.sleep(0.2)
        second = services.search_index_rebuild()
        third = services.search_index_rebuild()
        time.sleep(0.2)
    finally:
        stop.set()
        for t in askers:
            t.join()
    assert not failures
    assert len(answers) > 10
    assert set(answers) == {40}  # every query during the swaps saw the whole index
    assert elastic.alias_targets() == [third]
    assert not elastic.client().indices.exists(index=first) and not elastic.client().indices.exists(index=second)


def test_changes_during_a_rebuild_reach_the_new_index(es_alias, monkeypatch, django_capture_on_commit_callbacks):
    ResourceFactory.create_batch(3, title="落花生")
    services.search_index_rebuild()
    original = elastic.bulk_write
    added = {}

    def slow_bulk_write(records, deleted_ids=(), targets=None, es=None):
        result = original(records, deleted_ids, targets=targets, es=es)
        if targets and not added:  # the rebuild's own load: a teacher saves something meanwhile
            added["busy"] = True  # the save's own outbox flush comes back through here
            added["r"] = flush(django_capture_on_commit_callbacks, lambda: ResourceFactory(title="落花生 新课件"))
        return result

    monkeypatch.setattr(elastic, "bulk_write", slow_bulk_write)
    services.search_index_rebuild()
    assert es_count(es_alias) == 4
    assert es_count(es_alias, external_id=added["r"].external_id) == 1


def test_unreachable_cluster_falls_back_to_the_database(es_alias, settings):
    settings.ELASTICSEARCH_URL = DEAD
    ResourceFactory(title="荷叶圆圆 课件")
    started = time.monotonic()
    result = resource_search(user=AnonymousUser(), params=SearchParams(q="荷叶圆圆"))
    assert result.backend == "database" and result.count == 1
    # the next query does not wait for the dead cluster again
    result = resource_search(user=AnonymousUser(), params=SearchParams(q="荷叶圆圆"))
    assert result.backend == "database"
    assert time.monotonic() - started < 10


def test_missing_index_falls_back_to_the_database(es_alias):
    ResourceFactory(title="雷雨 课件")  # the alias was never created
    result = resource_search(user=AnonymousUser(), params=SearchParams(q="雷雨"))
    assert result.backend == "database" and result.count == 1
    # the replay does not put an empty index behind the alias (it would hide everything); it waits
    from search.tasks import replay_search_outbox

    assert replay_search_outbox() == 0
    assert IndexOutbox.objects.count() == 1 and elastic.alias_targets() == []
    call_command("search_index", "--rebuild")
    assert not IndexOutbox.objects.exists() and es_count(es_alias) == 1


def test_search_index_command(es_alias, capsys):
    ResourceFactory.create_batch(2, title="秋天的雨")
    Resource.objects.all()  # noqa: B018
    call_command("search_index", "--rebuild")
    out = capsys.readouterr().out
    assert "2" in out and es_alias in out
    assert es_count(es_alias) == 2


def test_search_index_command_says_what_to_do_when_the_cluster_is_down(es_alias, settings):
    from django.core.management.base import CommandError

    settings.ELASTICSEARCH_URL = DEAD
    ResourceFactory(title="雨的四季")
    from django.utils import translation

    with translation.override("en"), pytest.raises(CommandError, match="Nothing was lost"):
        call_command("search_index", "--replay")


def test_a_refused_request_does_not_take_the_cluster_out(es_alias, monkeypatch):
    from elasticsearch.exceptions import RequestError

    elastic.index_ensure()
    ResourceFactory(title="白鹭 课件")

    def refuse(self, request):
        raise RequestError(400, "search_phase_execution_exception", {})

    monkeypatch.setattr(ElasticsearchBackend, "search", refuse)
    result = resource_search(user=AnonymousUser(), params=SearchParams(q="白鹭"))
    assert result.backend == "database" and result.count == 1
    assert selectors.backend_choose().name == "elasticsearch"  # not marked down


def test_elasticsearch_highlighter_marks_like_the_python_one(es_alias, settings):
    settings.KEXIANG_SEARCH_ES_HIGHLIGHT = True
    elastic.index_ensure()
    ResourceFactory(title="说“木叶”（第一课时）")
    services.outbox_replay()
    elastic.client().indices.refresh(index=es_alias + "*")
    backend = ElasticsearchBackend()
    hits = backend.search(SearchRequest(parsed=query_parse("说木叶"), filters={}, scope=Scope()))
    (marked,) = hits.highlights.values()
    assert marked["title"].replace("<mark>", "").replace("</mark>", "") == "说“木叶”（第一课时）"
    assert marked["title"].startswith("<mark>说") and "<mark>（" not in marked["title"]
