"""Build a BlobStore from a URL, so deployments pick the backend by configuration only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from ent_kit.blobs.filesystem import FilesystemBlobStore
from ent_kit.blobs.port import BlobStore

if TYPE_CHECKING:
    from ent_kit.blobs.s3 import S3BlobStore

_S3_OPTIONS = frozenset({"secure", "region"})
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def open_blob_store(url: str, *, access_key: str = "", secret_key: str = "") -> BlobStore:
    """`file:///abs/dir`, `file://rel/dir` or `s3://host:port/bucket?secure=false&region=r`.

    Credentials are separate arguments rather than URL parts so that the URL can be
    logged and shown in configuration dumps without leaking secrets.
    """
    scheme = urlsplit(url).scheme
    if scheme == "file":
        return _filesystem(url)
    if scheme == "s3":
        return _s3(url, access_key, secret_key)
    raise ValueError(f"unsupported blob store URL scheme {scheme!r} (expected 'file' or 's3')")


def _filesystem(url: str) -> FilesystemBlobStore:
    parts = urlsplit(url)
    # file://relative/dir puts "relative" in the netloc; join it back to the path.
    root = Path(parts.netloc + parts.path) if parts.netloc else Path(parts.path)
    if not str(root) or str(root) == ".":
        raise ValueError("file:// blob store URL needs a directory")
    root.mkdir(parents=True, exist_ok=True)
    return FilesystemBlobStore(root)


def _s3(url: str, access_key: str, secret_key: str) -> S3BlobStore:
    # Imported here: minio and what it loads (pycryptodome, cffi, urllib3: 73 modules, a
    # tenth of a service's start) are never needed by a deployment on local files.
    from ent_kit.blobs.s3 import S3BlobStore

    parts = urlsplit(url)
    bucket = parts.path.strip("/")
    if not parts.netloc or not bucket or "/" in bucket:
        raise ValueError("s3:// blob store URL must look like s3://host[:port]/bucket")
    options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(options) - _S3_OPTIONS
    if unknown:
        # A typo such as "secrue=false" would otherwise silently mean TLS on.
        raise ValueError(f"unknown s3:// blob store URL options: {sorted(unknown)}")
    secure_text = options.get("secure", "true").lower()
    if secure_text not in _BOOLEANS:
        raise ValueError(f"s3:// option secure must be true or false, not {secure_text!r}")
    return S3BlobStore(
        endpoint=parts.netloc,
        bucket=bucket,
        access_key=access_key,
        secret_key=secret_key,
        secure=_BOOLEANS[secure_text],
        region=options.get("region"),
    )
