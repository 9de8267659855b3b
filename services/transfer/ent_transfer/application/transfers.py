"""The sender's side: create a transfer, list mine, see one (its share link), delete it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ent_kit.auth import Identity
from ent_kit.errors import NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentStore, Query, Range

from ent_transfer import texts
from ent_transfer.application.passwords import Passwords
from ent_transfer.application.projections import ALIVE, TRANSFERS
from ent_transfer.application.secrets import LinkSecret, Secrets, new_token, token_digest
from ent_transfer.application.views import (
    TransferPage,
    TransferRequest,
    TransferView,
    transfer_view,
)
from ent_transfer.domain.model import FileDraft, NewTransfer, Transfer
from ent_transfer.domain.rules import TransferLimits, check_active_quota, checked_password


class Transfers:
    def __init__(
        self,
        transfers: Repository[Transfer],
        documents: DocumentStore,
        projector: LocalProjector,
        passwords: Passwords,
        limits: TransferLimits,
        public_url: str,
    ) -> None:
        self._transfers = transfers
        self._documents = documents
        self._projector = projector
        self._passwords = passwords
        self._limits = limits
        self._public_url = public_url.rstrip("/")
        self._secrets = Secrets(documents)

    def share_url(self, token: str) -> str:
        return f"{self._public_url}/api/transfer/links/{token}"

    async def create(self, me: Identity, request: TransferRequest) -> TransferView:
        now = datetime.now(UTC)
        check_active_quota(await self._active_count(me.user_id, now), self._limits)
        password = checked_password(request.password)
        token = new_token()
        transfer_id = str(uuid.uuid4())
        new = NewTransfer(
            files=[
                FileDraft(
                    file_id=uuid.uuid4().hex, path=f.path, size=f.size, media_type=f.media_type
                )
                for f in request.files
            ],
            message=request.message,
            password_protected=password is not None,
            download_limit=request.download_limit,
            expires_in_days=request.expires_in_days,
        )

        def decide(transfer: Transfer) -> None:
            transfer.create(
                me.user_id, new, now=now, link_sha256=token_digest(token), limits=self._limits
            )

        # The rules first (nothing hashed nor kept for a refused transfer), then the secret,
        # then the events: a transfer never exists without its link.
        Transfer(transfer_id).create(
            me.user_id, new, now=now, link_sha256=token_digest(token), limits=self._limits
        )
        hashed = await self._passwords.hash(password) if password else None
        await self._secrets.keep(transfer_id, LinkSecret(token, hashed))
        saved = await self._transfers.update(transfer_id, decide, me.actor, create=True)
        await self._projector.caught_up(saved.position)
        return await self.get(me, transfer_id)

    async def _active_count(self, sender_id: str, now: datetime) -> int:
        count = 0
        for state in ALIVE:
            page = await self._documents.find(
                TRANSFERS,
                Query(
                    where={"sender_id": sender_id, "state": state},
                    ranges={"expires_at": Range(gt=now)},
                    limit=self._limits.max_active,
                ),
            )
            count += len(page.items)
        return count

    async def mine(self, me: Identity, cursor: str | None, limit: int) -> TransferPage:
        """My transfers still alive, newest first (deleted and expired ones are gone)."""
        page = await self._documents.find(
            TRANSFERS,
            Query(
                where={"sender_id": me.user_id, "alive": True},
                order_by=[("created_at", "desc")],
                limit=limit,
                after=cursor,
            ),
        )
        items = [await self._view(doc["id"], doc) for doc in page.items]
        return TransferPage(items, page.next_cursor)

    async def get(self, me: Identity, transfer_id: str) -> TransferView:
        doc = await self._documents.get(TRANSFERS, transfer_id)
        if doc is None or doc["sender_id"] != me.user_id or doc["state"] not in ALIVE:
            raise NotFound("", "transfer_not_found", texts.TRANSFER_NOT_FOUND)
        return await self._view(transfer_id, doc)

    async def _view(self, transfer_id: str, doc: dict[str, object]) -> TransferView:
        secret = await self._secrets.of(transfer_id)
        url = self.share_url(secret.token) if secret and doc["state"] == "ready" else None
        return transfer_view(transfer_id, doc, url)

    async def delete(self, me: Identity, transfer_id: str) -> None:
        """Gone for the link at once; its bytes are deleted by the expiry job."""
        now = datetime.now(UTC)
        saved = await self._transfers.update(
            transfer_id, lambda t: t.delete(me.user_id, now), me.actor
        )
        await self._projector.caught_up(saved.position)
