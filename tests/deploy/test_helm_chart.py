"""Offline tests of the Helm chart operators install (deploy/helm/ent).

Helm v4 runs in-process through the `helm-python-sdk` wheel (lint, render, values-schema
validation: no cluster, no `helm` binary) and `kubernetes-validate` checks every rendered
manifest against the bundled Kubernetes OpenAPI schemas (strict: unknown fields fail).
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "ent"
RELEASE = "ent"
NAMESPACE = "school"
SERVICES = ("directory", "locker", "mail", "schoollife", "transfer", "gateway")
INTERNAL = tuple(name for name in SERVICES if name != "gateway")
PER_SERVICE_KINDS = (
    "Deployment",
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "ConfigMap",
    "NetworkPolicy",
)
STORE_ENV = ("ENT_STORE_URL", "ENT_S3_ACCESS_KEY", "ENT_S3_SECRET_KEY")
KEY_ENV = ("ENT_USER_TOKEN_SIGNING_KEY", "ENT_SERVICE_SIGNING_KEY", "ENT_RECEIPT_KEY")
SECRET_ENV = STORE_ENV + KEY_ENV
# Who calls whom (ent_kit.scopes.GRANTS, the chart's default global.serviceKeys.callers).
CALLERS = {"directory": ["gateway", "mail", "locker"], "mail": ["transfer"]}
CALLING = ("gateway", "mail", "locker", "transfer")
# The oldest version Chart.yaml accepts (kubeVersion >=1.27) and the newest bundled schemas.
KUBE_VERSIONS = ("1.27", kubernetes_validate.latest_version())
RELEASE_SELECTOR = {"app.kubernetes.io/name": "ent", "app.kubernetes.io/instance": RELEASE}
# Kinds whose CRD kubernetes-validate does not bundle: their shape is asserted by the tests.
CRD_KINDS = {"ServiceMonitor": "monitoring.coreos.com/v1"}
# The scrapers networkPolicy.metricsIngressFrom lets in by default (documented in values.yaml).
DEFAULT_SCRAPERS = [
    {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }
]
HTTP_PORT = 8000
# global.metricsPort: /metrics is served there only (ENT_METRICS_PORT), never on HTTP_PORT.
METRICS_PORT = 9464
SCRAPE_ANNOTATIONS = {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": str(METRICS_PORT),
    "prometheus.io/path": "/metrics",
}
# The only port the scrapers are let in on.
SCRAPE_PORTS = [{"port": "metrics", "protocol": "TCP"}]

Manifest = dict[str, Any]


def private_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def public_pem(private: str) -> str:
    key = load_pem_private_key(private.encode(), password=None)
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


# What the operator generates: the private keys go to Secrets, the public ones to values.
PRIVATE_PEMS = {name: private_pem() for name in ("user-token", *CALLING)}
PUBLIC_PEMS = {name: public_pem(pem) for name, pem in PRIVATE_PEMS.items()}
KEY_VALUES: dict[str, Any] = {
    "global": {
        "auth": {"userTokenPublicKey": PUBLIC_PEMS["user-token"]},
        "serviceKeys": {"publicKeys": {name: PUBLIC_PEMS[name] for name in CALLING}},
    }
}


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def without_key(path: str) -> dict[str, Any]:
    """KEY_VALUES with one of its public keys emptied (`global.auth.userTokenPublicKey`)."""
    values = copy.deepcopy(KEY_VALUES)
    *parents, last = path.split(".")
    node = values
    for parent in parents:
        node = node[parent]
    node[last] = ""
    return values


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def chart() -> Iterator[helm.Chart]:
    with helm.Chart.load(CHART) as loaded:
        yield loaded


def render(
    chart: helm.Chart, values: dict[str, Any] | None = None, release: str = RELEASE
) -> list[Manifest]:
    """Render like `helm template` and parse every manifest (NOTES.txt skipped). The public
    keys an operator must give come first (KEY_VALUES); `values` may override them."""
    rendered = chart.render(merged(KEY_VALUES, values or {}), name=release, namespace=NAMESPACE)
    manifests: list[Manifest] = []
    for path, text in sorted(rendered.items()):
        if path.endswith((".yaml", ".yml")):
            manifests.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return manifests


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    found = {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}
    assert len(found) == sum(m["kind"] == kind for m in manifests), f"duplicate {kind} names"
    return found


def component(manifest: Manifest) -> str | None:
    return manifest["metadata"]["labels"].get("app.kubernetes.io/component")


def container(deployment: Manifest) -> Manifest:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def config(manifests: list[Manifest], service: str, release: str = RELEASE) -> dict[str, str]:
    data: dict[str, str] = of_kind(manifests, "ConfigMap")[f"{release}-{service}"]["data"]
    return data


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def pod_labels(deployment: Manifest) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def upstreams(manifests: list[Manifest]) -> dict[str, str]:
    raw = config(manifests, "gateway")["ENT_UPSTREAMS"]
    pairs = [item.split("=", 1) for item in raw.split(",") if item]
    return {name: url for name, url in pairs}


def disabled(*names: str) -> dict[str, Any]:
    return {"services": {name: {"enabled": False} for name in names}}


@pytest.fixture(scope="module")
def default_manifests(chart: helm.Chart) -> list[Manifest]:
    return render(chart)


# A values file exercising every optional branch of the templates.
FULL_VALUES: dict[str, Any] = {
    "global": {
        "image": {"digest": "sha256:" + "ab" * 32, "pullPolicy": "Always"},
        "imagePullSecrets": [{"name": "registry"}],
        "otlp": {"endpoint": "http://otel-collector.observability.svc:4318"},
        "podAnnotations": {"example.org/team": "vie-scolaire"},
        "kafka": {"replicationFactor": 5, "retentionMs": -1},
        "pipeline": {"leaseTtlSeconds": 4.5},
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"key": "ent", "operator": "Exists", "effect": "NoSchedule"}],
    },
    "services": {
        "mail": {
            "extraEnv": {"ENT_SMTP_URL": "smtp://relay.academie.fr:587", "ENT_SMTP_TLS": True},
            "extraSecretEnv": {"ENT_SMTP_PASSWORD": {"secretName": "smtp", "key": "password"}},
            "mongodb": {"existingSecret": "mongo-mail", "urlKey": "uri"},
        },
        "transfer": {
            "autoscaling": {"enabled": False},
            "replicas": 3,
            "pdb": {"minAvailable": "50%"},
        },
        "locker": {"pdb": {"enabled": False}},
    },
    "metrics": {
        "serviceMonitor": {
            "enabled": True,
            "interval": "15s",
            "labels": {"release": "kube-prometheus-stack"},
        }
    },
    "networkPolicy": {
        "allowInterService": True,
        "metricsIngressFrom": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}
        ],
        "gatewayIngressFrom": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress"}}}
        ],
        "egress": {"kafka": {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}},
        "extraEgress": [{"ports": [{"port": 587, "protocol": "TCP"}]}],
    },
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "2g"},
        "host": "ent.academie.example",
        "tls": {"enabled": True, "secretName": "ent-tls"},
    },
}


# ---------------------------------------------------------------- lint and Kubernetes schemas


def test_lint_passes_in_strict_mode() -> None:
    report = helm.lint(CHART, KEY_VALUES, strict=True, namespace=NAMESPACE, kube_version="v1.27.0")

    assert report["total_charts_linted"] == 1
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_lint_reports_values_the_schema_rejects() -> None:
    report = helm.lint(CHART, {"services": {"mail": {"replicas": 0}}}, namespace=NAMESPACE)

    assert any("/services/mail/replicas" in error for error in report["errors"])


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("values", [None, FULL_VALUES], ids=["defaults", "full"])
def test_rendered_manifests_validate_against_kubernetes_schemas(
    chart: helm.Chart, values: dict[str, Any] | None, kube_version: str
) -> None:
    manifests = render(chart, values)

    kinds = sorted({m["kind"] for m in manifests})
    optional = {"Ingress", "ServiceMonitor"} if values else set()
    expected = {*PER_SERVICE_KINDS, "ServiceAccount"} | optional
    assert kinds == sorted(expected)
    for manifest in manifests:
        if manifest["kind"] in CRD_KINDS:
            # Not in the bundled schemas: test_service_monitor_* assert its shape instead.
            assert manifest["apiVersion"] == CRD_KINDS[manifest["kind"]]
            continue
        kubernetes_validate.validate(manifest, kube_version, strict=True)


def test_kubernetes_validation_catches_a_broken_manifest(
    default_manifests: list[Manifest],
) -> None:
    """Guard against a validator that silently accepts anything."""
    deployment = copy.deepcopy(of_kind(default_manifests, "Deployment")["ent-mail"])
    container(deployment)["livenesProbe"] = container(deployment).pop("livenessProbe")

    with pytest.raises(kubernetes_validate.ValidationError, match="livenesProbe"):
        kubernetes_validate.validate(deployment, KUBE_VERSIONS[-1], strict=True)


# ---------------------------------------------------------------- per-service objects


@pytest.mark.parametrize("service", SERVICES)
def test_every_enabled_service_gets_its_objects(
    default_manifests: list[Manifest], service: str
) -> None:
    name = f"{RELEASE}-{service}"
    for kind in PER_SERVICE_KINDS:
        assert name in of_kind(default_manifests, kind), f"no {kind} {name}"
        assert component(of_kind(default_manifests, kind)[name]) == service

    deployment = of_kind(default_manifests, "Deployment")[name]
    main = container(deployment)
    assert main["command"] == ["python", "-m", f"ent_{service}"]
    assert main["image"] == "ghcr.io/open-ent/ent-platform:0.1.0"
    assert main["ports"] == [
        {"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"},
        {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
    ]
    assert main["envFrom"] == [{"configMapRef": {"name": name}}]
    assert config(default_manifests, service)["ENT_SERVICE_NAME"] == service

    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/component"] == service
    assert selects(selector, pod_labels(deployment))
    others = [d for n, d in of_kind(default_manifests, "Deployment").items() if n != name]
    assert not any(selects(selector, pod_labels(other)) for other in others)

    svc = of_kind(default_manifests, "Service")[name]
    assert svc["spec"]["selector"] == selector
    assert svc["spec"]["ports"] == [
        {"name": "http", "port": HTTP_PORT, "targetPort": "http", "protocol": "TCP"},
        {"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics", "protocol": "TCP"},
    ]

    hpa = of_kind(default_manifests, "HorizontalPodAutoscaler")[name]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
    }
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert main["resources"]["requests"]["cpu"], "a CPU HPA needs a CPU request"

    pdb = of_kind(default_manifests, "PodDisruptionBudget")[name]
    assert pdb["spec"]["selector"]["matchLabels"] == selector
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"], "PDB would block drains"


@pytest.mark.parametrize("service", SERVICES)
def test_probes_and_graceful_shutdown(default_manifests: list[Manifest], service: str) -> None:
    deployment = of_kind(default_manifests, "Deployment")[f"{RELEASE}-{service}"]
    main = container(deployment)

    assert main["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert main["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert main["startupProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}

    sleep = main["lifecycle"]["preStop"]["exec"]["command"]
    assert sleep[0] == "sleep"
    assert 0 < int(sleep[1]) <= 10
    grace = float(config(default_manifests, service)["ENT_SHUTDOWN_GRACE_S"])
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > (
        grace + int(sleep[1])
    )
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("service", SERVICES)
def test_pods_run_as_non_root_on_a_read_only_filesystem(
    default_manifests: list[Manifest], service: str
) -> None:
    deployment = of_kind(default_manifests, "Deployment")[f"{RELEASE}-{service}"]
    pod = deployment["spec"]["template"]
    main = container(deployment)

    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["runAsUser"] != 0
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert main["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert {"name": "tmp", "mountPath": "/tmp"} in main["volumeMounts"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert "emptyDir" in volumes["tmp"]


def test_hpa_owns_the_replica_count_unless_disabled(chart: helm.Chart) -> None:
    values = {"services": {"transfer": {"autoscaling": {"enabled": False}, "replicas": 4}}}
    manifests = render(chart, values)
    deployments = of_kind(manifests, "Deployment")

    assert deployments["ent-transfer"]["spec"]["replicas"] == 4
    assert "ent-transfer" not in of_kind(manifests, "HorizontalPodAutoscaler")
    # Under an HPA, a fixed count would reset the scale on every `helm upgrade`.
    assert "replicas" not in deployments["ent-mail"]["spec"]
    assert "ent-mail" in of_kind(manifests, "HorizontalPodAutoscaler")


def test_autoscaling_bounds_come_from_values(chart: helm.Chart) -> None:
    values = {
        "services": {
            "mail": {
                "autoscaling": {
                    "minReplicas": 3,
                    "maxReplicas": 20,
                    "targetCPUUtilizationPercentage": 55,
                },
                "pdb": {"minAvailable": 2},
            }
        }
    }
    manifests = render(chart, values)
    hpa = of_kind(manifests, "HorizontalPodAutoscaler")["ent-mail"]["spec"]

    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 20)
    assert hpa["metrics"][0]["resource"]["target"] == {
        "type": "Utilization",
        "averageUtilization": 55,
    }
    assert of_kind(manifests, "PodDisruptionBudget")["ent-mail"]["spec"]["minAvailable"] == 2


@pytest.mark.parametrize("service", ["mail", "gateway"])
def test_disabling_a_service_removes_its_objects(chart: helm.Chart, service: str) -> None:
    manifests = render(chart, {**disabled(service), "ingress": {"enabled": True}})

    assert [m["kind"] for m in manifests if component(m) == service] == []
    remaining = {component(m) for m in manifests} - {None}
    assert remaining == set(SERVICES) - {service}
    for kind in PER_SERVICE_KINDS:
        assert len(of_kind(manifests, kind)) == len(SERVICES) - 1
    if service != "gateway":
        assert service not in upstreams(manifests)


def test_rendering_with_one_service_only(chart: helm.Chart) -> None:
    manifests = render(chart, disabled(*INTERNAL))

    assert sorted(of_kind(manifests, "Deployment")) == ["ent-gateway"]
    assert config(manifests, "gateway")["ENT_UPSTREAMS"] == ""


# ---------------------------------------------------------------- settings and secrets


def test_configmap_carries_the_non_secret_settings(chart: helm.Chart) -> None:
    values = {
        "global": {
            "kafka": {"bootstrap": "k1.kafka:9092,k2.kafka:9092", "partitions": 12},
            "s3": {
                "endpoint": "s3.fr-par.example.net",
                "bucket": "ent-prod",
                "region": "fr-par",
                "secure": False,
            },
            "logLevel": "WARNING",
            "otlp": {"endpoint": "http://otel:4318"},
        }
    }
    manifests = render(chart, values)

    for service in SERVICES:
        data = config(manifests, service)
        assert data["ENT_SERVICE_NAME"] == service
        assert data["ENT_HTTP_HOST"] == "0.0.0.0"
        assert data["ENT_HTTP_PORT"] == "8000"
        assert data["ENT_METRICS_PORT"] == str(METRICS_PORT)
        assert data["ENT_KAFKA_BOOTSTRAP"] == "k1.kafka:9092,k2.kafka:9092"
        assert data["ENT_KAFKA_IDEMPOTENCE"] == "true"
        assert data["ENT_KAFKA_PARTITIONS"] == "12"
        assert (
            data["ENT_BLOB_URL"] == "s3://s3.fr-par.example.net/ent-prod?secure=false&region=fr-par"
        )
        assert data["ENT_LOG_LEVEL"] == "WARNING"
        assert data["ENT_OTLP_ENDPOINT"] == "http://otel:4318"
        gateway_only = {"ENT_UPSTREAMS", "ENT_DEV_LOGIN"} & data.keys()
        assert gateway_only == (
            {"ENT_UPSTREAMS", "ENT_DEV_LOGIN"} if service == "gateway" else set()
        )
    assert config(manifests, "gateway")["ENT_DEV_LOGIN"] == "false"
    assert "ENT_OTLP_ENDPOINT" not in config(render(chart), "mail")


def test_kafka_durability_and_lease_defaults_reach_every_service(
    default_manifests: list[Manifest],
) -> None:
    for service in SERVICES:
        data = config(default_manifests, service)
        assert data["ENT_KAFKA_REPLICATION_FACTOR"] == "3"
        assert data["ENT_KAFKA_RETENTION_MS"] == str(30 * 24 * 3600 * 1000)
        assert data["ENT_LEASE_TTL_S"] == "10"


@pytest.mark.parametrize(
    ("kafka", "lease", "expected"),
    [
        ({"replicationFactor": 1, "retentionMs": -1}, 3, ("1", "-1", "3")),
        # One year: a large integer stays an integer, never 3.1536e+10.
        ({"replicationFactor": 5, "retentionMs": 31_536_000_000}, 2.5, ("5", "31536000000", "2.5")),
    ],
)
def test_kafka_durability_and_lease_come_from_values(
    chart: helm.Chart, kafka: dict[str, int], lease: float, expected: tuple[str, str, str]
) -> None:
    values = {"global": {"kafka": kafka, "pipeline": {"leaseTtlSeconds": lease}}}
    manifests = render(chart, values)
    keys = ("ENT_KAFKA_REPLICATION_FACTOR", "ENT_KAFKA_RETENTION_MS", "ENT_LEASE_TTL_S")

    for service in SERVICES:
        data = config(manifests, service)
        assert tuple(data[key] for key in keys) == expected


# What the operator's Secrets hold, by (Secret, key), as the chart's defaults name them.
SECRETS = {
    ("ent-mongodb", "url"): "mongodb://user:pw@mongo:27017/?replicaSet=rs0",
    ("ent-s3", "access-key"): "access-" + "x" * 32,
    ("ent-s3", "secret-key"): "secret-" + "x" * 32,
    ("ent-user-token", "private.pem"): PRIVATE_PEMS["user-token"],
    ("ent-locker-receipts", "key"): "receipts-" + "x" * 32,
    **{(f"ent-service-key-{name}", "private.pem"): PRIVATE_PEMS[name] for name in CALLING},
}


def pod_environment(manifests: list[Manifest], service: str) -> dict[str, str]:
    """The variables the service's process sees: its ConfigMap, then its Secret refs."""
    env = dict(config(manifests, service))
    for variable in container(of_kind(manifests, "Deployment")[f"{RELEASE}-{service}"])["env"]:
        ref = variable["valueFrom"]["secretKeyRef"]
        env[variable["name"]] = SECRETS[ref["name"], ref["key"]]
    return env


def secret_refs(manifests: list[Manifest], service: str) -> dict[str, dict[str, str]]:
    deployment = of_kind(manifests, "Deployment")[f"{RELEASE}-{service}"]
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container(deployment)["env"]}


def test_rendered_environment_is_accepted_by_the_service_settings(
    default_manifests: list[Manifest],
) -> None:
    """The ConfigMap + Secret variables parse with the settings loader the services use."""
    settings = pytest.importorskip("ent_kit.settings")
    msgspec = pytest.importorskip("msgspec")
    fields = {f.name for f in msgspec.structs.fields(settings.ServiceSettings)}

    for service in SERVICES:
        env = pod_environment(default_manifests, service)
        unknown = set(env) - {settings.env_name(field) for field in fields}
        # Read only by the services that need them (gateway; services that ask the directory).
        assert unknown <= {
            "ENT_UPSTREAMS",
            "ENT_DEV_LOGIN",
            "ENT_DIRECTORY_URL",
            "ENT_LOCKER_URL",
            "ENT_MAIL_URL",
            "ENT_USER_TOKEN_SIGNING_KEY",
            "ENT_RECEIPT_KEY",
        }, service
        loaded = settings.load_settings(settings.ServiceSettings, env)
        assert loaded.service_name == service
        assert loaded.http_host == "0.0.0.0"
        assert (loaded.http_port, loaded.metrics_port) == (HTTP_PORT, METRICS_PORT)
        assert loaded.kafka_idempotence is True
        assert loaded.kafka_replication_factor == 3
        assert loaded.kafka_retention_ms == 30 * 24 * 3600 * 1000
        assert loaded.lease_ttl_s == 10
        assert loaded.blob_url.startswith("s3://")
        assert loaded.user_token_public_key == PUBLIC_PEMS["user-token"]
        if service != "gateway":
            assert loaded.store_url.startswith("mongodb://")


@pytest.mark.parametrize("service", ["gateway", "locker"])
def test_the_services_own_settings_accept_the_rendered_environment(
    default_manifests: list[Manifest], service: str
) -> None:
    settings = pytest.importorskip("ent_kit.settings")
    own = pytest.importorskip(f"ent_{service}.settings")
    settings_type = own.GatewaySettings if service == "gateway" else own.LockerSettings
    # The gateway checks that its public key is the half of its private one.
    loaded = settings.load_settings(settings_type, pod_environment(default_manifests, service))
    assert loaded.service_signing_key == PRIVATE_PEMS[service]


def test_secrets_are_secret_key_refs_never_literal_values(chart: helm.Chart) -> None:
    values = {
        "global": {
            "mongodb": {"existingSecret": "academy-mongo", "urlKey": "connection-string"},
            "s3": {"existingSecret": "academy-s3", "accessKeyKey": "ak", "secretKeyKey": "sk"},
            "auth": {"userTokenSigningKey": {"existingSecret": "academy-jwt", "key": "ed25519"}},
            "serviceKeys": {"secretPrefix": "academy-key-", "key": "pem"},
            "receipts": {"existingSecret": "academy-receipts", "key": "hmac"},
        }
    }
    manifests = render(chart, values)
    store = {
        "ENT_STORE_URL": {"name": "academy-mongo", "key": "connection-string"},
        "ENT_S3_ACCESS_KEY": {"name": "academy-s3", "key": "ak"},
        "ENT_S3_SECRET_KEY": {"name": "academy-s3", "key": "sk"},
    }
    expected = {
        "gateway": {
            "ENT_USER_TOKEN_SIGNING_KEY": {"name": "academy-jwt", "key": "ed25519"},
            "ENT_SERVICE_SIGNING_KEY": {"name": "academy-key-gateway", "key": "pem"},
        },
        "directory": store,
        "mail": {**store, "ENT_SERVICE_SIGNING_KEY": {"name": "academy-key-mail", "key": "pem"}},
        "locker": {
            **store,
            "ENT_SERVICE_SIGNING_KEY": {"name": "academy-key-locker", "key": "pem"},
            "ENT_RECEIPT_KEY": {"name": "academy-receipts", "key": "hmac"},
        },
        "schoollife": store,
        "transfer": {
            **store,
            "ENT_SERVICE_SIGNING_KEY": {"name": "academy-key-transfer", "key": "pem"},
        },
    }

    for service, refs in expected.items():
        assert secret_refs(manifests, service) == refs, service
    for deployment in of_kind(manifests, "Deployment").values():
        for variable in container(deployment)["env"]:
            assert set(variable) == {"name", "valueFrom"}
    for configmap in of_kind(manifests, "ConfigMap").values():
        assert set(SECRET_ENV).isdisjoint(configmap["data"])
        for key, value in configmap["data"].items():
            assert "SECRET" not in key
            assert "PASSWORD" not in key
            assert not value.startswith("mongodb"), key
            assert "PRIVATE KEY" not in value, key
    # The chart only references Secrets; it never creates one holding a value.
    assert of_kind(manifests, "Secret") == {}


def test_each_pod_gets_only_the_secrets_its_service_uses(
    default_manifests: list[Manifest],
) -> None:
    refs = {service: secret_refs(default_manifests, service) for service in SERVICES}

    # The gateway keeps no data: no database nor S3 credentials; it alone signs user tokens.
    assert set(refs["gateway"]) == {"ENT_USER_TOKEN_SIGNING_KEY", "ENT_SERVICE_SIGNING_KEY"}
    assert [s for s in SERVICES if "ENT_USER_TOKEN_SIGNING_KEY" in refs[s]] == ["gateway"]
    # Only the services that call others have a key to sign with, each its own.
    signing = {
        s: r["ENT_SERVICE_SIGNING_KEY"] for s, r in refs.items() if "ENT_SERVICE_SIGNING_KEY" in r
    }
    assert signing == {s: {"name": f"ent-service-key-{s}", "key": "private.pem"} for s in CALLING}
    assert [s for s in SERVICES if "ENT_RECEIPT_KEY" in refs[s]] == ["locker"]
    for service in ("directory", "schoollife"):
        assert set(refs[service]) == set(STORE_ENV), service


def test_every_service_verifies_user_tokens_with_the_public_key(
    default_manifests: list[Manifest],
) -> None:
    for service in SERVICES:
        assert (
            config(default_manifests, service)["ENT_USER_TOKEN_PUBLIC_KEY"]
            == (PUBLIC_PEMS["user-token"])
        )


def test_a_callee_holds_the_public_keys_of_its_callers_only(
    default_manifests: list[Manifest],
) -> None:
    for callee, callers in CALLERS.items():
        peers = json.loads(config(default_manifests, callee)["ENT_PEER_PUBLIC_KEYS"])
        assert peers == {name: PUBLIC_PEMS[name] for name in callers}
    for service in SERVICES:
        if service not in CALLERS:
            assert "ENT_PEER_PUBLIC_KEYS" not in config(default_manifests, service), service


def test_a_disabled_caller_is_neither_trusted_nor_given_a_key(chart: helm.Chart) -> None:
    manifests = render(chart, disabled("mail"))
    peers = json.loads(config(manifests, "directory")["ENT_PEER_PUBLIC_KEYS"])
    assert set(peers) == {"gateway", "locker"}
    # Transfer calls mail only: without mail, it gets no key.
    assert "ENT_SERVICE_SIGNING_KEY" not in secret_refs(manifests, "transfer")
    # Without the directory, only transfer (which calls mail) can sign anything.
    alone = render(chart, disabled("directory"))
    signing = [
        s
        for s in SERVICES
        if s != "directory" and "ENT_SERVICE_SIGNING_KEY" in secret_refs(alone, s)
    ]
    assert signing == ["transfer"]


@pytest.mark.parametrize(
    ("missing", "complaint"),
    [
        ("global.auth.userTokenPublicKey", "global.auth.userTokenPublicKey is required"),
        ("global.serviceKeys.publicKeys.mail", "global.serviceKeys.publicKeys.mail is required"),
    ],
)
def test_rendering_without_a_public_key_is_refused(
    chart: helm.Chart, missing: str, complaint: str
) -> None:
    with pytest.raises(Exception, match=complaint):
        chart.render(without_key(missing), name=RELEASE, namespace=NAMESPACE)


def test_extra_secret_env_and_per_service_store_are_secret_key_refs(chart: helm.Chart) -> None:
    manifests = render(chart, FULL_VALUES)
    mail = {e["name"]: e for e in container(of_kind(manifests, "Deployment")["ent-mail"])["env"]}
    locker = {
        e["name"]: e for e in container(of_kind(manifests, "Deployment")["ent-locker"])["env"]
    }

    assert mail["ENT_SMTP_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "smtp",
        "key": "password",
    }
    assert mail["ENT_STORE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "mongo-mail",
        "key": "uri",
    }
    assert locker["ENT_STORE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "ent-mongodb",
        "key": "url",
    }
    assert "ENT_SMTP_PASSWORD" not in locker
    assert config(manifests, "mail")["ENT_SMTP_URL"] == "smtp://relay.academie.fr:587"
    assert config(manifests, "mail")["ENT_SMTP_TLS"] == "true"
    assert "ENT_SMTP_PASSWORD" not in config(manifests, "mail")


def test_changing_a_setting_rolls_only_that_services_pods(chart: helm.Chart) -> None:
    def checksums(values: dict[str, Any] | None) -> dict[str, str]:
        return {
            name: d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            for name, d in of_kind(render(chart, values), "Deployment").items()
        }

    before = checksums(None)
    after = checksums({"services": {"mail": {"extraEnv": {"ENT_FEATURE_X": "on"}}}})

    assert {name for name in before if before[name] != after[name]} == {"ent-mail"}


# ---------------------------------------------------------------- gateway


def test_gateway_upstreams_name_every_other_enabled_service(
    default_manifests: list[Manifest],
) -> None:
    services = of_kind(default_manifests, "Service")
    urls = upstreams(default_manifests)

    assert sorted(urls) == sorted(INTERNAL)
    for name, url in urls.items():
        target = services[f"{RELEASE}-{name}"]
        assert url == f"http://{target['metadata']['name']}:{target['spec']['ports'][0]['port']}"


def test_gateway_upstreams_follow_release_name_and_enabled_services(chart: helm.Chart) -> None:
    manifests = render(chart, disabled("transfer", "schoollife"), release="lycee-hugo")
    raw = config(manifests, "gateway", release="lycee-hugo")["ENT_UPSTREAMS"]

    assert raw == (
        "directory=http://lycee-hugo-directory:8000,"
        "locker=http://lycee-hugo-locker:8000,"
        "mail=http://lycee-hugo-mail:8000"
    )


def test_ingress_is_optional_and_routes_to_the_gateway(
    chart: helm.Chart, default_manifests: list[Manifest]
) -> None:
    assert of_kind(default_manifests, "Ingress") == {}

    manifests = render(chart, FULL_VALUES)
    (ingress,) = of_kind(manifests, "Ingress").values()
    gateway = of_kind(manifests, "Service")["ent-gateway"]

    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["ent.academie.example"], "secretName": "ent-tls"}]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "ent.academie.example"
    (path,) = rule["http"]["paths"]
    # The HTTP port only: the gateway's /metrics, on the metrics port, stays out of reach.
    assert path["backend"]["service"] == {
        "name": gateway["metadata"]["name"],
        "port": {"name": "http"},
    }
    assert {"name": "http", "port": HTTP_PORT, "targetPort": "http", "protocol": "TCP"} in (
        gateway["spec"]["ports"]
    )


def test_behind_the_ingress_the_gateway_reads_the_client_address_from_x_forwarded_for(
    chart: helm.Chart, default_manifests: list[Manifest]
) -> None:
    # Without the chart's Ingress, the chart cannot know what stands in front: socket peer.
    assert "ENT_TRUSTED_PROXY_HEADER" not in config(default_manifests, "gateway")

    manifests = render(chart, FULL_VALUES)
    gateway = config(manifests, "gateway")
    assert (gateway["ENT_TRUSTED_PROXY_HEADER"], gateway["ENT_TRUSTED_PROXY_HOPS"]) == (
        "x-forwarded-for",
        "1",
    )
    assert all("ENT_TRUSTED_PROXY_HEADER" not in config(manifests, s) for s in INTERNAL)
    two_hops = {**FULL_VALUES, "services": {"gateway": {"extraEnv": {"ENT_TRUSTED_PROXY_HOPS": 2}}}}
    assert config(render(chart, two_hops), "gateway")["ENT_TRUSTED_PROXY_HOPS"] == "2"


def test_transfer_shares_through_mail_and_links_to_the_public_entry(
    chart: helm.Chart, default_manifests: list[Manifest]
) -> None:
    transfer = config(default_manifests, "transfer")
    assert transfer["ENT_MAIL_URL"] == f"http://{RELEASE}-mail:8000"
    # Without the chart's Ingress the public address is the operator's to give (extraEnv).
    assert "ENT_TRANSFER_PUBLIC_URL" not in transfer
    behind = config(render(chart, FULL_VALUES), "transfer")
    assert behind["ENT_TRANSFER_PUBLIC_URL"] == "https://ent.academie.example"


# ---------------------------------------------------------------- NetworkPolicy


@pytest.mark.parametrize("service", [s for s in INTERNAL if s != "directory"])
def test_internal_services_accept_the_gateway_and_their_callers_only(
    default_manifests: list[Manifest], service: str
) -> None:
    policy = of_kind(default_manifests, "NetworkPolicy")[f"{RELEASE}-{service}"]["spec"]
    deployments = of_kind(default_manifests, "Deployment")

    own_pods = deployments[f"{RELEASE}-{service}"]["spec"]["selector"]["matchLabels"]
    assert policy["podSelector"]["matchLabels"] == own_pods
    assert "Ingress" in policy["policyTypes"]
    rule, scrape = policy["ingress"]  # the scrape rule: test_prometheus_may_scrape_*
    assert scrape == {"ports": SCRAPE_PORTS, "from": DEFAULT_SCRAPERS}
    assert all(set(peer) == {"podSelector"} for peer in rule["from"]), "this release's pods only"
    allowed = sorted(
        n
        for peer in rule["from"]
        for n, d in deployments.items()
        if selects(peer["podSelector"]["matchLabels"], pod_labels(d))
    )
    # The locker also serves mail, which takes attachments from the caller's Mes documents;
    # mail serves transfer, which shares a link in a message.
    also = {"locker": ["mail"], "mail": ["transfer"]}.get(service, [])
    callers = sorted(["gateway", *also])
    assert allowed == [f"{RELEASE}-{caller}" for caller in callers]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]


def test_directory_accepts_the_gateway_and_the_services_that_ask_it(
    default_manifests: list[Manifest],
) -> None:
    policy = of_kind(default_manifests, "NetworkPolicy")[f"{RELEASE}-directory"]["spec"]
    deployments = of_kind(default_manifests, "Deployment")
    rule, _scrape = policy["ingress"]
    allowed = {
        name
        for peer in rule["from"]
        for name, d in deployments.items()
        if selects(peer["podSelector"]["matchLabels"], pod_labels(d))
    }
    assert allowed == set(deployments)  # this release's pods only, every one of them
    config = of_kind(default_manifests, "ConfigMap")
    assert config[f"{RELEASE}-locker"]["data"]["ENT_DIRECTORY_URL"] == (
        f"http://{RELEASE}-directory:8000"
    )


def test_gateway_accepts_ingress_from_outside_the_release(
    chart: helm.Chart, default_manifests: list[Manifest]
) -> None:
    policy = of_kind(default_manifests, "NetworkPolicy")["ent-gateway"]["spec"]
    rule, scrape = policy["ingress"]
    assert "from" not in rule  # any source, on the HTTP port only
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    # Any source does not include the metrics port: only the scrapers reach it.
    assert scrape == {"ports": SCRAPE_PORTS, "from": DEFAULT_SCRAPERS}

    restricted = of_kind(render(chart, FULL_VALUES), "NetworkPolicy")["ent-gateway"]["spec"]
    assert restricted["ingress"][0]["from"] == FULL_VALUES["networkPolicy"]["gatewayIngressFrom"]
    # Restricted, the gateway lets the scrapers in through a rule of their own.
    assert restricted["ingress"][1]["from"] == FULL_VALUES["networkPolicy"]["metricsIngressFrom"]


def test_inter_service_traffic_needs_the_value(chart: helm.Chart) -> None:
    manifests = render(chart, {"networkPolicy": {"allowInterService": True}})
    deployments = of_kind(manifests, "Deployment")
    mail = of_kind(manifests, "NetworkPolicy")["ent-mail"]["spec"]

    allowed = {
        name
        for peer in mail["ingress"][0]["from"]
        for name, d in deployments.items()
        if selects(peer["podSelector"]["matchLabels"], pod_labels(d))
    }
    assert allowed == {f"{RELEASE}-{s}" for s in SERVICES}
    assert any(rule.get("to") and rule["ports"][0]["port"] == 8000 for rule in mail["egress"])


def test_egress_is_limited_to_dns_kafka_mongodb_s3_and_the_gateway_calls(
    chart: helm.Chart, default_manifests: list[Manifest]
) -> None:
    def opened(policy: Manifest) -> set[tuple[Any, str]]:
        return {
            (p["port"], p["protocol"]) for rule in policy["spec"]["egress"] for p in rule["ports"]
        }

    policies = of_kind(default_manifests, "NetworkPolicy")
    external = {
        (53, "UDP"),
        (53, "TCP"),
        (9092, "TCP"),
        (27017, "TCP"),
        (443, "TCP"),
        (9000, "TCP"),
    }
    deployments = of_kind(default_manifests, "Deployment")
    for service in INTERNAL:
        assert "Egress" in policies[f"{RELEASE}-{service}"]["spec"]["policyTypes"]
        assert opened(policies[f"{RELEASE}-{service}"]) == external | {(8000, "TCP")}
        (to_directory,) = [
            r
            for r in policies[f"{RELEASE}-{service}"]["spec"]["egress"]
            if r["ports"][0]["port"] == 8000
        ]
        reached = sorted(
            n
            for peer in to_directory["to"]
            for n, d in deployments.items()
            if selects(peer["podSelector"]["matchLabels"], pod_labels(d))
        )
        # Mail reads Mes documents from the locker; transfer shares links through mail.
        peers = ["directory", *{"mail": ["locker"], "transfer": ["mail"]}.get(service, [])]
        assert reached == [f"{RELEASE}-{peer}" for peer in peers]
    assert opened(policies["ent-gateway"]) == external | {(8000, "TCP")}
    to_pods = [
        r for r in policies["ent-gateway"]["spec"]["egress"] if r["ports"][0]["port"] == 8000
    ]
    assert to_pods[0]["to"] == [{"podSelector": {"matchLabels": RELEASE_SELECTOR}}]

    full = of_kind(render(chart, FULL_VALUES), "NetworkPolicy")["ent-schoollife"]
    assert {(4318, "TCP"), (587, "TCP")} <= opened(full)
    kafka = [r for r in full["spec"]["egress"] if r["ports"] == [{"port": 9092, "protocol": "TCP"}]]
    assert kafka[0]["to"] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]


def test_network_policies_can_be_turned_off(chart: helm.Chart) -> None:
    assert of_kind(render(chart, {"networkPolicy": {"enabled": False}}), "NetworkPolicy") == {}


# ---------------------------------------------------------------- Prometheus metrics


def scrape_rules(policy: Manifest) -> list[Manifest]:
    """Ingress rules letting in peers other than this release's own pods."""
    return [
        rule
        for rule in policy["spec"]["ingress"]
        if any(
            "podSelector" not in peer or "namespaceSelector" in peer
            for peer in rule.get("from", [])
        )
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_pods_are_annotated_for_scraping(default_manifests: list[Manifest], service: str) -> None:
    deployment = of_kind(default_manifests, "Deployment")[f"{RELEASE}-{service}"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]

    assert {k: v for k, v in annotations.items() if k.startswith("prometheus.io/")} == (
        SCRAPE_ANNOTATIONS
    )
    ports = {p["name"]: p["containerPort"] for p in container(deployment)["ports"]}
    assert annotations["prometheus.io/port"] == str(ports["metrics"])
    assert ports["metrics"] != ports["http"]
    data = config(default_manifests, service)
    assert data["ENT_METRICS_PORT"] == annotations["prometheus.io/port"]


def test_metrics_port_comes_from_values(chart: helm.Chart) -> None:
    manifests = render(chart, {"global": {"metricsPort": 9100, "httpPort": 9200}})

    for service in SERVICES:
        name = f"{RELEASE}-{service}"
        deployment = of_kind(manifests, "Deployment")[name]
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == "9100"
        assert config(manifests, service)["ENT_METRICS_PORT"] == "9100"
        assert config(manifests, service)["ENT_HTTP_PORT"] == "9200"
        ports = {p["name"]: p["containerPort"] for p in container(deployment)["ports"]}
        assert ports == {"http": 9200, "metrics": 9100}
        service_ports = of_kind(manifests, "Service")[name]["spec"]["ports"]
        assert {p["name"]: (p["port"], p["targetPort"]) for p in service_ports} == {
            "http": (9200, "http"),
            "metrics": (9100, "metrics"),
        }
        # Probes stay on the HTTP port, which keeps serving the API and the health checks.
        main = container(deployment)
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert main[probe]["httpGet"]["port"] == "http"


def test_scrape_annotations_follow_the_port_and_can_be_turned_off(chart: helm.Chart) -> None:
    def annotations(values: dict[str, Any]) -> dict[str, str]:
        deployment = of_kind(render(chart, values), "Deployment")["ent-mail"]
        found: dict[str, str] = deployment["spec"]["template"]["metadata"]["annotations"]
        return found

    assert annotations({"global": {"metricsPort": 9100}})["prometheus.io/port"] == "9100"
    # The HTTP port does not move the scrapes.
    moved = annotations({"global": {"httpPort": 9100}})["prometheus.io/port"]
    assert moved == str(METRICS_PORT)
    off = annotations({"metrics": {"podAnnotations": False}})
    assert not any(key.startswith("prometheus.io/") for key in off)
    assert "checksum/config" in off
    # global.podAnnotations wins over the chart's scrape annotations, without duplicate keys.
    mine = annotations({"global": {"podAnnotations": {"prometheus.io/scrape": "false"}}})
    assert mine["prometheus.io/scrape"] == "false"
    assert mine["prometheus.io/path"] == "/metrics"


def test_service_monitors_are_off_by_default(default_manifests: list[Manifest]) -> None:
    assert of_kind(default_manifests, "ServiceMonitor") == {}


def test_service_monitor_scrapes_each_enabled_services_metrics_port(chart: helm.Chart) -> None:
    values = copy.deepcopy(FULL_VALUES)
    values["services"]["schoollife"] = {"enabled": False}
    manifests = render(chart, values)
    monitors = of_kind(manifests, "ServiceMonitor")
    services = of_kind(manifests, "Service")

    assert sorted(monitors) == sorted(f"{RELEASE}-{s}" for s in SERVICES if s != "schoollife")
    for name, monitor in monitors.items():
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert set(monitor) == {"apiVersion", "kind", "metadata", "spec"}
        assert monitor["metadata"]["namespace"] == NAMESPACE
        labels = monitor["metadata"]["labels"]
        assert labels["release"] == "kube-prometheus-stack"
        assert labels["app.kubernetes.io/name"] == "ent"
        assert component(monitor) == name.removeprefix(f"{RELEASE}-")

        spec = monitor["spec"]
        assert set(spec) == {"selector", "namespaceSelector", "endpoints"}
        assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
        selected = [
            n
            for n, svc in services.items()
            if selects(spec["selector"]["matchLabels"], svc["metadata"]["labels"])
        ]
        assert selected == [name], "exactly its own Service"
        (endpoint,) = spec["endpoints"]
        assert endpoint == {
            "port": "metrics",
            "path": "/metrics",
            "scheme": "http",
            "interval": "15s",
        }
        (target,) = [p for p in services[name]["spec"]["ports"] if p["name"] == endpoint["port"]]
        assert (target["port"], target["targetPort"]) == (METRICS_PORT, "metrics")


def test_service_monitor_labels_never_override_the_charts(chart: helm.Chart) -> None:
    values = {
        "metrics": {
            "serviceMonitor": {
                "enabled": True,
                "labels": {"app.kubernetes.io/name": "other", "team": "ops"},
            }
        }
    }
    monitor = of_kind(render(chart, values), "ServiceMonitor")["ent-mail"]

    assert monitor["metadata"]["labels"]["app.kubernetes.io/name"] == "ent"
    assert monitor["metadata"]["labels"]["team"] == "ops"
    assert monitor["spec"]["endpoints"][0]["interval"] == "30s"


def test_prometheus_may_scrape_every_service_through_the_network_policy(
    chart: helm.Chart, default_manifests: list[Manifest]
) -> None:
    policies = of_kind(default_manifests, "NetworkPolicy")
    for service in SERVICES:
        policy = policies[f"{RELEASE}-{service}"]
        (rule,) = scrape_rules(policy)
        assert rule == {"ports": SCRAPE_PORTS, "from": DEFAULT_SCRAPERS}
        # The scrapers are let in on the metrics port only, never on the HTTP API.
        for other in policy["spec"]["ingress"]:
            if other is not rule:
                assert other["ports"] == [{"port": "http", "protocol": "TCP"}]
                assert DEFAULT_SCRAPERS[0] not in other.get("from", [])

    custom = [{"namespaceSelector": {"matchLabels": {"name": "observability"}}}]
    restricted = {
        "networkPolicy": {
            "metricsIngressFrom": custom,
            "gatewayIngressFrom": [{"ipBlock": {"cidr": "10.0.0.0/8"}}],
        }
    }
    for name, policy in of_kind(render(chart, restricted), "NetworkPolicy").items():
        scrapes = [r for r in policy["spec"]["ingress"] if r.get("from") == custom]
        assert scrapes == [{"ports": SCRAPE_PORTS, "from": custom}], name


@pytest.mark.parametrize(
    "values",
    [
        {"networkPolicy": {"metricsIngressFrom": []}},
        {"metrics": {"podAnnotations": False, "serviceMonitor": {"enabled": False}}},
    ],
    ids=["no-scrapers", "nothing-scrapes"],
)
def test_no_scrape_rule_without_scrapers_or_scraping(
    chart: helm.Chart, values: dict[str, Any]
) -> None:
    for name, policy in of_kind(render(chart, values), "NetworkPolicy").items():
        assert scrape_rules(policy) == [], name
        # One rule, on the HTTP port: nothing reaches the metrics port.
        (rule,) = policy["spec"]["ingress"]
        assert rule["ports"] == [{"port": "http", "protocol": "TCP"}], name


def test_service_monitor_alone_keeps_the_scrape_rule(chart: helm.Chart) -> None:
    values = {"metrics": {"podAnnotations": False, "serviceMonitor": {"enabled": True}}}
    policy = of_kind(render(chart, values), "NetworkPolicy")["ent-locker"]

    assert [rule["from"] for rule in scrape_rules(policy)] == [DEFAULT_SCRAPERS]


# ---------------------------------------------------------------- values schema


def test_default_values_satisfy_the_schema(chart: helm.Chart) -> None:
    assert chart.schema is not None
    assert chart.schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    chart.validate_schema({})  # raises on failure


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"services": {"mail": {"replicas": 0}}}, "/services/mail/replicas': minimum"),
        ({"services": {"mail": {"replicas": "three"}}}, "/services/mail/replicas': got string"),
        ({"global": {"image": {"repository": None}}}, "missing property 'repository'"),
        ({"global": {"image": {"repository": ""}}}, "/global/image/repository': minLength"),
        ({"global": {"kafka": {"idempotence": "yes"}}}, "/global/kafka/idempotence': got string"),
        ({"global": {"kafka": {"bootstrap": "kafka"}}}, "/global/kafka/bootstrap"),
        ({"global": {"logLevel": "TRACE"}}, "/global/logLevel"),
        (
            {"global": {"auth": {"userTokenSigningKey": {"existingSecret": ""}}}},
            "/global/auth/userTokenSigningKey/existingSecret",
        ),
        (
            {"global": {"auth": {"userTokenPublicKey": "ssh-ed25519 AAAA"}}},
            "/global/auth/userTokenPublicKey",
        ),
        (
            {"global": {"serviceKeys": {"publicKeys": {"mail": PRIVATE_PEMS["mail"]}}}},
            "/global/serviceKeys/publicKeys/mail",
        ),
        (
            {"global": {"serviceKeys": {"callers": {"directory": ["chat"]}}}},
            "/global/serviceKeys/callers/directory/0",
        ),
        ({"global": {"mongodb": {"urlKey": None}}}, "missing property 'urlKey'"),
        ({"global": {"s3": {"secure": "true"}}}, "/global/s3/secure': got string"),
        ({"global": {"httpPort": 80}}, "/global/httpPort': minimum"),
        ({"global": {"metricsPort": 0}}, "/global/metricsPort': minimum"),
        ({"global": {"metricsPort": 443}}, "/global/metricsPort': minimum"),
        ({"global": {"metricsPort": 65536}}, "/global/metricsPort': maximum"),
        ({"global": {"metricsPort": "9464"}}, "/global/metricsPort': got string"),
        ({"global": {"metricsPort": None}}, "missing property 'metricsPort'"),
        (
            {"global": {"kafka": {"replicationFactor": 0}}},
            "/global/kafka/replicationFactor': minimum",
        ),
        (
            {"global": {"kafka": {"replicationFactor": "3"}}},
            "/global/kafka/replicationFactor': got string",
        ),
        (
            {"global": {"kafka": {"replicationFactor": 1.5}}},
            "/global/kafka/replicationFactor': got number",
        ),
        ({"global": {"kafka": {"retentionMs": -2}}}, "/global/kafka/retentionMs': minimum"),
        ({"global": {"kafka": {"retentionMs": "30d"}}}, "/global/kafka/retentionMs': got string"),
        (
            {"global": {"pipeline": {"leaseTtlSeconds": 0}}},
            "/global/pipeline/leaseTtlSeconds': exclusiveMinimum",
        ),
        (
            {"metrics": {"serviceMonitor": {"enabled": "yes"}}},
            "/metrics/serviceMonitor/enabled': got string",
        ),
        (
            {"metrics": {"serviceMonitor": {"interval": "30"}}},
            "/metrics/serviceMonitor/interval",
        ),
        ({"metrics": {"podAnnotations": "on"}}, "/metrics/podAnnotations': got string"),
        (
            {"networkPolicy": {"metricsIngressFrom": {"podSelector": {}}}},
            "/networkPolicy/metricsIngressFrom': got object",
        ),
        ({"services": {"chat": {"enabled": True}}}, "additional properties 'chat'"),
        ({"services": {"mail": {"enabled": "no"}}}, "/services/mail/enabled"),
        (
            {"services": {"mail": {"autoscaling": {"targetCPUUtilizationPercentage": 150}}}},
            "/services/mail/autoscaling/targetCPUUtilizationPercentage': maximum",
        ),
        (
            {"services": {"mail": {"resources": {"requests": {"cpu": None}}}}},
            "/services/mail/resources/requests': missing property 'cpu'",
        ),
        (
            {"services": {"mail": {"pdb": {"minAvailable": "150%"}}}},
            "/services/mail/pdb/minAvailable",
        ),
        (
            {"services": {"mail": {"extraEnv": {"ENT_SERVICE_SIGNING_KEY": "x" * 40}}}},
            "/services/mail/extraEnv/ENT_SERVICE_SIGNING_KEY",
        ),
        (
            {"services": {"gateway": {"extraEnv": {"ENT_DEV_LOGIN": True}}}},
            "/services/gateway/extraEnv/ENT_DEV_LOGIN",
        ),
        (
            {"services": {"gateway": {"extraEnv": {"ENT_DEV_LOGIN": "false"}}}},
            "/services/gateway/extraEnv/ENT_DEV_LOGIN",
        ),
        (
            {"services": {"directory": {"extraEnv": {"ENT_DEMO_SEED": "true"}}}},
            "/services/directory/extraEnv/ENT_DEMO_SEED",
        ),
        (
            {
                "services": {
                    "gateway": {
                        "extraSecretEnv": {"ENT_DEV_LOGIN": {"secretName": "dev", "key": "on"}}
                    }
                }
            },
            "/services/gateway/extraSecretEnv/ENT_DEV_LOGIN",
        ),
        ({"ingress": {"enabled": True, "tls": {"enabled": True}}}, "/ingress/tls/secretName"),
        ({"unknownTopLevel": 1}, "additional properties 'unknownTopLevel'"),
    ],
    ids=lambda v: "" if isinstance(v, str) else str(v)[:60],
)
def test_invalid_values_are_rejected_by_the_schema(
    chart: helm.Chart, values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(helm.HelmValuesError) as direct:
        chart.validate_schema(values)
    assert complaint in str(direct.value)

    with pytest.raises(helm.HelmValuesError) as on_render:
        chart.render(merged(KEY_VALUES, values), name=RELEASE, namespace=NAMESPACE)
    assert complaint in str(on_render.value)


def test_set_gateway_dev_login_fails_schema_validation(chart: helm.Chart) -> None:
    """`helm template --set services.gateway.extraEnv.ENT_DEV_LOGIN=true` is refused."""
    values = {"services": {"gateway": {"extraEnv": {"ENT_DEV_LOGIN": "true"}}}}

    with pytest.raises(helm.HelmValuesError, match="/services/gateway/extraEnv/ENT_DEV_LOGIN"):
        chart.render(merged(KEY_VALUES, values), name=RELEASE, namespace=NAMESPACE)


@pytest.mark.parametrize(
    ("service", "variable", "where"),
    [
        ("gateway", "ENT_DEV_LOGIN", "extraEnv"),
        ("directory", "ENT_DEMO_SEED", "extraEnv"),
        ("directory", "ENT_DEMO_SEED", "extraSecretEnv"),
    ],
)
def test_dev_conveniences_are_refused_at_render_without_the_schema(
    tmp_path: Path, service: str, variable: str, where: str
) -> None:
    """`--skip-schema-validation` does not let them through: the templates refuse too."""
    unchecked = tmp_path / "ent"
    shutil.copytree(CHART, unchecked)
    (unchecked / "values.schema.json").unlink()
    value: Any = {"secretName": "dev", "key": "on"} if where == "extraSecretEnv" else "true"
    values = {"services": {service: {where: {variable: value}}}}

    with helm.Chart.load(unchecked) as loaded:
        with pytest.raises(helm.HelmRenderError, match=rf"services\.{service}: {variable}"):
            loaded.render(merged(KEY_VALUES, values), name=RELEASE, namespace=NAMESPACE)


def test_hpa_max_below_min_is_refused_at_render(chart: helm.Chart) -> None:
    values = {"services": {"mail": {"autoscaling": {"minReplicas": 4, "maxReplicas": 2}}}}

    with pytest.raises(helm.HelmRenderError, match=r"services\.mail\.autoscaling\.maxReplicas"):
        chart.render(merged(KEY_VALUES, values), name=RELEASE, namespace=NAMESPACE)


@pytest.mark.parametrize("port", [8000, 9464])
def test_metrics_port_equal_to_the_http_port_is_refused_at_render(
    chart: helm.Chart, port: int
) -> None:
    values = {"global": {"httpPort": port, "metricsPort": port}}

    with pytest.raises(helm.HelmRenderError, match=rf"global\.metricsPort \({port}\)"):
        chart.render(merged(KEY_VALUES, values), name=RELEASE, namespace=NAMESPACE)


def test_notes_warn_when_a_pdb_would_block_node_drains(chart: helm.Chart) -> None:
    def notes(values: dict[str, Any]) -> str:
        return chart.render(merged(KEY_VALUES, values), name=RELEASE, namespace=NAMESPACE)[
            "ent/templates/NOTES.txt"
        ]

    fixed = {"services": {"gateway": {"autoscaling": {"enabled": False}, "replicas": 2}}}
    assert "services.gateway: pdb.minAvailable (2) >= replicas (2)" in notes(fixed)
    fixed["services"]["gateway"]["replicas"] = 3
    assert "WARNING" not in notes(fixed)
