"""The directory decides who may write to whom: the locker asks, over HTTP."""

from __future__ import annotations

import msgspec
from ent_kit.peers import PeerClient
from ent_kit.problems import Problem

from ent_locker.application.ports import Verdict


class DirectoryPolicy:
    def __init__(self, directory: PeerClient) -> None:
        self._directory = directory

    async def reachable(self, sender_id: str, recipients: list[dict[str, str]]) -> Verdict:
        response = await self._directory.post(
            "/directory/reachability", {"sender_id": sender_id, "recipients": recipients}
        )
        if response.status_code == 400:  # e.g. a malformed group token: the client's error
            problem = response.json()
            raise Problem(400, "validation_failed", "Invalid input", problem.get("detail", ""),
                          errors=problem.get("errors", [{"field": "recipients"}]))  # fmt: skip
        response.raise_for_status()
        return msgspec.convert(response.json(), Verdict)
