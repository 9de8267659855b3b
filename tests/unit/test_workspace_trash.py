"""Mes documents' trash on a real SQLite store and blob store: listing, restore, definitive
delete, retention, the quota (a trashed document counts until purged) and the blob sweep."""

from __future__ import annotations

from datetime import timedelta

from ent_contracts.workspace import (
    WorkspaceDocumentAdded,
    WorkspaceDocumentPurged,
    WorkspaceDocumentRestored,
)
from ent_kit.blob_sweep import sweep_unreferenced_blobs
from ent_kit.storage import Storage
from ent_locker.application.queries import WorkspaceQueries
from ent_locker.application.workspace import UploadForm
from ent_locker.application.workspace_projection import (
    WORKSPACE_ITEMS,
    WORKSPACE_USAGE,
    WorkspaceProjection,
)
from ent_locker.application.workspace_retention import purge_expired_workspace_trash
from ent_locker.service import BLOB_IN_USE
from kit_fixtures import envelope, storage
from test_locker_application import STRANGER, STUDENT, TEACHER, Locker, Upload, locker
from test_locker_quota import upload, used

__all__ = ["locker", "storage"]


async def test_the_trash_lists_what_i_trashed_by_itself_most_recent_first(locker: Locker) -> None:
    ws = locker.workspace
    devoirs = await ws.create_folder(STUDENT, "Devoirs", None)
    inside = await ws.upload(STUDENT, _form(b"a", devoirs.folder_id))
    first, second = await upload(locker, b"b"), await upload(locker, b"c")
    await ws.trash_item(STUDENT, first.item_id)
    await ws.trash_folder(STUDENT, devoirs.folder_id)  # takes `inside` with it
    await ws.trash_item(STUDENT, second.item_id)
    await upload(locker, b"d", me=STRANGER)

    page = await locker_queries(locker).trash(STUDENT, None, 2)
    assert [f.folder_id for f in page.folders] == [devoirs.folder_id]
    assert [i.item_id for i in page.items] == [second.item_id]
    rest = await locker_queries(locker).trash(STUDENT, page.next_cursor, 2)
    assert [i.item_id for i in rest.items] == [first.item_id]
    assert rest.next_cursor is None
    assert inside.item_id not in {i.item_id for i in (*page.items, *rest.items)}
    assert (await locker_queries(locker).trash(STRANGER, None, 50)).items == []

    # Restored with its content: the listing shows them again, the trash no longer.
    back = await ws.restore_folder(STUDENT, devoirs.folder_id)
    assert back.name == "Devoirs"
    content = await locker_queries(locker).content(STUDENT, devoirs.folder_id, None, 50)
    assert [i.item_id for i in content.items] == [inside.item_id]
    assert (await ws.restore_item(STUDENT, first.item_id)).folder_id is None
    left = await locker_queries(locker).trash(STUDENT, None, 50)
    assert (left.folders, [i.item_id for i in left.items]) == ([], [second.item_id])


async def test_a_definitive_delete_answers_for_each_id(locker: Locker) -> None:
    ws = locker.workspace
    live, trashed = await upload(locker, b"a"), await upload(locker, b"b")
    theirs = await upload(locker, b"c", me=STRANGER)
    await ws.trash_item(STUDENT, trashed.item_id)
    await ws.trash_item(STRANGER, theirs.item_id)

    result = await ws.delete_for_good(
        STUDENT, [live.item_id, trashed.item_id, theirs.item_id, trashed.item_id], ["nope"]
    )
    assert result.done == [trashed.item_id]
    assert result.refused == [live.item_id]
    assert result.not_found == [theirs.item_id, "nope"]
    # Gone for good: not in the trash, cannot be restored, and the stranger's stays.
    assert (await locker_queries(locker).trash(STUDENT, None, 50)).items == []
    trash_of_stranger = await locker_queries(locker).trash(STRANGER, None, 50)
    assert [i.item_id for i in trash_of_stranger.items] == [theirs.item_id]


async def test_retention_purges_the_expired_trash_and_gives_the_bytes_back(
    locker: Locker,
) -> None:
    ws = locker.workspace
    folder = await ws.create_folder(STUDENT, "Cours", None)
    await ws.upload(STUDENT, _form(b"a" * 100, folder.folder_id))
    restored = await upload(locker, b"b" * 200)
    await ws.trash_folder(STUDENT, folder.folder_id)
    await ws.trash_item(STUDENT, restored.item_id)
    assert await used(locker) == 300  # the trash still counts

    reader = locker.storage.documents
    assert await purge_expired_workspace_trash(reader, ws, timedelta(days=30)) == 0
    await ws.restore_item(STUDENT, restored.item_id)
    # The folder and the document trashed with it; the restored document stays.
    assert await purge_expired_workspace_trash(reader, ws, timedelta(0)) == 2
    assert await used(locker) == 200
    assert (await locker_queries(locker).trash(STUDENT, None, 50)).folders == []
    events = await locker.storage.events.read_stream(f"workspace:{STUDENT.user_id}")
    purged = [e for e in events if e.type == WorkspaceDocumentPurged.event_type]
    assert len(purged) == 1
    assert purged[0].actor.kind == "system"


async def test_a_purged_document_no_longer_keeps_its_blob(locker: Locker) -> None:
    ws = locker.workspace
    item = await upload(locker, b"unique content")
    shared = (await locker.deposit(Upload(b"shared"), [TEACHER.user_id])).document_id
    (copy,) = (await ws.copy_from_locker(STUDENT, [shared], None)).items
    await ws.trash_item(STUDENT, item.item_id)
    await ws.trash_item(STUDENT, copy.item_id)

    async def sweep() -> int:
        return await sweep_unreferenced_blobs(reader, locker.blobs, timedelta(0), BLOB_IN_USE)

    reader = locker.storage.documents
    files = locker.stored_files()
    assert await sweep() == 0
    assert locker.stored_files() == files
    await ws.delete_for_good(STUDENT, [item.item_id, copy.item_id], [])
    assert await sweep() == 1
    assert len(locker.stored_files()) == len(files) - 1
    # The copy's blob is still the Casier document's.
    assert (await locker.queries.download(STUDENT, shared)).size == len(b"shared")


async def test_a_document_trashed_under_the_earlier_rule_is_never_given_back_twice(
    storage: Storage,
) -> None:
    """Before the trash counted, trashing gave the bytes back: such a row has no `counted`.
    Purged, it gives nothing back again; restored, it counts again."""
    projection, owner, ws_id = WorkspaceProjection(), STUDENT.user_id, "workspace:student-1"
    events = [
        WorkspaceDocumentAdded(
            item_id=item_id,
            owner_id=owner,
            file_name="a.pdf",
            media_type="application/pdf",
            size=100,
            sha256="ab" * 32,
            blob_key=f"k-{item_id}",
            source="upload",
        )
        for item_id in ("purged", "restored", "live")
    ]
    async with storage.documents.transaction() as tx:
        for version, event in enumerate(events, start=1):
            await projection.apply(tx, envelope(event, ws_id, version), event)
        for item_id in ("purged", "restored"):  # as the earlier rule left them
            row = await tx.get(WORKSPACE_ITEMS, item_id)
            assert row is not None
            row.pop("id", None)
            del row["counted"]
            await tx.put(WORKSPACE_ITEMS, item_id, {**row, "trashed": True})
        await tx.put(WORKSPACE_USAGE, owner, {"bytes": 100})
    later = [
        WorkspaceDocumentPurged(item_id="purged", owner_id=owner, reason="deleted"),
        WorkspaceDocumentRestored(item_id="restored", owner_id=owner, folder_id=None),
    ]
    for version, event in enumerate(later, start=4):
        async with storage.documents.transaction() as tx:
            await projection.apply(tx, envelope(event, ws_id, version), event)
    usage = await storage.documents.get(WORKSPACE_USAGE, owner)
    assert usage is not None
    assert usage["bytes"] == 200


def locker_queries(locker: Locker) -> WorkspaceQueries:
    return WorkspaceQueries(locker.storage.documents, locker.blobs)


def _form(content: bytes, folder_id: str | None) -> UploadForm:
    return UploadForm(folder_id=folder_id, file=Upload(content).incoming())
