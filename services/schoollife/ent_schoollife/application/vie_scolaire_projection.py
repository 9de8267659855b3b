"""The vie scolaire's read models, kept from its own events: one row per absence (with its
justification and decision), per late arrival, per punishment."""

from __future__ import annotations

from typing import Any

import msgspec
from ent_contracts import DomainEvent, Envelope
from ent_contracts.schoollife.vie_scolaire import (
    AbsenceJustified,
    AbsenceRecorded,
    JustificationAccepted,
    JustificationRefused,
    LatenessRecorded,
    PunishmentGiven,
)
from ent_kit.storage import DocumentWriter, update_fields

ABSENCES = "vie_scolaire_absences"
LATENESS = "vie_scolaire_lateness"
PUNISHMENTS = "vie_scolaire_punishments"

VIE_SCOLAIRE_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (ABSENCES, ("student_id", "starts_at")),
    # What waits for the vie scolaire's decision, oldest justification first.
    (ABSENCES, ("school_id", "state", "justified_at")),
    (LATENESS, ("student_id", "arrived_at")),
    (PUNISHMENTS, ("student_id", "on")),
)


class VieScolaireProjection:
    name = "vie_scolaire"
    collections = (ABSENCES, LATENESS, PUNISHMENTS)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case AbsenceRecorded():
                await tx.put(ABSENCES, event.absence_id, _absence(event))
            case AbsenceJustified():
                justification = {
                    "reason": event.reason,
                    "comment": event.comment,
                    "justified_by": event.justified_by,
                    "justified_at": event.justified_at,
                    "document": msgspec.to_builtins(event.document),
                }
                await update_fields(
                    tx,
                    ABSENCES,
                    event.absence_id,
                    state="submitted",
                    justification=justification,
                    justified_at=event.justified_at,
                    decision=None,
                )
            case JustificationAccepted() | JustificationRefused():
                accepted = isinstance(event, JustificationAccepted)
                decision = {
                    "accepted": accepted,
                    "comment": event.comment,
                    "decided_by": event.decided_by,
                    "decided_at": event.decided_at,
                }
                state = "accepted" if accepted else "refused"
                await update_fields(tx, ABSENCES, event.absence_id, state=state, decision=decision)
            case LatenessRecorded():
                await tx.put(LATENESS, event.lateness_id, _builtins(event, "lateness_id"))
            case PunishmentGiven():
                await tx.put(PUNISHMENTS, event.punishment_id, _builtins(event, "punishment_id"))


def _absence(event: AbsenceRecorded) -> dict[str, Any]:
    return {
        **_builtins(event, "absence_id"),
        "state": "to_justify",
        "justification": None,
        "justified_at": None,
        "decision": None,
    }


def _builtins(event: DomainEvent, id_field: str) -> dict[str, Any]:
    row: dict[str, Any] = msgspec.to_builtins(event)
    row.pop(id_field, None)
    return row
