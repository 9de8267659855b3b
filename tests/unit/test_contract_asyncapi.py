"""The AsyncAPI document loads in the official AsyncAPI parser (@asyncapi/parser, run by
`make contracts-check` through contracts/asyncapi-check/check.mjs).

The parser validates message payloads as AsyncAPI Schema (a JSON Schema draft-07 superset)
and has no JSON Schema 2020-12 format, so the event schemas keep to keywords meaning the
same in both drafts; that is checked here without node. The parser itself runs when node and
`contracts/asyncapi-check/node_modules` (`make contracts-check` installs it) are present.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ent_contracts.export import ASYNCAPI_FILE, SCHEMA_DIR

CHECK_DIR = SCHEMA_DIR.parent / "asyncapi-check"
CHECK_SCRIPT = CHECK_DIR / "check.mjs"

# Same meaning in draft-07 and 2020-12 (`$defs` is only a place `$ref`s point into).
SHARED_KEYWORDS = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "default", "examples",
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "oneOf",
    "enum", "const", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
    "uniqueItems", "minProperties", "maxProperties", "x-topic",
}  # fmt: skip
ANNOTATIONS = {"title", "description", "default", "examples"}


def event_schemas() -> list[Path]:
    return sorted(p for p in SCHEMA_DIR.glob("*.json") if p.name != ASYNCAPI_FILE)


def schema_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for keyword in ("properties", "$defs"):
        for child in node.get(keyword, {}).values():
            yield from schema_nodes(child)
    for keyword in ("items", "additionalProperties"):
        if isinstance(node.get(keyword), dict):
            yield from schema_nodes(node[keyword])
    for keyword in ("anyOf", "oneOf"):
        for child in node.get(keyword, []):
            yield from schema_nodes(child)


@pytest.mark.parametrize("path", event_schemas(), ids=lambda p: p.name)
def test_event_schemas_keep_to_keywords_shared_by_draft_07_and_2020_12(path: Path) -> None:
    for node in schema_nodes(json.loads(path.read_text(encoding="utf-8"))):
        assert set(node) <= SHARED_KEYWORDS, node
        if "$ref" in node:
            # draft-07 ignores whatever stands beside a $ref: only annotations may.
            assert set(node) - {"$ref"} <= ANNOTATIONS, node
            assert node["$ref"].startswith("#/$defs/")


def node_ready() -> bool:
    return shutil.which("node") is not None and (CHECK_DIR / "node_modules").is_dir()


@pytest.fixture
def parser_installed() -> None:
    # `make test` installs the parser before pytest runs (contracts-check): never skip.
    assert node_ready(), "node and the AsyncAPI parser are needed: run `make contracts-check`"


def run_check(document: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(CHECK_SCRIPT), str(document)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.usefixtures("parser_installed")
def test_the_committed_document_parses_without_errors() -> None:
    result = run_check(SCHEMA_DIR / ASYNCAPI_FILE)
    assert result.returncode == 0, result.stderr
    assert f"OK ({len(event_schemas())} messages)" in result.stdout


@pytest.mark.usefixtures("parser_installed")
def test_the_check_fails_on_payload_refs_that_do_not_resolve(tmp_path: Path) -> None:
    # The document as it was before the fix: `schemas/<file>` from inside contracts/schemas.
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, copy)
    document = copy / ASYNCAPI_FILE
    text = document.read_text(encoding="utf-8").replace('"$ref": "./', '"$ref": "schemas/')
    document.write_text(text, encoding="utf-8")

    result = run_check(document)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "[invalid-ref]" in line]
    assert len(errors) == len(event_schemas())
    assert "schemas/schemas/locker.DocumentDeposited.v1.json" in result.stderr


@pytest.mark.usefixtures("parser_installed")
def test_the_check_fails_on_an_invalid_payload_schema(tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, copy)
    path = copy / "locker.DocumentPurged.v1.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["$defs"]["DocumentPurged"]["properties"]["reason"]["type"] = 5
    path.write_text(json.dumps(schema), encoding="utf-8")

    result = run_check(copy / ASYNCAPI_FILE)

    assert result.returncode == 1
    assert '"type" property must be equal to one of the allowed values' in result.stderr
