"""The foundation's proof flow, through the gateway, with every service as its own process
against the real Tansu broker: deposit → event store → outbox → Kafka → mail's projection."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from ent_devstack.stack import Stack
from ent_directory.domain.demo_school import CLASS_IDS, demo_users
from platform_api import sign_in, user_id

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n% devoir de mathematiques\n" + os.urandom(256 * 1024) + b"\n%%EOF\n"


def eventually(probe: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Cross-service views are eventually consistent: poll, but never forever."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def deposit(
    api: httpx.Client, auth: dict[str, str], recipients: list[str], **headers: str
) -> httpx.Response:
    def attempt() -> httpx.Response | None:
        response = api.post(
            "/api/locker/deposits",
            headers={**auth, **headers},
            data={"recipients": recipients},
            files={"file": ("Devoir de maths.pdf", PDF, "application/pdf")},
        )
        # The directory knows the demo school as soon as the platform is ready.
        return response

    response = eventually(attempt)
    assert response is not None, "the locker never learnt about the recipients"
    return response


def spans(stack: Stack) -> list[dict[str, Any]]:
    assert stack.traces_file is not None
    lines = stack.traces_file.read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def spans_of_trace(stack: Stack, trace_id: str) -> list[dict[str, Any]]:
    return [s for s in spans(stack) if s["context"]["trace_id"] == f"0x{trace_id}"]


def service_of(span: dict[str, Any]) -> str:
    return str(span["resource"]["attributes"]["service.name"])


def test_student_deposit_reaches_teacher_with_one_trace(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    teacher_id = user_id(api, teacher)
    trace_id = secrets.token_hex(16)
    before = datetime.now(UTC)

    response = deposit(
        api, student, [teacher_id], traceparent=f"00-{trace_id}-{secrets.token_hex(8)}-01"
    )

    after = datetime.now(UTC)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert receipt["size"] == len(PDF)
    assert receipt["recipient_ids"] == [teacher_id]
    assert before <= datetime.fromisoformat(receipt["deposited_at"]) <= after

    def named_entry() -> dict[str, Any] | None:
        inbox = api.get("/api/locker/received", headers=teacher).json()["items"]
        entry = next(e for e in inbox if e["document_id"] == receipt["document_id"])
        # Names come from the directory's events, which the locker consumes asynchronously.
        return entry if entry["sender_name"] else None

    entry = eventually(named_entry)
    assert entry is not None
    assert entry["file_name"] == "Devoir de maths.pdf"
    assert entry["sender_name"] == "Lucas Martin"
    assert entry["deposited_at"] == receipt["deposited_at"]

    download = api.get(f"/api/locker/documents/{entry['document_id']}/content", headers=teacher)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-sha256"] == receipt["sha256"]
    assert "Devoir%20de%20maths.pdf" in download.headers["content-disposition"]

    def notified() -> list[dict[str, Any]]:
        items = api.get("/api/mail/notifications", headers=teacher).json()["items"]
        return [n for n in items if n["document_id"] == receipt["document_id"]]

    notes = eventually(notified)
    assert notes, "mail never projected the deposit"
    assert "Devoir de maths.pdf" in notes[0]["text"]
    assert "Lucas Martin" in notes[0]["text"]

    def whole_trace() -> set[str]:
        names = {(service_of(s), s["name"]) for s in spans_of_trace(stack, trace_id)}
        wanted = ("ent-mail", "notifications locker.DocumentDeposited")
        return {f"{svc}|{name}" for svc, name in names} if wanted in names else set()

    # The locker's JSON log lines for this request carry its trace id.
    locker_lines = [
        json.loads(x)
        for x in stack.log_file("locker").read_text().splitlines()
        if x.startswith("{")
    ]
    assert any(line.get("trace_id") == trace_id for line in locker_lines)

    trace = eventually(whole_trace, timeout=10.0)
    services = {entry.split("|")[0] for entry in trace}
    assert {"ent-gateway", "ent-locker", "ent-mail"} <= services, trace
    assert "ent-locker|POST /locker/deposits" in trace, trace
    # Only the deposit belongs to this trace (later requests on the same connection do not):
    # the gateway's server span and its client span for the call to the locker.
    requests = {e.split("|")[1] for e in trace if e.startswith("ent-gateway|")}
    assert requests == {"POST /api/locker/deposits", "POST"}, requests
    # The locker's call to the directory is a client span too, in the same trace.
    assert "ent-locker|POST" in trace, trace
    assert "ent-directory|POST /directory/reachability" in trace, trace


def test_deposit_is_private_to_sender_and_recipients(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    other_student = sign_in(api, "emma.richard")
    receipt = deposit(api, student, [user_id(api, teacher)]).json()
    content = f"/api/locker/documents/{receipt['document_id']}/content"

    refused = api.get(content, headers=other_student)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    received = api.get("/api/locker/received", headers=other_student).json()["items"]
    assert receipt["document_id"] not in {e["document_id"] for e in received}
    assert api.get(content, headers=student).status_code == 200  # the sender keeps access
    history = api.get("/api/locker/history", headers=student).json()["items"]
    assert receipt["document_id"] in {e["document_id"] for e in history}
    assert api.get(content).status_code == 401


def test_bad_deposits_get_problem_json_naming_the_field(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    teacher_id = user_id(api, teacher)
    cases = [
        ({}, ("a.pdf", b"x", "application/pdf"), 400, "recipients"),
        ({"recipients": [teacher_id]}, ("../a.pdf", b"x", "application/pdf"), 400, "file"),
        ({"recipients": [teacher_id]}, ("vide.pdf", b"", "application/pdf"), 400, "file"),
    ]
    for data, file, status, field in cases:
        response = api.post(
            "/api/locker/deposits", headers=student, data=data, files={"file": file}
        )
        assert response.status_code == status, response.text
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["code"] == "validation_failed"
        assert [e["field"] for e in problem["errors"]] == [field]

    # The directory decides: refused recipients are named, the others still receive it.
    partly = api.post(
        "/api/locker/deposits",
        headers=student,
        data={"recipients": [teacher_id, "no-such-user"]},
        files={"file": ("a.pdf", b"x", "application/pdf")},
    )
    assert partly.status_code == 201, partly.text
    assert partly.json()["recipient_ids"] == [teacher_id]
    assert partly.json()["refused"] == [{"user_id": "no-such-user", "reason": "not_allowed"}]
    nobody = api.post(
        "/api/locker/deposits",
        headers=student,
        data={"recipients": ["no-such-user"]},
        files={"file": ("a.pdf", b"x", "application/pdf")},
    )
    assert nobody.status_code == 422
    assert nobody.json()["code"] == "no_allowed_recipients"
    assert nobody.json()["refused"] == [{"user_id": "no-such-user", "reason": "not_allowed"}]

    for listing in ("/api/locker/received", "/api/mail/notifications"):
        bad_cursor = api.get(listing, headers=student, params={"cursor": "not-a-cursor"})
        assert bad_cursor.status_code == 400, listing
        assert [e["field"] for e in bad_cursor.json()["errors"]] == ["cursor"]
        too_many = api.get(listing, headers=student, params={"limit": 1000})
        assert too_many.status_code == 400, listing
        assert [e["field"] for e in too_many.json()["errors"]] == ["limit"]


def test_gateway_serves_one_openapi_document(stack: Stack, api: httpx.Client) -> None:
    document = api.get("/api/openapi.json").json()
    paths = document["paths"]
    assert "/api/auth/dev-login" in paths
    assert "/api/locker/deposits" in paths
    assert "/api/mail/notifications" in paths
    assert "/api/directory/me" in paths
    assert not [p for p in paths if "internal" in p or p.startswith("/health")]
    assert api.get("/api/directory/internal/accounts/lucas.martin").status_code in (401, 404)


def test_restart_keeps_the_data(stack: Stack, api: httpx.Client, tmp_path: Path) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    receipt = deposit(api, student, [user_id(api, teacher)]).json()

    stack.stop()
    stack.start()

    content = api.get(f"/api/locker/documents/{receipt['document_id']}/content", headers=teacher)
    assert content.status_code == 200  # the token survives too: the secret is in the data dir
    assert hashlib.sha256(content.content).hexdigest() == receipt["sha256"]


def test_sigterm_drains_in_flight_requests_and_flushes_the_outbox(
    stack: Stack, api: httpx.Client
) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    teacher_id = user_id(api, teacher)
    deposit(api, student, [teacher_id])  # the locker knows the teacher by now
    locker = stack.processes["locker"]
    chunk = os.urandom(256 * 1024)

    def slow_body() -> Iterator[bytes]:
        boundary = b"--slowbound\r\n"
        yield boundary + b'Content-Disposition: form-data; name="recipients"\r\n\r\n'
        yield teacher_id.encode() + b"\r\n" + boundary
        yield (
            b'Content-Disposition: form-data; name="file"; filename="lent.bin"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        for i in range(20):
            if i == 5:
                locker.send_signal(signal.SIGTERM)  # mid-upload
            time.sleep(0.05)
            yield chunk
        yield b"\r\n--slowbound--\r\n"

    response = httpx.post(
        f"{stack.service_url('locker')}/locker/deposits",
        headers={**student, "content-type": "multipart/form-data; boundary=slowbound"},
        content=slow_body(),
        timeout=30.0,
    )

    assert response.status_code == 201, response.text  # finished despite the SIGTERM
    assert response.json()["size"] == 20 * len(chunk)
    # uvicorn re-raises the signal once its graceful shutdown is done: "killed by SIGTERM".
    assert locker.wait(timeout=30) == -signal.SIGTERM
    assert "Application shutdown complete" in stack.log_file("locker").read_text()
    store = sqlite3.connect(stack.data_dir / "locker" / "store.db")
    (last,) = store.execute("SELECT MAX(position) FROM events").fetchone()
    (checkpoint,) = store.execute(
        "SELECT json_extract(body, '$.position') FROM documents"
        " WHERE collection = '_checkpoints' AND id = 'outbox'"
    ).fetchone()
    store.close()
    assert checkpoint == last  # every appended event was published before exit
    stack.stop()
    stack.start()  # leave the platform whole for any test after this one


def test_teacher_deposits_to_a_whole_class_and_the_directory_decides(
    stack: Stack, api: httpx.Client
) -> None:
    teacher, student = sign_in(api, "prof.francais"), sign_in(api, "lucas.martin")
    class_6a = f"group:{CLASS_IDS['6A']}:students"
    response = api.post(
        "/api/locker/deposits",
        headers=teacher,
        data={"recipients": [class_6a]},
        files={"file": ("Consignes.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    students_6a = {u.user_id for u in demo_users() if u.profile == "student" and "6A" in u.classes}
    assert set(receipt["recipient_ids"]) == students_6a
    assert receipt["refused"] == []
    received = api.get("/api/locker/received", headers=student).json()["items"]
    assert receipt["document_id"] in {e["document_id"] for e in received}

    # A student may not address another class as a whole: refused unexpanded, nothing stored.
    refused = api.post(
        "/api/locker/deposits",
        headers=student,
        data={"recipients": [f"group:{CLASS_IDS['3A']}:students"]},
        files={"file": ("spam.pdf", b"x", "application/pdf")},
    )
    assert refused.status_code == 422
    assert refused.json()["refused"] == [
        {"group_id": CLASS_IDS["3A"], "role": "students", "reason": "not_allowed"}
    ]
