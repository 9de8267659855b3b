"""The people and things the authorization matrix asks about, set up through the API (the
second school through the directory's import tool, as an operator brings one in).

Eleven callers (`PROFILES`): six roles of the demo collège, a frozen account and a departed
one (each signed in before the change), no token, an expired token, and the direction of a
second school imported for the purpose. The things asked for belong to a `victim`, a
6A student who is none of the callers (a classmate of the student caller): a message with
an attachment, a draft, mail and workspace folders, a workspace document, a locker deposit
and a favourite, each named with `MARKER` so that any answer leaking one is caught."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
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
