import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from ent_kit import keys
from ent_kit.settings import ServiceSettings

from ent_gateway.domain.home import HomeLayout, InvalidHomeBlocks, parse_layout


class GatewaySettings(ServiceSettings, frozen=True, kw_only=True):
    # "directory=http://127.0.0.1:8101,locker=http://127.0.0.1:8102,…"
    upstreams: Annotated[
        str, msgspec.Meta(pattern=r"^([a-z]+=https?://[^,=\s]+)(,[a-z]+=https?://[^,=\s]+)*$")
    ]
    # Passwordless sign-in for seeded demo users: embedded profile only. The gateway has no
    # store to tell the profile by, so it is refused unless every upstream is on this
    # machine's loopback (as `make run` starts them); in a cluster they never are.
    dev_login: bool = False
    # The private half of the user-token pair (PEM, Ed25519): only the gateway signs user
    # tokens; the services hold the public half (ENT_USER_TOKEN_PUBLIC_KEY).
    user_token_signing_key: str
    token_ttl_s: Annotated[int, msgspec.Meta(ge=60, le=86400)] = 8 * 3600
    # Tokens of paired mobile devices: short, because a device unpaired (or whose account's
    # sessions ended) is stopped at its next refresh, and its last token lives this long.
    device_token_ttl_s: Annotated[int, msgspec.Meta(ge=60, le=86400)] = 900
    # Where a mobile client reaches the gateway, written into the pairing QR code (e.g.
    # https://ent.example); empty: the base URL the web page's request came to.
    pairing_public_url: Annotated[str, msgspec.Meta(pattern=r"^(https?://[^\s?#]+)?$")] = ""
    # At most between two chunks of a service's answer (or two writes of a body to it).
    upstream_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 60.0
    # The connection pool to the services (per replica), and each client's share of it.
    upstream_connect_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    upstream_pool_wait_s: Annotated[float, msgspec.Meta(gt=0)] = 10.0  # then 503
    upstream_max_connections: Annotated[int, msgspec.Meta(ge=1)] = 200
    upstream_keepalive_s: Annotated[float, msgspec.Meta(gt=0)] = 2.0  # below the services' 5 s
    # A client that has not taken a chunk of an answer within this loses its connection
    # to the service (a slow reader cannot hold one of the pool for ever).
    client_send_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 60.0
    # Requests one client (the signed-in user, else the address) may have under way
    # through the proxy at once; beyond, 429 with Retry-After.
    max_concurrent_per_client: Annotated[int, msgspec.Meta(ge=1)] = 16
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
    # The home page (`GET /api/home`): which blocks each profile sees, JSON
    # `{"student": [...], "parent": [...], "teacher": [...], "staff": [...],
    # "<school_id>": {"<profile>": [...]}}` (empty: the default of ent_gateway.domain.home);
    # and how long each block may take before it is shown unavailable.
    home_blocks: str = ""
    home_block_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=30)] = 0.8

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            keys.private_key(self.user_token_signing_key)
        except keys.BadKey as exc:
            raise ValueError(f"ENT_USER_TOKEN_SIGNING_KEY: {exc}") from None
        # The gateway verifies the tokens it signs (its own routes): a public key of
        # another pair would lock every user out at the first request, not at start.
        if self.user_token_public_key and not keys.same_pair(
            self.user_token_signing_key, self.user_token_public_key
        ):
            raise ValueError(
                "ENT_USER_TOKEN_PUBLIC_KEY: not the public half of ENT_USER_TOKEN_SIGNING_KEY"
            )
        try:
            parse_layout(self.home_blocks)
        except InvalidHomeBlocks as exc:
            raise ValueError(f"ENT_HOME_BLOCKS: {exc}") from None
        if self.dev_login and not all(map(_on_loopback, self.upstream_map().values())):
            raise ValueError(
                "ENT_DEV_LOGIN: the dev login is for the embedded profile only, refused"
                " unless every upstream in ENT_UPSTREAMS is on loopback (127.0.0.1, localhost)"
            )

    def home_layout(self) -> HomeLayout:
        return parse_layout(self.home_blocks)

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
