"""Where the shared material beside the project is: ../shared/data (catalogue, resource records) and
../shared/samples (real phone videos and broken files). Tests that read either carry the `shared_data`
marker and are skipped, with the reason, on a machine without them (CI requires them when they are there)."""
import os
from pathlib import Path

SHARED_DATA = Path(os.environ.get("KEXIANG_SHARED_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
SAMPLES = SHARED_DATA.parent / "samples"


def available() -> bool:
    return SHARED_DATA.is_dir() and SAMPLES.is_dir()
