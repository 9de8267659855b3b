"""The HTTP client a service (the gateway included) calls another with: httpx's API over
aiohttp's connection pool (`httpx-aiohttp`), each call traced.

Not httpx's default pool (httpcore's): it scans every connection for every queued request
each time one comes or goes, so that at a few hundred calls under way (the home page of
100 users at once) the gateway spent its CPU there and stalled; and a call cancelled as it
is handed a connection (a timeout, a client gone) kept that connection taken for good
(encode/httpcore#1093), until no call got one. aiohttp's pool hands connections out in
constant time and gives a cancelled waiter's place back.

A client that seldom calls can load aiohttp at its first call (`at_first_call`): aiohttp is
8 MB resident, and the transfer service, held under 100 MB while it moves 2 GB, calls a
peer only to share a link by message. The others load it at once: an import of 150 ms in
the middle of a first request would eat a short timeout (the home page's blocks)."""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from ent_kit.telemetry import traced

# An idle connection is dropped after this, before the callee's server (uvicorn: 5 s)
# would close it: a request sent just as the server closes would fail.
KEEPALIVE_S = 2.0
DEFAULT_LIMITS = httpx.Limits(max_connections=100, keepalive_expiry=KEEPALIVE_S)

# Each read of an answer's body (the library's default, 16 KiB, takes four times as many
# steps to relay a large download).
BODY_READ_BYTES = 64 * 1024


def _aiohttp_pool(limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    import aiohttp
    from httpx_aiohttp import AiohttpTransport
    from httpx_aiohttp.transport import AiohttpResponseStream

    AiohttpResponseStream.CHUNK_SIZE = BODY_READ_BYTES

    transport = AiohttpTransport(limits=limits)

    def session() -> aiohttp.ClientSession:  # the library's own, but keeping no cookie
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,
            keepalive_timeout=limits.keepalive_expiry,
            ssl=transport.ssl_context,
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    transport.client = session  # made at the first call
    return transport


def _no_cookies() -> CookieJar:
    """A jar that keeps nothing (aiohttp's session, under it, keeps none either). One
    client serves every user (the gateway's proxies every request): a cookie a service set
    in one answer would go with everyone's next call. A Set-Cookie still reaches whoever
    the answer is relayed to."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=()))


class _PoolAtFirstCall(httpx.AsyncBaseTransport):
    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._pool: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._pool is None:
            self._pool = _aiohttp_pool(self._limits)
        return await self._pool.handle_async_request(request)

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


def http_client(
    timeout: httpx.Timeout,
    *,
    limits: httpx.Limits = DEFAULT_LIMITS,
    transport: httpx.AsyncBaseTransport | None = None,  # tests: a callee in-process
    at_first_call: bool = False,
) -> httpx.AsyncClient:
    if transport is None:
        transport = _PoolAtFirstCall(limits) if at_first_call else _aiohttp_pool(limits)
    return traced(
        httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            cookies=_no_cookies(),
            follow_redirects=False,
        )
    )
