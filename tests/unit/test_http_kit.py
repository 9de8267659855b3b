"""The kit's Litestar app: JWT auth, problem+json errors, health endpoints."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import msgspec
import pytest
from ent_kit import keys
from ent_kit.api_docs import SCALAR_JS_INTEGRITY, SCALAR_JS_NAME
from ent_kit.auth import Identity, issue_token
from ent_kit.http import create_app
from ent_kit.problems import MEDIA_TYPE, Problem
from ent_kit.runtime import Runtime
from httpx import Response
from kit_fixtures import TEST_KEYS, http_runtime
from litestar import Request, get, post
from litestar.params import Parameter
from litestar.testing import AsyncTestClient

# Handlers are written the way the services write them (inferred `data`, path params).
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

ISSUER = "ent-gateway"
TEACHER = Identity(user_id="u-42", profile="teacher", school_id="s1", display_name="M. Prof")


class Homework(msgspec.Struct):
    title: str
    points: int


class Address(msgspec.Struct):
    zip: str


class Person(msgspec.Struct):
    name: str
    address: Address


@get("/me")
async def me(request: Request[Identity, Any, Any]) -> dict[str, str]:
    return {"user_id": request.user.user_id, "profile": request.user.profile}


@post("/homework")
async def create_homework(data: Homework) -> dict[str, Any]:
    return {"title": data.title, "points": data.points}


@post("/people")
async def create_person(data: Person) -> dict[str, str]:
    return {"zip": data.address.zip}


@get("/pages")
async def pages(page: int = Parameter(ge=1, default=1)) -> dict[str, int]:
    return {"page": page}


@get("/boom")
async def boom() -> None:
    raise RuntimeError("db password is hunter2")


@get("/documents/{document_id:str}")
async def document(document_id: str) -> None:
    raise Problem(404, "document_not_found", "Document introuvable", document_id=document_id)


@get("/public/info")
async def public_info() -> dict[str, str]:
    return {"open": "yes"}


@get("/students/health-records")
async def health_records() -> dict[str, str]:
    return {"allergies": "peanuts"}


@get("/exports/schema-v2")
async def export_schema() -> dict[str, str]:
    return {"grades": "all of them"}


CONTROLLERS = [
    me,
    create_homework,
    create_person,
    pages,
    boom,
    document,
    public_info,
    health_records,
    export_schema,
]


def make_runtime(tmp_path: Path) -> Runtime:
    return http_runtime(tmp_path, CONTROLLERS)


@pytest.fixture
async def runtime(tmp_path: Path) -> Runtime:
    return make_runtime(tmp_path)


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(create_app(runtime)) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def good_token(identity: Identity = TEACHER) -> str:
    # Made at import by module constants: it must outlive the whole test run.
    return TEST_KEYS.user_token(identity)


AUTH = bearer(good_token())


def raw_token(
    *, key: Any = None, algorithm: str = "EdDSA", drop: tuple[str, ...] = (), **claims: Any
) -> str:
    """A JWT built by hand (issue_token refuses to build bad ones)."""
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "sub": "u-42",
        "iss": ISSUER,
        "iat": int(now.timestamp()) - 10,
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "extras": {"profile": "teacher"},
    }
    payload.update(claims)
    for claim in drop:
        payload.pop(claim)
    if key is None:
        key = keys.private_key(TEST_KEYS.user_token_key)
    return jwt.encode(payload, key, algorithm=algorithm)


def assert_problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:ent:problem:{code}"
    assert body["title"]
    return body


# --- authentication ---------------------------------------------------------------------


async def test_no_token_is_401_problem(client: AsyncTestClient[Any]) -> None:
    assert_problem(await client.get("/me"), 401, "unauthenticated")


async def test_token_from_issue_token_is_accepted(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/me", headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {"user_id": "u-42", "profile": "teacher"}


async def test_hand_built_valid_token_is_accepted(client: AsyncTestClient[Any]) -> None:
    # The control for the rejections below: only the one changed claim makes them fail.
    response = await client.get("/me", headers=bearer(raw_token()))
    assert response.status_code == 200


async def test_user_token_may_not_claim_a_service_identity(client: AsyncTestClient[Any]) -> None:
    # Signed with the right key: the gateway's key makes user tokens, never service ones.
    for token in (raw_token(extras={"profile": "service"}), raw_token(sub="service:mail")):
        assert_problem(await client.get("/me", headers=bearer(token)), 401, "unauthenticated")


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            issue_token(keys.new_private_key(), ISSUER, TEACHER, timedelta(hours=6)), id="key"
        ),
        pytest.param(
            issue_token(TEST_KEYS.user_token_key, "evil-gw", TEACHER, timedelta(minutes=5)),
            id="issuer",
        ),
        # The shared-secret tokens of before: no longer accepted.
        pytest.param(raw_token(key="k" * 32, algorithm="HS256"), id="hs256"),
        pytest.param(raw_token(aud="t"), id="audience"),
        pytest.param(raw_token(exp=int(datetime.now(UTC).timestamp()) - 5), id="expired"),
        pytest.param(raw_token(drop=("exp",)), id="no-exp"),
        pytest.param(raw_token(drop=("iss",)), id="no-iss"),
        pytest.param(raw_token(extras={"profile": "admin"}), id="unknown-profile"),
        pytest.param(raw_token(algorithm="none", key=""), id="alg-none"),
        pytest.param("not.a.jwt", id="garbage"),
        pytest.param(good_token()[:-4] + "AAAA", id="tampered-signature"),
    ],
)
async def test_bad_tokens_are_401_problem(client: AsyncTestClient[Any], token: str) -> None:
    body = assert_problem(await client.get("/me", headers=bearer(token)), 401, "unauthenticated")
    assert "Traceback" not in str(body)


async def test_token_without_bearer_scheme_is_401(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/me", headers={"Authorization": good_token()})
    assert_problem(response, 401, "unauthenticated")


async def test_declared_public_path_needs_no_token(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/public/info")
    assert response.status_code == 200
    assert response.json() == {"open": "yes"}


async def test_openapi_schema_is_public(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/homework" in response.json()["paths"]


@pytest.mark.parametrize("path", ["/students/health-records", "/exports/schema-v2"])
async def test_routes_merely_containing_public_prefix_still_need_a_token(
    client: AsyncTestClient[Any], path: str
) -> None:
    assert (await client.get(path, headers=AUTH)).status_code == 200  # the route works
    assert_problem(await client.get(path), 401, "unauthenticated")


# --- problem+json errors ----------------------------------------------------------------


async def test_body_of_wrong_type_is_400_naming_the_field(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/homework", json={"title": "Exos", "points": "ten"}, headers=AUTH)
    body = assert_problem(response, 400, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["points"]
    assert "int" in body["errors"][0]["message"]


async def test_nested_body_field_is_named_by_its_path(client: AsyncTestClient[Any]) -> None:
    response = await client.post(
        "/people", json={"name": "A", "address": {"zip": 75001}}, headers=AUTH
    )
    body = assert_problem(response, 400, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["address.zip"]


async def test_valid_body_is_accepted(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/homework", json={"title": "Exos", "points": 10}, headers=AUTH)
    assert response.status_code == 201
    assert response.json() == {"title": "Exos", "points": 10}


async def test_missing_body_field_is_400_naming_the_field(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/homework", json={"title": "Exos"}, headers=AUTH)
    body = assert_problem(response, 400, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["points"]


@pytest.mark.parametrize("value", ["0", "-3", "abc"])
async def test_query_parameter_violation_is_400_naming_it(
    client: AsyncTestClient[Any], value: str
) -> None:
    response = await client.get("/pages", params={"page": value}, headers=AUTH)
    body = assert_problem(response, 400, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["page"]
    assert body["detail"].startswith("page: ")


async def test_query_parameter_in_range_is_accepted(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/pages", params={"page": "3"}, headers=AUTH)
    assert response.json() == {"page": 3}


async def test_malformed_json_body_is_400_problem(client: AsyncTestClient[Any]) -> None:
    response = await client.post(
        "/homework",
        content=b'{"title": ',
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(MEDIA_TYPE)


async def test_unexpected_exception_is_500_without_internals(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/boom", headers=AUTH)
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert ".py" not in response.text
    assert set(body) == {"status", "type", "title", "detail", "code"}


async def test_problem_raised_by_handler_keeps_its_code_and_extras(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.get("/documents/d-9", headers=AUTH)
    body = assert_problem(response, 404, "document_not_found")
    assert body["title"] == "Document introuvable"
    assert body["document_id"] == "d-9"


async def test_unknown_route_is_404_problem(client: AsyncTestClient[Any]) -> None:
    assert_problem(await client.get("/nowhere", headers=AUTH), 404, "not_found")


async def test_wrong_method_is_405_problem(client: AsyncTestClient[Any]) -> None:
    assert_problem(await client.delete("/homework", headers=AUTH), 405, "method_not_allowed")


# --- health -----------------------------------------------------------------------------


async def test_liveness_needs_no_token(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_reports_the_open_store(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"store": "ok"}}


async def test_readiness_is_503_problem_when_the_store_fails(
    client: AsyncTestClient[Any], runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_ping() -> None:
        raise ConnectionError("disk gone")

    monkeypatch.setattr(runtime.storage, "ping", broken_ping)

    response = await client.get("/health/ready")

    body = assert_problem_like_not_ready(response)
    assert body["checks"]["store"].startswith("unavailable: ConnectionError")


def assert_problem_like_not_ready(response: Response) -> dict[str, Any]:
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body: dict[str, Any] = response.json()
    assert body["status"] == "unavailable"
    assert body["type"] == "urn:ent:problem:not_ready"
    return body


async def test_lifespan_opens_and_closes_the_store(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path)
    async with AsyncTestClient(create_app(runtime)) as test_client:
        await runtime.storage.ping()
        assert (await test_client.get("/health/ready")).status_code == 200
    assert (tmp_path / "t.db").exists()
    with pytest.raises(ConnectionError, match="closed"):
        await runtime.storage.ping()


# --- API reference page -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/schema", "/schema/scalar"])
async def test_api_reference_page_loads_one_pinned_script_checked_by_integrity(
    client: AsyncTestClient[Any], path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    page = response.text
    # Nothing from elsewhere: one script, of this origin, one exact version, with its hash
    # (tests/unit/test_api_docs_offline.py fetches it and checks its bytes).
    assert re.findall(r"""(?:src|href)=["']?(https?://[^"'\s>]+)""", page) == []
    script = re.search(r"<script src=[^>]*>", page)
    assert script is not None
    assert f'src="/schema/{SCALAR_JS_NAME}"' in script.group(0)
    assert f'integrity="{SCALAR_JS_INTEGRITY}"' in script.group(0)
    assert SCALAR_JS_INTEGRITY.startswith("sha384-")
    assert "@latest" not in page
    assert "@main" not in page
