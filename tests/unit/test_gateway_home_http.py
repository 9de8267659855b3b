"""`GET /api/home` through the whole gateway over HTTP, against stand-in services on real
sockets: each block read with the caller's own token, at once; a slow (past the block's
timeout), failing (5xx) or unreachable service empties its block (`unavailable`) and the
page still answers 200; a service's refusal (404 for someone else's child) is the page's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import uvicorn
from ent_gateway import service as gateway_service
from ent_gateway.settings import GatewaySettings
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from kit_fixtures import TEST_KEYS
from opentelemetry.sdk.trace import TracerProvider
from test_gateway_client_limits import free_port

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

STUDENT = Identity(user_id="lea", profile="student", school_id="school-1")
PARENT = Identity(user_id="parent-1", profile="parent", school_id="school-1")
TEACHER = Identity(user_id="prof-1", profile="teacher", school_id="school-1")
OTHER_SCHOOL = Identity(user_id="zoe", profile="student", school_id="school-2")
CHILDREN = {"lea": "Léa Martin", "hugo": "Hugo Martin"}
TIMEOUT_S = 2.0  # roomy: the machine may be busy; the slow test waits it once


def token(identity: Identity) -> str:
    return f"Bearer {TEST_KEYS.user_token(identity)}"


@dataclass
class Call:
    path: str
    query: dict[str, str]
    authorization: str


@dataclass
class Services:
    """Mail, locker and school life in one ASGI app: canned answers, the calls recorded;
    `slow`, `failing`, `refusing`: paths answered late, with a 500, or with that status.
    School life's home answers each block as that block's own path would (`BLOCK_PATHS`),
    failing or refused alike."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    slow: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    refusing: dict[str, int] = field(default_factory=dict)
    released: asyncio.Event = field(default_factory=asyncio.Event)  # the slow ones answer

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.calls.append(Call(path, query, headers.get("authorization", "")))
        if path in self.slow:
            await self.released.wait()
        status, body = self.answer(path, query)
        if path == HOME and status == 200:
            status, body = self.home(query)
        if path == FAMILY and status == 200:
            body = [
                {"student_id": child, "display_name": name, "blocks": self.home(query, child)[1]}
                for child, name in CHILDREN.items()
            ]
        content = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": content})

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path in self.refusing:
            status = self.refusing[path]
            return status, {"code": "session_ended" if status == 401 else "refused"}
        return (500, {"code": "boom"}) if path in self.failing else answer(path, query)

    def home(self, query: dict[str, str], child: str | None = None) -> tuple[int, Any]:
        """As school life answers it: each block as its own path; every block refused
        alike (someone else's child), that refusal for the whole call."""
        blocks = query["blocks"].split(",")
        asked = query if child is None else {**query, "student_id": child}
        parts = [self.answer(BLOCK_PATHS[b], asked) for b in blocks]
        statuses = {s for s, _ in parts}
        if len(statuses) == 1 and 400 <= next(iter(statuses)) < 500:
            return parts[0]
        return 200, {b: {"status": s, "body": a} for b, (s, a) in zip(blocks, parts, strict=True)}

    def paths(self) -> list[str]:
        return [c.path for c in self.calls]


HOME = "/schoollife/home"
FAMILY = "/schoollife/home/children"  # a parent's children, each with their blocks
BLOCK_PATHS = {
    "homework": "/schoollife/notebook/due-this-week",
    "lessons": "/schoollife/timetable/day",
    "grades": "/schoollife/grades/latest",
    "agenda": "/schoollife/agenda/upcoming",
}


def answer(path: str, query: dict[str, str]) -> tuple[int, Any]:
    student = query.get("student_id", "lea")
    if student not in CHILDREN and path not in (HOME, FAMILY):  # someone else's child
        return 404, {"code": "student_not_found", "title": "Élève introuvable", "status": 404}
    match path:
        case "/schoollife/home" | "/schoollife/home/children":
            return 200, {}  # each block filled in by `Services`
        case "/mail/home":
            latest = [{"message_id": f"m{i}", "subject": f"Sujet {i}"} for i in range(5)]
            return 200, {"latest": latest, "unread": 3}
        case "/locker/received":
            return 200, {
                "items": [{"document_id": "d1", "file_name": "a.pdf"}],
                "next_cursor": None,
            }
        case "/schoollife/me":
            children = [
                {"user_id": k, "display_name": v, "classes": []} for k, v in CHILDREN.items()
            ]
            return 200, {"user": {"user_id": "parent-1"}, "children": children}
        case "/schoollife/notebook/due-this-week":
            return 200, [
                {"homework_id": f"{student}-h1", "status": {"done": True}},
                {"homework_id": f"{student}-h2", "status": {"done": False}},
                {"homework_id": f"{student}-h3", "status": {"done": False}},
            ]
        case "/schoollife/timetable/day":
            return 200, {
                "date": "2026-11-26",
                "occurrences": [{"status": "cancelled", "of": student}],
            }
        case "/schoollife/grades/latest":
            return 200, {"student": {"user_id": student}, "items": [{"value": 15}]}
        case "/schoollife/agenda/upcoming":
            return 200, {"from_day": "2026-11-26", "to_day": "2026-12-03", "items": []}
    return 404, {"code": "not_found"}


async def serve(app: Any) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
    return server, serving, port


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    app = Services()
    server, serving, port = await serve(app)
    app.url = f"http://127.0.0.1:{port}"
    yield app
    app.released.set()
    server.should_exit = True
    await serving


async def gateway_for(upstreams: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    gateway_settings = GatewaySettings(
        service_name="gateway",
        upstreams=upstreams,
        home_block_timeout_s=TIMEOUT_S,
        **settings,
        **TEST_KEYS.settings("gateway"),
    )
    runtime = Runtime(gateway_service.SERVICE, gateway_settings, TracerProvider())
    server, serving, port = await serve(create_app(runtime))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        yield client
    server.should_exit = True
    await serving


def upstreams_of(services: Services, mail: str | None = None) -> str:
    return ",".join(
        f"{name}={mail if name == 'mail' and mail else services.url}"
        for name in ("mail", "locker", "schoollife")
    )


@pytest.fixture
async def gateway(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    school_2 = {"school-2": {"student": ["homework", "lessons"]}}
    async for client in gateway_for(upstreams_of(services), home_blocks=json.dumps(school_2)):
        yield client


async def home(gateway: httpx.AsyncClient, who: Identity, **params: str) -> httpx.Response:
    return await gateway.get("/api/home", params=params, headers={"authorization": token(who)})


async def test_a_students_page_has_every_block_read_with_their_own_token(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    own_token = token(STUDENT)  # once: a token made a second later differs (its iat)
    response = await gateway.get("/api/home", headers={"authorization": own_token})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["profile"] == "student"
    assert page["children"] == []
    blocks = page["blocks"]
    assert list(blocks) == ["messages", "casier", "homework", "lessons", "grades", "agenda"]
    assert {b["status"] for b in blocks.values()} == {"ok"}
    assert blocks["messages"]["unread"] == 3
    assert len(blocks["messages"]["latest"]) == 5
    assert blocks["casier"]["latest"][0]["document_id"] == "d1"
    assert blocks["casier"]["new_count"] is None  # the locker keeps no unseen mark
    assert (blocks["homework"]["done"], blocks["homework"]["to_do"]) == (1, 2)
    assert blocks["lessons"]["occurrences"][0]["status"] == "cancelled"
    assert blocks["grades"]["items"] == [{"value": 15}]
    assert blocks["agenda"]["items"] == []
    # Each service was asked as the student, never with another identity.
    assert {c.authorization for c in services.calls} == {own_token}
    assert all("student_id" not in c.query for c in services.calls)
    assert services.calls[services.paths().index("/mail/home")].query == {"limit": "5"}
    # School life's four blocks in one call.
    [school_life] = [c for c in services.calls if c.path.startswith("/schoollife")]
    assert school_life.path == HOME
    assert school_life.query == {"blocks": "homework,lessons,grades,agenda", "latest": "5"}


async def test_a_teacher_sees_their_blocks_the_others_hidden(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    page = (await home(gateway, TEACHER)).json()
    statuses = {name: block["status"] for name, block in page["blocks"].items()}
    assert statuses == {
        "messages": "ok",
        "casier": "ok",
        "homework": "hidden",
        "lessons": "ok",
        "grades": "hidden",
        "agenda": "ok",
    }
    assert sorted(services.paths()) == sorted(
        [
            "/mail/home",
            "/locker/received",
            HOME,  # their own day and the agenda: no student_id
        ]
    )
    [school_life] = [c for c in services.calls if c.path == HOME]
    assert school_life.query == {"blocks": "lessons,agenda", "latest": "5"}


async def test_a_schools_setting_hides_blocks_for_its_profiles(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    page = (await home(gateway, OTHER_SCHOOL)).json()
    visible = [name for name, block in page["blocks"].items() if block["status"] != "hidden"]
    assert visible == ["homework", "lessons"]
    assert not any(p.startswith(("/mail", "/locker")) for p in services.paths())


async def test_a_parent_gets_each_child_named_with_their_blocks(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    response = await home(gateway, PARENT)
    assert response.status_code == 200, response.text
    page = response.json()
    # One call to school life for every child and their blocks.
    assert [p for p in services.paths() if p.startswith("/schoollife")] == [FAMILY]
    assert list(page["blocks"]) == ["messages", "casier"]
    assert page["children_status"] == "ok"
    assert [(c["student_id"], c["display_name"]) for c in page["children"]] == list(
        CHILDREN.items()
    )
    for child in page["children"]:
        assert list(child["blocks"]) == ["homework", "lessons", "grades", "agenda"]
        assert {b["status"] for b in child["blocks"].values()} == {"ok"}
        assert child["blocks"]["homework"]["items"][0]["homework_id"] == (
            f"{child['student_id']}-h1"
        )
        assert child["blocks"]["lessons"]["occurrences"][0]["of"] == child["student_id"]


async def test_the_child_switch_shows_one_child_and_never_anothers(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    hugo = (await home(gateway, PARENT, student_id="hugo")).json()
    assert [(c["student_id"], c["display_name"]) for c in hugo["children"]] == [
        ("hugo", "Hugo Martin")
    ]
    assert hugo["children"][0]["blocks"]["grades"]["student"] == {"user_id": "hugo"}

    stranger = await home(gateway, PARENT, student_id="someone-else")
    assert stranger.status_code == 404, stranger.text
    assert stranger.json()["code"] == "student_not_found"
    assert "blocks" not in stranger.json()  # nothing of the page leaks with the refusal


async def test_a_slow_service_empties_its_block_within_the_timeout(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    services.slow.add("/mail/home")
    started = time.perf_counter()
    response = await home(gateway, STUDENT)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    blocks = response.json()["blocks"]
    assert blocks["messages"] == {"status": "unavailable"}
    assert {b["status"] for n, b in blocks.items() if n != "messages"} == {"ok"}
    assert elapsed < 2 * TIMEOUT_S  # the page did not wait for the slow service


async def test_a_failing_service_empties_its_block(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    services.failing.update({"/locker/received", "/schoollife/grades/latest"})
    response = await home(gateway, STUDENT)
    assert response.status_code == 200, response.text
    blocks = response.json()["blocks"]
    assert blocks["casier"] == {"status": "unavailable"}
    assert blocks["grades"] == {"status": "unavailable"}
    assert blocks["messages"]["status"] == "ok"


async def test_a_parents_page_without_the_list_of_children_says_so(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    services.failing.add(FAMILY)
    page = (await home(gateway, PARENT)).json()
    assert page["children"] == []
    assert page["children_status"] == "unavailable"
    assert page["blocks"]["messages"]["status"] == "ok"


async def test_a_service_refusing_connections_empties_its_block(services: Services) -> None:
    refused = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async for gateway in gateway_for(upstreams_of(services, mail=refused)):
        response = await home(gateway, STUDENT)
        assert response.status_code == 200, response.text
        blocks = response.json()["blocks"]
        assert blocks["messages"] == {"status": "unavailable"}
        assert blocks["casier"]["status"] == "ok"


async def test_the_page_needs_a_signed_in_user(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/api/home")).status_code == 401


async def test_the_merged_api_document_describes_the_page(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/api/openapi.json")).json()
    assert "get" in document["paths"]["/api/home"]


async def test_an_ended_session_is_the_pages_answer(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    services.refusing["/mail/home"] = 401  # the gateway keeps no sessions: mail does
    response = await home(gateway, STUDENT)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "session_ended"


async def test_a_refusal_without_the_child_switch_only_empties_the_block(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    # A service that does not know the caller yet (school life's roster not caught up).
    services.refusing["/schoollife/agenda/upcoming"] = 404
    services.refusing[FAMILY] = 404
    student = (await home(gateway, STUDENT)).json()
    assert student["blocks"]["agenda"] == {"status": "unavailable"}
    assert student["blocks"]["lessons"]["status"] == "ok"
    parent = await home(gateway, PARENT)
    assert parent.status_code == 200, parent.text
    assert parent.json()["children_status"] == "unavailable"


async def test_a_slow_school_life_empties_its_four_blocks_only(
    services: Services, gateway: httpx.AsyncClient
) -> None:
    services.slow.add(HOME)
    response = await home(gateway, STUDENT)
    assert response.status_code == 200, response.text
    blocks = response.json()["blocks"]
    assert [n for n, b in blocks.items() if b == {"status": "unavailable"}] == list(BLOCK_PATHS)
    assert blocks["messages"]["status"] == blocks["casier"]["status"] == "ok"
