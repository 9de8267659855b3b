"""The demo collège's report cards: appreciations of the 6A class for the previous term
(the current one during the first), written by four of its teachers and its main
teacher, NOT published (the e2e proof publishes them). Idempotent: the same texts again
change nothing, and a class already published is left alone."""

from __future__ import annotations

from datetime import date

from ent_kit.auth import Identity
from ent_kit.storage import DocumentReader, Query

from ent_schoollife.application.report_card_views import (
    AppreciationRequest,
    GeneralAppreciationRequest,
)
from ent_schoollife.application.report_cards import ReportCardCommands
from ent_schoollife.application.report_cards_projection import REPORT_CARDS
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms
from ent_schoollife.domain.people import Person
from ent_schoollife.domain.terms import Term

DEMO_CLASS = "6A"
# The subjects whose teachers write (the main teacher's too, whatever it is).
DEMO_SUBJECTS = ("Français", "Mathématiques", "Anglais", "Histoire-Géographie")
APPRECIATIONS = (
    "Très bonne maîtrise des notions du trimestre, bravo.",
    "Travail sérieux et régulier : continuez ainsi.",
    "Des progrès ce trimestre, à poursuivre.",
    "Ensemble fragile : il faut s'investir davantage à la maison.",
    "Bon trimestre, participation active en classe.",
)
GENERAL = (
    "Trimestre très satisfaisant. Félicitations du conseil de classe.",
    "Bon trimestre dans l'ensemble ; l'élève peut encore gagner en régularité.",
    "Des efforts à fournir, en particulier dans l'apprentissage des leçons.",
)


async def seed_demo_report_cards(
    commands: ReportCardCommands,
    terms: Terms,
    reader: DocumentReader,
    roster: Roster,
    school_id: str,
    today: date,
) -> None:
    group = next(
        (g for g in await roster.classes_of_school(school_id) if g.name == DEMO_CLASS), None
    )
    if group is None:
        return
    term = _previous_term(await terms.of_school(school_id, today), today)
    if await _published(reader, group.group_id, term.term_id):
        return
    students = [
        p
        for p in (await roster.people(await roster.students_of(group.group_id))).values()
        if p.profile == "student"
    ]
    teachers = await roster.people(sorted(group.teacher_ids))
    writers = [t for t in teachers.values() if set(t.subjects) & set(DEMO_SUBJECTS)]
    for n, student in enumerate(sorted(students, key=lambda p: p.user_id)):
        for k, teacher in enumerate(sorted(writers, key=lambda p: p.user_id)):
            subject = next(s for s in teacher.subjects if s in DEMO_SUBJECTS)
            text = APPRECIATIONS[(n + k) % len(APPRECIATIONS)]
            body = AppreciationRequest(student_id=student.user_id, text=text, subject=subject)
            await commands.write_appreciation(
                _identity(teacher), group.group_id, term.term_id, body
            )
        main = teachers.get(group.main_teacher_id or "")
        if main is not None:
            general = GeneralAppreciationRequest(
                student_id=student.user_id, text=GENERAL[n % len(GENERAL)]
            )
            await commands.write_general(_identity(main), group.group_id, term.term_id, general)


def _previous_term(terms: list[Term], today: date) -> Term:
    for index, term in enumerate(terms):
        if term.holds(today):
            return terms[max(index - 1, 0)]
    return terms[-1] if today > terms[-1].ends_on else terms[0]


async def _published(reader: DocumentReader, class_id: str, term_id: str) -> bool:
    query = Query(where={"class_id": class_id, "term_id": term_id}, limit=1000)
    page = await reader.find(REPORT_CARDS, query)
    return any(doc["published"] for doc in page.items)


def _identity(person: Person) -> Identity:
    return Identity(user_id=person.user_id, profile="teacher", school_id=person.school_id)
