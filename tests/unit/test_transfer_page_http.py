"""The link's HTML page (no JavaScript): listing, escaping, forms for a password, 410 page."""

from __future__ import annotations

import io
import zipfile

import pytest
from directory_fixtures import bearer
from test_transfer_support import TEACHER, Running, new_transfer, transfer, upload_all

__all__ = ["transfer"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

HTML = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
FILES = {"dossier/<script>alert(1)</script>.txt": b"x" * 2048, "notes.txt": b"bonjour"}


async def shared(transfer: Running, **options: object) -> str:
    created = await new_transfer(transfer.client, FILES, **options)
    await upload_all(transfer.client, created["transfer_id"], FILES)
    view = await transfer.client.get(
        f"/transfer/transfers/{created['transfer_id']}", headers=bearer(TEACHER)
    )
    return "/transfer/links/" + view.json()["share_url"].rsplit("/", 1)[-1]


async def test_a_browser_gets_the_page_with_plain_links(transfer: Running) -> None:
    link = await shared(transfer, message="<b>Bonne</b> lecture")
    page = await transfer.client.get(link, headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    text = page.text
    assert "<script>" not in text  # escaped: the name and the message are text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.txt" in text
    assert "&lt;b&gt;Bonne&lt;/b&gt; lecture" in text
    assert "2.0 Ko" in text
    token = link.rsplit("/", 1)[-1]
    assert f'href="{token}/zip"' in text
    api = await transfer.client.get(link)  # an API client still gets JSON
    assert api.json()["needs_password"] is False


async def test_with_a_password_the_page_posts_a_form(transfer: Running) -> None:
    link = await shared(transfer, password="cadenas-42")
    text = (await transfer.client.get(link, headers=HTML)).text
    assert '<form method="post"' in text
    assert 'type="password"' in text
    wrong = await transfer.client.post(f"{link}/zip", data={"password": "nope-nope"})
    assert wrong.status_code == 401
    right = await transfer.client.post(f"{link}/zip", data={"password": "cadenas-42"})
    assert right.status_code == 200
    with zipfile.ZipFile(io.BytesIO(right.content)) as archive:
        assert archive.read("notes.txt") == b"bonjour"


async def test_an_unknown_link_gets_the_gone_page(transfer: Running) -> None:
    page = await transfer.client.get("/transfer/links/" + "z" * 32, headers=HTML)
    assert page.status_code == 410
    assert "expiré" in page.text
