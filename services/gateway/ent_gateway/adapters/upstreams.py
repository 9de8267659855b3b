"""HTTP client to the services behind the gateway, carrying the trace context (the kit's
`http_client`: aiohttp's pool under httpx's API)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from ent_kit.http_client import KEEPALIVE_S, http_client
from ent_kit.peers import PeerUnavailable

from ent_gateway.adapters.relay import relayed
from ent_gateway.application.client_limits import ClientLimits, Slot
from ent_gateway.settings import GatewaySettings

# Connection-level headers belong to one hop and must not be forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)


# The gateway's own server sets these on every response it sends.
SET_BY_GATEWAY = frozenset({"date", "server"})


@dataclass(frozen=True)
class PoolLimits:
    """The connection pool to the services, and how long each step may wait."""

    connect_s: float = 5.0  # fails fast when a service is down
    pool_wait_s: float = 10.0  # for a free connection, then 503
    max_connections: int = 200
    keepalive_s: float = KEEPALIVE_S
    # A client must take each chunk of an answer within this, or its connection to the
    # service is closed: a slow reader does not hold one of the pool for ever.
    client_send_s: float = 60.0
    max_concurrent_per_client: int = 16  # requests under way per client; beyond, 429


def pool_limits(settings: GatewaySettings) -> PoolLimits:
    return PoolLimits(
        connect_s=settings.upstream_connect_timeout_s,
        pool_wait_s=settings.upstream_pool_wait_s,
        max_connections=settings.upstream_max_connections,
        keepalive_s=settings.upstream_keepalive_s,
        client_send_s=settings.client_send_timeout_s,
        max_concurrent_per_client=settings.max_concurrent_per_client,
    )


# An answer up to this size is read whole and sent in one piece: for the small JSON most
# calls answer, streaming costs more than the copy (a task to watch for the client's
# disconnect, a background task to close).
SMALL_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Forwarded:
    """A service's answer, streamed back as it arrives; `close` once it has been sent."""

    status_code: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]
    response: httpx.Response
    slot: Slot | None = None  # the client's request under way, given back by `close`

    def is_small(self) -> bool:
        length = self.headers.get("content-length", "")
        return length.isdigit() and int(length) <= SMALL_ANSWER_BYTES

    async def read(self) -> bytes:
        """The whole body (a small answer's), then `close`."""
        try:
            return b"".join([chunk async for chunk in self.body])
        finally:
            await self.close()

    async def close(self) -> None:
        try:
            await self.response.aclose()
        finally:
            if self.slot is not None:
                self.slot.release()


class Upstreams:
    def __init__(
        self, urls: Mapping[str, str], timeout_s: float, limits: PoolLimits | None = None
    ) -> None:
        """`timeout_s`: at most between two chunks of an answer (or two writes of a body):
        a large download streams through as long as it keeps moving."""
        self.urls = dict(urls)
        self.limits = limits or PoolLimits()
        self.clients = ClientLimits(self.limits.max_concurrent_per_client)
        timeout = httpx.Timeout(
            timeout_s, connect=self.limits.connect_s, pool=self.limits.pool_wait_s
        )
        pool = httpx.Limits(
            max_connections=self.limits.max_connections,
            keepalive_expiry=self.limits.keepalive_s,
        )
        self.client = http_client(timeout, limits=pool)

    def url(self, service: str) -> str | None:
        return self.urls.get(service)

    @staticmethod
    def forward_headers(headers: Mapping[str, str]) -> dict[str, str]:
        # The client's span replaces any traceparent sent: the upstream continues the gateway's.
        return {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}

    async def forward(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: AsyncIterator[bytes] | None,
        client: str | None = None,
    ) -> Forwarded:
        """Send a client's request on, body streamed both ways. 429 when `client` (see
        `client_key`) has too many under way; PeerUnavailable when the service does not
        answer, or no connection to it frees up in time."""
        slot = self.clients.take(client) if client is not None else None
        request = self.client.build_request(
            method, url, headers=self.forward_headers(headers), content=body
        )
        try:
            response = await self.client.send(request, stream=True)
        except BaseException as exc:
            if slot is not None:
                slot.release()
            if isinstance(exc, httpx.TransportError):
                raise PeerUnavailable(f"{url}: {exc}") from exc
            raise
        kept = {
            k.lower(): v
            for k, v in response.headers.items()
            if k.lower() not in HOP_BY_HOP | SET_BY_GATEWAY
        }
        body_out = relayed(response, self.limits.client_send_s)
        return Forwarded(response.status_code, kept, body_out, response, slot)

    async def openapi_documents(self) -> dict[str, dict[str, Any]]:
        """Each service's OpenAPI document, by service name; a service that is down is left
        out rather than failing the whole document."""
        names = sorted(self.urls)
        documents = await asyncio.gather(*(self._openapi(name) for name in names))
        return {name: doc for name, doc in zip(names, documents, strict=True) if doc}

    async def _openapi(self, service: str) -> dict[str, Any] | None:
        try:
            response = await self.client.get(f"{self.urls[service]}/schema/openapi.json")
            response.raise_for_status()
        except httpx.HTTPError:
            return None
        document: dict[str, Any] = response.json()
        return document

    async def close(self) -> None:
        await self.client.aclose()
