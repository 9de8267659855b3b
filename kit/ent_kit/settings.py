"""Settings read from `ENT_*` environment variables, validated once at start.

A bad value stops the process with a message naming the variable, so an operator
sees `ENT_HTTP_PORT: Expected int, got 'abc'` instead of a traceback deep inside.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, TypeVar

import msgspec

from ent_kit import keys

PREFIX = "ENT_"

Url = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9+.-]*://")]
Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
Secret = Annotated[str, msgspec.Meta(min_length=32)]


class ServiceSettings(msgspec.Struct, kw_only=True, frozen=True):
    """What every service needs. Services extend this with their own fields."""

    service_name: str
    http_host: str = "127.0.0.1"
    http_port: Port = 8000
    store_url: Url = "sqlite:///.data/service.db"
    blob_url: Url = "file://.data/blobs"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Tansu (embedded broker) rejects idempotent producers; real Kafka wants them on.
    kafka_idempotence: bool = False
    kafka_partitions: Annotated[int, msgspec.Meta(ge=1)] = 3
    # Copies of each topic the service creates (1: the embedded broker has one node; the
    # chart passes 3), and how long the broker keeps events (None: the broker's default).
    kafka_replication_factor: Annotated[int, msgspec.Meta(ge=1)] = 1
    kafka_retention_ms: Annotated[int, msgspec.Meta(ge=-1)] | None = None
    # Tokens are Ed25519-signed (`ent_kit.tokens`), never with a shared secret. The public
    # key of the gateway's user-token pair (PEM; empty: no user token is accepted), and the
    # `iss` the gateway puts in user tokens.
    user_token_public_key: str = ""
    auth_issuer: str = "ent-gateway"
    # This service's own private key (PEM) for its calls to other services; empty: it calls
    # none and can sign nothing.
    service_signing_key: str = ""
    # The services allowed to call this one: a JSON object of service name to PEM public key.
    peer_public_keys: str = ""
    otlp_endpoint: str = ""
    traces_file: str = ""
    log_level: Annotated[str, msgspec.Meta(pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")] = "INFO"
    shutdown_grace_s: Annotated[float, msgspec.Meta(ge=0)] = 10.0
    # Where Prometheus scrapes `/metrics`: a port of its own (the chart's choice, so neither
    # the Ingress nor API clients reach it), or 0 to serve it on the HTTP port (embedded).
    metrics_port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 0
    # One replica runs the outbox relay and the local projectors: the holder of a lease of
    # this duration, renewed every third of it; a peer takes over when it expires.
    lease_ttl_s: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    # A projection failing on one event tries it this many times, pausing from this long
    # and doubling, before parking it (ent_kit.parking) and going on with the others.
    poison_attempts: Annotated[int, msgspec.Meta(ge=1)] = 5
    poison_first_pause_s: Annotated[float, msgspec.Meta(ge=0)] = 0.2
    # The largest request body a route reads (413 beyond); the routes that stream uploads
    # set no limit here and enforce their own.
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 64 * 1024

    def __post_init__(self) -> None:
        # A key that cannot be read stops the service at start, naming its variable.
        for name, read in (
            ("user_token_public_key", keys.public_key),
            ("service_signing_key", keys.private_key),
            ("peer_public_keys", keys.public_keys),
        ):
            value = getattr(self, name)
            if value:
                try:
                    read(value)
                except keys.BadKey as exc:
                    raise ValueError(f"{env_name(name)}: {exc}") from None

    def store_is_sqlite(self) -> bool:
        """The embedded profile's store (`make run`, tests): the only one on which a
        service may turn on a development convenience (a demo seed, a dev login)."""
        return self.store_url.startswith("sqlite://")


class SettingsError(SystemExit):
    """Raised (as SystemExit) so a misconfigured service stops with one clear line."""


S = TypeVar("S", bound=msgspec.Struct)

_FIELD_IN_PATH = re.compile(r"at `\$\.(\w+)`")


def env_name(field: str) -> str:
    return PREFIX + field.upper()


def load_settings(
    cls: type[S],
    environ: Mapping[str, str] | None = None,
    defaults: Mapping[str, object] | None = None,
) -> S:
    """Build `cls` from ENT_* variables over `defaults`; unknown ENT_* variables are ignored."""
    source = os.environ if environ is None else environ
    fields = {f.name for f in msgspec.structs.fields(cls)}
    raw: dict[str, object] = dict(defaults or {})
    raw.update({name: source[env_name(name)] for name in fields if env_name(name) in source})
    try:
        # strict=False lets msgspec parse "8000" as int and "true" as bool.
        return msgspec.convert(raw, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(_explain(exc)) from None


def _explain(exc: msgspec.ValidationError) -> str:
    message = str(exc)
    match = _FIELD_IN_PATH.search(message)
    if match:
        variable = env_name(match.group(1))
        return f"invalid setting {variable}: {message.split(' - at ')[0]}"
    missing = re.search(r"missing required field `(\w+)`", message)
    if missing:
        return f"missing setting {env_name(missing.group(1))}"
    if message.startswith(PREFIX):  # a check across fields (`__post_init__`) names its variable
        return f"invalid setting {message}"
    return f"invalid settings: {message}"
