"""Choose the storage adapter from the URL: `sqlite:///path` or `mongodb://…`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ent_kit.storage.port import Storage


async def open_storage(url: str, *, service_name: str) -> Storage:
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from ent_kit.storage.sqlite import SqliteStorage

        return await SqliteStorage.open(sqlite_path(url))
    if scheme in ("mongodb", "mongodb+srv"):
        from ent_kit.storage.mongo import MongoStorage

        return await MongoStorage.open(url, default_database=f"ent_{service_name}")
    raise ValueError(f"unsupported store URL scheme {scheme!r} (use sqlite:// or mongodb://)")


def sqlite_path(url: str) -> Path:
    """`sqlite:///abs/file.db` is absolute, `sqlite://rel/file.db` relative to the cwd."""
    rest = url.removeprefix("sqlite://")
    return Path(rest) if rest.startswith("/") else Path.cwd() / rest
