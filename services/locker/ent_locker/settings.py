from typing import Annotated

import msgspec
from ent_kit.settings import ServiceSettings


class LockerSettings(ServiceSettings, frozen=True, kw_only=True):
    max_document_bytes: Annotated[int, msgspec.Meta(ge=1)] = 100 * 1024 * 1024
    quota_bytes: Annotated[int, msgspec.Meta(ge=1)] = 2 * 1024 * 1024 * 1024
    trash_retention_days: Annotated[float, msgspec.Meta(gt=0)] = 30
    housekeeping_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 3600
    # An unreferenced blob waits this long before deletion: an identical upload may be
    # between storing its content and recording its deposit.
    blob_grace_s: Annotated[float, msgspec.Meta(ge=0)] = 600
    # The directory decides who may deposit into whose locker.
    directory_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")]
