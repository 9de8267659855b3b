"""School life (issue 12, "Proof") through the gateway only, on the demo collège.

One platform for the module (tests/e2e/conftest.py); the school-life demo seed lands in
the background once the directory's demo school reaches school life, so the first thing
is a bounded wait for it. Tokens are signed in once per login and reused.

Who is who in the demo collège (services/directory/.../demo_school.py): 3A is the first
class by name (its Thursday lesson is cancelled this week), lucas.martin, emma.richard
and louis.simon are in 6A, rose.martin is lucas's parent, adam.david the parent of
eva.david (5A) and juliette.david (3A); every subject teacher teaches the four classes,
the "Latin 5e-4e" group is prof.latin's only."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from ent_schoollife.domain.report_cards import report_card_id
from fpdf import FPDF
from PIL import Image
from platform_api import Headers
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

SL = "/api/schoollife"
SEED_TIMEOUT_S = 240.0
Json = dict[str, Any]


# --- helpers ------------------------------------------------------------------------------


class School:
    """Signed-in demo users (one token per login for the module) and JSON calls."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self._tokens: dict[str, Headers] = {}

    def auth(self, login: str) -> Headers:
        if login not in self._tokens:
            response = self.api.post("/api/auth/dev-login", json={"login": login})
            assert response.status_code == 201, response.text
            self._tokens[login] = {"authorization": f"Bearer {response.json()['access_token']}"}
        return self._tokens[login]

    def call(self, method: str, login: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.api.request(method, SL + path, headers=self.auth(login), **kwargs)

    def get(self, login: str, path: str, **params: Any) -> Json:
        response = self.call("GET", login, path, params=params)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return dict(response.json())

    def post(self, login: str, path: str, body: Any, status: int = 201) -> Json:
        response = self.call("POST", login, path, json=body)
        assert response.status_code == status, (path, response.status_code, response.text)
        return dict(response.json()) if response.content else {}

    def put(self, login: str, path: str, body: Any, status: int = 200) -> Json:
        response = self.call("PUT", login, path, json=body)
        assert response.status_code == status, (path, response.status_code, response.text)
        return dict(response.json()) if response.content else {}

    def me(self, login: str) -> Json:
        return self.get(login, "/me")

    def user_id(self, login: str) -> str:
        return str(self.me(login)["user"]["user_id"])

    def classes(self) -> dict[str, str]:
        """Class (and group) name → id, as a teacher of every class sees them."""
        return {g["name"]: g["group_id"] for g in self.me("prof.latin")["groups_taught"]}


def eventually(probe: Callable[[], bool], timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(every)
    return False


def last_weekday_before(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def term_of(terms: list[Json], day: date) -> Json:
    return next(
        t
        for t in terms
        if date.fromisoformat(t["starts_on"]) <= day <= date.fromisoformat(t["ends_on"])
    )


def small_pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="JPEG", quality=80)
    return out.getvalue()


# --- the seed -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def school(api: httpx.Client) -> School:
    """The demo seed has landed: every area, the vie scolaire's (agenda) last of all."""
    school = School(api)
    started = time.monotonic()

    def landed() -> bool:
        week = school.call("GET", "juliette.david", "/timetable/week")
        if week.status_code != 200 or not week.json()["occurrences"]:
            return False
        agenda = school.call("GET", "marc.cpe", "/agenda")
        titles = {i["title"] for i in agenda.json()["items"]} if agenda.status_code == 200 else ()
        return "Sortie au musée" in titles

    assert eventually(landed, SEED_TIMEOUT_S), "the school-life demo seed never landed"
    print(f"\nschool-life demo seed landed {time.monotonic() - started:.1f} s after start-up")
    return school


# --- timetable ----------------------------------------------------------------------------


def test_demo_week_has_lessons_one_cancelled_one_in_another_room(school: School) -> None:
    week = school.get("juliette.david", "/timetable/week")  # 3A, the first class

    occurrences = week["occurrences"]
    assert len(occurrences) == 25  # a week of 25 hours
    assert {o["group"] for o in occurrences} == {"3A"}
    assert len({o["subject"] for o in occurrences}) >= 8
    cancelled = [o for o in occurrences if o["status"] == "cancelled"]
    assert len(cancelled) == 1
    (lesson,) = cancelled
    assert lesson["cancel_reason"] == "Enseignant absent"
    assert date.fromisoformat(lesson["date"]).isoweekday() == 4  # Thursday
    # The same week as the class's, and the day view agrees.
    group_week = school.get("marc.cpe", f"/timetable/groups/{school.classes()['3A']}/week")
    assert [o["lesson_id"] for o in group_week["occurrences"]] == [
        o["lesson_id"] for o in occurrences
    ]
    day = school.get("juliette.david", "/timetable/day", day=lesson["date"])
    assert lesson["lesson_id"] in {
        o["lesson_id"] for o in day["occurrences"] if o["status"] == "cancelled"
    }
    # 4A's first Tuesday lesson is given at the CDI this week.
    fourth = school.get("marc.cpe", f"/timetable/groups/{school.classes()['4A']}/week")
    moved = [o for o in fourth["occurrences"] if o["status"] == "room_changed"]
    assert [(o["room"], date.fromisoformat(o["date"]).isoweekday()) for o in moved] == [("CDI", 2)]
    assert moved[0]["original_room"] not in (None, "CDI")


# --- the child switch ---------------------------------------------------------------------


def test_parent_of_two_switches_child(school: School) -> None:
    parent = "adam.david"
    me = school.me(parent)
    children = {c["display_name"]: c for c in me["children"]}
    assert sorted(children) == ["Eva David", "Juliette David"]
    assert [g["name"] for g in children["Eva David"]["classes"]] == ["5A"]
    assert [g["name"] for g in children["Juliette David"]["classes"]] == ["3A"]

    # Without saying which child, each consultation asks to choose.
    for path in (
        "/timetable/week",
        "/grades/by-subject",
        "/notebook/homework",
        "/vie-scolaire/absences",
    ):
        response = school.call("GET", parent, path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        problem = response.json()
        assert problem["code"] == "student_required", (path, problem)
        assert problem["field"] == "student_id"

    seen: dict[str, dict[str, set[str]]] = {}
    for name, login in (("Eva David", "eva.david"), ("Juliette David", "juliette.david")):
        child = children[name]
        sid, (klass,) = child["user_id"], child["classes"]
        week = school.get(parent, "/timetable/week", student_id=sid)
        grades = school.get(parent, "/grades/by-subject", student_id=sid)
        homework = school.get(parent, "/notebook/homework", student_id=sid)
        # The parent sees what the child sees.
        assert week == school.get(login, "/timetable/week")
        assert grades == school.get(login, "/grades/by-subject")
        assert homework == school.get(login, "/notebook/homework")

        assert week["student"]["user_id"] == grades["student"]["user_id"] == sid
        assert week["occurrences"]
        assert grades["subjects"]
        assert homework["items"]
        # Everything is the child's class's (or a group the child is in, as Latin).
        assert klass["group_id"] in {o["group_id"] for o in week["occurrences"]}
        assert {o["group"] for o in week["occurrences"]} <= {klass["name"], "Latin 5e-4e"}
        assert {h["group_id"] for h in homework["items"]} == {klass["group_id"]}
        class_evaluations = {
            e["evaluation_id"]
            for e in school.get(
                "marc.cpe", "/grades/evaluations", group_id=klass["group_id"], limit=100
            )["items"]
        }
        graded = {g["evaluation_id"] for s in grades["subjects"] for g in s["grades"]}
        assert graded
        assert graded <= class_evaluations
        seen[name] = {
            "lessons": {o["lesson_id"] for o in week["occurrences"]},
            "evaluations": graded,
            "homework": {h["homework_id"] for h in homework["items"]},
        }
    # Two children, two different school lives.
    for kind in ("lessons", "evaluations", "homework"):
        assert not seen["Eva David"][kind] & seen["Juliette David"][kind], kind


def test_parent_cannot_see_another_familys_child(school: School) -> None:
    lucas = school.user_id("lucas.martin")
    assert lucas in {c["user_id"] for c in school.me("rose.martin")["children"]}
    for path in (
        "/timetable/week",
        "/timetable/day",
        "/grades/by-subject",
        "/grades/chronological",
        "/notebook/homework",
        "/notebook/week",
        "/vie-scolaire/absences",
        "/vie-scolaire/summary",
        "/report-cards",
    ):
        # His own parent reads it; another family's parent, or another student, gets 404.
        assert (
            school.call("GET", "rose.martin", path, params={"student_id": lucas}).status_code == 200
        )
        for stranger in ("adam.david", "eva.david"):
            response = school.call("GET", stranger, path, params={"student_id": lucas})
            assert response.status_code == 404, (stranger, path, response.status_code)


# --- Déposer ma copie ---------------------------------------------------------------------


def test_hand_ins_on_time_late_missing_and_zip(school: School) -> None:
    sixth = school.classes()["6A"]
    today = date.today()
    teacher = "prof.francais"

    def homework(title: str, due_on: date) -> Json:
        return school.post(
            teacher,
            "/notebook/homework",
            {
                "group_id": sixth,
                "subject": "Français",
                "title": title,
                "instructions": "Déposez votre copie (photo ou PDF).",
                "due_on": due_on.isoformat(),
                "due_time": "08:00:00",
                "hand_in": True,
            },
        )

    def hand_in(login: str, homework_id: str, name: str, content: bytes, kind: str) -> Json:
        response = school.call(
            "POST",
            login,
            f"/notebook/homework/{homework_id}/copies",
            files={"file": (name, content, kind)},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    soon = homework("Rédaction : mon héros", today + timedelta(days=3))
    past = homework("Résumé du chapitre 2", today - timedelta(days=1))
    pdf, jpeg = small_pdf("Copie de Lucas Martin"), small_jpeg()
    assert pdf.startswith(b"%PDF")
    assert jpeg.startswith(b"\xff\xd8\xff")

    # Before: not done.
    before = school.get("lucas.martin", f"/notebook/homework/{soon['homework_id']}")
    assert before["status"]["done"] is False
    copy_pdf = hand_in("lucas.martin", soon["homework_id"], "copie.pdf", pdf, "application/pdf")
    copy_jpg = hand_in("emma.richard", soon["homework_id"], "photo.jpg", jpeg, "image/jpeg")
    copy_late = hand_in("louis.simon", past["homework_id"], "retard.pdf", pdf, "application/pdf")
    assert (copy_pdf["media_type"], copy_pdf["late"]) == ("application/pdf", False)
    assert (copy_jpg["media_type"], copy_jpg["late"]) == ("image/jpeg", False)
    assert copy_late["late"] is True
    assert copy_pdf["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert copy_jpg["sha256"] == hashlib.sha256(jpeg).hexdigest()

    # "Fait" for the student (and their parent), in the homework and in the notebook list.
    for login, params in (
        ("lucas.martin", {}),
        ("rose.martin", {"student_id": copy_pdf["student_id"]}),
    ):
        one = school.get(login, f"/notebook/homework/{soon['homework_id']}", **params)
        assert one["status"]["done"] is True
        assert one["status"]["copies"] == 1
        listed = school.get(login, "/notebook/homework", **params)["items"]
        assert next(h for h in listed if h["homework_id"] == soon["homework_id"])["status"]["done"]
    other = school.get("louis.simon", f"/notebook/homework/{soon['homework_id']}")
    assert other["status"]["done"] is False
    # Another class's student can hand in nothing here.
    stranger = school.call(
        "POST",
        "eva.david",
        f"/notebook/homework/{soon['homework_id']}/copies",
        files={"file": ("x.pdf", pdf, "application/pdf")},
    )
    assert stranger.status_code in (403, 404)

    # The teacher's list: on time, late, missing.
    listing = school.get(teacher, f"/notebook/homework/{soon['homework_id']}/hand-ins")
    status = {row["student"]["user_id"]: row["status"] for row in listing["students"]}
    assert len(status) == 28
    assert status[copy_pdf["student_id"]] == status[copy_jpg["student_id"]] == "on_time"
    assert (listing["on_time"], listing["late"], listing["missing"]) == (2, 0, 26)
    late_listing = school.get(teacher, f"/notebook/homework/{past['homework_id']}/hand-ins")
    late_status = {row["student"]["user_id"]: row["status"] for row in late_listing["students"]}
    assert late_status[copy_late["student_id"]] == "late"
    assert (late_listing["on_time"], late_listing["late"], late_listing["missing"]) == (0, 1, 27)
    assert set(late_status.values()) == {"late", "missing"}

    # One by one, then all as a zip: the bytes handed in.
    single = school.call(
        "GET", teacher, f"/notebook/homework/{soon['homework_id']}/copies/{copy_jpg['copy_id']}"
    )
    assert single.status_code == 200
    assert single.content == jpeg
    zipped = school.call("GET", teacher, f"/notebook/homework/{soon['homework_id']}/hand-ins/zip")
    assert zipped.status_code == 200, zipped.text
    assert zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
    assert sorted(contents.values()) == sorted([pdf, jpeg])
    assert all("Français" in name for name in names)
    pdf_name = next(n for n, c in contents.items() if c == pdf)
    assert pdf_name.startswith("Martin Lucas")
    assert pdf_name.endswith(".pdf")
    with zipfile.ZipFile(
        io.BytesIO(
            school.call(
                "GET", teacher, f"/notebook/homework/{past['homework_id']}/hand-ins/zip"
            ).content
        )
    ) as archive:
        (late_name,) = archive.namelist()
        assert "(en retard)" in late_name
        assert archive.read(late_name) == pdf
    # Students do not list the class's copies.
    assert school.call(
        "GET", "lucas.martin", f"/notebook/homework/{soon['homework_id']}/hand-ins"
    ).status_code in (403, 404)


# --- grades -------------------------------------------------------------------------------


def test_grades_give_the_documented_averages(school: School) -> None:
    """Coefficients, a test out of 40 not brought to 20, one out of 5 not brought to 20,
    optional and bonus, Abs, Disp and NN in 6A, in a term the demo seeds nothing in (the
    demo grades the current term; its report cards the previous one). The table below is
    computed by hand with the README's rules."""
    sixth = school.classes()["6A"]
    terms = school.get("lucas.martin", "/grades/terms")
    current = terms["current"]["term_id"]
    ids = [t["term_id"] for t in terms["terms"]]
    report_term = ids[max(ids.index(current) - 1, 0)]
    term = next(t for t in terms["terms"] if t["term_id"] not in (current, report_term))
    day = date.fromisoformat(term["starts_on"]) + timedelta(days=7)
    a, b, c = (school.user_id(s) for s in ("lucas.martin", "emma.richard", "louis.simon"))
    # Nothing of this term yet.
    assert (
        school.get("lucas.martin", "/grades/by-subject", term_id=term["term_id"])["subjects"] == []
    )

    def evaluation(
        teacher: str, subject: str, title: str, grades: dict[str, Any], **kw: Any
    ) -> str:
        sheet = school.post(
            teacher,
            "/grades/evaluations",
            {"group_id": sixth, "subject": subject, "on": day.isoformat(), "title": title, **kw},
        )
        evaluation_id = str(sheet["evaluation"]["evaluation_id"])
        entries = [
            {"student_id": s, "marker": g} if isinstance(g, str) else {"student_id": s, "value": g}
            for s, g in grades.items()
        ]
        school.put(teacher, f"/grades/evaluations/{evaluation_id}/grades", {"grades": entries})
        return evaluation_id

    fr, ma = "prof.francais", "prof.mathematiques"
    made = [
        # Français: 20 coef 2; 40 not brought to 20 (weighs 2); optional /10; bonus /20.
        evaluation(fr, "Français", "Dictée", {a: 14, b: "Abs", c: "Disp"}, coefficient=2),
        evaluation(
            fr, "Français", "Rédaction", {a: 30, b: 24, c: "Abs"}, out_of=40, brought_to_20=False
        ),
        evaluation(
            fr, "Français", "Interro facultative", {a: 9, b: 5, c: 7}, out_of=10, optional=True
        ),
        evaluation(fr, "Français", "Exposé (bonus)", {a: 16, b: 8, c: "NN"}, bonus=True),
        # Mathématiques: 20 coef 1; /5 coef 2 not brought to 20 (weighs 0.5).
        evaluation(ma, "Mathématiques", "Contrôle", {a: 10, b: 16, c: "Abs"}),
        evaluation(
            ma,
            "Mathématiques",
            "QCM",
            {a: 5, b: 2.5, c: 3},
            out_of=5,
            coefficient=2,
            brought_to_20=False,
        ),
    ]
    # Not published: the student sees nothing of them.
    assert (
        school.get("lucas.martin", "/grades/by-subject", term_id=term["term_id"])["subjects"] == []
    )
    for evaluation_id in made:
        teacher = fr if evaluation_id in made[:4] else ma
        published = school.post(teacher, f"/grades/evaluations/{evaluation_id}/publish", {}, 200)
        assert published["evaluation"]["published"] is True
    # Mathématiques weighs 3 in the overall average (the direction sets it).
    school.put("claire.directrice", "/grades/coefficients/Mathématiques", {"coefficient": 3})

    # By hand (g on 20, weight):
    #   A Français: regular 14x2 + 15x2 → 58/4 = 14.5; optional 18 > 14.5 → 76/5 = 15.2;
    #     bonus 16 → +6 → 82/5 = 16.4.   Maths: (10x1 + 20x0.5)/1.5 = 13.333…
    #   B Français: 12x2/2 = 12; optional 10 < 12 left out; bonus 8 adds nothing → 12.
    #     Maths: (16x1 + 10x0.5)/1.5 = 14.
    #   C Français: no regular grade, the optional 14 starts it → 14 (Abs, Disp, NN: nothing).
    #     Maths: 12x0.5/0.5 = 12.
    #   Overall, Maths x3: A (16.4 + 40)/4 = 14.1; B (12 + 42)/4 = 13.5; C (14 + 36)/4 = 12.5.
    #   Class: Français mean(16.4, 12, 14) = 14.13, min 12, max 16.4; Maths
    #   mean(13.33, 14, 12) = 13.11, min 12, max 14; overall mean(14.1, 13.5, 12.5) = 13.37.
    expected = {
        "lucas.martin": ({"Français": 16.4, "Mathématiques": 13.33}, 14.1),
        "emma.richard": ({"Français": 12.0, "Mathématiques": 14.0}, 13.5),
        "louis.simon": ({"Français": 14.0, "Mathématiques": 12.0}, 12.5),
    }
    classes = {"Français": (14.13, 12.0, 16.4), "Mathématiques": (13.11, 12.0, 14.0)}
    for login, (subjects, overall) in expected.items():
        grades = school.get(login, "/grades/by-subject", term_id=term["term_id"])
        lines = {s["subject"]: s for s in grades["subjects"]}
        assert {s: line["average"] for s, line in lines.items()} == subjects, login
        assert grades["overall_average"] == overall, login
        assert grades["class_overall_average"] == 13.37
        for subject, (average, low, high) in classes.items():
            line = lines[subject]
            assert (line["class_average"], line["class_min"], line["class_max"]) == (
                average,
                low,
                high,
            )
        assert lines["Mathématiques"]["coefficient"] == 3.0
        assert lines["Français"]["coefficient"] == 1.0
    # Each grade line: the student's value or marker, the class's mean, min, max on its scale.
    grades = school.get("louis.simon", "/grades/chronological", term_id=term["term_id"])["grades"]
    by_title = {g["title"]: g for g in grades}
    assert (by_title["Dictée"]["value"], by_title["Dictée"]["marker"]) == (None, "Disp")
    assert by_title["Rédaction"]["marker"] == "Abs"
    assert by_title["Exposé (bonus)"]["marker"] == "NN"
    redaction = by_title["Rédaction"]
    assert (redaction["class_average"], redaction["class_min"], redaction["class_max"]) == (
        27.0,
        24.0,
        30.0,
    )
    assert (redaction["out_of"], redaction["brought_to_20"]) == (40.0, False)
    # The class's table, for its teachers, agrees.
    table = school.get(fr, f"/grades/groups/{sixth}/averages", term_id=term["term_id"])
    rows = {row["student"]["user_id"]: row for row in table["students"]}
    assert rows[a]["overall"] == 14.1
    assert rows[a]["subjects"]["Français"] == 16.4
    assert table["overall"] == 13.37


def test_teacher_cannot_grade_a_group_they_do_not_teach(school: School) -> None:
    groups = school.classes()
    latin = groups["Latin 5e-4e"]
    assert latin not in {g["group_id"] for g in school.me("prof.francais")["groups_taught"]}
    body = {"group_id": latin, "subject": "Français", "on": date.today().isoformat(), "title": "X"}
    refused = school.call("POST", "prof.francais", "/grades/evaluations", json=body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "not_teaching"
    # Nor enter grades in the Latin teacher's evaluation.
    sheet = school.post("prof.latin", "/grades/evaluations", {**body, "subject": "Latin"})
    evaluation_id = sheet["evaluation"]["evaluation_id"]
    student = sheet["rows"][0]["student"]["user_id"]
    entry = school.call(
        "PUT",
        "prof.francais",
        f"/grades/evaluations/{evaluation_id}/grades",
        json={"grades": [{"student_id": student, "value": 12}]},
    )
    assert entry.status_code == 403, entry.text
    publish = school.call("POST", "prof.francais", f"/grades/evaluations/{evaluation_id}/publish")
    assert publish.status_code == 403
    # A class they teach, but not in their subject.
    other = school.call(
        "POST",
        "prof.francais",
        "/grades/evaluations",
        json={**body, "group_id": groups["6A"], "subject": "Mathématiques"},
    )
    assert other.status_code == 403
    assert other.json()["code"] == "not_your_subject"
    # prof.remplacant stands in for prof.latin this period: he grades the Latin group, in
    # Latin only.
    substitute = school.call("POST", "prof.remplacant", "/grades/evaluations", json=body)
    assert substitute.status_code == 403
    assert substitute.json()["code"] == "not_your_subject"
    school.post("prof.remplacant", "/grades/evaluations", {**body, "subject": "Latin"})
    # The group's own teacher may.
    school.put(
        "prof.latin",
        f"/grades/evaluations/{evaluation_id}/grades",
        {"grades": [{"student_id": student, "value": 12}]},
    )


# --- report cards -------------------------------------------------------------------------


def test_report_cards_hidden_until_published_then_frozen_with_pdf(school: School) -> None:
    sixth = school.classes()["6A"]
    terms = school.get("lucas.martin", "/grades/terms")["terms"]
    # The term whose appreciations the demo wrote for 6A.
    drafts = {
        t["term_id"]: school.get(
            "prof.francais", f"/report-cards/classes/{sixth}/terms/{t['term_id']}"
        )
        for t in terms
    }
    term_id = next(
        tid for tid, d in drafts.items() if any(s["appreciations"] for s in d["students"])
    )
    draft = drafts[term_id]
    assert draft["published"] is False
    lucas = school.user_id("lucas.martin")
    row = next(s for s in draft["students"] if s["student_id"] == lucas)
    assert row["report_card_id"] is None
    assert {a["subject"] for a in row["appreciations"]} >= {"Français", "Mathématiques"}

    # Before publication: nothing for the student and the parent; their list is empty and
    # the class's drafts are not theirs to read.
    card_id = report_card_id(sixth, term_id, lucas)  # the id it will have once published
    for login, params in (("lucas.martin", {}), ("rose.martin", {"student_id": lucas})):
        assert school.get(login, "/report-cards", **params)["items"] == []
        for path in (f"/report-cards/{card_id}", f"/report-cards/{card_id}/pdf"):
            assert school.call("GET", login, path).status_code == 404, (login, path)
        drafts_call = school.call("GET", login, f"/report-cards/classes/{sixth}/terms/{term_id}")
        assert drafts_call.status_code == 404
    # Only the direction publishes.
    teacher_try = school.call(
        "POST", "prof.francais", f"/report-cards/classes/{sixth}/terms/{term_id}/publish"
    )
    assert teacher_try.status_code == 403

    live = school.get("lucas.martin", "/grades/by-subject", term_id=term_id)
    publication = school.post(
        "claire.directrice", f"/report-cards/classes/{sixth}/terms/{term_id}/publish", {}
    )
    assert publication["report_cards"] == 28
    again = school.call(
        "POST", "claire.directrice", f"/report-cards/classes/{sixth}/terms/{term_id}/publish"
    )
    assert again.status_code == 409

    (card,) = school.get("lucas.martin", "/report-cards")["items"]
    assert card["report_card_id"] == card_id
    assert card == school.get("rose.martin", "/report-cards", student_id=lucas)["items"][0]
    assert card == school.get("rose.martin", f"/report-cards/{card['report_card_id']}")
    assert (card["student_id"], card["class_name"], card["term_id"]) == (lucas, "6A", term_id)
    # Averages frozen at publication: the ones consulted just before.
    lines = {s["subject"]: s for s in card["subjects"]}
    for subject in live["subjects"]:
        line = lines[subject["subject"]]
        assert line["student_average"] == subject["average"], subject["subject"]
        assert line["class_average"] == subject["class_average"], subject["subject"]
    assert card["overall_average"] == live["overall_average"]
    assert card["class_overall_average"] == live["class_overall_average"]
    assert lines["Français"]["appreciation"]
    assert card["general_appreciation"]

    # PDF for the student and the parent; another family: 404, as for the card.
    pdf = school.call("GET", "rose.martin", f"/report-cards/{card['report_card_id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Lucas" in text
    assert "Martin" in text
    assert "6A" in text
    for path in (
        f"/report-cards/{card['report_card_id']}",
        f"/report-cards/{card['report_card_id']}/pdf",
    ):
        assert school.call("GET", "adam.david", path).status_code == 404
        assert school.call("GET", "emma.richard", path).status_code == 404

    # A grade published after the council moves the live average, not the report card.
    starts, ends = (
        date.fromisoformat(t[k])
        for t in terms
        if t["term_id"] == term_id
        for k in ("starts_on", "ends_on")
    )
    on = min(max(date.today(), starts), ends)
    sheet = school.post(
        "prof.francais",
        "/grades/evaluations",
        {
            "group_id": sixth,
            "subject": "Français",
            "on": on.isoformat(),
            "title": "Après le conseil",
        },
    )
    evaluation_id = sheet["evaluation"]["evaluation_id"]
    school.put(
        "prof.francais",
        f"/grades/evaluations/{evaluation_id}/grades",
        {"grades": [{"student_id": lucas, "value": 0}]},
    )
    school.post("prof.francais", f"/grades/evaluations/{evaluation_id}/publish", {}, 200)
    after = school.get("lucas.martin", "/grades/by-subject", term_id=term_id)
    moved = {s["subject"]: s["average"] for s in after["subjects"]}
    assert moved["Français"] != lines["Français"]["student_average"]
    assert school.get("lucas.martin", f"/report-cards/{card['report_card_id']}") == card


# --- vie scolaire -------------------------------------------------------------------------


def test_absence_recorded_justified_accepted_and_counted_per_term(school: School) -> None:
    lucas = school.user_id("lucas.martin")
    cpe, parent = "marc.cpe", "rose.martin"
    day = last_weekday_before(date.today())
    before = school.get(parent, "/vie-scolaire/summary", student_id=lucas)
    term = term_of([t["term"] for t in before["terms"]], day)

    def counts(summary: Json) -> dict[str, Json]:
        return {t["term"]["term_id"]: t["counts"] for t in summary["terms"]}

    absence = school.post(
        cpe,
        "/vie-scolaire/absences",
        {
            "student_id": lucas,
            "starts_at": datetime.combine(day, datetime.min.time()).replace(hour=8).isoformat(),
            "ends_at": datetime.combine(day, datetime.min.time()).replace(hour=17).isoformat(),
        },
    )
    absence_id = absence["absence_id"]
    assert (absence["state"], absence["half_days"]) == ("to_justify", 2)
    school.post(
        cpe,
        "/vie-scolaire/lateness",
        {
            "student_id": lucas,
            "arrived_at": datetime.combine(day, datetime.min.time())
            .replace(hour=8, minute=15)
            .isoformat(),
            "minutes": 15,
        },
    )

    def delta(summary: Json) -> dict[str, dict[str, int]]:
        now, then = counts(summary), counts(before)
        return {
            tid: {k: now[tid][k] - then[tid][k] for k in now[tid] if now[tid][k] != then[tid][k]}
            for tid in now
        }

    recorded = delta(school.get(parent, "/vie-scolaire/summary", student_id=lucas))
    assert recorded[term["term_id"]] == {
        "absences": 1,
        "half_days": 2,
        "unjustified_absences": 1,
        "unjustified_half_days": 2,
        "late_arrivals": 1,
        "late_minutes": 15,
    }
    assert all(not d for tid, d in recorded.items() if tid != term["term_id"])
    listed = school.get(parent, "/vie-scolaire/absences", student_id=lucas, term_id=term["term_id"])
    assert absence_id in {a["absence_id"] for a in listed["items"]}

    # Another family cannot justify it; the parent does.
    form = {"reason": "illness", "comment": "Fièvre, certificat à suivre."}
    stranger = school.call(
        "POST", "adam.david", f"/vie-scolaire/absences/{absence_id}/justification", json=form
    )
    assert stranger.status_code == 404
    justified = school.post(parent, f"/vie-scolaire/absences/{absence_id}/justification", form, 200)
    assert justified["state"] == "submitted"
    assert justified["justification"]["reason"] == "illness"
    pending = school.get(cpe, "/vie-scolaire/pending")
    assert absence_id in {a["absence_id"] for a in pending["items"]}
    # Waiting for a decision, it still counts as unjustified.
    waiting = delta(school.get(parent, "/vie-scolaire/summary", student_id=lucas))
    assert waiting[term["term_id"]]["unjustified_absences"] == 1

    decided = school.post(
        cpe, f"/vie-scolaire/absences/{absence_id}/decision", {"decision": "accepted"}, 200
    )
    assert decided["state"] == "accepted"
    assert decided["decision"]["accepted"] is True
    assert school.get(parent, f"/vie-scolaire/absences/{absence_id}")["state"] == "accepted"
    assert school.get("lucas.martin", f"/vie-scolaire/absences/{absence_id}")["state"] == "accepted"
    accepted = delta(school.get(cpe, "/vie-scolaire/summary", student_id=lucas))
    assert accepted[term["term_id"]] == {
        "absences": 1,
        "half_days": 2,
        "late_arrivals": 1,
        "late_minutes": 15,
    }
    # Nothing left to decide.
    again = school.call(
        "POST", cpe, f"/vie-scolaire/absences/{absence_id}/decision", json={"decision": "accepted"}
    )
    assert again.status_code == 409
