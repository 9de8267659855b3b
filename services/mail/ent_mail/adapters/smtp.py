"""Notification e-mails handed to an SMTP relay, one connection per message.

Failures (the relay refuses, or cannot be reached) propagate as aiosmtplib's SMTPException or
OSError: the caller keeps the notification and retries.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import SplitResult, unquote, urlsplit

import aiosmtplib

from ent_mail.application.ports import NotificationEmail, Notifier

# aiosmtplib's own defaults when no port is given: submission for STARTTLS, relay otherwise.
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587}


class SmtpNotifier:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_s: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self._password = password
        self.starttls = starttls
        self.timeout_s = timeout_s

    async def send(self, email: NotificationEmail) -> None:
        await aiosmtplib.send(
            self._compose(email),
            sender=self.sender,
            recipients=[email.to],
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self._password,
            # Explicit False: left to None, aiosmtplib upgrades whenever the relay offers
            # STARTTLS, and a relay with a self-signed certificate would then fail every send.
            start_tls=self.starttls,
            timeout=self.timeout_s,
        )

    def _compose(self, email: NotificationEmail) -> EmailMessage:
        # The default policy encodes non-ASCII headers (RFC 2047) and refuses CR/LF in a
        # header value, so a subject cannot smuggle extra headers in.
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(usegmt=True)
        # Given a domain, make_msgid does not call socket.getfqdn(), a blocking DNS lookup.
        message["Message-ID"] = make_msgid(domain=_domain_of(self.sender))
        # RFC 3834: out-of-office and other auto-responders must not answer a notification.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(email.text, charset="utf-8")
        return message


def open_notifier(url: str, sender: str) -> Notifier | None:
    """`smtp://[user:pass@]host[:port]`, or `smtp+starttls://…`; an empty URL turns
    notification e-mails off (None). Credentials are percent-encoded in the URL."""
    if not url:
        return None
    relay = _relay(url)
    if relay is None:
        raise ValueError(f"not an SMTP relay URL (smtp:// or smtp+starttls://): {_redacted(url)}")
    parts, port = relay
    return SmtpNotifier(
        parts.hostname or "",
        port,
        sender,
        username=_decoded(parts.username),
        password=_decoded(parts.password),
        starttls=parts.scheme == "smtp+starttls",
    )


def _relay(url: str) -> tuple[SplitResult, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number, or out of range
    except ValueError:
        return None
    if port is None:
        port = _DEFAULT_PORTS.get(parts.scheme)
    well_formed = (
        parts.scheme in _DEFAULT_PORTS
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
    )
    return (parts, port) if well_formed and port else None


def _decoded(component: str | None) -> str | None:
    return unquote(component) if component is not None else None


def _redacted(url: str) -> str:
    """The URL as it may appear in an error message, and so in logs: without its password."""
    head, separator, rest = url.partition("://")
    if not separator:
        head, rest = "", url
    user_info, at, host = rest.rpartition("@")
    if not at or ":" not in user_info:
        return url
    return f"{head}{separator}{user_info.split(':', 1)[0]}:***@{host}"


def _domain_of(address: str) -> str | None:
    return address.rpartition("@")[2] or None
