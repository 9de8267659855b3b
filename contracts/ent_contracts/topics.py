"""Stable topic names: one per service domain, partitioned by aggregate id."""

from typing import Final

DIRECTORY: Final = "ent.directory.events"
LOCKER: Final = "ent.locker.events"
MAIL: Final = "ent.mail.events"
SCHOOLLIFE: Final = "ent.schoollife.events"
TRANSFER: Final = "ent.transfer.events"

ALL: Final = (DIRECTORY, LOCKER, MAIL, SCHOOLLIFE, TRANSFER)
