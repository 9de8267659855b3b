"""Who may record an absence, a late arrival or a punishment for which student: the vie
scolaire and the direction for any student of their school; a teacher for a student of a
group they teach, named (`group_id`: the lesson's group)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ent_kit.errors import Forbidden, NotFound, Refused

from ent_schoollife import texts as shared_texts
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.people import Person
from ent_schoollife.texts import vie_scolaire as texts


@dataclass(frozen=True, kw_only=True)
class Recording:
    """A recording allowed: by whom, for which student, in which group (if named)."""

    viewer: Person
    student: Person
    group_id: str | None
    by_staff: bool


async def recording_for(
    roster: Roster, viewer: Person, student_id: str, group_id: str | None, on: date
) -> Recording:
    """Parents, students and other staff: 403. A student unknown or of another school:
    404. A teacher: the group is required (400), theirs (403 `not_teaching`, 404 unknown),
    the student one of its members (403 `not_your_student`)."""
    if not (viewer.sees_school or viewer.profile == "teacher"):
        raise Forbidden("", "recorders_only", texts.RECORDERS_ONLY)
    student = await roster.person(student_id)
    if student is None or student.profile != "student" or student.school_id != viewer.school_id:
        raise NotFound("student_id", "student_not_found", shared_texts.STUDENT_NOT_FOUND)
    if viewer.sees_school:
        if group_id is not None:
            await roster.visible_group(viewer, group_id, on)
            if group_id not in await roster.group_ids_of(student_id):
                raise Refused("group_id", "student_not_in_group", texts.STUDENT_NOT_IN_GROUP)
        return Recording(viewer=viewer, student=student, group_id=group_id, by_staff=True)
    if group_id is None:
        raise Refused("group_id", "group_required", texts.GROUP_REQUIRED)
    await roster.taught_group(viewer, group_id, on)
    if group_id not in await roster.group_ids_of(student_id):
        raise Forbidden("student_id", "not_your_student", texts.NOT_YOUR_STUDENT)
    return Recording(viewer=viewer, student=student, group_id=group_id, by_staff=False)
