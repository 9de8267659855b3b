"""Blob storage: a streaming port, filesystem and S3 adapters, content addressing."""

from ent_kit.blobs.content import BlobTooLarge, content_key, put_content_addressed
from ent_kit.blobs.factory import open_blob_store
from ent_kit.blobs.port import BlobInfo, BlobNotFound, BlobStore, Download, IncomingFile

__all__ = [
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "BlobTooLarge",
    "Download",
    "IncomingFile",
    "content_key",
    "open_blob_store",
    "put_content_addressed",
]
