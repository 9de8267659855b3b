"""Actions on a selection of Casier documents: trash, restore, definitive delete.

Each document is its own aggregate, so a selection is applied document by document and
never refused whole: the answer says what became of each one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import msgspec
from ent_contracts import SYSTEM, Actor
from ent_kit.auth import Identity
from ent_kit.errors import NotFound, Refused
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_locker.domain.model import Document

MAX_SELECTION = 200


class SelectionResult(msgspec.Struct, frozen=True, kw_only=True):
    done: list[str]  # documents the action changed
    unchanged: list[str]  # already in the asked state
    not_found: list[str]  # unknown, or not in the caller's lockers (indistinguishable)
    # The rules refused the action on these, the others went ahead: a definitive delete
    # of a document that is not in the trash.
    refused: list[str] = []


class Casier:
    def __init__(self, documents: Repository[Document], projector: LocalProjector) -> None:
        self._documents = documents
        self._projector = projector  # the Casier's read models, waited for before answering

    async def trash(self, me: Identity, ids: list[str]) -> SelectionResult:
        at = datetime.now(UTC)
        return await self._each(ids, lambda d: d.trash(me.user_id, at), me.actor)

    async def restore(self, me: Identity, ids: list[str]) -> SelectionResult:
        return await self._each(ids, lambda d: d.restore(me.user_id), me.actor)

    async def purge(self, me: Identity, ids: list[str]) -> SelectionResult:
        """Definitive delete, only from the trash: the others are `refused`."""
        return await self._each(ids, lambda d: d.purge(me.user_id, "deleted"), me.actor)

    async def purge_expired(self, owner_id: str, ids: list[str]) -> SelectionResult:
        """Trash retention: the system purges these from `owner_id`'s trash. One restored
        meanwhile is `refused`, and stays."""
        return await self._each(ids, lambda d: d.purge(owner_id, "retention"), SYSTEM)

    async def _each(
        self, ids: list[str], decide: Callable[[Document], bool], actor: Actor
    ) -> SelectionResult:
        done: list[str] = []
        unchanged: list[str] = []
        not_found: list[str] = []
        refused: list[str] = []
        last = 0
        try:
            for document_id in dict.fromkeys(ids):
                try:
                    # Another owner acting on the same document at once: decided again.
                    saved = await self._documents.update(document_id, decide, actor)
                except NotFound:
                    not_found.append(document_id)
                    continue
                except Refused:
                    refused.append(document_id)
                    continue
                (done if saved.result else unchanged).append(document_id)
                last = max(last, saved.position)
        except Exception:
            # A write failed midway: the folders still show what was saved before it.
            await self._projector.caught_up(last)
            raise
        await self._projector.caught_up(last)  # the folders show it when we answer
        return SelectionResult(done=done, unchanged=unchanged, not_found=not_found, refused=refused)
