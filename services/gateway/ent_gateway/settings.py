from typing import Annotated

import msgspec
from ent_kit.settings import ServiceSettings


class GatewaySettings(ServiceSettings, frozen=True, kw_only=True):
    # "directory=http://127.0.0.1:8101,locker=http://127.0.0.1:8102,…"
    upstreams: Annotated[
        str, msgspec.Meta(pattern=r"^([a-z]+=https?://[^,=\s]+)(,[a-z]+=https?://[^,=\s]+)*$")
    ]
    dev_login: bool = False  # passwordless sign-in for seeded demo users: embedded profile only
    token_ttl_s: Annotated[int, msgspec.Meta(ge=60, le=86400)] = 8 * 3600
    upstream_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 60.0

    def upstream_map(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.upstreams.split(","))
        return {name: url.rstrip("/") for name, url in pairs}
