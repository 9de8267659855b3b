from typing import Annotated

import msgspec
from ent_kit.settings import ServiceSettings


class DirectorySettings(ServiceSettings, frozen=True, kw_only=True):
    # Seed the demo collège at start, and give its accounts the public demo password (only
    # those without one). Embedded profile only: refused unless the store is SQLite.
    demo_seed: bool = False
    # argon2id for local accounts' passwords: OWASP's 19 MiB, 2 passes, 1 lane. Each hash
    # in flight holds `argon2_memory_kib`; at most `password_hash_workers` run at once, so
    # hashing never needs more than workers x memory (2 x 19 MiB against the chart's
    # 512 Mi pod limit). Hashes made with other parameters still verify, and are hashed
    # again with these at the account's next successful sign-in.
    argon2_memory_kib: Annotated[int, msgspec.Meta(ge=8192, le=262144)] = 19456
    argon2_time_cost: Annotated[int, msgspec.Meta(ge=1, le=10)] = 2
    argon2_parallelism: Annotated[int, msgspec.Meta(ge=1, le=8)] = 1
    password_hash_workers: Annotated[int, msgspec.Meta(ge=1, le=16)] = 2
    # How long a password reset code (single-use, given by the school's direction) works.
    password_reset_ttl_s: Annotated[int, msgspec.Meta(ge=60, le=86400)] = 1800
    # How long a mobile pairing code (the QR code of the web page, single-use) works: the
    # time to take out one's phone and scan it, no more.
    pairing_code_ttl_s: Annotated[int, msgspec.Meta(ge=10, le=3600)] = 120
    # An account whose sends hit the mail or locker limits this many times within 24 hours
    # is frozen automatically (a hijacked account sending in bulk); 0: never.
    auto_freeze_after_limit_hits: Annotated[int, msgspec.Meta(ge=0)] = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.demo_seed and not self.store_is_sqlite():
            raise ValueError(
                "ENT_DEMO_SEED: the demo seed is for the embedded profile only, refused"
                " with a store that is not SQLite (ENT_STORE_URL is not sqlite://)"
            )
