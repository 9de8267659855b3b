"""Report cards (bulletins): teachers write appreciations, the main teacher a general one,
the direction publishes; students and parents see nothing before, then a report card with
averages frozen at publication, and its PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import pytest
from ent_contracts.directory import GroupMembershipChanged
from ent_kit.auth import Identity
from ent_kit.errors import Conflict, Unprocessable
from ent_schoollife.application.demo_report_cards import _previous_term, seed_demo_report_cards
from ent_schoollife.application.report_card_views import report_card_view
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms
from ent_schoollife.domain.report_cards import (
    ClassReportCards,
    Scope,
    StudentAverages,
    SubjectAverages,
    report_card_id,
    report_cards_id,
)
from ent_schoollife.domain.terms import default_terms, term_of
from ent_schoollife.wiring import report_cards as report_cards_wiring
from kit_fixtures import user_registered
from schoollife_fixtures import (
    CLASS_5A,
    CLASS_6A,
    CLASS_6B,
    DIRECTION,
    FRENCH,
    HUGO,
    JADE,
    LATIN,
    LATIN_TEACHER,
    LEA,
    MATHS,
    OTHER_TEACHER,
    PARENT_DOUBLE,
    PARENT_SIMPLE,
    PARENT_ZOE,
    SCHOOL,
    SUBSTITUTE,
    VIE_SCOLAIRE,
    ZOE,
    Schoollife,
    feed_roster,
    in_service_loop,
    schoollife,
)

__all__ = ["schoollife"]
TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()  # the school's day
TERM = term_of(default_terms(TODAY), TODAY)
assert TERM is not None
BASE = f"/schoollife/report-cards/classes/{CLASS_6A}/terms/{TERM.term_id}"
LEA_CARD = report_card_id(CLASS_6A, TERM.term_id, LEA.user_id)
HUGO_CARD = report_card_id(CLASS_6A, TERM.term_id, HUGO.user_id)


# --- the aggregate ------------------------------------------------------------------------


def test_publication_keeps_the_appreciations_and_the_averages_given_then_closes() -> None:
    scope = Scope(school_id=SCHOOL, class_id=CLASS_6A, term=TERM)
    cards = ClassReportCards("rc")
    cards.write_appreciation(scope, "lea", "Français", "t", "  Très bonne maîtrise  ")
    cards.write_appreciation(scope, "lea", "Anglais", "t2", "Bien")
    cards.write_appreciation(scope, "lea", "Anglais", "t2", "")  # removed
    cards.write_general(scope, "lea", "t", "Bon trimestre")
    assert len(cards.pending()) == 4
    cards.write_general(scope, "lea", "t", "Bon trimestre")  # the same again: nothing
    assert len(cards.pending()) == 4
    maths = SubjectAverages(student=12.0, class_average=11.0, minimum=8.0, maximum=14.0)
    averages = {
        "lea": StudentAverages(subjects={"Mathématiques": maths}, overall=12.0, class_overall=11),
        "hugo": StudentAverages(),
    }
    cards.publish(scope, averages, datetime.now(UTC))
    lea = cards.pending()[-1]
    assert lea.student_id == "lea"  # type: ignore[attr-defined]
    assert [(s.subject, s.student_average, s.appreciation) for s in lea.subjects] == [  # type: ignore[attr-defined]
        ("Français", None, "Très bonne maîtrise"),
        ("Mathématiques", 12.0, ""),
    ]
    assert lea.general_appreciation == "Bon trimestre"  # type: ignore[attr-defined]
    with pytest.raises(Conflict):
        cards.write_appreciation(scope, "lea", "Français", "t", "trop tard")
    with pytest.raises(Conflict):
        cards.publish(scope, averages, datetime.now(UTC))


def test_a_report_card_shows_its_exact_averages_to_two_decimals_as_the_grades_do() -> None:
    """The read model keeps what publication froze, exact; the card shows it rounded half
    up to two decimals, the figures the grades showed at publication (13.258928... was
    shown as such beside a 13.26 in the grades)."""
    term = TERM
    assert term is not None
    line = {
        "subject": "Anglais",
        "appreciation": "",
        "student_average": 28 / 3,
        "class_average": 13.258928571428571,
        "min_average": None,
        "max_average": 13.725,
    }
    doc = {
        "student_id": "lea",
        "class_id": CLASS_6A,
        "term_id": term.term_id,
        "term_name": term.name,
        "term_starts_on": term.starts_on.isoformat(),
        "term_ends_on": term.ends_on.isoformat(),
        "subjects": [line],
        "overall_average": 12.166666666666666,
        "class_overall_average": None,
        "general_appreciation": "",
        "published_at": "2026-11-26T10:00:00Z",
    }
    card = report_card_view("rc", doc, "Léa Martin", "6A")
    (subject,) = card.subjects
    assert (subject.student_average, subject.class_average) == (9.33, 13.26)
    assert (subject.min_average, subject.max_average) == (None, 13.73)
    assert (card.overall_average, card.class_overall_average) == (12.17, None)


def test_a_class_without_students_has_nothing_to_publish() -> None:
    scope = Scope(school_id=SCHOOL, class_id=CLASS_6A, term=TERM)
    with pytest.raises(Unprocessable):
        ClassReportCards("rc").publish(scope, {}, datetime.now(UTC))


# --- grades for the averages (through the grades' own read model) --------------------------


async def _evaluation(
    schoollife: Schoollife,
    teacher: Identity,
    group_id: str,
    subject: str,
    out_of: float,
    grades: dict[str, float | str],
    *,
    published: bool = True,
) -> str:
    """Through the grades' own API, as a teacher enters them."""
    body = {"group_id": group_id, "subject": subject, "on": TODAY.isoformat()}
    created = await schoollife.post(
        teacher, "/schoollife/grades/evaluations/", {**body, "title": "Contrôle", "out_of": out_of}
    )
    assert created.status_code == 201, created.text
    evaluation_id: str = created.json()["evaluation"]["evaluation_id"]
    await _enter(schoollife, teacher, evaluation_id, grades)
    if published:
        path = f"/schoollife/grades/evaluations/{evaluation_id}/publish"
        answer = await schoollife.post(teacher, path)
        assert answer.status_code == 200, answer.text
    return evaluation_id


async def _enter(
    schoollife: Schoollife, teacher: Identity, evaluation_id: str, grades: dict[str, float | str]
) -> None:
    rows = [
        {"student_id": s, "marker": g} if isinstance(g, str) else {"student_id": s, "value": g}
        for s, g in grades.items()
    ]
    path = f"/schoollife/grades/evaluations/{evaluation_id}/grades"
    answer = await schoollife.put(teacher, path, {"grades": rows})
    assert answer.status_code == 200, answer.text


async def _term_grades(schoollife: Schoollife) -> str:
    """Maths in 6A: Léa 18/20, 3/10, 1/5 (9.33); Hugo 10/20, 5/10, Abs (10). French:
    Léa 15, Hugo 12. Latin (Hugo with Jade of 5A): Hugo 14. An unpublished 0 for Léa.
    Returns the first maths evaluation's id."""
    lea, hugo, jade = LEA.user_id, HUGO.user_id, JADE.user_id
    maths = "Mathématiques"
    first = await _evaluation(schoollife, MATHS, CLASS_6A, maths, 20, {lea: 18, hugo: 10})
    await _evaluation(schoollife, MATHS, CLASS_6A, maths, 10, {lea: 3, hugo: 5})
    await _evaluation(schoollife, MATHS, CLASS_6A, maths, 5, {lea: 1, hugo: "Abs"})
    await _evaluation(schoollife, FRENCH, CLASS_6A, "Français", 20, {lea: 15, hugo: 12})
    await _evaluation(schoollife, LATIN_TEACHER, LATIN, "Latin", 20, {hugo: 14, jade: 8})
    await _evaluation(schoollife, MATHS, CLASS_6A, maths, 20, {lea: 0}, published=False)
    return first


async def _write_appreciations(schoollife: Schoollife) -> None:
    writes: list[tuple[Any, str, dict[str, Any]]] = [
        (FRENCH, "appreciations", {"student_id": LEA.user_id, "text": "Très bonne maîtrise"}),
        (MATHS, "appreciations", {"student_id": LEA.user_id, "text": "Des progrès à faire"}),
        (LATIN_TEACHER, "appreciations", {"student_id": HUGO.user_id, "text": "Bon latiniste"}),
        (MATHS, "general-appreciations", {"student_id": LEA.user_id, "text": "Élève sérieuse"}),
    ]
    for who, what, body in writes:
        answer = await schoollife.put(who, f"{BASE}/{what}", body)
        assert answer.status_code == 204, answer.text


# --- writing ------------------------------------------------------------------------------


async def test_teachers_of_the_class_write_appreciations_and_see_the_draft(
    schoollife: Schoollife,
) -> None:
    await _write_appreciations(schoollife)
    # The substitute writes for the French teacher they replace.
    sub = {"student_id": HUGO.user_id, "text": "Assez bien"}
    assert (await schoollife.put(SUBSTITUTE, f"{BASE}/appreciations", sub)).status_code == 204

    draft = (await schoollife.get(MATHS, BASE)).json()
    assert draft["published"] is False
    assert draft["main_teacher_id"] == MATHS.user_id
    lea = next(s for s in draft["students"] if s["student_id"] == LEA.user_id)
    assert [(a["subject"], a["text"]) for a in lea["appreciations"]] == [
        ("Français", "Très bonne maîtrise"),
        ("Mathématiques", "Des progrès à faire"),
    ]
    assert lea["general_appreciation"] == "Élève sérieuse"
    assert lea["report_card_id"] is None
    for staff in (DIRECTION, VIE_SCOLAIRE, FRENCH):
        assert (await schoollife.get(staff, BASE)).status_code == 200
    # The Latin teacher sees the students of the class they teach, Hugo only.
    latin = (await schoollife.get(LATIN_TEACHER, BASE)).json()
    assert [s["student_id"] for s in latin["students"]] == [HUGO.user_id]


async def test_only_teachers_of_the_student_write_appreciations(schoollife: Schoollife) -> None:
    body = {"student_id": LEA.user_id, "text": "Bien"}
    for who in (LEA, PARENT_DOUBLE, DIRECTION, VIE_SCOLAIRE, LATIN_TEACHER):
        answer = await schoollife.put(who, f"{BASE}/appreciations", body)
        assert answer.status_code == 403, (who.user_id, answer.text)
    # A teacher of another school: the class is not found there.
    answer = await schoollife.put(OTHER_TEACHER, f"{BASE}/appreciations", body)
    assert answer.status_code == 404
    # A student of another class, a subject the teacher does not teach: named.
    stranger = {"student_id": JADE.user_id, "text": "Bien"}
    answer = await schoollife.put(MATHS, f"{BASE}/appreciations", stranger)
    assert answer.status_code == 400
    assert "student_id" in answer.text
    wrong = {"student_id": LEA.user_id, "text": "Bien", "subject": "Latin"}
    answer = await schoollife.put(MATHS, f"{BASE}/appreciations", wrong)
    assert answer.status_code == 400
    assert "subject" in answer.text
    too_long = {"student_id": LEA.user_id, "text": "x" * 1001}
    assert (await schoollife.put(MATHS, f"{BASE}/appreciations", too_long)).status_code == 400
    unknown_term = f"/schoollife/report-cards/classes/{CLASS_6A}/terms/1999-2000-T9/appreciations"
    assert (await schoollife.put(MATHS, unknown_term, body)).status_code == 404
    teaching_group = f"/schoollife/report-cards/classes/{LATIN}/terms/{TERM.term_id}"
    latin = {"student_id": HUGO.user_id, "text": "Bien"}
    answer = await schoollife.put(LATIN_TEACHER, f"{teaching_group}/appreciations", latin)
    assert answer.status_code == 400


async def test_a_teacher_listed_without_subjects_writes_appreciations_as_they_grade(
    schoollife: Schoollife,
) -> None:
    """The directory lists no subject for the music teacher of 6A: they grade any subject
    (`check_subject`), so they also write an appreciation in one, naming it."""
    music = Identity(user_id="teacher-music", profile="teacher", school_id=SCHOOL)
    joined = [
        user_registered(
            music.user_id, SCHOOL, first_name="Mia", last_name="Musique", profile="teacher"
        ),
        GroupMembershipChanged(
            group_id=CLASS_6A, teachers_added=[music.user_id], main_teacher_id=MATHS.user_id
        ),
    ]
    await in_service_loop(schoollife, partial(feed_roster, schoollife.runtime.storage, joined))
    body = {"student_id": LEA.user_id, "text": "Belle voix", "subject": "Éducation musicale"}
    answer = await schoollife.put(music, f"{BASE}/appreciations", body)
    assert answer.status_code == 204, answer.text
    unnamed = {"student_id": LEA.user_id, "text": "Belle voix"}
    answer = await schoollife.put(music, f"{BASE}/appreciations", unnamed)
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["subject"]
    draft = (await schoollife.get(MATHS, BASE)).json()
    lea = next(s for s in draft["students"] if s["student_id"] == LEA.user_id)
    assert [(a["subject"], a["text"]) for a in lea["appreciations"]] == [
        ("Éducation musicale", "Belle voix")
    ]


async def test_only_the_main_teacher_writes_the_general_appreciation(
    schoollife: Schoollife,
) -> None:
    body = {"student_id": LEA.user_id, "text": "Bon trimestre"}
    for who in (FRENCH, DIRECTION, LEA, PARENT_DOUBLE):
        answer = await schoollife.put(who, f"{BASE}/general-appreciations", body)
        assert answer.status_code == 403, (who.user_id, answer.text)
    answer = await schoollife.put(MATHS, f"{BASE}/general-appreciations", body)
    assert answer.status_code == 204


async def test_students_parents_and_strangers_never_see_a_draft(schoollife: Schoollife) -> None:
    await _write_appreciations(schoollife)
    for who in (LEA, PARENT_DOUBLE, PARENT_SIMPLE, ZOE, OTHER_TEACHER):
        assert (await schoollife.get(who, BASE)).status_code == 404, who.user_id
    assert (await schoollife.get(LEA, "/schoollife/report-cards")).json()["items"] == []
    page = await schoollife.get(PARENT_DOUBLE, "/schoollife/report-cards", student_id=LEA.user_id)
    assert page.json()["items"] == []
    for path in (
        f"/schoollife/report-cards/{LEA_CARD}",
        f"/schoollife/report-cards/{LEA_CARD}/pdf",
    ):
        for who in (LEA, PARENT_DOUBLE, MATHS, DIRECTION):
            assert (await schoollife.get(who, path)).status_code == 404, (who.user_id, path)


# --- publishing ---------------------------------------------------------------------------


async def test_only_the_direction_publishes_once(schoollife: Schoollife) -> None:
    for who in (MATHS, VIE_SCOLAIRE, LEA, PARENT_DOUBLE):
        assert (await schoollife.post(who, f"{BASE}/publish")).status_code == 403, who.user_id
    other = f"/schoollife/report-cards/classes/{CLASS_6B}/terms/{TERM.term_id}/publish"
    assert (await schoollife.post(DIRECTION, other)).status_code == 404
    answer = await schoollife.post(DIRECTION, f"{BASE}/publish")
    assert answer.status_code == 201, answer.text
    assert answer.json()["report_cards"] == 2
    assert (await schoollife.post(DIRECTION, f"{BASE}/publish")).status_code == 409
    late = {"student_id": LEA.user_id, "text": "trop tard"}
    assert (await schoollife.put(MATHS, f"{BASE}/appreciations", late)).status_code == 409
    # Another class of the school is still a draft.
    other_class = f"/schoollife/report-cards/classes/{CLASS_5A}/terms/{TERM.term_id}"
    assert (await schoollife.get(DIRECTION, other_class)).json()["published"] is False


async def test_after_publication_students_and_parents_see_frozen_averages(
    schoollife: Schoollife,
) -> None:
    first_maths = await _term_grades(schoollife)
    await _write_appreciations(schoollife)
    assert (await schoollife.post(DIRECTION, f"{BASE}/publish")).status_code == 201

    mine = (await schoollife.get(LEA, "/schoollife/report-cards")).json()["items"]
    assert [c["report_card_id"] for c in mine] == [LEA_CARD]
    card = mine[0]
    assert (card["student_name"], card["class_name"], card["term_id"]) == (
        "Léa Martin",
        "6A",
        TERM.term_id,
    )
    subjects = {s["subject"]: s for s in card["subjects"]}
    assert list(subjects) == ["Français", "Mathématiques"]
    maths = subjects["Mathématiques"]
    # Kept exact, shown to two decimals as the grades are (28/3 = 9.333... shows 9.33).
    assert maths["student_average"] == 9.33  # (18 + 6 + 4) / 3
    assert maths["class_average"] == 9.67  # (28/3 + 10) / 2
    assert (maths["min_average"], maths["max_average"]) == (9.33, 10)
    assert maths["appreciation"] == "Des progrès à faire"
    assert subjects["Français"]["class_average"] == 13.5
    assert card["overall_average"] == 12.17  # (28/3 + 15) / 2
    assert card["class_overall_average"] == 12.08  # ((28/3 + 15) / 2 + 12) / 2
    assert card["general_appreciation"] == "Élève sérieuse"

    hugo = (await schoollife.get(PARENT_DOUBLE, f"/schoollife/report-cards/{HUGO_CARD}")).json()
    latin = next(s for s in hugo["subjects"] if s["subject"] == "Latin")
    assert (latin["student_average"], latin["appreciation"]) == (14, "Bon latiniste")
    assert hugo["overall_average"] == pytest.approx(12)

    # A later grade moves nothing on the published report card.
    await _enter(schoollife, MATHS, first_maths, {LEA.user_id: 0})
    again = (await schoollife.get(PARENT_DOUBLE, f"/schoollife/report-cards/{LEA_CARD}")).json()
    assert again == card

    # Who else sees it: the class's teachers and the staff; not another family.
    for who in (MATHS, FRENCH, DIRECTION, VIE_SCOLAIRE):
        answer = await schoollife.get(who, f"/schoollife/report-cards/{LEA_CARD}")
        assert answer.status_code == 200, who.user_id
    for who in (PARENT_SIMPLE, PARENT_ZOE, HUGO, LATIN_TEACHER, OTHER_TEACHER):
        answer = await schoollife.get(who, f"/schoollife/report-cards/{LEA_CARD}")
        assert answer.status_code == 404, who.user_id
        assert (
            await schoollife.get(who, f"/schoollife/report-cards/{LEA_CARD}/pdf")
        ).status_code == 404
    other_family = await schoollife.get(
        PARENT_SIMPLE, "/schoollife/report-cards", student_id=LEA.user_id
    )
    assert other_family.status_code == 404
    draft = (await schoollife.get(MATHS, BASE)).json()
    assert draft["published"] is True
    assert {s["report_card_id"] for s in draft["students"]} == {LEA_CARD, HUGO_CARD}


async def test_the_pdf_of_a_published_report_card_holds_its_text(schoollife: Schoollife) -> None:
    await _term_grades(schoollife)
    await _write_appreciations(schoollife)
    assert (await schoollife.post(DIRECTION, f"{BASE}/publish")).status_code == 201
    for who in (LEA, PARENT_DOUBLE, DIRECTION):
        answer = await schoollife.get(who, f"/schoollife/report-cards/{LEA_CARD}/pdf")
        assert answer.status_code == 200, who.user_id
        assert answer.headers["content-type"] == "application/pdf"
        assert "attachment" in answer.headers["content-disposition"]
    text = "\n".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(answer.content)).pages
    )
    for expected in (
        "Léa Martin",
        "Classe : 6A",
        TERM.name,
        "Français",
        "Mathématiques",
        "Très bonne maîtrise",
        "Élève sérieuse",
        "9,33",
        "Moyenne générale : 12,17",
    ):
        assert expected in text, (expected, text)


# --- the demo seed ------------------------------------------------------------------------


async def test_the_demo_seed_writes_the_class_appreciations_once_unpublished(
    schoollife: Schoollife,
) -> None:
    runtime = schoollife.runtime
    documents = runtime.storage.documents
    term = _previous_term(default_terms(TODAY), TODAY)

    async def seed() -> None:
        await seed_demo_report_cards(
            report_cards_wiring.commands(runtime),
            Terms(documents),
            documents,
            Roster(documents),
            SCHOOL,
            TODAY,
        )

    # In the app's own loop, where its projectors run (commands wait for them).
    schoollife.client.blocking_portal.call(seed)
    schoollife.client.blocking_portal.call(seed)
    stream = await runtime.storage.events.read_stream(report_cards_id(CLASS_6A, term.term_id))
    assert len(stream) == 2 * 2 + 2  # Léa and Hugo: maths and French, and the general one
    path = f"/schoollife/report-cards/classes/{CLASS_6A}/terms/{term.term_id}"
    draft = (await schoollife.get(DIRECTION, path)).json()
    assert draft["published"] is False
    for student in draft["students"]:
        assert [a["subject"] for a in student["appreciations"]] == ["Français", "Mathématiques"]
        assert student["general_appreciation"]
    assert (await schoollife.get(LEA, "/schoollife/report-cards")).json()["items"] == []
