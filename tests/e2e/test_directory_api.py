"""The directory's communication rules, through the gateway, with every service as its own
process: who may write to whom (seed 002, "Les listes de destinataires"), freezing, rule
administration, the recipient assistant, and no enumeration of people one may not write to."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from ent_directory.domain.demo_school import (
    CLASS_IDS,
    CLASSES,
    DEMO_PASSWORD,
    LATIN,
    SCHOOL_ID,
    DemoUser,
    demo_users,
)

pytestmark = pytest.mark.e2e

Headers = dict[str, str]
SignIn = Callable[[str], Headers]

USERS = demo_users()
BY_LOGIN = {u.login: u for u in USERS}
STUDENTS = [u for u in USERS if u.profile == "student"]
PARENT_OF = {child: u for u in USERS for child in u.children}  # student login → parent
CLASS_TEACHERS = [u for u in USERS if u.profile == "teacher" and u.classes]


def _first_by_id(class_name: str, count: int) -> set[str]:
    """The demo puts the first students of a class, by user id, in Latin and the drama club."""
    ids = sorted(u.user_id for u in STUDENTS if class_name in u.classes)
    return set(ids[:count])


LATIN_IDS = _first_by_id("5A", 6) | _first_by_id("4A", 6)
THEATRE_IDS = _first_by_id("6A", 5) | _first_by_id("3A", 5)


def in_class(class_name: str) -> list[DemoUser]:
    return [u for u in STUDENTS if class_name in u.classes]


def plain(class_name: str) -> list[DemoUser]:
    """Students of a class who share no other group (no Latin, no drama club)."""
    return [u for u in in_class(class_name) if u.user_id not in LATIN_IDS | THEATRE_IDS]


def latin(class_name: str) -> list[DemoUser]:
    return [u for u in in_class(class_name) if u.user_id in LATIN_IDS]


@pytest.fixture(scope="module")
def sign_in(api: httpx.Client) -> SignIn:
    tokens: dict[str, Headers] = {}

    def signed_in(login: str) -> Headers:
        if login not in tokens:
            response = api.post("/api/auth/dev-login", json={"login": login})
            assert response.status_code == 201, response.text
            tokens[login] = {"authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[login]

    return signed_in


def check(
    api: httpx.Client, auth: Headers, recipients: list[dict[str, str]], **extra: str
) -> dict[str, Any]:
    response = api.post(
        "/api/directory/reachability", headers=auth, json={"recipients": recipients, **extra}
    )
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def verdict_for(api: httpx.Client, auth: Headers, *people: DemoUser) -> dict[str, str]:
    """Each person's fate as recipient: "allowed" or the refusal reason."""
    result = check(api, auth, [{"user_id": p.user_id} for p in people])
    fates = dict.fromkeys(result["allowed"], "allowed")
    fates |= {r["user_id"]: r["reason"] for r in result["refused"]}
    assert set(fates) == {p.user_id for p in people}, result
    return {login_of(user_id): fate for user_id, fate in fates.items()}


def login_of(user_id: str) -> str:
    return next(u.login for u in USERS if u.user_id == user_id)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


def test_teacher_and_parent_write_to_each_other(api: httpx.Client, sign_in: SignIn) -> None:
    student, classmate = plain("6A")[:2]
    parent, teacher = PARENT_OF[student.login], BY_LOGIN["prof.anglais"]

    assert verdict_for(api, sign_in(teacher.login), parent) == {parent.login: "allowed"}
    from_parent = verdict_for(api, sign_in(parent.login), teacher, classmate)
    # Parents write to their child's teachers, not to the child's classmates.
    assert from_parent == {teacher.login: "allowed", classmate.login: "not_allowed"}
    # An audience needs a rule naming it: the Latin group's teachers are not the audience
    # of a 6A parent (even though prof.latin, one by one, also teaches 6A).
    latin_teachers = check(api, sign_in(parent.login), [{"group_id": LATIN, "role": "teachers"}])
    assert latin_teachers == {
        "allowed": [],
        "refused": [{"group_id": LATIN, "role": "teachers", "reason": "not_allowed"}],
    }


def test_students_write_to_classmates_and_lesson_mates_only(
    api: httpx.Client, sign_in: SignIn
) -> None:
    me, classmate = plain("6A")[:2]
    other_class = plain("5A")[0]
    assert verdict_for(api, sign_in(me.login), classmate, other_class) == {
        classmate.login: "allowed",
        other_class.login: "not_allowed",
    }

    latin_5a, latin_4a = latin("5A")[0], latin("4A")[0]
    assert len(latin("5A")) == len(latin("4A")) == 6
    assert verdict_for(api, sign_in(latin_5a.login), latin_4a) == {latin_4a.login: "allowed"}
    assert verdict_for(api, sign_in(latin_4a.login), latin_5a) == {latin_5a.login: "allowed"}
    # The same two classes without a shared lesson: refused.
    plain_5a, plain_4a = plain("5A")[0], plain("4A")[0]
    assert verdict_for(api, sign_in(plain_5a.login), plain_4a) == {plain_4a.login: "not_allowed"}
    assert verdict_for(api, sign_in(plain_5a.login), latin_4a) == {latin_4a.login: "not_allowed"}


def test_family_list_is_student_and_own_parents_only(api: httpx.Client, sign_in: SignIn) -> None:
    student, classmate = plain("4A")[:2]
    parent, classmate_parent = PARENT_OF[student.login], PARENT_OF[classmate.login]

    assert verdict_for(api, sign_in(student.login), parent, classmate_parent) == {
        parent.login: "allowed",
        classmate_parent.login: "not_allowed",
    }
    assert verdict_for(api, sign_in(parent.login), student) == {student.login: "allowed"}
    assert verdict_for(api, sign_in(classmate_parent.login), student) == {
        student.login: "not_allowed"
    }


def test_substitute_reaches_the_replaced_teachers_groups(
    api: httpx.Client, sign_in: SignIn
) -> None:
    substitute = sign_in("prof.remplacant")
    latin_student = latin("4A")[0]

    assert verdict_for(api, substitute, latin_student) == {latin_student.login: "allowed"}
    whole_group = check(api, substitute, [{"group_id": LATIN, "role": "students"}])
    assert set(whole_group["allowed"]) == LATIN_IDS
    assert whole_group["refused"] == []
    card = api.get(f"/api/directory/users/{latin_student.user_id}", headers=substitute)
    assert card.status_code == 200, card.text
    assert card.json()["display_name"] == f"{latin_student.first_name} {latin_student.last_name}"
    # …and the students may answer the substitute while the period lasts.
    remplacant = BY_LOGIN["prof.remplacant"]
    assert verdict_for(api, sign_in(latin_student.login), remplacant) == {
        remplacant.login: "allowed"
    }


def test_whole_school_sends_are_reserved_to_management(api: httpx.Client, sign_in: SignIn) -> None:
    whole_school = [{"group_id": SCHOOL_ID, "role": "students"}]

    from_teacher = check(api, sign_in("prof.mathematiques"), whole_school)
    assert from_teacher == {
        "allowed": [],
        "refused": [
            {"group_id": SCHOOL_ID, "role": "students", "reason": "reserved_to_management"}
        ],
    }
    from_cpe = check(api, sign_in("marc.cpe"), whole_school)
    assert from_cpe["refused"] == []
    assert len(from_cpe["allowed"]) == len(STUDENTS) == 112
    assert set(from_cpe["allowed"]) == {u.user_id for u in STUDENTS}


def test_recipient_count_is_bounded(api: httpx.Client, sign_in: SignIn) -> None:
    teacher = sign_in("prof.svt")
    url = "/api/directory/reachability"

    too_many = [{"user_id": str(uuid.uuid4())} for _ in range(201)]
    problem = assert_problem(api.post(url, headers=teacher, json={"recipients": too_many}), 400)
    assert problem["errors"][0]["field"] == "recipients"
    none = assert_problem(api.post(url, headers=teacher, json={"recipients": []}), 400)
    assert [e["field"] for e in none["errors"]] == ["recipients"]
    # 200 is the limit, not over it.
    at_limit = check(api, teacher, too_many[:200])
    assert at_limit["allowed"] == []
    assert len(at_limit["refused"]) == 200


def test_freezing_a_teacher_stops_their_sends_and_ends_their_sessions(
    api: httpx.Client, sign_in: SignIn
) -> None:
    teacher, director = BY_LOGIN["prof.eps"], sign_in("claire.directrice")
    student, parent = plain("3A")[0], PARENT_OF[plain("3A")[0].login]
    # Not through `sign_in`, whose tokens are kept for the whole module: this one ends.
    as_teacher = dev_login(api, teacher.login)
    freeze = f"/api/directory/users/{teacher.user_id}/freeze"
    unfreeze = f"/api/directory/users/{teacher.user_id}/unfreeze"

    forbidden = api.post(
        f"/api/directory/users/{student.user_id}/freeze",
        headers=as_teacher,
        json={"reason": "test"},
    )
    assert assert_problem(forbidden, 403)["code"] == "reserved_to_direction"
    assert verdict_for(api, as_teacher, student) == {student.login: "allowed"}

    frozen = api.post(freeze, headers=director, json={"reason": "compte détourné"})
    try:
        assert frozen.status_code == 200, frozen.text
        assert frozen.json()["frozen"] is True
        # Its sessions end (the directory refuses the token once the freeze is answered),
        # and it may not sign in again while frozen.
        assert_problem(api.get("/api/directory/me", headers=as_teacher), 401)
        refused = api.post("/api/auth/dev-login", json={"login": teacher.login})
        assert assert_problem(refused, 401)["code"] == "invalid_credentials"
    finally:
        unfrozen = api.post(unfreeze, headers=director)
    assert unfrozen.status_code == 200, unfrozen.text
    assert unfrozen.json()["frozen"] is False
    assert_problem(api.get("/api/directory/me", headers=as_teacher), 401)  # stays over
    again = dev_login(api, teacher.login)
    assert verdict_for(api, again, student, parent) == {
        student.login: "allowed",
        parent.login: "allowed",
    }


def dev_login(api: httpx.Client, login: str) -> Headers:
    response = api.post("/api/auth/dev-login", json={"login": login})
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


def test_no_enumeration_of_people_one_may_not_write_to(api: httpx.Client, sign_in: SignIn) -> None:
    me, classmate = plain("6A")[:2]
    stranger = plain("5A")[0]
    auth = sign_in(me.login)

    assert api.get(f"/api/directory/users/{classmate.user_id}", headers=auth).status_code == 200
    hidden = assert_problem(api.get(f"/api/directory/users/{stranger.user_id}", headers=auth), 404)
    absent = assert_problem(api.get(f"/api/directory/users/{uuid.uuid4()}", headers=auth), 404)
    assert {k: v for k, v in hidden.items() if k != "instance"} == {
        k: v for k, v in absent.items() if k != "instance"
    }

    on_behalf = api.post(
        "/api/directory/reachability",
        headers=auth,
        json={"recipients": [{"user_id": me.user_id}], "sender_id": classmate.user_id},
    )
    assert assert_problem(on_behalf, 403)["code"] == "forbidden"
    own = check(api, auth, [{"user_id": classmate.user_id}], sender_id=me.user_id)
    assert own["allowed"] == [classmate.user_id]

    short = assert_problem(api.get("/api/directory/search", headers=auth, params={"q": "ab"}), 400)
    assert [e["field"] for e in short["errors"]] == ["q"]

    # A classmate whose last name a student of another class shares.
    namesakes = {
        c.login: [
            s for s in STUDENTS if s.last_name[:3] == c.last_name[:3] and "6A" not in s.classes
        ]
        for c in plain("6A")
        if c != me
    }
    target = next(BY_LOGIN[login] for login, others in namesakes.items() if others)
    found = api.get("/api/directory/search", headers=auth, params={"q": target.last_name[:3]})
    assert found.status_code == 200, found.text
    cards = found.json()["users"]
    assert target.user_id in {c["user_id"] for c in cards}
    assert all(
        c["last_name"][:3].casefold() == target.last_name[:3].casefold()
        or c["first_name"][:3].casefold() == target.last_name[:3].casefold()
        for c in cards
    )
    other_students = [c for c in cards if c["profile"] == "student" and "6A" not in c["classes"]]
    assert other_students == []
    assert not {s.user_id for s in namesakes[target.login]} & {c["user_id"] for c in cards}


def test_refused_audience_does_not_reveal_its_members(api: httpx.Client, sign_in: SignIn) -> None:
    me = plain("6A")[0]
    verdict = check(api, sign_in(me.login), [{"group_id": CLASS_IDS["5A"], "role": "students"}])
    assert verdict["allowed"] == []
    revealed = {r.get("user_id") for r in verdict["refused"]} & {u.user_id for u in in_class("5A")}
    assert revealed == set(), f"{len(revealed)} ids of 5A students revealed to a 6A student"


def test_search_needs_three_letters_not_three_characters(
    api: httpx.Client, sign_in: SignIn
) -> None:
    auth = sign_in(plain("6A")[0].login)
    for q in ("ab ", "   "):
        response = api.get("/api/directory/search", headers=auth, params={"q": q})
        assert [e["field"] for e in assert_problem(response, 400)["errors"]] == ["q"], q


def test_reachability_check_answers_200(api: httpx.Client, sign_in: SignIn) -> None:
    student, classmate = plain("3A")[:2]
    response = api.post(
        "/api/directory/reachability",
        headers=sign_in(student.login),
        json={"recipients": [{"user_id": classmate.user_id}]},
    )
    assert response.json() == {"allowed": [classmate.user_id], "refused": []}
    assert response.status_code == 200


def test_direction_revokes_and_grants_a_one_way_rule(api: httpx.Client, sign_in: SignIn) -> None:
    director = sign_in("claire.directrice")
    rules_url = f"/api/directory/schools/{SCHOOL_ID}/rules"
    student = plain("6A")[0]
    parent, teacher = PARENT_OF[student.login], BY_LOGIN["prof.histoiregeographie"]

    assert assert_problem(api.get(rules_url, headers=sign_in(teacher.login)), 403)
    listed = api.get(rules_url, headers=director)
    assert listed.status_code == 200, listed.text
    rules = listed.json()
    assert rules
    (rule,) = [
        r
        for r in rules
        if r["sender_scope"] == CLASS_IDS["6A"]
        and r["sender_role"] == "parents"
        and r["recipient_role"] == "teachers"
    ]
    assert rule["recipient_scope"] == CLASS_IDS["6A"]
    assert verdict_for(api, sign_in(parent.login), teacher) == {teacher.login: "allowed"}

    revoked = api.delete(f"{rules_url}/{rule['rule_id']}", headers=director)
    assert revoked.status_code == 204, revoked.text
    body = {k: v for k, v in rule.items() if k != "rule_id"}
    try:
        remaining = api.get(rules_url, headers=director).json()
        assert rule["rule_id"] not in {r["rule_id"] for r in remaining}
        assert verdict_for(api, sign_in(parent.login), teacher) == {teacher.login: "not_allowed"}
        assert verdict_for(api, sign_in(teacher.login), parent) == {parent.login: "allowed"}
    finally:
        granted = api.post(rules_url, headers=director, json=body)
    assert granted.status_code == 201, granted.text
    assert granted.json() == rule  # the id follows from what the rule permits
    assert verdict_for(api, sign_in(parent.login), teacher) == {teacher.login: "allowed"}


@pytest.mark.parametrize("class_index", range(len(CLASSES)))
def test_assistant_lists_class_teachers_with_the_main_teacher(
    api: httpx.Client, sign_in: SignIn, class_index: int
) -> None:
    class_name = CLASSES[class_index]
    student = in_class(class_name)[-1]
    auth = sign_in(student.login)

    audiences = api.get("/api/directory/assistant", headers=auth)
    assert audiences.status_code == 200, audiences.text
    keys = {(a["group_id"], a["role"]): a for a in audiences.json()}
    teachers_audience = keys[(CLASS_IDS[class_name], "teachers")]
    assert teachers_audience["list_kind"] == "pedagogical"
    assert class_name in teachers_audience["label"]
    assert (CLASS_IDS[class_name], "parents") not in keys
    assert (SCHOOL_ID, "students") not in keys

    members = api.get(
        "/api/directory/assistant/members",
        headers=auth,
        params={"group_id": CLASS_IDS[class_name], "role": "teachers"},
    )
    assert members.status_code == 200, members.text
    listed = members.json()
    assert {m["user_id"] for m in listed} == {t.user_id for t in CLASS_TEACHERS}
    main = [m for m in listed if m["main_teacher"]]
    assert [m["user_id"] for m in main] == [CLASS_TEACHERS[class_index].user_id]


def test_password_sign_in_refuses_wrong_and_unknown_alike(api: httpx.Client) -> None:
    good = api.post("/api/auth/login", json={"login": "lucas.martin", "password": DEMO_PASSWORD})
    assert good.status_code == 201, good.text
    token = good.json()["access_token"]
    me = api.get("/api/directory/me", headers={"authorization": f"Bearer {token}"})
    assert me.json()["first_name"] == "Lucas"

    wrong = api.post("/api/auth/login", json={"login": "lucas.martin", "password": "nope-nope"})
    unknown = api.post("/api/auth/login", json={"login": "nobody.here", "password": "nope-nope"})
    for refused in (wrong, unknown):
        problem = assert_problem(refused, 401)
        assert problem["code"] == "invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_favourites_are_private_and_found_by_search(api: httpx.Client, sign_in: SignIn) -> None:
    teacher = sign_in("prof.anglais")
    audience = {"group_id": CLASS_IDS["6A"], "role": "parents"}
    saved = api.post(
        "/api/directory/favourites",
        headers=teacher,
        json={"name": "Parents 6A réunion", "recipients": [audience]},
    )
    assert saved.status_code == 201, saved.text
    favourite_id = saved.json()["favourite_id"]
    try:
        mine = api.get("/api/directory/favourites", headers=teacher).json()
        assert [f["recipients"] for f in mine if f["favourite_id"] == favourite_id] == [[audience]]
        found = api.get("/api/directory/search", headers=teacher, params={"q": "par"}).json()
        assert favourite_id in {f["favourite_id"] for f in found["favourites"]}
        assert any(
            g["group_id"] == CLASS_IDS["6A"] and g["role"] == "parents" for g in found["groups"]
        )

        other = sign_in("prof.francais")
        assert favourite_id not in {
            f["favourite_id"] for f in api.get("/api/directory/favourites", headers=other).json()
        }
        assert_problem(api.delete(f"/api/directory/favourites/{favourite_id}", headers=other), 404)
        bad = api.post(
            "/api/directory/favourites",
            headers=teacher,
            json={"name": "Trop", "recipients": [audience] * 201},
        )
        assert [e["field"] for e in assert_problem(bad, 400)["errors"]] == ["recipients"]
    finally:
        deleted = api.delete(f"/api/directory/favourites/{favourite_id}", headers=teacher)
    assert deleted.status_code == 204
    assert favourite_id not in {
        f["favourite_id"] for f in api.get("/api/directory/favourites", headers=teacher).json()
    }
