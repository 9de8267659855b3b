"""Contracts: the envelope on the wire, the payload registry, the committed schema export."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

import msgspec
import pytest
from ent_contracts import (
    SYSTEM,
    Actor,
    DomainEvent,
    Envelope,
    TraceContext,
    UnknownEvent,
    decode_payload,
    payload_dict,
    registered,
    topics,
)
from ent_contracts.directory import UserRegistered
from ent_contracts.export import (
    ASYNCAPI_FILE,
    SCHEMA_DIR,
    event_schema,
    rendered_files,
    schema_file_name,
    stale_files,
    write,
)
from ent_contracts.locker import DocumentDeposited
from ent_contracts.registry import register

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def deposited() -> DocumentDeposited:
    return DocumentDeposited(
        document_id="d1",
        sender_id="t1",
        recipient_ids=["s1", "s2"],
        file_name="Devoir \u2013 été.pdf",
        media_type="application/pdf",
        size=1234,
        sha256="a" * 64,
        blob_key="blobs/d1",
        deposited_at=datetime(2025, 9, 1, 8, 30, 15, 123456, tzinfo=UTC),
    )


def full_envelope() -> Envelope:
    event = deposited()
    return Envelope(
        event_id="01991b2c-7f3e-7a4b-8c2d-1e2f3a4b5c6d",
        type=event.event_type,
        schema_version=event.schema_version,
        aggregate_id="d1",
        aggregate_version=3,
        occurred_at=datetime(2025, 9, 1, 8, 30, 15, 654321, tzinfo=UTC),
        actor=Actor(kind="user", id="t1"),
        trace=TraceContext(traceparent=TRACEPARENT, tracestate="ent=1"),
        payload=payload_dict(event),
    )


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, copy)
    return copy


# --- envelope ---------------------------------------------------------------------------


def test_envelope_json_round_trip_is_exact() -> None:
    original = full_envelope()

    wire = msgspec.json.encode(original)
    decoded = msgspec.json.decode(wire, type=Envelope)

    assert decoded == original
    assert msgspec.json.encode(decoded) == wire
    assert decoded.occurred_at.tzinfo is not None
    assert decoded.occurred_at.utcoffset() == timedelta(0)
    assert decoded.occurred_at.microsecond == 654321
    assert decode_payload(decoded) == deposited()


def test_envelope_round_trip_keeps_a_non_utc_offset_and_instant() -> None:
    paris = timezone(timedelta(hours=2))
    original = msgspec.structs.replace(
        full_envelope(), occurred_at=datetime(2025, 9, 1, 10, 30, tzinfo=paris)
    )
    decoded = msgspec.json.decode(msgspec.json.encode(original), type=Envelope)
    assert decoded == original
    assert decoded.occurred_at.utcoffset() == timedelta(hours=2)


def test_envelope_without_trace_round_trips_with_empty_trace() -> None:
    original = msgspec.structs.replace(full_envelope(), trace=TraceContext(), actor=SYSTEM)
    wire = msgspec.json.encode(original)
    assert json.loads(wire)["trace"] == {}
    assert msgspec.json.decode(wire, type=Envelope) == original


def test_envelope_rejects_version_zero_and_missing_fields() -> None:
    wire = json.loads(msgspec.json.encode(full_envelope()))
    with pytest.raises(msgspec.ValidationError, match="aggregate_version"):
        msgspec.json.decode(json.dumps({**wire, "aggregate_version": 0}), type=Envelope)
    del wire["event_id"]
    with pytest.raises(msgspec.ValidationError, match="event_id"):
        msgspec.json.decode(json.dumps(wire), type=Envelope)


def test_envelope_ignores_unknown_fields_from_newer_producers() -> None:
    wire = json.loads(msgspec.json.encode(full_envelope()))
    decoded = msgspec.json.decode(json.dumps({**wire, "added_later": 1}), type=Envelope)
    assert decoded == full_envelope()


# --- registry ---------------------------------------------------------------------------


def test_registered_lists_every_domain_event_sorted_by_topic() -> None:
    events = registered()
    assert UserRegistered in events
    assert DocumentDeposited in events
    keys = [(c.topic, c.event_type, c.schema_version) for c in events]
    assert keys == sorted(keys)
    assert all(c.topic in topics.ALL for c in events)


def test_decode_payload_gives_the_registered_class() -> None:
    event = decode_payload(full_envelope())
    assert isinstance(event, DocumentDeposited)
    assert event.recipient_ids == ["s1", "s2"]
    assert event.deposited_at == datetime(2025, 9, 1, 8, 30, 15, 123456, tzinfo=UTC)


def test_payload_dict_is_json_builtins_and_decodes_back() -> None:
    event = deposited()
    payload = payload_dict(event)
    assert payload["deposited_at"] == "2025-09-01T08:30:15.123456Z"
    assert json.loads(json.dumps(payload)) == payload
    assert msgspec.convert(payload, DocumentDeposited) == event


@pytest.mark.parametrize(
    ("event_type", "version"),
    [("directory.Nope", 1), ("directory.UserRegistered", 2)],
)
def test_unknown_type_or_version_raises_unknown_event(event_type: str, version: int) -> None:
    envelope = msgspec.structs.replace(full_envelope(), type=event_type, schema_version=version)
    with pytest.raises(UnknownEvent, match=f"{event_type} v{version}"):
        decode_payload(envelope)


def test_payload_violating_the_schema_is_rejected() -> None:
    payload = {**payload_dict(deposited()), "sha256": "not-a-hash"}
    envelope = msgspec.structs.replace(full_envelope(), payload=payload)
    with pytest.raises(msgspec.ValidationError, match="sha256"):
        decode_payload(envelope)


def test_registering_a_second_class_for_the_same_type_fails() -> None:
    before = registered()

    class Impostor(DomainEvent, frozen=True, kw_only=True):
        event_type: ClassVar[str] = UserRegistered.event_type
        topic: ClassVar[str] = topics.DIRECTORY

    with pytest.raises(ValueError, match="registered twice"):
        register(Impostor)
    assert registered() == before
    assert register(UserRegistered) is UserRegistered  # re-registering the same is fine


# --- export -----------------------------------------------------------------------------


def test_committed_export_is_up_to_date() -> None:
    assert stale_files() == []


def test_committed_export_has_one_schema_per_event_and_asyncapi() -> None:
    expected = {schema_file_name(c) for c in registered()} | {ASYNCAPI_FILE}
    assert {p.name for p in SCHEMA_DIR.glob("*.json")} == expected
    assert set(rendered_files()) == expected


def test_unmodified_copy_is_not_stale(schema_copy: Path) -> None:
    assert stale_files(schema_copy) == []


def test_modified_schema_file_is_reported_stale(schema_copy: Path) -> None:
    name = schema_file_name(UserRegistered)
    path = schema_copy / name
    document = json.loads(path.read_text(encoding="utf-8"))
    document["$defs"]["UserRegistered"]["required"].remove("login")
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    assert stale_files(schema_copy) == [name]
    assert stale_files() == []  # the committed export is untouched


def test_whitespace_only_change_is_reported_stale(schema_copy: Path) -> None:
    path = schema_copy / ASYNCAPI_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert stale_files(schema_copy) == [ASYNCAPI_FILE]


def test_missing_and_extra_files_are_reported_stale(schema_copy: Path) -> None:
    missing = schema_file_name(DocumentDeposited)
    (schema_copy / missing).unlink()
    (schema_copy / "locker.Removed.v1.json").write_text("{}", encoding="utf-8")

    assert stale_files(schema_copy) == sorted([missing, "locker.Removed.v1.json"])


def test_missing_directory_reports_every_file(tmp_path: Path) -> None:
    assert stale_files(tmp_path / "nowhere") == sorted(rendered_files())


def test_write_repairs_a_stale_copy(schema_copy: Path) -> None:
    (schema_copy / schema_file_name(UserRegistered)).write_text("{}", encoding="utf-8")
    (schema_copy / "old.v1.json").write_text("{}", encoding="utf-8")

    write(schema_copy)

    assert stale_files(schema_copy) == []
    assert not (schema_copy / "old.v1.json").exists()


def test_event_schema_pins_type_version_and_payload() -> None:
    schema = event_schema(UserRegistered)
    assert schema["properties"]["type"] == {"const": "directory.UserRegistered"}
    assert schema["properties"]["schema_version"] == {"const": 1}
    assert schema["x-topic"] == topics.DIRECTORY
    assert schema["properties"]["payload"] == {"$ref": "#/$defs/UserRegistered"}
    assert "Envelope" not in schema["$defs"]


def test_exported_schema_validates_a_real_envelope() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMA_DIR / schema_file_name(DocumentDeposited)).read_text("utf-8"))
    wire = json.loads(msgspec.json.encode(full_envelope()))

    jsonschema.validate(wire, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**wire, "type": "locker.Other"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**wire, "payload": {**wire["payload"], "size": 0}}, schema)


def test_asyncapi_channels_reference_exported_schema_files() -> None:
    document = json.loads((SCHEMA_DIR / ASYNCAPI_FILE).read_text("utf-8"))
    addresses = {c["address"] for c in document["channels"].values()}
    assert {topics.DIRECTORY, topics.LOCKER} <= addresses
    for message in document["components"]["messages"].values():
        ref = message["payload"]["$ref"]
        # Relative to the AsyncAPI document itself, which sits beside the event schemas.
        assert ref.startswith("./")
        assert (SCHEMA_DIR / ASYNCAPI_FILE).parent.joinpath(ref).resolve().is_file()
