"""The client every bench calls the platform with over TCP: httpx's API over aiohttp's
connection pool, as the services call each other (`ent_kit.http_client`), untraced.

Not httpx's own pool: it scans every connection for every queued request, so that at 100
users at once the bench's client took 0.9 of a core (of two) to make 76 calls/s and was
itself what the figures measured (the gateway 45 % busy, mail 27 %). Over aiohttp's pool,
the same 100 users made 290 calls/s with a third of a core."""

from __future__ import annotations

import httpx
from ent_kit.http_client import KEEPALIVE_S
from httpx_aiohttp import AiohttpTransport


def load_client(base_url: str, *, timeout: float, max_connections: int = 100) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=max_connections, keepalive_expiry=KEEPALIVE_S)
    return httpx.AsyncClient(
        base_url=base_url, timeout=timeout, transport=AiohttpTransport(limits=limits)
    )
