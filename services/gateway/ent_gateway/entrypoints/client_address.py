"""Who is calling: the client's address, for sign-in throttling and security logs.

Taken from a request header only when the settings name one (`ENT_TRUSTED_PROXY_HEADER`),
which the proxies in front of the gateway set; otherwise the socket's peer. A header
such as `X-Forwarded-For` is a list each proxy appends to, and a client can start it with
anything it likes: only the entries written by the `hops` trusted proxies (counted from
the right) are believed, and the leftmost of those is the client's address.
"""

from __future__ import annotations

from ipaddress import ip_address

from ent_kit.controllers import AnyRequest

UNKNOWN = "unknown"


class ClientAddresses:
    def __init__(self, header: str = "", hops: int = 1) -> None:
        self._header = header.lower()
        self._hops = hops

    def of(self, request: AnyRequest) -> str:
        peer = request.client.host if request.client else UNKNOWN
        if not self._header:
            return peer
        values = request.headers.getall(self._header, [])
        entries = [e.strip() for value in values for e in value.split(",") if e.strip()]
        if not entries:
            return peer  # not through the proxies: what the socket says
        chosen = entries[-self._hops] if len(entries) >= self._hops else entries[0]
        return _normalized(chosen)


def _normalized(entry: str) -> str:
    """An IP address as one spelling (`[::1]:443`, `1.2.3.4:80` → the address alone);
    anything else is kept as written, bounded (it is only a throttling key)."""
    candidate = entry
    if candidate.startswith("["):
        candidate = candidate[1:].split("]", 1)[0]
    elif candidate.count(":") == 1:
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ip_address(candidate))
    except ValueError:
        return entry[:64]
