"""How many proxied requests one client may have under way at once, so that a few clients
(slow downloads, many parallel ones) cannot hold every connection to the services.

Counted per gateway replica, in memory: what it protects, the replica's connection pool
to the services, is per replica too. A client is the signed-in user when the request
carries a verified token, else its address (`ClientAddresses`)."""

from __future__ import annotations

from ent_kit.errors import TooMany

# Shown to people (French); to move to `ent_gateway.texts` with the gateway's other texts.
TOO_MANY_REQUESTS = "Trop de requêtes en cours : réessayez dans quelques instants"


def client_key(user_id: str | None, address: str) -> str:
    """The signed-in user wherever they connect from; else the address."""
    return f"user:{user_id}" if user_id else f"address:{address}"


class Slot:
    """One request under way for a client: released once, when its answer has been sent
    (or failed)."""

    def __init__(self, limits: ClientLimits, client: str) -> None:
        self._limits = limits
        self.client = client
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._limits._released(self.client)


class ClientLimits:
    def __init__(self, max_concurrent: int, retry_after_s: int = 1) -> None:
        self.max_concurrent = max_concurrent
        self._retry_after_s = retry_after_s
        self._under_way: dict[str, int] = {}  # only clients with a request under way

    def take(self, client: str) -> Slot:
        """A slot for one more request, or 429 `too_many_requests` with Retry-After."""
        count = self._under_way.get(client, 0)
        if count >= self.max_concurrent:
            raise TooMany(
                "",
                "too_many_requests",
                TOO_MANY_REQUESTS,
                retry_after_s=self._retry_after_s,
            )
        self._under_way[client] = count + 1
        return Slot(self, client)

    def under_way(self, client: str) -> int:
        return self._under_way.get(client, 0)

    def _released(self, client: str) -> None:
        left = self._under_way.get(client, 0) - 1
        if left > 0:
            self._under_way[client] = left
        else:
            self._under_way.pop(client, None)
