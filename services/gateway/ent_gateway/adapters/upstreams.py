"""HTTP client to the services behind the gateway, carrying the trace context."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from ent_kit.peers import PeerUnavailable
from ent_kit.telemetry import traced

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
class Forwarded:
    """A service's answer, streamed back as it arrives; `close` once it has been sent."""

    status_code: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]
    response: httpx.Response

    async def close(self) -> None:
        await self.response.aclose()


class Upstreams:
    def __init__(self, urls: Mapping[str, str], timeout_s: float) -> None:
        self.urls = dict(urls)
        # Long read timeout: large downloads stream through; connect fails fast.
        self.client = traced(
            httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=5.0), follow_redirects=False)
        )

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
    ) -> Forwarded:
        """Send a client's request on, body streamed both ways. PeerUnavailable when the
        service does not answer."""
        request = self.client.build_request(
            method, url, headers=self.forward_headers(headers), content=body
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise PeerUnavailable(f"{url}: {exc}") from exc
        kept = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in HOP_BY_HOP | SET_BY_GATEWAY
        }
        return Forwarded(response.status_code, kept, response.aiter_raw(), response)

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
