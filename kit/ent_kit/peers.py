"""Calls to another service's API as this service: a short-lived signed service token,
and the current trace context, so the callee both verifies and joins the trace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from opentelemetry import propagate

from ent_kit.auth import issue_token, service_identity
from ent_kit.settings import ServiceSettings

TOKEN_TTL = timedelta(minutes=1)


class PeerUnavailable(ConnectionError):
    """The other service did not answer (or answered 5xx): the caller cannot decide."""


class PeerClient:
    def __init__(self, base_url: str, settings: ServiceSettings, timeout_s: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._settings = settings
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=3.0))

    def _headers(self) -> dict[str, str]:
        s = self._settings
        token = issue_token(s.auth_secret, s.auth_issuer, service_identity(s.service_name),
                            TOKEN_TTL)  # fmt: skip
        headers = {"authorization": f"Bearer {token}"}
        propagate.inject(headers)
        return headers

    async def post(self, path: str, body: Any) -> httpx.Response:
        try:
            response = await self._client.post(
                f"{self._base_url}{path}", json=body, headers=self._headers()
            )
        except httpx.TransportError as exc:
            raise PeerUnavailable(f"{self._base_url}: {exc}") from exc
        if response.status_code >= 500:
            raise PeerUnavailable(f"{self._base_url}{path}: HTTP {response.status_code}")
        return response

    async def close(self) -> None:
        await self._client.aclose()
