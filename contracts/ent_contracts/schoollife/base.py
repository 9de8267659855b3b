"""What every school-life event shares: its topic, and the names of the things it speaks of."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from ent_contracts import topics
from ent_contracts.envelope import DomainEvent

# A subject as the school names it ("Mathématiques"); the timetable, the notebook and the
# grades all key on this name, as the directory's `subjects` do.
Subject = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class SchoollifeEvent(DomainEvent, frozen=True, kw_only=True):
    """Base of every event on the school life's topic."""

    topic: ClassVar[str] = topics.SCHOOLLIFE
