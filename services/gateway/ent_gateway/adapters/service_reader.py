"""The home page's reads from the services: JSON GETs through the gateway's pooled, traced
client (one client span per call, under the page's), the caller's bearer token forwarded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ent_gateway.adapters.upstreams import Upstreams
from ent_gateway.application.ports import Unreachable


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


class UpstreamReader:
    def __init__(self, upstreams: Upstreams) -> None:
        self._upstreams = upstreams

    async def get(
        self,
        service: str,
        path: str,
        params: Mapping[str, str | int],
        authorization: str,
        timeout_s: float,
    ) -> Answer:
        base = self._upstreams.url(service)
        if base is None:
            raise Unreachable(f"no upstream {service}")
        try:
            response = await self._upstreams.client.get(
                f"{base}{path}",
                params=dict(params),
                headers={"authorization": authorization, "accept": "application/json"},
                # No longer than the block may take, for every step (a free pooled
                # connection included): the block's own timeout cuts it anyway.
                timeout=httpx.Timeout(timeout_s),
            )
        except httpx.TransportError as exc:
            raise Unreachable(f"{service}: {exc!r}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        return Answer(response.status_code, body)
