"""Two locker processes on one store (two replicas behind a load balancer), then the lease
holder killed with SIGKILL.

The platform runs as `make run` starts it, plus a second locker process with the same
environment (same SQLite file, same blob directory). Deposits go to both lockers directly
(service URLs, bearer tokens from the gateway). Checked against the store and the broker:
the sender's quota usage counts each deposit once, every stored event is on
`ent.locker.events` once, and every deposit answered 201 is in the recipient's Mon casier.
Figures are printed as `FAULT <name> <value>` lines (`pytest -s` shows them).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from ent_contracts import topics
from ent_devstack.stack import Ports, Stack

TTL_S = 3.0  # ENT_LEASE_TTL_S for this platform: a takeover within seconds
SENDER, RECIPIENT = "lucas.martin", "prof.francais"
BATCH = 500  # the relay's batch: what a killed holder may have published unrecorded


def fault(name: str, value: object) -> None:
    print(f"FAULT {name} {value}", flush=True)


@dataclass
class Lockers:
    stack: Stack
    urls: dict[str, str]  # process key in stack.processes -> URL
    sender: dict[str, str]  # bearer headers
    sender_id: str
    recipient: dict[str, str]
    recipient_id: str
    usage_before: int
    accepted: dict[str, int] = field(default_factory=dict)  # document id -> size
    sent: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def store(self) -> Path:
        return self.stack.data_dir / "locker" / "store.db"

    def pid(self, key: str) -> int:
        return self.stack.processes[key].pid

    def deposit(self, key: str, client: httpx.Client, n: int) -> float:
        """One deposit of a distinct file of about 100 kB to locker `key`; milliseconds."""
        size = 100_000 + n
        content = b"%PDF-1.7 " + os.urandom(size - 9)
        self.sent += 1
        started = time.perf_counter()
        try:
            response = client.post(
                f"{self.urls[key]}/locker/deposits",
                headers=self.sender,
                data={"recipients": [self.recipient_id]},
                files={"file": (f"devoir-{n}.pdf", content, "application/pdf")},
            )
        except httpx.HTTPError as exc:
            self.failed.append(f"{key} #{n}: {exc!r}")
            return (time.perf_counter() - started) * 1000
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code == 201:
            receipt = response.json()
            assert receipt["size"] == size
            self.accepted[receipt["document_id"]] = size
        else:
            self.failed.append(f"{key} #{n}: {response.status_code} {response.text[:200]}")
        return elapsed


def read_store(store: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(sql, params).fetchall()


def document(store: Path, collection: str, doc_id: str) -> dict[str, Any] | None:
    rows = read_store(
        store, "SELECT body FROM documents WHERE collection = ? AND id = ?", (collection, doc_id)
    )
    return json.loads(rows[0][0]) if rows else None


def lease(store: Path) -> dict[str, Any]:
    doc = document(store, "_leases", "pipeline")
    assert doc is not None, "no lease: nobody runs the relay and projectors"
    return doc


def holder_pid(store: Path) -> int:
    return int(str(lease(store)["owner"]).split(":")[1])  # host:pid:suffix


def usage(store: Path, user: str) -> int:
    doc = document(store, "usage", user)
    return 0 if doc is None else int(doc["bytes"])


def stored_events(store: Path) -> dict[str, int]:
    """Every event of the locker's log: event id -> position."""
    return dict(read_store(store, "SELECT event_id, position FROM events"))


def outbox_checkpoint(store: Path) -> int:
    doc = document(store, "_checkpoints", "outbox")
    return 0 if doc is None else int(doc["position"])


def wait_until(condition: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(what)
        time.sleep(0.05)
    return time.monotonic() - started


def published(bootstrap: str) -> Counter[str]:
    """How many times each event id is on the locker's topic, read from the beginning."""

    async def consume() -> Counter[str]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
        )
        await consumer.start()
        try:
            await consumer.topics()  # fetches the metadata
            partitions = consumer.partitions_for_topic(topics.LOCKER) or set()
            assert partitions, f"no partitions for {topics.LOCKER}"
            assigned = [TopicPartition(topics.LOCKER, p) for p in partitions]
            consumer.assign(assigned)
            await consumer.seek_to_beginning(*assigned)
            end = await consumer.end_offsets(assigned)
            seen: Counter[str] = Counter()
            deadline = time.monotonic() + 60
            while any([await consumer.position(tp) < end[tp] for tp in assigned]):
                assert time.monotonic() < deadline, "topic not read to its end in 60 s"
                batches = await consumer.getmany(*assigned, timeout_ms=500)
                for records in batches.values():
                    seen.update(json.loads(r.value)["event_id"] for r in records if r.value)
            return seen
        finally:
            await consumer.stop()

    return asyncio.run(consume())


def settled(lockers: Lockers) -> tuple[dict[str, int], Counter[str]]:
    """Once the relay has published the whole log: the stored events, and the topic."""
    store = lockers.store
    wait_until(
        lambda: outbox_checkpoint(store) == max(stored_events(store).values(), default=0),
        30,
        "outbox checkpoint at the end of the log",
    )
    return stored_events(store), published(lockers.stack.bootstrap)


def mon_casier(lockers: Lockers, url: str) -> set[str]:
    ids: set[str] = set()
    cursor: str | None = None
    with httpx.Client(timeout=30) as client:
        while True:
            params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = client.get(f"{url}/locker/received", headers=lockers.recipient, params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            ids |= {item["document_id"] for item in body["items"]}
            cursor = body["next_cursor"]
            if cursor is None:
                return ids


def check(lockers: Lockers, url: str, label: str, republishable: range = range(0)) -> None:
    """Once the relay published the whole log: each deposit counted once in the quota
    usage, in Mon casier if answered 201, every stored event on the topic exactly once —
    except, after a SIGKILL, the batch the dead holder had published but not recorded
    (positions `republishable`), which the new holder publishes again (at-least-once)."""
    events, on_topic = settled(lockers)
    missing_in_casier = set(lockers.accepted) - mon_casier(lockers, url)
    unpublished = [e for e in events if on_topic[e] == 0]
    foreign = set(on_topic) - set(events)
    duplicated = {e: n for e, n in on_topic.items() if n > 1}
    counted = usage(lockers.store, lockers.sender_id) - lockers.usage_before
    fault(f"{label}.requests_sent", lockers.sent)
    fault(f"{label}.requests_accepted", len(lockers.accepted))
    fault(f"{label}.requests_failed", len(lockers.failed))
    fault(f"{label}.requests_lost", len(missing_in_casier))
    fault(f"{label}.events_stored", len(events))
    fault(f"{label}.events_published", sum(on_topic.values()))
    fault(f"{label}.events_unpublished", len(unpublished))
    fault(f"{label}.events_duplicated", len(duplicated))
    fault(f"{label}.usage_bytes_counted", counted)
    fault(f"{label}.usage_bytes_deposited", sum(lockers.accepted.values()))

    assert lockers.failed == []
    assert missing_in_casier == set()
    assert counted == sum(lockers.accepted.values())  # each deposit counted once
    assert unpublished == []
    assert foreign == set()
    assert {
        e: (events[e], n) for e, n in duplicated.items() if events[e] not in republishable
    } == {}
    assert all(n == 2 for n in duplicated.values()), duplicated


def sign_in(gateway: str, login: str) -> tuple[dict[str, str], str]:
    """A bearer header from the gateway (embedded-profile dev login), and the user id."""
    with httpx.Client(base_url=gateway, timeout=30) as client:
        response = client.post("/api/auth/dev-login", json={"login": login})
        assert response.status_code == 201, response.text
        headers = {"authorization": f"Bearer {response.json()['access_token']}"}
        me = client.get("/api/directory/me", headers=headers)
        assert me.status_code == 200, me.text
        return headers, str(me.json()["user_id"])


@pytest.fixture(scope="module")
def lockers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lockers]:
    platform = Stack(
        tmp_path_factory.mktemp("replicas"),
        Ports.free(),
        extra_env={
            "ENT_LEASE_TTL_S": str(TTL_S),
            # One sender deposits hundreds of times: not a mass sending to refuse.
            "ENT_DEPOSIT_LIMIT_PER_HOUR": "1000000",
            "ENT_DEPOSIT_LIMIT_PER_DAY": "1000000",
        },
    )
    platform.start()
    try:
        replica, replica_url = platform.start_replica("locker")
        sender, sender_id = sign_in(platform.gateway_url, SENDER)
        recipient, recipient_id = sign_in(platform.gateway_url, RECIPIENT)
        store = platform.data_dir / "locker" / "store.db"
        yield Lockers(
            stack=platform,
            urls={"locker": platform.service_url("locker"), replica: replica_url},
            sender=sender,
            sender_id=sender_id,
            recipient=recipient,
            recipient_id=recipient_id,
            usage_before=usage(store, sender_id),
        )
    finally:
        platform.stop()


def races(lockers: Lockers) -> int:
    """Followers of both replicas that raced for a checkpoint (logged by the loser): none
    while only the lease holder runs them."""
    logs = [lockers.stack.log_file(key) for key in lockers.stack.processes if "locker" in key]
    return sum(
        line.count("checkpoint moved by another")
        for log in logs
        for line in log.read_text(errors="replace").splitlines()
    )


def test_two_lockers_project_and_publish_each_deposit_once(lockers: Lockers) -> None:
    holder = holder_pid(lockers.store)
    token = lease(lockers.store)["token"]
    keys = list(lockers.urls)
    assert holder in {lockers.pid(k) for k in keys}
    latencies: dict[str, list[float]] = {"holder": [], "other": []}
    with httpx.Client(timeout=30) as client:
        for n in range(40):  # alternately: holder, other, holder, ...
            key = keys[n % 2]
            role = "holder" if lockers.pid(key) == holder else "other"
            latencies[role].append(lockers.deposit(key, client, n))

    for role, values in latencies.items():
        fault(f"replicas.deposit_ms_median_on_{role}", round(statistics.median(values), 1))
        fault(f"replicas.deposit_ms_max_on_{role}", round(max(values), 1))

    def burst(key: str, first: int) -> None:  # concurrent appends on both replicas
        with httpx.Client(timeout=30) as client:
            for n in range(first, first + 10):
                lockers.deposit(key, client, n)

    senders = [threading.Thread(target=burst, args=(keys[i % 2], 100 + 10 * i)) for i in range(4)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(120)
    check(lockers, lockers.urls[keys[1]], "replicas")
    fault("replicas.checkpoint_races", races(lockers))
    assert races(lockers) == 0
    assert (holder_pid(lockers.store), lease(lockers.store)["token"]) == (holder, token)
    # Read-your-writes on the replica that projects nothing, at a cost of a poll or two.
    assert statistics.median(latencies["other"]) < statistics.median(latencies["holder"]) + 300


def test_killing_the_lease_holder_hands_over_within_the_ttl(lockers: Lockers) -> None:
    store = lockers.store
    holder = holder_pid(store)
    (dead,) = [k for k in lockers.urls if lockers.pid(k) == holder]
    (survivor,) = [k for k in lockers.urls if k != dead]
    answered: list[tuple[float, float]] = []  # (sent at, milliseconds) on the survivor
    stop = threading.Event()

    def keep_depositing() -> None:  # on the survivor, through the kill and the takeover
        with httpx.Client(timeout=30) as client:
            n = 1000
            while not stop.is_set():
                sent_at = time.time()
                answered.append((sent_at, lockers.deposit(survivor, client, n)))
                n += 1

    sender = threading.Thread(target=keep_depositing)
    sender.start()
    try:
        time.sleep(1.0)  # traffic on the survivor, projected and published by the holder
        os.kill(holder, signal.SIGKILL)
        killed_at = time.time()
        lockers.stack.processes[dead].wait(10)
        at_kill = outbox_checkpoint(store)  # the dead holder's last recorded publication
        republishable = range(at_kill + 1, at_kill + BATCH + 1)
        observed = wait_until(
            lambda: holder_pid(store) == lockers.pid(survivor), TTL_S + 5, "takeover"
        )
        took_over = float(lease(store)["acquired_at"]) - killed_at
        time.sleep(2.0)  # more traffic, now on the new holder
    finally:
        stop.set()
        sender.join(60)
    del lockers.urls[dead]

    during = [ms for sent_at, ms in answered if sent_at + ms / 1000 >= killed_at]  # answered after
    fault("replicas.kill.takeover_s", round(took_over, 2))
    fault("replicas.kill.takeover_observed_s", round(observed, 2))
    fault("replicas.kill.lease_ttl_s", TTL_S)
    fault("replicas.kill.deposits_on_survivor", len(answered))
    fault("replicas.kill.deposits_answered_after_kill", len(during))
    fault("replicas.kill.deposit_ms_max_after_kill", round(max(during, default=0), 1))
    assert took_over <= TTL_S + 0.5, took_over  # expiry ≤ TTL after the last renewal
    assert len(during) > 3  # deposits were answered after the kill too

    # At-least-once: a SIGKILL between the broker's acknowledgement and the checkpoint
    # makes the new holder publish that batch again; nothing else may come twice.
    check(lockers, lockers.urls[survivor], "replicas.kill", republishable)
