"""The Messagerie through the gateway, with the demo school and the real directory: seed
002 §I as a teacher, parents, a student and the CPE live it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from ent_devstack.stack import Ports, Stack
from ent_directory.domain.demo_school import CLASS_IDS, demo_users
from platform_api import Headers, sign_in, user_id

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


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("messagerie")
    platform = Stack(
        data_dir,
        Ports.free(),
        extra_env={"ENT_SEND_LIMIT_MESSAGES_PER_HOUR": str(LIMIT_PER_HOUR)},
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
    saved = ok(
        api.put(
            f"/api/mail/drafts/{forward['draft_id']}",
            headers=teacher,
            json={
                "to": [user_id(api, cpe)],
                "subject": draft_body["subject"],
                "body": draft_body["body_html"],
                "reply_mode": "sender_only",
                "forwarded_from": answer["message_id"],
                "version": forward["version"],
            },
        )
    )
    ok(api.post(f"/api/mail/drafts/{forward['draft_id']}/send", headers=teacher), 201)
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
