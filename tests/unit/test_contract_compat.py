"""Schema compatibility against the last release committed in contracts/releases/.

Each rule is shown on a hand-made pair of schemas shaped like the export's (the envelope at
the root, the payload Struct in `$defs`), then the real contracts against the real release.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from ent_contracts.compat import (
    RELEASES_DIR,
    current_files,
    current_schemas,
    cut,
    last_release,
    load_schemas,
    main,
    problems,
    release_versions,
    schema_problems,
)
from ent_contracts.export import ASYNCAPI_FILE, rendered_files

Schema = dict[str, Any]
THING = "test.ThingHappened"

NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def event(
    fields: dict[str, Schema],
    required: list[str],
    *,
    event_type: str = THING,
    version: int = 1,
    defs: dict[str, Schema] | None = None,
) -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "Thing": {
                "type": "object",
                "title": "Thing",
                "properties": fields,
                "required": required,
            },
            **(defs or {}),
        },
        "type": "object",
        "properties": {
            "type": {"const": event_type},
            "schema_version": {"const": version},
            "aggregate_id": {"type": "string"},
            "payload": {"$ref": "#/$defs/Thing"},
        },
        "required": ["type", "schema_version", "aggregate_id", "payload"],
    }


def thing_v1() -> Schema:
    return event(
        {
            "thing_id": {"type": "string"},
            "size": {"type": "integer", "minimum": 1},
            "note": NULLABLE_STRING,
            "tags": {"type": "array", "items": {"type": "string"}},
            "kind": {"enum": ["a", "b"]},
        },
        ["thing_id", "size", "tags", "kind"],
    )


def payload_def(schema: Schema) -> Schema:
    thing: Schema = schema["$defs"]["Thing"]
    return thing


def compare(old: Schema, new: Schema) -> list[str]:
    return problems({(THING, 1): old}, {(THING, 1): new})


# --- one rule each ----------------------------------------------------------------------


def test_an_identical_schema_passes() -> None:
    assert compare(thing_v1(), thing_v1()) == []


def test_removing_a_field_fails_naming_event_and_field() -> None:
    new = thing_v1()
    del payload_def(new)["properties"]["size"]
    payload_def(new)["required"].remove("size")

    assert compare(thing_v1(), new) == [f"{THING} v1: payload.size: field removed"]


def test_removing_an_optional_field_fails_too() -> None:
    new = thing_v1()
    del payload_def(new)["properties"]["note"]

    assert compare(thing_v1(), new) == [f"{THING} v1: payload.note: field removed"]


def test_retyping_a_field_fails() -> None:
    new = thing_v1()
    payload_def(new)["properties"]["size"] = {"type": "string"}

    assert compare(thing_v1(), new) == [f"{THING} v1: payload.size: retyped from integer to string"]


@pytest.mark.parametrize(
    ("field", "schema", "was", "now"),
    [
        # nullable: old consumers would meet a null
        ("thing_id", NULLABLE_STRING, "string", "string | null"),
        ("note", {"type": "string", "default": ""}, "string | null", "string"),
        ("tags", {"type": "array", "items": {"type": "integer"}}, "", ""),
        ("kind", {"enum": ["a", "b", "c"]}, 'one of "a"|"b"', 'one of "a"|"b"|"c"'),
        ("kind", {"type": "string"}, 'one of "a"|"b"', "string"),
    ],
)
def test_every_kind_of_retype_fails(field: str, schema: Schema, was: str, now: str) -> None:
    new = thing_v1()
    payload_def(new)["properties"][field] = schema

    (problem,) = compare(thing_v1(), new)

    if field == "tags":
        assert problem == f"{THING} v1: payload.tags[]: retyped from string to integer"
    else:
        assert problem == f"{THING} v1: payload.{field}: retyped from {was} to {now}"


def test_changing_a_constraint_fails() -> None:
    new = thing_v1()
    payload_def(new)["properties"]["size"]["minimum"] = 0

    assert compare(thing_v1(), new) == [
        f"{THING} v1: payload.size: constraints changed (minimum 1 → 0)"
    ]


def test_making_an_optional_field_required_fails() -> None:
    new = thing_v1()
    payload_def(new)["properties"]["note"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    payload_def(new)["required"].append("note")

    assert compare(thing_v1(), new) == [f"{THING} v1: payload.note: optional field made required"]


def test_adding_a_required_field_fails() -> None:
    new = thing_v1()
    payload_def(new)["properties"]["colour"] = {"type": "string"}
    payload_def(new)["required"].append("colour")

    assert compare(thing_v1(), new) == [
        f"{THING} v1: payload.colour: required field added (older events lack it)"
    ]


def test_adding_an_optional_field_with_a_default_passes() -> None:
    new = thing_v1()
    payload_def(new)["properties"]["colour"] = {"type": "string", "default": "blue"}
    payload_def(new)["properties"]["parent_id"] = NULLABLE_STRING

    assert compare(thing_v1(), new) == []


def test_a_required_field_becoming_optional_passes() -> None:
    new = thing_v1()
    payload_def(new)["properties"]["tags"]["default"] = []
    payload_def(new)["required"].remove("tags")

    assert compare(thing_v1(), new) == []


def test_words_and_order_do_not_matter() -> None:
    new = thing_v1()
    payload_def(new)["description"] = "Something happened."
    payload_def(new)["title"] = "RenamedThing"
    payload_def(new)["properties"]["note"] = {
        "anyOf": [{"type": "null"}, {"type": "string", "description": "free text"}],
        "default": None,
    }
    payload_def(new)["properties"]["kind"] = {"enum": ["b", "a"]}

    assert compare(thing_v1(), new) == []


def test_a_nested_struct_is_compared_field_by_field() -> None:
    owner = {
        "type": "object",
        "title": "Owner",
        "properties": {"id": {"type": "string"}, "kind": {"enum": ["user", "system"]}},
        "required": ["id", "kind"],
    }
    old = thing_v1()
    old["$defs"]["Owner"] = owner
    payload_def(old)["properties"]["owners"] = {
        "type": "array",
        "items": {"$ref": "#/$defs/Owner"},
    }
    new = copy.deepcopy(old)
    new["$defs"]["Owner"]["properties"]["id"] = {"type": "integer"}
    new["$defs"]["Owner"]["properties"]["name"] = {"type": "string", "default": ""}

    assert compare(old, new) == [f"{THING} v1: payload.owners[].id: retyped from string to integer"]


def test_the_envelope_is_compared_too() -> None:
    new = thing_v1()
    new["properties"]["aggregate_id"] = {"type": "integer"}

    assert compare(thing_v1(), new) == [f"{THING} v1: aggregate_id: retyped from string to integer"]


def test_a_struct_replaced_by_a_plain_value_is_a_retype() -> None:
    new = thing_v1()
    new["properties"]["payload"] = {"type": "string"}

    assert compare(thing_v1(), new) == [f"{THING} v1: payload: retyped from object Thing to string"]


def test_several_problems_give_one_line_each() -> None:
    new = thing_v1()
    del payload_def(new)["properties"]["size"]
    payload_def(new)["properties"]["kind"] = {"type": "string"}

    assert compare(thing_v1(), new) == [
        f"{THING} v1: payload.size: field removed",
        f'{THING} v1: payload.kind: retyped from one of "a"|"b" to string',
    ]


# --- event versions ---------------------------------------------------------------------


def test_a_new_schema_version_passes() -> None:
    v2 = event({"thing_id": {"type": "integer"}}, ["thing_id"], version=2)
    current = {(THING, 1): thing_v1(), (THING, 2): v2}

    assert problems({(THING, 1): thing_v1()}, current) == []


def test_a_new_event_type_passes() -> None:
    other = event({"x": {"type": "string"}}, ["x"], event_type="test.Other")
    current = {(THING, 1): thing_v1(), ("test.Other", 1): other}

    assert problems({(THING, 1): thing_v1()}, current) == []


def test_removing_an_event_version_fails() -> None:
    v2 = event({"thing_id": {"type": "string"}}, ["thing_id"], version=2)

    assert problems({(THING, 1): thing_v1()}, {(THING, 2): v2}) == [
        f"{THING} v1: event version removed (and no upcaster from v1)"
    ]


def test_removing_an_event_version_lifted_by_upcasters_passes() -> None:
    v3 = event({"thing_id": {"type": "string"}}, ["thing_id"], version=3)
    release = {(THING, 1): thing_v1(), (THING, 2): thing_v1()}

    def upcasts_to(event_type: str, version: int) -> int:
        return 3 if event_type == THING else version

    assert problems(release, {(THING, 3): v3}, upcasts_to) == []
    assert problems(release, {}, upcasts_to) == [
        f"{THING} v1: upcasters lead to v3, which is not registered",
        f"{THING} v2: upcasters lead to v3, which is not registered",
    ]


def test_schema_problems_alone_name_the_field_only() -> None:
    new = thing_v1()
    del payload_def(new)["properties"]["tags"]
    assert schema_problems(thing_v1(), new) == ["payload.tags: field removed"]


# --- the real contracts and the committed release ---------------------------------------


def test_the_current_contracts_pass_against_the_committed_release() -> None:
    release = last_release()
    assert release is not None, "contracts/releases/ holds no release"

    assert problems(load_schemas(release), current_schemas()) == []
    assert main([]) == 0


def test_the_committed_release_holds_only_event_schemas_named_after_their_event() -> None:
    release = last_release()
    assert release is not None
    names = {p.name for p in release.iterdir()}
    assert ASYNCAPI_FILE not in names
    assert names == {f"{t}.v{v}.json" for t, v in load_schemas(release)}


def test_every_release_folder_is_x_y_z(tmp_path: Path) -> None:
    assert release_versions()
    for version in ["0.9.0", "0.10.0", "0.2.0", "notes"]:
        (tmp_path / version).mkdir()
    assert release_versions(tmp_path) == ["0.2.0", "0.9.0", "0.10.0"]
    assert last_release(tmp_path) == tmp_path / "0.10.0"
    assert last_release(tmp_path / "nowhere") is None


@pytest.fixture
def releases(tmp_path: Path) -> Path:
    release = last_release()
    assert release is not None
    shutil.copytree(release, tmp_path / release.name)
    return tmp_path


def test_main_prints_one_line_per_problem_and_fails(
    releases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (release,) = releases.iterdir()
    path = release / "locker.DocumentDeposited.v1.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["$defs"]["DocumentDeposited"]["properties"]["labels"] = {"type": "string"}
    schema["$defs"]["DocumentDeposited"]["properties"]["size"] = {"type": "string"}
    path.write_text(json.dumps(schema), encoding="utf-8")
    (release / "locker.DocumentShredded.v1.json").write_text(
        json.dumps(event({}, [], event_type="locker.DocumentShredded")), encoding="utf-8"
    )

    assert main(["--releases", str(releases)]) == 1

    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "locker.DocumentDeposited v1: payload.size: retyped from string to integer",
        "locker.DocumentDeposited v1: payload.labels: field removed",
        "locker.DocumentShredded v1: event version removed (and no upcaster from v1)",
    ]
    assert "3 incompatible change(s)" in out.err


def test_main_passes_on_an_unchanged_copy(
    releases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--releases", str(releases)]) == 0
    assert capsys.readouterr().out.startswith("compatible with release ")


def test_main_fails_without_any_release(tmp_path: Path) -> None:
    assert main(["--releases", str(tmp_path)]) == 1


def test_a_release_file_named_after_another_event_is_refused(releases: Path) -> None:
    (release,) = releases.iterdir()
    (release / "locker.DocumentDeposited.v1.json").rename(release / "locker.Other.v1.json")
    with pytest.raises(ValueError, match="not what its name says"):
        load_schemas(release)


# --- cutting a release ------------------------------------------------------------------


def test_cut_writes_the_current_event_schemas_byte_for_byte(tmp_path: Path) -> None:
    target = cut("0.1.0", tmp_path)

    written = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    expected = {n: t for n, t in rendered_files().items() if n != ASYNCAPI_FILE}
    assert written == expected
    assert len(current_files()) == len(expected)


def test_cut_refuses_an_existing_older_or_malformed_version(tmp_path: Path) -> None:
    cut("0.2.0", tmp_path)
    for version, why in [("0.2.0", "not newer"), ("0.1.9", "not newer"), ("1.0", "X.Y.Z")]:
        with pytest.raises(ValueError, match=why):
            cut(version, tmp_path)
    assert main(["--releases", str(tmp_path), "--cut", "0.1.0"]) == 1
    assert main(["--releases", str(tmp_path), "--cut", "0.3.0"]) == 0
    assert release_versions(tmp_path) == ["0.2.0", "0.3.0"]


def test_cut_refuses_when_incompatible_with_the_last_release(releases: Path) -> None:
    (release,) = releases.iterdir()
    (release / "locker.DocumentShredded.v1.json").write_text(
        json.dumps(event({}, [], event_type="locker.DocumentShredded")), encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"locker\.DocumentShredded v1: event version removed"):
        cut("99.0.0", releases)
    assert not (releases / "99.0.0").exists()


def test_the_committed_release_folder_is_the_default() -> None:
    assert RELEASES_DIR.name == "releases"
    assert RELEASES_DIR.parent.name == "contracts"


def test_a_tagged_union_is_compared_variant_by_variant() -> None:
    def struct(title: str, tag: str) -> Schema:
        return {
            "type": "object",
            "title": title,
            "properties": {"kind": {"enum": [tag]}, "id": {"type": "string"}},
            "required": ["kind", "id"],
        }

    def with_target(variants: list[Schema]) -> Schema:
        schema = thing_v1()
        schema["$defs"].update({"User": struct("User", "user"), "Group": struct("Group", "group")})
        payload_def(schema)["properties"]["target"] = {"anyOf": variants}
        return schema

    user, group = {"$ref": "#/$defs/User"}, {"$ref": "#/$defs/Group"}
    old = with_target([user, group, {"type": "string"}])
    reordered = with_target([{"type": "string"}, group, user])
    retyped = with_target([{"type": "string"}, group, user])
    retyped["$defs"]["Group"]["properties"]["id"] = {"type": "integer"}

    assert compare(old, reordered) == []
    assert compare(old, retyped) == [
        f"{THING} v1: payload.target.id: retyped from string to integer"
    ]
    assert compare(old, with_target([user, {"type": "string"}])) == [
        f"{THING} v1: payload.target: retyped from object User | object Group | string"
        " to object User | string"
    ]
