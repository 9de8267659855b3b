"""The link's page: a small HTML document, usable without JavaScript. Every value shown is
escaped; downloads are plain links, or forms carrying the password when one is needed."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from ent_transfer import texts
from ent_transfer.application.views import LinkView

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}"
    "li{margin:.4rem 0}form{display:inline}"
)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("o", "Ko", "Mo", "Go"):
        if value < 1024 or unit == "Go":
            return f"{value:.0f} {unit}" if unit == "o" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _document(body: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(texts.PAGE_TITLE)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(texts.PAGE_TITLE)}</h1>{body}</body></html>"
    )


def _action(token: str, target: str, needs_password: bool) -> str:
    """A link, or a POST form with the password field when the transfer has one."""
    href = f"{quote(token)}/{target}"
    label = texts.PAGE_DOWNLOAD_ALL if target == "zip" else texts.PAGE_DOWNLOAD
    if not needs_password:
        return f'<a href="{escape(href)}" download>{escape(label)}</a>'
    return (
        f'<form method="post" action="{escape(href)}">'
        f'<input type="password" name="password" required aria-label="{texts.PAGE_PASSWORD}" '
        f'placeholder="{escape(texts.PAGE_PASSWORD)}"> <button>{escape(label)}</button></form>'
    )


def link_page(token: str, link: LinkView) -> str:
    summary = texts.PAGE_FILES.format(count=len(link.files), size=human_size(link.total_bytes))
    expires = texts.PAGE_EXPIRES.format(date=link.expires_at.strftime("%d/%m/%Y %H:%M UTC"))
    parts = [f"<p>{escape(summary)}<br>{escape(expires)}</p>"]
    if link.downloads_left is not None:
        left = texts.PAGE_DOWNLOADS_LEFT.format(left=link.downloads_left)
        parts.append(f"<p>{escape(left)}</p>")
    if link.message:
        parts.append(f"<blockquote>{escape(link.message)}</blockquote>")
    items = "".join(
        f"<li>{escape(f.path)} ({escape(human_size(f.size))}) "
        f"{_action(token, f'files/{quote(f.file_id)}', link.needs_password)}</li>"
        for f in link.files
    )
    parts.append(f"<ul>{items}</ul>")
    parts.append(f"<p>{_action(token, 'zip', link.needs_password)}</p>")
    return _document("".join(parts))


def gone_page() -> str:
    return _document(f"<p>{escape(texts.PAGE_GONE)}</p>")
