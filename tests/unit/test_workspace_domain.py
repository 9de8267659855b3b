"""Mes documents: the Workspace aggregate checks names, depth, moves and trashing."""

from __future__ import annotations

import pytest
from ent_contracts import DomainEvent
from ent_contracts.workspace import (
    DocumentCopiedToWorkspace,
    WorkspaceDocumentAdded,
    WorkspaceDocumentTrashed,
    WorkspaceFolderCreated,
    WorkspaceFolderMoved,
    WorkspaceFolderRenamed,
    WorkspaceFolderTrashed,
)
from ent_kit.errors import NotFound, Refused
from ent_locker.domain.workspace import MAX_FOLDER_DEPTH, Workspace, workspace_id
from locker_fixtures import RecordedWorkspace, stored_file

OWNER = "teacher-1"


def saved(workspace: RecordedWorkspace) -> RecordedWorkspace:
    workspace.mark_saved()
    return workspace


def fresh() -> RecordedWorkspace:
    return RecordedWorkspace(workspace_id(OWNER))


def with_tree() -> RecordedWorkspace:
    """Devoirs/3A, Devoirs/4B, Cours (all saved)."""
    w = fresh()
    w.create_folder("devoirs", "Devoirs")
    w.create_folder("3a", "3A", "devoirs")
    w.create_folder("4b", "4B", "devoirs")
    w.create_folder("cours", "Cours")
    return saved(w)


def add(w: Workspace, item_id: str, folder_id: str | None, name: str = "copie.pdf") -> None:
    w.add_document(item_id=item_id, folder_id=folder_id, file=stored_file(name, size=10))


def replayed(w: RecordedWorkspace) -> Workspace:
    """The same state, rebuilt from the events alone (as the repository does)."""
    copy = Workspace(w.id)
    for event in w.history:
        copy.when(event)
    return copy


def refusal(decide: object) -> Refused:
    assert callable(decide)
    with pytest.raises(Refused) as refused:
        decide()
    return refused.value


# --- creating -------------------------------------------------------------------------


def test_owner_comes_from_the_aggregate_id() -> None:
    assert fresh().owner_id == OWNER
    assert fresh().id == f"workspace:{OWNER}"


def test_create_folder_at_the_root_and_inside() -> None:
    w = fresh()
    w.create_folder("f1", "  Devoirs ")
    w.create_folder("f2", "3A", "f1")
    assert w.pending() == [
        WorkspaceFolderCreated(folder_id="f1", owner_id=OWNER, name="Devoirs", parent_id=None),
        WorkspaceFolderCreated(folder_id="f2", owner_id=OWNER, name="3A", parent_id="f1"),
    ]
    assert replayed(w).folders == w.folders


@pytest.mark.parametrize(
    "name", ["", "   ", "a/b", "a\\b", "tab\there", "..", "x" * 256, "3A\u202egnp.exe"]
)
def test_folder_names_follow_the_file_name_rules(name: str) -> None:
    w = fresh()
    refused = refusal(lambda: w.create_folder("f1", name))
    assert (refused.field, refused.reason) == ("name", "invalid_name")
    assert "dossier" in refused.message or "caractères" in refused.message
    assert w.pending() == []


def test_sibling_names_are_unique_ignoring_case() -> None:
    w = with_tree()
    refused = refusal(lambda: w.create_folder("x", "devoirs"))
    assert (refused.field, refused.reason) == ("name", "name_taken")
    refused = refusal(lambda: w.create_folder("y", "3a", "devoirs"))
    assert refused.reason == "name_taken"
    # The same name elsewhere in the tree is fine.
    w.create_folder("z", "3A", None)
    w.create_folder("t", "Cours", "devoirs")
    assert len(w.pending()) == 2


def test_a_trashed_folder_frees_its_name() -> None:
    w = with_tree()
    w.trash_folder("cours")
    w.create_folder("cours-2", "COURS")
    assert w.pending()[-1] == WorkspaceFolderCreated(
        folder_id="cours-2", owner_id=OWNER, name="COURS", parent_id=None
    )


def test_only_one_level_of_sub_folders() -> None:
    assert MAX_FOLDER_DEPTH == 2
    w = with_tree()
    refused = refusal(lambda: w.create_folder("deep", "Trop profond", "3a"))
    assert (refused.field, refused.reason) == ("parent_id", "folder_too_deep")
    assert w.pending() == []


def test_parent_must_be_a_live_folder_of_this_workspace() -> None:
    w = with_tree()
    with pytest.raises(NotFound) as missing:
        w.create_folder("x", "X", "someone-elses-folder")
    assert (missing.value.reason, missing.value.field) == ("folder_not_found", "parent_id")
    w.trash_folder("cours")
    with pytest.raises(NotFound):
        w.create_folder("x", "X", "cours")


def test_a_folder_id_is_used_once() -> None:
    w = with_tree()
    assert refusal(lambda: w.create_folder("cours", "Autre")).field == "folder_id"


# --- renaming -------------------------------------------------------------------------


def test_rename_checks_the_name_and_its_siblings() -> None:
    w = with_tree()
    assert w.rename_folder("3a", "3e A")
    assert w.pending() == [WorkspaceFolderRenamed(folder_id="3a", owner_id=OWNER, name="3e A")]
    assert refusal(lambda: w.rename_folder("4b", "3E a")).reason == "name_taken"
    assert refusal(lambda: w.rename_folder("4b", "a/b")).field == "name"
    assert replayed(w).folders["3a"].name == "3e A"


def test_rename_to_the_same_name_changes_nothing_but_case_counts() -> None:
    w = with_tree()
    assert not w.rename_folder("cours", " Cours ")
    assert w.pending() == []
    assert w.rename_folder("cours", "COURS")  # its own name does not block a new case
    assert len(w.pending()) == 1


def test_rename_an_unknown_folder() -> None:
    with pytest.raises(NotFound) as missing:
        with_tree().rename_folder("nope", "X")
    assert (missing.value.reason, missing.value.field) == ("folder_not_found", "folder_id")


# --- moving ---------------------------------------------------------------------------


def test_move_a_folder_to_another_parent_and_back_to_the_root() -> None:
    w = with_tree()
    assert w.move_folder("3a", "cours")
    assert w.move_folder("3a", None)
    assert w.pending() == [
        WorkspaceFolderMoved(folder_id="3a", owner_id=OWNER, parent_id="cours"),
        WorkspaceFolderMoved(folder_id="3a", owner_id=OWNER, parent_id=None),
    ]
    assert replayed(w).folders["3a"].parent_id is None
    assert not w.move_folder("3a", None)  # already there
    assert len(w.pending()) == 2


def test_no_move_into_itself_or_its_descendants() -> None:
    w = with_tree()
    refused = refusal(lambda: w.move_folder("devoirs", "devoirs"))
    assert (refused.field, refused.reason) == ("parent_id", "folder_cycle")
    refused = refusal(lambda: w.move_folder("devoirs", "3a"))
    assert (refused.field, refused.reason) == ("parent_id", "folder_cycle")
    assert w.pending() == []


def test_a_move_keeps_the_depth_limit() -> None:
    w = with_tree()
    # Devoirs has sub-folders: under Cours, 3A would sit at a third level.
    refused = refusal(lambda: w.move_folder("devoirs", "cours"))
    assert (refused.field, refused.reason) == ("parent_id", "folder_too_deep")
    refused = refusal(lambda: w.move_folder("cours", "3a"))
    assert refused.reason == "folder_too_deep"
    w.move_folder("cours", "devoirs")  # a folder without sub-folders may go one level down
    assert w.pending() == [
        WorkspaceFolderMoved(folder_id="cours", owner_id=OWNER, parent_id="devoirs")
    ]


def test_a_move_keeps_sibling_names_unique() -> None:
    w = with_tree()
    w.create_folder("other-3a", "3a")
    refused = refusal(lambda: w.move_folder("other-3a", "devoirs"))
    assert (refused.field, refused.reason) == ("name", "name_taken")


def test_move_to_an_unknown_parent() -> None:
    with pytest.raises(NotFound) as missing:
        with_tree().move_folder("cours", "nope")
    assert (missing.value.reason, missing.value.field) == ("folder_not_found", "parent_id")


# --- documents ------------------------------------------------------------------------


def test_add_a_document_to_a_folder_or_the_root() -> None:
    w = with_tree()
    add(w, "i1", "3a", " copie.pdf")
    add(w, "i2", None)
    first = w.pending()[0]
    assert isinstance(first, WorkspaceDocumentAdded)
    assert (first.folder_id, first.file_name, first.source) == ("3a", "copie.pdf", "upload")
    assert replayed(w).items["i1"].folder_id == "3a"


def test_a_document_needs_a_live_folder_a_name_and_content() -> None:
    w = with_tree()
    with pytest.raises(NotFound) as missing:
        add(w, "i1", "nope")
    assert (missing.value.reason, missing.value.field) == ("folder_not_found", "folder_id")
    refused = refusal(lambda: add(w, "i1", None, "../x.pdf"))
    assert (refused.field, refused.reason) == ("file", "invalid_name")
    refused = refusal(
        lambda: w.add_document(
            item_id="i1", folder_id=None, file=stored_file("a.pdf", size=0, blob_key="k")
        )
    )
    assert (refused.field, refused.reason) == ("file", "empty_file")
    assert w.pending() == []


def test_copy_from_the_locker_refers_to_the_same_blob() -> None:
    w = with_tree()
    w.copy_from_locker(
        item_id="i1",
        document_id="doc-1",
        folder_id="3a",
        file=stored_file("Devoir.pdf", blob_key="sha256/ab/abab"),
    )
    added, copied = w.pending()
    assert isinstance(added, WorkspaceDocumentAdded)
    assert added.source == "locker"
    assert added.source_document_id == "doc-1"
    assert added.blob_key == "sha256/ab/abab"
    assert copied == DocumentCopiedToWorkspace(
        document_id="doc-1", owner_id=OWNER, item_id="i1", folder_id="3a"
    )


def test_copy_into_an_unknown_folder_triggers_nothing() -> None:
    w = with_tree()
    with pytest.raises(NotFound):
        w.copy_from_locker(
            item_id="i1",
            document_id="doc-1",
            folder_id="nope",
            file=stored_file("Devoir.pdf", blob_key="k"),
        )
    assert w.pending() == []


def test_trash_a_document_once() -> None:
    w = with_tree()
    add(w, "i1", None)
    w.trash_document("i1")
    assert w.pending()[-1] == WorkspaceDocumentTrashed(item_id="i1", owner_id=OWNER)
    with pytest.raises(NotFound) as missing:
        w.trash_document("i1")
    assert (missing.value.reason, missing.value.field) == ("item_not_found", "item_id")
    assert replayed(w).items["i1"].trashed


# --- trashing folders -----------------------------------------------------------------


def test_a_trashed_folder_takes_its_content_with_it() -> None:
    w = with_tree()
    add(w, "in-3a", "3a")
    add(w, "in-devoirs", "devoirs")
    add(w, "in-cours", "cours")
    add(w, "at-root", None)
    saved(w)
    w.trash_folder("devoirs")
    events: list[DomainEvent] = w.pending()
    trashed_items = {e.item_id for e in events if isinstance(e, WorkspaceDocumentTrashed)}
    trashed_folders = [e for e in events if isinstance(e, WorkspaceFolderTrashed)]
    assert trashed_items == {"in-3a", "in-devoirs"}
    assert {e.folder_id for e in trashed_folders} == {"devoirs", "3a", "4b"}
    assert trashed_folders[-1] == WorkspaceFolderTrashed(folder_id="devoirs", owner_id=OWNER)
    assert all(e.with_folder_id == "devoirs" for e in trashed_folders[:-1])
    assert [f.folder_id for f in w.children(None)] == ["cours"]
    assert not w.items["in-cours"].trashed
    assert not w.items["at-root"].trashed
    with pytest.raises(NotFound):
        w.trash_folder("3a")  # already in the trash with its parent


def test_a_document_already_trashed_is_not_trashed_again_with_its_folder() -> None:
    w = with_tree()
    add(w, "i1", "3a")
    w.trash_document("i1")
    saved(w)
    w.trash_folder("3a")
    assert w.pending() == [WorkspaceFolderTrashed(folder_id="3a", owner_id=OWNER)]
