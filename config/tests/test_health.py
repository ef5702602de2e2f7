"""/readyz names each part and answers 503 when a required one is down; /healthz never touches them."""
import os
import socket

import pytest
from django.db import connection
from django.db.utils import OperationalError


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def local_broker(settings, tmp_path):
    from config.celery import app

    folder = tmp_path / "queue"
    folder.mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    app.conf.broker_url, app.conf.broker_transport_options = "filesystem://", settings.CELERY_BROKER_TRANSPORT_OPTIONS
    yield folder
    app.conf.broker_url = "memory://"


@pytest.mark.django_db
def test_ready_when_every_part_works(client, media_root, local_broker):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {name for name, check in body["checks"].items() if check["ok"] and check["required"]} == {
        "database", "broker", "media"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_not_ready_when_the_database_is_down(client, media_root, local_broker, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["checks"]["database"] == {**response.json()["checks"]["database"], "ok": False}
    assert client.get("/healthz").status_code == 200  # liveness does not care


@pytest.mark.django_db
def test_not_ready_when_the_broker_is_down_and_the_password_is_not_shown(client, media_root, settings):
    from config.celery import app

    url = f"redis://:s3cret@127.0.0.1:{closed_port()}/0"
    app.conf.broker_url = url
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = "memory://"
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert "s3cret" not in response.content.decode()


@pytest.mark.django_db
def test_not_ready_when_media_cannot_be_written(client, settings, tmp_path, local_broker):
    (tmp_path / "a-file").write_text("not a folder")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["media"]["ok"] is False


@pytest.mark.django_db
def test_a_search_cluster_that_is_down_degrades_but_does_not_unready(client, settings, media_root, local_broker):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["search"]["ok"] is False and not response.json()["checks"]["search"]["required"]
    settings.KEXIANG_READY_REQUIRE_SEARCH = True
    assert client.get("/readyz").status_code == 503


@pytest.mark.integration
@pytest.mark.django_db
def test_ready_on_postgresql_and_redis(client, media_root, settings):
    from config.celery import app

    app.conf.broker_url = os.environ["REDIS_URL"]
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = "memory://"
    assert response.status_code == 200, response.content
    assert connection.vendor == "postgresql"
