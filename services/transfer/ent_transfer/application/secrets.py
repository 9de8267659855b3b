"""The link's token and the password hash of each transfer: kept in the service's store,
beside the read models but never in an event (a reader of the topic could use them)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ent_kit.storage import DocumentStore

SECRETS = "transfer_secrets"  # id: transfer id → token, password hash


def new_token() -> str:
    """192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LinkSecret:
    token: str
    password_hash: str | None


class Secrets:
    def __init__(self, documents: DocumentStore) -> None:
        self._documents = documents

    async def keep(self, transfer_id: str, secret: LinkSecret) -> None:
        async with self._documents.transaction() as tx:
            await tx.put(
                SECRETS,
                transfer_id,
                {"token": secret.token, "password_hash": secret.password_hash},
            )

    async def of(self, transfer_id: str) -> LinkSecret | None:
        doc = await self._documents.get(SECRETS, transfer_id)
        return None if doc is None else LinkSecret(doc["token"], doc["password_hash"])

    async def forget(self, transfer_id: str) -> None:
        async with self._documents.transaction() as tx:
            await tx.delete(SECRETS, transfer_id)
