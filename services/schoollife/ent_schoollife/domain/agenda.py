"""An agenda item of a school or of a group: published, changed, withdrawn. Pure, no I/O.
Who may publish for which audience is the application's question (the roster knows);
here: what an item may say, and that only its author or the school's staff change it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from ent_contracts import DomainEvent
from ent_contracts.schoollife.agenda import (
    AgendaItemChanged,
    AgendaItemContent,
    AgendaItemPublished,
    AgendaItemWithdrawn,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, Forbidden, NotFound, Refused

from ent_schoollife.texts import agenda as texts

KINDS = ("virtual_class", "trip", "meeting", "other")
# Longer items are refused, so that a listing finds every item overlapping its period
# among those starting at most this long before it (one indexed range).
MAX_DURATION = timedelta(days=31)
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def checked_link(link: str | None) -> str | None:
    """An absolute http(s) URL with a host, or None (a blank link is no link)."""
    if link is None or not link.strip():
        return None
    link = link.strip()
    refused = Refused("link", "invalid_link", texts.BAD_LINK)
    if _SPACE_OR_CONTROL.search(link):
        raise refused
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        raise refused from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise refused
    return link


def checked_content(content: AgendaItemContent) -> AgendaItemContent:
    title = content.title.strip()
    if not title:
        raise Refused("title", "title_empty", texts.TITLE_EMPTY)
    if content.kind not in KINDS:
        raise Refused("kind", "unknown_kind", texts.UNKNOWN_KIND.format(kinds=", ".join(KINDS)))
    if content.ends_at <= content.starts_at:
        raise Refused("ends_at", "ends_before_start", texts.ENDS_BEFORE_START)
    if content.ends_at - content.starts_at > MAX_DURATION:
        raise Refused("ends_at", "item_too_long", texts.TOO_LONG.format(days=MAX_DURATION.days))
    return AgendaItemContent(
        title=title,
        description=content.description.strip(),
        starts_at=content.starts_at,
        ends_at=content.ends_at,
        place=content.place.strip(),
        link=checked_link(content.link),
        kind=content.kind,
    )


class AgendaItem(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.published = False
        self.withdrawn = False
        self.school_id = ""
        self.published_by = ""

    # --- decisions ----------------------------------------------------------------------

    def publish(
        self,
        school_id: str,
        group_id: str | None,
        content: AgendaItemContent,
        by: str,
        now: datetime,
    ) -> None:
        if self.published:
            raise Conflict("", "item_exists", texts.ITEM_NOT_FOUND)
        self.trigger(
            AgendaItemPublished(
                item_id=self.id,
                school_id=school_id,
                group_id=group_id,
                content=checked_content(content),
                published_by=by,
                published_at=now,
            )
        )

    def change(self, content: AgendaItemContent, by: str, *, staff: bool, now: datetime) -> None:
        self._editable(by, staff)
        self.trigger(
            AgendaItemChanged(
                item_id=self.id, content=checked_content(content), changed_by=by, changed_at=now
            )
        )

    def withdraw(self, by: str, *, staff: bool, now: datetime) -> None:
        self._editable(by, staff)
        self.trigger(AgendaItemWithdrawn(item_id=self.id, withdrawn_by=by, withdrawn_at=now))

    def _editable(self, by: str, staff: bool) -> None:
        """Its author, or the school's staff (`staff`: the caller sees this school)."""
        if not self.published or self.withdrawn:
            raise NotFound("item_id", "item_not_found", texts.ITEM_NOT_FOUND)
        if by != self.published_by and not staff:
            raise Forbidden("item_id", "not_yours", texts.NOT_YOURS)

    # --- evolution ----------------------------------------------------------------------

    def when(self, event: DomainEvent) -> None:
        match event:
            case AgendaItemPublished():
                self.published = True
                self.school_id = event.school_id
                self.published_by = event.published_by
            case AgendaItemWithdrawn():
                self.withdrawn = True
