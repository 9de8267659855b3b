"""The directory decides who may write to whom: the Messagerie asks, over HTTP."""

from __future__ import annotations

from ent_contracts.directory_api import (
    REACHABILITY_PATH,
    ReachabilityRequest,
    Recipient,
    Verdict,
)
from ent_kit.errors import Refused
from ent_kit.peers import PeerClient, PeerRejected


class DirectoryPolicy:
    def __init__(self, directory: PeerClient) -> None:
        self._directory = directory

    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        request = ReachabilityRequest(sender_id=sender_id, recipients=recipients)
        try:
            return await self._directory.call("POST", REACHABILITY_PATH, Verdict, request)
        except PeerRejected as rejected:
            if rejected.status != 400:
                raise
            error = rejected.first_error()
            raise Refused(
                "to", str(error.get("reason", "invalid")), str(error.get("message", ""))
            ) from None
