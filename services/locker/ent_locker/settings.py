from typing import Annotated

import msgspec
from ent_contracts.locker import DepositLimitName
from ent_kit.send_limits import Limit
from ent_kit.settings import Secret, ServiceSettings

from ent_locker.domain.limits import deposit_limits


class LockerSettings(ServiceSettings, frozen=True, kw_only=True):
    max_document_bytes: Annotated[int, msgspec.Meta(ge=1)] = 100 * 1024 * 1024
    # One quota for what a user occupies: deposits (while any copy is kept) and Mes documents.
    quota_bytes: Annotated[int, msgspec.Meta(ge=1)] = 2 * 1024 * 1024 * 1024
    # Room reserved for an upload under way is held at most this long (a process that died
    # mid-upload frees it then): longer than the slowest upload of a whole document.
    quota_reservation_ttl_s: Annotated[float, msgspec.Meta(gt=0)] = 3600
    trash_retention_days: Annotated[float, msgspec.Meta(gt=0)] = 30
    housekeeping_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 3600
    # An unreferenced blob waits this long before deletion: an identical upload may be
    # between storing its content and recording its deposit.
    blob_grace_s: Annotated[float, msgspec.Meta(ge=0)] = 600
    # The directory decides who may deposit into whose locker.
    directory_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")]
    # The HMAC key of deposit receipts (>= 32 chars): the locker's alone, no other service
    # signs or checks a receipt.
    receipt_key: Secret
    # Deposit limits per sender (a hijacked account depositing to hundreds): deposits, and
    # distinct people, per hour and per day; direction and vie scolaire get the elevated.
    deposit_limit_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 60
    deposit_limit_per_day: Annotated[int, msgspec.Meta(ge=1)] = 200
    deposit_limit_recipients_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 200
    deposit_limit_recipients_per_day: Annotated[int, msgspec.Meta(ge=1)] = 400
    deposit_limit_elevated_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 300
    deposit_limit_elevated_per_day: Annotated[int, msgspec.Meta(ge=1)] = 1000
    deposit_limit_elevated_recipients_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 2000
    deposit_limit_elevated_recipients_per_day: Annotated[int, msgspec.Meta(ge=1)] = 5000

    def deposit_limits(self, elevated: bool) -> list[Limit[DepositLimitName]]:
        if elevated:
            return deposit_limits(
                deposits_per_hour=self.deposit_limit_elevated_per_hour,
                deposits_per_day=self.deposit_limit_elevated_per_day,
                recipients_per_hour=self.deposit_limit_elevated_recipients_per_hour,
                recipients_per_day=self.deposit_limit_elevated_recipients_per_day,
            )
        return deposit_limits(
            deposits_per_hour=self.deposit_limit_per_hour,
            deposits_per_day=self.deposit_limit_per_day,
            recipients_per_hour=self.deposit_limit_recipients_per_hour,
            recipients_per_day=self.deposit_limit_recipients_per_day,
        )
