"""A deployment on SQLite and local files loads neither the S3 nor the MongoDB client:
their libraries (minio with pycryptodome and cffi, pymongo) are a tenth of a service's
start, and every service process would pay it for nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import asyncio, sys
from ent_kit.blobs import open_blob_store, resumable_uploads
from ent_kit.storage import open_storage
import ent_transfer.service, ent_locker.service, ent_mail.service

async def main(root):
    store = await open_storage(f"sqlite://{root}/store.db", service_name="probe")
    resumable_uploads(open_blob_store(f"file://{root}/blobs"))
    await store.close()

asyncio.run(main(sys.argv[1]))
print(" ".join(sorted(m for m in ("minio", "pymongo") if m in sys.modules)) or "none")
"""


def loaded_clients(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


def test_local_deployment_loads_no_s3_or_mongodb_client(tmp_path: Path) -> None:
    assert loaded_clients(str(tmp_path)) == "none"


def test_an_s3_url_loads_the_s3_client(tmp_path: Path) -> None:
    probe = PROBE.replace(
        'resumable_uploads(open_blob_store(f"file://{root}/blobs"))',
        'open_blob_store("s3://127.0.0.1:9/bucket?secure=false")',
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "minio"


SERVING = """
import sys
import ent_kit.service
import ent_directory.service, ent_gateway.service, ent_locker.service, ent_mail.service
import ent_schoollife.service, ent_transfer.service
print(" ".join(sorted(m for m in ("Crypto", "stream_zip", "tqdm") if m in sys.modules)) or "none")
"""


def test_a_serving_process_loads_neither_zip_encryption_nor_progress_bars() -> None:
    """The transfer service's memory budget (under 100 MB while it moves 2 GB): the zip
    library loads pycryptodome for encryption we never use, and the operators' progress
    bars are for their commands only. Both come when first needed."""
    done = subprocess.run(
        [sys.executable, "-c", SERVING], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "none"
