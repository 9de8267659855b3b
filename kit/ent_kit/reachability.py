"""The directory decides who may write to whom: every sending service asks it, over HTTP,
with the contract of `ent_contracts.directory_api`."""

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
    """`field`: the caller's input that named the recipients, for a refusal to name it."""

    def __init__(self, directory: PeerClient, field: str) -> None:
        self._directory = directory
        self._field = field

    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        request = ReachabilityRequest(sender_id=sender_id, recipients=recipients)
        try:
            return await self._directory.call("POST", REACHABILITY_PATH, Verdict, request)
        except PeerRejected as rejected:
            if rejected.status != 400:
                raise
            # e.g. an unknown role in an audience: the client's error, named as it was.
            error = rejected.first_error()
            raise Refused(
                self._field, str(error.get("reason", "invalid")), str(error.get("message", ""))
            ) from None
