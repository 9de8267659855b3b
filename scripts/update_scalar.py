"""Replace the Scalar script the API docs pages serve (kit/ent_kit/static/scalar/) by the
`dist/browser/standalone.js` of an `@scalar/api-reference` release from the npm registry.

    uv run python scripts/update_scalar.py 1.76.0            # the pinned one: re-fetch, check
    uv run python scripts/update_scalar.py 1.77.0 --integrity sha384-...   # another release

The tarball must match the registry's own sha512 for it, and the script the expected sha384:
the `--integrity` given (e.g. read from the release on jsDelivr), or SCALAR_JS_INTEGRITY when
the version is the pinned one. Without either, the new hash is printed, to be checked by
other means. Then the file is written and SCALAR_VERSION and SCALAR_JS_INTEGRITY in
kit/ent_kit/api_docs.py are set; nothing is written when a hash does not match."""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import re
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import httpx

PACKAGE = "@scalar/api-reference"
MEMBER = "package/dist/browser/standalone.js"
REGISTRY = "https://registry.npmjs.org"
ROOT = Path(__file__).resolve().parent.parent
API_DOCS = ROOT / "kit" / "ent_kit" / "api_docs.py"
TARGET = ROOT / "kit" / "ent_kit" / "static" / "scalar" / "standalone.js"


class Mismatch(Exception):
    """A downloaded file is not the one expected: nothing is written."""


def sri(algorithm: str, data: bytes) -> str:
    """A Subresource Integrity value, as npm's `dist.integrity` and the <script> tag use."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def check(what: str, data: bytes, expected: str) -> None:
    algorithm = expected.split("-", 1)[0]
    if algorithm not in {"sha256", "sha384", "sha512"}:
        raise Mismatch(f"{what}: unknown integrity algorithm in {expected!r}")
    actual = sri(algorithm, data)
    if actual != expected:
        raise Mismatch(f"{what}: {actual} where {expected} was expected")


def script_of(tarball: bytes) -> bytes:
    """The standalone script inside a package tarball."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise Mismatch(f"{MEMBER} is not a file in the tarball")
        return member.read()


def pinned() -> tuple[str, str]:
    """SCALAR_VERSION and SCALAR_JS_INTEGRITY, as api_docs.py says them now."""
    source = API_DOCS.read_text()
    version = re.search(r'^SCALAR_VERSION = "([^"]+)"$', source, re.M)
    integrity = re.search(r'^SCALAR_JS_INTEGRITY = "([^"]+)"$', source, re.M)
    if version is None or integrity is None:
        raise SystemExit(f"SCALAR_VERSION or SCALAR_JS_INTEGRITY not found in {API_DOCS}")
    return version.group(1), integrity.group(1)


def pin(source: str, version: str, integrity: str) -> str:
    """api_docs.py's source with the new version and integrity."""
    source, versions = re.subn(
        r'^SCALAR_VERSION = "[^"]+"$', f'SCALAR_VERSION = "{version}"', source, flags=re.M
    )
    source, integrities = re.subn(
        r'^SCALAR_JS_INTEGRITY = "[^"]+"$',
        f'SCALAR_JS_INTEGRITY = "{integrity}"',
        source,
        flags=re.M,
    )
    if (versions, integrities) != (1, 1):
        raise SystemExit(f"expected one SCALAR_VERSION and one SCALAR_JS_INTEGRITY in {API_DOCS}")
    return source


def download(version: str) -> bytes:
    """The release's tarball, checked against the registry's integrity for it."""
    with httpx.Client(timeout=60, follow_redirects=True) as client:
        answer = client.get(f"{REGISTRY}/{quote(PACKAGE, safe='@')}/{quote(version)}")
        answer.raise_for_status()
        dist = answer.json()["dist"]
        tarball = client.get(dist["tarball"])
        tarball.raise_for_status()
    check("tarball", tarball.content, dist["integrity"])
    return tarball.content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replace the shipped Scalar script.")
    parser.add_argument("version", help="the @scalar/api-reference release, e.g. 1.76.0")
    parser.add_argument("--integrity", help="the expected sha384-… of standalone.js")
    args = parser.parse_args(argv)
    pinned_version, pinned_integrity = pinned()
    expected: str | None = args.integrity
    if expected is None and args.version == pinned_version:
        expected = pinned_integrity
    try:
        script = script_of(download(args.version))
        if expected is not None:
            check("standalone.js", script, expected)
    except Mismatch as mismatch:
        print(f"refused: {mismatch}", file=sys.stderr)
        return 1
    integrity = sri("sha384", script)
    if expected is None:
        print(f"no expected hash given: check {integrity} by other means", file=sys.stderr)
    staged = TARGET.with_suffix(".js.part")
    staged.write_bytes(script)
    staged.replace(TARGET)
    API_DOCS.write_text(pin(API_DOCS.read_text(), args.version, integrity))
    print(f"{PACKAGE}@{args.version} {integrity} ({len(script)} bytes) -> {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
