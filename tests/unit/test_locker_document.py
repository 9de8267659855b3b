"""The Casier's Document aggregate: deposit rules, and each owner's own trash."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ent_contracts.locker import (
    DocumentDeposited,
    DocumentPurged,
    DocumentRestored,
    DocumentTrashed,
)
from ent_kit.errors import NotFound, Refused, Unprocessable
from ent_locker.domain.model import MAX_FILE_NAME, Document
from locker_fixtures import RecordedDocument, stored_file

SENDER, TEACHER, COLLEAGUE = "student-1", "teacher-1", "teacher-2"
AT = datetime(2025, 9, 1, 8, tzinfo=UTC)
# Bidi controls (RLO, LRI, RLM, ALM) make "invoice\u202efdp.exe" read as "invoiceexe.pdf";
# other format characters (BOM, soft hyphen) and line separators hide in a name.
BIDI_AND_FORMAT = [
    "invoice\u202efdp.exe",
    "a\u202ab.pdf",
    "lri\u2066x\u2069.pdf",
    "rlm\u200f.pdf",
    "lrm\u200e.pdf",
    "alm\u061c.pdf",
    "bom\ufeff.pdf",
    "soft\u00adhyphen.pdf",
    "line\u2028break.pdf",
]


def deposit(
    document: Document,
    recipients: list[str] | None = None,
    *,
    file_name: str = "devoir.pdf",
    size: int = 42,
) -> DocumentDeposited:
    return document.deposit_into_lockers(
        sender_id=SENDER,
        recipient_ids=[TEACHER, COLLEAGUE] if recipients is None else recipients,
        file=stored_file(file_name, size),
        at=AT,
    )


def deposited() -> RecordedDocument:
    document = RecordedDocument("doc-1")
    deposit(document)
    document.mark_saved()
    return document


def replayed(document: RecordedDocument) -> Document:
    copy = Document(document.id)
    for event in document.history:
        copy.when(event)
    return copy


# --- depositing -------------------------------------------------------------------------


def test_a_deposit_goes_into_each_recipient_locker_once_never_the_sender() -> None:
    document = RecordedDocument("doc-1")
    event = deposit(document, [TEACHER, SENDER, TEACHER, COLLEAGUE], file_name="  devoir.pdf ")
    assert document.pending() == [event]
    assert event.recipient_ids == [TEACHER, COLLEAGUE]
    assert event.file_name == "devoir.pdf"
    assert (event.document_id, event.sender_id, event.deposited_at) == ("doc-1", SENDER, AT)
    assert document.owners == {SENDER: "active", TEACHER: "active", COLLEAGUE: "active"}
    assert document.is_deposit_of(SENDER)
    assert not document.is_deposit_of(TEACHER)
    assert replayed(document).owners == document.owners


def test_a_file_name_is_normalised_to_nfc() -> None:
    event = deposit(Document("doc-1"), file_name="e\u0301te\u0301.pdf")  # decomposed accents
    assert event.file_name == "\u00e9t\u00e9.pdf"


def test_a_deposit_is_immutable() -> None:
    document = deposited()
    with pytest.raises(Refused) as refused:
        deposit(document)
    assert (refused.value.field, refused.value.reason) == ("document", "immutable")
    assert document.pending() == []


def test_an_empty_file_is_refused() -> None:
    document = Document("doc-1")
    with pytest.raises(Refused) as refused:
        deposit(document, size=0)
    assert (refused.value.field, refused.value.reason) == ("file", "empty_file")
    assert document.pending() == []
    assert document.deposit is None


@pytest.mark.parametrize(
    "name",
    ["", "  ", "a/b.pdf", "a\\b.pdf", "tab\t.pdf", ".", "..", *BIDI_AND_FORMAT],
)
def test_file_names_that_could_not_be_saved_are_refused(name: str) -> None:
    with pytest.raises(Refused) as refused:
        deposit(Document("doc-1"), file_name=name)
    assert (refused.value.field, refused.value.reason) == ("file", "invalid_name")
    assert "fichier" in refused.value.message


def test_joiners_some_scripts_need_are_kept() -> None:
    """ZWNJ and ZWJ are the only format characters a name keeps (Persian, Indic scripts)."""
    for name in [
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.pdf",
        "\u0915\u094d\u200d\u0937.pdf",
    ]:
        assert deposit(Document("doc-1"), file_name=name).file_name == name


def test_a_file_name_has_at_most_255_characters() -> None:
    assert deposit(Document("doc-1"), file_name="x" * MAX_FILE_NAME).file_name
    with pytest.raises(Refused) as refused:
        deposit(Document("doc-2"), file_name="x" * (MAX_FILE_NAME + 1))
    assert str(MAX_FILE_NAME) in refused.value.message


@pytest.mark.parametrize("recipients", [[], [SENDER], [SENDER, SENDER]])
def test_a_deposit_needs_a_locker_other_than_the_sender(recipients: list[str]) -> None:
    document = Document("doc-1")
    with pytest.raises(Unprocessable) as refused:
        deposit(document, recipients)
    assert (refused.value.field, refused.value.reason) == ("recipients", "no_allowed_recipients")
    assert document.pending() == []


# --- each owner's trash -----------------------------------------------------------------


def test_trash_and_restore_are_per_owner() -> None:
    document = deposited()
    assert document.trash(TEACHER, AT)
    assert document.owners == {SENDER: "active", TEACHER: "trashed", COLLEAGUE: "active"}
    assert document.trashed_at == {TEACHER: AT}
    assert not document.trash(TEACHER, AT)  # a repeated click changes nothing
    assert not document.restore(SENDER)  # not in the sender's trash: nothing to restore
    assert document.restore(TEACHER)
    assert not document.restore(TEACHER)
    assert document.pending() == [
        DocumentTrashed(document_id="doc-1", owner_id=TEACHER, trashed_at=AT),
        DocumentRestored(document_id="doc-1", owner_id=TEACHER),
    ]
    assert replayed(document).owners == document.owners


def test_purge_only_from_the_trash() -> None:
    document = deposited()
    with pytest.raises(Refused) as refused:
        document.purge(TEACHER, "deleted")
    assert (refused.value.field, refused.value.reason) == ("document_ids", "not_in_trash")
    assert document.pending() == []
    document.trash(TEACHER, AT)
    assert document.purge(TEACHER, "deleted")
    assert document.pending()[-1] == DocumentPurged(
        document_id="doc-1", owner_id=TEACHER, reason="deleted"
    )
    assert document.owners[TEACHER] == "purged"
    assert document.owners[COLLEAGUE] == "active"  # nobody deletes from someone else's locker


def test_a_stranger_finds_nothing_to_act_on() -> None:
    document = deposited()
    for act in (
        lambda: document.trash("stranger", AT),
        lambda: document.restore("stranger"),
        lambda: document.purge("stranger", "deleted"),
    ):
        with pytest.raises(NotFound) as missing:
            act()
        assert missing.value.reason == "document_not_found"
    assert document.pending() == []


def test_an_owner_who_purged_it_finds_it_no_more() -> None:
    document = deposited()
    document.trash(SENDER, AT)
    document.purge(SENDER, "retention")
    for act in (
        lambda: document.trash(SENDER, AT),
        lambda: document.restore(SENDER),
        lambda: document.purge(SENDER, "deleted"),
    ):
        with pytest.raises(NotFound):
            act()
    assert len(document.pending()) == 2


def test_fully_purged_once_every_owner_purged_it() -> None:
    assert not Document("never-deposited").fully_purged()
    document = deposited()
    for owner in (SENDER, TEACHER, COLLEAGUE):
        assert not document.fully_purged()
        document.trash(owner, AT)
        document.purge(owner, "deleted")
    assert document.fully_purged()
    assert replayed(document).fully_purged()
