"""The link, public (no account): what it holds (JSON, or its page for a browser), one file
(HTTP Range), or all as a zip. A password, when set, comes in the `X-Transfer-Password`
header, or in the page's form (POST)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from ent_kit.controllers import AnyRequest
from ent_kit.downloads import UNTRUSTED_FILE_HEADERS, byte_range
from ent_kit.media_types import stored_media_type
from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body
from litestar.response import Stream

from ent_transfer import texts
from ent_transfer.application.links import LinkedFile, Links
from ent_transfer.application.views import LinkView
from ent_transfer.domain.model import Gone
from ent_transfer.entrypoints.page import gone_page, link_page
from ent_transfer.entrypoints.problems import HANDLERS

PASSWORD_HEADER = "x-transfer-password"
HTML = "text/html"
# The page is the service's own: no script, no frame, no outside resource.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def disposition(file_name: str) -> str:
    fallback = file_name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"


def file_stream(file: LinkedFile, wanted: tuple[int, int] | None) -> Stream:
    headers = {
        "Content-Disposition": disposition(file.file_name),
        "Content-Length": str(file.size),
        "Accept-Ranges": "bytes",
        "Cache-Control": "no-store",
        **UNTRUSTED_FILE_HEADERS,
    }
    media_type = stored_media_type(file.media_type)
    if wanted is None:
        return Stream(file.chunks(), media_type=media_type, headers=headers)
    start, end = wanted
    headers |= {
        "Content-Range": f"bytes {start}-{end}/{file.size}",
        "Content-Length": str(end - start + 1),
    }
    return Stream(
        file.chunks(start, end - start + 1), media_type=media_type, headers=headers, status_code=206
    )


def zip_stream(chunks: AsyncIterator[bytes]) -> Stream:
    return Stream(
        chunks,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{texts.ZIP_NAME}"',
            "Cache-Control": "no-store",
            **UNTRUSTED_FILE_HEADERS,
        },
    )


class PasswordFields(msgspec.Struct, frozen=True):
    password: Annotated[str, msgspec.Meta(max_length=256)] = ""


# The page's forms post `application/x-www-form-urlencoded`.
PasswordForm = Annotated[PasswordFields, Body(media_type=RequestEncodingType.URL_ENCODED)]


class LinkController(Controller):
    path = "/transfer/links/{token:str}"
    tags = ["transfer"]
    exception_handlers = HANDLERS

    @get(
        "/",
        summary="What a link holds (public): files, sizes, expiry, whether a password is needed",
        description="JSON (`LinkView`); a browser (`Accept: text/html`) gets the link's page, "
        "which works without JavaScript.",
        responses={200: ResponseSpec(data_container=LinkView, description="What the link holds")},
    )
    async def describe(self, request: AnyRequest, links: Links, token: str) -> Response[Any]:
        # Browsers name text/html; API clients ask for JSON or anything.
        if HTML not in request.headers.get("accept", ""):
            return Response(await links.describe(token))
        try:
            page, status = link_page(token, await links.describe(token)), 200
        except Gone:
            page, status = gone_page(), 410
        return Response(page, media_type=HTML, status_code=status, headers=PAGE_HEADERS)

    @post(
        "/files/{file_id:str}",
        status_code=200,
        summary="Download one file of a password-protected link from its page (form post)",
    )
    async def file_by_form(
        self, links: Links, token: str, file_id: str, data: PasswordForm
    ) -> Stream:
        file = await links.file(token, file_id, data.password)
        await links.count(file.transfer_id, file.file_id)
        return file_stream(file, None)

    @post("/zip", status_code=200, summary="Download everything, password from the page's form")
    async def zip_by_form(self, links: Links, token: str, data: PasswordForm) -> Stream:
        return zip_stream(await links.zipped(token, data.password))

    @get("/files/{file_id:str}", summary="Download one file of a link (public, HTTP Range)")
    async def file(self, request: AnyRequest, links: Links, token: str, file_id: str) -> Stream:
        range_header = request.headers.get("range")
        file = await links.file(token, file_id, request.headers.get(PASSWORD_HEADER))
        wanted = byte_range(range_header, file.size) if file.size else None
        # A download is counted once: its first request, not each Range resuming it.
        if wanted is None or wanted[0] == 0:
            await links.count(file.transfer_id, file.file_id)
        return file_stream(file, wanted)

    @get("/zip", summary="Download everything of a link as one zip, streamed (public)")
    async def zipped(self, request: AnyRequest, links: Links, token: str) -> Stream:
        return zip_stream(await links.zipped(token, request.headers.get(PASSWORD_HEADER)))
