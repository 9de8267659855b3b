"""Absences: recorded by the vie scolaire or a teacher, justified by a parent (with maybe a
document), accepted or refused by the vie scolaire."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from ent_contracts.schoollife.vie_scolaire import JustificationDocument
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore
from ent_kit.errors import Conflict, Forbidden, NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader

from ent_schoollife.application.justification_documents import DocumentUpload, store_document
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.vie_scolaire_projection import ABSENCES
from ent_schoollife.application.vie_scolaire_queries import VieScolaireQueries
from ent_schoollife.application.vie_scolaire_rights import recording_for
from ent_schoollife.application.vie_scolaire_views import (
    AbsenceRequest,
    AbsenceView,
    DecisionRequest,
)
from ent_schoollife.domain.absence import (
    REFUSED,
    TO_JUSTIFY,
    Absence,
    Justification,
    NewAbsence,
    check_comment,
    check_reason,
)
from ent_schoollife.texts import vie_scolaire as texts


@dataclass(frozen=True)
class JustificationForm:
    """What a parent sends: a reason code of the list, a comment, maybe a document."""

    reason: str
    comment: str = ""
    document: DocumentUpload | None = None


def absence_id_of(seed: str | None = None) -> str:
    return f"absence-{seed or new_event_id()}"


class Absences:
    def __init__(
        self,
        absences: Repository[Absence],
        roster: Roster,
        reader: DocumentReader,
        blobs: BlobStore,
        projector: LocalProjector,
        queries: VieScolaireQueries,
        today: Callable[[], date],
        utc_now: Callable[[], datetime],
    ) -> None:
        self._absences = absences
        self._roster = roster
        self._reader = reader
        self._blobs = blobs
        self._projector = projector
        self._queries = queries
        self._today = today
        self._utc_now = utc_now  # audit stamps (wiring.clock.utc_now)

    async def record(
        self, me: Identity, request: AbsenceRequest, absence_id: str | None = None
    ) -> AbsenceView:
        """`absence_id`: a deterministic id (the demo seed); a new one otherwise."""
        viewer = await self._roster.viewer(me)
        allowed = await recording_for(
            self._roster, viewer, request.student_id, request.group_id, self._today()
        )
        new = NewAbsence(
            school_id=allowed.student.school_id,
            student_id=allowed.student.user_id,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            recorded_by=viewer.user_id,
            group_id=allowed.group_id,
            lesson_id=request.lesson_id,
        )
        now = self._utc_now()
        absence_id = absence_id or absence_id_of()
        saved = await self._absences.update(
            absence_id, lambda a: a.record(new, now), me.actor, create=True
        )
        await self._projector.caught_up(saved.position)
        return await self._queries.absence(me, absence_id)

    async def justify(self, me: Identity, absence_id: str, form: JustificationForm) -> AbsenceView:
        """A parent of the absent student (anyone else's child: 404). The reason and the
        state are checked before a byte of the document is stored."""
        viewer = await self._roster.viewer(me)
        if viewer.profile != "parent":
            raise Forbidden("", "parents_only", texts.PARENTS_ONLY)
        await self._own_child_absence(viewer.user_id, absence_id)
        check_reason(form.reason)
        check_comment(form.comment)
        document = None
        if form.document is not None:
            document = await store_document(self._blobs, absence_id, form.document)
        justification = Justification(reason=form.reason, comment=form.comment, document=document)
        now = self._utc_now()
        try:
            saved = await self._absences.update(
                absence_id, lambda a: a.justify(viewer.user_id, justification, now), me.actor
            )
        except BaseException:
            await self._forget(document)
            raise
        await self._forget(saved.result)  # the refused justification's document, if any
        await self._projector.caught_up(saved.position)
        return await self._queries.absence(me, absence_id)

    async def decide(self, me: Identity, absence_id: str, request: DecisionRequest) -> AbsenceView:
        """The vie scolaire (or the direction) of the student's school."""
        viewer = await self._roster.viewer(me)
        if not viewer.sees_school:
            raise Forbidden("", "deciders_only", texts.DECIDERS_ONLY)
        doc = await self._reader.get(ABSENCES, absence_id)
        if doc is None or doc["school_id"] != viewer.school_id:
            raise NotFound("absence_id", "absence_not_found", texts.ABSENCE_NOT_FOUND)
        accepted = request.decision == "accepted"
        now = self._utc_now()
        saved = await self._absences.update(
            absence_id,
            lambda a: a.decide(viewer.user_id, accepted, request.comment, now),
            me.actor,
        )
        await self._projector.caught_up(saved.position)
        return await self._queries.absence(me, absence_id)

    async def _own_child_absence(self, parent_id: str, absence_id: str) -> None:
        doc = await self._reader.get(ABSENCES, absence_id)
        if doc is None or parent_id not in await self._roster.parents_of(doc["student_id"]):
            raise NotFound("absence_id", "absence_not_found", texts.ABSENCE_NOT_FOUND)
        if doc["state"] not in (TO_JUSTIFY, REFUSED):
            # Checked again by the aggregate; here so that no document is stored for nothing.
            raise Conflict("absence_id", "already_justified", texts.ALREADY_JUSTIFIED)

    async def _forget(self, document: JustificationDocument | None) -> None:
        if document is not None:
            await asyncio.shield(self._blobs.delete(document.blob_key))
