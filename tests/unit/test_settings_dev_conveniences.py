"""Development conveniences (the directory's demo seed, the gateway's dev login) start only
in the embedded profile: with them on, a directory on a store that is not SQLite, or a
gateway whose upstreams are not all on loopback, refuses to start with one line naming the
variable. `make run` (devstack's environment) still starts with both on."""

from __future__ import annotations

from pathlib import Path

import pytest
from ent_devstack.processes import Ports
from ent_devstack.stack import Stack
from ent_directory.settings import DirectorySettings
from ent_gateway.settings import GatewaySettings
from ent_kit.service import default_settings
from ent_kit.settings import SettingsError, load_settings
from kit_fixtures import TEST_KEYS

LOCAL_UPSTREAMS = "directory=http://127.0.0.1:8101,locker=http://localhost:8102"
CLUSTER_UPSTREAMS = "directory=http://ent-directory:8080,locker=http://ent-locker:8080"


def directory(environ: dict[str, str]) -> DirectorySettings:
    return load_settings(DirectorySettings, environ, defaults=default_settings("directory"))


def gateway(environ: dict[str, str]) -> GatewaySettings:
    env = {**TEST_KEYS.environ("gateway"), **environ}
    return load_settings(GatewaySettings, env, defaults=default_settings("gateway"))


def refusal(build: object) -> str:
    assert isinstance(build, SettingsError)
    return str(build.code)


@pytest.mark.parametrize(
    "store_url",
    ["mongodb://db:27017/?replicaSet=rs0", "mongodb+srv://user:hunter2@cluster/ent"],
)
def test_the_demo_seed_refuses_a_store_that_is_not_sqlite(store_url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        directory({"ENT_DEMO_SEED": "true", "ENT_STORE_URL": store_url})
    message = refusal(caught.value)
    assert message.startswith("invalid setting ENT_DEMO_SEED: ")
    assert "SQLite" in message
    assert "hunter2" not in message  # the store URL (credentials) is never echoed


def test_the_demo_seed_starts_on_sqlite_and_a_production_store_starts_without_it() -> None:
    assert directory({"ENT_DEMO_SEED": "true"}).demo_seed is True  # default store: SQLite
    mongo = directory({"ENT_DEMO_SEED": "false", "ENT_STORE_URL": "mongodb://db:27017"})
    assert mongo.demo_seed is False


@pytest.mark.parametrize(
    "upstreams",
    [
        CLUSTER_UPSTREAMS,
        "directory=http://127.0.0.1:8101,locker=http://10.0.0.7:8080",  # one is enough
        "directory=http://localhost.attacker.example:8101",
    ],
)
def test_the_dev_login_refuses_upstreams_off_loopback(upstreams: str) -> None:
    with pytest.raises(SettingsError) as caught:
        gateway({"ENT_DEV_LOGIN": "true", "ENT_UPSTREAMS": upstreams})
    message = refusal(caught.value)
    assert message.startswith("invalid setting ENT_DEV_LOGIN: ")
    assert "ENT_UPSTREAMS" in message


def test_the_dev_login_starts_on_loopback_and_a_cluster_starts_without_it() -> None:
    assert gateway({"ENT_DEV_LOGIN": "true", "ENT_UPSTREAMS": LOCAL_UPSTREAMS}).dev_login
    ipv6 = gateway({"ENT_DEV_LOGIN": "true", "ENT_UPSTREAMS": "directory=http://[::1]:8101"})
    assert ipv6.dev_login
    assert gateway({"ENT_UPSTREAMS": CLUSTER_UPSTREAMS}).dev_login is False


def test_direct_construction_refuses_too() -> None:
    with pytest.raises(ValueError, match="ENT_DEMO_SEED"):
        DirectorySettings(service_name="directory", store_url="mongodb://db", demo_seed=True)


def test_make_run_environment_starts_with_both_on(tmp_path: Path) -> None:
    """devstack's environment (what `make run` gives each process) passes the checks."""
    stack = Stack(tmp_path, Ports())
    directory_env = stack.service_env("directory", 8101)
    gateway_env = stack.service_env("gateway", 8000)
    assert directory_env["ENT_DEMO_SEED"] == gateway_env["ENT_DEV_LOGIN"] == "true"

    assert directory(directory_env).demo_seed is True
    assert gateway(gateway_env).dev_login is True
