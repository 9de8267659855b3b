"""Suite `mail`, the user's path: a send to 200 through the gateway of the whole platform.

`Stack` starts the broker and every service as its own process, as `make run` does (the
demo collège seeded). Each send is an HTTP request to the gateway with a user token
(`stack.keys`): the gateway checks the JWT and proxies to the Messagerie, which asks the
directory (HTTP) to expand the audience and check every recipient, appends the event and
answers once the mailbox projection wrote the copies; meanwhile the outbox relay publishes
to the broker. The send limits are lifted (the bench sends to 200 again and again).

- mail.gateway_send_200.c1: prof.francais to the 28 parents of 6A as an audience
  (`group:<6A>:parents`, expanded by the directory) and 172 other students and parents
  named one by one: 200 people, `recipients == 200` checked on every receipt;
  GATEWAY_SENDS sequential sends after WARMUP. Floor: the in-process send's
  (`mail.send_200.floor_ms`, measured earlier in the same run): the same rows written
  durably the plainest way plus an empty HTTP exchange, so the ratio shows what the
  gateway, the processes and the broker add on top of `mail.send_200`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import msgspec
from ent_devstack.stack import Ports, Stack
from ent_directory.domain.demo_school import CLASS_IDS, SCHOOL_ID, DemoUser
from ent_kit.auth import Identity
from ent_mail.application.forms import MessageForm, SentReceipt

from bench.load_client import load_client
from bench.mail_setup import BODY, QUICK, RECIPIENTS, SENDER_LOGIN, SUBJECT, WARMUP
from bench.report import latency

GATEWAY_SENDS = 5 if QUICK else 50
AUDIENCE_CLASS = "6A"
LIFTED = "1000000"
ENV = {
    **{
        f"ENT_SEND_LIMIT_{name}": LIFTED
        for name in (
            "MESSAGES_PER_HOUR",
            "RECIPIENTS_PER_DAY",
            "ELEVATED_MESSAGES_PER_HOUR",
            "ELEVATED_RECIPIENTS_PER_DAY",
        )
    },
    "ENT_AUTO_FREEZE_AFTER_LIMIT_HITS": "0",
    "ENT_MAX_CONCURRENT_PER_CLIENT": "16",
}


def addressees(users: list[DemoUser]) -> list[str]:
    """The audience of 6A's parents, then named students and parents outside it up to
    RECIPIENTS people in all."""
    audience = [
        u.user_id for u in users if u.profile == "parent" and _child_class(users, u) == "6A"
    ]
    others = [
        u.user_id
        for u in users
        if u.profile in ("student", "parent") and u.user_id not in set(audience)
    ]
    named = others[: RECIPIENTS - len(audience)]
    assert len(audience) + len(named) == RECIPIENTS, (len(audience), len(named))
    return [f"group:{CLASS_IDS[AUDIENCE_CLASS]}:parents", *named]


def _child_class(users: list[DemoUser], parent: DemoUser) -> str | None:
    children = [u for u in users if u.login in parent.children]
    return children[0].classes[0] if children and children[0].classes else None


async def gateway_sends(users: list[DemoUser], floor_ms: float) -> None:
    sender = next(u for u in users if u.login == SENDER_LOGIN)
    body = msgspec.json.encode(
        MessageForm(to=addressees(users), subject=SUBJECT, body=BODY, reply_mode="sender_only")
    )
    with tempfile.TemporaryDirectory(prefix="bench-mail-gateway-") as tmp:
        stack = Stack(Path(tmp), Ports.free(), extra_env=ENV, say=lambda _: None)
        await asyncio.to_thread(stack.start, 180.0)
        try:
            identity = Identity(
                user_id=sender.user_id,
                profile=sender.profile,
                school_id=SCHOOL_ID,
                display_name=f"{sender.first_name} {sender.last_name}",
            )
            token = stack.keys.user_token(identity, timedelta(hours=6))
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            timings: list[float] = []
            async with load_client(stack.gateway_url, timeout=120.0) as client:
                for i in range(WARMUP + GATEWAY_SENDS):
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/mail/messages", content=body, headers=headers
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 201, response.text
                    receipt = msgspec.json.decode(response.content, type=SentReceipt)
                    assert receipt.recipients == RECIPIENTS, receipt
                    if i >= WARMUP:
                        timings.append(elapsed)
        finally:
            await asyncio.to_thread(stack.stop)
    latency("mail.gateway_send_200.c1", timings, floor_ms)
