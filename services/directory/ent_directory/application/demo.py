"""Seed the demo collège through the same commands an import uses (idempotent)."""

from __future__ import annotations

from datetime import date, timedelta

from ent_contracts import SYSTEM
from ent_contracts.directory import UserRegistered
from ent_kit.logging import get_logger

from ent_directory.application.commands import DirectoryCommands
from ent_directory.domain import demo_school as demo

log = get_logger("ent.directory.demo")


async def seed_demo_school(commands: DirectoryCommands, today: date) -> int:
    users = demo.demo_users()
    by_login = {u.login: u for u in users}
    await commands.open_school(demo.SCHOOL_ID, SYSTEM)
    created = 0
    for user in users:
        created += await commands.register(_registration(user), SYSTEM)
    teachers = [u for u in users if u.profile == "teacher" and u.classes]
    for i, class_name in enumerate(demo.CLASSES):
        class_id = demo.CLASS_IDS[class_name]
        students = {u.user_id for u in users if u.profile == "student" and class_name in u.classes}
        await commands.create_group(class_id, demo.SCHOOL_ID, "class", class_name, SYSTEM)
        await commands.set_membership(
            class_id,
            students,
            {t.user_id for t in teachers},
            SYSTEM,
            main_teacher_id=teachers[i].user_id,
        )
    for parent in (u for u in users if u.children):
        for child in parent.children:
            await commands.link_family(parent.user_id, by_login[child].user_id, SYSTEM)
    await _latin_and_theatre(commands, users)
    await commands.schedule_substitution(
        "demo-substitution",
        demo.SCHOOL_ID,
        by_login["prof.remplacant"].user_id,
        by_login["prof.latin"].user_id,
        today - timedelta(days=7),
        today + timedelta(days=21),
        SYSTEM,
    )
    log.info("demo school seeded", school=demo.SCHOOL_NAME, new_users=created)
    return created


async def _latin_and_theatre(commands: DirectoryCommands, users: list[demo.DemoUser]) -> None:
    """A teaching group across two classes and a collaborative space."""

    def students(class_name: str, count: int) -> set[str]:
        ids = sorted(u.user_id for u in users if u.profile == "student" and class_name in u.classes)
        return set(ids[:count])

    latin_teacher = next(u for u in users if u.login == "prof.latin")
    await commands.create_group(demo.LATIN, demo.SCHOOL_ID, "teaching", "Latin 5e-4e", SYSTEM)
    await commands.set_membership(
        demo.LATIN, students("5A", 6) | students("4A", 6), {latin_teacher.user_id}, SYSTEM
    )
    drama_teacher = next(u for u in users if u.login == "prof.francais")
    await commands.create_group(
        demo.THEATRE, demo.SCHOOL_ID, "collaborative", "Club théâtre", SYSTEM
    )
    await commands.set_membership(
        demo.THEATRE, students("6A", 5) | students("3A", 5), {drama_teacher.user_id}, SYSTEM
    )


def _registration(user: demo.DemoUser) -> UserRegistered:
    return UserRegistered(
        user_id=user.user_id,
        school_id=demo.SCHOOL_ID,
        login=user.login,
        first_name=user.first_name,
        last_name=user.last_name,
        profile=user.profile,
        classes=user.classes,
        function=user.function,
        subjects=user.subjects,
    )
