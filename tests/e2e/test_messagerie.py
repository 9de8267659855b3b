"""The Messagerie through the gateway, with the demo school and the real directory: seed
002 §I as a teacher, parents, a student and the CPE live it."""

from __future__ import annotations

import email
import email.message
import email.policy
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from ent_devstack.processes import free_port
from ent_devstack.stack import Ports, Stack
from ent_directory.domain.demo_school import CLASS_IDS, demo_users
from platform_api import Headers, send_all, sign_in, user_id

pytestmark = pytest.mark.e2e

USERS = demo_users()
TEACHER = "prof.francais"
CPE = next(u.login for u in USERS if u.function == "vie_scolaire")
STUDENTS_6A = [u for u in USERS if u.profile == "student" and u.classes == ["6A"]]
STUDENTS_5A = [u for u in USERS if u.profile == "student" and u.classes == ["5A"]]
PARENT_6A = next(u.login for u in USERS if u.children == (STUDENTS_6A[0].login,))
PARENT_5A = next(u for u in USERS if u.children == (STUDENTS_5A[0].login,))
PARENTS_6A = f"group:{CLASS_IDS['6A']}:parents"
LIMIT_PER_HOUR = 12  # low, so that the limit test reaches it quickly
NO_REPLY = "ne-pas-repondre@college-demo.example"
# The antivirus test file, in two halves so that no scanner quarantines this source file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class Inbox:
    """What the SMTP relay received (aiosmtpd's handler interface)."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def received(self, address: str, within_s: float = 20.0) -> email.message.Message:
        """The one e-mail sent to `address`, from the no-reply address, once it arrived."""
        deadline = time.monotonic() + within_s
        while not any(address in e.rcpt_tos for e in self.envelopes):
            assert time.monotonic() < deadline, f"no e-mail to {address} within {within_s} s"
            time.sleep(0.2)
        [mail] = [e for e in self.envelopes if address in e.rcpt_tos]
        assert mail.mail_from == NO_REPLY
        return email.message_from_bytes(mail.original_content or b"", policy=email.policy.default)


@pytest.fixture(scope="module")
def relay() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, relay: tuple[Inbox, int]) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("messagerie")
    platform = Stack(
        data_dir,
        Ports.free(),
        extra_env={
            "ENT_SEND_LIMIT_MESSAGES_PER_HOUR": str(LIMIT_PER_HOUR),
            "ENT_NOTIFICATION_SMTP_URL": f"smtp://127.0.0.1:{relay[1]}",
            "ENT_NOTIFICATION_SENDER": NO_REPLY,
            "ENT_NOTIFICATION_INTERVAL_S": "0.5",
        },
    )
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30.0) as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def send(api: httpx.Client, auth: Headers, **form: Any) -> httpx.Response:
    """A send, retried while mail has not yet learnt the demo school's names (start-up)."""
    body = {"reply_mode": "sender_only", "body": "<p>Bonjour</p>", **form}
    return api.post("/api/mail/messages", headers=auth, json=body)


def inbox(api: httpx.Client, auth: Headers) -> list[dict[str, Any]]:
    return list(ok(api.get("/api/mail/folders/inbox/messages", headers=auth))["items"])


def unread(api: httpx.Client, auth: Headers) -> int:
    return int(ok(api.get("/api/mail/unread-count", headers=auth))["unread"])


def test_a_class_conversation_from_the_teacher_to_the_cpe(api: httpx.Client) -> None:
    teacher, parent, cpe = (sign_in(api, login) for login in (TEACHER, PARENT_6A, CPE))
    sent = ok(
        send(
            api,
            teacher,
            to=[PARENTS_6A],
            subject="Sortie au musée : autorisation des élèves",
            body="<p>Merci de signer <b>l'autorisation</b> avant jeudi.</p>",
        ),
        201,
    )
    assert sent["recipients"] == len(STUDENTS_6A)  # one parent per student in the demo
    assert unread(api, parent) == 1
    [received] = inbox(api, parent)
    assert received["subject"] == "Sortie au musée : autorisation des élèves"
    assert received["reply_mode"] == "sender_only"

    # The parent opens it (read) and answers the teacher only.
    opened = ok(api.get(f"/api/mail/messages/{sent['message_id']}", headers=parent))
    assert [p["user_id"] for p in opened["to"]][:1] != []
    assert unread(api, parent) == 0
    refused_all = api.post(f"/api/mail/messages/{sent['message_id']}/reply-all", headers=parent)
    assert refused_all.status_code == 400, refused_all.text
    draft = ok(api.post(f"/api/mail/messages/{sent['message_id']}/reply", headers=parent), 201)
    answer = ok(api.post(f"/api/mail/drafts/{draft['draft_id']}/send", headers=parent), 201)
    assert answer["conversation_id"] == sent["conversation_id"]
    teacher_inbox = inbox(api, teacher)
    assert [m["subject"] for m in teacher_inbox] == [
        "RE : Sortie au musée : autorisation des élèves"
    ]

    # The teacher forwards the answer to the CPE, who finds it by an accented subject.
    forward = ok(
        api.post(f"/api/mail/messages/{answer['message_id']}/forward", headers=teacher), 201
    )
    draft_body = ok(api.get(f"/api/mail/drafts/{forward['draft_id']}", headers=teacher))
    note = upload(api, teacher, "Liste des autorisations.pdf", b"%PDF-1.7 liste")
    saved = ok(
        api.put(
            f"/api/mail/drafts/{forward['draft_id']}",
            headers=teacher,
            json={
                "to": [user_id(api, cpe)],
                "subject": draft_body["subject"],
                "body": draft_body["body_html"],
                "reply_mode": "sender_only",
                "attachment_ids": [note["attachment_id"]],
                "forwarded_from": answer["message_id"],
                "version": forward["version"],
            },
        )
    )
    forwarded = ok(api.post(f"/api/mail/drafts/{forward['draft_id']}/send", headers=teacher), 201)
    attachment = api.get(
        f"/api/mail/messages/{forwarded['message_id']}/attachments/{note['attachment_id']}",
        headers=cpe,
    )
    assert attachment.content == b"%PDF-1.7 liste"
    found = ok(api.get("/api/mail/search", headers=cpe, params={"q": "AUTORISATION des eleves"}))
    assert [m["subject"] for m in found["items"]] == [
        "TR : RE : Sortie au musée : autorisation des élèves"
    ]
    assert saved["version"] == forward["version"] + 1


def test_a_stale_autosave_is_a_409_and_keeps_the_newer_text(api: httpx.Client) -> None:
    teacher = sign_in(api, TEACHER)
    draft = ok(api.post("/api/mail/drafts", headers=teacher, json={"subject": "Conseil"}), 201)
    path = f"/api/mail/drafts/{draft['draft_id']}"
    newer = ok(api.put(path, headers=teacher, json={"body": "<p>B</p>", "version": 1}))
    stale = api.put(path, headers=teacher, json={"body": "<p>A</p>", "version": 1})
    assert stale.status_code == 409, stale.text
    assert stale.json()["code"] == "draft_stale"
    assert ok(api.get(path, headers=teacher))["body_html"] == "<p>B</p>"
    assert newer["version"] == 2


def test_trash_comes_back_on_a_new_message_and_deletes_for_good(api: httpx.Client) -> None:
    teacher, parent = sign_in(api, TEACHER), sign_in(api, PARENT_6A)
    parent_id = user_id(api, parent)
    first = ok(send(api, teacher, to=[parent_id], subject="Cantine"), 201)
    ok(
        api.post(
            "/api/mail/selection/trash", headers=parent, json={"message_ids": [first["message_id"]]}
        )
    )
    trash = ok(api.get("/api/mail/folders/trash/messages", headers=parent))["items"]
    assert [m["message_id"] for m in trash] == [first["message_id"]]

    ok(
        send(
            api, teacher, to=[parent_id], subject="Cantine (suite)", in_reply_to=first["message_id"]
        ),
        201,
    )
    back = {m["message_id"] for m in inbox(api, parent)}
    assert first["message_id"] in back  # seed §I-5

    ok(
        api.post(
            "/api/mail/selection/trash", headers=parent, json={"message_ids": [first["message_id"]]}
        )
    )
    gone = ok(
        api.post(
            "/api/mail/selection/delete",
            headers=parent,
            json={"message_ids": [first["message_id"]]},
        )
    )
    assert gone["done"] == [first["message_id"]]
    missing = api.get(f"/api/mail/messages/{first['message_id']}", headers=parent)
    assert missing.status_code == 404


def test_the_directory_decides_and_a_refused_send_delivers_nothing(api: httpx.Client) -> None:
    student = sign_in(api, STUDENTS_6A[1].login)
    other_parent = sign_in(api, PARENT_5A.login)
    before = unread(api, other_parent)
    refused = send(api, student, to=[PARENT_5A.user_id], subject="Bonjour")
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "recipients_refused"
    assert body["refused"] == [{"reason": "not_allowed", "user_id": PARENT_5A.user_id}]
    assert unread(api, other_parent) == before

    too_many = send(api, sign_in(api, TEACHER), to=[f"u-{i}" for i in range(201)], subject="x")
    assert too_many.status_code == 400, too_many.text
    assert too_many.json()["errors"][0]["field"] == "to"


def test_the_address_book_fills_itself(api: httpx.Client) -> None:
    teacher = sign_in(api, TEACHER)
    contacts = ok(api.get("/api/mail/contacts", headers=teacher))["items"]
    assert PARENTS_6A in [c["contact"] for c in contacts]
    group = next(c for c in contacts if c["contact"] == PARENTS_6A)
    assert group["name"] == "Parents — 6A"
    assert [
        c["contact"]
        for c in ok(api.get("/api/mail/contacts", headers=teacher, params={"q": "6a"}))["items"]
    ] == [PARENTS_6A]


def test_the_badge_streams_a_new_unread_count_through_the_gateway(
    api: httpx.Client, stack: Stack
) -> None:
    parent, teacher = sign_in(api, PARENT_6A), sign_in(api, TEACHER)
    counts: list[int] = []

    def listen() -> None:
        with (
            httpx.Client(base_url=stack.gateway_url, timeout=30.0) as client,
            client.stream("GET", "/api/mail/unread/stream", headers=parent) as stream,
        ):
            event = ""
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "unread":
                    counts.append(int(line.split(":", 1)[1]))
                    if len(counts) == 2:
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    deadline = time.monotonic() + 10
    while not counts and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counts, "no first count"
    ok(send(api, teacher, to=[PARENTS_6A], subject="Rappel"), 201)
    listener.join(10)
    assert counts[1] == counts[0] + 1


def test_the_send_limit_answers_429_and_delivers_nothing(api: httpx.Client) -> None:
    teacher = sign_in(api, "prof.mathematiques")
    target = user_id(api, sign_in(api, CPE))
    statuses = [
        send(api, teacher, to=[target], subject=f"n°{i}").status_code for i in range(LIMIT_PER_HOUR)
    ]
    assert set(statuses) == {201}
    limited = send(api, teacher, to=[target], subject="un de trop")
    assert limited.status_code == 429, limited.text
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["code"] == "send_limit_reached"


def upload(api: httpx.Client, auth: Headers, name: str, content: bytes) -> dict[str, Any]:
    response = api.post(
        "/api/mail/attachments",
        headers=auth,
        files={"file": (name, content, "application/pdf")},
    )
    return dict(ok(response, 201))


def test_attachments_travel_by_reference_and_an_infected_one_is_removed(
    api: httpx.Client,
) -> None:
    teacher, parent, cpe = (sign_in(api, login) for login in (TEACHER, PARENT_6A, CPE))
    parent_id = user_id(api, parent)
    clean = upload(api, teacher, "Autorisation.pdf", b"%PDF-1.7 autorisation de sortie")
    infected = upload(api, teacher, "virus.pdf", b"%PDF " + EICAR)
    sent = ok(
        send(
            api,
            teacher,
            to=[parent_id],
            subject="Pièces jointes",
            attachment_ids=[clean["attachment_id"], infected["attachment_id"]],
        ),
        201,
    )
    message = ok(api.get(f"/api/mail/messages/{sent['message_id']}", headers=parent))
    shown = {a["attachment_id"]: a for a in message["attachments"]}
    assert shown[clean["attachment_id"]]["removed"] is False
    assert shown[infected["attachment_id"]] | {"size": 0} == {
        "attachment_id": infected["attachment_id"],
        "name": "Pièce jointe supprimée",
        "media_type": shown[infected["attachment_id"]]["media_type"],
        "size": 0,
        "removed": True,
    }
    base = f"/api/mail/messages/{sent['message_id']}/attachments"
    download = api.get(f"{base}/{clean['attachment_id']}", headers=parent)
    assert download.status_code == 200
    assert download.content == b"%PDF-1.7 autorisation de sortie"
    assert download.headers["x-content-type-options"] == "nosniff"
    removed = api.get(f"{base}/{infected['attachment_id']}", headers=parent)
    assert removed.status_code == 404
    assert removed.json()["code"] == "attachment_removed"
    stranger = api.get(f"{base}/{clean['attachment_id']}", headers=cpe)
    assert stranger.status_code == 404

    # Forwarded to the CPE: the attachment goes along (the same content, not a copy).
    forward = ok(api.post(f"/api/mail/messages/{sent['message_id']}/forward", headers=parent), 201)
    draft = ok(api.get(f"/api/mail/drafts/{forward['draft_id']}", headers=parent))
    assert clean["attachment_id"] in [a["attachment_id"] for a in draft["attachments"]]


def test_a_notification_e_mail_reaches_the_relay_from_the_no_reply_address(
    api: httpx.Client, relay: tuple[Inbox, int]
) -> None:
    inbox, _port = relay
    teacher, parent = sign_in(api, TEACHER), sign_in(api, PARENT_6A)
    address = "parent.eleve@exemple.fr"
    bad = api.put("/api/mail/settings/notifications", headers=parent, json={"address": "x@"})
    assert bad.status_code == 400
    ok(api.put("/api/mail/settings/notifications", headers=parent, json={"address": address}))
    ok(send(api, teacher, to=[user_id(api, parent)], subject="Conseil de classe"), 201)

    parsed = inbox.received(address)
    assert parsed["Subject"] == "Nouveau message : Conseil de classe"
    assert isinstance(parsed, email.message.EmailMessage)
    body = parsed.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Conseil de classe" in text
    assert "<p>Bonjour</p>" not in text  # the message body never leaves the ENT


def test_a_transfer_link_shared_by_e_mail_reaches_the_relay(
    stack: Stack, api: httpx.Client, relay: tuple[Inbox, int], tmp_path: Path
) -> None:
    """Issue 11's « to e-mail addresses via the SMTP notifier »: the transfer asks mail with
    its own service token; a bad address refuses the whole share before anything is sent."""
    inbox, _port = relay
    teacher, student = sign_in(api, TEACHER), sign_in(api, STUDENTS_5A[0].login)
    family = "famille.durand@exemple.fr"
    document = tmp_path / "programme.txt"
    document.write_bytes("Programme de la sortie au musée.\n".encode())
    view = send_all(stack, api, teacher, {"programme.txt": document})
    share = f"/api/transfer/transfers/{view['transfer_id']}/share"
    to = [user_id(api, student)]

    bad = api.post(share, json={"to": to, "emails": [family, "pas-une-adresse"]}, headers=teacher)

    assert bad.status_code == 400, bad.text
    assert bad.json()["errors"][0]["field"] == "emails[1]"
    assert "Transfert de fichiers" not in api.get("/api/mail/latest", headers=student).text

    note = "Voici le programme de la sortie."
    body = {"to": to, "emails": [family], "note": note}
    shared = ok(api.post(share, json=body, headers=teacher), 201)

    assert shared["emails_queued"] == 1
    assert shared["message"]["message_id"]
    assert "Transfert de fichiers" in api.get("/api/mail/latest", headers=student).text
    parsed = inbox.received(family)
    assert isinstance(parsed, email.message.EmailMessage)
    assert str(parsed["Subject"]).endswith("vous envoie 1 fichier(s)")
    plain = parsed.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert view["share_url"] in text
    assert note in text
    assert anonymous_download(stack, view["share_url"]) == document.read_bytes()


def anonymous_download(stack: Stack, share_url: str) -> bytes:
    """What the e-mail's reader gets from the link, without an account."""
    token = share_url.rsplit("/", 1)[-1]
    with httpx.Client(base_url=stack.gateway_url, timeout=30.0) as anonymous:
        files = anonymous.get(f"/api/transfer/links/{token}").json()["files"]
        answer = anonymous.get(f"/api/transfer/links/{token}/files/{files[0]['file_id']}")
    assert answer.status_code == 200, answer.text
    return answer.content
