"""After integration: `DepositService.deposit` checks the per-sender limits after the
directory's verdict and before a byte is stored (security issue #10, item 5)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from ent_contracts.directory_api import Recipient, Verdict
from ent_kit.auth import Identity
from ent_kit.blobs import IncomingFile, open_blob_store
from ent_kit.errors import TooMany
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage
from ent_locker.application.deposits import DepositForm, DepositService
from ent_locker.application.projections import LockerProjection
from ent_locker.application.quota import Quota
from ent_locker.application.receipts import ReceiptSigner
from ent_locker.application.send_history import DepositHistoryProjection
from ent_locker.application.send_limits import DepositLimits
from ent_locker.domain.limits import DepositLog, deposit_limits
from ent_locker.domain.model import Document
from kit_fixtures import storage

__all__ = ["storage"]

TEACHER = Identity(user_id="teacher-1", profile="teacher")
LIMITS = deposit_limits(
    deposits_per_hour=2, deposits_per_day=10, recipients_per_hour=50, recipients_per_day=50
)


class Everyone:
    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        return Verdict(allowed=[r.user_id for r in recipients if r.user_id], refused=[])


def upload(content: bytes) -> IncomingFile:
    async def chunks() -> AsyncIterator[bytes]:
        yield content

    return IncomingFile("devoir.pdf", "application/pdf", chunks())


@pytest.fixture
async def deposits(storage: Storage, tmp_path: Path) -> AsyncIterator[DepositService]:
    signal = AppendSignal()
    casier = LocalProjector(storage, LockerProjection(), signal)
    history = LocalProjector(storage, DepositHistoryProjection(), signal)
    running = [asyncio.create_task(p.run()) for p in (casier, history)]
    limits = DepositLimits(
        storage.documents, Repository(storage.events, DepositLog, signal), lambda _: LIMITS, history
    )
    yield DepositService(
        Repository(storage.events, Document, signal),
        Everyone(),
        open_blob_store(f"file://{tmp_path}/blobs"),
        casier,
        ReceiptSigner("s" * 32),
        Quota(storage.documents, quota_bytes=10_000, reservation_ttl_s=60),
        1000,
        sender_limits=limits,
    )
    for each in (casier, history):
        await each.stop()
    await asyncio.gather(*running)


async def test_a_deposit_over_the_limit_stores_nothing(
    deposits: DepositService, storage: Storage, tmp_path: Path
) -> None:
    for n in range(2):
        form = DepositForm(recipients=["parent-1"], file=upload(f"copie {n}".encode()))
        await deposits.deposit(TEACHER, form)
    blobs = {p for p in (tmp_path / "blobs").rglob("*") if p.is_file()}

    one_too_many = DepositForm(recipients=["parent-1"], file=upload(b"une de trop"))
    with pytest.raises(TooMany) as limited:
        await deposits.deposit(TEACHER, one_too_many)

    assert limited.value.reason == "deposit_limit_reached"
    assert 0 < limited.value.retry_after_s <= timedelta(hours=1).total_seconds()
    assert {p for p in (tmp_path / "blobs").rglob("*") if p.is_file()} == blobs
    types = [e.envelope.type for e in await storage.events.read_all(limit=100)]
    assert types.count("locker.DocumentDeposited") == 2
    assert types.count("locker.DepositLimitReached") == 1
