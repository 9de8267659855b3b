from typing import Annotated

import msgspec
from ent_kit.settings import ServiceSettings


class DirectorySettings(ServiceSettings, frozen=True, kw_only=True):
    demo_seed: bool = False  # seed the demo collège at start (embedded profile)
    # argon2id for local accounts' passwords: OWASP's 19 MiB, 2 passes, 1 lane. Each hash
    # in flight holds `argon2_memory_kib`; at most `password_hash_workers` run at once, so
    # hashing never needs more than workers x memory (2 x 19 MiB against the chart's
    # 512 Mi pod limit). Hashes made with other parameters still verify, and are hashed
    # again with these at the account's next successful sign-in.
    argon2_memory_kib: Annotated[int, msgspec.Meta(ge=8192, le=262144)] = 19456
    argon2_time_cost: Annotated[int, msgspec.Meta(ge=1, le=10)] = 2
    argon2_parallelism: Annotated[int, msgspec.Meta(ge=1, le=8)] = 1
    password_hash_workers: Annotated[int, msgspec.Meta(ge=1, le=16)] = 2
