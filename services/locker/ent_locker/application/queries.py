"""The read side: the Casier's folders, who may read which document, downloads and zips;
Mes documents' tree, folder pages and documents.

Everything is read from the read models (`projections.py`, `workspace_projection.py`) and
the blob store; nothing here changes state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar

import msgspec
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, Download
from ent_kit.errors import NotFound
from ent_kit.storage import DocumentReader, InvalidCursor, Lookup, Query, find_all
from ent_kit.storage.query import Direction
from ent_kit.zips import ZipMember, streamed_zip, unique_names

from ent_locker import texts
from ent_locker.application.projections import (
    ACTIVE,
    DOCUMENTS,
    ENTRIES,
    HISTORY,
    IN_TRASH_OF,
    PEOPLE,
    RECEIVED,
    entry_id,
)
from ent_locker.application.views import (
    ContentPage,
    FolderEntry,
    FolderPage,
    FolderTree,
    FolderView,
    ItemView,
    LockerDocument,
    TrashedFolder,
    TrashedItem,
    TrashPage,
    TreeFolder,
)
from ent_locker.application.workspace_projection import WORKSPACE_FOLDERS, WORKSPACE_ITEMS


class SenderName(msgspec.Struct):
    """What a page reads of a sender's document (the rest of it is not decoded)."""

    display_name: str = ""


SENDERS = Lookup(PEOPLE, "sender_id", SenderName)  # each entry's sender, read with its page


class CasierQueries:
    def __init__(self, reader: DocumentReader, blobs: BlobStore) -> None:
        self._reader = reader
        self._blobs = blobs

    # --- folders ----------------------------------------------------------------------

    async def received(self, me: Identity, cursor: str | None, limit: int) -> FolderPage:
        """Mon casier: documents deposited into my locker, newest first."""
        return await self._folder(me, RECEIVED, cursor, limit)

    async def history(self, me: Identity, cursor: str | None, limit: int) -> FolderPage:
        """Historique: documents I deposited, newest first."""
        return await self._folder(me, HISTORY, cursor, limit)

    async def trash(self, me: Identity, cursor: str | None, limit: int) -> FolderPage:
        """Corbeille: what I put in the trash, most recently trashed first."""
        query = Query(
            where={IN_TRASH_OF: me.user_id},
            order_by=[("trashed_at", "desc")],
            limit=limit,
            after=cursor,
        )
        return await self._page(query)

    async def _folder(
        self, me: Identity, folder: str, cursor: str | None, limit: int
    ) -> FolderPage:
        query = Query(
            where={"owner_id": me.user_id, "folder": folder, "state": ACTIVE},
            order_by=[("deposited_at", "desc")],
            limit=limit,
            after=cursor,
        )
        return await self._page(query)

    async def _page(self, query: Query) -> FolderPage:
        # A cursor this query did not produce raises InvalidCursor: the kit names `cursor`.
        # Names are read now, not copied at deposit time: a renamed sender shows the new name.
        page, senders = await self._reader.find_with(ENTRIES, query, SENDERS)
        items = [
            {**e, "sender_name": s.display_name if (s := senders.get(e["sender_id"])) else ""}
            for e in page.items
        ]
        return FolderPage(msgspec.convert(items, list[FolderEntry]), page.next_cursor)

    # --- who may read what ------------------------------------------------------------

    async def readable(self, me: Identity, document_id: str) -> LockerDocument:
        """The document, if it is still in one of my lockers (received or deposited, in
        the folder or in the trash)."""
        (document,) = await self._readable(me, [document_id], "document_id")
        return document

    async def readable_all(self, me: Identity, document_ids: list[str]) -> list[LockerDocument]:
        """Each of these documents (once, in the order asked), or NotFound naming those
        I may not read."""
        return await self._readable(me, document_ids, "document_ids")

    async def _readable(
        self, me: Identity, document_ids: list[str], field: str
    ) -> list[LockerDocument]:
        """The one rule: a document is readable while an entry of mine refers to it. Not
        found, not mine, and purged from my trash answer alike: ids cannot be probed."""
        wanted = list(dict.fromkeys(document_ids))
        found = await self._reader.get_many(DOCUMENTS, wanted)
        keys = {d: entry_id(d, me.user_id, doc["sender_id"]) for d, doc in found.items()}
        mine = await self._reader.existing(ENTRIES, list(keys.values()))
        missing = [d for d in wanted if keys.get(d) not in mine]
        if missing:
            # A selection names the missing ids; a single document does not need to.
            details = {field: missing} if field == "document_ids" else {}
            raise NotFound(field, "document_not_found", texts.DOCUMENT_NOT_FOUND, **details)
        return [_document(found[d]) for d in wanted]

    # --- downloads --------------------------------------------------------------------

    async def download(self, me: Identity, document_id: str) -> Download:
        """One document to stream (whole, or a byte range)."""
        document = await self.readable(me, document_id)
        return Download.of(msgspec.structs.asdict(document), self._blobs)

    async def zipped(self, me: Identity, document_ids: list[str]) -> AsyncIterator[bytes]:
        """A selection as one zip, built while it streams. Every document is checked
        before the first byte goes out."""
        return _zip(self._blobs, await self.readable_all(me, document_ids))


def _document(doc: dict[str, Any]) -> LockerDocument:
    return msgspec.convert(doc, LockerDocument)


def _zip(blobs: BlobStore, documents: list[LockerDocument]) -> AsyncIterator[bytes]:
    """Members streamed from the blob store one after the other; names made unique."""

    async def members() -> AsyncIterator[ZipMember]:
        names = unique_names([document.file_name for document in documents])
        for name, document in zip(names, documents, strict=True):
            chunks = blobs.get(document.blob_key)
            yield ZipMember(name, document.deposited_at, document.size, chunks)

    return streamed_zip(members())


# --- Mes documents --------------------------------------------------------------------

TREE_PAGE = 1000
# One cursor pages through the folders, then the documents: "f:<folders cursor>",
# "i:" (the documents from the start), "i:<documents cursor>".
FOLDERS_PHASE, ITEMS_PHASE = "f", "i"
V = TypeVar("V", FolderView, ItemView, TrashedFolder, TrashedItem)


class WorkspaceQueries:
    """Mes documents as its owner sees it. Another user's ids answer like unknown ones."""

    def __init__(self, reader: DocumentReader, blobs: BlobStore) -> None:
        self._reader = reader
        self._blobs = blobs

    async def tree(self, me: Identity) -> FolderTree:
        """Every live folder, nested, each level sorted by name."""
        query = Query(
            where={"owner_id": me.user_id, "trashed": False},
            order_by=[("name_key", "asc")],
            limit=TREE_PAGE,
        )
        children: dict[str | None, list[dict[str, Any]]] = {}
        async for doc in find_all(self._reader, WORKSPACE_FOLDERS, query):  # sorted by name
            children.setdefault(doc["parent_id"], []).append(doc)

        def branch(parent_id: str | None) -> list[TreeFolder]:
            return [
                TreeFolder(folder_id=d["id"], name=d["name"], children=branch(d["id"]))
                for d in children.get(parent_id, [])
            ]

        return FolderTree(folders=branch(None))

    async def folder(self, me: Identity, folder_id: str) -> FolderView:
        return _folder_view(await self._my_folder(me, folder_id))

    async def item(self, me: Identity, item_id: str) -> ItemView:
        return _item_view(await self._my_item(me, item_id))

    async def items(self, me: Identity, item_ids: list[str]) -> list[ItemView]:
        """These documents of mine, in this order (NotFound if one is not)."""
        found = await self._reader.get_many(WORKSPACE_ITEMS, item_ids)
        if any(not _live_and_mine(found.get(i), me) for i in item_ids):
            raise NotFound("item_ids", "item_not_found", texts.ITEM_NOT_FOUND)
        return [_item_view(found[i]) for i in item_ids]

    async def item_content(self, me: Identity, item_id: str) -> Download:
        return Download.of(await self._my_item(me, item_id), self._blobs)

    async def content(
        self, me: Identity, folder_id: str | None, cursor: str | None, limit: int
    ) -> ContentPage:
        """A folder's content (None: the root): its folders, then its documents."""
        if folder_id is not None:
            await self._my_folder(me, folder_id)
        live = {"owner_id": me.user_id, "trashed": False}
        folders, items, more = await self._folders_then_items(
            {**live, "parent_id": folder_id},
            {**live, "folder_id": folder_id},
            [("name_key", "asc")],
            cursor,
            limit,
        )
        return ContentPage(
            folders=[_folder_view(d) for d in folders],
            items=[_item_view(d) for d in items],
            next_cursor=more,
        )

    async def trash(self, me: Identity, cursor: str | None, limit: int) -> TrashPage:
        """My trash: what I trashed by itself (a folder's content goes and comes back with
        it), most recently trashed first: folders, then documents."""
        where = {"owner_id": me.user_id, "trashed": True, "with_folder_id": None}
        folders, items, more = await self._folders_then_items(
            where, where, [("trashed_at", "desc")], cursor, limit
        )
        return TrashPage(
            folders=[_as(d, "folder_id", TrashedFolder) for d in folders],
            items=[_as(d, "item_id", TrashedItem) for d in items],
            next_cursor=more,
        )

    async def _folders_then_items(
        self,
        folders_where: dict[str, Any],
        items_where: dict[str, Any],
        order: list[tuple[str, Direction]],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
        """One page of the matching folders, then of the matching documents, and the cursor
        of the next page."""
        phase, after = _phase(cursor)
        folders: list[dict[str, Any]] = []
        if phase == FOLDERS_PHASE:
            query = Query(where=folders_where, order_by=order, limit=limit, after=after)
            page = await self._reader.find(WORKSPACE_FOLDERS, query)
            folders, after = page.items, None
            if page.next_cursor is not None:
                return folders, [], f"{FOLDERS_PHASE}:{page.next_cursor}"
        room = limit - len(folders)
        if room == 0:  # the folders filled the page: documents follow, if there are any
            peek = await self._reader.find(WORKSPACE_ITEMS, Query(where=items_where, limit=1))
            return folders, [], f"{ITEMS_PHASE}:" if peek.items else None
        query = Query(where=items_where, order_by=order, limit=room, after=after)
        page = await self._reader.find(WORKSPACE_ITEMS, query)
        more = f"{ITEMS_PHASE}:{page.next_cursor}" if page.next_cursor is not None else None
        return folders, page.items, more

    async def _my_folder(self, me: Identity, folder_id: str) -> dict[str, Any]:
        doc = await self._reader.get(WORKSPACE_FOLDERS, folder_id)
        # Not found, trashed and not yours answer alike, so ids cannot be probed.
        if not _live_and_mine(doc, me):
            raise NotFound("folder_id", "folder_not_found", texts.FOLDER_NOT_FOUND)
        assert doc is not None
        return doc

    async def _my_item(self, me: Identity, item_id: str) -> dict[str, Any]:
        doc = await self._reader.get(WORKSPACE_ITEMS, item_id)
        if not _live_and_mine(doc, me):
            raise NotFound("item_id", "item_not_found", texts.ITEM_NOT_FOUND)
        assert doc is not None
        return doc


def _live_and_mine(doc: dict[str, Any] | None, me: Identity) -> bool:
    return doc is not None and doc["owner_id"] == me.user_id and not doc["trashed"]


def _phase(cursor: str | None) -> tuple[str, str | None]:
    if cursor is None:
        return FOLDERS_PHASE, None
    phase, sep, inner = cursor.partition(":")
    if not sep or not (phase == ITEMS_PHASE or (phase == FOLDERS_PHASE and inner)):
        raise InvalidCursor("cursor is not valid")  # the kit names `cursor`
    return phase, inner or None


def _folder_view(doc: dict[str, Any]) -> FolderView:
    return _as(doc, "folder_id", FolderView)


def _item_view(doc: dict[str, Any]) -> ItemView:
    return _as(doc, "item_id", ItemView)


def _as(doc: dict[str, Any], id_field: str, view: type[V]) -> V:
    return msgspec.convert({**doc, id_field: doc["id"]}, view)
