"""Write the published contract: one JSON Schema per event and one AsyncAPI document.

`python -m ent_contracts.export` rewrites `contracts/schemas/`; `--check` only compares
and exits 1 when the committed files are stale (run by `make test`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from ent_contracts.envelope import DomainEvent, Envelope
from ent_contracts.registry import registered

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
ASYNCAPI_FILE = "asyncapi.json"


def schema_file_name(cls: type[DomainEvent]) -> str:
    return f"{cls.event_type}.v{cls.schema_version}.json"


def event_schema(cls: type[DomainEvent]) -> dict[str, Any]:
    """The envelope as it appears on the wire for this event, payload included."""
    (_, payload), defs = msgspec.json.schema_components(
        [Envelope, cls], ref_template="#/$defs/{name}"
    )
    defs = dict(defs)
    envelope_def = dict(defs.pop("Envelope"))
    properties = dict(envelope_def["properties"])
    properties["type"] = {"const": cls.event_type}
    properties["schema_version"] = {"const": cls.schema_version}
    properties["payload"] = payload
    envelope_def["properties"] = properties
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:ent:event:{cls.event_type}:v{cls.schema_version}",
        "title": f"{cls.event_type} v{cls.schema_version}",
        "description": (cls.__doc__ or "").strip(),
        "x-topic": cls.topic,
        **envelope_def,
        "$defs": defs,
    }


def asyncapi_document(events: list[type[DomainEvent]]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for cls in events:
        name = message_name(cls)
        messages[name] = {
            "name": cls.event_type,
            "title": f"{cls.event_type} v{cls.schema_version}",
            "summary": (cls.__doc__ or "").strip(),
            "contentType": "application/json",
            # Relative to this document, which sits beside the event schemas. No
            # schemaFormat: the default (AsyncAPI Schema, a draft-07 superset) is what the
            # AsyncAPI parser validates; the event schemas keep to keywords that mean the
            # same in draft-07 and 2020-12 (tests/unit/test_contract_asyncapi.py).
            "payload": {"$ref": f"./{schema_file_name(cls)}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "aggregate_id"}}},
        }
        channel_id = cls.topic.replace(".", "_")
        channel = channels.setdefault(
            channel_id, {"address": cls.topic, "messages": {}, "bindings": {"kafka": {}}}
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for channel_id, channel in channels.items():
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [
                {"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in channel["messages"]
            ],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "ENT domain events",
            "version": "1.0.0",
            "description": "Every event travels in one envelope; Kafka key = aggregate_id.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def message_name(cls: type[DomainEvent]) -> str:
    return f"{cls.event_type.replace('.', '_')}_v{cls.schema_version}"


def rendered_files() -> dict[str, str]:
    events = registered()
    files = {schema_file_name(cls): _dump(event_schema(cls)) for cls in events}
    files[ASYNCAPI_FILE] = _dump(asyncapi_document(events))
    return files


def stale_files(directory: Path = SCHEMA_DIR) -> list[str]:
    expected = rendered_files()
    present = {p.name for p in directory.glob("*.json")} if directory.exists() else set()
    stale = [n for n, text in expected.items() if _read(directory / n) != text]
    return sorted(stale + sorted(present - expected.keys()))


def write(directory: Path = SCHEMA_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    expected = rendered_files()
    for old in directory.glob("*.json"):
        if old.name not in expected:
            old.unlink()
    for name, text in expected.items():
        (directory / name).write_text(text, encoding="utf-8")


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the export is stale")
    args = parser.parse_args()
    if args.check:
        stale = stale_files()
        if stale:
            print("stale contract export (run `make contracts`):", ", ".join(stale))
            return 1
        return 0
    write()
    print(f"wrote {len(rendered_files())} files to {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
