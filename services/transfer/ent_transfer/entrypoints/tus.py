"""tus 1.0 (core, creation, expiration, termination, checksum) for a transfer's files.

`POST /transfer/transfers/{id}/files` creates the upload of one declared file (Upload-Length,
Upload-Metadata `filename`, `relativePath`, `filetype`); its URL is given as a relative
`Location` (`files/<upload id>`), right whether the client came through the gateway or not."""

from __future__ import annotations

import base64
import binascii
from email.utils import format_datetime

from ent_kit.controllers import AnyRequest
from ent_kit.errors import Refused
from ent_kit.problems import Problem
from litestar import Controller, Response, delete, head, patch, post, route
from litestar.enums import HttpMethod

from ent_transfer import texts
from ent_transfer.application.uploads import TusUploads, UploadStatus, decoded_checksum
from ent_transfer.entrypoints.problems import HANDLERS

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,expiration,termination,checksum"
OFFSET_TYPE = "application/offset+octet-stream"


def _checked_version(request: AnyRequest) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise Problem(
            412, "tus_version", texts.BAD_TUS_VERSION, headers={"Tus-Version": TUS_VERSION}
        )


def _number(value: str | None, field: str) -> int:
    if value is None or not value.isdigit():
        raise Refused(field, "invalid_length", texts.BAD_LENGTH)
    return int(value)


def parsed_metadata(header: str) -> dict[str, str]:
    """`key base64,key2 base64`: values decoded (UTF-8), keys kept as sent."""
    metadata: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Refused("upload_metadata", "invalid_metadata", texts.BAD_METADATA) from None
    return metadata


def _headers(status: UploadStatus) -> dict[str, str]:
    return {
        "Tus-Resumable": TUS_VERSION,
        "Upload-Offset": str(status.offset),
        "Upload-Length": str(status.length),
        "Upload-Expires": format_datetime(status.expires_at, usegmt=True),
        "Cache-Control": "no-store",
    }


async def _status(
    request: AnyRequest, tus_uploads: TusUploads, transfer_id: str, upload_id: str
) -> Response[None]:
    me = request.user
    await tus_uploads.check_visible(me, transfer_id, upload_id)
    _checked_version(request)
    status = await tus_uploads.status(me, transfer_id, upload_id)
    return Response(None, status_code=200, headers=_headers(status))


async def _append(
    request: AnyRequest, tus_uploads: TusUploads, transfer_id: str, upload_id: str
) -> Response[None]:
    await tus_uploads.check_visible(request.user, transfer_id, upload_id)
    _checked_version(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_TYPE:
        raise Problem(415, "unsupported_media_type", texts.BAD_CONTENT_TYPE)
    offset = _number(request.headers.get("upload-offset"), "upload_offset")
    declared = request.headers.get("content-length")
    status = await tus_uploads.append(
        request.user,
        transfer_id,
        upload_id,
        offset,
        request.stream(),
        content_length=int(declared) if declared and declared.isdigit() else None,
        checksum=decoded_checksum(request.headers.get("upload-checksum")),
    )
    return Response(None, status_code=204, headers=_headers(status))


async def _terminate(
    request: AnyRequest, tus_uploads: TusUploads, transfer_id: str, upload_id: str
) -> Response[None]:
    await tus_uploads.check_visible(request.user, transfer_id, upload_id)
    _checked_version(request)
    await tus_uploads.terminate(request.user, transfer_id, upload_id)
    return Response(None, status_code=204, headers={"Tus-Resumable": TUS_VERSION})


_OVERRIDES = {"HEAD": _status, "PATCH": _append, "DELETE": _terminate}


class TusController(Controller):
    path = "/transfer/transfers/{transfer_id:str}/files"
    tags = ["transfer"]
    exception_handlers = HANDLERS

    @route(
        "/",
        http_method=[HttpMethod.OPTIONS],
        summary="tus: what this server supports",
        include_in_schema=False,  # protocol plumbing, unauthenticated (as every OPTIONS)
    )
    async def capabilities(self, max_bytes: int) -> Response[None]:
        return Response(
            None,
            status_code=204,
            headers={
                "Tus-Resumable": TUS_VERSION,
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": EXTENSIONS,
                "Tus-Max-Size": str(max_bytes),
                "Tus-Checksum-Algorithm": "sha1",
            },
        )

    @post("/", status_code=201, summary="tus creation: start uploading one declared file")
    async def create(
        self, request: AnyRequest, tus_uploads: TusUploads, transfer_id: str, max_bytes: int
    ) -> Response[None]:
        await tus_uploads.check_visible(request.user, transfer_id, None)
        _checked_version(request)
        if "upload-defer-length" in request.headers:
            raise Refused("upload_length", "defer_length_unsupported", texts.BAD_LENGTH)
        length = _number(request.headers.get("upload-length"), "upload_length")
        if length > max_bytes:
            raise Problem(413, "upload_too_large", texts.UPLOAD_OVERFLOW)
        metadata = parsed_metadata(request.headers.get("upload-metadata", ""))
        path = metadata.get("relativePath") or metadata.get("filename") or ""
        status = await tus_uploads.create(request.user, transfer_id, length, path, metadata)
        headers = _headers(status) | {"Location": f"files/{status.upload_id}"}
        return Response(None, status_code=201, headers=headers)

    @head("/{upload_id:str}", summary="tus: where an upload stands (Upload-Offset)")
    async def status(
        self, request: AnyRequest, tus_uploads: TusUploads, transfer_id: str, upload_id: str
    ) -> Response[None]:
        return await _status(request, tus_uploads, transfer_id, upload_id)

    @patch(
        "/{upload_id:str}",
        status_code=204,
        summary="tus: append bytes at Upload-Offset",
        request_max_body_size=None,  # streamed into the blob store, bounded by Upload-Length
    )
    async def append(
        self, request: AnyRequest, tus_uploads: TusUploads, transfer_id: str, upload_id: str
    ) -> Response[None]:
        return await _append(request, tus_uploads, transfer_id, upload_id)

    @delete("/{upload_id:str}", status_code=204, summary="tus termination: drop an upload")
    async def terminate(
        self, request: AnyRequest, tus_uploads: TusUploads, transfer_id: str, upload_id: str
    ) -> Response[None]:
        return await _terminate(request, tus_uploads, transfer_id, upload_id)

    @post(
        "/{upload_id:str}",
        summary="tus: X-HTTP-Method-Override (HEAD, PATCH, DELETE) for clients behind "
        "proxies that pass only GET and POST",
        request_max_body_size=None,
    )
    async def overridden(
        self, request: AnyRequest, tus_uploads: TusUploads, transfer_id: str, upload_id: str
    ) -> Response[None]:
        await tus_uploads.check_visible(request.user, transfer_id, upload_id)
        handler = _OVERRIDES.get(request.headers.get("x-http-method-override", "").upper())
        if handler is None:
            raise Problem(405, "method_not_allowed", texts.BAD_METHOD)
        return await handler(request, tus_uploads, transfer_id, upload_id)
