"""One OpenAPI document for frontend teams: every service's paths under /api, merged."""

from __future__ import annotations

from typing import Any

HIDDEN_PREFIXES = ("/health", "/schema", "/metrics")


def merge(own: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": own.get("openapi", "3.1.0"),
        "info": {
            "title": "ENT API",
            "version": own.get("info", {}).get("version", "1.0.0"),
            "description": "Every endpoint of the platform, served through the gateway.",
        },
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
        "security": own.get("security", []),
    }
    for name, document in [("gateway", own), *sorted(services.items())]:
        _add(merged, name, document, prefix="" if name == "gateway" else "/api")
    return merged


def _add(merged: dict[str, Any], service: str, document: dict[str, Any], prefix: str) -> None:
    components = document.get("components", {})
    schemas = components.get("schemas", {})
    renames = _schema_renames(merged["components"]["schemas"], schemas, service)
    for name, schema in _rewrite_refs(schemas, renames).items():
        merged["components"]["schemas"][renames.get(name, name)] = schema
    merged["components"]["securitySchemes"].update(components.get("securitySchemes", {}))
    for path, item in _rewrite_refs(document.get("paths", {}), renames).items():
        if path.startswith(HIDDEN_PREFIXES):
            continue
        merged["paths"][prefix + path] = item


def _schema_renames(
    existing: dict[str, Any], incoming: dict[str, Any], service: str
) -> dict[str, str]:
    """Same name, different shape: the newcomer gets a service prefix."""
    return {
        name: f"{service}_{name}"
        for name, schema in incoming.items()
        if name in existing and existing[name] != schema
    }


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if not renames:
        return node
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in renames:
                return {**node, "$ref": f"#/components/schemas/{renames[name]}"}
        return {k: _rewrite_refs(v, renames) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node
