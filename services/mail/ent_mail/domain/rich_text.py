"""A message body as the composer writes it: HTML limited to what its toolbar can produce.

Whatever arrives is cleaned against an allow-list (ammonia, through nh3, parses it the way a
browser would), so a body is safe to show as-is; its plain-text version feeds search and the
notification e-mails.
"""

from __future__ import annotations

from html.parser import HTMLParser

import nh3

# The toolbar: bold, italic, underline, strikethrough, sub/superscript, lists, indent (as a
# blockquote), links and line breaks. No style attribute at all: margins and colours are
# where CSS injection lives, and the indent button does not need them.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "div", "span",
        "b", "strong", "i", "em", "u", "s", "strike", "sub", "sup",
        "ul", "ol", "li", "blockquote",
        "a",
    }
)  # fmt: skip
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    # Other removed tags leave their text behind, escaped; a script's text is not prose.
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}},
    url_schemes=ALLOWED_URL_SCHEMES,
    # A relative link would resolve against the ENT's own origin, inside the reader's
    # session: only absolute http(s) and mailto links are kept.
    url_relative="deny",
    # Links lead out of the ENT: no window.opener, no referrer, no endorsement.
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize(html: str) -> str:
    """The body reduced to the toolbar's tags, with only absolute http(s)/mailto links."""
    return _CLEANER.clean(html)


def plain_text(html: str) -> str:
    """A readable text version: one line per block or <br>, "- " before list items."""
    writer = _PlainTextWriter()
    # Sanitized first so that nothing a browser would not show (script text) gets indexed.
    writer.feed(sanitize(html))
    writer.close()
    return writer.text()


# Tags that start a new line when they open and when they close.
_BLOCK_TAGS = frozenset({"p", "div", "blockquote", "ul", "ol", "li"})
_LIST_TAGS = frozenset({"ul", "ol"})


class _PlainTextWriter(HTMLParser):
    """Collects lines of text; entities arrive decoded (convert_charrefs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._pending: list[str] = []
        self._prefix = ""
        self._list_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._end_line(keep_empty=True)
        elif tag in _BLOCK_TAGS:
            self._end_line()
            if tag in _LIST_TAGS:
                self._list_depth += 1
            elif tag == "li":
                self._prefix = "  " * max(self._list_depth - 1, 0) + "- "

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._end_line()
            if tag in _LIST_TAGS:
                self._list_depth = max(self._list_depth - 1, 0)
            elif tag == "li":
                self._prefix = ""  # an empty item must not lend its dash to the next line

    def handle_data(self, data: str) -> None:
        self._pending.append(data)

    def text(self) -> str:
        self._end_line()
        return "\n".join(_squeeze_blank_lines(self._lines))

    def _end_line(self, *, keep_empty: bool = False) -> None:
        # HTML whitespace is not significant inside a line: runs (newlines and
        # non-breaking spaces included) read as one space.
        words = " ".join("".join(self._pending).split())
        self._pending.clear()
        if words:
            self._lines.append(self._prefix + words)
            self._prefix = ""
        elif keep_empty:
            self._lines.append("")


def _squeeze_blank_lines(lines: list[str]) -> list[str]:
    """At most one blank line in a row, none at either end."""
    squeezed: list[str] = []
    for line in lines:
        if line or (squeezed and squeezed[-1]):
            squeezed.append(line)
    while squeezed and not squeezed[-1]:
        squeezed.pop()
    return squeezed
