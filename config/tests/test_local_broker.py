"""make run's Celery transport (files in var/celery): processes that publish for the first time at once must not
read a half-made exchange table (kombu creates it before it locks it). Four processes publishing at once on a
fresh folder failed 3 times in 240 before local_broker_prepare; the race is too rare to test for, so this
checks the mechanism: the tables are whole, made under our lock, before anything is published."""
import json
import uuid
from pathlib import Path

from config.celery import local_broker_prepare


def options_in(folder):
    options = {"data_folder_in": f"{folder}/queue", "data_folder_out": f"{folder}/queue",
               "processed_folder": f"{folder}/processed", "control_folder": f"{folder}/control",
               "store_processed": False}
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)
    return options


def test_the_exchange_tables_are_made_whole_before_the_first_publish(tmp_path):
    # names of this test's own: kombu remembers in the process which queues it bound, whatever their folder
    names = {f"default-{uuid.uuid4().hex}", f"media-{uuid.uuid4().hex}"}
    options = options_in(tmp_path)
    local_broker_prepare(options, names)
    local_broker_prepare(options, names)  # the next process: the tables stay as they are
    for name in names:
        table = json.loads((tmp_path / "control" / f"{name}.exchange").read_text())
        assert table == [[name, "", name]], table
