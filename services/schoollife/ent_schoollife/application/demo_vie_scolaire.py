"""The demo collège's vie scolaire and agenda: in 4A, an absence justified by a parent and
accepted, one whose justification waits for the vie scolaire, and in 5A one still to
justify; two late arrivals; a punition; a parents' meeting for the whole school and a
trip for 4A. Idempotent: ids are derived from names, and each step done already is
refused as such (409) and skipped."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable
from datetime import date, datetime, time, timedelta
from typing import Any

from ent_kit.auth import Identity, Profile
from ent_kit.errors import Conflict
from ent_kit.storage import DocumentReader, Query, find_all

from ent_schoollife.application.absences import Absences, JustificationForm
from ent_schoollife.application.agenda import Agenda
from ent_schoollife.application.agenda_views import NewAgendaItem
from ent_schoollife.application.incidents import Incidents
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.roster_projection import PEOPLE
from ent_schoollife.application.vie_scolaire_views import (
    AbsenceRequest,
    DecisionRequest,
    LatenessRequest,
    PunishmentRequest,
)
from ent_schoollife.domain.people import Group

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ent-demo:schoollife:vie-scolaire")


def _id(kind: str, *parts: str) -> str:
    return f"{kind}-{uuid.uuid5(NAMESPACE, ':'.join(parts))}"


def school_day_before(today: date, n: int) -> date:
    """The n-th weekday before today."""
    day = today
    while n:
        day -= timedelta(days=1)
        n -= day.weekday() < 5
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


async def _once(step: Awaitable[Any]) -> None:
    """A step done on an earlier run answers 409: nothing to do again."""
    with contextlib.suppress(Conflict):
        await step


async def seed_demo_vie_scolaire(
    absences: Absences,
    incidents: Incidents,
    agenda: Agenda,
    reader: DocumentReader,
    roster: Roster,
    school_id: str,
    today: date,
) -> None:
    staff = await _staff(reader, school_id)
    cpe = staff.get("vie_scolaire") or staff.get("direction")
    classes = await _classes(reader, roster, school_id)
    if cpe is None or "4A" not in classes:
        return
    fourth = classes["4A"]
    students = await roster.students_of(fourth.group_id)
    teacher = _who(sorted(fourth.teacher_ids)[0], "teacher", school_id)
    if len(students) < 3:
        return
    await _absences(absences, roster, cpe, teacher, fourth, students, today)
    fifth = classes.get("5A")
    if fifth is not None and (others := await roster.students_of(fifth.group_id)):
        day = school_day_before(today, 1)
        request = AbsenceRequest(student_id=others[0], starts_at=_at(day, 8), ends_at=_at(day, 17))
        await _once(absences.record(cpe, request, _id("absence", "5A", "day")))
        late = LatenessRequest(student_id=others[1], arrived_at=_at(day, 8, 20), minutes=20)
        await _once(incidents.record_lateness(cpe, late, _id("lateness", "5A")))
    await _incidents(incidents, teacher, fourth, students, today)
    await _agenda(agenda, staff.get("direction") or cpe, teacher, fourth, today)


async def _absences(
    absences: Absences,
    roster: Roster,
    cpe: Identity,
    teacher: Identity,
    group: Group,
    students: list[str],
    today: date,
) -> None:
    """The first student's absence justified and accepted, the second's waiting."""
    day = school_day_before(today, 3)
    plans = [
        (students[0], _at(day, 8), _at(day, 12), "illness", "accepted"),
        (students[1], _at(day, 14), _at(day, 16), "medical_appointment", None),
    ]
    for n, (student_id, starts_at, ends_at, reason, decision) in enumerate(plans):
        absence_id = _id("absence", group.group_id, str(n))
        request = AbsenceRequest(
            student_id=student_id, starts_at=starts_at, ends_at=ends_at, group_id=group.group_id
        )
        await _once(absences.record(teacher, request, absence_id))
        parents = await roster.parents_of(student_id)
        if not parents:
            continue
        parent = _who(sorted(parents)[0], "parent", cpe.school_id)
        form = JustificationForm(reason=reason, comment="Prévenu par téléphone le matin même.")
        await _once(absences.justify(parent, absence_id, form))
        if decision is not None:
            await _once(absences.decide(cpe, absence_id, DecisionRequest(decision="accepted")))


async def _incidents(
    incidents: Incidents, teacher: Identity, group: Group, students: list[str], today: date
) -> None:
    day = school_day_before(today, 2)
    late = LatenessRequest(
        student_id=students[2],
        arrived_at=_at(day, 8, 10),
        minutes=10,
        group_id=group.group_id,
    )
    await _once(incidents.record_lateness(teacher, late, _id("lateness", group.group_id)))
    punition = PunishmentRequest(
        student_id=students[2],
        kind="punition",
        reason="Travail non fait à deux reprises : exercice supplémentaire à rendre.",
        on=day,
        group_id=group.group_id,
    )
    await _once(incidents.give_punishment(teacher, punition, _id("punishment", group.group_id)))


async def _agenda(
    agenda: Agenda, direction: Identity, teacher: Identity, group: Group, today: date
) -> None:
    meeting_day, trip_day = today + timedelta(days=7), today + timedelta(days=10)
    meeting = NewAgendaItem(
        title="Réunion parents-professeurs",
        description="Rencontre avec l'équipe pédagogique, sur rendez-vous.",
        starts_at=_at(meeting_day, 17),
        ends_at=_at(meeting_day, 19),
        place="Salle polyvalente",
        kind="meeting",
    )
    await _once(agenda.publish(direction, meeting, _id("agenda", "meeting")))
    trip = NewAgendaItem(
        group_id=group.group_id,
        title="Sortie au musée",
        description="Départ en car devant le collège ; prévoir un pique-nique.",
        starts_at=_at(trip_day, 8, 30),
        ends_at=_at(trip_day, 16, 30),
        place="Musée des Beaux-Arts",
        kind="trip",
    )
    await _once(agenda.publish(teacher, trip, _id("agenda", "trip", group.group_id)))


async def _staff(reader: DocumentReader, school_id: str) -> dict[str, Identity]:
    """The school's direction and vie scolaire, by function (the first of each)."""
    query = Query(where={"school_id": school_id, "profile": "staff"}, limit=1000)
    found: dict[str, Identity] = {}
    async for doc in find_all(reader, PEOPLE, query):
        function = doc.get("function")
        if function in ("direction", "vie_scolaire") and function not in found:
            found[function] = _who(doc["id"], "staff", school_id)
    return found


async def _classes(reader: DocumentReader, roster: Roster, school_id: str) -> dict[str, Group]:
    return {group.name: group for group in await roster.classes_of_school(school_id)}


def _who(user_id: str, profile: Profile, school_id: str) -> Identity:
    return Identity(user_id=user_id, profile=profile, school_id=school_id)
