"""The read side of the Messagerie: notifications, folders and their listings, a message,
a conversation, drafts, the unread badge and subject search. Everything is read from the
read models kept by `projections.py` and `mailbox_projection.py`; nothing here changes
state.

A user reaches a message only through a copy of theirs: unknown, someone else's and purged
answer the same NotFound, so ids cannot be probed. Names are read at query time from the
directory's `people`, so a renamed person shows the new name everywhere.

Indexes these queries expect on `copies` (`service.py` makes them): a folder page and the
navigation use (user_id, folder, sent_at); a conversation (user_id, conversation_id,
sent_at); the search scan (user_id, sent_at). `folders` by user_id, `drafts` by
(owner_id, saved_at).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import msgspec
from ent_kit.auth import Identity
from ent_kit.errors import NotFound, Refused
from ent_kit.storage import Document, DocumentReader, Query, find_all
from ent_kit.storage.query import Direction, encode_cursor

from ent_mail import texts
from ent_mail.application.attachments_projection import QUARANTINED
from ent_mail.application.mailbox_projection import (
    COPIES,
    DRAFTS_COLLECTION,
    FOLDER_COUNTS,
    FOLDERS,
    MESSAGES,
    copy_id,
    count_id,
    search_key,
)
from ent_mail.application.projections import NOTIFICATIONS, PEOPLE
from ent_mail.application.view_docs import (
    SENDERS,
    attachment,
    message_doc,
    named,
    participants,
    summaries,
    visible_people,
)
from ent_mail.application.views import (
    SYSTEM_FOLDER_NAMES,
    ConversationView,
    CopyPage,
    CopySummary,
    DraftPage,
    DraftView,
    FolderList,
    FolderView,
    MailHome,
    MessageView,
    Notification,
    NotificationPage,
    UnreadCount,
)
from ent_mail.domain.mailbox import INBOX, SENT, TRASH

# Subject search reads the user's copies this many at a time, and at most this many per
# request: a page may come back short (even empty) with a cursor to go on with.
SEARCH_BATCH: Final = 500
SEARCH_SCAN_BUDGET: Final = 5000
READ_BATCH: Final = 500  # folders, a conversation's copies: read whole, this many a time


class NotificationsQueries:
    def __init__(self, reader: DocumentReader) -> None:
        self._reader = reader

    async def page(self, me: Identity, cursor: str | None, limit: int) -> NotificationPage:
        """My notifications, newest first (a malformed cursor: `InvalidCursor`)."""
        query = Query(
            where={"user_id": me.user_id},
            order_by=[("created_at", "desc")],
            limit=limit,
            after=cursor,
        )
        page = await self._reader.find(NOTIFICATIONS, query)
        return NotificationPage(msgspec.convert(page.items, list[Notification]), page.next_cursor)


class MailQueries:
    """The caller's own mailbox, as they see it. A cursor this query did not produce
    raises InvalidCursor, which the kit answers naming `cursor`."""

    def __init__(self, reader: DocumentReader) -> None:
        self._reader = reader

    # --- folders ----------------------------------------------------------------------

    async def folders(self, me: Identity) -> FolderList:
        """The system folders, then mine, each with its total and unread (one read)."""
        own = _tree_order(await self._own_folders(me))
        ids = [*SYSTEM_FOLDER_NAMES, *(f["id"] for f in own)]
        counts = await self._reader.get_many(FOLDER_COUNTS, [count_id(me.user_id, i) for i in ids])

        def count(folder_id: str, name: str) -> int:
            return int(counts.get(count_id(me.user_id, folder_id), {}).get(name, 0))

        def view(folder_id: str, name: str, parent_id: str | None, position: int) -> FolderView:
            return FolderView(
                folder_id=folder_id,
                name=name,
                parent_id=parent_id,
                position=position,
                system=folder_id in SYSTEM_FOLDER_NAMES,
                total=count(folder_id, "total"),
                unread=count(folder_id, "unread"),
            )

        system = [view(f, n, None, i) for i, (f, n) in enumerate(SYSTEM_FOLDER_NAMES.items())]
        mine = [view(f["id"], f["name"], f["parent_id"], f["position"]) for f in own]
        return FolderList(folders=[*system, *mine])

    async def folder_page(
        self,
        me: Identity,
        folder: str,
        cursor: str | None,
        limit: int,
        *,
        unread_only: bool = False,
        kind: str | None = None,
        category: str | None = None,
    ) -> CopyPage:
        """A folder's copies, newest first. Brouillons holds no copies: drafts are listed
        by `drafts`. A user folder that is not mine: NotFound."""
        await self._check_folder(me, folder)
        where: dict[str, Any] = {"user_id": me.user_id, "folder": folder}
        if unread_only:
            where["read"] = False
        if kind is not None:
            where["kind"] = kind
        if category is not None:
            where["category"] = category
        query = Query(where=where, order_by=[("sent_at", "desc")], limit=limit, after=cursor)
        # The page and its senders' names in one read: a second would wait for the
        # reader's thread again (0.2-0.8 ms on every page, measured on the bench's inbox).
        page, senders = await self._reader.find_with(COPIES, query, SENDERS)
        names = {i: s.display_name for i, s in senders.items()}
        items = summaries(page.items, named(names, (c["sender_id"] for c in page.items)))
        return CopyPage(items=items, next_cursor=page.next_cursor)

    async def latest(self, me: Identity, limit: int) -> list[CopySummary]:
        """The last messages received (Reçus, newest first), for the home page."""
        return (await self.folder_page(me, INBOX, None, limit)).items

    async def unread(self, me: Identity) -> UnreadCount:
        counts = await self._reader.get(FOLDER_COUNTS, count_id(me.user_id, INBOX))
        return UnreadCount(unread=int(counts["unread"]) if counts else 0)

    async def home(self, me: Identity, limit: int) -> MailHome:
        """The home page's block: the latest received and the unread count."""
        latest = await self.latest(me, limit)
        return MailHome(latest=latest, unread=(await self.unread(me)).unread)

    # --- a message, a conversation ----------------------------------------------------

    async def message(
        self, me: Identity, message_id: str, *, in_folder: str | None = None
    ) -> MessageView:
        """My copy of a message, with its neighbours in the folder it sits in. Writing to
        oneself makes two copies (Reçus and Envoyés): the one in `in_folder` (the folder
        the reader opened it from) is shown when given, else the received one."""
        copy = await self._my_copy(me, message_id, in_folder)
        content = await self._reader.get(MESSAGES, message_id)
        if content is None:  # a copy without its message: treat as gone, never as a 500
            raise _message_not_found()
        (view,) = await self._message_views(me, [(copy, content)])
        previous_id = await self._beside(copy, "asc")
        next_id = await self._beside(copy, "desc")
        return msgspec.structs.replace(view, previous_id=previous_id, next_id=next_id)

    async def conversation(self, me: Identity, conversation_id: str) -> ConversationView:
        """The messages of a conversation I still hold a copy of (in the trash too), oldest
        first; NotFound when I hold none."""
        query = Query(
            where={"user_id": me.user_id, "conversation_id": conversation_id},
            order_by=[("sent_at", "asc")],
            limit=READ_BATCH,
        )
        copies = _one_per_message([c async for c in find_all(self._reader, COPIES, query)])
        contents = await self._reader.get_many(MESSAGES, [c["message_id"] for c in copies])
        pairs = [(c, contents[c["message_id"]]) for c in copies if c["message_id"] in contents]
        if not pairs:
            raise NotFound(
                "conversation_id", "conversation_not_found", texts.CONVERSATION_NOT_FOUND
            )
        messages = await self._message_views(me, pairs)
        return ConversationView(
            conversation_id=conversation_id,
            participants=participants(messages),
            messages=messages,
        )

    # --- drafts -----------------------------------------------------------------------

    async def drafts(self, me: Identity, cursor: str | None, limit: int) -> DraftPage:
        """Brouillons: my drafts, the most recently saved first."""
        query = Query(
            where={"owner_id": me.user_id},
            order_by=[("saved_at", "desc")],
            limit=limit,
            after=cursor,
        )
        page = await self._reader.find(DRAFTS_COLLECTION, query)
        return DraftPage(items=await self._draft_views(page.items), next_cursor=page.next_cursor)

    async def draft(self, me: Identity, draft_id: str) -> DraftView:
        doc = await self._reader.get(DRAFTS_COLLECTION, draft_id)
        if doc is None or doc["owner_id"] != me.user_id:
            raise NotFound("draft_id", "draft_not_found", texts.DRAFT_NOT_FOUND)
        (view,) = await self._draft_views([doc])
        return view

    # --- search -----------------------------------------------------------------------

    async def search(self, me: Identity, q: str, cursor: str | None, limit: int) -> CopyPage:
        """My copies whose subject contains `q`, ignoring case and accents ("eleve" finds
        "Élève"), in every folder but the trash, newest first.

        The store has no "contains": the user's copies are read newest first and filtered
        here, so the cost is O(their copies) in the worst case (a rare word). A request
        reads at most SEARCH_SCAN_BUDGET copies; when it stops there the page may be short
        and `next_cursor` says where to go on. The cursor is the store's own, on the
        (user_id, sent_at) scan: exact whether the scan stopped mid-batch or not."""
        key = search_key(q.strip())
        if not key:
            raise Refused("q", "missing", texts.SEARCH_TEXT_REQUIRED)
        query = Query(
            where={"user_id": me.user_id},
            order_by=[("sent_at", "desc")],
            limit=SEARCH_BATCH,
            after=cursor,
        )
        found, next_cursor = await self._scan(query, key, limit)
        names = await self._names(c["sender_id"] for c in found)
        return CopyPage(items=summaries(found, names), next_cursor=next_cursor)

    async def _scan(self, query: Query, key: str, limit: int) -> tuple[list[Document], str | None]:
        found: list[Document] = []
        scanned = 0
        while True:
            page = await self._reader.find(COPIES, query)
            for index, copy in enumerate(page.items):
                if copy["folder"] == TRASH or key not in copy["subject_key"]:
                    continue
                found.append(copy)
                if len(found) == limit:
                    at_end = index == len(page.items) - 1 and page.next_cursor is None
                    # Resume right after this copy, not after the whole batch read.
                    return found, None if at_end else encode_cursor(query, copy)
            scanned += len(page.items)
            if page.next_cursor is None:
                return found, None
            if scanned >= SEARCH_SCAN_BUDGET:
                return found, page.next_cursor
            query = msgspec.structs.replace(query, after=page.next_cursor)

    # --- helpers ----------------------------------------------------------------------

    async def _own_folders(self, me: Identity) -> list[Document]:
        query = Query(where={"user_id": me.user_id}, limit=READ_BATCH)
        return [f async for f in find_all(self._reader, FOLDERS, query)]

    async def _check_folder(self, me: Identity, folder: str) -> None:
        if folder in SYSTEM_FOLDER_NAMES:
            return
        doc = await self._reader.get(FOLDERS, folder)
        if doc is None or doc["user_id"] != me.user_id:
            raise NotFound("folder_id", "folder_not_found", texts.FOLDER_NOT_FOUND)

    async def _my_copy(self, me: Identity, message_id: str, in_folder: str | None) -> Document:
        ids = [copy_id(message_id, me.user_id, home) for home in (INBOX, SENT)]
        found = await self._reader.get_many(COPIES, ids)
        copies = [found[i] for i in ids if i in found]  # the received copy first
        if not copies:
            raise _message_not_found()
        there = [c for c in copies if c["folder"] == in_folder]
        return (there or copies)[0]

    async def _beside(self, copy: Document, direction: Direction) -> str | None:
        """The next message after `copy` in its folder, in this direction of sent_at (ties
        broken by id, as the listing does: exact). A message written to oneself may sit
        twice in one folder (both copies moved there): its twin is skipped, hence 2."""
        where = {"user_id": copy["user_id"], "folder": copy["folder"]}
        query = Query(where=where, order_by=[("sent_at", direction)], limit=2)
        after = msgspec.structs.replace(query, after=encode_cursor(query, copy))
        page = await self._reader.find(COPIES, after)
        others = [c["message_id"] for c in page.items if c["message_id"] != copy["message_id"]]
        return others[0] if others else None

    async def _message_views(
        self, me: Identity, pairs: Sequence[tuple[Document, Document]]
    ) -> list[MessageView]:
        """Views of (copy, message) pairs, with one read for all names and one for all
        quarantined attachments."""
        contents = [content for _, content in pairs]
        people = [p for m in contents for p in visible_people(me, m)]
        names = await self._names(people)
        removed = await self._quarantined(contents)
        return [
            msgspec.convert(message_doc(me, copy, content, names, removed), MessageView)
            for copy, content in pairs
        ]

    async def _draft_views(self, docs: list[Document]) -> list[DraftView]:
        removed = await self._quarantined(docs)
        views = [
            {
                **d,
                "draft_id": d["id"],
                "attachments": [attachment(a, removed) for a in d["attachments"]],
            }
            for d in docs
        ]
        return msgspec.convert(views, list[DraftView])

    async def _names(self, user_ids: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(user_ids))
        found = await self._reader.get_many(PEOPLE, wanted)
        return named({u: doc.get("display_name") or "" for u, doc in found.items()}, wanted)

    async def _quarantined(self, holders: Iterable[Document]) -> set[str]:
        sums = sorted({a["sha256"] for h in holders for a in h.get("attachments", [])})
        return await self._reader.existing(QUARANTINED, sums) if sums else set()


def _message_not_found() -> NotFound:
    return NotFound("message_id", "message_not_found", texts.MESSAGE_NOT_FOUND)


def _tree_order(folders: list[Document]) -> list[Document]:
    """Top-level folders by position, each followed by its sub-folders by position."""

    def children(parent_id: str | None) -> list[Document]:
        kids = [f for f in folders if f["parent_id"] == parent_id]
        return sorted(kids, key=lambda f: (f["position"], f["name"]))

    return [f for top in children(None) for f in (top, *children(top["id"]))]


def _one_per_message(copies: list[Document]) -> list[Document]:
    """A message written to oneself has two copies: show it once (the received one)."""
    chosen: dict[str, Document] = {}
    for copy in copies:
        if copy["message_id"] not in chosen or copy["home"] == INBOX:
            chosen[copy["message_id"]] = copy
    return list(chosen.values())  # dicts keep the first insertion's place: still sent_at order
