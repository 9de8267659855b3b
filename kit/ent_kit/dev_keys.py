"""The keys of a platform run on one machine (`make run`, the end-to-end tests) or inside
one test process: the gateway's user-token pair, one pair per service, the locker's
receipt key; and the settings each service gets from them, its own private key and the
public keys it needs, nothing else. A cluster's keys come from the operator (the chart)."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ent_kit import keys
from ent_kit.auth import Identity, issue_token
from ent_kit.scopes import callers_of
from ent_kit.settings import env_name
from ent_kit.tokens import issue_service_token

SERVICES = ("gateway", "directory", "locker", "mail", "schoollife", "transfer")
ISSUER = "ent-gateway"
USER_TOKEN = "user-token"
RECEIPT_KEY = "receipt-key"


@dataclass(frozen=True)
class DevKeys:
    user_token_key: str  # PEM private
    service_keys: dict[str, str]  # service name: PEM private
    receipt_key: str

    @classmethod
    def generate(cls, services: Iterable[str] = SERVICES) -> DevKeys:
        return cls(
            user_token_key=keys.new_private_key(),
            service_keys={name: keys.new_private_key() for name in services},
            receipt_key=secrets.token_urlsafe(48),
        )

    @classmethod
    def kept_in(cls, directory: Path, services: Iterable[str] = SERVICES) -> DevKeys:
        """The keys kept in `directory`, made the first time: tokens and receipts survive
        a restart of the platform."""
        directory.mkdir(parents=True, exist_ok=True)
        return cls(
            user_token_key=_kept(directory / f"{USER_TOKEN}.pem", keys.new_private_key),
            service_keys={
                name: _kept(directory / f"{name}.pem", keys.new_private_key) for name in services
            },
            receipt_key=_kept(directory / RECEIPT_KEY, lambda: secrets.token_urlsafe(48)),
        )

    @property
    def user_token_public_key(self) -> str:
        return keys.public_key_of(self.user_token_key)

    def settings(self, service: str) -> dict[str, str]:
        """The key settings of `service` (fields of its settings Struct)."""
        callers = {
            name: keys.public_key_of(self.service_keys[name])
            for name in callers_of(service)
            if name in self.service_keys
        }
        own: dict[str, str] = {
            "user_token_public_key": self.user_token_public_key,
            "service_signing_key": self.service_keys[service],
            "peer_public_keys": json.dumps(callers),
        }
        if service == "gateway":
            own["user_token_signing_key"] = self.user_token_key
        if service == "locker":
            own["receipt_key"] = self.receipt_key
        return own

    def environ(self, service: str) -> dict[str, str]:
        """The same, as the `ENT_*` variables of the service's process."""
        return {env_name(field): value for field, value in self.settings(service).items()}

    def user_token(self, identity: Identity, ttl: timedelta = timedelta(hours=6)) -> str:
        """A user token as the gateway signs it."""
        return issue_token(self.user_token_key, ISSUER, identity, ttl)

    def service_token(
        self, caller: str, callee: str, scope: str, ttl: timedelta = timedelta(hours=6)
    ) -> str:
        """A service token as `caller` signs it, for `scope` on `callee`."""
        return issue_service_token(self.service_keys[caller], caller, callee, scope, ttl)


def _kept(path: Path, make: Callable[[], str]) -> str:
    if not path.exists():
        # Readable by this user only from the first byte on.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(make())
    return path.read_text()
