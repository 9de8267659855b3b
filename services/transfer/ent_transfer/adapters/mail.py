"""The Messagerie as the transfer uses it: a message sent as the signed-in user, with their
own bearer token (mail asks the directory, as for any send); e-mails to addresses outside
the ENT, asked with the transfer's own service token (scope `mail:external_email`)."""

from __future__ import annotations

from typing import Any

import httpx
from ent_contracts.mail_api import EXTERNAL_EMAILS_PATH, ExternalEmailReceipt, ExternalEmailRequest
from ent_kit.http_client import http_client
from ent_kit.peers import PeerClient, PeerUnavailable

from ent_transfer.application.ports import MailAnswer

# The mail's route (ent_mail.entrypoints.writing: send).
SEND_PATH = "/mail/messages"


class MailMessages:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + SEND_PATH
        # Seldom used: aiohttp is loaded at the first share (`http_client`).
        self._client = http_client(
            httpx.Timeout(timeout_s, connect=3.0), transport=transport, at_first_call=True
        )

    async def send(
        self, authorization: str, to: list[str], subject: str, body_html: str
    ) -> MailAnswer:
        form = {"to": to, "subject": subject, "body": body_html, "reply_mode": "sender_only"}
        try:
            answer = await self._client.post(
                self._url, json=form, headers={"authorization": authorization}
            )
        except httpx.TransportError as exc:
            raise PeerUnavailable(f"{self._url}: {exc}") from exc
        body: dict[str, Any] = {}
        if answer.headers.get("content-type", "").endswith("json"):
            body = answer.json()
        return MailAnswer(answer.status_code, body)

    async def close(self) -> None:
        await self._client.aclose()


class MailExternalEmails:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer  # to mail, scoped to mail:external_email

    async def queue(self, request: ExternalEmailRequest) -> ExternalEmailReceipt:
        return await self._peer.call("POST", EXTERNAL_EMAILS_PATH, ExternalEmailReceipt, request)
