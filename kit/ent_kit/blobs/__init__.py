"""Blob storage: a streaming port, filesystem and S3 adapters, content addressing, and
resumable appends (a blob written over many requests)."""

from ent_kit.blobs.content import BlobTooLarge, content_key, put_content_addressed
from ent_kit.blobs.factory import open_blob_store
from ent_kit.blobs.multipart import (
    ResumableUploads,
    UploadLengthExceeded,
    UploadProgress,
    resumable_uploads,
)
from ent_kit.blobs.port import BlobInfo, BlobNotFound, BlobStore, Download, IncomingFile

__all__ = [
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "BlobTooLarge",
    "Download",
    "IncomingFile",
    "ResumableUploads",
    "UploadLengthExceeded",
    "UploadProgress",
    "content_key",
    "open_blob_store",
    "put_content_addressed",
    "resumable_uploads",
]
