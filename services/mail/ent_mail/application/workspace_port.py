"""What the Messagerie needs from Mes documents (the locker): a file of the caller's,
fetched with the caller's own rights."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from ent_kit.blobs import IncomingFile


class WorkspaceFiles(Protocol):
    def open(self, item_id: str, authorization: str) -> AbstractAsyncContextManager[IncomingFile]:
        """The caller's workspace item as an incoming file, its body streaming while the
        context is open. `authorization` is the caller's own `Authorization` header, so the
        locker decides what they may read. NotFound when the item is not theirs (or gone),
        PeerUnavailable when the locker cannot answer."""
        ...
