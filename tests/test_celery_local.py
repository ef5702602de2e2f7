"""The embedded default's Celery transport: a worker reads tasks from var/celery on the same machine."""
from config.celery import ping
from tests.celery_helpers import real_worker


def test_filesystem_transport_round_trip(tmp_path):
    queue, processed, results, control = (tmp_path / name for name in ("queue", "processed", "results", "control"))
    for folder in (queue, processed, results, control):
        folder.mkdir()
    with real_worker(
        broker_url="filesystem://",
        broker_transport_options={"data_folder_in": str(queue), "data_folder_out": str(queue),
                                  "processed_folder": str(processed), "control_folder": str(control),
                                  "store_processed": False},
        result_backend=f"file://{results}",
    ):
        assert ping.delay().get(timeout=30) == "pong"
