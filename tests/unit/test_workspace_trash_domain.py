"""Mes documents' trash in the Workspace aggregate: restore (where it was, else at the root;
a name taken meanwhile gets " (n)"), definitive delete only from the trash."""

from __future__ import annotations

import pytest
from ent_contracts.workspace import (
    WorkspaceDocumentPurged,
    WorkspaceDocumentRestored,
    WorkspaceFolderPurged,
    WorkspaceFolderRestored,
)
from ent_kit.errors import NotFound
from ent_locker.domain.workspace_trash import free_name
from test_workspace_domain import OWNER, add, refusal, replayed, saved, with_tree


def test_a_restored_folder_brings_back_what_went_with_it_and_only_that() -> None:
    w = with_tree()
    add(w, "alone", "3a")
    add(w, "with", "3a")
    w.trash_document("alone")  # trashed by itself before its folder: stays in the trash
    w.trash_folder("devoirs")
    saved(w)

    assert w.restore_folder("devoirs") is True
    events = w.pending()
    assert events[0] == WorkspaceFolderRestored(
        folder_id="devoirs", owner_id=OWNER, parent_id=None, name="Devoirs"
    )
    assert {type(e).__name__ for e in events[1:]} == {
        "WorkspaceFolderRestored",
        "WorkspaceDocumentRestored",
    }
    assert all(e.with_folder_id == "devoirs" for e in events[1:])  # type: ignore[attr-defined]
    assert not w.items["with"].trashed
    assert w.items["with"].folder_id == "3a"
    assert w.items["alone"].trashed
    assert [f.folder_id for f in w.children("devoirs")] == ["3a", "4b"]
    again = replayed(w)
    assert again.folders == w.folders
    assert again.items == w.items


def test_restoring_what_is_not_in_the_trash_changes_nothing() -> None:
    w = with_tree()
    add(w, "i1", None)
    saved(w)
    assert w.restore_folder("cours") is False
    assert w.restore_document("i1") is False
    assert w.pending() == []


def test_back_at_the_root_when_its_folder_is_no_longer_there() -> None:
    w = with_tree()
    add(w, "i1", "3a")
    w.trash_document("i1")
    w.trash_folder("3a")
    saved(w)
    w.restore_document("i1")
    assert w.pending() == [WorkspaceDocumentRestored(item_id="i1", owner_id=OWNER, folder_id=None)]
    # A sub-folder trashed with its parent, restored alone, comes back at the root.
    w.trash_folder("devoirs")
    saved(w)
    w.restore_folder("4b")
    assert w.folders["4b"].parent_id is None
    assert not w.folders["4b"].trashed


def test_back_at_the_root_when_its_parent_cannot_hold_it_any_more() -> None:
    """ "Un seul niveau de sous-dossier": its parent moved into a folder meanwhile."""
    w = with_tree()
    w.trash_folder("3a")
    w.trash_folder("4b")
    w.move_folder("devoirs", "cours")  # no live sub-folder left: the move is allowed
    saved(w)
    w.restore_folder("3a")
    assert w.folders["3a"].parent_id is None


def test_a_name_taken_meanwhile_gets_a_number() -> None:
    w = with_tree()
    w.trash_folder("cours")
    w.create_folder("cours-2", "COURS")
    saved(w)
    w.restore_folder("cours")
    assert w.pending() == [
        WorkspaceFolderRestored(folder_id="cours", owner_id=OWNER, parent_id=None, name="Cours (2)")
    ]
    assert free_name("a", ["A", "a (2)"]) == "a (3)"
    assert len(free_name("x" * 255, ["x" * 255])) == 255


def test_definitive_delete_only_from_the_trash() -> None:
    w = with_tree()
    add(w, "i1", None)
    saved(w)
    refused = refusal(lambda: w.purge_document("i1", "deleted"))
    assert (refused.field, refused.reason) == ("item_id", "not_in_trash")
    refused = refusal(lambda: w.purge_folder("cours", "deleted"))
    assert (refused.field, refused.reason) == ("folder_id", "not_in_trash")
    with pytest.raises(NotFound):
        w.purge_document("unknown", "deleted")
    assert w.pending() == []


def test_a_purged_folder_takes_what_went_with_it_and_is_gone_for_good() -> None:
    w = with_tree()
    add(w, "with", "3a")
    add(w, "alone", "3a")
    w.trash_document("alone")
    w.trash_folder("devoirs")
    saved(w)
    w.purge_folder("devoirs", "retention")
    events = w.pending()
    assert events[0] == WorkspaceDocumentPurged(
        item_id="with", owner_id=OWNER, reason="retention", with_folder_id="devoirs"
    )
    assert events[-1] == WorkspaceFolderPurged(
        folder_id="devoirs", owner_id=OWNER, reason="retention"
    )
    assert {e.folder_id for e in events[1:-1]} == {"3a", "4b"}  # type: ignore[attr-defined]
    assert w.items["alone"].trashed  # trashed by itself: still in the trash
    for decide in (
        lambda: w.restore_folder("devoirs"),
        lambda: w.purge_folder("3a", "deleted"),
        lambda: w.restore_document("with"),
    ):
        with pytest.raises(NotFound):
            decide()
    # Its folder is gone: the document trashed by itself comes back at the root.
    w.restore_document("alone")
    assert w.items["alone"].folder_id is None
    again = replayed(w)
    assert again.folders == w.folders
    assert again.items == w.items
