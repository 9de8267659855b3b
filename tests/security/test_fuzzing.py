"""Fuzzing the whole API through the gateway with schemathesis, signed in.

Schemathesis reads the gateway's OpenAPI document and sends, for every operation, the
cases of its coverage phase (boundaries, wrong types, missing fields, unsupported methods
with a body, control characters in path ids) then a bounded number of random ones, as the
direction and as a student of the demo collège. Checks: no answer is a server error (5xx),
and every documented answer matches its schema. Only `EXCLUDED` is left out, each with its
reason. Its own command-line runner does the work (`python -m schemathesis.cli run`): its
JSON report gives the counts, and a failure's `curl` reproduction is in the test's output.

Prints `FUZZ <caller> operations=<n> cases=<n> failures=<n> errors=<n>` per caller."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from ent_devstack.stack import Ports, Stack

pytestmark = pytest.mark.e2e

CALLERS = {"direction": "claire.directrice", "student": "lucas.martin"}
MAX_EXAMPLES = 4  # random cases per operation, after the coverage phase's own
# One process per caller and part of the API, each single-threaded: schemathesis's worker
# threads trip over a CPython 3.11 bug (Hypothesis describing a lambda with `ast.parse`
# from several threads: "AST constructor recursion depth mismatch"), processes do not.
PARTS = {
    "mail-messages": "^/api/mail/(messages|drafts|selection|attachments)",
    "mail-boxes": "^/api/mail/(notifications|conversations|home|latest|search|unread|folders"
    "|contacts|settings)",
    "locker": "^/api/locker/",
    "directory": "^/api/directory/",
    "transfer": "^/api/transfer/",
    "schoollife-timetable-notebook": "^/api/schoollife/(me|home|timetable|notebook)",
    "schoollife-grades-life": "^/api/schoollife/(grades|report-cards|vie-scolaire|agenda)",
    "gateway": "^/(metrics|api/(auth/|docs|home|openapi\\.json|metrics))",
}
SEED = 20261126  # the same cases on every run; change it to explore further
# All the runs together take about 150 s on a quiet 2-CPU machine. A case the platform never
# answers fails as an error with its curl instead of holding its run; a run still going at
# the deadline is stopped and named, with the end of its output.
REQUEST_TIMEOUT_S = 60
RUNS_DEADLINE_S = 720
CHECKS = "not_a_server_error,response_schema_conformance"
# (method, path) left out, and why. Nothing else is.
EXCLUDED = {
    ("GET", "/api/mail/unread/stream"): "Server-Sent Events: the answer never ends by design, "
    "so a case never completes; its 401/200 are proved by the authorization matrix",
    ("POST", "/api/directory/me/sign-out-everywhere"): "ends the fuzzing caller's own "
    "sessions, so every later case would only test a 401; the matrix and "
    "tests/security/test_sessions_end.py cover it",
}

# The fuzzer sends hundreds of deposits and messages as one caller: with the per-sender
# limits it would soon meet 429s only, then be frozen (and signed out) by the automatic
# freeze. Limits are proved in their own tests; here every operation must be reached.
NO_SENDING_LIMITS = {
    "ENT_AUTO_FREEZE_AFTER_LIMIT_HITS": "0",
    **{
        f"ENT_DEPOSIT_LIMIT{kind}_{window}": "1000000"
        for kind in ("", "_ELEVATED")
        for window in ("PER_HOUR", "PER_DAY", "RECIPIENTS_PER_HOUR", "RECIPIENTS_PER_DAY")
    },
    **{
        f"ENT_SEND_LIMIT{kind}_{window}": "1000000"
        for kind in ("", "_ELEVATED")
        for window in ("MESSAGES_PER_HOUR", "RECIPIENTS_PER_DAY")
    },
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    platform = Stack(tmp_path_factory.mktemp("fuzzing"), Ports.free(), extra_env=NO_SENDING_LIMITS)
    platform.start()
    yield platform
    platform.stop()


def sign_in(gateway: str, login: str) -> str:
    answer = httpx.post(f"{gateway}/api/auth/dev-login", json={"login": login}, timeout=30)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["access_token"])


def fuzz_command(gateway: str, token: str, part: str, report: Path) -> list[str]:
    """One schemathesis run over one part of the API, its JSON report in `report`."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{gateway}/api/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--phases",
        "coverage,fuzzing",
        "--request-timeout",
        str(REQUEST_TIMEOUT_S),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--include-path-regex",
        PARTS[part],
        "--continue-on-failure",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    for path in sorted({path for _method, path in EXCLUDED}):
        command += ["--exclude-path", path]
    return command


@pytest.fixture(scope="module")
def runs(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Every caller's runs over every part, all at once (each mostly waits on the platform)."""
    work = tmp_path_factory.mktemp("schemathesis")
    started = []
    for caller, login in CALLERS.items():
        token = sign_in(stack.gateway_url, login)
        for part in PARTS:
            report, output = work / f"{caller}-{part}.json", work / f"{caller}-{part}.txt"
            command = fuzz_command(stack.gateway_url, token, part, report)
            with output.open("w") as sink:
                process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
            started.append((caller, process, report, output))
    deadline = time.monotonic() + RUNS_DEADLINE_S
    done: dict[str, list[Run]] = {caller: [] for caller in CALLERS}
    late = []
    for caller, process, report, output in started:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            late.append(f"--- {output.name}, still running:\n{output.read_text()[-3000:]}")
            continue
        assert report.exists(), output.read_text()[-5000:]
        done[caller].append(Run(json.loads(report.read_text()), output.read_text()))
    assert not late, f"runs not done after {RUNS_DEADLINE_S} s\n" + "\n".join(late)
    return Runs(stack.gateway_url, done)


class Run(NamedTuple):
    report: dict[str, Any]
    output: str  # the console's: each failure with its curl reproduction


class Runs(NamedTuple):
    gateway: str
    by_caller: dict[str, list[Run]]


def documented_operations(gateway: str) -> int:
    document = httpx.get(f"{gateway}/api/openapi.json", timeout=30).json()
    methods = {"get", "head", "post", "put", "patch", "delete"}
    return sum(method in methods for item in document["paths"].values() for method in item)


@pytest.mark.timeout(RUNS_DEADLINE_S + 180)  # the platform's start and the runs' deadline
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_no_server_error_and_no_answer_off_its_schema(runs: Runs, caller: str) -> None:
    reports = [run.report for run in runs.by_caller[caller]]
    tested = sum(r["operations"]["tested"] for r in reports)
    cases = sum(r["test_cases"]["generated"] for r in reports)
    failures = sum(r["test_cases"]["unique_failures"] for r in reports)
    errors = sum(len(r["errors"]) for r in reports)
    print(
        f"FUZZ {caller} operations={tested} cases={cases} failures={failures} errors={errors}",
        flush=True,
    )
    # Every operation of the document but the excluded ones was exercised, in one part or
    # another (a route in no part fails here).
    assert tested == documented_operations(runs.gateway) - len(EXCLUDED)
    for run in runs.by_caller[caller]:
        assert run.report["failures"] == [], run.output[-20000:]
        assert run.report["errors"] == [], run.output[-20000:]
