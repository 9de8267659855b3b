"""Calls to another service's API as this service: a short-lived signed service token,
and a client span whose context travels in the headers, so the callee both verifies the
caller and joins the trace.

Every service-to-service call goes through `PeerClient.call`: bodies and answers are
the msgspec Structs of `ent_contracts`, never loose dicts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

import httpx
import msgspec

from ent_kit.auth import issue_token, service_identity
from ent_kit.settings import ServiceSettings
from ent_kit.telemetry import traced

TOKEN_TTL = timedelta(minutes=1)
T = TypeVar("T")


class PeerUnavailable(ConnectionError):
    """The other service did not answer (or answered 5xx): the caller cannot decide."""


class PeerRejected(Exception):
    """The other service answered 4xx: `problem` is its problem+json (may be empty)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {problem.get('detail', '')}")
        self.status = status
        self.problem = problem

    def first_error(self) -> dict[str, Any]:
        """The first field error the peer named (empty if none)."""
        errors = self.problem.get("errors")
        return errors[0] if isinstance(errors, list) and errors else {}


class PeerClient:
    def __init__(
        self,
        base_url: str,
        settings: ServiceSettings,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,  # tests: a peer answering in-process
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._settings = settings
        self._client = traced(
            httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=3.0), transport=transport)
        )

    def _headers(self) -> dict[str, str]:
        s = self._settings
        identity = service_identity(s.service_name)
        token = issue_token(s.auth_secret, s.auth_issuer, identity, TOKEN_TTL)
        return {"authorization": f"Bearer {token}", "content-type": "application/json"}

    async def call(self, method: str, path: str, into: type[T], body: Any = None) -> T:
        """`body` (a Struct, or None) sent as JSON; the answer decoded into `into`."""
        content = None if body is None else msgspec.json.encode(body)
        url = f"{self._base_url}{path}"
        try:
            response = await self._client.request(
                method, url, content=content, headers=self._headers()
            )
        except httpx.TransportError as exc:
            raise PeerUnavailable(f"{self._base_url}: {exc}") from exc
        if response.status_code >= 500:
            raise PeerUnavailable(f"{url}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PeerRejected(response.status_code, _problem(response))
        return msgspec.json.decode(response.content, type=into)

    async def close(self) -> None:
        await self._client.aclose()


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        problem = response.json()
    except ValueError:
        return {}
    return problem if isinstance(problem, dict) else {}
