"""Ed25519 keys as the settings carry them: PEM text (PKCS#8 private, SubjectPublicKeyInfo
public), parsed once at start into the key objects PyJWT signs and verifies with.

Two kinds of pair: the gateway's user-token pair (only the gateway holds the private half,
every service the public one), and one pair per service for its calls to other services
(each callee holds the public halves of the services allowed to call it)."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"


class BadKey(ValueError):
    """A key setting that does not hold what it should; the message says what is wrong."""


def new_private_key() -> str:
    """A fresh Ed25519 private key, as PEM."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def public_key_of(private_pem: str) -> str:
    """The public half of a private key, as PEM (what the verifiers are given)."""
    return (
        private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def private_key(pem: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise BadKey("not a PEM private key (unencrypted PKCS#8 expected)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise BadKey("not an Ed25519 key")
    return key


def public_key(pem: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise BadKey("not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise BadKey("not an Ed25519 key")
    return key


def public_keys(json_map: str) -> dict[str, Ed25519PublicKey]:
    """`{"gateway": "-----BEGIN PUBLIC KEY-----…", …}`: the callers a service accepts, by
    service name. Empty text: no caller."""
    if not json_map.strip():
        return {}
    try:
        pems = json.loads(json_map)
    except ValueError as exc:
        raise BadKey("not a JSON object of service name to PEM public key") from exc
    if not isinstance(pems, dict) or not all(isinstance(v, str) for v in pems.values()):
        raise BadKey("not a JSON object of service name to PEM public key")
    keys = {}
    for name, pem in pems.items():
        try:
            keys[name] = public_key(pem)
        except BadKey as exc:
            raise BadKey(f"{name}: {exc}") from None
    return keys


def same_pair(private_pem: str, public_pem: str) -> bool:
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    mine = private_key(private_pem).public_key().public_bytes(*raw)
    return mine == public_key(public_pem).public_bytes(*raw)
