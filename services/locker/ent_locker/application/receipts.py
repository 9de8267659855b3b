"""Signed deposit receipts: the seed's "horodatés pour une plus grande sécurité", checkable.

The receipt lists what was deposited, by whom, for whom, when, and the content's SHA-256;
its signature is an HMAC over those fields in canonical JSON. Anyone holding a receipt can
ask the locker whether it is genuine and still matches the stored document.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import msgspec
from ent_kit.storage import DocumentReader

from ent_locker.application.projections import DOCUMENTS
from ent_locker.application.views import Authenticity

_canonical = msgspec.json.Encoder(order="sorted").encode


class ReceiptFields(msgspec.Struct, frozen=True, kw_only=True):
    document_id: str
    sender_id: str
    recipient_ids: list[str]
    file_name: str
    size: int
    sha256: str
    deposited_at: datetime
    previous_version_id: str | None = None


class SignedReceipt(ReceiptFields, frozen=True, kw_only=True):
    signature: str  # base64url HMAC-SHA256 of the other fields


class ReceiptSigner:
    def __init__(self, receipt_key: str) -> None:
        # The locker's own receipt key (ENT_RECEIPT_KEY), derived once more so a receipt
        # key is never used as is.
        self._key = hmac.new(receipt_key.encode(), b"ent-locker-receipt-v1", "sha256").digest()

    def sign(self, fields: ReceiptFields) -> SignedReceipt:
        values = msgspec.structs.asdict(fields)
        return SignedReceipt(**values, signature=self._signature(fields))

    def is_genuine(self, receipt: SignedReceipt) -> bool:
        fields = msgspec.convert(msgspec.to_builtins(receipt), ReceiptFields)
        # Bytes: compare_digest refuses a str with non-ASCII characters (a TypeError, a 500).
        expected = self._signature(fields).encode()
        return hmac.compare_digest(expected, receipt.signature.encode())

    def _signature(self, fields: ReceiptFields) -> str:
        digest = hmac.new(self._key, _canonical(fields), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class ReceiptChecks:
    """Anyone holding a receipt may ask: is it genuine, and is that document still here?"""

    def __init__(self, signer: ReceiptSigner, reader: DocumentReader) -> None:
        self._signer = signer
        self._reader = reader

    async def verify(self, receipt: SignedReceipt) -> Authenticity:
        if not self._signer.is_genuine(receipt):
            return Authenticity(genuine=False, matches_stored=False)
        stored = await self._reader.get(DOCUMENTS, receipt.document_id)
        matches = (
            stored is not None
            and stored["sha256"] == receipt.sha256
            and stored["size"] == receipt.size
        )
        return Authenticity(genuine=True, matches_stored=matches)
