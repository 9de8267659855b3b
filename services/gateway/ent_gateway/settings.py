import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from ent_kit.settings import ServiceSettings


class GatewaySettings(ServiceSettings, frozen=True, kw_only=True):
    # "directory=http://127.0.0.1:8101,locker=http://127.0.0.1:8102,…"
    upstreams: Annotated[
        str, msgspec.Meta(pattern=r"^([a-z]+=https?://[^,=\s]+)(,[a-z]+=https?://[^,=\s]+)*$")
    ]
    # Passwordless sign-in for seeded demo users: embedded profile only. The gateway has no
    # store to tell the profile by, so it is refused unless every upstream is on this
    # machine's loopback (as `make run` starts them); in a cluster they never are.
    dev_login: bool = False
    token_ttl_s: Annotated[int, msgspec.Meta(ge=60, le=86400)] = 8 * 3600
    upstream_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 60.0
    # Sign-in throttling (per gateway replica): this many failures per login (per client
    # address) within the window go unpunished; then each attempt waits a delay that
    # starts at `first_delay_s` and doubles, up to `max_delay_s` (429 with Retry-After).
    sign_in_free_failures: Annotated[int, msgspec.Meta(ge=1)] = 5
    sign_in_address_free_failures: Annotated[int, msgspec.Meta(ge=1)] = 50
    sign_in_first_delay_s: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    sign_in_max_delay_s: Annotated[float, msgspec.Meta(gt=0)] = 900.0
    sign_in_window_s: Annotated[float, msgspec.Meta(gt=0)] = 900.0
    # Where the client's address comes from: empty, the socket peer; else this request
    # header (e.g. `x-forwarded-for`), set by the proxies in front of the gateway, read
    # `trusted_proxy_hops` entries from its right end (the entries the trusted proxies
    # appended; anything left of them is the client's own say). Never trust a header the
    # client can reach the gateway without passing through those proxies.
    trusted_proxy_header: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9-]*$")] = ""
    trusted_proxy_hops: Annotated[int, msgspec.Meta(ge=1, le=10)] = 1

    def __post_init__(self) -> None:
        if self.dev_login and not all(map(_on_loopback, self.upstream_map().values())):
            raise ValueError(
                "ENT_DEV_LOGIN: the dev login is for the embedded profile only, refused"
                " unless every upstream in ENT_UPSTREAMS is on loopback (127.0.0.1, localhost)"
            )

    def upstream_map(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.upstreams.split(","))
        return {name: url.rstrip("/") for name, url in pairs}


def _on_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost: another machine, as far as we know
