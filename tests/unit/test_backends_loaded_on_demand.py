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


TRANSFER_WIRED = """
import asyncio, os, sys
from ent_kit.dev_keys import DevKeys
os.environ.update(DevKeys.generate().environ("transfer"))
os.environ.update(ENT_DATA_DIR=sys.argv[1], ENT_MAIL_URL="http://127.0.0.1:9")
from ent_kit.http import create_app
from ent_kit.service import build_runtime
from ent_transfer.service import SERVICE

create_app(build_runtime(SERVICE))
print("aiohttp" in sys.modules)
"""


def test_the_transfer_service_loads_aiohttp_only_when_it_shares(tmp_path: Path) -> None:
    """aiohttp is 8 MB of the transfer service's 100; its only peer calls are shares by
    message, so its clients load aiohttp at their first call."""
    done = subprocess.run(
        [sys.executable, "-c", TRANSFER_WIRED, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "False"


FIRST_CALL = """
import asyncio, sys
import httpx
from ent_kit.http_client import http_client

async def answer(reader, writer):
    await reader.readuntil(b"\\r\\n\\r\\n")
    writer.write(b"HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\nok")
    await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = http_client(httpx.Timeout(5.0), at_first_call=True)
    before = "aiohttp" in sys.modules
    response = await client.get(f"http://127.0.0.1:{port}/")
    await client.aclose()
    server.close()
    print(before, "aiohttp" in sys.modules, response.status_code, response.text)

asyncio.run(main())
"""


def test_a_client_made_to_load_aiohttp_at_its_first_call_then_calls_through_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "200", "ok"]
