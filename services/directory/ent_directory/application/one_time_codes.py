"""Codes that work once (a password reset's, a device pairing's) and device secrets: shown
once to whoever asked, stored only as their SHA-256 (256 random bits need no slow hash:
nobody can guess them back), never logged or put in an event."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from ent_kit.storage import DocumentStore

CODE_BYTES = 32  # 256 bits, url-safe: fits a QR code or a header


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def spend(documents: DocumentStore, collection: str, code: str) -> dict[str, Any] | None:
    """The code's document, deleted in the transaction that read it, so that two uses at
    once cannot both find it; None when unknown or already spent."""
    key = code_hash(code)
    async with documents.transaction() as tx:
        found = await tx.get(collection, key)
        spent = found is not None and await tx.delete(collection, key)
    return found if spent else None


def has_expired(found: dict[str, Any], now: datetime) -> bool:
    return datetime.fromisoformat(found["expires_at"]) <= now
