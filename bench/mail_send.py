"""Suite `mail`, the send to 200 recipients (`mail.send_200`, `mail.send_200_visible`) and
its floors; see `bench.mail` for what is measured and `bench.mail_floors` for the floors."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from ent_contracts.directory_api import Recipient
from ent_directory.domain.demo_school import DemoUser
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.peers import PeerClient
from ent_kit.reachability import DirectoryPolicy
from ent_kit.runtime import Runtime
from ent_kit.scopes import DIRECTORY_REACHABILITY
from ent_kit.storage import Document, DocumentStore, Query
from ent_mail.application.forms import MessageForm, SentReceipt
from ent_mail.application.mailbox_projection import COPIES, FOLDER_COUNTS, MESSAGES, copy_id
from ent_mail.application.mailbox_projection import count_id as folder_count_id
from ent_mail.application.queries import MailQueries
from ent_mail.domain.mailbox import INBOX, SENT

from bench.mail_floors import DurableRows, Written, snapshot, written_since
from bench.mail_setup import (
    BODY,
    FLOOR_FOLDER,
    RECIPIENTS,
    SENDER_LOGIN,
    SENDS,
    SUBJECT,
    WARMUP,
    Clients,
    bearer,
    timed,
)
from bench.report import figure, latency, p99


def recipients_of(users: list[DemoUser]) -> list[str]:
    """The first RECIPIENTS students and parents of the collège (demo order: each student
    then their parent), all in the sender's classes."""
    return [u.user_id for u in users if u.profile in ("student", "parent")][:RECIPIENTS]


async def reachability(policy: DirectoryPolicy, sender_id: str, recipients: list[str]) -> None:
    verdict = await policy.reachable(sender_id, [Recipient(user_id=u) for u in recipients])
    assert not verdict.refused, verdict.refused
    assert len(verdict.allowed) == len(recipients), len(verdict.allowed)


async def check_visible(clients: Clients, message_id: str, recipients: list[str]) -> None:
    """All 200 inbox copies in the store, and one recipient's inbox listing it first."""
    copies = await clients.documents.get_many(
        COPIES, [copy_id(message_id, u, INBOX) for u in recipients]
    )
    assert len(copies) == len(recipients), len(copies)
    assert all(c["folder"] == INBOX and not c["read"] for c in copies.values())
    sample = Identity(user_id=recipients[-1], profile="parent")
    page = await MailQueries(clients.documents).folder_page(sample, INBOX, None, 1)
    assert [c.message_id for c in page.items] == [message_id]


async def settled(runtime: Runtime) -> None:
    """Every projector up to the log's end: the work a send leaves behind it (the
    notification queue, the attachments) is done before its floor is timed."""
    last = await runtime.storage.events.last_position()
    for projector in runtime.projectors.values():
        await projector.caught_up(last)


async def write_delivery(documents: DocumentStore, sender_id: str, recipients: list[str]) -> str:
    """The floor's transaction: the documents a delivery writes, of the projection's shapes
    (`mailbox_projection`), written without reading anything first."""
    message_id = new_event_id()
    now = datetime.now(UTC)
    summary: Document = {
        "message_id": message_id,
        "conversation_id": message_id,
        "sender_id": sender_id,
        "subject": SUBJECT,
        "subject_key": SUBJECT.lower(),
        "preview": BODY[:140],
        "kind": "information",
        "reply_mode": "sender_only",
        "sent_at": now,
        "has_attachments": False,
        "category": None,
        "trashed_at": None,
        "folder": FLOOR_FOLDER,
    }
    message: Document = {
        "conversation_id": message_id,
        "sender_id": sender_id,
        "to": recipients,
        "cc": [],
        "bcc": [],
        "audiences": [],
        "reply_mode": "sender_only",
        "kind": "information",
        "subject": SUBJECT,
        "body_html": BODY,
        "body_text": BODY,
        "in_reply_to": None,
        "forwarded_from": None,
        "sent_at": now,
        "attachments": [],
    }
    async with documents.transaction() as tx:
        await tx.put(MESSAGES, message_id, message)
        sender_copy = {**summary, "user_id": sender_id, "home": SENT, "role": "sender"}
        sender_copy["read"] = True
        await tx.put(COPIES, copy_id(message_id, sender_id, FLOOR_FOLDER), sender_copy)
        for user_id in recipients:
            copy = {**summary, "user_id": user_id, "home": INBOX, "role": "to", "read": False}
            await tx.put(COPIES, copy_id(message_id, user_id, FLOOR_FOLDER), copy)
            count = {"user_id": user_id, "folder": FLOOR_FOLDER, "total": 1, "unread": 1}
            await tx.put(FOLDER_COUNTS, folder_count_id(user_id, FLOOR_FOLDER), count)
    return message_id


async def read_delivery(documents: DocumentStore, message_id: str, recipients: list[str]) -> None:
    """The floor of `check_visible`: the same two reads, bare, of the floor's documents."""
    ids = [copy_id(message_id, u, FLOOR_FOLDER) for u in recipients]
    assert len(await documents.get_many(COPIES, ids)) == len(recipients)
    where = {"user_id": recipients[-1], "folder": FLOOR_FOLDER}
    page = await documents.find(COPIES, Query(where=where, order_by=[("sent_at", "desc")], limit=1))
    assert page.items[0]["message_id"] == message_id


def parts(name: str, samples: list[float]) -> None:
    """One hop or one floor part on its own, as a median (no floor of its own)."""
    figure(f"mail.send_200.parts.{name}.p50_ms", statistics.median(samples), "ms")


def census_figures(written: Written) -> None:
    figure("mail.send_200.rows_written", written.rows, "rows")
    figure("mail.send_200.bytes_written", sum(written.sizes), "bytes")
    for table, rows in sorted(written.per_table.items()):
        figure(f"mail.send_200.rows_written.{table}", rows, "rows")


async def sends(clients: Clients, users: list[DemoUser], directory_url: str, tmp: Path) -> float:
    """The sends and their floors; answers the send's floor (ms) for the gateway's."""
    sender = next(u for u in users if u.login == SENDER_LOGIN)
    recipients = recipients_of(users)
    headers = {**bearer(sender), "content-type": "application/json"}
    body = msgspec.json.encode(
        MessageForm(to=recipients, subject=SUBJECT, body=BODY, reply_mode="sender_only")
    )
    peer = PeerClient(
        directory_url, clients.runtime.settings, callee="directory", scope=DIRECTORY_REACHABILITY
    )
    policy = DirectoryPolicy(peer, field="to")  # as mail's `dependencies` builds it
    await reachability(policy, sender.user_id, recipients)  # the directory agrees: 200 allowed
    await settled(clients.runtime)
    before = snapshot(clients.store)  # the first send is counted, row by row
    durable: DurableRows | None = None
    sent: list[float] = []
    visible: list[float] = []
    floors: list[float] = []
    visible_floors: list[float] = []
    hops: dict[str, list[float]] = {
        k: []
        for k in ("http_empty", "sqlite_write", "sqlite_read", "directory_check", "store_write")
    }
    try:
        for i in range(WARMUP + SENDS):
            started = time.perf_counter()
            response = await clients.mail.post("/mail/messages", content=body, headers=headers)
            answered = time.perf_counter()
            assert response.status_code == 201, response.text
            receipt = msgspec.json.decode(response.content, type=SentReceipt)
            assert receipt.recipients == RECIPIENTS, receipt
            await check_visible(clients, receipt.message_id, recipients)
            seen = time.perf_counter()
            await settled(clients.runtime)  # the send's other projectors done: a quiet floor
            if durable is None:
                written = written_since(clients.store, before)
                assert written.rows > RECIPIENTS, written
                census_figures(written)
                durable = DurableRows(tmp / "floor.db", written)
            http_ms, answer = await timed(
                clients.empty.post("/empty", content=body, headers=headers)
            )
            assert answer.status_code == 201, answer.text
            write_ms = durable.write_ms()
            read_ms = durable.read_ms(RECIPIENTS + 1)  # the 200 copies, the first page's one
            # the hops beside: the directory's check alone, the store's own write of the
            # delivery's documents (its adapter, indexes and thread)
            reach_ms, _ = await timed(reachability(policy, sender.user_id, recipients))
            store_ms, floor_id = await timed(
                write_delivery(clients.documents, sender.user_id, recipients)
            )
            await read_delivery(clients.documents, floor_id, recipients)
            if i >= WARMUP:
                sent.append((answered - started) * 1000)
                visible.append((seen - started) * 1000)
                floors.append(http_ms + write_ms)
                visible_floors.append(http_ms + write_ms + read_ms)
                for key, value in zip(
                    hops, (http_ms, write_ms, read_ms, reach_ms, store_ms), strict=True
                ):
                    hops[key].append(value)
    finally:
        await peer.close()
        if durable is not None:
            durable.close()
    latency("mail.send_200", sent, p99(floors))
    latency("mail.send_200_visible", visible, p99(visible_floors))
    for key, samples in hops.items():
        parts(key, samples)
    return p99(floors)
