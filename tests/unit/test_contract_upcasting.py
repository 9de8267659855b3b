"""Upcasting: an old schema_version's payload is lifted to the current class at read time,
so aggregates and projections see one shape per event type.

There is no real v2 event yet: these tests register a test-only event type (v1, v2, v3)
and its upcasters in a private copy of the registry, thrown away after each test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest
from ent_contracts import SYSTEM, DomainEvent, Envelope, UnknownEvent, decode_payload, registry
from ent_contracts.compat import (
    current_schemas,
    cut,
    event_key,
    load_schemas,
    problems,
)
from ent_contracts.export import event_schema, rendered_files, schema_file_name
from ent_contracts.registry import (
    Payload,
    payload_class,
    register,
    registered,
    upcast,
    upcast_version,
    upcaster,
)

NOTE = "test.NotePosted"


class NoteV1(DomainEvent, frozen=True, kw_only=True):
    """A note was posted (v1: `text`)."""

    event_type: ClassVar[str] = NOTE
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = "ent.test.events"
    note_id: str
    text: str


class NoteV2(DomainEvent, frozen=True, kw_only=True):
    """A note was posted (v2: `text` became `body`, and the note has a language)."""

    event_type: ClassVar[str] = NOTE
    schema_version: ClassVar[int] = 2
    topic: ClassVar[str] = "ent.test.events"
    note_id: str
    body: str
    language: str


class NoteV3(DomainEvent, frozen=True, kw_only=True):
    """A note was posted (v3: tags, required)."""

    event_type: ClassVar[str] = NOTE
    schema_version: ClassVar[int] = 3
    topic: ClassVar[str] = "ent.test.events"
    note_id: str
    body: str
    language: str
    tags: list[str]


def note_v1_to_v2(payload: Payload) -> Payload:
    return {"note_id": payload["note_id"], "body": payload["text"], "language": "fr"}


def note_v2_to_v3(payload: Payload) -> Payload:
    return {**payload, "tags": []}


@pytest.fixture(autouse=True)
def private_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # monkeypatch puts the real dicts back after the test.
    registered()  # the real events first, so the copies hold them
    monkeypatch.setattr(registry, "_EVENTS", dict(registry._EVENTS))
    monkeypatch.setattr(registry, "_UPCASTERS", dict(registry._UPCASTERS))


def envelope(version: int, payload: dict[str, Any]) -> Envelope:
    return Envelope(
        event_id="01991b2c-7f3e-7a4b-8c2d-1e2f3a4b5c6d",
        type=NOTE,
        schema_version=version,
        aggregate_id="n1",
        aggregate_version=1,
        occurred_at=datetime(2025, 9, 1, 8, 30, tzinfo=UTC),
        actor=SYSTEM,
        payload=payload,
    )


def v1_envelope() -> Envelope:
    # As a v1 producer wrote it, through the wire.
    event = NoteV1(note_id="n1", text="Sortie au musée")
    wire = msgspec.json.encode(envelope(1, msgspec.to_builtins(event)))
    return msgspec.json.decode(wire, type=Envelope)


def current_at_v2(*, keep_v1_class: bool = False) -> None:
    if keep_v1_class:
        register(NoteV1)
    register(NoteV2)
    upcaster(NOTE, from_version=1)(note_v1_to_v2)


# --- decode -----------------------------------------------------------------------------


def test_a_v1_envelope_decodes_as_the_v2_class() -> None:
    current_at_v2()

    event = decode_payload(v1_envelope())

    assert event == NoteV2(note_id="n1", body="Sortie au musée", language="fr")


def test_a_v1_envelope_decodes_as_v2_even_while_the_v1_class_is_still_registered() -> None:
    current_at_v2(keep_v1_class=True)

    assert isinstance(decode_payload(v1_envelope()), NoteV2)


def test_a_v2_envelope_decodes_without_running_the_upcaster() -> None:
    calls: list[Payload] = []
    register(NoteV2)

    @upcaster(NOTE, from_version=1)
    def spy(payload: Payload) -> Payload:
        calls.append(payload)
        return note_v1_to_v2(payload)

    payload = {"note_id": "n1", "body": "Bonjour", "language": "en"}
    assert decode_payload(envelope(2, payload)) == NoteV2(**payload)
    assert calls == []


def test_upcasters_chain_from_v1_to_v3() -> None:
    register(NoteV3)
    upcaster(NOTE, from_version=1)(note_v1_to_v2)
    upcaster(NOTE, from_version=2)(note_v2_to_v3)

    from_v1 = decode_payload(v1_envelope())
    from_v2 = decode_payload(envelope(2, {"note_id": "n1", "body": "b", "language": "en"}))

    assert from_v1 == NoteV3(note_id="n1", body="Sortie au musée", language="fr", tags=[])
    assert from_v2 == NoteV3(note_id="n1", body="b", language="en", tags=[])
    assert upcast_version(NOTE, 1) == 3


def test_a_version_newer_than_any_known_stays_unknown() -> None:
    current_at_v2()

    with pytest.raises(UnknownEvent, match=f"{NOTE} v3"):
        decode_payload(envelope(3, {"note_id": "n1", "body": "b", "language": "en", "tags": []}))


def test_an_upcaster_leading_to_an_unregistered_version_is_unknown() -> None:
    register(NoteV1)
    upcaster(NOTE, from_version=1)(note_v1_to_v2)  # but no v2 class: a half-done change

    with pytest.raises(UnknownEvent, match=f"{NOTE} v1"):
        decode_payload(v1_envelope())


def test_an_upcaster_never_changes_the_envelope_it_reads() -> None:
    register(NoteV2)

    @upcaster(NOTE, from_version=1)
    def in_place(payload: Payload) -> Payload:
        payload["body"] = payload.pop("text")
        payload["language"] = "fr"
        return payload

    original = v1_envelope()
    before = dict(original.payload)

    assert isinstance(decode_payload(original), NoteV2)
    assert original.payload == before
    assert upcast(NOTE, 2, before) == (2, before)  # nothing to run: the same dict back


def test_payload_class_answers_the_class_an_old_version_decodes_to() -> None:
    # What the outbox publisher uses to find the topic of an old stored event.
    current_at_v2()

    assert payload_class(NOTE, 1) is NoteV2
    assert payload_class(NOTE, 2) is NoteV2
    with pytest.raises(UnknownEvent):
        payload_class(NOTE, 3)


def test_an_upcaster_registered_twice_fails() -> None:
    upcaster(NOTE, from_version=1)(note_v1_to_v2)
    assert upcaster(NOTE, from_version=1)(note_v1_to_v2) is note_v1_to_v2  # same: fine

    with pytest.raises(ValueError, match="registered twice"):
        upcaster(NOTE, from_version=1)(note_v2_to_v3)
    with pytest.raises(ValueError, match="from_version"):
        upcaster(NOTE, from_version=0)


def test_the_real_events_have_no_upcaster_yet() -> None:
    # When one is added (README, "Adding an event"), it gets its own test here.
    assert {t for t, _ in registry._UPCASTERS} <= {NOTE}
    assert all(
        upcast_version(c.event_type, c.schema_version) == c.schema_version
        for c in registered()
        if c.event_type != NOTE
    )


# --- the compatibility check sees the upcasters -----------------------------------------


def test_retiring_v1_for_v2_with_an_upcaster_is_compatible() -> None:
    release = {(NOTE, 1): event_schema(NoteV1)}
    current_at_v2()

    assert problems(release, current_schemas()) == []


def test_retiring_v1_without_an_upcaster_is_reported() -> None:
    release = {(NOTE, 1): event_schema(NoteV1)}
    register(NoteV2)

    assert problems(release, current_schemas()) == [
        f"{NOTE} v1: event version removed (and no upcaster from v1)"
    ]


def test_a_new_release_keeps_the_retired_version_schema(tmp_path: Path) -> None:
    register(NoteV1)
    cut("1.0.0", tmp_path)
    (tmp_path / "1.0.0" / "note.txt").write_text("not a schema", encoding="utf-8")
    registry._EVENTS.pop((NOTE, 1))
    current_at_v2()

    cut("1.1.0", tmp_path)

    kept = load_schemas(tmp_path / "1.1.0")
    assert (NOTE, 1) in kept
    assert (NOTE, 2) in kept
    assert kept[(NOTE, 1)] == event_schema(NoteV1)
    assert event_key(kept[(NOTE, 2)]) == (NOTE, 2)
    assert schema_file_name(NoteV1) not in rendered_files()  # gone from the export itself
    assert not (tmp_path / "1.1.0" / "note.txt").exists()


def test_the_private_registry_is_gone_after_each_test() -> None:
    assert NOTE not in {c.event_type for c in registry._EVENTS.values()}
