"""The Messagerie's attachments on a real SQLite store and a filesystem blob store, scanned
by the embedded EICAR scanner: uploads (content stored once, limits, names, quarantine, no
verdict never counted clean), files taken from Mes documents (a fake, then the locker
adapter against a real HTTP server), downloads for the holders of a message only, and the
HTTP routes in-process."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
import uvicorn
from directory_fixtures import Client, bearer
from ent_contracts import Envelope
from ent_contracts.directory_api import Recipient, Verdict
from ent_contracts.mail import AttachmentQuarantined, AttachmentRef, AttachmentStored, MessageSent
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, Download, IncomingFile, content_key, open_blob_store
from ent_kit.downloads import file_stream
from ent_kit.errors import NotFound, Refused, TooLarge
from ent_kit.http import create_app
from ent_kit.peers import PeerUnavailable
from ent_kit.problems import EXCEPTION_HANDLERS
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.runtime import Runtime, ServiceDefinition, provide
from ent_kit.settings import ServiceSettings
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage
from ent_mail.adapters.antivirus import (
    EICAR,
    EICAR_SIGNATURE,
    EicarScanner,
    ScannerUnavailable,
    StreamTooLarge,
)
from ent_mail.adapters.locker import LockerWorkspace, file_name
from ent_mail.application.attachments import AttachmentService
from ent_mail.application.attachments_projection import (
    ATTACHMENTS,
    QUARANTINED,
    AttachmentsProjection,
)
from ent_mail.application.forms import MessageForm
from ent_mail.application.mailbox_projection import MailboxProjection
from ent_mail.application.ports import Antivirus, ScanResult
from ent_mail.application.sending import SendService
from ent_mail.application.workspace_port import WorkspaceFiles
from ent_mail.domain.attachment import Attachment, Content
from ent_mail.domain.conversation import Conversation
from ent_mail.entrypoints.attachments import AttachmentsController
from kit_fixtures import TEST_KEYS, all_docs, envelope, storage
from litestar import Litestar, Request, get
from litestar.response import Stream
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

__all__ = ["storage"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

TEACHER = Identity(user_id="teacher-1", profile="teacher")
PARENT = Identity(user_id="parent-1", profile="parent")
OTHER_PARENT = Identity(user_id="parent-2", profile="parent")
STRANGER = Identity(user_id="student-9", profile="student")
MB = 1024 * 1024
PDF = b"%PDF-1.7\n" + b"Sortie au musee, autorisation parentale.\n" * 2000
USER_TOKEN = "Bearer the-callers-own-token"


# --- fakes and helpers -------------------------------------------------------------------


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def incoming(
    data: bytes, name: str = "autorisation.pdf", media_type: str = "application/pdf"
) -> IncomingFile:
    """`data` as an upload delivers it: in pieces of 64 KiB."""
    pieces = [data[i : i + 64 * 1024] for i in range(0, len(data), 64 * 1024)]
    return IncomingFile(name, media_type, stream(*pieces))


class NoVerdict:
    """An antivirus that cannot be reached."""

    async def scan(self, chunks: AsyncIterator[bytes]) -> ScanResult:
        raise ScannerUnavailable("clamd at 127.0.0.1:3310: connection refused")

    async def close(self) -> None:
        return None


class RefusesTheSize:
    """clamd with a StreamMaxLength below the Messagerie's own limit."""

    async def scan(self, chunks: AsyncIterator[bytes]) -> ScanResult:
        raise StreamTooLarge("clamd refused the stream: INSTREAM size limit exceeded")

    async def close(self) -> None:
        return None


@dataclass
class FakeWorkspace:
    """Mes documents with one file per item id; remembers who asked, with what."""

    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)
    open_now: bool = False

    @asynccontextmanager
    async def open(self, item_id: str, authorization: str) -> AsyncIterator[IncomingFile]:
        self.asked.append((item_id, authorization))
        if item_id not in self.files:
            raise NotFound("item_id", "item_not_found", "Document introuvable")
        name, media_type, data = self.files[item_id]
        self.open_now = True
        try:
            yield IncomingFile(name, media_type, stream(data[:1000], data[1000:]))
        finally:
            self.open_now = False


class ScanWatcher:
    """The EICAR scanner, noting whether Mes documents was still being read meanwhile."""

    def __init__(self, workspace: FakeWorkspace) -> None:
        self.workspace = workspace
        self.during_download: list[bool] = []

    async def scan(self, chunks: AsyncIterator[bytes]) -> ScanResult:
        self.during_download.append(self.workspace.open_now)
        return await EicarScanner().scan(chunks)

    async def close(self) -> None:
        return None


def files_under(root: Path) -> list[Path]:
    """Every file the blob store holds, its temporary ones included."""
    return sorted(p for p in root.rglob("*") if p.is_file())


@dataclass
class Mail:
    storage: Storage
    blobs: BlobStore
    root: Path
    workspace: FakeWorkspace
    service: Callable[[Antivirus, WorkspaceFiles | None], AttachmentService]

    @property
    def attachments(self) -> AttachmentService:
        return self.service(EicarScanner(), None)

    async def doc(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        return await self.storage.documents.get(collection, doc_id)

    async def events(self, stream_id: str) -> list[Envelope]:
        return await self.storage.events.read_stream(stream_id)

    async def deliver(self, *refs: AttachmentRef, message_id: str = "m-1") -> str:
        """A message from TEACHER to PARENT and OTHER_PARENT carrying `refs`, put in the
        mailboxes as the mailbox projection does on MessageSent."""
        sent = MessageSent(
            conversation_id=f"c-{message_id}",
            message_id=message_id,
            sender_id=TEACHER.user_id,
            to=[PARENT.user_id, OTHER_PARENT.user_id],
            reply_mode="sender_only",
            subject="Sortie au musée",
            body_html="<p>Voici l'autorisation.</p>",
            body_text="Voici l'autorisation.",
            attachments=list(refs),
            sent_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        )
        async with self.storage.documents.transaction() as tx:
            await MailboxProjection().apply(tx, envelope(sent, f"c-{message_id}", 1), sent)
        return message_id


@pytest.fixture
async def mail(storage: Storage, tmp_path: Path) -> AsyncIterator[Mail]:
    signal = AppendSignal()
    projector = LocalProjector(storage, AttachmentsProjection(), signal)
    running = asyncio.create_task(projector.run())
    root = tmp_path / "blobs"
    blobs = open_blob_store(f"file://{root}")
    workspace = FakeWorkspace()

    def service(antivirus: Antivirus, files: WorkspaceFiles | None) -> AttachmentService:
        return AttachmentService(
            Repository(storage.events, Attachment, signal),
            Repository(storage.events, Content, signal),
            blobs,
            antivirus,
            files or workspace,
            storage.documents,
            projector,
        )

    yield Mail(storage, blobs, root, workspace, service)
    await projector.stop()
    await running


async def read(download: Download) -> bytes:
    return b"".join([chunk async for chunk in download.chunks()])


# --- uploads -----------------------------------------------------------------------------


async def test_a_clean_upload_is_stored_by_its_digest_and_recorded_for_the_send(
    mail: Mail,
) -> None:
    ref = await mail.attachments.upload(TEACHER, incoming(PDF, name="  Autorisation.pdf "))

    assert (ref.name, ref.media_type, ref.size) == ("Autorisation.pdf", "application/pdf", len(PDF))
    assert ref.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (mail.root / content_key(ref.sha256)).read_bytes() == PDF
    doc = await mail.doc(ATTACHMENTS, ref.attachment_id)  # read-your-writes: no waiting
    assert doc is not None
    # "id": the store's own
    assert set(doc) - {"id"} == {"owner_id", "ref", "blob_key", "stored_at"}
    assert doc["owner_id"] == TEACHER.user_id
    assert doc["ref"] == msgspec.to_builtins(ref)
    [stored] = await mail.events(f"attachment:{ref.attachment_id}")
    assert stored.type == AttachmentStored.event_type
    assert stored.payload["source"] == "upload"
    assert await mail.doc(QUARANTINED, ref.sha256) is None


async def test_the_send_finds_the_owners_upload_and_nobody_elses(mail: Mail) -> None:
    ref = await mail.attachments.upload(TEACHER, incoming(PDF))
    sending = SendService(
        Repository(mail.storage.events, Conversation, AppendSignal()),
        _NoDirectory(),
        mail.storage.documents,
        _unused_projector(mail.storage),
    )
    form = MessageForm(attachment_ids=[ref.attachment_id])

    assert await sending.attachments_of(TEACHER, form) == [ref]
    with pytest.raises(Refused) as refused:
        await sending.attachments_of(PARENT, form)
    assert refused.value.reason == "attachment_not_found"


async def test_the_same_content_twice_is_one_blob_and_two_attachments(mail: Mail) -> None:
    first = await mail.attachments.upload(TEACHER, incoming(PDF, name="a.pdf"))
    second = await mail.attachments.upload(PARENT, incoming(PDF, name="b.pdf"))

    assert first.attachment_id != second.attachment_id
    assert first.sha256 == second.sha256
    assert files_under(mail.root) == [mail.root / content_key(first.sha256)]
    assert (await mail.doc(ATTACHMENTS, second.attachment_id) or {})["owner_id"] == "parent-1"


async def test_exactly_10_mb_is_accepted(mail: Mail) -> None:
    ref = await mail.attachments.upload(TEACHER, incoming(b"a" * (10 * MB)))
    assert ref.size == 10 * MB


async def test_10_mb_and_one_byte_is_too_large_and_nothing_is_kept(mail: Mail) -> None:
    with pytest.raises(TooLarge) as too_large:
        await mail.attachments.upload(TEACHER, incoming(b"a" * (10 * MB + 1)))

    assert (too_large.value.field, too_large.value.reason) == ("file", "attachment_too_large")
    assert too_large.value.message == "une pièce jointe dépasse 10 Mo"
    assert too_large.value.details == {"max_bytes": 10 * MB}
    assert files_under(mail.root) == []
    assert await mail.storage.events.last_position() == 0


@pytest.mark.parametrize("chunks", [(), (b"",), (b"", b"")])
async def test_an_empty_file_is_refused_and_nothing_is_kept(
    mail: Mail, chunks: tuple[bytes, ...]
) -> None:
    with pytest.raises(Refused) as refused:
        await mail.attachments.upload(
            TEACHER, IncomingFile("vide.txt", "text/plain", stream(*chunks))
        )

    assert (refused.value.field, refused.value.reason) == ("file", "empty_file")
    assert files_under(mail.root) == []
    assert await mail.storage.events.last_position() == 0


@pytest.mark.parametrize(
    "name",
    [
        *["   ", "../../etc/passwd", "a\\b.pdf", "bell\x07.pdf", "..", "x" * 256],
        # bidi controls ("invoiceexe.pdf" on screen), other format characters
        *["invoice\u202efdp.exe", "lri\u2066x.pdf", "rlm\u200f.pdf", "alm\u061c.pdf"],
        *["bom\ufeff.pdf", "line\u2028break.pdf"],
    ],
)
async def test_a_name_no_file_may_have_is_refused_before_storing(mail: Mail, name: str) -> None:
    with pytest.raises(Refused) as refused:
        await mail.attachments.upload(TEACHER, incoming(PDF, name=name))

    assert (refused.value.field, refused.value.reason) == ("file", "invalid_name")
    assert files_under(mail.root) == []


async def test_names_are_nfc_and_media_types_are_checked(mail: Mail) -> None:
    decomposed = "Re\u0301sume\u0301.TXT"
    plain = await mail.attachments.upload(TEACHER, incoming(b"notes", decomposed, "Text/Plain"))
    odd = await mail.attachments.upload(TEACHER, incoming(b"notes", "x.bin", "not a type\r\nX: y"))

    assert plain.name == "Résumé.TXT"
    assert plain.media_type == "text/plain"
    assert odd.media_type == "application/octet-stream"


# --- the antivirus -----------------------------------------------------------------------


async def test_eicar_is_quarantined_once_and_removed_for_every_reader(mail: Mail) -> None:
    infected = b"Devoir de maths\n" + EICAR + b"\nfin"
    first = await mail.attachments.upload(TEACHER, incoming(infected, name="devoir.txt"))
    again = await mail.attachments.upload(PARENT, incoming(infected, name="copie.txt"))
    clean = await mail.attachments.upload(TEACHER, incoming(PDF))
    message_id = await mail.deliver(first, clean)

    quarantined = await mail.doc(QUARANTINED, first.sha256)
    assert quarantined is not None
    assert quarantined["signature"] == EICAR_SIGNATURE
    verdicts = await mail.events(f"content:{first.sha256}")
    assert [e.type for e in verdicts] == [AttachmentQuarantined.event_type]  # only once
    assert (await mail.doc(ATTACHMENTS, again.attachment_id) or {})["ref"]["sha256"] == first.sha256
    for reader in (TEACHER, PARENT, OTHER_PARENT):
        with pytest.raises(NotFound) as removed:
            await mail.attachments.download(reader, message_id, first.attachment_id)
        assert (removed.value.reason, removed.value.message) == (
            "attachment_removed",
            "Pièce jointe supprimée",
        )
        # The message's other attachment is still served.
        assert (
            await read(await mail.attachments.download(reader, message_id, clean.attachment_id))
            == PDF
        )


async def test_without_a_verdict_the_upload_fails_as_unavailable_and_nothing_is_recorded(
    mail: Mail,
) -> None:
    with pytest.raises(PeerUnavailable):
        await mail.service(NoVerdict(), None).upload(TEACHER, incoming(PDF))

    assert await mail.storage.events.last_position() == 0
    assert await all_docs(mail.storage, ATTACHMENTS) == []


async def test_a_scanner_refusing_the_size_refuses_the_upload(mail: Mail) -> None:
    with pytest.raises(TooLarge) as refused:
        await mail.service(RefusesTheSize(), None).upload(TEACHER, incoming(PDF))

    assert refused.value.reason == "attachment_unscannable"
    assert await mail.storage.events.last_position() == 0


# --- downloads ---------------------------------------------------------------------------


async def test_the_sender_and_the_recipients_download_it_and_nobody_else(mail: Mail) -> None:
    ref = await mail.attachments.upload(TEACHER, incoming(PDF, name="Autorisation.pdf"))
    message_id = await mail.deliver(ref)

    for reader in (TEACHER, PARENT, OTHER_PARENT):
        download = await mail.attachments.download(reader, message_id, ref.attachment_id)
        assert (download.file_name, download.media_type, download.size, download.sha256) == (
            "Autorisation.pdf",
            "application/pdf",
            len(PDF),
            ref.sha256,
        )
        assert await read(download) == PDF
    for reader, message, attachment in [
        (STRANGER, message_id, ref.attachment_id),  # no copy of the message
        (PARENT, "m-unknown", ref.attachment_id),  # no such message
        (PARENT, message_id, "a-not-in-this-message"),  # not one of its attachments
    ]:
        with pytest.raises(NotFound) as missing:
            await mail.attachments.download(reader, message, attachment)
        assert missing.value.reason == "attachment_not_found"


async def test_an_upload_named_by_no_message_is_not_downloadable_through_another(
    mail: Mail,
) -> None:
    mine = await mail.attachments.upload(TEACHER, incoming(b"secret"))
    message_id = await mail.deliver(await mail.attachments.upload(TEACHER, incoming(PDF)))

    with pytest.raises(NotFound):
        await mail.attachments.download(PARENT, message_id, mine.attachment_id)


# --- from Mes documents ------------------------------------------------------------------


async def test_a_file_from_mes_documents_is_streamed_in_with_the_callers_rights(
    mail: Mail,
) -> None:
    mail.workspace.files["item-1"] = ("Compte rendu.pdf", "application/pdf", PDF)
    watcher = ScanWatcher(mail.workspace)

    ref = await mail.service(watcher, None).from_workspace(TEACHER, "item-1", USER_TOKEN)

    assert mail.workspace.asked == [("item-1", USER_TOKEN)]
    assert (ref.name, ref.size, ref.sha256) == (
        "Compte rendu.pdf",
        len(PDF),
        hashlib.sha256(PDF).hexdigest(),
    )
    assert watcher.during_download == [False]  # the locker's answer was closed first
    [stored] = await mail.events(f"attachment:{ref.attachment_id}")
    assert stored.payload["source"] == "workspace"
    assert await mail.doc(ATTACHMENTS, ref.attachment_id) is not None


async def test_a_missing_workspace_item_is_not_found(mail: Mail) -> None:
    with pytest.raises(NotFound) as missing:
        await mail.attachments.from_workspace(TEACHER, "item-nope", USER_TOKEN)

    assert missing.value.field == "item_id"
    assert await mail.storage.events.last_position() == 0


# --- the locker adapter, against a real HTTP server ---------------------------------------


@dataclass
class Locker:
    url: str
    seen: list[str | None]  # the Authorization header of each request


@pytest.fixture
async def locker(tmp_path: Path) -> AsyncIterator[Locker]:
    """The locker's workspace download route, played by a tiny app serving one item the
    way the locker does (ent_kit.downloads.file_stream)."""
    blobs = open_blob_store(f"file://{tmp_path}/locker-blobs")
    info = await blobs.put("item", stream(PDF))
    seen: list[str | None] = []

    @get("/locker/workspace/items/{item_id:str}/content")
    async def content(request: Request[Any, Any, Any], item_id: str) -> Stream:
        seen.append(request.headers.get("authorization"))
        if item_id != "item-1" or request.headers.get("authorization") != USER_TOKEN:
            raise NotFound("item_id", "item_not_found", "Document introuvable")
        return file_stream(
            Download("Relevé « T1 ».pdf", "application/pdf", info.size, info.sha256, "item", blobs)
        )

    app = Litestar([content], exception_handlers=EXCEPTION_HANDLERS)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
    yield Locker(f"http://127.0.0.1:{port}/", seen)
    server.should_exit = True
    await serving


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_the_locker_adapter_forwards_the_callers_token_and_streams_the_file(
    mail: Mail, locker: Locker
) -> None:
    adapter = LockerWorkspace(locker.url)
    try:
        async with adapter.open("item-1", USER_TOKEN) as file:
            received = b"".join([chunk async for chunk in file.chunks])
        ref = await mail.service(EicarScanner(), adapter).from_workspace(
            TEACHER, "item-1", USER_TOKEN
        )
    finally:
        await adapter.close()

    assert locker.seen == [USER_TOKEN, USER_TOKEN]
    assert (file.file_name, file.media_type, received) == (
        "Relevé « T1 ».pdf",
        "application/pdf",
        PDF,
    )
    assert (ref.name, ref.sha256) == ("Relevé « T1 ».pdf", hashlib.sha256(PDF).hexdigest())


async def test_the_locker_answering_404_is_not_found(locker: Locker) -> None:
    adapter = LockerWorkspace(locker.url)
    try:
        for item_id in ("item-2", "../../item-1"):
            with pytest.raises(NotFound) as missing:
                async with adapter.open(item_id, USER_TOKEN):
                    pass
            assert (missing.value.field, missing.value.reason) == ("item_id", "item_not_found")
        with pytest.raises(NotFound):  # someone else's token: not theirs, not found
            async with adapter.open("item-1", "Bearer someone-else"):
                pass
    finally:
        await adapter.close()


async def test_a_silent_locker_is_unavailable() -> None:
    adapter = LockerWorkspace(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(PeerUnavailable):
            async with adapter.open("item-1", USER_TOKEN):
                pass
    finally:
        await adapter.close()


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("attachment; filename=\"caf_.pdf\"; filename*=UTF-8''caf%C3%A9.pdf", "café.pdf"),
        ('attachment; filename="plain \\"quoted\\".txt"', 'plain "quoted".txt'),
        ("attachment; filename=token.txt", "token.txt"),
        ("attachment; filename=\"ok.txt\"; filename*=x-nope''%FF", "ok.txt"),
        ("attachment", ""),
    ],
)
def test_file_names_are_read_from_content_disposition(header: str, name: str) -> None:
    assert file_name(header) == name


# --- over HTTP ---------------------------------------------------------------------------


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[Client, Runtime, FakeWorkspace]]:
    workspace = FakeWorkspace()
    workspace.files["item-1"] = ("Compte rendu.pdf", "application/pdf", PDF)
    projection = AttachmentsProjection()

    def attachments(runtime: Runtime) -> AttachmentService:
        return AttachmentService(
            Repository(runtime.storage.events, Attachment, runtime.signal),
            Repository(runtime.storage.events, Content, runtime.signal),
            runtime.blobs,
            EicarScanner(),
            workspace,
            runtime.storage.documents,
            runtime.projectors[projection.name],
        )

    definition = ServiceDefinition(
        name="mail",
        controllers=[AttachmentsController],
        dependencies=lambda runtime: {"attachments": provide(lambda: attachments(runtime))},
        local_projections=[projection],
        uses_broker=False,
    )
    settings = ServiceSettings(
        service_name="mail",
        **TEST_KEYS.settings("mail"),
        store_url=f"sqlite://{tmp_path}/mail.db",
        blob_url=f"file://{tmp_path}/blobs",
    )
    runtime = Runtime(definition, settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as test_client:
        yield test_client, runtime, workspace


async def upload(client: Client, data: bytes, **extra: str) -> Any:
    return await client.post(
        "/mail/attachments",
        data=extra,
        files={"file": ("devoir.txt", data, "text/plain")},
        headers=bearer(TEACHER),
    )


async def deliver_to_parent(runtime: Runtime, ref: AttachmentRef) -> None:
    """Message m-1 from the teacher to the parent, with `ref` attached, in the read model."""
    sent = MessageSent(
        conversation_id="c-1",
        message_id="m-1",
        sender_id=TEACHER.user_id,
        to=[PARENT.user_id],
        reply_mode="sender_only",
        subject="Devoir",
        body_html="<p>Ci-joint</p>",
        body_text="Ci-joint",
        attachments=[ref],
        sent_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
    )
    async with runtime.storage.documents.transaction() as tx:
        await MailboxProjection().apply(tx, envelope(sent, "c-1", 1), sent)


async def test_over_http_an_upload_is_201_and_its_download_is_a_safe_attachment(
    client: tuple[Client, Runtime, FakeWorkspace],
) -> None:
    http, runtime, _ = client
    created = await upload(http, PDF)
    assert created.status_code == 201, created.text
    ref = msgspec.convert(created.json(), AttachmentRef)
    await deliver_to_parent(runtime, ref)

    path = f"/mail/messages/m-1/attachments/{ref.attachment_id}"
    got = await http.get(path, headers=bearer(PARENT))
    partial = await http.get(path, headers={**bearer(PARENT), "range": "bytes=0-3"})
    stranger = await http.get(path, headers=bearer(STRANGER))

    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["content-disposition"].startswith('attachment; filename="devoir.txt"')
    assert (partial.status_code, partial.content) == (206, PDF[:4])
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "attachment_not_found"


async def test_over_http_refusals_are_problems(
    client: tuple[Client, Runtime, FakeWorkspace],
) -> None:
    http, runtime, _ = client
    infected = await upload(http, EICAR)
    extra_field = await upload(http, PDF, folder_id="f-1")
    empty = await upload(http, b"")
    ref = msgspec.convert(infected.json(), AttachmentRef)
    await deliver_to_parent(runtime, ref)
    removed = await http.get(
        f"/mail/messages/m-1/attachments/{ref.attachment_id}", headers=bearer(PARENT)
    )

    assert infected.status_code == 201
    assert (removed.status_code, removed.json()["code"]) == (404, "attachment_removed")
    assert removed.json()["title"] == "Pièce jointe supprimée"
    assert extra_field.status_code == 400
    assert extra_field.json()["errors"][0]["field"] == "folder_id"
    assert (empty.status_code, empty.json()["errors"][0]["reason"]) == (400, "empty_file")


async def test_over_http_a_file_from_mes_documents_carries_the_callers_token(
    client: tuple[Client, Runtime, FakeWorkspace],
) -> None:
    http, _, workspace = client
    headers = bearer(TEACHER)
    created = await http.post(
        "/mail/attachments/from-workspace", json={"item_id": "item-1"}, headers=headers
    )
    missing = await http.post(
        "/mail/attachments/from-workspace", json={"item_id": "item-2"}, headers=headers
    )
    blank = await http.post(
        "/mail/attachments/from-workspace", json={"item_id": ""}, headers=headers
    )

    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Compte rendu.pdf"
    assert workspace.asked[0] == ("item-1", headers["authorization"])
    assert (missing.status_code, missing.json()["code"]) == (404, "item_not_found")
    assert blank.status_code == 400


async def test_the_attachment_routes_are_in_the_openapi_document(
    client: tuple[Client, Runtime, FakeWorkspace],
) -> None:
    http, _, _ = client
    response = await http.get("/schema/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/mail/attachments",
        "/mail/attachments/from-workspace",
        "/mail/messages/{message_id}/attachments/{attachment_id}",
    } <= set(paths)


# --- test doubles the send needs but these tests never reach ------------------------------


class _NoDirectory:
    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        raise AssertionError("attachments_of never asks the directory")


def _unused_projector(storage: Storage) -> LocalProjector:
    """A projector nobody runs: waiting on it for position 0 returns at once."""
    return LocalProjector(storage, AttachmentsProjection(), AppendSignal())
