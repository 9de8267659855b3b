"""Rules of Mes documents' trash shared by folders and documents. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol, TypeVar

from ent_kit.errors import NotFound, Refused

from ent_locker import texts
from ent_locker.domain.model import MAX_FILE_NAME

TrashState = Literal["live", "trashed", "purged"]


class InTrash(Protocol):
    @property
    def state(self) -> TrashState: ...

    @property
    def with_folder_id(self) -> str | None: ...


T = TypeVar("T", bound=InTrash)


def in_trash(thing: T | None, field: str, not_found: str) -> T:
    """`thing` when it is in the trash. Unknown and purged answer alike (404), so a purged
    id cannot be told from another user's; a live one is refused (nothing disappears in
    one click)."""
    if thing is None or thing.state == "purged":
        code = "folder_not_found" if field.startswith("folder") else "item_not_found"
        raise NotFound(field, code, not_found)
    if thing.state == "live":
        raise Refused(field, "not_in_trash", texts.ONLY_FROM_TRASH)
    return thing


def trashed_with(things: Iterable[T], folder_id: str) -> list[T]:
    """What went to the trash inside `folder_id` and is still there, in trashing order."""
    return [t for t in things if t.state == "trashed" and t.with_folder_id == folder_id]


def free_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or the first "name (n)" no name of `taken` uses (compared case-insensitively,
    as names are), shortened so that it stays a valid name."""
    used = {t.casefold() for t in taken}
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        suffix = f" ({n})"
        candidate = name[: MAX_FILE_NAME - len(suffix)].rstrip() + suffix
    return candidate
