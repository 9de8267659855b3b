"""Is the current contract compatible with the last release committed in the repo?

A release is a folder `contracts/releases/<version>/` (version `X.Y.Z`, the highest one is
"the last release") holding `<event_type>.v<schema_version>.json`: the event schemas as
`ent_contracts.export` writes them, plus every older version still readable through an
upcaster, carried over from the release before. Release folders are never edited.

`python -m ent_contracts.compat` compares every (event type, schema version) of the last
release with the current code and prints one line per problem (exit 1):
- a field removed, retyped (type, nullability, enum values, item type…) or with other
  constraints (pattern, minimum…), an optional field made required, a required field added;
- an event version gone, unless an upcaster lifts it to a registered version.
A new optional field (with a default), a new event type or a new schema version pass.

`python -m ent_contracts.compat --cut VERSION` writes a new release folder (after the check).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ent_contracts.export import ASYNCAPI_FILE, rendered_files
from ent_contracts.registry import upcast_version

RELEASES_DIR = Path(__file__).resolve().parent.parent / "releases"

EventKey = tuple[str, int]
Schema = dict[str, Any]

_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
# Words for people: they change nothing on the wire.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$comment", "deprecated", "$schema", "$id"}
)
_TYPE_KEYWORDS = ("type", "enum", "const")
# Keywords holding one sub-schema each, compared recursively under `path + suffix`.
_CHILDREN = {"items": "[]", "additionalProperties": "{}", "propertyNames": "{key}"}
_UNIONS = ("anyOf", "oneOf")


# --- releases ---------------------------------------------------------------------------


def release_versions(directory: Path = RELEASES_DIR) -> list[str]:
    """Every release folder, oldest first."""
    if not directory.is_dir():
        return []
    names = [p.name for p in directory.iterdir() if p.is_dir() and _VERSION.match(p.name)]
    return sorted(names, key=_version_key)


def last_release(directory: Path = RELEASES_DIR) -> Path | None:
    versions = release_versions(directory)
    return directory / versions[-1] if versions else None


def load_schemas(release: Path) -> dict[EventKey, Schema]:
    """The event schemas of a release folder, by (event type, schema version)."""
    schemas: dict[EventKey, Schema] = {}
    for path in sorted(release.glob("*.json")):
        if path.name == ASYNCAPI_FILE:
            continue
        schema: Schema = json.loads(path.read_text(encoding="utf-8"))
        key = event_key(schema)
        if f"{key[0]}.v{key[1]}.json" != path.name:
            raise ValueError(f"{path}: holds {key[0]} v{key[1]}, not what its name says")
        schemas[key] = schema
    return schemas


def event_key(schema: Schema) -> EventKey:
    properties = schema["properties"]
    return properties["type"]["const"], properties["schema_version"]["const"]


def current_files() -> dict[EventKey, str]:
    """The current export's event schema files (text as written), by event key."""
    files = rendered_files()
    return {
        event_key(json.loads(text)): text for name, text in files.items() if name != ASYNCAPI_FILE
    }


def current_schemas() -> dict[EventKey, Schema]:
    return {key: json.loads(text) for key, text in current_files().items()}


# --- comparison -------------------------------------------------------------------------


def problems(
    release: Mapping[EventKey, Schema],
    current: Mapping[EventKey, Schema],
    upcasts_to: Callable[[str, int], int] = upcast_version,
) -> list[str]:
    """One line per incompatibility of `current` against `release`, naming event and field.

    `upcasts_to(type, version)` is the version the upcasters lift a payload to: a release
    version missing from `current` passes when that lands on a version of `current`.
    """
    found: list[str] = []
    for event_type, version in sorted(release):
        name = f"{event_type} v{version}"
        new = current.get((event_type, version))
        if new is not None:
            found += [f"{name}: {p}" for p in schema_problems(release[(event_type, version)], new)]
            continue
        target = upcasts_to(event_type, version)
        if target == version:
            found.append(f"{name}: event version removed (and no upcaster from v{version})")
        elif (event_type, target) not in current:
            found.append(f"{name}: upcasters lead to v{target}, which is not registered")
    return found


def schema_problems(old: Schema, new: Schema) -> list[str]:
    """`field: what changed` for each incompatible change from `old` to `new` (two schemas of
    the same event version, envelope included: payload fields are `payload.<field>`)."""
    diff = _Diff(old, new)
    diff.compare(old, new, "")
    return diff.problems


class _Diff:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self.problems: list[str] = []
        self._seen: set[tuple[str, str]] = set()

    def report(self, path: str, what: str) -> None:
        self.problems.append(f"{path or '(root)'}: {what}")

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        refs = (old.get("$ref"), new.get("$ref"))
        if isinstance(refs[0], str) and isinstance(refs[1], str):
            if (refs[0], refs[1]) in self._seen:  # compared already (or a recursive type)
                return
            self._seen.add((refs[0], refs[1]))
        old = _resolve(self.old_root, old)
        new = _resolve(self.new_root, new)
        if _is_struct(old) or _is_struct(new):
            if _is_struct(old) and _is_struct(new):
                self.compare_struct(old, new, path)
            else:
                self.retyped(old, new, path)
        elif any(k in old or k in new for k in _UNIONS):
            self.compare_union(old, new, path)
        else:
            self.compare_leaf(old, new, path)

    def compare_struct(self, old: Schema, new: Schema, path: str) -> None:
        old_fields: dict[str, Schema] = old["properties"]
        new_fields: dict[str, Schema] = new["properties"]
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        for name, field in old_fields.items():
            where = _join(path, name)
            if name not in new_fields:
                self.report(where, "field removed")
                continue
            if name in new_required and name not in old_required:
                self.report(where, "optional field made required")
            self.compare(field, new_fields[name], where)
        for name in sorted(new_fields.keys() - old_fields.keys()):
            if name in new_required:
                self.report(_join(path, name), "required field added (older events lack it)")

    def compare_union(self, old: Schema, new: Schema, path: str) -> None:
        old_variants = _by_kind([_resolve(self.old_root, v) for v in _variants(old)])
        new_variants = _by_kind([_resolve(self.new_root, v) for v in _variants(new)])
        if old_variants.keys() != new_variants.keys():
            self.retyped(old, new, path)
            return
        for kind, variant in old_variants.items():
            self.compare(variant, new_variants[kind], path)

    def compare_leaf(self, old: Schema, new: Schema, path: str) -> None:
        if _type_of(old) != _type_of(new):
            self.retyped(old, new, path)
            return
        old_rest = _constraints(old)
        new_rest = _constraints(new)
        changed = sorted(
            k for k in old_rest.keys() | new_rest.keys() if old_rest.get(k) != new_rest.get(k)
        )
        if changed:
            details = ", ".join(
                f"{k} {_show(old_rest.get(k))} → {_show(new_rest.get(k))}" for k in changed
            )
            self.report(path, f"constraints changed ({details})")
        for keyword, suffix in _CHILDREN.items():
            old_child, new_child = old.get(keyword), new.get(keyword)
            if isinstance(old_child, dict) and isinstance(new_child, dict):
                self.compare(old_child, new_child, path + suffix)
            elif old_child != new_child:
                self.retyped(old, new, path)
                return
        old_items, new_items = old.get("prefixItems"), new.get("prefixItems")
        if isinstance(old_items, list) and isinstance(new_items, list):
            if len(old_items) != len(new_items):
                self.retyped(old, new, path)
                return
            for i, (o, n) in enumerate(zip(old_items, new_items, strict=True)):
                self.compare(o, n, f"{path}[{i}]")
        elif old_items != new_items:
            self.retyped(old, new, path)

    def retyped(self, old: Schema, new: Schema, path: str) -> None:
        was = _describe(self.old_root, old)
        now = _describe(self.new_root, new)
        self.report(path, f"retyped from {was} to {now}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _resolve(root: Schema, node: Schema) -> Schema:
    """`node` with its local `$ref` followed (siblings of `$ref` kept, e.g. a default)."""
    seen: set[str] = set()
    while isinstance(ref := node.get("$ref"), str):
        if ref in seen or not ref.startswith("#/"):
            raise ValueError(f"cannot follow $ref {ref!r}")
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _is_struct(node: Schema) -> bool:
    return node.get("type") == "object" and isinstance(node.get("properties"), dict)


def _variants(node: Schema) -> list[Schema]:
    for keyword in _UNIONS:
        if isinstance(node.get(keyword), list):
            variants: list[Schema] = node[keyword]
            return variants
    return [node]


def _by_kind(variants: list[Schema]) -> dict[str, Schema]:
    """A union's variants by what they are: `"string"`, `"null"`, `enum`, `"object"`…
    Several of one kind (a tagged union of Structs) are told apart by their title."""
    kinds = [_kind(v) for v in variants]
    keys = [
        f"{kind}:{variant.get('title', i)}" if kinds.count(kind) > 1 else kind
        for i, (kind, variant) in enumerate(zip(kinds, variants, strict=True))
    ]
    return dict(zip(keys, variants, strict=True))


def _kind(node: Schema) -> str:
    if "type" in node:
        return json.dumps(node["type"])
    return next((k for k in ("enum", "const") if k in node), "any")


def _type_of(node: Schema) -> tuple[str, ...]:
    """What decides the type of a leaf: `type`, `const`, and `enum` as a set."""
    enum = node.get("enum")
    values = sorted(json.dumps(v, sort_keys=True) for v in enum) if isinstance(enum, list) else enum
    return tuple(
        json.dumps(x, sort_keys=True) for x in (node.get("type"), node.get("const"), values)
    )


def _constraints(node: Schema) -> dict[str, Any]:
    skip = _ANNOTATIONS | set(_TYPE_KEYWORDS) | set(_CHILDREN) | {"prefixItems", "$ref"}
    return {k: v for k, v in node.items() if k not in skip}


def _describe(root: Schema, node: Schema, depth: int = 0) -> str:
    node = _resolve(root, node)
    if depth > 3:
        return "…"
    if any(k in node for k in _UNIONS):
        return " | ".join(_describe(root, v, depth + 1) for v in _variants(node))
    if _is_struct(node):
        return f"object {node.get('title', '')}".rstrip()
    if "enum" in node:
        return "one of " + "|".join(json.dumps(v, ensure_ascii=False) for v in node["enum"])
    if "const" in node:
        return json.dumps(node["const"], ensure_ascii=False)
    kind = node.get("type", "any")
    if kind == "array" and isinstance(node.get("items"), dict):
        return f"array of {_describe(root, node['items'], depth + 1)}"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return f"map of {_describe(root, node['additionalProperties'], depth + 1)}"
    if isinstance(kind, list):
        kind = "|".join(kind)
    return f"{kind} ({node['format']})" if "format" in node else str(kind)


def _show(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


# --- cutting a release ------------------------------------------------------------------


def cut(version: str, directory: Path = RELEASES_DIR) -> Path:
    """Write `directory/version/`: the current event schemas, plus the previous release's
    versions that only upcasters still read (their schema is kept for good)."""
    if not _VERSION.match(version):
        raise ValueError(f"release version {version!r} is not X.Y.Z")
    previous = last_release(directory)
    if previous is not None and _version_key(version) <= _version_key(previous.name):
        raise ValueError(f"release {version} is not newer than {previous.name}")
    current = current_files()
    files = {f"{t}.v{v}.json": text for (t, v), text in current.items()}
    if previous is not None:
        found = problems(load_schemas(previous), current_schemas())
        if found:
            raise ValueError("incompatible with the last release:\n" + "\n".join(found))
        for path in sorted(previous.glob("*.json")):
            files.setdefault(path.name, path.read_text(encoding="utf-8"))
    target = directory / version
    target.mkdir(parents=True)
    for name, text in sorted(files.items()):
        (target / name).write_text(text, encoding="utf-8")
    return target


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# --- command line -----------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cut", metavar="VERSION", help="write releases/VERSION/ (X.Y.Z)")
    parser.add_argument("--releases", type=Path, default=RELEASES_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(None if argv is None else list(argv))
    if args.cut:
        try:
            target = cut(args.cut, args.releases)
        except (ValueError, FileExistsError) as e:
            print(f"cannot cut release {args.cut}: {e}", file=sys.stderr)
            return 1
        print(f"wrote {len(list(target.glob('*.json')))} event schemas to {target}")
        return 0
    release = last_release(args.releases)
    if release is None:
        print(f"no release folder in {args.releases} (cut one with --cut VERSION)")
        return 1
    old = load_schemas(release)
    found = problems(old, current_schemas())
    for line in found:
        print(line)
    if found:
        print(
            f"{len(found)} incompatible change(s) against release {release.name}: add a new "
            "schema_version with an upcaster instead (README, 'Adding an event')",
            file=sys.stderr,
        )
        return 1
    print(f"compatible with release {release.name} ({len(old)} event versions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
