"""E-mails outside the ENT that another service asks for on behalf of one of its users
(a transfer's link shared with e-mail addresses).

Queued, not sent: `ExternalEmailQueued` puts one entry per address in the `email_queue`
(`notification_outbox.py`) and the notification dispatcher sends them, retried like any
notification, from the ENT's no-reply address. Only services granted `mail:external_email`
reach this; each user has a daily allowance, so that a hijacked account cannot turn the
ENT into a relay for strangers' inboxes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from weakref import WeakValueDictionary

from ent_contracts.mail import ExternalEmailQueued
from ent_contracts.mail_api import ExternalEmailReceipt, ExternalEmailRequest
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, Refused, TooMany
from ent_kit.peers import PeerUnavailable
from ent_kit.projections import LocalProjector
from ent_kit.repository import envelope_for
from ent_kit.signal import AppendSignal
from ent_kit.storage import DocumentReader, EventStore

from ent_mail import texts
from ent_mail.application.notification_outbox import EXTERNAL_ALLOWANCE, allowance_id
from ent_mail.domain.notification_settings import checked_address

_USERS_AT_WORK: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()


def external_email_stream(email_id: str) -> str:
    return f"external-email:{email_id}"


class ExternalEmails:
    def __init__(
        self,
        events: EventStore,
        signal: AppendSignal,
        reader: DocumentReader,
        outbox: LocalProjector,
        per_day: int,
        *,
        relay: bool = True,
    ) -> None:
        self._events = events
        self._signal = signal
        self._reader = reader
        self._outbox = outbox  # the notification outbox's projector: queue and allowance
        self._per_day = per_day
        self._relay = relay  # an SMTP relay is configured: else nothing could be sent

    async def queue(
        self, caller: Identity, request: ExternalEmailRequest, now: datetime | None = None
    ) -> ExternalEmailReceipt:
        if not caller.is_service:
            raise Forbidden("", "reserved_to_services", texts.RESERVED_TO_SERVICES)
        if not self._relay:  # queued, it would only be given up: the caller must know
            raise PeerUnavailable("no SMTP relay configured (ENT_NOTIFICATION_SMTP_URL)")
        addresses = _distinct_addresses(request.to)
        now = now or datetime.now(UTC)
        if request.check_only:
            await self._within_allowance(request.on_behalf_of, len(addresses), now)
            return ExternalEmailReceipt(email_id=None, queued=len(addresses))
        # One request of a user at a time in this process: each sees the ones before it
        # counted (replicas may still each let one through: the allowance is a brake).
        async with _USERS_AT_WORK.setdefault(request.on_behalf_of, asyncio.Lock()):
            await self._within_allowance(request.on_behalf_of, len(addresses), now)
            return await self._queued(caller, request, addresses, now)

    async def _queued(
        self,
        caller: Identity,
        request: ExternalEmailRequest,
        addresses: list[str],
        now: datetime,
    ) -> ExternalEmailReceipt:
        queued = ExternalEmailQueued(
            email_id=new_event_id(),
            requested_by=caller.user_id,
            on_behalf_of=request.on_behalf_of,
            to=addresses,
            subject=" ".join(request.subject.split()),  # a header takes no line break
            text=request.text,
            queued_at=now,
        )
        stream = external_email_stream(queued.email_id)
        position = await self._events.append(
            stream, 0, [envelope_for(queued, stream, 1, caller.actor)]
        )
        self._signal.notify()
        await self._outbox.caught_up(position)  # counted before the next request is checked
        return ExternalEmailReceipt(email_id=queued.email_id, queued=len(addresses))

    async def _within_allowance(self, user_id: str, count: int, now: datetime) -> None:
        used = await self._reader.get(EXTERNAL_ALLOWANCE, allowance_id(user_id, now))
        if (used["count"] if used else 0) + count > self._per_day:
            tomorrow = datetime(now.year, now.month, now.day, tzinfo=UTC).timestamp() + 86_400
            raise TooMany(
                "to",
                "external_email_limit",
                texts.TOO_MANY_EXTERNAL_EMAILS.format(allowed=self._per_day),
                retry_after_s=max(1, int(tomorrow - now.timestamp())),
            )


def _distinct_addresses(given: list[str]) -> list[str]:
    kept: list[str] = []
    for index, address in enumerate(given):
        checked = checked_address(address, f"to[{index}]")
        if checked is None:  # a blank: as malformed as any
            raise Refused(f"to[{index}]", "invalid_address", texts.INVALID_ADDRESS)
        if checked not in kept:
            kept.append(checked)
    return kept
