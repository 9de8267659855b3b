"""What media type a user's file is stored and served with: decided here, once.

A declared type is only echoed back in a `Content-Type` header when it is a valid media
type (RFC 9110 §8.3.1: `type/subtype` tokens, optional `; name=value` parameters) and not
one a browser would run with the site's rights (HTML, SVG, XML, JavaScript…): those are
kept as opaque bytes.
"""

from __future__ import annotations

import re

OPAQUE = "application/octet-stream"
MAX_LENGTH = 255

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[\t !#-\[\]-~]|\\[\t -~])*"'
_MEDIA_TYPE = re.compile(
    rf"(?P<type>{_TOKEN})/(?P<subtype>{_TOKEN})"
    rf"(?P<parameters>(?:[ \t]*;[ \t]*(?:{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))?)*)"
)

# Types a browser renders or runs in the page's origin when a file is opened in place.
_ACTIVE = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/xsl",
        "application/xslt+xml",
        "application/x-shockwave-flash",
        "application/wasm",
        "multipart/x-mixed-replace",
        "text/cache-manifest",
        "application/manifest+json",
    }
)
_ACTIVE_SUBTYPE = re.compile(r".*(\+xml|html|javascript|ecmascript|jscript|livescript|vbscript)")


def parse_media_type(value: str) -> str | None:
    """The media type with its type and subtype lower-cased, or None when `value` is not
    one (control characters, line breaks, a bare word, non-ASCII, over MAX_LENGTH)."""
    value = value.strip(" \t")
    match = _MEDIA_TYPE.fullmatch(value) if len(value) <= MAX_LENGTH else None
    if match is None:
        return None
    essence = f"{match['type']}/{match['subtype']}".lower()
    return essence + match["parameters"]


def is_active(media_type: str) -> bool:
    essence = media_type.partition(";")[0].strip().lower()
    subtype = essence.partition("/")[2]
    return essence in _ACTIVE or bool(_ACTIVE_SUBTYPE.fullmatch(subtype))


def stored_media_type(declared: str) -> str:
    """What a user's file is kept and served as: the declared type when it is a valid and
    passive one, otherwise opaque bytes."""
    media_type = parse_media_type(declared)
    if media_type is None or is_active(media_type):
        return OPAQUE
    return media_type
