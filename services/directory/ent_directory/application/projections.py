"""Read model of people: what lookups and user cards read."""

from __future__ import annotations

from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import UserRegistered
from ent_kit.storage import DocumentWriter

USERS = "users"


class UsersProjection:
    name = "users"

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case UserRegistered():
                await tx.put(
                    USERS,
                    event.user_id,
                    {
                        "login": event.login,
                        "school_id": event.school_id,
                        "first_name": event.first_name,
                        "last_name": event.last_name,
                        "display_name": f"{event.first_name} {event.last_name}",
                        "profile": event.profile,
                        "classes": event.classes,
                        "function": event.function,
                    },
                )
