"""The demo collège's notebook: for each class, six homework over this week and the next
across its teachers' subjects, two of them asking for a copy (one due yesterday, one in
three days); for the one due yesterday, the class's first student handed in on time and
the second late. Idempotent: ids are derived from names, and a copy given again under
its id records nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

from ent_kit.auth import Identity
from ent_kit.blobs import IncomingFile
from ent_kit.storage import DocumentReader

from ent_schoollife.application.hand_ins import HandIns
from ent_schoollife.application.notebook import Notebook
from ent_schoollife.application.notebook_views import HomeworkRequest
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.people import Group, Person

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ent-demo:schoollife:notebook")
# (title, instructions) by subject; any other subject gets the last line.
WORK = {
    "Français": ("Rédaction : un souvenir de vacances", "Une page, au propre, sur copie double."),
    "Mathématiques": ("Exercices p. 42", "Exercices 3, 4 et 7 ; justifier chaque réponse."),
    "Anglais": ("Vocabulary unit 4", "Apprendre la liste de vocabulaire (p. 58)."),
    "Histoire-Géographie": ("Leçon : les Gaulois", "Apprendre la leçon et refaire la carte."),
    "SVT": ("Schéma de la cellule", "Compléter et légender le schéma distribué."),
    "Physique-Chimie": ("Les états de l'eau", "Lire le document 2 et répondre aux questions."),
    "": ("Travail à la maison", "Relire le cours et préparer les questions."),
}
COPY = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


async def seed_demo_notebook(
    notebook: Notebook,
    hand_ins: HandIns,
    reader: DocumentReader,
    roster: Roster,
    school_id: str,
    today: date,
) -> None:
    for group in await roster.classes_of_school(school_id):
        await _seed_class(notebook, hand_ins, roster, group, today)


async def _seed_class(
    notebook: Notebook, hand_ins: HandIns, roster: Roster, group: Group, today: date
) -> None:
    teachers = sorted(
        (await roster.people(sorted(group.teacher_ids))).values(),
        key=lambda t: (t.subjects[:1], t.user_id),
    )
    if not teachers:
        return
    monday = today - timedelta(days=today.weekday())
    # (days from today or from this Monday, hand-in asked)
    plan = [
        (today - timedelta(days=1), True),
        (today + timedelta(days=3), True),
        (monday + timedelta(days=1), False),
        (monday + timedelta(days=4), False),
        (monday + timedelta(days=7), False),
        (monday + timedelta(days=9), False),
    ]
    given: list[str] = []
    for n, (due_on, hand_in) in enumerate(plan):
        teacher = teachers[n % len(teachers)]
        given.append(await _assign(notebook, group, teacher, n, due_on, hand_in))
    students = (await roster.students_of(group.group_id))[:2]
    if len(students) < 2:
        return
    due = datetime.combine(today - timedelta(days=1), time(8, 0))
    on_time = hand_ins.at(lambda: due - timedelta(minutes=30))
    for student_id, desk in ((students[0], on_time), (students[1], hand_ins)):
        me = Identity(user_id=student_id, profile="student", school_id=group.school_id)
        file = IncomingFile("copie.pdf", "application/pdf", _chunks(COPY))
        await desk.submit(me, given[0], file, copy_id=_id(given[0], student_id))


async def _assign(
    notebook: Notebook, group: Group, teacher: Person, n: int, due_on: date, hand_in: bool
) -> str:
    subject = teacher.subjects[0] if teacher.subjects else "Vie de classe"
    title, instructions = WORK.get(subject, WORK[""])
    homework_id = _id(group.group_id, str(n))
    me = Identity(user_id=teacher.user_id, profile="teacher", school_id=group.school_id)
    request = HomeworkRequest(
        group_id=group.group_id,
        subject=subject,
        title=title,
        instructions=instructions,
        due_on=due_on,
        hand_in=hand_in,
    )
    await notebook.assign(me, request, homework_id)
    return homework_id


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    yield content
