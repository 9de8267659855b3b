"""Late arrivals (vie scolaire, or a teacher for their lesson's group) and punishments
(punitions by teachers for their students, sanctions by the vie scolaire or direction)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader

from ent_schoollife.application.roster import Roster
from ent_schoollife.application.vie_scolaire_projection import LATENESS, PUNISHMENTS
from ent_schoollife.application.vie_scolaire_rights import recording_for
from ent_schoollife.application.vie_scolaire_views import (
    LatenessRequest,
    LatenessView,
    PunishmentRequest,
    PunishmentView,
    lateness_view,
    punishment_view,
)
from ent_schoollife.domain.incidents import Lateness, NewLateness, NewPunishment, Punishment


class Incidents:
    def __init__(
        self,
        lateness: Repository[Lateness],
        punishments: Repository[Punishment],
        roster: Roster,
        reader: DocumentReader,
        projector: LocalProjector,
        today: Callable[[], date],
        utc_now: Callable[[], datetime],
    ) -> None:
        self._lateness = lateness
        self._punishments = punishments
        self._roster = roster
        self._reader = reader
        self._projector = projector
        self._today = today
        self._utc_now = utc_now  # audit stamps (wiring.clock.utc_now)

    async def record_lateness(
        self, me: Identity, request: LatenessRequest, lateness_id: str | None = None
    ) -> LatenessView:
        """`lateness_id`: a deterministic id (the demo seed); a new one otherwise."""
        viewer = await self._roster.viewer(me)
        allowed = await recording_for(
            self._roster, viewer, request.student_id, request.group_id, self._today()
        )
        new = NewLateness(
            school_id=allowed.student.school_id,
            student_id=allowed.student.user_id,
            arrived_at=request.arrived_at,
            minutes=request.minutes,
            recorded_by=viewer.user_id,
            group_id=allowed.group_id,
            lesson_id=request.lesson_id,
        )
        now = self._utc_now()
        lateness_id = lateness_id or f"lateness-{new_event_id()}"
        saved = await self._lateness.update(
            lateness_id, lambda a: a.record(new, now), me.actor, create=True
        )
        await self._projector.caught_up(saved.position)
        doc = await self._reader.get(LATENESS, lateness_id) or {}
        return lateness_view(lateness_id, doc, await self._names(doc, "recorded_by"))

    async def give_punishment(
        self, me: Identity, request: PunishmentRequest, punishment_id: str | None = None
    ) -> PunishmentView:
        viewer = await self._roster.viewer(me)
        allowed = await recording_for(
            self._roster, viewer, request.student_id, request.group_id, self._today()
        )
        new = NewPunishment(
            school_id=allowed.student.school_id,
            student_id=allowed.student.user_id,
            kind=request.kind,
            reason=request.reason,
            on=request.on,
            given_by=viewer.user_id,
            group_id=allowed.group_id,
        )
        now = self._utc_now()
        punishment_id = punishment_id or f"punishment-{new_event_id()}"
        saved = await self._punishments.update(
            punishment_id,
            lambda p: p.give(new, by_staff=allowed.by_staff, now=now),
            me.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        doc = await self._reader.get(PUNISHMENTS, punishment_id) or {}
        return punishment_view(punishment_id, doc, await self._names(doc, "given_by"))

    async def _names(self, doc: dict[str, object], by: str) -> dict[str, str]:
        ids = sorted({str(doc["student_id"]), str(doc[by])})
        return {p.user_id: p.display_name for p in (await self._roster.people(ids)).values()}
