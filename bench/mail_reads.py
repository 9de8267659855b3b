"""Suite `mail`, the reads: a Reçus of INBOX_MESSAGES read page by page
(`mail.inbox_page_10k`) and the unread badge (`mail.unread_count`), each request followed
by its floor: the empty handler called the same way, plus the same rows read bare
(`bench.mail_floors.BareStore`)."""

from __future__ import annotations

import json
from datetime import datetime

import msgspec
from ent_directory.domain.demo_school import DemoUser
from ent_kit.storage import Query
from ent_mail.application.mailbox_projection import COPIES, FOLDER_COUNTS, copy_id
from ent_mail.application.mailbox_projection import count_id as folder_count_id
from ent_mail.application.views import CopyPage, UnreadCount
from ent_mail.domain.mailbox import INBOX

from bench.mail_floors import BareStore
from bench.mail_setup import INBOX_MESSAGES, PAGE_SIZE, UNREAD_READS, Clients, bearer, timed
from bench.report import latency, p99

PAGE_GOAL = 3.0  # issue #13: a page of a listing <= 3 x its floor


async def inbox_pages(clients: Clients, bare: BareStore, reader: DemoUser) -> None:
    """Reçus from the first page to the last; each page followed by its floor."""
    headers = bearer(reader)
    where = {"user_id": reader.user_id, "folder": INBOX}
    timings: list[float] = []
    floors: list[float] = []
    seen: list[tuple[datetime, str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        if cursor is not None:
            params["cursor"] = cursor
        elapsed, response = await timed(
            clients.mail.get("/mail/folders/inbox/messages", params=params, headers=headers)
        )
        assert response.status_code == 200, response.text
        page = msgspec.json.decode(response.content, type=CopyPage)
        empty_ms, empty = await timed(clients.empty.get("/empty", headers=headers))
        assert empty.status_code == 200, empty.text
        query = Query(where=where, order_by=[("sent_at", "desc")], limit=PAGE_SIZE, after=cursor)
        query_ms, ids = bare.page(COPIES, query)
        assert ids == [copy_id(c.message_id, reader.user_id, INBOX) for c in page.items], ids
        timings.append(elapsed)
        floors.append(empty_ms + query_ms)
        seen += [(c.sent_at, c.message_id) for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len({m for _, m in seen}) == len(seen) == INBOX_MESSAGES, len(seen)
    assert seen == sorted(seen, key=lambda s: s[0], reverse=True), "not newest first"
    latency("mail.inbox_page_10k", timings, p99(floors), PAGE_GOAL)


async def unread_counts(clients: Clients, bare: BareStore, reader: DemoUser) -> None:
    headers = bearer(reader)
    key = folder_count_id(reader.user_id, INBOX)
    timings: list[float] = []
    floors: list[float] = []
    for _ in range(UNREAD_READS):
        elapsed, response = await timed(clients.mail.get("/mail/unread-count", headers=headers))
        assert response.status_code == 200, response.text
        count = msgspec.json.decode(response.content, type=UnreadCount)
        assert count.unread == INBOX_MESSAGES, count
        empty_ms, empty = await timed(clients.empty.get("/empty", headers=headers))
        assert empty.status_code == 200, empty.text
        get_ms, row = bare.get(FOLDER_COUNTS, key)
        assert row is not None
        assert json.loads(row)["unread"] == INBOX_MESSAGES
        timings.append(elapsed)
        floors.append(empty_ms + get_ms)
    latency("mail.unread_count", timings, p99(floors))
