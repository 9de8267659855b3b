"""The people and things the authorization matrix asks about, set up through the API (the
second school through the directory's import tool, as an operator brings one in).

Eleven callers (`PROFILES`): six roles of the demo collège, a frozen account and a departed
one (each signed in before the change), no token, an expired token, and the direction of a
second school imported for the purpose. The things asked for belong to a `victim`, a
6A student who is none of the callers (a classmate of the student caller): a message with
an attachment, a draft, mail and workspace folders, a workspace document, a locker deposit
and a favourite, each named with `MARKER` so that any answer leaking one is caught.

Her school life is another matter: her teachers and the school's staff follow it, so it is
named with markers of its own, each with the callers who may read it (`READERS`): her copy,
her appreciation and a draft evaluation with `FOLLOWED` (her teachers and the staff), her
family's justification of an absence with `FAMILY` (the vie scolaire and the direction).
The school-life things asked about (`_school_life_things`): a 6A lesson and two throwaway
ones, a 6A notebook lesson and homework asking a copy (her copy handed in), an evaluation
E by prof.francais graded and published, drafts, a competency evaluation, 6A's report
cards of the current term published, her absence with a justification waiting, a 6A
agenda item by another teacher, a timetable import refused (its id)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import forged_tokens as tokens
import httpx
import msgspec
from ent_devstack.stack import Stack
from ent_kit.auth import Identity

Headers = dict[str, str]

PROFILES = (
    "student",
    "parent",
    "teacher",
    "substitute",
    "vie_scolaire",
    "direction",
    "frozen",
    "deactivated",
    "no_token",
    "expired_token",
    "other_school",
)
LOGINS = {
    "student": "lucas.martin",  # 6A
    "parent": "rose.martin",  # Lucas's parent only
    "teacher": "prof.francais",
    "substitute": "prof.remplacant",  # stands in for prof.latin (demo substitution)
    "vie_scolaire": "marc.cpe",
    "direction": "claire.directrice",
    "frozen": "louis.simon",  # 6A, frozen by the direction after signing in
    "deactivated": "autre.parti",  # school B, dropped by its second import
    "other_school": "autre.directrice",  # school B's direction
}
VICTIM = "emma.richard"  # 6A, Lucas's classmate, not a caller
VICTIM_CORRESPONDENT = "prof.mathematiques"
FAR_STUDENT = "gabriel.rousseau"  # 3A: another class, nobody's child among the callers
TARGET = "jade.david"  # 6A: the account the freeze routes are asked about
MARKER = f"SECRET-{uuid.uuid4().hex[:12]}"
VICTIM_PARENT = "nathan.richard"  # Emma's parent, not a caller
FOLLOWED = f"SUIVI-{uuid.uuid4().hex[:12]}"  # her school life her teachers and staff follow
FAMILY = f"FAMILLE-{uuid.uuid4().hex[:12]}"  # her family's justification: the staff only
# Who may read what a marker names (MARKER: nobody among the callers).
READERS = {
    MARKER: (),
    FOLLOWED: ("teacher", "substitute", "vie_scolaire", "direction"),
    FAMILY: ("vie_scolaire", "direction"),
}

OTHER_SCHOOL_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "ent-tests:school:lycee-autre"))
CSV_HEADER = "profil;identifiant;nom;prenom;login;classes;matieres;fonction;enfants"
OTHER_SCHOOL_ROWS = [
    "personnel;B-DIR;Autre;Directrice;autre.directrice;;;direction;",
    "eleve;B-E1;Autre;Eleve;autre.eleve;2B;;;",
]
LEAVER_ROW = "eleve;B-GONE;Parti;Eleve;autre.parti;2B;;;"


@dataclass
class World:
    headers: dict[str, Headers]
    ids: dict[str, str] = field(default_factory=dict)  # path/query/body values by name
    victim: Headers = field(default_factory=dict)
    receipt: dict[str, Any] = field(default_factory=dict)  # the victim's deposit receipt


def ok(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200,)), (response.request.url, response.text)
    return response.json() if response.content else None


def bearer(token: str) -> Headers:
    return {"authorization": f"Bearer {token}"}


def sign_in(api: httpx.Client, login: str, attempts: int = 50) -> str:
    """A token for `login`, retried while the gateway has not yet learnt a new account."""
    for _ in range(attempts):
        response = api.post("/api/auth/dev-login", json={"login": login})
        if response.status_code == 201:
            return str(response.json()["access_token"])
        time.sleep(0.2)
    raise AssertionError(f"{login} cannot sign in: {response.text}")


def user_id(api: httpx.Client, auth: Headers) -> str:
    return str(ok(api.get("/api/directory/me", headers=auth))["user_id"])


def import_school(stack: Stack, school_id: str, rows: list[str], work: Path) -> None:
    """The school's CSV imported by the directory's command-line tool, as an operator
    does: no user token may import a school its holder does not run, and no service
    token opens the import."""
    csv = work / f"{school_id}-{len(rows)}.csv"
    csv.write_text("\n".join([CSV_HEADER, *rows]) + "\n", encoding="utf-8")
    store = f"sqlite://{stack.data_dir}/directory/store.db"
    command = [sys.executable, "-m", "ent_directory.import_csv", "--store-url", store]
    command += ["--school-id", school_id, "--no-progress", str(csv)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def wait_turned_away(api: httpx.Client, auth: Headers, seconds: float = 10.0) -> None:
    """An ended session's token is refused everywhere within seconds: wait for the
    services to learn it (the matrix then asks each route)."""
    deadline = time.monotonic() + seconds
    paths = ("/api/directory/me", "/api/mail/unread-count", "/api/locker/received")
    while time.monotonic() < deadline:
        if all(api.get(path, headers=auth).status_code == 401 for path in paths):
            return
        time.sleep(0.3)


def until_created(api: httpx.Client, auth: Headers, path: str, **kwargs: Any) -> Any:
    """A creation retried while the service has not yet learnt the demo school (start-up)."""
    for _ in range(100):
        response = api.post(path, headers=auth, **kwargs)
        if response.status_code in (200, 201):
            return response.json()
        time.sleep(0.2)
    raise AssertionError(f"{path}: {response.status_code} {response.text}")


def build(stack: Stack, api: httpx.Client, work: Path) -> World:
    token = {p: sign_in(api, login) for p, login in LOGINS.items() if p not in _SCHOOL_B}
    direction = bearer(token["direction"])
    import_school(stack, OTHER_SCHOOL_ID, [*OTHER_SCHOOL_ROWS, LEAVER_ROW], work)
    token |= {p: sign_in(api, LOGINS[p]) for p in _SCHOOL_B}
    import_school(stack, OTHER_SCHOOL_ID, OTHER_SCHOOL_ROWS, work)  # the leaver leaves
    world = World(headers={p: bearer(t) for p, t in token.items()})
    world.headers["no_token"] = {}
    me = ok(api.get("/api/auth/me", headers=world.headers["student"]))
    student = msgspec.convert(me, Identity)
    world.headers["expired_token"] = bearer(tokens.expired_user_token(stack, student))
    ok(
        api.post(
            f"/api/directory/users/{user_id(api, world.headers['frozen'])}/freeze",
            headers=direction,
            json={"reason": "matrice d'autorisation"},
        )
    )
    wait_turned_away(api, world.headers["frozen"])
    wait_turned_away(api, world.headers["deactivated"])
    _victim_things(api, world)
    _school_things(api, world, direction)
    _school_life_things(api, world, direction)
    return world


_SCHOOL_B = ("deactivated", "other_school")


def _victim_things(api: httpx.Client, world: World) -> None:
    victim = world.victim = bearer(sign_in(api, VICTIM))
    correspondent = user_id(api, bearer(sign_in(api, VICTIM_CORRESPONDENT)))
    ids = world.ids
    ids["victim_id"] = user_id(api, victim)
    attachment = until_created(
        api,
        victim,
        "/api/mail/attachments",
        files={"file": (f"{MARKER}.pdf", b"%PDF-1.7 " + MARKER.encode(), "application/pdf")},
    )
    ids["attachment_id"] = attachment["attachment_id"]
    sent = until_created(
        api,
        victim,
        "/api/mail/messages",
        json={
            "to": [correspondent],
            "subject": f"Message {MARKER}",
            "body": f"<p>{MARKER}</p>",
            "reply_mode": "sender_only",
            "attachment_ids": [attachment["attachment_id"]],
        },
    )
    ids["message_id"], ids["conversation_id"] = sent["message_id"], sent["conversation_id"]
    draft = until_created(api, victim, "/api/mail/drafts", json={"subject": f"Draft {MARKER}"})
    ids["draft_id"] = draft["draft_id"]
    mail_folder = until_created(api, victim, "/api/mail/folders", json={"name": f"F {MARKER}"})
    ids["mail_folder_id"] = mail_folder["folder_id"]
    moved = api.post(
        "/api/mail/selection/move",
        headers=victim,
        json={
            "message_ids": [ids["message_id"]],
            "folder": "sent",
            "folder_id": ids["mail_folder_id"],
        },
    )
    assert ok(moved)["done"] == [ids["message_id"]], moved.text
    folder = until_created(
        api, victim, "/api/locker/workspace/folders", json={"name": f"W {MARKER}"}
    )
    ids["workspace_folder_id"] = folder["folder_id"]
    item = until_created(
        api,
        victim,
        "/api/locker/workspace/items",
        data={"folder_id": folder["folder_id"]},
        files={"file": (f"{MARKER}.txt", MARKER.encode(), "text/plain")},
    )
    ids["item_id"] = item["item_id"]
    world.receipt = until_created(
        api,
        victim,
        "/api/locker/deposits",
        data={"recipients": [correspondent]},
        files={"file": (f"{MARKER}.pdf", b"%PDF-1.7 " + MARKER.encode(), "application/pdf")},
    )
    ids["document_id"] = world.receipt["document_id"]
    ids["receipt"] = json.dumps(world.receipt)
    favourite = until_created(
        api,
        victim,
        "/api/directory/favourites",
        json={"name": f"Fav {MARKER}", "recipients": [{"user_id": correspondent}]},
    )
    ids["favourite_id"] = favourite["favourite_id"]
    # Her phone, paired by the QR code of her web page.
    code = ok(api.post("/api/auth/pairing", headers=victim), 201)["code"]
    phone = {"code": code, "device_name": f"Tel {MARKER}"}
    ids["device_id"] = ok(api.post("/api/auth/pairing/redeem", json=phone), 201)["device_id"]


def _school_things(api: httpx.Client, world: World, direction: Headers) -> None:
    ids = world.ids
    ids["school_id"] = str(ok(api.get("/api/directory/me", headers=direction))["school_id"])
    ids["teacher_id"] = user_id(api, world.headers["teacher"])
    # A student of another class than the student caller's, and not the parent's child.
    ids["far_student_id"] = user_id(api, bearer(sign_in(api, FAR_STUDENT)))
    ids["target_id"] = user_id(api, bearer(sign_in(api, TARGET)))
    ids["class_3a_id"] = str(uuid.uuid5(_DEMO_NAMESPACE, "group:class:3A"))
    ids["class_6a_id"] = str(uuid.uuid5(_DEMO_NAMESPACE, "group:class:6A"))
    # A rule the demo school does not have: its id is the one revoked by the matrix.
    rule = {
        "list_kind": "pedagogical",
        "sender_scope": ids["class_3a_id"],
        "sender_role": "students",
        "recipient_scope": ids["class_6a_id"],
        "recipient_role": "students",
    }
    granted = until_created(
        api, direction, f"/api/directory/schools/{ids['school_id']}/rules", json=rule
    )
    ids["rule_id"] = granted["rule_id"]


_DEMO_NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4f0e-9a57-0d3c2b7e9a10")  # demo_school.NAMESPACE


SL = "/api/schoollife"
WRITERS = ("teacher", "substitute", "direction")  # who may write in a 6A notebook or grades
PDF_HEAD = b"%PDF-1.7 "


def until_ready(api: httpx.Client, auth: Headers, path: str) -> Any:
    """A list read retried until the demo's school life (seeded in the background once the
    directory's demo school arrives) has something in it."""
    for _ in range(300):
        response = api.get(path, headers=auth)
        if response.status_code == 200 and any(response.json().values()):
            return response.json()
        time.sleep(0.3)
    raise AssertionError(f"{path}: {response.status_code} {response.text}")


def _school_life_things(api: httpx.Client, world: World, direction: Headers) -> None:
    ids, teacher, cpe = world.ids, world.headers["teacher"], world.headers["vie_scolaire"]
    math = bearer(sign_in(api, VICTIM_CORRESPONDENT))  # prof.mathematiques: another teacher
    ids["math_teacher_id"] = user_id(api, math)
    group = ids["class_6a_id"]
    until_ready(api, direction, f"{SL}/vie-scolaire/pending")  # the last area the demo seeds
    today = date.today()
    ids["today"] = today.isoformat()
    _timetable_things(api, ids, direction, today)
    _notebook_things(api, world, teacher, today)
    _grades_things(api, ids, teacher, today)
    # Report cards: her appreciation, then the class's cards of the current term published;
    # the next term's are the ones the matrix writes to and publishes.
    terms = ok(api.get(f"{SL}/grades/terms", headers=direction))
    current = terms["current"]["term_id"]
    names = [t["term_id"] for t in terms["terms"]]
    ids["term_id"] = current
    ids["next_term_id"] = names[(names.index(current) + 1) % len(names)]
    class_term = f"{SL}/report-cards/classes/{group}/terms/{current}"
    appreciation = {"student_id": ids["victim_id"], "text": f"Appréciation {FOLLOWED}"}
    ok(api.put(f"{class_term}/appreciations", headers=teacher, json=appreciation), 204)
    ok(api.post(f"{class_term}/publish", headers=direction), 201)
    cards = ok(api.get(f"{SL}/report-cards", headers=direction, params=_of(ids)))
    ids["report_card_id"] = cards["items"][0]["report_card_id"]
    _vie_scolaire_things(api, world, cpe, math, today)


def _of(ids: dict[str, str]) -> dict[str, str]:
    return {"student_id": ids["victim_id"]}


def _timetable_things(
    api: httpx.Client, ids: dict[str, str], direction: Headers, today: date
) -> None:
    week = ok(api.get(f"{SL}/timetable/groups/{ids['class_6a_id']}/week", headers=direction))
    ids["timetable_lesson_id"] = week["occurrences"][0]["lesson_id"]
    # Throwaway Saturday lessons of 6A by prof.mathematiques (Saturdays are free): one whose
    # occurrences the matrix changes (a week each), one it removes.
    hours = (
        ("changed_lesson_id", "08:00:00", "08:50:00"),
        ("doomed_lesson_id", "09:00:00", "09:50:00"),
    )
    for name, start, end in hours:
        lesson = {
            "group_id": ids["class_6a_id"],
            "subject": "Mathématiques",
            "teacher_id": ids["math_teacher_id"],
            "weekday": 6,
            "start": start,
            "end": end,
        }
        ids[name] = until_created(api, direction, f"{SL}/timetable/lessons", json=lesson)[
            "lesson_id"
        ]
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 + 7)
    for n in range(5):
        ids[f"saturday_{n}"] = (saturday + timedelta(weeks=n)).isoformat()
    # An import refused (a wrong row: nothing applied), for its status.
    started = api.post(
        f"{SL}/timetable/imports",
        headers={**direction, "content-type": "text/csv"},
        content=b"jour;debut;fin;matiere;enseignant;groupe\nlundi;25:00;26:00;X;Y;Z\n",
    )
    ids["import_id"] = ok(started, 202)["import_id"]


def _notebook_things(api: httpx.Client, world: World, teacher: Headers, today: date) -> None:
    ids, group = world.ids, world.ids["class_6a_id"]
    page = {"group_id": group, "subject": "Français", "lesson_date": today.isoformat()}
    lesson = until_created(
        api, teacher, f"{SL}/notebook/lessons", json={**page, "content": "Le récit"}
    )
    ids["notebook_lesson_id"] = lesson["lesson_id"]
    due = (today + timedelta(days=3)).isoformat()
    work = {"group_id": group, "subject": "Français", "title": "Rédaction", "due_on": due}
    # One asking a copy, and throwaway ones for each caller the matrix lets withdraw one.
    given = {"homework_id": True} | {f"doomed_homework_{who}": False for who in WRITERS}
    for name, hand_in in given.items():
        homework = api.post(
            f"{SL}/notebook/homework", headers=teacher, json={**work, "hand_in": hand_in}
        )
        ids[name] = ok(homework, 201)["homework_id"]
    documents = f"{SL}/notebook/homework/{ids['homework_id']}/documents"
    for name in ("homework_document_id", *(f"doomed_document_{who}" for who in WRITERS)):
        attached = api.post(
            documents,
            headers=teacher,
            data={"kind": "enonce"},
            files={"file": ("enonce.pdf", PDF_HEAD + b"enonce", "application/pdf")},
        )
        ids[name] = ok(attached, 201)["document_id"]
    copy = api.post(
        f"{SL}/notebook/homework/{ids['homework_id']}/copies",
        headers=world.victim,
        files={"file": (f"{FOLLOWED}.pdf", PDF_HEAD + FOLLOWED.encode(), "application/pdf")},
    )
    ids["copy_id"] = ok(copy, 201)["copy_id"]


def _grades_things(api: httpx.Client, ids: dict[str, str], teacher: Headers, today: date) -> None:
    group, on = ids["class_6a_id"], today.isoformat()
    evaluation = {"group_id": group, "subject": "Français", "on": on, "out_of": 20}
    created = ok(
        api.post(
            f"{SL}/grades/evaluations", headers=teacher, json={**evaluation, "title": "Dictée"}
        ),
        201,
    )
    ids["evaluation_id"] = created["evaluation"]["evaluation_id"]
    grade = {"grades": [{"student_id": ids["victim_id"], "value": 12.5}]}
    evaluations = f"{SL}/grades/evaluations/{ids['evaluation_id']}"
    ok(api.put(f"{evaluations}/grades", headers=teacher, json=grade))
    ok(api.post(f"{evaluations}/publish", headers=teacher))
    # Drafts (never published, so students and parents never see them), one for each caller
    # the matrix lets delete one.
    for who in WRITERS:
        draft = {**evaluation, "title": f"Brouillon {FOLLOWED}"}
        created = ok(api.post(f"{SL}/grades/evaluations", headers=teacher, json=draft), 201)
        ids[f"draft_evaluation_{who}"] = created["evaluation"]["evaluation_id"]
    competency = {
        "group_id": group,
        "subject": "Français",
        "on": on,
        "title": "Lecture",
        "items": ["Lire à voix haute"],
    }
    sheet = ok(
        api.post(f"{SL}/grades/competency-evaluations", headers=teacher, json=competency), 201
    )
    ids["competency_id"] = sheet["evaluation"]["evaluation_id"]
    ids["competency_item_id"] = sheet["evaluation"]["items"][0]["item_id"]
    competencies = f"{SL}/grades/competency-evaluations/{ids['competency_id']}"
    level = {
        "student_id": ids["victim_id"],
        "item_id": ids["competency_item_id"],
        "level": "satisfaisante",
    }
    ok(api.put(f"{competencies}/levels", headers=teacher, json={"assessments": [level]}))
    ok(api.post(f"{competencies}/publish", headers=teacher))


def _vie_scolaire_things(
    api: httpx.Client, world: World, cpe: Headers, math: Headers, today: date
) -> None:
    ids = world.ids
    parent = bearer(sign_in(api, VICTIM_PARENT))
    reason = ok(api.get(f"{SL}/vie-scolaire/reasons", headers=parent))[0]["code"]
    ids["reason"] = reason
    day = today - timedelta(days=1 if today.weekday() else 2)
    # Her absences, each with her family's justification waiting: one the matrix reads,
    # one for each caller it lets decide.
    for n, name in enumerate(("absence_id", "absence_vie_scolaire", "absence_direction")):
        absence = {
            "student_id": ids["victim_id"],
            "starts_at": f"{day.isoformat()}T{8 + 2 * n:02d}:00:00",
            "ends_at": f"{day.isoformat()}T{9 + 2 * n:02d}:00:00",
        }
        ids[name] = ok(api.post(f"{SL}/vie-scolaire/absences", headers=cpe, json=absence), 201)[
            "absence_id"
        ]
        justified = api.post(
            f"{SL}/vie-scolaire/absences/{ids[name]}/justification/form",
            headers=parent,
            data={"reason": reason, "comment": f"Mot {FAMILY}"},
            files={"document": (f"{FAMILY}.pdf", PDF_HEAD + FAMILY.encode(), "application/pdf")},
        )
        ok(justified)
    # A 6A agenda item by another teacher, one for each caller the matrix lets withdraw one.
    start = datetime.combine(today + timedelta(days=2), datetime.min.time()).replace(hour=14)
    item = {
        "group_id": ids["class_6a_id"],
        "title": "Sortie au musée",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }
    for name in ("agenda_item_id", "agenda_item_vie_scolaire", "agenda_item_direction"):
        ids[name] = ok(api.post(f"{SL}/agenda/items", headers=math, json=item), 201)["item_id"]
