"""The Messagerie's settings (ENT_* variables) beside the kit's."""

from __future__ import annotations

from typing import Annotated

import msgspec
from ent_kit.settings import ServiceSettings

from ent_mail.domain.limits import Limits


class MailSettings(ServiceSettings, frozen=True, kw_only=True):
    # The directory decides who may write to whom.
    directory_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")]
    # "Droits réduits" (seed 002 §I-3): profiles whose messages may address one group's
    # members only, comma-separated (e.g. "student").
    reduced_rights_profiles: str = ""
    # Send limits per sender; direction and vie scolaire get the elevated ones.
    send_limit_messages_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 30
    send_limit_recipients_per_day: Annotated[int, msgspec.Meta(ge=1)] = 400
    send_limit_elevated_messages_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 200
    send_limit_elevated_recipients_per_day: Annotated[int, msgspec.Meta(ge=1)] = 5000
    # Automatic purges (seed 002 §I-2, §I-5): the trash, Reçus (Archives and the user's
    # folders are kept), drafts left untouched; how often the purge job runs.
    trash_retention_days: Annotated[float, msgspec.Meta(gt=0)] = 30
    inbox_retention_days: Annotated[float, msgspec.Meta(gt=0)] = 90
    draft_retention_days: Annotated[float, msgspec.Meta(gt=0)] = 7
    purge_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 3600
    # An attachment content nothing uses any more waits this long before deletion: the same
    # bytes may be between their upload and the event that names them.
    blob_grace_s: Annotated[float, msgspec.Meta(ge=0)] = 600
    # Antivirus for attachments: `eicar://` (embedded, knows only the EICAR test file),
    # `clamd://host:3310` or `clamd:///path/to/clamd.sock` in production.
    antivirus_url: str = "eicar://"
    # The locker, read with the caller's own token for attachments from Mes documents.
    locker_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")]
    # Notification e-mails: smtp://[user:pass@]host[:port] or smtp+starttls://…; empty: off.
    notification_smtp_url: Annotated[str, msgspec.Meta(pattern=r"^(smtp(\+starttls)?://.+)?$")] = ""
    notification_sender: Annotated[
        str, msgspec.Meta(pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
    ] = "ne-pas-repondre@ent.example"
    notification_max_attempts: Annotated[int, msgspec.Meta(ge=1)] = 8
    notification_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    # E-mails other services send outside the ENT on a user's behalf (a transfer's link),
    # per user and UTC day: what one hijacked account can make the ENT send to strangers.
    external_emails_per_day: Annotated[int, msgspec.Meta(ge=0)] = 50

    def send_limits(self, elevated: bool) -> Limits:
        if elevated:
            return Limits(
                self.send_limit_elevated_messages_per_hour,
                self.send_limit_elevated_recipients_per_day,
            )
        return Limits(self.send_limit_messages_per_hour, self.send_limit_recipients_per_day)

    def reduced_rights(self, profile: str) -> bool:
        return profile in {p.strip() for p in self.reduced_rights_profiles.split(",") if p.strip()}
