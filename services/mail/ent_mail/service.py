"""Wiring of the mail (Messagerie) service: commands and queries built from the runtime."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from ent_contracts import topics
from ent_kit.blob_sweep import BLOB_CANDIDATES, sweep_unreferenced_blobs
from ent_kit.peers import PeerClient
from ent_kit.reachability import DirectoryPolicy
from ent_kit.repository import Repository
from ent_kit.runtime import Periodic, Runtime, ServiceDefinition, Subscription, provide
from ent_kit.scopes import DIRECTORY_REACHABILITY
from litestar.di import Provide

from ent_mail.adapters.antivirus import open_antivirus
from ent_mail.adapters.locker import LockerWorkspace
from ent_mail.adapters.smtp import open_notifier
from ent_mail.application import content_uses
from ent_mail.application.address_book import AddressBookService
from ent_mail.application.attachments import AttachmentService
from ent_mail.application.attachments_projection import ATTACHMENTS as ATTACHMENTS_COLLECTION
from ent_mail.application.attachments_projection import AttachmentsProjection
from ent_mail.application.badge import UnreadBadge
from ent_mail.application.drafts import DraftCommands
from ent_mail.application.external_emails import ExternalEmails
from ent_mail.application.mailbox_commands import MailboxCommands
from ent_mail.application.mailbox_projection import (
    COPIES,
    DRAFTS_COLLECTION,
    FOLDERS,
    MailboxProjection,
)
from ent_mail.application.notification_outbox import EMAIL_QUEUE, NotificationsOutboxProjection
from ent_mail.application.notifying import Backoff, EmailDispatcher, NotificationSettingsService
from ent_mail.application.opening import Opening
from ent_mail.application.ports import Antivirus, RecipientPolicy
from ent_mail.application.projections import (
    NOTIFICATIONS,
    NotificationsProjection,
    PeopleProjection,
)
from ent_mail.application.purges import Purges
from ent_mail.application.queries import MailQueries, NotificationsQueries
from ent_mail.application.send_limits import SendLimits
from ent_mail.application.sender_projection import CONTACTS, SenderProjection
from ent_mail.application.sending import SendService
from ent_mail.application.workspace_port import WorkspaceFiles
from ent_mail.domain.address_book import AddressBook
from ent_mail.domain.attachment import Attachment, Content
from ent_mail.domain.conversation import Conversation
from ent_mail.domain.draft import Draft
from ent_mail.domain.limits import SendLog
from ent_mail.domain.mailbox import Mailbox
from ent_mail.domain.notification_settings import NotificationSettings
from ent_mail.entrypoints.attachments import AttachmentsController
from ent_mail.entrypoints.badge import BadgeController
from ent_mail.entrypoints.contacts import AddressBookController
from ent_mail.entrypoints.drafts import DraftsController
from ent_mail.entrypoints.folders import FoldersController
from ent_mail.entrypoints.http import NotificationsController
from ent_mail.entrypoints.notifications_settings import NotificationSettingsController
from ent_mail.entrypoints.reading import MailReadingController
from ent_mail.entrypoints.writing import (
    MailboxController,
    MailInternalController,
    MailSendingController,
)
from ent_mail.settings import MailSettings

MAILBOX = MailboxProjection()
SENDERS = SenderProjection()
ATTACHMENTS = AttachmentsProjection()
NOTIFICATION_OUTBOX = NotificationsOutboxProjection()


def settings_of(runtime: Runtime) -> MailSettings:
    assert isinstance(runtime.settings, MailSettings)
    return runtime.settings


def send_service(runtime: Runtime, policy: RecipientPolicy) -> SendService:
    settings = settings_of(runtime)
    limits = SendLimits(
        runtime.storage.documents,
        Repository(runtime.storage.events, SendLog, runtime.signal),
        settings.send_limits,
        runtime.projectors[SENDERS.name],
    )
    return SendService(
        Repository(runtime.storage.events, Conversation, runtime.signal),
        policy,
        runtime.storage.documents,
        runtime.projectors[MAILBOX.name],
        limits=limits,
        reduced_rights=settings.reduced_rights,
    )


def address_book(runtime: Runtime, policy: RecipientPolicy) -> AddressBookService:
    return AddressBookService(
        runtime.storage.documents,
        Repository(runtime.storage.events, AddressBook, runtime.signal),
        draft_commands(runtime, send_service(runtime, policy)),
        runtime.projectors[SENDERS.name],
    )


def attachment_service(
    runtime: Runtime, antivirus: Antivirus, workspace: WorkspaceFiles
) -> AttachmentService:
    return AttachmentService(
        Repository(runtime.storage.events, Attachment, runtime.signal),
        Repository(runtime.storage.events, Content, runtime.signal),
        runtime.blobs,
        antivirus,
        workspace,
        runtime.storage.documents,
        runtime.projectors[ATTACHMENTS.name],
    )


def external_emails(runtime: Runtime) -> ExternalEmails:
    return ExternalEmails(
        runtime.storage.events,
        runtime.signal,
        runtime.storage.documents,
        runtime.projectors[NOTIFICATION_OUTBOX.name],
        settings_of(runtime).external_emails_per_day,
        relay=bool(settings_of(runtime).notification_smtp_url),
    )


def notification_settings(runtime: Runtime) -> NotificationSettingsService:
    return NotificationSettingsService(
        Repository(runtime.storage.events, NotificationSettings, runtime.signal),
        runtime.storage.documents,
        runtime.projectors[NOTIFICATION_OUTBOX.name],
    )


async def send_notification_emails(runtime: Runtime) -> int:
    settings = settings_of(runtime)
    dispatcher = EmailDispatcher(
        runtime.storage.documents,
        runtime.storage.events,
        runtime.signal,
        open_notifier(settings.notification_smtp_url, settings.notification_sender),
        projector=runtime.projectors[NOTIFICATION_OUTBOX.name],
        backoff=Backoff(max_attempts=settings.notification_max_attempts),
    )
    return await dispatcher.run_once(datetime.now(UTC))


async def sweep_blobs(runtime: Runtime) -> int:
    grace = timedelta(seconds=settings_of(runtime).blob_grace_s)
    return await sweep_unreferenced_blobs(
        runtime.storage.documents, runtime.blobs, grace, content_uses.in_use
    )


async def purge(runtime: Runtime) -> dict[str, int]:
    settings = settings_of(runtime)
    purges = Purges(
        runtime.storage.documents,
        Repository(runtime.storage.events, Mailbox, runtime.signal),
        Repository(runtime.storage.events, Draft, runtime.signal),
        runtime.projectors[MAILBOX.name],
    )
    return await purges.run(
        trash=timedelta(days=settings.trash_retention_days),
        inbox=timedelta(days=settings.inbox_retention_days),
        drafts=timedelta(days=settings.draft_retention_days),
    )


def draft_commands(runtime: Runtime, sending: SendService) -> DraftCommands:
    return DraftCommands(
        Repository(runtime.storage.events, Draft, runtime.signal),
        Repository(runtime.storage.events, Conversation, runtime.signal),
        sending,
        runtime.storage.documents,
        runtime.projectors[MAILBOX.name],
    )


def mailbox_commands(runtime: Runtime) -> MailboxCommands:
    return MailboxCommands(
        Repository(runtime.storage.events, Mailbox, runtime.signal),
        runtime.storage.documents,
        runtime.projectors[MAILBOX.name],
    )


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    settings = settings_of(runtime)
    directory = PeerClient(
        settings.directory_url, settings, callee="directory", scope=DIRECTORY_REACHABILITY
    )
    runtime.close_on_stop(directory.close)
    policy = DirectoryPolicy(directory, field="to")
    antivirus = open_antivirus(settings.antivirus_url)
    runtime.close_on_stop(antivirus.close)
    workspace = LockerWorkspace(settings.locker_url)
    runtime.close_on_stop(workspace.close)
    return {
        "notifications": provide(lambda: NotificationsQueries(runtime.storage.documents)),
        "mail_queries": provide(lambda: MailQueries(runtime.storage.documents)),
        "badge": provide(
            lambda: UnreadBadge(
                MailQueries(runtime.storage.documents),
                runtime.projectors[MAILBOX.name],
                sessions=runtime.sessions,
            )
        ),
        "opening": provide(
            lambda: Opening(mailbox_commands(runtime), MailQueries(runtime.storage.documents))
        ),
        "sending": provide(lambda: send_service(runtime, policy)),
        "drafts": provide(lambda: draft_commands(runtime, send_service(runtime, policy))),
        "mailbox": provide(lambda: mailbox_commands(runtime)),
        "address_book": provide(lambda: address_book(runtime, policy)),
        "attachments": provide(lambda: attachment_service(runtime, antivirus, workspace)),
        "notification_settings": provide(lambda: notification_settings(runtime)),
        "external_emails": provide(lambda: external_emails(runtime)),
    }


async def on_start(runtime: Runtime) -> None:
    settings = settings_of(runtime)
    open_notifier(settings.notification_smtp_url, settings.notification_sender)  # fails early
    documents = runtime.storage.documents
    await documents.ensure_index(NOTIFICATIONS, ["user_id", "created_at"])
    await documents.ensure_index(COPIES, ["user_id", "folder", "sent_at"])
    await documents.ensure_index(COPIES, ["user_id", "conversation_id", "sent_at"])
    await documents.ensure_index(COPIES, ["user_id", "sent_at"])
    await documents.ensure_index(DRAFTS_COLLECTION, ["owner_id", "saved_at"])
    await documents.ensure_index(FOLDERS, ["user_id"])
    # The trash purge's: trashed copies only (a send to 200 never writes it).
    await documents.ensure_index(COPIES, ["trashed_at"], sparse=True)
    await documents.drop_index(COPIES, ["folder", "trashed_at"])  # its former index
    await documents.ensure_index(COPIES, ["folder", "sent_at"])
    await documents.ensure_index(DRAFTS_COLLECTION, ["saved_at"])
    await documents.ensure_index(CONTACTS, ["owner_id"])
    await documents.ensure_index(BLOB_CANDIDATES, ["since"])
    await documents.ensure_index(ATTACHMENTS_COLLECTION, ["blob_key", "stored_at"])
    await documents.ensure_index(EMAIL_QUEUE, ["next_at"])
    await documents.ensure_index(EMAIL_QUEUE, ["user_id"])


SERVICE = ServiceDefinition(
    name="mail",
    settings_type=MailSettings,
    controllers=[
        NotificationsController,
        MailReadingController,
        MailSendingController,
        MailInternalController,
        DraftsController,
        FoldersController,
        MailboxController,
        AddressBookController,
        BadgeController,
        AttachmentsController,
        NotificationSettingsController,
    ],
    dependencies=dependencies,
    topics=[topics.MAIL],
    local_projections=[MAILBOX, SENDERS, ATTACHMENTS, NOTIFICATION_OUTBOX],
    subscriptions=[
        Subscription(topics.LOCKER, NotificationsProjection()),
        Subscription(topics.DIRECTORY, PeopleProjection()),
    ],
    on_start=on_start,
    periodic=[
        Periodic("purges", purge, lambda r: settings_of(r).purge_interval_s),
        Periodic("blob-sweep", sweep_blobs, lambda r: settings_of(r).purge_interval_s),
        Periodic(
            "notification-emails",
            send_notification_emails,
            lambda r: settings_of(r).notification_interval_s,
        ),
    ],
)
