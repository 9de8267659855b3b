"""The gateway's one OpenAPI document: every service's paths under /api, schemas merged
without one service's shape silently replacing another's."""

from __future__ import annotations

from typing import Any

from ent_gateway.application.openapi import merge


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def answering(schema: dict[str, Any]) -> dict[str, Any]:
    """A GET operation answering `schema` as JSON."""
    content = {"application/json": {"schema": schema}}
    return {"get": {"responses": {"200": {"description": "OK", "content": content}}}}


def document(
    paths: dict[str, Any],
    schemas: dict[str, Any] | None = None,
    security_schemes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "a service", "version": "2.3.0"},
        "paths": paths,
        "components": {"schemas": schemas or {}, "securitySchemes": security_schemes or {}},
    }


STRING = {"type": "object", "properties": {"name": {"type": "string"}}}
NUMBER = {"type": "object", "properties": {"name": {"type": "integer"}}}
BEARER = {"type": "http", "scheme": "bearer"}


def gateway(**extra: Any) -> dict[str, Any]:
    own = document(
        {"/api/auth/login": answering(ref("SignedIn")), "/health/ready": answering({})},
        {"SignedIn": STRING},
        {"BearerToken": BEARER},
    )
    return {**own, "security": [{"BearerToken": []}], **extra}


def schema_of(merged: dict[str, Any], path: str) -> Any:
    answer = merged["paths"][path]["get"]["responses"]["200"]
    return answer["content"]["application/json"]["schema"]


def test_service_paths_are_prefixed_with_api_and_the_gateways_kept() -> None:
    merged = merge(
        gateway(),
        {
            "locker": document({"/locker/received": answering({})}),
            "mail": document({"/mail/notifications": answering({})}),
        },
    )

    assert sorted(merged["paths"]) == [
        "/api/auth/login",
        "/api/locker/received",
        "/api/mail/notifications",
    ]
    assert merged["paths"]["/api/locker/received"] == answering({})


def test_health_and_schema_paths_are_hidden() -> None:
    locker = document(
        {
            "/health/live": answering({}),
            "/health/ready": answering({}),
            "/schema/openapi.json": answering({}),
            "/locker/deposits": answering({}),
        }
    )

    merged = merge(gateway(), {"locker": locker})

    assert sorted(merged["paths"]) == ["/api/auth/login", "/api/locker/deposits"]


def test_same_name_same_shape_schemas_are_shared() -> None:
    locker = document({"/locker/a": answering(ref("Person"))}, {"Person": STRING})
    mail = document({"/mail/b": answering(ref("Person"))}, {"Person": dict(STRING)})

    merged = merge(gateway(), {"locker": locker, "mail": mail})

    schemas = merged["components"]["schemas"]
    assert schemas["Person"] == STRING
    assert not [name for name in schemas if name.endswith("_Person")]
    assert schema_of(merged, "/api/locker/a") == ref("Person")
    assert schema_of(merged, "/api/mail/b") == ref("Person")


def test_same_name_different_shape_is_renamed_with_the_service_and_every_ref_follows() -> None:
    directory = document(
        {"/directory/people": answering(ref("Person"))},
        {"Person": STRING, "Team": {"type": "array", "items": ref("Person")}},
    )
    locker_team = {
        "type": "object",
        "properties": {
            "lead": ref("Person"),
            "members": {"type": "array", "items": ref("Person")},
            "kinds": {"anyOf": [ref("Person"), {"type": "null"}]},
        },
    }
    locker = document(
        {
            "/locker/people": answering(ref("Person")),
            "/locker/crew": answering({"type": "array", "items": ref("Crew")}),
        },
        {"Person": NUMBER, "Crew": locker_team},
    )

    merged = merge(gateway(), {"locker": locker, "directory": directory})

    schemas = merged["components"]["schemas"]
    # Services are merged in name order: the directory's comes first and keeps the name.
    assert schemas["Person"] == STRING
    assert schemas["locker_Person"] == NUMBER
    assert schemas["Team"] == {"type": "array", "items": ref("Person")}
    assert schema_of(merged, "/api/directory/people") == ref("Person")
    assert schema_of(merged, "/api/locker/people") == ref("locker_Person")
    assert schema_of(merged, "/api/locker/crew") == {"type": "array", "items": ref("Crew")}
    crew = schemas["Crew"]["properties"]
    assert crew["lead"] == ref("locker_Person")
    assert crew["members"]["items"] == ref("locker_Person")
    assert crew["kinds"]["anyOf"] == [ref("locker_Person"), {"type": "null"}]


def test_a_service_schema_clashing_with_the_gateways_is_the_one_renamed() -> None:
    locker = document({"/locker/x": answering(ref("SignedIn"))}, {"SignedIn": NUMBER})

    merged = merge(gateway(), {"locker": locker})

    schemas = merged["components"]["schemas"]
    assert schemas["SignedIn"] == STRING
    assert schemas["locker_SignedIn"] == NUMBER
    assert schema_of(merged, "/api/auth/login") == ref("SignedIn")
    assert schema_of(merged, "/api/locker/x") == ref("locker_SignedIn")


def test_security_schemes_are_merged_and_the_gateways_security_applies() -> None:
    cookie = {"type": "apiKey", "in": "cookie", "name": "session"}
    locker = document({}, security_schemes={"BearerToken": BEARER, "Session": cookie})
    mail = document({}, security_schemes={"MailKey": {"type": "apiKey", "in": "header"}})

    merged = merge(gateway(), {"mail": mail, "locker": locker})

    assert merged["components"]["securitySchemes"] == {
        "BearerToken": BEARER,
        "Session": cookie,
        "MailKey": {"type": "apiKey", "in": "header"},
    }
    assert merged["security"] == [{"BearerToken": []}]


def test_the_document_is_the_platforms_with_the_gateways_version() -> None:
    merged = merge(gateway(), {})

    assert merged["openapi"] == "3.1.0"
    assert merged["info"]["title"] == "ENT API"
    assert merged["info"]["version"] == "2.3.0"
