"""What the fault-injection tests share: sign-in, a steady deposit load through the gateway,
and readings of the platform's state (the locker's store, a topic, Mon casier, mail's
notifications). Figures are printed as `FAULT <name> <value>` lines (`pytest -s`)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

Headers = dict[str, str]


def fault(name: str, value: object) -> None:
    print(f"FAULT {name} {value}", flush=True)


@dataclass(frozen=True)
class User:
    login: str
    auth: Headers
    user_id: str


def sign_in(gateway: str, login: str) -> User:
    """A bearer header from the gateway (embedded-profile dev login), and the user id."""
    with httpx.Client(base_url=gateway, timeout=30) as client:
        response = client.post("/api/auth/dev-login", json={"login": login})
        assert response.status_code == 201, response.text
        auth = {"authorization": f"Bearer {response.json()['access_token']}"}
        me = client.get("/api/directory/me", headers=auth)
        assert me.status_code == 200, me.text
        return User(login, auth, str(me.json()["user_id"]))


def deposit(client: httpx.Client, sender: User, recipient: User, n: int) -> httpx.Response:
    content = b"%PDF-1.7 " + os.urandom(2000)
    return client.post(
        "/api/locker/deposits",
        headers=sender.auth,
        data={"recipients": [recipient.user_id]},
        files={"file": (f"devoir-{n}.pdf", content, "application/pdf")},
    )


@dataclass
class Answer:
    n: int
    recipient: User
    sent_at: float  # time.monotonic()
    answered_at: float
    status: int | None  # None: no HTTP answer
    document_id: str | None
    error: str = ""


@dataclass
class DepositLoad:
    """Deposits through the gateway from a thread, one every `interval_s` (senders and
    recipients in turn), until `stop()`."""

    gateway: str
    pairs: list[tuple[User, User]]
    interval_s: float = 0.25
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="deposit-load", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(60)

    @property
    def accepted(self) -> list[Answer]:
        return [a for a in self.answers if a.status == 201]

    @property
    def failed(self) -> list[Answer]:
        return [a for a in self.answers if a.status != 201]

    def _run(self) -> None:
        with httpx.Client(base_url=self.gateway, timeout=30) as client:
            n = 0
            while not self._stop.is_set():
                sender, recipient = self.pairs[n % len(self.pairs)]
                sent_at = time.monotonic()
                try:
                    response = deposit(client, sender, recipient, n)
                except httpx.HTTPError as exc:
                    answer = Answer(n, recipient, sent_at, time.monotonic(), None, None, repr(exc))
                else:
                    ok = response.status_code == 201
                    answer = Answer(
                        n,
                        recipient,
                        sent_at,
                        time.monotonic(),
                        response.status_code,
                        response.json()["document_id"] if ok else None,
                        "" if ok else response.text[:300],
                    )
                self.answers.append(answer)
                n += 1
                self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - sent_at)))


def read_store(store: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(sql, params).fetchall()


def deposited_positions(store: Path) -> dict[str, int]:
    """Document id -> position of its DocumentDeposited event in the locker's log."""
    rows = read_store(
        store,
        "SELECT json_extract(envelope, '$.payload.document_id'), position FROM events"
        " WHERE json_extract(envelope, '$.type') = 'locker.DocumentDeposited'",
    )
    return {str(doc): int(position) for doc, position in rows}


def last_position(store: Path) -> int:
    ((position,),) = read_store(store, "SELECT COALESCE(MAX(position), 0) FROM events")
    return int(position)


def outbox_checkpoint(store: Path) -> int:
    rows = read_store(
        store,
        "SELECT json_extract(body, '$.position') FROM documents"
        " WHERE collection = '_checkpoints' AND id = 'outbox'",
    )
    return int(rows[0][0]) if rows else 0


def wait_until(
    condition: Callable[[], Any],
    timeout: float,
    what: str,
    explain: Callable[[], str] | None = None,
) -> float:
    """Seconds until `condition()` holds; TimeoutError after `timeout`, with what
    `explain()` says of the state then (a failure in CI is read once, from its log)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            detail = f"; {explain()}" if explain else ""
            raise TimeoutError(f"{what}: not within {timeout:g} s{detail}")
        time.sleep(0.1)
    return time.monotonic() - started


def deposits_on_topic(bootstrap: str, topic: str) -> Counter[str]:
    """How many times each document's DocumentDeposited is on `topic`, from the start."""

    async def consume() -> Counter[str]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer.topics()  # fetches the metadata
            partitions = consumer.partitions_for_topic(topic) or set()
            assert partitions, f"no partitions for {topic}"
            assigned = [TopicPartition(topic, p) for p in partitions]
            consumer.assign(assigned)
            await consumer.seek_to_beginning(*assigned)
            end = await consumer.end_offsets(assigned)
            seen: Counter[str] = Counter()
            deadline = time.monotonic() + 60
            while any([await consumer.position(tp) < end[tp] for tp in assigned]):
                assert time.monotonic() < deadline, f"{topic} not read to its end in 60 s"
                batches = await consumer.getmany(*assigned, timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        envelope = json.loads(record.value or b"{}")
                        if envelope.get("type") == "locker.DocumentDeposited":
                            seen[envelope["payload"]["document_id"]] += 1
            return seen
        finally:
            await consumer.stop()

    return asyncio.run(consume())


def all_pages(client: httpx.Client, path: str, auth: Headers) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = client.get(path, headers=auth, params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def mon_casier(client: httpx.Client, user: User) -> set[str]:
    return {e["document_id"] for e in all_pages(client, "/api/locker/received", user.auth)}


def notified(client: httpx.Client, user: User) -> set[str]:
    """Documents mail told `user` about (its notifications, projected from Kafka)."""
    return {n["document_id"] for n in all_pages(client, "/api/mail/notifications", user.auth)}


def log_lines(path: Path, containing: str, start: int = 0) -> list[str]:
    """Lines of a service's log from byte `start` that contain `containing`."""
    with path.open("rb") as log:
        log.seek(start)
        text = log.read().decode(errors="replace")
    return [line for line in text.splitlines() if containing in line]
