"""The Messagerie's pure rules: conversations (who may reply, to whom), mailboxes (folders one
level deep, where copies may go), drafts (stale autosaves), quoting. No store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ent_contracts.mail import MessageSent
from ent_kit.errors import Conflict, NotFound, Refused
from ent_mail.domain.conversation import Conversation
from ent_mail.domain.draft import Draft
from ent_mail.domain.mailbox import Mailbox
from ent_mail.domain.quoting import forward_subject, quoted_thread, reply_subject

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def message(message_id: str, sender: str, to: list[str], **fields: object) -> MessageSent:
    base: dict[str, object] = {
        "conversation_id": "c-1",
        "message_id": message_id,
        "sender_id": sender,
        "to": to,
        "reply_mode": "sender_only",
        "subject": "Sortie",
        "body_html": "<p>Texte</p>",
        "body_text": "Texte",
        "sent_at": AT,
    }
    return MessageSent(**(base | fields))  # type: ignore[arg-type]


def conversation(*messages: MessageSent) -> Conversation:
    c = Conversation("conversation:c-1")
    for m in messages:
        c.when(m)
    return c


def test_reply_only_to_the_sender_unless_the_mode_says_all() -> None:
    c = conversation(message("m1", "teacher", ["p1", "p2"], cc=["cpe"]))
    assert c.reply_targets("m1", "p1", to_all=False).to == ["teacher"]
    with pytest.raises(Refused, match="Me répondre uniquement"):
        c.reply_targets("m1", "p1", to_all=True)
    assert c.reachable_by_reply("m1", "p1") == {"teacher"}

    everyone = conversation(message("m1", "teacher", ["p1", "p2"], cc=["cpe"], reply_mode="all"))
    targets = everyone.reply_targets("m1", "p1", to_all=True)
    assert (targets.to, targets.cc) == (["teacher", "p2"], ["cpe"])
    assert everyone.reachable_by_reply("m1", "p1") == {"teacher", "p2", "cpe"}


def test_blind_copies_stay_hidden_and_their_holders_answer_the_sender_only() -> None:
    c = conversation(message("m1", "teacher", ["p1"], bcc=["director"], reply_mode="all"))
    assert "director" not in c.reachable_by_reply("m1", "p1")
    assert c.reply_targets("m1", "director", to_all=False).to == ["teacher"]


def test_nobody_answers_a_message_they_did_not_get_nor_an_ent_message() -> None:
    c = conversation(message("m1", "teacher", ["p1"]), message("m2", "ent", ["p1"], kind="system"))
    with pytest.raises(NotFound):
        c.reply_targets("m1", "stranger", to_all=False)
    with pytest.raises(Refused, match="message de l'ENT"):
        c.reply_targets("m2", "p1", to_all=False)
    with pytest.raises(NotFound):
        c.send(message("m3", "stranger", ["teacher"], in_reply_to="m1"))


def test_the_thread_is_quoted_newest_first_under_one_prefix() -> None:
    first = message("m1", "teacher", ["p1"], body_html="<p>premier</p>")
    second = message("m2", "p1", ["teacher"], body_html="<p>second</p>", in_reply_to="m1")
    c = conversation(first, second)
    quoted = quoted_thread(c.thread("m2"), {"teacher": "M. Prof", "p1": "Mme Parent"}.__getitem__)
    assert quoted.index("second") < quoted.index("premier")
    assert quoted.count("<blockquote>") == 2
    assert "Mme Parent a écrit" in quoted
    assert reply_subject("RE : Sortie") == "RE : Sortie"
    assert forward_subject("Sortie") == "TR : Sortie"


def test_folders_nest_one_level_with_unique_names_per_parent() -> None:
    box = Mailbox("mailbox:u1")
    box.create_folder("f1", "Sorties", None)
    box.create_folder("f2", "Musée", "f1")
    box.create_folder("f3", "Musée", None)  # the same name elsewhere is fine
    with pytest.raises(Refused, match="un niveau"):
        box.create_folder("f4", "Trop", "f2")
    with pytest.raises(Refused, match="déjà"):
        box.rename_folder("f3", " sorties ")
    with pytest.raises(Refused, match="un niveau"):
        box.move_folder("f1", "f3", 0)  # a folder with a sub-folder stays at the top
    with pytest.raises(Refused, match="déjà"):
        box.move_folder("f3", "f1", 0)  # f1 already holds a "Musée"
    box.rename_folder("f3", "Théâtre")
    box.move_folder("f3", "f1", 0)
    assert box.folders["f3"].parent_id == "f1"
    with pytest.raises(Refused, match="déjà"):
        box.create_folder("f5", "musée", "f1")


def test_copies_move_to_inbox_archive_or_own_folders_only() -> None:
    box = Mailbox("mailbox:u1")
    box.create_folder("f1", "Sorties", None)
    box.move(["m1"], "archive")
    box.move(["m1"], "f1")
    for target in ("sent", "trash", "drafts"):
        with pytest.raises(Refused):
            box.move(["m1"], target)
    with pytest.raises(NotFound):
        box.move(["m1"], "unknown")
    with pytest.raises(Refused):
        box.trash([], AT)


def test_a_stale_autosave_is_a_conflict_and_an_ended_draft_is_gone() -> None:
    from ent_contracts.mail import DraftSaved

    draft = Draft("draft:d1")
    content = DraftSaved(draft_id="d1", owner_id="u1", saved_at=AT)
    assert draft.save(content, None) == 1
    draft.mark_saved()
    assert draft.save(content, 1) == 2
    draft.mark_saved()
    with pytest.raises(Conflict):
        draft.save(content, 1)
    with pytest.raises(NotFound):
        draft.save(DraftSaved(draft_id="d1", owner_id="u2", saved_at=AT), 2)
    draft.end("u1", "sent")
    with pytest.raises(NotFound):
        draft.owned_by("u1")
