"""The authorization matrix: every route of the gateway's OpenAPI, for every caller.

`MATRIX` below is the one table of expected answers, a row per route and a cell per caller
(see `school_world.PROFILES`). The document is read from the running gateway at test time:
a route it lists that the table lacks fails, and so does a row for a route it does not
list, so a new route cannot be forgotten. Ids in paths and bodies are real and chosen to
mean something: the things asked for belong to a classmate of the student caller (her
message, draft, folders, document, deposit, favourite), the card asked for is of a 3A
student (another class, nobody's child among the callers), the account to freeze is a 6A
student. Every answer of every cell is also searched for the marker those things are named
with: no caller may read any of them. Her school life is followed by her teachers and the
school's staff: what it holds is named with markers of its own, which only those who may
read it may be answered (`school_world.READERS`). Writes refused are checked harmless at
the end (the classmate's things are all still there, unchanged).

Prints `MATRIX cells=<n> routes=<r> profiles=<p>`."""

from __future__ import annotations

import dataclasses
import json
import uuid

import httpx
import pytest
import school_world
from ent_devstack.stack import Stack
from matrix_calls import Call, Expect, judge, send
from school_world import FAMILY, FOLLOWED, MARKER, PROFILES, READERS, WRITERS, World

pytestmark = pytest.mark.e2e

OK, ACCEPTED, HIDDEN = Expect.OK, Expect.ACCEPTED, Expect.HIDDEN
FORBIDDEN, NOTHING_DONE = Expect.FORBIDDEN, Expect.NOTHING_DONE
REFUSED, GONE = Expect.REFUSED, Expect.GONE
SIGNED_IN = tuple(
    p for p in PROFILES if p not in {"frozen", "deactivated", "no_token", "expired_token"}
)
TURNED_AWAY = tuple(p for p in PROFILES if p not in SIGNED_IN)  # 401 on every private route

Row = dict[str, Expect]


def public(expect: Expect = OK) -> Row:
    """No token needed: every caller gets the same answer."""
    return dict.fromkeys(PROFILES, expect)


def private(signed_in: Expect, **by_profile: Expect) -> Row:
    """A token needed: the frozen, the departed, no token and an expired one get 401; the
    signed-in get `signed_in` unless named."""
    unknown = set(by_profile) - set(SIGNED_IN)
    assert not unknown, unknown
    return {
        **dict.fromkeys(TURNED_AWAY, Expect.UNAUTHENTICATED),
        **dict.fromkeys(SIGNED_IN, signed_in),
        **by_profile,
    }


def direction_only(other_school: Expect = HIDDEN) -> Row:
    return private(FORBIDDEN, direction=OK, other_school=other_school)


STAFF_AND_TEACHERS = {"teacher": OK, "substitute": OK, "vie_scolaire": OK, "direction": OK}
# Who writes in 6A's notebook (its teachers, a substitute during the period, the direction);
# who creates and grades evaluations in Français in 6A (prof.francais, the direction).
NOTEBOOK_WRITERS = {"teacher": OK, "substitute": OK, "direction": OK, "other_school": HIDDEN}
GRADERS = {"teacher": OK, "direction": OK, "other_school": HIDDEN}

OCCURRENCE = "/api/schoollife/timetable/lessons/{lesson_id}/occurrences/{day}"

# fmt: off
MATRIX: dict[str, Row] = {
    # --- gateway -----------------------------------------------------------------------
    "POST /api/auth/dev-login": public(),
    "POST /api/auth/login": public(),
    "GET /api/auth/me": private(OK),
    "POST /api/auth/pairing": private(OK),
    "POST /api/auth/pairing/redeem": public(ACCEPTED),  # an unknown code: 400
    "POST /api/auth/device-token": public(Expect.UNAUTHENTICATED),  # a wrong secret
    "GET /api/home": private(OK),
    "GET /api/docs": public(),
    "GET /api/openapi.json": public(),
    # --- directory ---------------------------------------------------------------------
    "GET /api/directory/assistant": private(OK),
    "GET /api/directory/me": private(OK),
    "GET /api/directory/search": private(OK),
    "GET /api/directory/assistant/members": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/directory/users/{user_id}": private(HIDDEN, **STAFF_AND_TEACHERS),
    "POST /api/directory/reachability": private(FORBIDDEN),
    "POST /api/directory/users/{user_id}/freeze": direction_only(),
    "POST /api/directory/users/{user_id}/unfreeze": direction_only(),
    "GET /api/directory/schools/{school_id}/rules": direction_only(),
    "POST /api/directory/schools/{school_id}/rules": direction_only(),
    "DELETE /api/directory/schools/{school_id}/rules/{rule_id}": direction_only(),
    "POST /api/directory/schools/{school_id}/import": private(
        FORBIDDEN, direction=ACCEPTED, other_school=HIDDEN
    ),
    "POST /api/directory/me/password": private(ACCEPTED),  # the current one is wrong: 400
    "POST /api/directory/users/{user_id}/password-reset": direction_only(),
    "POST /api/directory/password-reset": public(ACCEPTED),  # an unknown code: 400
    "GET /api/directory/favourites": private(OK),
    "POST /api/directory/favourites": private(ACCEPTED),
    "PUT /api/directory/favourites/{favourite_id}": private(HIDDEN),
    "DELETE /api/directory/favourites/{favourite_id}": private(HIDDEN),
    "POST /api/directory/pairing-codes": private(OK),
    "GET /api/directory/devices": private(OK),
    "DELETE /api/directory/devices/{device_id}": private(HIDDEN),  # the classmate's phone
    # --- locker: Casier -----------------------------------------------------------------
    "POST /api/locker/deposits": private(ACCEPTED, other_school=REFUSED),
    "GET /api/locker/history": private(OK),
    "GET /api/locker/received": private(OK),
    "GET /api/locker/trash": private(OK),
    "GET /api/locker/documents/{document_id}/content": private(HIDDEN),
    "POST /api/locker/documents/download": private(NOTHING_DONE),
    "POST /api/locker/documents/trash": private(NOTHING_DONE),
    "POST /api/locker/documents/restore": private(NOTHING_DONE),
    "POST /api/locker/documents/delete": private(NOTHING_DONE),
    "POST /api/locker/receipts/verify": private(OK),
    "GET /api/locker/usage": private(OK),
    # --- locker: Mes documents ------------------------------------------------------------
    "GET /api/locker/workspace/items": private(OK),
    "POST /api/locker/workspace/items": private(OK),
    "GET /api/locker/workspace/folders/tree": private(OK),
    "POST /api/locker/workspace/folders": private(OK),
    "GET /api/locker/workspace/folders/{folder_id}/items": private(HIDDEN),
    "PATCH /api/locker/workspace/folders/{folder_id}": private(HIDDEN),
    "POST /api/locker/workspace/folders/{folder_id}/move": private(HIDDEN),
    "DELETE /api/locker/workspace/folders/{folder_id}": private(HIDDEN),
    "GET /api/locker/workspace/items/{item_id}/content": private(HIDDEN),
    "DELETE /api/locker/workspace/items/{item_id}": private(HIDDEN),
    "POST /api/locker/workspace/copy-from-locker": private(NOTHING_DONE),
    "GET /api/locker/workspace/trash": private(OK),
    "POST /api/locker/workspace/folders/{folder_id}/restore": private(HIDDEN),
    "POST /api/locker/workspace/items/{item_id}/restore": private(HIDDEN),
    "POST /api/locker/workspace/trash/delete": private(NOTHING_DONE),
    # --- mail -----------------------------------------------------------------------------
    "GET /api/mail/notifications": private(OK),
    "GET /api/mail/home": private(OK),
    "GET /api/mail/latest": private(OK),
    "GET /api/mail/search": private(OK),
    "GET /api/mail/unread-count": private(OK),
    "GET /api/mail/unread/stream": private(OK),
    "GET /api/mail/conversations/{conversation_id}": private(HIDDEN),
    "GET /api/mail/messages/{message_id}": private(HIDDEN),
    "POST /api/mail/messages/{message_id}/forward": private(HIDDEN),
    "POST /api/mail/messages/{message_id}/reply": private(HIDDEN),
    "POST /api/mail/messages/{message_id}/reply-all": private(HIDDEN),
    "GET /api/mail/messages/{message_id}/attachments/{attachment_id}": private(HIDDEN),
    "POST /api/mail/messages": private(ACCEPTED, other_school=REFUSED),
    "GET /api/mail/drafts": private(OK),
    "POST /api/mail/drafts": private(OK),
    "GET /api/mail/drafts/{draft_id}": private(HIDDEN),
    "PUT /api/mail/drafts/{draft_id}": private(HIDDEN),
    "DELETE /api/mail/drafts/{draft_id}": private(HIDDEN),
    "POST /api/mail/drafts/{draft_id}/send": private(HIDDEN),
    "GET /api/mail/folders": private(OK),
    "POST /api/mail/folders": private(OK),
    "GET /api/mail/folders/{folder_id}/messages": private(HIDDEN),
    "PATCH /api/mail/folders/{folder_id}": private(HIDDEN),
    "DELETE /api/mail/folders/{folder_id}": private(HIDDEN),
    "POST /api/mail/folders/{folder_id}/place": private(HIDDEN),
    "POST /api/mail/folders/{folder_id}/trash-all": private(NOTHING_DONE),
    "POST /api/mail/selection/read": private(NOTHING_DONE),
    "POST /api/mail/selection/unread": private(NOTHING_DONE),
    "POST /api/mail/selection/categorize": private(NOTHING_DONE),
    "POST /api/mail/selection/move": private(NOTHING_DONE),
    "POST /api/mail/selection/trash": private(NOTHING_DONE),
    "POST /api/mail/selection/restore": private(NOTHING_DONE),
    "POST /api/mail/selection/delete": private(NOTHING_DONE),
    "GET /api/mail/contacts": private(OK),
    "POST /api/mail/contacts/remove": private(OK),
    "POST /api/mail/contacts/write": private(ACCEPTED),
    "POST /api/mail/attachments": private(OK),
    "POST /api/mail/attachments/from-workspace": private(HIDDEN),
    "GET /api/mail/settings/notifications": private(OK),
    "PUT /api/mail/settings/notifications": private(OK),
    # --- schoollife ----------------------------------------------------------------------
    "GET /api/schoollife/me": private(OK),
    # The home page's blocks in one call: refused as its four blocks are (each row below).
    "GET /api/schoollife/home": private(HIDDEN, **STAFF_AND_TEACHERS),
    # A parent's children with their blocks; none for the others.
    "GET /api/schoollife/home/children": private(OK),
    # --- schoollife: timetable ------------------------------------------------------------
    "GET /api/schoollife/timetable/week": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/timetable/day": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/timetable/teachers/week": private(
        HIDDEN, vie_scolaire=OK, direction=OK
    ),
    "GET /api/schoollife/timetable/groups/{group_id}/week": private(OK, other_school=HIDDEN),
    "GET /api/schoollife/timetable/lessons/{lesson_id}": private(OK, other_school=HIDDEN),
    "POST /api/schoollife/timetable/lessons": direction_only(),
    f"POST {OCCURRENCE}/cancel": direction_only(),
    f"POST {OCCURRENCE}/move": direction_only(),
    f"POST {OCCURRENCE}/room": direction_only(),
    f"POST {OCCURRENCE}/teacher": direction_only(),
    f"DELETE {OCCURRENCE}/changes": direction_only(),
    "DELETE /api/schoollife/timetable/lessons/{lesson_id}": direction_only(),
    "POST /api/schoollife/timetable/imports": private(
        FORBIDDEN, direction=ACCEPTED, other_school=ACCEPTED
    ),
    "GET /api/schoollife/timetable/imports/{import_id}": direction_only(),
    # --- schoollife: notebook -------------------------------------------------------------
    "GET /api/schoollife/notebook/homework": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/notebook/week": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/notebook/due-this-week": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/notebook/groups/{group_id}/homework": private(OK, other_school=HIDDEN),
    "GET /api/schoollife/notebook/groups/{group_id}/week": private(OK, other_school=HIDDEN),
    "GET /api/schoollife/notebook/lessons/{lesson_id}": private(OK, other_school=HIDDEN),
    "GET /api/schoollife/notebook/homework/{homework_id}": private(OK, other_school=HIDDEN),
    "GET /api/schoollife/notebook/homework/{homework_id}/documents/{document_id}": private(
        OK, other_school=HIDDEN
    ),
    "POST /api/schoollife/notebook/lessons": private(FORBIDDEN, **NOTEBOOK_WRITERS),
    "PUT /api/schoollife/notebook/lessons/{lesson_id}": private(FORBIDDEN, **NOTEBOOK_WRITERS),
    "POST /api/schoollife/notebook/homework": private(FORBIDDEN, **NOTEBOOK_WRITERS),
    "PUT /api/schoollife/notebook/homework/{homework_id}": private(
        FORBIDDEN, **NOTEBOOK_WRITERS
    ),
    "POST /api/schoollife/notebook/homework/{homework_id}/documents": private(
        FORBIDDEN, **NOTEBOOK_WRITERS
    ),
    "DELETE /api/schoollife/notebook/homework/{homework_id}/documents/{document_id}": private(
        FORBIDDEN, **NOTEBOOK_WRITERS
    ),
    "DELETE /api/schoollife/notebook/homework/{homework_id}": private(
        FORBIDDEN, **NOTEBOOK_WRITERS
    ),
    "POST /api/schoollife/notebook/homework/{homework_id}/copies": private(
        FORBIDDEN, student=ACCEPTED, other_school=HIDDEN
    ),
    "PUT /api/schoollife/notebook/homework/{homework_id}/done": private(
        FORBIDDEN, student=ACCEPTED, other_school=HIDDEN
    ),
    "GET /api/schoollife/notebook/homework/{homework_id}/copies": private(
        HIDDEN, **STAFF_AND_TEACHERS
    ),
    "GET /api/schoollife/notebook/homework/{homework_id}/copies/{copy_id}": private(
        HIDDEN, **STAFF_AND_TEACHERS
    ),
    "GET /api/schoollife/notebook/homework/{homework_id}/hand-ins": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "GET /api/schoollife/notebook/homework/{homework_id}/hand-ins/zip": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    # --- schoollife: grades ---------------------------------------------------------------
    "GET /api/schoollife/grades/terms": private(OK),
    "GET /api/schoollife/grades/coefficients": private(OK),
    "PUT /api/schoollife/grades/terms": private(  # a wrong year: 400
        FORBIDDEN, direction=ACCEPTED, other_school=ACCEPTED
    ),
    "PUT /api/schoollife/grades/coefficients/{subject}": direction_only(other_school=OK),
    "GET /api/schoollife/grades/chronological": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/grades/by-subject": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/grades/latest": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/grades/competencies": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/grades/groups/{group_id}/averages": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "POST /api/schoollife/grades/evaluations": private(FORBIDDEN, **GRADERS),
    "GET /api/schoollife/grades/evaluations": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "GET /api/schoollife/grades/evaluations/{evaluation_id}": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "PUT /api/schoollife/grades/evaluations/{evaluation_id}/grades": private(
        FORBIDDEN, **GRADERS
    ),
    "POST /api/schoollife/grades/evaluations/{evaluation_id}/publish": private(
        FORBIDDEN, **GRADERS
    ),
    "DELETE /api/schoollife/grades/evaluations/{evaluation_id}": private(FORBIDDEN, **GRADERS),
    "POST /api/schoollife/grades/competency-evaluations": private(FORBIDDEN, **GRADERS),
    "GET /api/schoollife/grades/competency-evaluations": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "GET /api/schoollife/grades/competency-evaluations/{evaluation_id}": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "PUT /api/schoollife/grades/competency-evaluations/{evaluation_id}/levels": private(
        FORBIDDEN, **GRADERS
    ),
    "POST /api/schoollife/grades/competency-evaluations/{evaluation_id}/publish": private(
        FORBIDDEN, **GRADERS
    ),
    # --- schoollife: report cards ---------------------------------------------------------
    "GET /api/schoollife/report-cards": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/report-cards/{report_card_id}": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/report-cards/{report_card_id}/pdf": private(
        HIDDEN, **STAFF_AND_TEACHERS
    ),
    "GET /api/schoollife/report-cards/classes/{class_id}/terms/{term_id}": private(
        HIDDEN, **STAFF_AND_TEACHERS
    ),
    "PUT /api/schoollife/report-cards/classes/{class_id}/terms/{term_id}/appreciations": private(
        FORBIDDEN, teacher=OK, other_school=HIDDEN
    ),
    "PUT /api/schoollife/report-cards/classes/{class_id}/terms/{term_id}/general-appreciations": (
        private(FORBIDDEN, teacher=OK, other_school=HIDDEN)
    ),
    "POST /api/schoollife/report-cards/classes/{class_id}/terms/{term_id}/publish": (
        direction_only()
    ),
    # --- schoollife: vie scolaire and agenda ----------------------------------------------
    "GET /api/schoollife/vie-scolaire/reasons": private(OK),
    "POST /api/schoollife/vie-scolaire/absences": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "GET /api/schoollife/vie-scolaire/absences": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/vie-scolaire/absences/{absence_id}": private(
        HIDDEN, **STAFF_AND_TEACHERS
    ),
    "POST /api/schoollife/vie-scolaire/absences/{absence_id}/justification": private(
        FORBIDDEN, parent=HIDDEN, other_school=HIDDEN
    ),
    "POST /api/schoollife/vie-scolaire/absences/{absence_id}/justification/form": private(
        FORBIDDEN, parent=HIDDEN, other_school=HIDDEN
    ),
    "GET /api/schoollife/vie-scolaire/absences/{absence_id}/justification/document": private(
        HIDDEN, vie_scolaire=OK, direction=OK
    ),
    "POST /api/schoollife/vie-scolaire/absences/{absence_id}/decision": private(
        FORBIDDEN, vie_scolaire=OK, direction=OK, other_school=HIDDEN
    ),
    "GET /api/schoollife/vie-scolaire/pending": private(
        FORBIDDEN, vie_scolaire=OK, direction=OK, other_school=OK
    ),
    "POST /api/schoollife/vie-scolaire/lateness": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "GET /api/schoollife/vie-scolaire/lateness": private(HIDDEN, **STAFF_AND_TEACHERS),
    "POST /api/schoollife/vie-scolaire/punishments": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "GET /api/schoollife/vie-scolaire/punishments": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/vie-scolaire/summary": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/agenda": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/agenda/upcoming": private(HIDDEN, **STAFF_AND_TEACHERS),
    "GET /api/schoollife/agenda/groups/{group_id}": private(OK, other_school=HIDDEN),
    "GET /api/schoollife/agenda/items/{item_id}": private(OK, other_school=HIDDEN),
    "POST /api/schoollife/agenda/items": private(
        FORBIDDEN, **STAFF_AND_TEACHERS, other_school=HIDDEN
    ),
    "PUT /api/schoollife/agenda/items/{item_id}": private(
        FORBIDDEN, vie_scolaire=OK, direction=OK, other_school=HIDDEN
    ),
    "DELETE /api/schoollife/agenda/items/{item_id}": private(
        FORBIDDEN, vie_scolaire=OK, direction=OK, other_school=HIDDEN
    ),
    # --- transfer: sending ---------------------------------------------------------------
    "POST /api/transfer/transfers": private(OK),
    "GET /api/transfer/transfers": private(OK),
    "GET /api/transfer/transfers/{transfer_id}": private(HIDDEN),
    "DELETE /api/transfer/transfers/{transfer_id}": private(HIDDEN),
    "POST /api/transfer/transfers/{transfer_id}/share": private(HIDDEN),
    "POST /api/transfer/transfers/{transfer_id}/files": private(HIDDEN),
    "POST /api/transfer/transfers/{transfer_id}/files/{upload_id}": private(HIDDEN),
    "PATCH /api/transfer/transfers/{transfer_id}/files/{upload_id}": private(HIDDEN),
    "DELETE /api/transfer/transfers/{transfer_id}/files/{upload_id}": private(HIDDEN),
    # --- transfer: the link (public; an unknown token is gone, as an expired one) -------
    "GET /api/transfer/links/{token}": public(GONE),
    "GET /api/transfer/links/{token}/files/{file_id}": public(GONE),
    "POST /api/transfer/links/{token}/files/{file_id}": public(GONE),
    "GET /api/transfer/links/{token}/zip": public(GONE),
    "POST /api/transfer/links/{token}/zip": public(GONE),
    # Last: it ends the sessions of every caller let through.
    "POST /api/directory/me/sign-out-everywhere": private(OK),
}
# fmt: on

PDF = ("note.pdf", b"%PDF-1.7 matrice", "application/pdf")


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:8]}"


RULE = {"list_kind": "family", "sender_role": "parents", "recipient_role": "teachers"}


def notebook_page(ids: dict[str, str]) -> dict[str, str]:
    return {
        "group_id": ids["class_6a_id"],
        "subject": "Français",
        "lesson_date": ids["today"],
        "content": "Le récit (suite)",
    }


def homework(ids: dict[str, str]) -> dict[str, object]:
    return {
        "group_id": ids["class_6a_id"],
        "subject": "Français",
        "title": "Lecture",
        "due_on": ids["today"],
    }


def agenda_item(ids: dict[str, str], group_id: str | None) -> dict[str, object]:
    return {
        "title": "Réunion",
        "starts_at": f"{ids['today']}T17:00:00",
        "ends_at": f"{ids['today']}T18:00:00",
        **({"group_id": group_id} if group_id else {}),
    }


# What each route is sent (routes absent here are sent nothing but their path).
CALLS: dict[str, Call] = {
    "POST /api/transfer/transfers": Call(
        json=lambda ids: {"files": [{"path": "a.txt", "size": 1}]}
    ),
    "POST /api/transfer/transfers/{transfer_id}/share": Call(json=lambda ids: {"to": ["x"]}),
    "POST /api/transfer/links/{token}/files/{file_id}": Call(
        content=b"password=x", content_type="application/x-www-form-urlencoded"
    ),
    "POST /api/transfer/links/{token}/zip": Call(
        content=b"password=x", content_type="application/x-www-form-urlencoded"
    ),
    "POST /api/auth/dev-login": Call(json=lambda ids: {"login": "lucas.martin"}),
    "POST /api/auth/pairing/redeem": Call(
        json=lambda ids: {"code": "pas-un-code-valide", "device_name": "Matrice"}
    ),
    "POST /api/auth/device-token": Call(
        json=lambda ids: {"device_id": ids["device_id"], "device_secret": "pas-le-secret"}
    ),
    "POST /api/auth/login": Call(
        json=lambda ids: {"login": "lucas.martin", "password": "ent-demo-2026"}
    ),
    "GET /api/directory/search": Call(query={"q": "SECRET"}),
    "GET /api/directory/assistant/members": Call(
        query={"group_id": "{class_3a_id}", "role": "parents"}
    ),
    "GET /api/directory/users/{user_id}": Call(params={"user_id": "{far_student_id}"}),
    "POST /api/directory/reachability": Call(
        json=lambda ids: {
            "recipients": [{"user_id": ids["far_student_id"]}],
            "sender_id": ids["victim_id"],
        }
    ),
    "POST /api/directory/users/{user_id}/freeze": Call(
        params={"user_id": "{target_id}"}, json=lambda ids: {"reason": "matrice"}
    ),
    "POST /api/directory/users/{user_id}/unfreeze": Call(params={"user_id": "{target_id}"}),
    "POST /api/directory/me/password": Call(
        json=lambda ids: {"current_password": "pas-le-bon-mot", "new_password": "x" * 16}
    ),
    "POST /api/directory/users/{user_id}/password-reset": Call(params={"user_id": "{target_id}"}),
    "POST /api/directory/password-reset": Call(
        json=lambda ids: {"token": "pas-un-code-valide", "password": "x" * 16}
    ),
    "POST /api/directory/schools/{school_id}/rules": Call(
        json=lambda ids: {
            **RULE,
            "sender_scope": ids["school_id"],
            "recipient_scope": ids["school_id"],
        }
    ),
    # JSON, not CSV: the direction is let through to the media-type check (415), so the
    # demo school is never re-imported (which would deactivate whoever the file lacks).
    "POST /api/directory/schools/{school_id}/import": Call(json=lambda ids: {}),
    "POST /api/directory/favourites": Call(
        json=lambda ids: {"name": "Collègues", "recipients": [{"user_id": ids["teacher_id"]}]}
    ),
    "PUT /api/directory/favourites/{favourite_id}": Call(
        json=lambda ids: {"name": "Volé", "recipients": [{"user_id": ids["teacher_id"]}]}
    ),
    "POST /api/locker/deposits": Call(data={"recipients": "{teacher_id}"}, file=PDF),
    "POST /api/locker/documents/download": Call(
        json=lambda ids: {"document_ids": [ids["document_id"]]}, touches=("document_id",)
    ),
    "POST /api/locker/receipts/verify": Call(json=lambda ids: json.loads(ids["receipt"])),
    "POST /api/locker/workspace/items": Call(file=("notes.txt", b"notes", "text/plain")),
    "POST /api/locker/workspace/folders": Call(json=lambda ids: {"name": unique("Cours")}),
    "PATCH /api/locker/workspace/folders/{folder_id}": Call(json=lambda ids: {"name": "Volé"}),
    "POST /api/locker/workspace/folders/{folder_id}/move": Call(
        json=lambda ids: {"parent_id": None}
    ),
    "POST /api/locker/workspace/copy-from-locker": Call(
        json=lambda ids: {"document_ids": [ids["document_id"]], "folder_id": None},
        touches=("document_id",),
    ),
    "POST /api/locker/workspace/trash/delete": Call(
        json=lambda ids: {
            "item_ids": [ids["item_id"]],
            "folder_ids": [ids["workspace_folder_id"]],
        },
        touches=("item_id", "workspace_folder_id"),
    ),
    "GET /api/mail/search": Call(query={"q": MARKER}),
    "GET /api/mail/unread/stream": Call(stream=True),
    "POST /api/mail/messages": Call(
        json=lambda ids: {
            "to": [ids["teacher_id"]],
            "subject": "Matrice",
            "body": "<p>Bonjour</p>",
            "reply_mode": "sender_only",
        }
    ),
    "POST /api/mail/drafts": Call(json=lambda ids: {"subject": "Brouillon"}),
    "PUT /api/mail/drafts/{draft_id}": Call(json=lambda ids: {"subject": "Volé", "version": 1}),
    "POST /api/mail/folders": Call(json=lambda ids: {"name": unique("Classeur")}),
    "PATCH /api/mail/folders/{folder_id}": Call(json=lambda ids: {"name": "Volé"}),
    "POST /api/mail/folders/{folder_id}/place": Call(
        json=lambda ids: {"parent_id": None, "position": 0}
    ),
    "POST /api/mail/folders/{folder_id}/trash-all": Call(touches=("message_id",)),
    "POST /api/mail/selection/categorize": Call(
        json=lambda ids: {"message_ids": [ids["message_id"]], "category": "important"},
        touches=("message_id",),
    ),
    "POST /api/mail/selection/move": Call(
        json=lambda ids: {"message_ids": [ids["message_id"]], "folder_id": "archive"},
        touches=("message_id",),
    ),
    "POST /api/mail/contacts/remove": Call(json=lambda ids: {"contacts": [ids["victim_id"]]}),
    "POST /api/mail/contacts/write": Call(json=lambda ids: {"contacts": [ids["teacher_id"]]}),
    "POST /api/mail/attachments": Call(file=PDF),
    "POST /api/mail/attachments/from-workspace": Call(json=lambda ids: {"item_id": ids["item_id"]}),
    "PUT /api/mail/settings/notifications": Call(json=lambda ids: {"address": None}),
}
SL = "/api/schoollife"
VICTIM = {"student_id": "{victim_id}"}
SATURDAY = "{saturday_0}"
CALLS |= {
    # --- schoollife: timetable (changes on throwaway Saturday lessons, a week each)
    f"GET {SL}/timetable/week": Call(query=VICTIM),
    f"GET {SL}/timetable/day": Call(query=VICTIM),
    f"GET {SL}/timetable/teachers/week": Call(query={"teacher_id": "{math_teacher_id}"}),
    f"POST {SL}/timetable/lessons": Call(
        json=lambda ids: {
            "group_id": ids["class_6a_id"],
            "subject": "Mathématiques",
            "teacher_id": ids["math_teacher_id"],
            "weekday": 6,
            "start": "11:00:00",
            "end": "11:50:00",
        }
    ),
    f"POST {SL}/timetable/lessons/{{lesson_id}}/occurrences/{{day}}/cancel": Call(
        params={"lesson_id": "{changed_lesson_id}", "day": "{saturday_0}"},
        json=lambda ids: {"reason": "Sortie"},
    ),
    f"POST {SL}/timetable/lessons/{{lesson_id}}/occurrences/{{day}}/move": Call(
        params={"lesson_id": "{changed_lesson_id}", "day": "{saturday_1}"},
        json=lambda ids: {"date": ids["saturday_1"], "start": "10:00:00", "end": "10:50:00"},
    ),
    f"POST {SL}/timetable/lessons/{{lesson_id}}/occurrences/{{day}}/room": Call(
        params={"lesson_id": "{changed_lesson_id}", "day": "{saturday_2}"},
        json=lambda ids: {"room": "Salle 12"},
    ),
    f"POST {SL}/timetable/lessons/{{lesson_id}}/occurrences/{{day}}/teacher": Call(
        params={"lesson_id": "{changed_lesson_id}", "day": "{saturday_3}"},
        json=lambda ids: {"teacher_id": ids["teacher_id"]},
    ),
    f"DELETE {SL}/timetable/lessons/{{lesson_id}}/occurrences/{{day}}/changes": Call(
        params={"lesson_id": "{changed_lesson_id}", "day": "{saturday_0}"}
    ),
    f"DELETE {SL}/timetable/lessons/{{lesson_id}}": Call(
        params={"lesson_id": "{doomed_lesson_id}"}
    ),
    # JSON, not CSV: the direction is let through to the media-type check (415), so the
    # demo school's timetable is never re-imported.
    f"POST {SL}/timetable/imports": Call(json=lambda ids: {}),
    # --- schoollife: notebook (6A's; her copy)
    f"GET {SL}/notebook/homework": Call(query=VICTIM),
    f"GET {SL}/notebook/week": Call(query=VICTIM),
    f"GET {SL}/home": Call(query=VICTIM),
    f"GET {SL}/notebook/due-this-week": Call(query=VICTIM),
    f"GET {SL}/notebook/lessons/{{lesson_id}}": Call(params={"lesson_id": "{notebook_lesson_id}"}),
    f"POST {SL}/notebook/lessons": Call(json=lambda ids: notebook_page(ids)),
    f"PUT {SL}/notebook/lessons/{{lesson_id}}": Call(
        params={"lesson_id": "{notebook_lesson_id}"}, json=lambda ids: notebook_page(ids)
    ),
    f"POST {SL}/notebook/homework": Call(json=lambda ids: homework(ids)),
    f"PUT {SL}/notebook/homework/{{homework_id}}": Call(
        json=lambda ids: {
            **{k: v for k, v in homework(ids).items() if k != "group_id"},
            "hand_in": True,
        }
    ),
    f"DELETE {SL}/notebook/homework/{{homework_id}}": Call(
        own={who: {"homework_id": f"{{doomed_homework_{who}}}"} for who in WRITERS}
    ),
    f"POST {SL}/notebook/homework/{{homework_id}}/documents": Call(
        data={"kind": "support"}, file=PDF
    ),
    f"GET {SL}/notebook/homework/{{homework_id}}/documents/{{document_id}}": Call(
        params={"document_id": "{homework_document_id}"}
    ),
    f"DELETE {SL}/notebook/homework/{{homework_id}}/documents/{{document_id}}": Call(
        own={who: {"document_id": f"{{doomed_document_{who}}}"} for who in WRITERS}
    ),
    f"POST {SL}/notebook/homework/{{homework_id}}/copies": Call(file=PDF),
    f"PUT {SL}/notebook/homework/{{homework_id}}/done": Call(json=lambda ids: {"done": True}),
    f"GET {SL}/notebook/homework/{{homework_id}}/copies": Call(query=VICTIM),
    # --- schoollife: grades (E: prof.francais's Français evaluation of 6A, published)
    f"PUT {SL}/grades/terms": Call(  # one term only: refused as such (400), nothing changes
        json=lambda ids: {
            "school_year": 2026,
            "terms": [{"name": "Année", "starts_on": "2026-09-01", "ends_on": "2027-08-31"}],
        }
    ),
    f"PUT {SL}/grades/coefficients/{{subject}}": Call(
        params={"subject": "Français"}, json=lambda ids: {"coefficient": 1}
    ),
    f"GET {SL}/grades/chronological": Call(query=VICTIM),
    f"GET {SL}/grades/by-subject": Call(query=VICTIM),
    f"GET {SL}/grades/latest": Call(query=VICTIM),
    f"GET {SL}/grades/competencies": Call(query=VICTIM),
    f"POST {SL}/grades/evaluations": Call(
        json=lambda ids: {
            "group_id": ids["class_6a_id"],
            "subject": "Français",
            "on": ids["today"],
            "title": "Contrôle",
            "out_of": 20,
        }
    ),
    f"GET {SL}/grades/evaluations": Call(query={"group_id": "{class_6a_id}"}),
    f"PUT {SL}/grades/evaluations/{{evaluation_id}}/grades": Call(
        json=lambda ids: {"grades": [{"student_id": ids["victim_id"], "value": 12.5}]}
    ),
    f"DELETE {SL}/grades/evaluations/{{evaluation_id}}": Call(
        own={who: {"evaluation_id": f"{{draft_evaluation_{who}}}"} for who in WRITERS}
    ),
    f"POST {SL}/grades/competency-evaluations": Call(
        json=lambda ids: {
            "group_id": ids["class_6a_id"],
            "subject": "Français",
            "on": ids["today"],
            "title": "Oral",
            "items": ["Dire un poème"],
        }
    ),
    f"GET {SL}/grades/competency-evaluations": Call(query={"group_id": "{class_6a_id}"}),
    f"PUT {SL}/grades/competency-evaluations/{{evaluation_id}}/levels": Call(
        json=lambda ids: {
            "assessments": [
                {
                    "student_id": ids["victim_id"],
                    "item_id": ids["competency_item_id"],
                    "level": "satisfaisante",
                }
            ]
        }
    ),
    # --- schoollife: report cards (6A's of the current term published; the next term's
    # written and published by the matrix)
    f"GET {SL}/report-cards": Call(query=VICTIM),
    f"GET {SL}/report-cards/classes/{{class_id}}/terms/{{term_id}}": Call(
        params={"term_id": "{term_id}"}
    ),
    f"PUT {SL}/report-cards/classes/{{class_id}}/terms/{{term_id}}/appreciations": Call(
        json=lambda ids: {
            "student_id": ids["victim_id"],
            "text": "Bon trimestre",
            "subject": "Français",
        }
    ),
    f"PUT {SL}/report-cards/classes/{{class_id}}/terms/{{term_id}}/general-appreciations": Call(
        json=lambda ids: {"student_id": ids["victim_id"], "text": "Bon trimestre"}
    ),
    # --- schoollife: vie scolaire and agenda (her absences, justified, waiting)
    f"POST {SL}/vie-scolaire/absences": Call(
        json=lambda ids: {
            "student_id": ids["victim_id"],
            "group_id": ids["class_6a_id"],
            "starts_at": f"{ids['today']}T08:00:00",
            "ends_at": f"{ids['today']}T09:00:00",
        }
    ),
    f"GET {SL}/vie-scolaire/absences": Call(query=VICTIM),
    f"POST {SL}/vie-scolaire/absences/{{absence_id}}/justification": Call(
        json=lambda ids: {"reason": ids["reason"], "comment": "Volé"}
    ),
    f"POST {SL}/vie-scolaire/absences/{{absence_id}}/justification/form": Call(
        data={"reason": "{reason}"}, file=PDF, file_field="document"
    ),
    f"POST {SL}/vie-scolaire/absences/{{absence_id}}/decision": Call(
        json=lambda ids: {"decision": "accepted"},
        own={who: {"absence_id": f"{{absence_{who}}}"} for who in ("vie_scolaire", "direction")},
    ),
    f"POST {SL}/vie-scolaire/lateness": Call(
        json=lambda ids: {
            "student_id": ids["victim_id"],
            "group_id": ids["class_6a_id"],
            "arrived_at": f"{ids['today']}T08:10:00",
            "minutes": 10,
        }
    ),
    f"GET {SL}/vie-scolaire/lateness": Call(query=VICTIM),
    f"POST {SL}/vie-scolaire/punishments": Call(
        json=lambda ids: {
            "student_id": ids["victim_id"],
            "group_id": ids["class_6a_id"],
            "kind": "punition",
            "reason": "Bavardages",
            "on": ids["today"],
        }
    ),
    f"GET {SL}/vie-scolaire/punishments": Call(query=VICTIM),
    f"GET {SL}/vie-scolaire/summary": Call(query=VICTIM),
    f"GET {SL}/agenda": Call(query=VICTIM),
    f"GET {SL}/agenda/upcoming": Call(query=VICTIM),
    f"POST {SL}/agenda/items": Call(json=lambda ids: agenda_item(ids, ids["class_6a_id"])),
    f"PUT {SL}/agenda/items/{{item_id}}": Call(json=lambda ids: agenda_item(ids, None)),
    f"DELETE {SL}/agenda/items/{{item_id}}": Call(
        own={who: {"item_id": f"{{agenda_item_{who}}}"} for who in ("vie_scolaire", "direction")}
    ),
}
for _route in ("", "/levels", "/publish"):
    _method = {"": "GET", "/levels": "PUT", "/publish": "POST"}[_route]
    _key = f"{_method} {SL}/grades/competency-evaluations/{{evaluation_id}}{_route}"
    CALLS[_key] = dataclasses.replace(
        CALLS.get(_key, Call()), params={"evaluation_id": "{competency_id}"}
    )
# The next term's report cards: the matrix writes to them and publishes them.
for _route in ("appreciations", "general-appreciations", "publish"):
    _method = "POST" if _route == "publish" else "PUT"
    _key = f"{_method} {SL}/report-cards/classes/{{class_id}}/terms/{{term_id}}/{_route}"
    CALLS[_key] = dataclasses.replace(CALLS.get(_key, Call()), params={"term_id": "{next_term_id}"})
for _action in ("trash", "restore", "delete"):
    CALLS[f"POST /api/locker/documents/{_action}"] = CALLS["POST /api/locker/documents/download"]
for _action in ("read", "unread", "trash", "restore", "delete"):
    CALLS[f"POST /api/mail/selection/{_action}"] = Call(
        json=lambda ids: {"message_ids": [ids["message_id"]]}, touches=("message_id",)
    )
# Path ids by name, unless a route's call names its own: the classmate's things.
SCHOOL_LIFE_IDS = {
    "group_id": "{class_6a_id}",
    "class_id": "{class_6a_id}",
    "lesson_id": "{timetable_lesson_id}",
    "day": SATURDAY,
    "import_id": "{import_id}",
    "homework_id": "{homework_id}",
    "document_id": "{homework_document_id}",
    "copy_id": "{copy_id}",
    "evaluation_id": "{evaluation_id}",
    "report_card_id": "{report_card_id}",
    "absence_id": "{absence_id}",
    "item_id": "{agenda_item_id}",
}
PATH_IDS = {
    "folder_id": {"/api/mail/": "{mail_folder_id}", "/api/locker/": "{workspace_folder_id}"},
}


def path_params(route: str) -> dict[str, str]:
    _method, path = route.split(" ", 1)
    params = dict(CALLS.get(route, Call()).params)
    for name, value in SCHOOL_LIFE_IDS.items():
        if "{" + name + "}" in path and name not in params and path.startswith(SL):
            params[name] = value
    for name in ("folder_id",):
        if "{" + name + "}" in path and name not in params:
            params[name] = next(v for k, v in PATH_IDS[name].items() if path.startswith(k))
    for name in (
        "draft_id",
        "message_id",
        "conversation_id",
        "attachment_id",
        "item_id",
        "document_id",
        "favourite_id",
        "device_id",
        "school_id",
        "rule_id",
    ):
        if "{" + name + "}" in path and name not in params:
            params[name] = "{" + name + "}"
    for name in ("transfer_id", "upload_id", "token", "file_id"):  # nobody's: unknown ids
        if "{" + name + "}" in path and name not in params:
            params[name] = f"unknown-{name}-0000000000000000"
    return params


@pytest.fixture(scope="module")
def world(stack: Stack, api: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> World:
    return school_world.build(stack, api, tmp_path_factory.mktemp("imports"))


def documented_routes(api: httpx.Client) -> set[str]:
    document = api.get("/api/openapi.json").json()
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }


def test_the_table_has_a_row_for_every_documented_route_and_no_other(api: httpx.Client) -> None:
    documented = documented_routes(api)
    print(
        f"MATRIX cells={len(MATRIX) * len(PROFILES)} routes={len(MATRIX)} profiles={len(PROFILES)}",
        flush=True,
    )
    assert sorted(documented - set(MATRIX)) == [], "routes with no row in MATRIX"
    assert sorted(set(MATRIX) - documented) == [], "rows for routes the gateway does not list"
    assert all(set(row) == set(PROFILES) for row in MATRIX.values())


def answers(api: httpx.Client, world: World, route: str) -> list[str]:
    """The cells of one row the platform answers otherwise than the table: refusals first,
    so that a caller let through does not change what the others are asked about."""
    method, path = route.split(" ", 1)
    base = CALLS.get(route, Call())
    call = dataclasses.replace(base, params=path_params(route))
    row = MATRIX[route]
    order = sorted(PROFILES, key=lambda p: row[p] in (OK, ACCEPTED))
    wrong = []
    for profile in order:
        mine = dataclasses.replace(call, params={**call.params, **call.own.get(profile, {})})
        response = send(api, method, path, mine, world.ids, world.headers[profile])
        if not judge(row[profile], response, mine, world.ids):
            got = f"{response.status_code} {response.text[:200]}"
            wrong.append(f"{profile}: expected {row[profile].value}, got {got}")
        elif any(m in response.text for m, who in READERS.items() if profile not in who):
            wrong.append(
                f"{profile}: the answer holds the classmate's things: {response.text[:200]}"
            )
    return wrong


@pytest.mark.parametrize("route", list(MATRIX))
def test_each_caller_gets_the_answer_of_the_table(
    api: httpx.Client, world: World, route: str
) -> None:
    wrong = answers(api, world, route)
    assert wrong == [], "\n".join(wrong)


def test_refused_writes_left_the_classmates_things_as_they_were(
    api: httpx.Client, world: World
) -> None:
    victim, ids = world.victim, world.ids
    draft = api.get(f"/api/mail/drafts/{ids['draft_id']}", headers=victim).json()
    assert draft["subject"] == f"Draft {MARKER}"
    message = api.get(f"/api/mail/messages/{ids['message_id']}", headers=victim).json()
    assert message["subject"] == f"Message {MARKER}"
    folders = api.get("/api/mail/folders", headers=victim).text
    assert f"F {MARKER}" in folders
    filed = api.get(f"/api/mail/folders/{ids['mail_folder_id']}/messages", headers=victim)
    assert [m["message_id"] for m in filed.json()["items"]] == [ids["message_id"]]
    tree = api.get("/api/locker/workspace/folders/tree", headers=victim).text
    assert f"W {MARKER}" in tree
    item = api.get(f"/api/locker/workspace/items/{ids['item_id']}/content", headers=victim)
    assert item.content == MARKER.encode()
    document = api.get(f"/api/locker/documents/{ids['document_id']}/content", headers=victim)
    assert document.status_code == 200
    favourites = api.get("/api/directory/favourites", headers=victim).text
    assert f"Fav {MARKER}" in favourites
    devices = api.get("/api/directory/devices", headers=victim).text
    assert f"Tel {MARKER}" in devices
    # Her school life: her copy as she handed it in, her family's justification still
    # waiting with its comment (only the callers given one of her absences decided it).
    copy = f"{SL}/notebook/homework/{ids['homework_id']}/copies/{ids['copy_id']}"
    assert FOLLOWED.encode() in api.get(copy, headers=victim).content
    absence = api.get(f"{SL}/vie-scolaire/absences/{ids['absence_id']}", headers=victim).json()
    assert absence["state"] == "submitted", absence
    assert absence["justification"]["comment"] == f"Mot {FAMILY}"
