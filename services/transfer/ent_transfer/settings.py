from typing import Annotated

import msgspec
from ent_kit.settings import ServiceSettings

from ent_transfer.domain.rules import TransferLimits

GB = 1024 * 1024 * 1024


class TransferSettings(ServiceSettings, frozen=True, kw_only=True):
    # What one transfer may hold, and for how long its link lives at most.
    transfer_max_bytes: Annotated[int, msgspec.Meta(ge=1)] = 2 * GB
    transfer_max_days: Annotated[float, msgspec.Meta(gt=0)] = 7
    transfer_max_files: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 1000
    # Transfers a sender keeps alive at once (uploading, or downloadable).
    transfer_max_active: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 20
    # An upload not finished within this is dropped with its bytes (and its transfer).
    transfer_upload_ttl_s: Annotated[float, msgspec.Meta(gt=0)] = 86400
    # How often the expiry job runs (on the lease holder).
    transfer_expiry_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 300
    # Wrong passwords on one link within the window before it waits out the window (429).
    transfer_password_attempts: Annotated[int, msgspec.Meta(ge=1)] = 5
    transfer_password_window_s: Annotated[float, msgspec.Meta(gt=0)] = 900
    # argon2id cost of the link passwords (the directory's defaults).
    transfer_argon2_time_cost: Annotated[int, msgspec.Meta(ge=1)] = 2
    transfer_argon2_memory_kib: Annotated[int, msgspec.Meta(ge=8)] = 19456
    # Where people reach the platform: the share link is `<this>/api/transfer/links/<token>`.
    transfer_public_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")] = (
        "http://127.0.0.1:8000"
    )

    # The Messagerie, to share a link in a message or by e-mail (empty: sharing is
    # unavailable, 503). Needs ENT_SERVICE_SIGNING_KEY: e-mails are asked as the transfer.
    mail_url: Annotated[str, msgspec.Meta(pattern=r"^(https?://.*)?$")] = ""

    def limits(self) -> TransferLimits:
        return TransferLimits(
            max_bytes=self.transfer_max_bytes,
            max_days=self.transfer_max_days,
            max_files=self.transfer_max_files,
            max_active=self.transfer_max_active,
        )
