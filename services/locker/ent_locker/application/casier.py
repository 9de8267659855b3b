"""Actions on a selection of Casier documents: trash, restore, definitive delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import msgspec
from ent_contracts import SYSTEM, Actor
from ent_kit.errors import NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_locker.domain.model import Document

MAX_SELECTION = 200


class SelectionResult(msgspec.Struct, frozen=True, kw_only=True):
    done: list[str]  # documents the action changed
    unchanged: list[str]  # already in the asked state
    not_found: list[str]  # unknown, or not in the caller's lockers (indistinguishable)


class Casier:
    def __init__(self, documents: Repository[Document], projector: LocalProjector) -> None:
        self._documents = documents
        self._projector = projector  # the Casier's read models, waited for before answering

    async def trash(self, owner_id: str, ids: list[str]) -> SelectionResult:
        at = datetime.now(UTC)
        return await self._each(owner_id, ids, lambda d: d.trash(owner_id, at))

    async def restore(self, owner_id: str, ids: list[str]) -> SelectionResult:
        return await self._each(owner_id, ids, lambda d: d.restore(owner_id))

    async def purge(
        self, owner_id: str, ids: list[str], reason: Literal["deleted", "retention"] = "deleted"
    ) -> SelectionResult:
        """Only from the trash: one document of the selection that is not there refuses
        the rest of it (Refused naming `document_ids`)."""
        actor = SYSTEM if reason == "retention" else Actor(kind="user", id=owner_id)
        return await self._each(owner_id, ids, lambda d: d.purge(owner_id, reason), actor)

    async def _each(
        self,
        owner_id: str,
        ids: list[str],
        decide: Callable[[Document], bool],
        actor: Actor | None = None,
    ) -> SelectionResult:
        actor = actor or Actor(kind="user", id=owner_id)
        done: list[str] = []
        unchanged: list[str] = []
        not_found: list[str] = []
        last = 0
        for document_id in dict.fromkeys(ids):
            try:
                # Another owner acting on the same document at once: decided again.
                saved = await self._documents.update(document_id, decide, actor)
            except NotFound:
                not_found.append(document_id)
                continue
            (done if saved.result else unchanged).append(document_id)
            last = max(last, saved.position)
        if last:
            await self._projector.caught_up(last)  # the folders show it when we answer
        return SelectionResult(done=done, unchanged=unchanged, not_found=not_found)
