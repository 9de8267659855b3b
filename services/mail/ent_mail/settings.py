"""The Messagerie's settings (ENT_* variables) beside the kit's."""

from __future__ import annotations

from typing import Annotated

import msgspec
from ent_kit.settings import ServiceSettings


class MailSettings(ServiceSettings, frozen=True, kw_only=True):
    # The directory decides who may write to whom.
    directory_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")]
    # "Droits réduits" (seed 002 §I-3): profiles whose messages may address one group's
    # members only, comma-separated (e.g. "student").
    reduced_rights_profiles: str = ""

    def reduced_rights(self, profile: str) -> bool:
        return profile in {p.strip() for p in self.reduced_rights_profiles.split(",") if p.strip()}
