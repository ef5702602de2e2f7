"""The real services: PostgreSQL as the database, Redis as cache and Celery broker.

Run with DATABASE_URL=postgres://… and REDIS_URL=redis://… (scripts/services/*.sh start them);
.ci/run sets KEXIANG_REQUIRE=integration so that these can never be skipped there.
"""
import os
from io import StringIO

import pytest
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import connection

from config.celery import ping
from resources.models import ChapterNode, Resource, Textbook
from tests.celery_helpers import real_worker

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_the_database_is_postgresql_and_holds_chinese_text(builtin_demo):
    assert connection.vendor == "postgresql"
    call_command("import_textbooks", str(builtin_demo), stdout=StringIO())
    call_command("import_resources", str(builtin_demo / "resources.jsonl"), stdout=StringIO())
    assert Textbook.objects.count() == 2 and ChapterNode.objects.filter(kind="piece").count() == 5
    assert Resource.objects.filter(title__contains="古诗三首").count() == 4
    assert Resource.objects.get(title="古诗三首 课件").chapter_path == ["第二单元", "4 古诗三首"]


@pytest.mark.django_db(transaction=True)
def test_a_failed_catalogue_import_rolls_back_on_postgresql(builtin_demo, tmp_path):
    import shutil

    from django.core.management import CommandError

    copy = tmp_path / "catalogue"
    shutil.copytree(builtin_demo, copy)
    (copy / "7d3c1a52-5b8e-4f0e-9a51-0c2f8b6d1eff.json").write_text('[{"id": "x", "title": "t", "child_nodes": 5}]')
    with pytest.raises(CommandError):
        call_command("import_textbooks", str(copy), stdout=StringIO())
    assert Textbook.objects.count() == 0


def test_redis_cache_round_trip():
    cache = RedisCache(os.environ["REDIS_URL"], {})
    cache.set("kexiang:test:教研", {"组": "语文"}, 30)
    assert cache.get("kexiang:test:教研") == {"组": "语文"}
    cache.delete("kexiang:test:教研")


def test_celery_through_redis_with_a_real_worker():
    url = os.environ["REDIS_URL"]
    with real_worker(broker_url=url, result_backend=url, broker_transport_options={"visibility_timeout": 3600}):
        assert ping.delay().get(timeout=30) == "pong"
