"""A message body keeps what the composer's toolbar makes and loses everything that could run
in a reader's browser; its plain-text version reads well in a search index or an e-mail."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from ent_mail.domain.rich_text import plain_text, sanitize

# Mostly from the OWASP XSS filter-evasion cheat sheet, plus parser-confusion classics.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\n>alert(1)</script\n>",
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<script/xss src=https://evil.example/x.js></script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    "<a href=javascript:alert(1)>unquoted</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<a href="https://ok.example" onmouseover=alert(1)>x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<p style="width: expression(alert(1))">x</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<input onfocus=alert(1) autofocus value="x">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<img """><script>alert(1)</script>">',
    "<b onmouseover=alert(1)>unclosed bold",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<textarea><script>alert(1)</script></textarea>",
    "<a href='https://ok.example' style='position:fixed;top:0'>overlay</a>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    '<a href="java\nscript:alert(1)">x</a>',
]

TOOLBAR_TAGS = {
    *("p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "sub", "sup"),
    *("ul", "ol", "li", "blockquote", "a"),
}
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")


class Tags(HTMLParser):
    """Every start tag of a fragment with its attributes, values unescaped as a browser would."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name.lower(): value or "" for name, value in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def scheme_part(url: str) -> str:
    """The URL as a browser matches its scheme: control characters and spaces ignored."""
    return "".join(ch for ch in url if ch > " ").lower()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_lose_everything_executable(payload: str) -> None:
    cleaned = sanitize(payload)

    assert "<script" not in cleaned.lower()
    for tag, attributes in Tags(cleaned).found:
        assert tag in TOOLBAR_TAGS, cleaned
        assert not [name for name in attributes if name.startswith("on")], cleaned
        assert "style" not in attributes, cleaned
        href = scheme_part(attributes.get("href", ""))
        assert not href.startswith(DANGEROUS_SCHEMES), cleaned
        assert set(attributes) <= ({"href", "rel"} if tag == "a" else set()), cleaned


def test_a_sanitized_body_is_stable() -> None:
    """Sanitizing again changes nothing: what is stored is what is shown."""
    for payload in XSS_PAYLOADS:
        once = sanitize(payload)
        assert sanitize(once) == once


def test_script_and_style_contents_are_dropped_with_their_tags() -> None:
    cleaned = sanitize("<p>avant</p><script>steal(document.cookie)</script><style>p{}</style>")
    assert cleaned == "<p>avant</p>"


def test_other_removed_tags_leave_their_text_escaped() -> None:
    assert sanitize("<iframe>repli</iframe><u>x</u>") == "repli<u>x</u>"
    assert sanitize("<scr<script>ipt>alert(1)</script>") == "ipt&gt;alert(1)"


def test_svg_and_mathml_are_dropped_with_their_contents() -> None:
    """Foreign content is where mutation XSS hides: none of it, not even its text, is kept."""
    assert sanitize("<p>a</p><svg><text>dessin</text></svg><math><mi>x</mi></math>") == "<p>a</p>"


def test_toolbar_formatting_survives() -> None:
    body = (
        "<p><b>gras</b> <strong>fort</strong> <i>italique</i> <em>accent</em> <u>souligné</u> "
        "<s>barré</s> <strike>rayé</strike> H<sub>2</sub>O x<sup>2</sup></p>"
        "<ul><li>un</li><li>deux</li></ul><ol><li>premier</li></ol>"
        "<blockquote><div>retrait<br>suite</div></blockquote><span>portée</span>"
    )
    assert sanitize(body) == body


def test_links_keep_http_https_and_mailto_with_forced_rel() -> None:
    rel = 'rel="noopener noreferrer nofollow"'
    for url in ("http://ecole.example/", "https://ecole.example/menu?j=1", "mailto:vie@ecole.fr"):
        assert sanitize(f'<a href="{url}">lien</a>') == f'<a href="{url}" {rel}>lien</a>'


def test_author_supplied_rel_and_target_are_replaced() -> None:
    cleaned = sanitize('<a href="https://e.example" rel="opener" target="_self">x</a>')
    assert Tags(cleaned).found == [
        ("a", {"href": "https://e.example", "rel": "noopener noreferrer nofollow"})
    ]


@pytest.mark.parametrize(
    "href", ["/messagerie/supprimer-tout", "../admin", "#haut", "ftp://files.example/x"]
)
def test_relative_links_and_other_schemes_lose_their_href(href: str) -> None:
    assert Tags(sanitize(f'<a href="{href}">x</a>')).found == [
        ("a", {"rel": "noopener noreferrer nofollow"})
    ]


def test_plain_text_of_paragraphs_and_line_breaks() -> None:
    html = "<p>Bonjour,</p><p>La réunion   est\n mardi.<br>Merci</p><div>Mme Martin</div>"
    assert plain_text(html) == "Bonjour,\nLa réunion est mardi.\nMerci\nMme Martin"


def test_plain_text_of_lists_nested_or_not() -> None:
    html = "<ul><li>cahier</li><li>trousse<ul><li>stylo</li></ul></li></ul><ol><li>un</li></ol>"
    assert plain_text(html) == "- cahier\n- trousse\n  - stylo\n- un"


def test_plain_text_decodes_entities() -> None:
    html = "<p>&Eacute;l&egrave;ves&nbsp;de 5<sup>e</sup> &amp; 4<sup>e</sup> : &lt;rappel&gt;</p>"
    assert plain_text(html) == "Élèves de 5e & 4e : <rappel>"


def test_plain_text_keeps_one_blank_line_for_repeated_breaks() -> None:
    assert plain_text("a<br><br><br><br>b<br>") == "a\n\nb"


def test_plain_text_keeps_inline_spacing_and_joins_inline_tags() -> None:
    assert plain_text("un <b>mot</b> en <i>gras</i>, H<sub>2</sub>O") == "un mot en gras, H2O"


def test_plain_text_of_an_empty_list_item_adds_no_stray_dash() -> None:
    assert plain_text("<ul><li></li></ul><p>suite</p>") == "suite"


def test_plain_text_has_no_script_text_nor_tags() -> None:
    text = plain_text("<p>ok</p><script>alert('x')</script><img src=x onerror=alert(1)>")
    assert text == "ok"


def test_plain_text_of_a_link_is_its_label() -> None:
    assert plain_text('<p>Voir <a href="https://ecole.example">le menu</a>.</p>') == (
        "Voir le menu."
    )
