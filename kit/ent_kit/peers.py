"""Calls to another service's API as this service: a short-lived signed service token,
and a client span whose context travels in the headers, so the callee both verifies the
caller and joins the trace. A service token names its callee (`aud`) and the one
operation asked (`scope`, see `ent_kit.scopes`), and is signed with this service's own key
(ENT_SERVICE_SIGNING_KEY): the callee checks it with this service's public key.

Every service-to-service call goes through `PeerClient.call`: bodies and answers are
the msgspec Structs of `ent_contracts`, never loose dicts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

import httpx
import msgspec

from ent_kit import keys
from ent_kit.http_client import http_client
from ent_kit.settings import ServiceSettings, SettingsError, env_name
from ent_kit.tokens import issue_service_token

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
    """Calls to the service `callee` at `base_url`. `scope` is the operation asked when a
    call names none (a client used for one operation only)."""

    def __init__(
        self,
        base_url: str,
        settings: ServiceSettings,
        *,
        callee: str,
        scope: str | None = None,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,  # tests: a peer answering in-process
        at_first_call: bool = False,  # aiohttp loaded at the first call (`http_client`)
    ) -> None:
        if not settings.service_signing_key:
            # At start, not at the first call: a service that calls peers needs its key.
            raise SettingsError(
                f"missing setting {env_name('service_signing_key')}:"
                f" {settings.service_name} calls {callee}"
            )
        self._base_url = base_url.rstrip("/")
        self._caller = settings.service_name
        self._key = keys.private_key(settings.service_signing_key)
        self._callee = callee
        self._scope = scope
        self._client = http_client(
            httpx.Timeout(timeout_s, connect=3.0), transport=transport, at_first_call=at_first_call
        )

    def _headers(self, scope: str) -> dict[str, str]:
        token = issue_service_token(self._key, self._caller, self._callee, scope, TOKEN_TTL)
        return {"authorization": f"Bearer {token}", "content-type": "application/json"}

    async def call(
        self, method: str, path: str, into: type[T], body: Any = None, *, scope: str | None = None
    ) -> T:
        """`body` (a Struct, or None) sent as JSON; the answer decoded into `into`. The
        token is scoped to `scope`, else to the client's own."""
        asked = scope or self._scope
        if asked is None:
            raise ValueError(f"no scope for {method} {path}: name the operation asked")
        content = None if body is None else msgspec.json.encode(body)
        url = f"{self._base_url}{path}"
        try:
            response = await self._client.request(
                method, url, content=content, headers=self._headers(asked)
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
