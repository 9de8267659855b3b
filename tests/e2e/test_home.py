"""The home page (issue 14, "Composed views") through the gateway of the whole platform, on
the demo collège: a student's page has every block; a parent's names each child; one trace
spans the page, a span per block and the services' work; with mail stopped the page still
answers 200, its `messages` block unavailable.

One platform for the module, started here (as tests/e2e/conftest.py does) with a roomier
block timeout than the default: other processes share the machine, and the timeout itself is
proved by tests/unit/test_gateway_home_http.py. Who is who: see tests/e2e/test_schoollife.py
(lucas.martin in 6A, adam.david the parent of eva.david and juliette.david)."""

from __future__ import annotations

import json
import secrets
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from ent_devstack.stack import Ports, Stack
from platform_api import Headers, sign_in, user_id

pytestmark = pytest.mark.e2e

SEED_TIMEOUT_S = 240.0
BLOCKS = ["messages", "casier", "homework", "lessons", "grades", "agenda"]
SCHOOL_LIFE_BLOCKS = BLOCKS[2:]
Json = dict[str, Any]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("platform")
    platform = Stack(
        data_dir,
        Ports.free(),
        traces_file=data_dir / "traces.jsonl",
        extra_env={"ENT_HOME_BLOCK_TIMEOUT_S": "10"},
    )
    platform.start()
    yield platform
    platform.stop()


def eventually(probe: Callable[[], bool], timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(every)
    return False


@pytest.fixture(scope="module")
def auth(api: httpx.Client) -> Callable[[str], Headers]:
    """One token per login for the module, once the school-life demo seed has landed (the
    vie scolaire's agenda last of all, as tests/e2e/test_schoollife.py waits for it)."""
    tokens: dict[str, Headers] = {}

    def of(login: str) -> Headers:
        if login not in tokens:
            tokens[login] = sign_in(api, login)
        return tokens[login]

    def landed() -> bool:
        week = api.get("/api/schoollife/timetable/week", headers=of("juliette.david"))
        if week.status_code != 200 or not week.json()["occurrences"]:
            return False
        agenda = api.get("/api/schoollife/agenda", headers=of("marc.cpe"))
        titles = {i["title"] for i in agenda.json()["items"]} if agenda.status_code == 200 else ()
        return "Sortie au musée" in titles

    assert eventually(landed, SEED_TIMEOUT_S), "the school-life demo seed never landed"
    return of


def home(api: httpx.Client, headers: Headers, **params: str) -> httpx.Response:
    return api.get("/api/home", headers=headers, params=params)


def statuses(blocks: Json) -> dict[str, str]:
    return {name: block["status"] for name, block in blocks.items()}


def spans_of_trace(stack: Stack, trace_id: str) -> list[Json]:
    assert stack.traces_file is not None
    lines = stack.traces_file.read_text().splitlines()
    spans = [json.loads(line) for line in lines if line.strip()]
    return [s for s in spans if s["context"]["trace_id"] == f"0x{trace_id}"]


def test_a_students_page_has_every_block_in_one_trace(
    stack: Stack, api: httpx.Client, auth: Callable[[str], Headers]
) -> None:
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    response = api.get("/api/home", headers={**auth("lucas.martin"), "traceparent": traceparent})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["profile"] == "student"
    assert statuses(page["blocks"]) == dict.fromkeys(BLOCKS, "ok")
    blocks = page["blocks"]
    assert isinstance(blocks["messages"]["unread"], int)
    assert isinstance(blocks["casier"]["latest"], list)
    assert blocks["homework"]["done"] + blocks["homework"]["to_do"] == len(
        blocks["homework"]["items"]
    )
    assert "occurrences" in blocks["lessons"]
    assert "items" in blocks["grades"]
    assert "items" in blocks["agenda"]

    def traced() -> bool:
        names = {s["name"] for s in spans_of_trace(stack, trace_id)}
        return {f"home.{block}" for block in BLOCKS} <= names

    assert eventually(traced, 10.0), "the blocks' spans never reached the traces file"
    spans = spans_of_trace(stack, trace_id)
    by_id = {s["context"]["span_id"]: s for s in spans}

    def ancestors(span: Json) -> list[Json]:
        chain = []
        while span.get("parent_id") in by_id:
            span = by_id[span["parent_id"]]
            chain.append(span)
        return chain

    page_spans = [
        s
        for s in spans
        if s["resource"]["attributes"]["service.name"] == "ent-gateway"
        and s["kind"] == "SpanKind.SERVER"
    ]
    assert page_spans, [s["name"] for s in spans]
    page_span = page_spans[0]
    school_life = next(s for s in spans if s["name"] == "home.schoollife")
    for block in BLOCKS:
        span = next(s for s in spans if s["name"] == f"home.{block}")
        assert page_span in ancestors(span), block  # under the page's span
        assert span["attributes"]["ent.home.status"] == "ok"
        # The block's call, and the service's work on it, are its descendants; school
        # life's four blocks share one call, under its own span.
        caller = school_life if block in SCHOOL_LIFE_BLOCKS else span
        if caller is school_life:
            assert school_life in ancestors(span), block
        below = [s for s in spans if caller in ancestors(s)]
        assert any(s["kind"] == "SpanKind.CLIENT" for s in below), block
        services = {s["resource"]["attributes"]["service.name"] for s in below}
        assert services - {"ent-gateway"}, block


def test_a_parents_page_names_each_child_and_switches_to_one(
    api: httpx.Client, auth: Callable[[str], Headers]
) -> None:
    parent = auth("adam.david")
    response = home(api, parent)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["profile"] == "parent"
    assert statuses(page["blocks"]) == {"messages": "ok", "casier": "ok"}
    assert page["children_status"] == "ok"
    children = {c["display_name"]: c for c in page["children"]}
    assert len(children) == 2, list(children)
    for child in children.values():
        assert statuses(child["blocks"]) == dict.fromkeys(BLOCKS[2:], "ok")
        assert child["blocks"]["grades"]["student"]["user_id"] == child["student_id"]

    one = next(iter(children.values()))
    switched = home(api, parent, student_id=one["student_id"])
    assert switched.status_code == 200, switched.text
    assert [c["student_id"] for c in switched.json()["children"]] == [one["student_id"]]
    assert switched.json()["children"][0]["display_name"] == one["display_name"]

    # Another family's child: the page answers as school life does, nothing more.
    lucas = api.get("/api/schoollife/me", headers=auth("lucas.martin")).json()["user"]["user_id"]
    stranger = home(api, parent, student_id=lucas)
    assert stranger.status_code == 404, stranger.text
    assert "blocks" not in stranger.json()


def test_a_teachers_page_has_their_blocks_the_others_hidden(
    api: httpx.Client, auth: Callable[[str], Headers]
) -> None:
    page = home(api, auth("prof.francais")).json()
    assert statuses(page["blocks"]) == {
        "messages": "ok",
        "casier": "ok",
        "homework": "hidden",
        "lessons": "ok",
        "grades": "hidden",
        "agenda": "ok",
    }


def test_with_mail_stopped_the_page_answers_its_messages_unavailable(
    stack: Stack, api: httpx.Client, auth: Callable[[str], Headers]
) -> None:
    student = auth("lucas.martin")
    stack.stop_process("mail", signal.SIGTERM)
    try:
        started = time.perf_counter()
        response = home(api, student)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        blocks = response.json()["blocks"]
        assert blocks["messages"] == {"status": "unavailable"}
        assert statuses(blocks) == {**dict.fromkeys(BLOCKS, "ok"), "messages": "unavailable"}
        print(f"\nhome page with mail stopped: {elapsed * 1000:.0f} ms")
    finally:
        stack.start_process("mail")
    assert home(api, student).json()["blocks"]["messages"]["status"] == "ok"


def test_school_life_answers_the_page_s_blocks_in_one_call(
    api: httpx.Client, auth: Callable[[str], Headers]
) -> None:
    student = auth("lucas.martin")
    both = api.get("/api/schoollife/home", params={"blocks": "agenda,homework"}, headers=student)
    assert both.status_code == 200, both.text
    assert list(both.json()) == ["homework", "agenda"]  # in the page's order
    assert {b["status"] for b in both.json().values()} == {200}
    assert "items" in both.json()["agenda"]["body"]

    unknown = api.get("/api/schoollife/home", params={"blocks": "grades,nope"}, headers=student)
    assert unknown.status_code == 400, unknown.text
    assert unknown.json()["errors"][0]["field"] == "blocks"
    # Someone else's child: every block refused alike, so is the call.
    parent = auth("adam.david")
    stranger = api.get(
        "/api/schoollife/home", params={"student_id": user_id(api, student)}, headers=parent
    )
    assert stranger.status_code == 404, stranger.text
