"""Sharing a transfer's link (issue 11): the Messagerie and mail's e-mail queue faked at
their ports, to pin what the e2e test cannot provoke cheaply: mail's daily allowance,
mail down, and that no message leaves before the addresses are accepted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from ent_contracts.mail_api import ExternalEmailReceipt, ExternalEmailRequest
from ent_kit.auth import Identity
from ent_kit.errors import Refused, TooMany
from ent_kit.peers import PeerRejected, PeerUnavailable
from ent_transfer.application.ports import MailAnswer
from ent_transfer.application.sharing import ShareRequest, Sharing, email_text
from ent_transfer.application.transfers import Transfers
from ent_transfer.application.views import FileView, TransferView

TEACHER = Identity(user_id="t-1", profile="teacher", display_name="Claire  Lefèvre")
URL = "https://ent.example/api/transfer/links/abc"
VIEW = TransferView(
    transfer_id="tr-1",
    state="ready",
    files=[
        FileView(file_id="f", path="a.pdf", size=3, media_type="application/pdf", uploaded=True)
    ],
    total_bytes=3,
    message="",
    password_protected=True,
    download_limit=None,
    downloads=0,
    created_at=datetime(2025, 3, 10, tzinfo=UTC),
    expires_at=datetime(2025, 3, 17, 8, 30, tzinfo=UTC),
    share_url=URL,
)


class FakeTransfers:
    async def get(self, me: Identity, transfer_id: str) -> TransferView:
        return VIEW


class FakeMail:
    def __init__(self) -> None:
        self.sent: list[list[str]] = []

    async def send(self, authorization: str, to: list[str], subject: str, body: str) -> MailAnswer:
        self.sent.append(to)
        return MailAnswer(201, {"message_id": "m-1"})


class FakeQueue:
    """Mail's e-mail queue: answers `refusal` (or is down) on every call (with `checks_pass`,
    on the real one only: the allowance used up meanwhile), else queues."""

    def __init__(self, refusal: Exception | None = None, *, checks_pass: bool = False) -> None:
        self.refusal = refusal
        self.checks_pass = checks_pass
        self.asked: list[ExternalEmailRequest] = []

    async def queue(self, request: ExternalEmailRequest) -> ExternalEmailReceipt:
        self.asked.append(request)
        if self.refusal is not None and not (self.checks_pass and request.check_only):
            raise self.refusal
        email_id = None if request.check_only else "e-1"
        return ExternalEmailReceipt(email_id=email_id, queued=len(request.to))


def sharing(mail: FakeMail, queue: FakeQueue) -> Sharing:
    return Sharing(cast(Transfers, FakeTransfers()), mail, queue)


async def share(mail: FakeMail, queue: FakeQueue, **request: Any) -> Any:
    return await sharing(mail, queue).share(TEACHER, "Bearer x", "tr-1", ShareRequest(**request))


async def test_addresses_are_checked_before_the_message_then_queued() -> None:
    mail, queue = FakeMail(), FakeQueue()

    shared = await share(mail, queue, to=["s-1"], emails=["a@x.example"], note="Bonne lecture")

    assert [r.check_only for r in queue.asked] == [True, False]
    assert mail.sent == [["s-1"]]
    assert shared.emails_queued == 1
    assert shared.message == {"message_id": "m-1"}
    assert queue.asked[1].on_behalf_of == TEACHER.user_id
    assert queue.asked[1].subject == "Claire Lefèvre vous envoie 1 fichier(s)"


async def test_e_mails_alone_need_no_message_nor_check() -> None:
    mail, queue = FakeMail(), FakeQueue()

    shared = await share(mail, queue, emails=["a@x.example"])

    assert [r.check_only for r in queue.asked] == [False]
    assert (mail.sent, shared.message, shared.emails_queued) == ([], None, 1)


async def test_the_allowance_reached_is_a_429_and_no_message_leaves() -> None:
    limit = {"code": "external_email_limit", "retry_after_s": 600, "errors": [{"field": "to"}]}
    mail, queue = FakeMail(), FakeQueue(PeerRejected(429, limit))

    with pytest.raises(TooMany) as over:
        await share(mail, queue, to=["s-1"], emails=["a@x.example"])

    assert (over.value.field, over.value.retry_after_s) == ("emails", 600)
    assert mail.sent == []


async def test_mail_names_the_address_at_fault_as_the_share_s_field() -> None:
    problem = {"errors": [{"field": "to[1]", "reason": "invalid_address", "message": "invalide"}]}
    mail, queue = FakeMail(), FakeQueue(PeerRejected(400, problem))

    with pytest.raises(Refused) as refused:
        await share(mail, queue, to=["s-1"], emails=["a@x.example", "b@"])

    assert (refused.value.field, refused.value.reason) == ("emails[1]", "invalid_address")
    assert mail.sent == []


async def test_mail_down_sends_nothing() -> None:
    mail, queue = FakeMail(), FakeQueue(PeerUnavailable("mail: connection refused"))

    with pytest.raises(PeerUnavailable):
        await share(mail, queue, to=["s-1"], emails=["a@x.example"])

    assert mail.sent == []


async def test_nobody_at_all_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        await share(FakeMail(), FakeQueue())

    assert refused.value.field == "to"


def test_the_e_mail_text_tells_a_stranger_what_they_need() -> None:
    text = email_text(VIEW, URL, "  Les documents du cours  ", "Claire Lefèvre")

    assert text.startswith("Bonjour,\n\nClaire Lefèvre vous envoie 1 fichier(s)")
    assert "Son message :\nLes documents du cours" in text
    assert f"Les télécharger : {URL}" in text
    assert "17/03/2025 08:30 UTC" in text
    assert "Claire Lefèvre vous le communiquera séparément" in text  # never the password
    assert "merci de ne pas y répondre" in text


@pytest.mark.parametrize(
    "failure",
    [
        PeerRejected(429, {"code": "external_email_limit", "retry_after_s": 60}),
        PeerUnavailable("mail: connection refused"),
    ],
)
async def test_e_mails_failing_after_the_message_went_do_not_refuse_the_share(
    failure: Exception,
) -> None:
    mail, queue = FakeMail(), FakeQueue(failure, checks_pass=True)

    shared = await share(mail, queue, to=["s-1"], emails=["a@x.example"])

    assert mail.sent == [["s-1"]]  # sent once: a retry of a refused share would send twice
    assert shared.emails_queued == 0
    assert shared.emails_problem is not None
    assert shared.emails_problem["code"] in {"external_email_limit", "mail_unavailable"}


async def test_a_refusal_of_the_transfer_s_own_fields_is_not_the_user_s() -> None:
    problem = {"errors": [{"field": "subject", "reason": "too_long", "message": "trop long"}]}
    mail, queue = FakeMail(), FakeQueue(PeerRejected(400, problem))

    with pytest.raises(PeerUnavailable):
        await share(mail, queue, emails=["a@x.example"])


async def test_a_long_name_is_cut_to_fit_mail_s_subject() -> None:
    queue = FakeQueue()
    long_name = Identity(user_id="t-2", profile="teacher", display_name="Marie-" + "x" * 200)

    await sharing(FakeMail(), queue).share(
        long_name, "Bearer x", "tr-1", ShareRequest(emails=["a@x.example"])
    )

    assert len(queue.asked[0].subject) <= 200
