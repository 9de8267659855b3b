from typing import Annotated

import msgspec
from ent_kit.settings import ServiceSettings


class LockerSettings(ServiceSettings, frozen=True, kw_only=True):
    max_document_bytes: Annotated[int, msgspec.Meta(ge=1)] = 100 * 1024 * 1024
    # The directory decides who may deposit into whose locker.
    directory_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")]
