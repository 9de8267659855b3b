"""The Messagerie's commands on a real SQLite store, with the directory's decision faked:
sending (the directory decides, whole-send refusal, audiences per field, 200 after
expansion, droits réduits), replies inside a conversation, drafts (autosave conflicts),
selections and folders. No HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from ent_kit.auth import Identity
from ent_kit.errors import Conflict, Forbidden, NotFound, Refused, Unprocessable
from ent_kit.storage import Query
from ent_mail.application.forms import (
    CategoryForm,
    DraftForm,
    FolderForm,
    FolderPlace,
    MessageForm,
    MoveForm,
    SystemMessageForm,
)
from ent_mail.application.mailbox_projection import COPIES, DRAFTS_COLLECTION, MESSAGES
from ent_mail.application.queries import MailQueries
from kit_fixtures import storage
from mail_fixtures import (
    CLASS_PARENTS,
    CPE,
    OTHER_PARENT,
    PARENT,
    STUDENT,
    TEACHER,
    Mail,
    mail,
)

__all__ = ["mail", "storage"]


# --- sending ---------------------------------------------------------------------------


async def test_a_send_to_an_audience_delivers_one_copy_each_and_counts_unread(mail: Mail) -> None:
    receipt = await mail.sending.send(
        TEACHER,
        MessageForm(
            to=[CLASS_PARENTS],
            cc=["cpe-1"],
            subject="  Réunion   parents-professeurs ",
            body="<p onclick='x()'>Rendez-vous <script>alert(1)</script>mardi</p>",
            reply_mode="sender_only",
        ),
    )
    assert receipt.recipients == 3
    message = await mail.storage.documents.get(MESSAGES, receipt.message_id)
    assert message is not None
    assert message["to"] == ["parent-1", "parent-2"]
    assert message["cc"] == ["cpe-1"]
    assert message["audiences"] == [CLASS_PARENTS]
    assert message["subject"] == "Réunion parents-professeurs"
    assert "script" not in message["body_html"]
    assert "onclick" not in message["body_html"]
    assert message["kind"] == "information"
    assert await mail.count(PARENT, "inbox") == (1, 1)
    assert await mail.count(CPE, "inbox") == (1, 1)
    assert await mail.count(TEACHER, "sent") == (1, 0)
    assert (await mail.copy(receipt.message_id, CPE))["role"] == "cc"
    assert mail.directory.asked == [[CLASS_PARENTS, "cpe-1"]]  # one call per send


async def test_one_refused_recipient_refuses_the_whole_send_and_delivers_nothing(
    mail: Mail,
) -> None:
    mail.directory.refusing = {"parent-2"}
    with pytest.raises(Unprocessable) as refused:
        await mail.send(to=["parent-1", "parent-2"])
    assert refused.value.reason == "recipients_refused"
    assert refused.value.details["refused"] == [{"reason": "not_allowed", "user_id": "parent-2"}]
    assert (await mail.storage.documents.find(COPIES, Query())).items == []
    assert await mail.storage.events.last_position() == 0


async def test_more_than_200_people_once_audiences_are_expanded_is_refused(mail: Mail) -> None:
    mail.directory.audiences["group:school:students"] = [f"s-{i}" for i in range(201)]
    with pytest.raises(Unprocessable) as refused:
        await mail.send(to=["group:school:students"])
    assert refused.value.reason == "too_many_recipients"
    assert refused.value.details["count"] == 201


async def test_201_entries_are_refused_before_asking_the_directory(mail: Mail) -> None:
    with pytest.raises(Refused) as refused:
        await mail.send(to=[f"u-{i}" for i in range(201)])
    assert (refused.value.field, refused.value.reason) == ("to", "too_many")
    assert mail.directory.asked == []


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"to": []}, "to", "missing"),
        ({"to": ["group:x"]}, "to", "malformed"),
        ({"subject": "   "}, "subject", "missing"),
        ({"subject": "x" * 201}, "subject", "too_long"),
        ({"body": "<script>only a script</script>"}, "body", "missing"),
        ({"reply_mode": None}, "reply_mode", "missing"),
        ({"attachment_ids": ["nope"]}, "attachment_ids", "attachment_not_found"),
    ],
)
async def test_bad_input_names_its_field(
    mail: Mail, form: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(Refused) as refused:
        await mail.send(**form)
    assert (refused.value.field, refused.value.reason) == (field, reason)


async def test_reduced_rights_allow_one_group_only(mail: Mail) -> None:
    await mail.send(STUDENT, to=[CLASS_PARENTS])  # one group: fine
    await mail.send(STUDENT, to=["teacher-1"])  # one person: fine
    with pytest.raises(Unprocessable) as refused:
        await mail.send(STUDENT, to=[CLASS_PARENTS, "teacher-1"])
    assert refused.value.reason == "one_group_only"
    await mail.send(TEACHER, to=[CLASS_PARENTS, "cpe-1"])  # not a reduced profile


# --- replies ----------------------------------------------------------------------------


async def test_a_parent_answers_the_teacher_even_where_the_lists_would_refuse(
    mail: Mail,
) -> None:
    first = await mail.send(to=[CLASS_PARENTS])
    mail.directory.refusing = {"teacher-1"}  # the parent could not start this conversation
    mail.directory.asked.clear()

    draft = await mail.drafts.reply(PARENT, first, to_all=False)
    receipt = await mail.drafts.send(PARENT, draft.draft_id)

    assert mail.directory.asked == []
    answer = await mail.storage.documents.get(MESSAGES, receipt.message_id)
    assert answer is not None
    assert answer["to"] == ["teacher-1"]
    assert answer["subject"] == "RE : Sortie au musée"
    assert answer["in_reply_to"] == first
    assert "<blockquote>" in answer["body_html"]
    assert "jeudi" in answer["body_html"]
    assert answer["conversation_id"] == (await mail.copy(first, PARENT))["conversation_id"]
    assert await mail.count(TEACHER, "inbox") == (1, 1)


async def test_reply_all_follows_the_reply_mode(mail: Mail) -> None:
    information = await mail.send(to=[CLASS_PARENTS])
    with pytest.raises(Refused) as refused:
        await mail.drafts.reply(PARENT, information, to_all=True)
    assert refused.value.reason == "reply_all_not_allowed"

    discussion = await mail.send(to=[CLASS_PARENTS], cc=["cpe-1"], reply_mode="all")
    draft = await mail.drafts.reply(PARENT, discussion, to_all=True)
    saved = await mail.storage.documents.get(DRAFTS_COLLECTION, draft.draft_id)
    assert saved is not None
    assert (saved["to"], saved["cc"]) == (["teacher-1", "parent-2"], ["cpe-1"])


async def test_adding_a_new_recipient_to_a_reply_asks_the_directory(mail: Mail) -> None:
    first = await mail.send(to=["parent-1"])
    mail.directory.refusing = {"parent-2"}
    with pytest.raises(Unprocessable):
        await mail.send(PARENT, to=["teacher-1", "parent-2"], in_reply_to=first)
    assert mail.directory.asked[-1] == ["parent-2"]


async def test_nobody_replies_to_a_message_they_did_not_get(mail: Mail) -> None:
    first = await mail.send(to=["parent-1"])
    with pytest.raises(NotFound):
        await mail.drafts.reply(OTHER_PARENT, first, to_all=False)
    with pytest.raises(NotFound):
        await mail.send(OTHER_PARENT, to=["teacher-1"], in_reply_to=first)


async def test_forward_keeps_the_attachments_by_reference_and_asks_for_recipients(
    mail: Mail,
) -> None:
    first = await mail.send(to=["cpe-1"])
    draft = await mail.drafts.forward(CPE, first)
    saved = await mail.storage.documents.get(DRAFTS_COLLECTION, draft.draft_id)
    assert saved is not None
    assert saved["subject"] == "TR : Sortie au musée"
    assert saved["to"] == []
    assert saved["forwarded_from"] == first
    with pytest.raises(Refused):  # no recipient yet
        await mail.drafts.send(CPE, draft.draft_id)
    await mail.drafts.save(
        CPE,
        draft.draft_id,
        DraftForm(
            to=["parent-1"],
            subject=saved["subject"],
            body=saved["body_html"],
            reply_mode="sender_only",
            forwarded_from=first,
            version=draft.version,
        ),
    )
    sent = await mail.drafts.send(CPE, draft.draft_id)
    message = await mail.storage.documents.get(MESSAGES, sent.message_id)
    assert message is not None
    assert message["forwarded_from"] == first
    assert await mail.storage.documents.get(DRAFTS_COLLECTION, draft.draft_id) is None


# --- drafts -----------------------------------------------------------------------------


async def test_a_stale_autosave_gets_409_and_never_overwrites_newer_text(mail: Mail) -> None:
    created = await mail.drafts.create(TEACHER, MessageForm(subject="Brouillon"))
    tab_a = await mail.drafts.save(
        TEACHER, created.draft_id, DraftForm(body="<p>version A</p>", version=created.version)
    )
    assert tab_a.version == created.version + 1
    with pytest.raises(Conflict) as stale:
        await mail.drafts.save(
            TEACHER, created.draft_id, DraftForm(body="<p>old tab</p>", version=created.version)
        )
    assert stale.value.details["version"] == tab_a.version
    saved = await mail.storage.documents.get(DRAFTS_COLLECTION, created.draft_id)
    assert saved is not None
    assert saved["body_html"] == "<p>version A</p>"
    assert await mail.count(TEACHER, "drafts") == (1, 0)

    with pytest.raises(NotFound):  # someone else's draft does not exist for them
        await mail.drafts.save(PARENT, created.draft_id, DraftForm(body="x"))
    await mail.drafts.discard(TEACHER, created.draft_id)
    assert await mail.count(TEACHER, "drafts") == (0, 0)
    with pytest.raises(NotFound):
        await mail.drafts.send(TEACHER, created.draft_id)


# --- selections and folders -------------------------------------------------------------


async def test_read_unread_and_opening(mail: Mail) -> None:
    first, second = await mail.send(), await mail.send(subject="Autre")
    result = await mail.mailbox.mark(PARENT, [first, "unknown"], read=True)
    assert (result.done, result.not_found) == ([first], ["unknown"])
    assert await mail.count(PARENT, "inbox") == (2, 1)
    await mail.mailbox.open(PARENT, second)
    assert await mail.count(PARENT, "inbox") == (2, 0)
    await mail.mailbox.mark(PARENT, [first], read=False)
    assert await mail.count(PARENT, "inbox") == (2, 1)
    with pytest.raises(NotFound):
        await mail.mailbox.open(OTHER_PARENT, first)


async def test_trash_restore_delete_and_a_new_message_brings_a_conversation_back(
    mail: Mail,
) -> None:
    first = await mail.send()
    assert (await mail.mailbox.trash(PARENT, [first])).done == [first]
    assert await mail.count(PARENT, "trash") == (1, 1)
    assert (await mail.mailbox.delete(PARENT, ["x", first])).done == [first]
    assert await mail.count(PARENT, "trash") == (0, 0)

    second = await mail.send()
    await mail.mailbox.trash(PARENT, [second])
    assert (await mail.mailbox.restore(PARENT, [second])).done == [second]
    assert (await mail.copy(second, PARENT))["folder"] == "inbox"
    assert (await mail.mailbox.delete(PARENT, [second])).not_found == [second]  # not in trash

    await mail.mailbox.trash(PARENT, [second])
    conversation = (await mail.copy(second, PARENT))["conversation_id"]
    await mail.send(TEACHER, to=["parent-1"], in_reply_to=second, subject="Relance")
    assert (await mail.copy(second, PARENT))["folder"] == "inbox"  # seed §I-5
    assert (await mail.copy(second, PARENT))["conversation_id"] == conversation
    assert await mail.count(PARENT, "trash") == (0, 0)


async def test_folders_one_sub_level_moves_categories_and_deletion(mail: Mail) -> None:
    sorties = (await mail.mailbox.create_folder(PARENT, FolderForm(name="Sorties"))).folder_id
    musee = (
        await mail.mailbox.create_folder(PARENT, FolderForm(name="Musée", parent_id=sorties))
    ).folder_id
    with pytest.raises(Refused) as too_deep:
        await mail.mailbox.create_folder(PARENT, FolderForm(name="Trop", parent_id=musee))
    assert too_deep.value.reason == "too_deep"
    with pytest.raises(Refused) as taken:
        await mail.mailbox.create_folder(PARENT, FolderForm(name=" sorties "))
    assert taken.value.reason == "folder_exists"
    other = (await mail.mailbox.create_folder(PARENT, FolderForm(name="Autre"))).folder_id
    with pytest.raises(Refused):  # a folder with a sub-folder cannot go one level down
        await mail.mailbox.place_folder(PARENT, sorties, FolderPlace(parent_id=other))

    first = await mail.send()
    await mail.mailbox.move(PARENT, MoveForm(message_ids=[first], folder_id=musee))
    assert await mail.count(PARENT, "inbox") == (0, 0)
    assert await mail.count(PARENT, musee) == (1, 1)
    with pytest.raises(Refused):
        await mail.mailbox.move(PARENT, MoveForm(message_ids=[first], folder_id="sent"))
    await mail.mailbox.categorize(PARENT, CategoryForm(message_ids=[first], category="Sorties"))
    assert (await mail.copy(first, PARENT))["category"] == "Sorties"

    await mail.mailbox.delete_folder(PARENT, sorties)  # with its sub-folder and its messages
    assert (await mail.copy(first, PARENT))["folder"] == "trash"
    with pytest.raises(NotFound):
        await mail.mailbox.rename_folder(PARENT, musee, "Encore")


async def test_a_whole_folder_to_the_trash(mail: Mail) -> None:
    sent = [await mail.send(subject=f"n°{i}") for i in range(3)]
    result = await mail.mailbox.trash_folder(PARENT, "inbox")
    assert sorted(result.done) == sorted(sent)
    assert await mail.count(PARENT, "trash") == (3, 3)
    assert await mail.count(TEACHER, "sent") == (3, 0)  # the sender's copies untouched


async def test_a_message_to_oneself_is_acted_on_in_the_folder_it_was_selected_in(
    mail: Mail,
) -> None:
    note = await mail.send(to=[TEACHER.user_id], subject="Pense-bête")
    assert (await mail.copy(note, TEACHER))["folder"] == "inbox"
    assert (await mail.copy(note, TEACHER, "sent"))["folder"] == "sent"

    await mail.mailbox.trash(TEACHER, [note], folder="inbox")
    assert (await mail.copy(note, TEACHER))["folder"] == "trash"
    assert (await mail.copy(note, TEACHER, "sent"))["folder"] == "sent"  # Envoyés keeps it
    await mail.mailbox.delete(TEACHER, [note])
    assert (await mail.copy(note, TEACHER, "sent"))["folder"] == "sent"
    assert await mail.storage.documents.get(MESSAGES, note) is not None  # still held


async def test_an_ent_message_is_read_only_and_sent_by_services_only(mail: Mail) -> None:
    service = Identity(user_id="service:schoollife", profile="service")
    form = SystemMessageForm(to=["parent-1"], subject="Ouverture", body="<p>Bienvenue</p>")
    with pytest.raises(Forbidden):
        await mail.sending.send_system(TEACHER, form)
    receipt = await mail.sending.send_system(service, form)

    copy = await mail.copy(receipt.message_id, PARENT)
    assert (copy["kind"], copy["sender_id"]) == ("system", "ent")
    with pytest.raises(Refused, match="message de l'ENT"):
        await mail.drafts.reply(PARENT, receipt.message_id, to_all=False)
    page = await MailQueries(mail.storage.documents).folder_page(
        PARENT, "inbox", None, 10, kind="system"
    )
    assert [(c.message_id, c.sender_name) for c in page.items] == [(receipt.message_id, "ENT")]
