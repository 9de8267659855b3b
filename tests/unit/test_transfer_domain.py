"""The Transfer aggregate and its rules: paths, sizes, expiry, uploads, the link's life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ent_contracts.transfer import (
    TransferCompleted,
    TransferCreated,
    TransferDeleted,
    TransferDownloaded,
    TransferExpired,
    TransferFileUploaded,
)
from ent_kit.errors import Conflict, NotFound, Refused, TooLarge, Unprocessable
from ent_transfer.domain.model import (
    DownloadLimitReached,
    FileDraft,
    Gone,
    NewTransfer,
    Transfer,
)
from ent_transfer.domain.rules import TransferLimits, check_active_quota, checked_path

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LIMITS = TransferLimits(max_bytes=2 * 1024**3, max_days=7, max_files=100, max_active=3)
LINK = "cd" * 32


def draft(path: str, size: int = 10, file_id: str = "") -> FileDraft:
    return FileDraft(file_id=file_id or path, path=path, size=size, media_type="text/plain")


def created(*files: FileDraft, **options: object) -> Transfer:
    transfer = Transfer("t-1")
    request = NewTransfer(files=list(files) or [draft("a.txt")], **options)  # type: ignore[arg-type]
    transfer.create("alice", request, now=NOW, link_sha256=LINK, limits=LIMITS)
    return transfer


def completed(*files: FileDraft, **options: object) -> Transfer:
    transfer = created(*files, **options)
    for file_id, file in transfer.s.files.items():
        transfer.record_upload(file_id, file.size, f"transfers/t-1/{file_id}")
    return transfer


def test_a_folder_of_files_is_declared_with_its_relative_paths() -> None:
    transfer = created(draft("cours/ch1.pdf", 5), draft("cours/annexes/ch2.pdf", 7))
    [event] = transfer.pending()
    assert isinstance(event, TransferCreated)
    assert [f.path for f in event.files] == ["cours/ch1.pdf", "cours/annexes/ch2.pdf"]
    assert event.total_bytes == 12
    assert event.expires_at == NOW + timedelta(days=7)
    assert transfer.state == "uploading"


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "../secret",
        "a/../b",
        "a//b",
        "a\\b",
        "a/./b",
        "bad\x00name",
        "x\u202eexe",
        "trailing/",
        " lead",
    ],
)
def test_paths_that_could_escape_or_mislead_are_refused(path: str) -> None:
    with pytest.raises(Refused) as refused:
        checked_path(path)
    assert refused.value.field == "files"
    assert refused.value.reason == "invalid_path"


def test_accents_and_joiners_are_fine_names() -> None:
    assert checked_path("Élèves/résumé.pdf") == "Élèves/résumé.pdf"


def test_an_empty_transfer_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        created(draft("a.txt", 0))
    assert refused.value.reason == "empty_transfer"
    with pytest.raises(Refused) as none:
        Transfer("t").create(
            "alice", NewTransfer(files=[]), now=NOW, link_sha256=LINK, limits=LIMITS
        )
    assert none.value.reason == "no_files"


def test_more_than_the_limit_in_bytes_is_too_large() -> None:
    with pytest.raises(TooLarge) as too_large:
        created(draft("a.bin", 2 * 1024**3), draft("b.bin", 1))
    assert too_large.value.reason == "transfer_too_large"


def test_two_files_with_the_same_path_ignoring_case_are_refused() -> None:
    with pytest.raises(Refused) as refused:
        created(draft("A.txt", file_id="1"), draft("a.txt", file_id="2"))
    assert refused.value.reason == "duplicate_path"


def test_expiry_is_at_most_the_setting() -> None:
    with pytest.raises(Refused) as refused:
        created(expires_in_days=8)
    assert refused.value.field == "expires_in_days"
    assert created(expires_in_days=1).s.expires_at == NOW + timedelta(days=1)


def test_the_last_uploaded_file_completes_the_transfer() -> None:
    transfer = created(draft("a.txt", 3), draft("b.txt", 4))
    transfer.mark_saved()
    transfer.record_upload("a.txt", 3, "k/a")
    assert [type(e) for e in transfer.pending()] == [TransferFileUploaded]
    transfer.record_upload("b.txt", 4, "k/b")
    assert [type(e) for e in transfer.pending()] == [
        TransferFileUploaded,
        TransferFileUploaded,
        TransferCompleted,
    ]
    assert transfer.state == "ready"
    assert sorted(transfer.blob_keys()) == ["k/a", "k/b"]


def test_an_upload_must_match_a_declared_file_of_the_sender() -> None:
    transfer = created(draft("a.txt", 3))
    assert transfer.file_for_upload("alice", "a.txt", 3, NOW) == "a.txt"
    with pytest.raises(NotFound):
        transfer.file_for_upload("mallory", "a.txt", 3, NOW)
    with pytest.raises(Refused):
        transfer.file_for_upload("alice", "other.txt", 3, NOW)
    with pytest.raises(TooLarge):
        transfer.file_for_upload("alice", "a.txt", 4, NOW)


def test_an_incomplete_transfer_is_not_downloadable() -> None:
    with pytest.raises(Gone):
        created().download(None, NOW)


def test_the_download_limit_is_enforced() -> None:
    transfer = completed(download_limit=2)
    transfer.download(None, NOW)
    transfer.download("a.txt", NOW)
    with pytest.raises(DownloadLimitReached):
        transfer.download(None, NOW)
    downloads = [e for e in transfer.pending() if isinstance(e, TransferDownloaded)]
    assert [d.file_id for d in downloads] == [None, "a.txt"]


def test_after_its_expiry_the_link_is_gone_and_the_transfer_expires() -> None:
    transfer = completed(expires_in_days=1)
    later = NOW + timedelta(days=1)
    with pytest.raises(Gone):
        transfer.download(None, later)
    transfer.expire(NOW)
    assert transfer.state == "ready"
    transfer.expire(later)
    assert isinstance(transfer.pending()[-1], TransferExpired)
    transfer.expire(later)  # once only
    assert sum(isinstance(e, TransferExpired) for e in transfer.pending()) == 1


def test_only_the_sender_deletes_and_the_link_is_gone() -> None:
    transfer = completed()
    with pytest.raises(NotFound):
        transfer.delete("mallory", NOW)
    transfer.delete("alice", NOW)
    assert isinstance(transfer.pending()[-1], TransferDeleted)
    with pytest.raises(Gone):
        transfer.download(None, NOW)
    with pytest.raises(Conflict):
        transfer.record_upload("a.txt", 10, "k")


def test_the_active_quota() -> None:
    check_active_quota(2, LIMITS)
    with pytest.raises(Unprocessable) as refused:
        check_active_quota(3, LIMITS)
    assert refused.value.reason == "transfer_quota_reached"
