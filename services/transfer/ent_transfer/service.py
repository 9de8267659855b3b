"""Wiring of the transfer service: commands and queries built from the runtime."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from weakref import WeakKeyDictionary

from argon2 import PasswordHasher
from ent_contracts import topics
from ent_kit.blobs.multipart import ResumableUploads, resumable_uploads
from ent_kit.peers import PeerClient
from ent_kit.repository import Repository
from ent_kit.runtime import Periodic, Runtime, ServiceDefinition, provide
from ent_kit.scopes import MAIL_EXTERNAL_EMAIL
from litestar.di import Provide

from ent_transfer.adapters.mail import MailExternalEmails, MailMessages
from ent_transfer.application.expiry import Expiry
from ent_transfer.application.links import Links
from ent_transfer.application.passwords import Passwords
from ent_transfer.application.projections import TRANSFERS, TransferProjection
from ent_transfer.application.sharing import Sharing
from ent_transfer.application.transfers import Transfers
from ent_transfer.application.uploads import UPLOADS, TusUploads
from ent_transfer.domain.model import Transfer
from ent_transfer.entrypoints.http import TransferController
from ent_transfer.entrypoints.links import LinkController
from ent_transfer.entrypoints.tus import TusController
from ent_transfer.settings import TransferSettings

PROJECTION = TransferProjection()


def settings_of(runtime: Runtime) -> TransferSettings:
    assert isinstance(runtime.settings, TransferSettings)
    return runtime.settings


def repository(runtime: Runtime) -> Repository[Transfer]:
    return Repository(runtime.storage.events, Transfer, runtime.signal)


_SHARED: WeakKeyDictionary[Runtime, tuple[Passwords, ResumableUploads]] = WeakKeyDictionary()


def shared(runtime: Runtime) -> tuple[Passwords, ResumableUploads]:
    """One password pool and one resumable view of the blobs per runtime."""
    if runtime not in _SHARED:
        s = settings_of(runtime)
        hasher = PasswordHasher(
            time_cost=s.transfer_argon2_time_cost, memory_cost=s.transfer_argon2_memory_kib
        )
        passwords = Passwords(
            hasher,
            runtime.storage.documents,
            attempts=s.transfer_password_attempts,
            window=timedelta(seconds=s.transfer_password_window_s),
        )
        _SHARED[runtime] = (passwords, resumable_uploads(runtime.blobs))
    return _SHARED[runtime]


def transfers(runtime: Runtime) -> Transfers:
    s = settings_of(runtime)
    return Transfers(
        repository(runtime),
        runtime.storage.documents,
        runtime.projectors[PROJECTION.name],
        shared(runtime)[0],
        s.limits(),
        s.transfer_public_url,
    )


def tus_uploads(runtime: Runtime) -> TusUploads:
    return TusUploads(
        repository(runtime),
        runtime.storage.documents,
        runtime.blobs,
        shared(runtime)[1],
        runtime.projectors[PROJECTION.name],
        timedelta(seconds=settings_of(runtime).transfer_upload_ttl_s),
    )


def links(runtime: Runtime) -> Links:
    return Links(
        repository(runtime),
        runtime.storage.documents,
        runtime.blobs,
        shared(runtime)[0],
        runtime.projectors[PROJECTION.name],
    )


def expiry(runtime: Runtime) -> Expiry:
    return Expiry(
        repository(runtime),
        runtime.storage.documents,
        runtime.blobs,
        shared(runtime)[1],
        runtime.projectors[PROJECTION.name],
        timedelta(seconds=settings_of(runtime).transfer_upload_ttl_s),
    )


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    settings = settings_of(runtime)
    mail, emails = None, None
    if settings.mail_url:
        mail = MailMessages(settings.mail_url)
        runtime.close_on_stop(mail.close)
        peer = PeerClient(
            settings.mail_url,
            settings,
            callee="mail",
            scope=MAIL_EXTERNAL_EMAIL,
            at_first_call=True,
        )
        runtime.close_on_stop(peer.close)
        emails = MailExternalEmails(peer)
    return {
        "sharing": provide(lambda: Sharing(transfers(runtime), mail, emails)),
        "transfers": provide(lambda: transfers(runtime)),
        "tus_uploads": provide(lambda: tus_uploads(runtime)),
        "links": provide(lambda: links(runtime)),
        "max_bytes": provide(lambda: settings_of(runtime).transfer_max_bytes),
    }


async def on_start(runtime: Runtime) -> None:
    documents = runtime.storage.documents
    await documents.ensure_index(TRANSFERS, ["sender_id", "alive", "created_at"])
    await documents.ensure_index(TRANSFERS, ["sender_id", "state", "expires_at"])
    await documents.ensure_index(TRANSFERS, ["link_sha256"])
    await documents.ensure_index(TRANSFERS, ["state", "expires_at"])
    await documents.ensure_index(TRANSFERS, ["state", "created_at"])
    await documents.ensure_index(UPLOADS, ["done", "expires_at"])
    await documents.ensure_index(UPLOADS, ["transfer_id"])
    await documents.ensure_index(UPLOADS, ["progress.upload_id"])


async def run_expiry(runtime: Runtime) -> dict[str, int]:
    return await expiry(runtime).run()


SERVICE = ServiceDefinition(
    name="transfer",
    settings_type=TransferSettings,
    controllers=[TransferController, TusController, LinkController],
    dependencies=dependencies,
    topics=[topics.TRANSFER],
    local_projections=[PROJECTION],
    on_start=on_start,
    periodic=[Periodic("expiry", run_expiry, lambda r: settings_of(r).transfer_expiry_interval_s)],
    public_paths=["/transfer/links"],
)
