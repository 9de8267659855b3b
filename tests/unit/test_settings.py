"""load_settings: ENT_* variables over defaults; a bad value names its variable."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from ent_kit.settings import ServiceSettings, SettingsError, env_name, load_settings

BASE = {"ENT_SERVICE_NAME": "locker"}


class MailSettings(ServiceSettings, kw_only=True, frozen=True):
    smtp_port: Annotated[int, msgspec.Meta(ge=1)] = 25
    relay_enabled: bool = False


def fails_with(environ: dict[str, str], cls: type[ServiceSettings] = ServiceSettings) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(cls, environ)
    assert isinstance(caught.value, SystemExit)
    return str(caught.value.code)


def test_defaults_apply_when_only_required_values_are_set() -> None:
    settings = load_settings(ServiceSettings, BASE)
    assert settings.service_name == "locker"
    # No key: this service verifies no user token and signs nothing.
    assert (settings.user_token_public_key, settings.service_signing_key) == ("", "")
    assert settings.http_port == 8000
    assert settings.kafka_idempotence is False
    assert settings.log_level == "INFO"


def test_strings_are_parsed_into_field_types() -> None:
    settings = load_settings(
        ServiceSettings,
        {
            **BASE,
            "ENT_HTTP_PORT": "8081",
            "ENT_KAFKA_IDEMPOTENCE": "true",
            "ENT_KAFKA_PARTITIONS": "6",
            "ENT_SHUTDOWN_GRACE_S": "2.5",
            "ENT_STORE_URL": "mongodb://db:27017/?replicaSet=rs0",
            "ENT_LOG_LEVEL": "DEBUG",
        },
    )
    assert settings.http_port == 8081
    assert settings.kafka_idempotence is True
    assert settings.kafka_partitions == 6
    assert settings.shutdown_grace_s == 2.5
    assert settings.store_url == "mongodb://db:27017/?replicaSet=rs0"
    assert settings.log_level == "DEBUG"


def test_environment_overrides_defaults_and_defaults_fill_the_rest() -> None:
    settings = load_settings(
        ServiceSettings,
        {"ENT_HTTP_PORT": "9000"},
        defaults={"service_name": "mail", "http_port": 8100, "store_url": "sqlite://m.db"},
    )
    assert settings.service_name == "mail"
    assert settings.http_port == 9000
    assert settings.store_url == "sqlite://m.db"


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENT_SERVICE_NAME", "from-env")
    monkeypatch.setenv("ENT_HTTP_PORT", "8123")
    settings = load_settings(ServiceSettings)
    assert (settings.service_name, settings.http_port) == ("from-env", 8123)


def test_unknown_and_unprefixed_variables_are_ignored() -> None:
    settings = load_settings(
        ServiceSettings, {**BASE, "ENT_NOT_A_SETTING": "x", "HTTP_PORT": "1", "http_port": "2"}
    )
    assert settings.http_port == 8000


def test_service_specific_subclass_fields_are_read() -> None:
    settings = load_settings(
        MailSettings, {**BASE, "ENT_SMTP_PORT": "2525", "ENT_RELAY_ENABLED": "1"}
    )
    assert isinstance(settings, MailSettings)
    assert settings.smtp_port == 2525
    assert settings.relay_enabled is True


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ENT_HTTP_PORT", "abc"),
        ("ENT_HTTP_PORT", "70000"),
        ("ENT_HTTP_PORT", "-1"),
        ("ENT_KAFKA_IDEMPOTENCE", "maybe"),
        ("ENT_KAFKA_PARTITIONS", "0"),
        ("ENT_STORE_URL", "not a url"),
        ("ENT_BLOB_URL", "/no/scheme"),
        ("ENT_LOG_LEVEL", "verbose"),
        ("ENT_SHUTDOWN_GRACE_S", "-3"),
    ],
)
def test_bad_value_exits_with_a_message_naming_the_variable(variable: str, value: str) -> None:
    message = fails_with({**BASE, variable: value})
    assert message.startswith(f"invalid setting {variable}: Expected")
    assert "\n" not in message
    assert "Traceback" not in message


def test_bad_subclass_value_names_its_variable() -> None:
    message = fails_with({**BASE, "ENT_SMTP_PORT": "0"}, MailSettings)
    assert message.startswith("invalid setting ENT_SMTP_PORT:")


def test_bad_secret_is_not_echoed() -> None:
    leaked = "-----BEGIN PRIVATE KEY-----\nhunter2\n-----END PRIVATE KEY-----"
    message = fails_with({**BASE, "ENT_SERVICE_SIGNING_KEY": leaked})
    assert "ENT_SERVICE_SIGNING_KEY" in message
    assert "hunter2" not in message


@pytest.mark.parametrize("missing", ["ENT_SERVICE_NAME"])
def test_missing_required_setting_names_the_variable(missing: str) -> None:
    environ = {k: v for k, v in BASE.items() if k != missing}
    assert fails_with(environ) == f"missing setting {missing}"


def test_settings_error_stops_the_process() -> None:
    assert issubclass(SettingsError, SystemExit)
    with pytest.raises(SystemExit) as caught:
        load_settings(ServiceSettings, {**BASE, "ENT_HTTP_PORT": "x"})
    assert caught.value.code != 0
    assert "ENT_HTTP_PORT" in str(caught.value.code)


def test_env_name() -> None:
    assert env_name("kafka_bootstrap") == "ENT_KAFKA_BOOTSTRAP"


def test_settings_are_immutable() -> None:
    settings = load_settings(ServiceSettings, BASE)
    with pytest.raises(AttributeError):
        settings.http_port = 1  # type: ignore[misc]
