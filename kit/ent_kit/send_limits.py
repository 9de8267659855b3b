"""Per-sender send limits, the counting every sending service shares (the March 2024 mass
mailings from hijacked ENT accounts): sliding windows over one sender's recent sends and
over the distinct people they reached, checked before the next send.

Pure, and free of any service's words: a service names its limits (`Limit.name`), keeps a
`SendHistory` per sender in a read model (`recorded` at each send), and records and answers
a refusal in its own terms. It bounds a mass sending; it is not an exact quota."""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

import msgspec
from ent_contracts import DomainEvent

from ent_kit.aggregate import Aggregate

N = TypeVar("N", bound=str)
Counted = Literal["sends", "recipients"]


class Limit(msgspec.Struct, Generic[N], frozen=True, kw_only=True):
    """At most `allowed` sends, or distinct recipients, within any `window`."""

    name: N  # the service's code for it, reported back in `Exceeded`
    counts: Counted
    window: timedelta
    allowed: int


class Exceeded(msgspec.Struct, Generic[N], frozen=True, kw_only=True):
    limit: N
    allowed: int
    attempted: int
    retry_after_s: int  # when the oldest send or recipient counted leaves the window


class SendHistory(msgspec.Struct, frozen=True, kw_only=True):
    """One sender's recent sends and when each person was last written to: what a read
    model keeps (as `document()`) for the next check."""

    sent_at: list[datetime] = []
    recipients: dict[str, datetime] = {}

    @classmethod
    def of(cls, document: Mapping[str, Any] | None) -> SendHistory:
        return msgspec.convert(document, cls) if document else cls()

    def document(self) -> dict[str, Any]:
        built: dict[str, Any] = msgspec.to_builtins(self)
        return built

    def recorded(self, at: datetime, recipients: Iterable[str], kept: timedelta) -> SendHistory:
        """With one more send at `at`, forgetting what is older than `kept` (the longest
        window the limits look at), so that the history stays small."""
        since = at - kept
        last = {u: t for u, t in self.recipients.items() if t > since}
        last.update(dict.fromkeys(recipients, at))
        return SendHistory(sent_at=[*(t for t in self.sent_at if t > since), at], recipients=last)


def exceeded(
    limits: Sequence[Limit[N]],
    history: SendHistory,
    new_recipients: Sequence[str],
    now: datetime,
) -> Exceeded[N] | None:
    """The first limit one more send to `new_recipients` would go over, or None."""
    for limit in limits:
        if limit.counts == "sends":
            over = _sends(limit, history, now)
        else:
            over = _recipients(limit, history, new_recipients, now)
        if over is not None:
            return over
    return None


def longest(limits: Sequence[Limit[N]]) -> timedelta:
    """How far back a history must go for these limits."""
    return max((limit.window for limit in limits), default=timedelta(0))


def _sends(limit: Limit[N], history: SendHistory, now: datetime) -> Exceeded[N] | None:
    recent = sorted(t for t in history.sent_at if now - t < limit.window)
    if len(recent) + 1 <= limit.allowed:
        return None
    # The next send fits once enough of the oldest have left the window.
    leaves = recent[len(recent) - limit.allowed] if limit.allowed > 0 and recent else now
    return _over(limit, len(recent) + 1, leaves + limit.window - now)


def _recipients(
    limit: Limit[N], history: SendHistory, new: Sequence[str], now: datetime
) -> Exceeded[N] | None:
    inside = {u: t for u, t in history.recipients.items() if now - t < limit.window}
    distinct = set(inside) | set(new)
    if len(distinct) <= limit.allowed:
        return None
    oldest = min(inside.values(), default=now)
    return _over(limit, len(distinct), oldest + limit.window - now)


def _over(limit: Limit[N], attempted: int, wait: timedelta) -> Exceeded[N]:
    return Exceeded(
        limit=limit.name,
        allowed=limit.allowed,
        attempted=attempted,
        retry_after_s=max(1, math.ceil(wait.total_seconds())),
    )


class RefusalLog(Aggregate, Generic[N]):
    """Where a sender's refusals are recorded: nothing to decide but the record itself."""

    def when(self, event: DomainEvent) -> None:
        return None

    def reached(self, sender_id: str, over: Exceeded[N]) -> None:
        self.trigger(self.refusal_event(sender_id, over))

    @abstractmethod
    def refusal_event(self, sender_id: str, over: Exceeded[N]) -> DomainEvent: ...


def limits_stream(sender_id: str) -> str:
    return f"limits:{sender_id}"
