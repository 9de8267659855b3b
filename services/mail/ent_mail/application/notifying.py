"""Notification e-mails: the owner's address, and the dispatcher that sends them.

A send never talks to the relay: its `MessageSent` puts one entry per recipient with an
address in the `email_queue` (`notification_outbox.py`), and `EmailDispatcher.run_once`,
a periodic job on the lease holder, drains it. A relay that refuses or cannot be reached
only delays the e-mail (retried with exponential backoff) and never the message, which is
in the Messagerie already. Delivery is at least once: a process killed between the relay's
answer and the `NotificationSent` append sends that e-mail again.

The e-mail says who wrote and the subject, never the body: a message may be about a
minor, and an e-mail leaves the ENT for mailboxes it does not control.

The same queue carries the e-mails other services ask for outside the ENT
(`external_emails.py`): sent to the address and with the text they were queued with.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from ent_contracts import SYSTEM, DomainEvent
from ent_contracts.mail import (
    ExternalEmailFailed,
    ExternalEmailSent,
    NotificationFailed,
    NotificationSent,
)
from ent_kit.auth import Identity
from ent_kit.logging import get_logger
from ent_kit.parking import describe
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository, envelope_for
from ent_kit.signal import AppendSignal
from ent_kit.storage import (
    ConcurrencyConflict,
    Document,
    DocumentReader,
    DocumentStore,
    EventStore,
    Query,
    Range,
    update_fields,
)

from ent_mail import texts
from ent_mail.application.notification_outbox import (
    EMAIL_QUEUE,
    EXTERNAL,
    NOTIFY_ADDRESSES,
    stamp,
)
from ent_mail.application.ports import NotificationEmail, Notifier
from ent_mail.application.projections import PEOPLE
from ent_mail.domain.notification_settings import NotificationSettings, notification_settings_id

log = get_logger("ent.mail.notifying")

BATCH = 100  # due entries taken per run; the next run takes the rest
CONCURRENCY = 5  # e-mails handed to the relay at once
SETTLE_WAIT_S = 5.0  # how long a run waits for the projection to take settled entries off
RELAY_NOT_CONFIGURED = "no SMTP relay configured (ENT_NOTIFICATION_SMTP_URL)"


class NotificationAddress(msgspec.Struct, frozen=True, kw_only=True):
    """Where its owner is told of new messages by e-mail; null: nowhere."""

    address: str | None


def notification_stream(message_id: str, user_id: str) -> str:
    """One stream per e-mail: its single event says how it ended, and a second writer
    (a run racing another) finds the stream taken."""
    return f"notification:{message_id}:{user_id}"


def external_delivery_stream(email_id: str, recipient: int) -> str:
    """The same, for the e-mail to one address of an `ExternalEmailQueued`."""
    return f"external-delivery:{email_id}:{recipient}"


class NotificationSettingsService:
    """The caller's own notification address: only its owner reads or sets it."""

    def __init__(
        self,
        settings: Repository[NotificationSettings],
        reader: DocumentReader,
        projector: LocalProjector,
    ) -> None:
        self._settings = settings
        self._reader = reader
        self._projector = projector

    async def get(self, me: Identity) -> NotificationAddress:
        doc = await self._reader.get(NOTIFY_ADDRESSES, me.user_id)
        return NotificationAddress(address=doc["address"] if doc else None)

    async def set(self, me: Identity, address: str | None) -> NotificationAddress:
        saved = await self._settings.update(
            notification_settings_id(me.user_id),
            lambda settings: settings.set_address(address),
            me.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        return NotificationAddress(address=saved.result)


@dataclass(frozen=True)
class Backoff:
    """How long a failed e-mail waits: `first_s` after the first failure, doubling, at
    most `cap_s`; given up after `max_attempts` tries (8 by default: about 2 hours)."""

    first_s: float = 30.0
    cap_s: float = 3600.0
    max_attempts: int = 8

    def delay(self, failures: int) -> timedelta:
        return timedelta(seconds=min(self.first_s * 2 ** (failures - 1), self.cap_s))


@dataclass(frozen=True)
class _Outcome:
    sent: bool = False
    position: int = 0  # of the event that settled the entry (0: none appended)


class EmailDispatcher:
    def __init__(
        self,
        documents: DocumentStore,
        events: EventStore,
        signal: AppendSignal,
        notifier: Notifier | None,
        *,
        projector: LocalProjector | None = None,
        backoff: Backoff | None = None,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._documents = documents
        self._events = events
        self._signal = signal
        self._notifier = notifier  # None: no relay configured, entries are given up
        self._projector = projector  # the notification outbox's, to wait for settled entries
        self._backoff = backoff or Backoff()
        self._concurrency = concurrency

    async def run_once(self, now: datetime | None = None) -> int:
        """Send the e-mails due at `now`; returns how many the relay accepted."""
        now = now or datetime.now(UTC)
        due = await self._due(now)
        if not due:
            return 0
        context = await self._context(due)
        slots = asyncio.Semaphore(self._concurrency)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._bounded(slots, e, context, now)) for e in due]
        outcomes = [task.result() for task in tasks]
        await self._settled(max(o.position for o in outcomes))
        return sum(o.sent for o in outcomes)

    async def _due(self, now: datetime) -> list[Document]:
        query = Query(
            ranges={"next_at": Range(lte=stamp(now))}, order_by=[("next_at", "asc")], limit=BATCH
        )
        return (await self._documents.find(EMAIL_QUEUE, query)).items

    async def _context(self, due: list[Document]) -> _Context:
        """Current addresses and senders' names of a batch's notifications, two reads for
        all of it."""
        notices = [e for e in due if not _external(e)]
        users = list({e["user_id"] for e in notices})
        senders = list({e["sender_id"] for e in notices})
        addresses = await self._documents.get_many(NOTIFY_ADDRESSES, users)
        people = await self._documents.get_many(PEOPLE, senders)
        return _Context(
            addresses={u: doc["address"] for u, doc in addresses.items()},
            names={
                s: doc.get("display_name") or texts.EMAIL_UNKNOWN_SENDER
                for s, doc in people.items()
            },
        )

    async def _bounded(
        self, slots: asyncio.Semaphore, entry: Document, context: _Context, now: datetime
    ) -> _Outcome:
        async with slots:
            return await self._dispatch(entry, context, now)

    async def _dispatch(self, entry: Document, context: _Context, now: datetime) -> _Outcome:
        stream = _stream(entry)
        if await self._events.read_stream(stream):
            return _Outcome()  # settled by an earlier run; the projection takes it off
        email = context.email(entry)
        if email is None:  # the owner removed their address meanwhile: nothing to send
            await self._drop(entry["id"])
            return _Outcome()
        if self._notifier is None:
            return await self._give_up(entry, entry["attempts"], RELAY_NOT_CONFIGURED)
        try:
            await self._notifier.send(email)
        except Exception as error:  # the relay refused, or could not be reached
            # The relay's answer may name the address: never kept in an event or a log.
            said = describe(error).replace(email.to, "<adresse>")
            return await self._failed(entry, said, now)
        sent = _settlement(entry, entry["attempts"] + 1)
        return _Outcome(sent=True, position=await self._append(stream, sent))

    async def _failed(self, entry: Document, error: str, now: datetime) -> _Outcome:
        attempts = entry["attempts"] + 1
        if attempts >= self._backoff.max_attempts:
            return await self._give_up(entry, attempts, error)
        next_at = now + self._backoff.delay(attempts)
        await self._reschedule(entry["id"], attempts, next_at, error)
        log.warning(
            "notification e-mail failed; retried later",
            **_about(entry),
            attempts=attempts,
            next_at=stamp(next_at),
            error=error,
        )
        return _Outcome()

    async def _give_up(self, entry: Document, attempts: int, error: str) -> _Outcome:
        log.error("notification e-mail given up", **_about(entry), attempts=attempts, error=error)
        failed = _settlement(entry, attempts, error)
        return _Outcome(position=await self._append(_stream(entry), failed))

    async def _reschedule(
        self, entry_id: str, attempts: int, next_at: datetime, error: str
    ) -> None:
        """Operational state of the queue, not a read model: updated in place."""
        changes = {"attempts": attempts, "next_at": stamp(next_at), "last_error": error}
        async with self._documents.transaction() as tx:
            # Settled or dropped meanwhile: never brought back.
            await update_fields(tx, EMAIL_QUEUE, entry_id, **changes)

    async def _drop(self, entry_id: str) -> None:
        async with self._documents.transaction() as tx:
            await tx.delete(EMAIL_QUEUE, entry_id)

    async def _append(self, stream: str, event: DomainEvent) -> int:
        try:
            position = await self._events.append(
                stream, 0, [envelope_for(event, stream, 1, SYSTEM)]
            )
        except ConcurrencyConflict:
            return 0  # another run settled it first
        self._signal.notify()
        return position

    async def _settled(self, position: int) -> None:
        """Wait (briefly) until the projection took the settled entries off, so the next
        run does not even look at them; the stream check covers a slower projection."""
        if self._projector is None or position == 0:
            return
        with contextlib.suppress(TimeoutError):
            await self._projector.caught_up(position, timeout=SETTLE_WAIT_S)


@dataclass(frozen=True)
class _Context:
    addresses: dict[str, str]  # user id -> current notification address
    names: dict[str, str]  # sender id -> display name

    def email(self, entry: Document) -> NotificationEmail | None:
        """What to send for the entry; None for a notification whose owner removed their
        address."""
        if _external(entry):
            return NotificationEmail(
                to=entry["address"], subject=entry["subject"], text=entry["text"]
            )
        address = self.addresses.get(entry["user_id"])
        if address is None:
            return None
        subject = _one_line(entry["subject"]) or texts.NO_SUBJECT
        sender = self.names.get(entry["sender_id"], texts.EMAIL_UNKNOWN_SENDER)
        return NotificationEmail(
            to=address,
            subject=texts.EMAIL_SUBJECT.format(subject=subject),
            text=texts.EMAIL_TEXT.format(sender=_one_line(sender), subject=subject),
        )


def _external(entry: Document) -> bool:
    return entry.get("kind") == EXTERNAL


def _stream(entry: Document) -> str:
    if _external(entry):
        return external_delivery_stream(entry["email_id"], entry["recipient"])
    return notification_stream(entry["message_id"], entry["user_id"])


def _settlement(entry: Document, attempts: int, error: str | None = None) -> DomainEvent:
    """The event that takes the entry off: sent, or (with `error`) given up."""
    about = _about(entry)
    if _external(entry):
        if error is None:
            return ExternalEmailSent(**about, attempts=attempts)
        return ExternalEmailFailed(**about, attempts=attempts, error=error)
    if error is None:
        return NotificationSent(**about, attempts=attempts)
    return NotificationFailed(**about, attempts=attempts, error=error)


def _about(entry: Document) -> dict[str, Any]:
    """Which e-mail an entry is, for the log and its events: never its address."""
    if _external(entry):
        return {"email_id": entry["email_id"], "recipient": entry["recipient"]}
    return {"message_id": entry["message_id"], "user_id": entry["user_id"]}


def _one_line(text: Any) -> str:
    """Whitespace collapsed: a header takes no line break (the relay would refuse it)."""
    return " ".join(str(text).split())
