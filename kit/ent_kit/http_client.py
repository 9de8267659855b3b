"""The HTTP client a service (the gateway included) calls another with: httpx's API over
aiohttp's connection pool (`httpx-aiohttp`), each call traced.

Not httpx's default pool (httpcore's): it scans every connection for every queued request
each time one comes or goes, so that at a few hundred calls under way (the home page of
100 users at once) the gateway spent its CPU there and stalled; and a call cancelled as it
is handed a connection (a timeout, a client gone) kept that connection taken for good
(encode/httpcore#1093), until no call got one. aiohttp's pool hands connections out in
constant time and gives a cancelled waiter's place back."""

from __future__ import annotations

import httpx
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import AiohttpResponseStream

from ent_kit.telemetry import traced

# An idle connection is dropped after this, before the callee's server (uvicorn: 5 s)
# would close it: a request sent just as the server closes would fail.
KEEPALIVE_S = 2.0
DEFAULT_LIMITS = httpx.Limits(max_connections=100, keepalive_expiry=KEEPALIVE_S)

# Each read of an answer's body (the library's default, 16 KiB, takes four times as many
# steps to relay a large download).
AiohttpResponseStream.CHUNK_SIZE = 64 * 1024


def http_client(
    timeout: httpx.Timeout,
    *,
    limits: httpx.Limits = DEFAULT_LIMITS,
    transport: httpx.AsyncBaseTransport | None = None,  # tests: a callee in-process
) -> httpx.AsyncClient:
    return traced(
        httpx.AsyncClient(
            timeout=timeout,
            transport=transport or AiohttpTransport(limits=limits),
            follow_redirects=False,
        )
    )
