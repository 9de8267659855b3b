"""Mes documents as the Messagerie reads it: the locker's download of a workspace item,
asked with the caller's own bearer token (the locker decides what they may read), its body
streamed on, never held whole."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote, unquote

import httpx
from ent_kit.blobs import IncomingFile
from ent_kit.errors import NotFound
from ent_kit.http_client import http_client
from ent_kit.peers import PeerUnavailable

from ent_mail import texts

# The locker's route (ent_locker.entrypoints.workspace: WorkspaceController.content).
ITEM_CONTENT_PATH = "/locker/workspace/items/{item_id}/content"
DEFAULT_MEDIA_TYPE = "application/octet-stream"

# RFC 6266 / 8187: `filename*=UTF-8''caf%C3%A9.pdf` (preferred), else `filename="..."`.
_EXTENDED_NAME = re.compile(r"filename\*\s*=\s*([\w!#$%&+.^`|~-]+)'[\w-]*'([^;\s]+)", re.I)
_PLAIN_NAME = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))', re.I)


class LockerWorkspace:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,  # tests: a locker in-process
    ) -> None:
        self._base_url = base_url.rstrip("/")
        # The read timeout bounds each wait for a piece of the body, not the whole download.
        self._client = http_client(httpx.Timeout(timeout_s, connect=3.0), transport=transport)

    @asynccontextmanager
    async def open(self, item_id: str, authorization: str) -> AsyncIterator[IncomingFile]:
        # Quoted whole, so that an id cannot reach another route ("../..").
        url = self._base_url + ITEM_CONTENT_PATH.format(item_id=quote(item_id, safe=""))
        try:
            async with self._client.stream(
                "GET", url, headers={"authorization": authorization}
            ) as response:
                self._check(response, url)
                yield IncomingFile(
                    file_name=file_name(response.headers.get("content-disposition", "")),
                    media_type=response.headers.get("content-type", DEFAULT_MEDIA_TYPE),
                    chunks=response.aiter_bytes(),
                )
        except httpx.TransportError as exc:  # connecting, or the body cut off midway
            raise PeerUnavailable(f"{self._base_url}: {exc}") from exc

    async def close(self) -> None:
        await self._client.aclose()

    @staticmethod
    def _check(response: httpx.Response, url: str) -> None:
        # The locker answers 404 alike for unknown items and other people's.
        if response.status_code in (404, 410):
            raise NotFound("item_id", "item_not_found", texts.WORKSPACE_ITEM_NOT_FOUND)
        if response.status_code != 200:
            # A 401 or 403 for a token this service accepted means the two disagree on
            # the gateway's keys: the locker is of no use to anyone until that is fixed.
            raise PeerUnavailable(f"{url}: HTTP {response.status_code}")


def file_name(content_disposition: str) -> str:
    """The name a download's Content-Disposition gives, the UTF-8 one when there is one;
    empty when it gives none."""
    extended = _EXTENDED_NAME.search(content_disposition)
    if extended:
        charset, encoded = extended.groups()
        try:
            return unquote(encoded, encoding=charset, errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown charset: the plain name below, if any
    plain = _PLAIN_NAME.search(content_disposition)
    if plain is None:
        return ""
    quoted, token = plain.groups()
    return re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else token
