"""A lease in the service's own store: which replica runs the work that must run once.

The relay and the local projectors follow the service's own log; two replicas running
them would publish every event twice and apply read-modify-write projections twice. One
replica holds the lease (an owner, an expiry and a fencing token, one document in
`_leases`) and renews it; the others wait for it to expire.

Built on the DocumentStore port alone, so both adapters have it:

- `acquire_or_renew()` reads the lease and writes it back in one write transaction: taken
  when absent, expired or already ours. A new owner increments the fencing token; the same
  owner keeps its token. SQLite serialises write transactions (`BEGIN IMMEDIATE`), so no
  other writer slips between the read and the write. MongoDB aborts one of two
  transactions that write the same document (write conflict), so two replicas taking an
  expired lease at once cannot both commit.
- `verify(tx)`, called inside a caller's transaction (a projection batch and its
  checkpoint, the relay's checkpoint), raises `LeaseLost` unless the stored lease still
  names our owner and token and is unexpired: the caller's whole transaction rolls back.
  On SQLite the read is serialised with every takeover. On MongoDB a read alone does not
  conflict, so a takeover committed while the caller's transaction is open would go
  unseen: what closes that window is that every guarded transaction also compares and
  sets its checkpoint document (`ent_kit.outbox.advance_checkpoint`), which the new
  holder writes too; of two transactions writing it, only one commits.

Expiry uses the wall clock of whoever reads the lease: replicas on several machines need
clocks in step (NTP) to much better than the TTL.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from ent_kit.storage import Document, DocumentReader, DocumentStore

LEASES = "_leases"

Guard = Callable[[DocumentReader], Awaitable[None]]
"""Called inside a caller's transaction (a DocumentWriter); raises, so the transaction
rolls back, unless the caller may still write. On a plain reader: an early check only."""


class LeaseLost(Exception):
    """The lease is no longer ours (expired, taken by another owner, or never held)."""


@dataclass(frozen=True)
class LeaseState:
    owner: str
    token: int
    expires_at: float  # wall clock, seconds since the epoch
    acquired_at: float  # when this owner took it

    @classmethod
    def of(cls, doc: Document) -> LeaseState:
        return cls(
            owner=str(doc["owner"]),
            token=int(doc["token"]),
            expires_at=float(doc["expires_at"]),
            acquired_at=float(doc.get("acquired_at", 0.0)),
        )

    def live(self, now: float) -> bool:
        return self.expires_at > now


def new_owner_id() -> str:
    """Host, process, and a random suffix (a restarted process may reuse a pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Lease:
    def __init__(
        self,
        documents: DocumentStore,
        name: str,
        *,
        ttl_s: float,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._documents = documents
        self.name = name
        self.ttl_s = ttl_s
        self.owner = owner or new_owner_id()
        self.clock = clock
        self.token: int | None = None  # our fencing token while we believe we hold it

    @property
    def held(self) -> bool:
        """Whether our last acquire or renew succeeded (and we did not release since).
        Only `verify` inside a transaction is authoritative."""
        return self.token is not None

    async def current(self, reader: DocumentReader | None = None) -> LeaseState | None:
        doc = await (reader or self._documents).get(LEASES, self.name)
        return LeaseState.of(doc) if doc else None

    async def acquire_or_renew(self) -> bool:
        """Take the lease, or extend ours, for `ttl_s`; False while another owner holds it."""
        async with self._documents.transaction() as tx:
            now = self.clock()
            state = await self.current(tx)
            if state is not None and state.owner != self.owner and state.live(now):
                self.token = None
                return False
            if state is not None and state.owner == self.owner:
                token, acquired_at = state.token, state.acquired_at
            else:
                token, acquired_at = (state.token if state else 0) + 1, now
            await tx.put(
                LEASES,
                self.name,
                {
                    "owner": self.owner,
                    "token": token,
                    "expires_at": now + self.ttl_s,
                    "acquired_at": acquired_at,
                    "renewed_at": now,
                },
            )
        self.token = token
        return True

    async def verify(self, tx: DocumentReader) -> None:
        """Raise LeaseLost unless the stored lease is ours, with our token, unexpired.
        Authoritative inside the caller's write transaction (`tx`), which then rolls back;
        checked there as it commits (`DocumentReader.expect`)."""
        token = self.token
        if token is None:
            raise LeaseLost(f"lease {self.name!r} not held by {self.owner}")
        await tx.expect(LEASES, self.name, partial(self._check, token))

    def _check(self, token: int, doc: Document | None) -> None:
        state = LeaseState.of(doc) if doc else None
        if state is None or state.owner != self.owner or state.token != token:
            holder = "nobody" if state is None else f"{state.owner} (token {state.token})"
            raise LeaseLost(f"lease {self.name!r} (token {token}) is now held by {holder}")
        if not state.live(self.clock()):
            raise LeaseLost(f"lease {self.name!r} (token {token}) expired")

    async def release(self) -> None:
        """Expire our lease at once (keeping its token, so tokens only grow) so that a peer
        takes over without waiting for the TTL."""
        token, self.token = self.token, None
        if token is None:
            return
        async with self._documents.transaction() as tx:
            doc = await tx.get(LEASES, self.name)
            if doc is None or doc["owner"] != self.owner or doc["token"] != token:
                return
            await tx.put(LEASES, self.name, {**doc, "expires_at": self.clock()})
