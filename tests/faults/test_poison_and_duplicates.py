"""A poison event on a 3-partition topic, and a relay that publishes a range twice.

The platform runs as `make run` starts it. Mail consumes the locker's topic (its
notifications). Injected on that topic: an event whose payload breaks its schema and
bytes that are no event at all. Then the locker's outbox checkpoint is moved back, so the
relay publishes a range of events a second time. Checked against mail's store, the topics
and the traces: the poison is parked (store and `<topic>.dlq`), every deposit of the same
partitions is notified, and no event is applied twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from ent_contracts import topics
from ent_devstack.stack import Ports, Stack
from platform_faults import (
    User,
    all_pages,
    deposit,
    fault,
    last_position,
    notified,
    outbox_checkpoint,
    read_store,
    sign_in,
    wait_until,
)

SENDER, RECIPIENT = "lucas.martin", "prof.francais"
DLQ = f"{topics.LOCKER}.dlq"
MAIL_GROUP = "ent-mail-notifications"  # the runtime's ent-<service>-<projection>


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("poison")
    platform = Stack(
        data,
        Ports.free(),
        traces_file=data / "traces.jsonl",
        extra_env={"ENT_POISON_ATTEMPTS": "3", "ENT_POISON_FIRST_PAUSE_S": "0.05"},
    )
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def users(stack: Stack) -> tuple[User, User]:
    return sign_in(stack.gateway_url, SENDER), sign_in(stack.gateway_url, RECIPIENT)


def deposits(stack: Stack, sender: User, recipient: User, count: int, first: int) -> set[str]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        answers = [deposit(client, sender, recipient, first + n) for n in range(count)]
    assert [a.status_code for a in answers] == [201] * count, [a.text for a in answers]
    return {str(a.json()["document_id"]) for a in answers}


def broken_event() -> bytes:
    """An envelope the consumer reads, whose payload lacks what DocumentDeposited needs."""
    return json.dumps(
        {
            "event_id": "poison-0001",
            "type": "locker.DocumentDeposited",
            "schema_version": 1,
            "aggregate_id": "poison",
            "aggregate_version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            "actor": {"kind": "user", "id": "mallory"},
            "payload": {"document_id": "poison"},
        }
    ).encode()


# On partitions 0, 1 and 2: a broken event, then two records that are no event at all.
INJECTED = (broken_event(), b"\x00 not an event", b"{}")


def inject(bootstrap: str, records: list[tuple[int, bytes]]) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
        await producer.start()
        try:
            for partition, value in records:
                await producer.send_and_wait(topics.LOCKER, value, partition=partition)
        finally:
            await producer.stop()

    asyncio.run(send())


def topic_records(
    bootstrap: str, topic: str, projection: str | None = None
) -> list[tuple[int, int, bytes]]:
    """(partition, offset, value) of every record on `topic`, from the start; on a
    dead-letter topic, only those `projection` parked when it is given."""

    async def consume() -> list[tuple[int, int, bytes]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer.topics()
            assigned = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
            ]
            assert assigned, f"no partitions for {topic}"
            consumer.assign(assigned)
            await consumer.seek_to_beginning(*assigned)
            end = await consumer.end_offsets(assigned)
            found: list[tuple[int, int, bytes]] = []
            while any([await consumer.position(tp) < end[tp] for tp in assigned]):
                for tp, records in (await consumer.getmany(*assigned, timeout_ms=500)).items():
                    found += [
                        (tp.partition, r.offset, r.value or b"")
                        for r in records
                        if projection is None
                        or ("ent-projection", projection.encode()) in list(r.headers)
                    ]
            return found
        finally:
            await consumer.stop()

    return asyncio.run(consume())


def deposited_id(value: bytes) -> str | None:
    try:
        envelope: dict[str, Any] = json.loads(value)
    except ValueError:
        return None
    if envelope.get("type") != "locker.DocumentDeposited" or value in INJECTED:
        return None
    return envelope["payload"].get("document_id")


def mail_store(stack: Stack) -> Path:
    return stack.data_dir / "mail" / "store.db"


def parked_in_mail(stack: Stack) -> list[dict[str, Any]]:
    rows = read_store(mail_store(stack), "SELECT body FROM documents WHERE collection = '_parked'")
    return [json.loads(body) for (body,) in rows]


def test_a_poison_event_is_parked_and_its_partitions_flow_on(
    stack: Stack, users: tuple[User, User]
) -> None:
    sender, recipient = users
    before = deposits(stack, sender, recipient, 6, first=0)
    inject(stack.bootstrap, list(enumerate(INJECTED)))
    after = deposits(stack, sender, recipient, 24, first=100)

    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        took = wait_until(
            lambda: (before | after) <= notified(client, recipient), 60, "all deposits notified"
        )
    records = topic_records(stack.bootstrap, topics.LOCKER)
    poison_at = {p: o for p, o, v in records if v in INJECTED}
    behind_poison = {
        deposited_id(v) for p, o, v in records if deposited_id(v) and o > poison_at.get(p, 1 << 62)
    }
    assert {0, 1, 2} <= set(poison_at)  # each partition had one injected
    assert behind_poison & after, "no deposit landed behind a poison record"

    parked = wait_until(lambda: len(parked_in_mail(stack)) == 3, 30, "three records parked")
    by_type = Counter(p["type"] for p in parked_in_mail(stack))
    assert by_type == {"locker.DocumentDeposited": 1, "undecodable": 2}
    # Mail's copies: the directory, which consumes the topic too (limit hits), parks its own.
    dead = topic_records(stack.bootstrap, DLQ, projection="notifications")
    assert sorted(v for _, _, v in dead) == sorted(INJECTED)

    mail_port = stack.ports.services["mail"]
    with httpx.Client(timeout=10) as client:
        gauge = wait_until(
            lambda: (
                'ent_parked_events{service="mail"} 3.0'
                in client.get(f"http://127.0.0.1:{mail_port}/metrics").text
            ),
            15,
            "the parked gauge",
        )
    listed = subprocess.run(
        [sys.executable, "-m", "ent_mail", "parked"],
        env={**os.environ, "ENT_STORE_URL": f"sqlite://{mail_store(stack)}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert "3 parked event(s)" in listed.stdout
    assert "poison-0001" in listed.stdout

    fault("poison.deposits_accepted", len(before | after))
    fault("poison.deposits_notified_behind_poison", len(behind_poison & after))
    fault("poison.parked", len(parked_in_mail(stack)))
    fault("poison.dead_letters", len(dead))
    fault("poison.all_notified_s", round(took, 2))
    fault("poison.parked_s", round(parked, 2))
    fault("poison.gauge_s", round(gauge, 2))


def applied_by_mail(stack: Stack) -> Counter[str]:
    """How many times mail's notifications projection applied each event (its spans)."""
    assert stack.traces_file is not None
    counts: Counter[str] = Counter()
    for line in stack.traces_file.read_text().splitlines():
        if '"notifications locker.DocumentDeposited"' in line:
            counts[json.loads(line)["attributes"]["ent.event_id"]] += 1
    return counts


def consumed_to_the_end(bootstrap: str) -> bool:
    """Whether mail's notifications consumer committed every record of the locker's topic."""

    async def compare() -> bool:
        # Assigned, never subscribed: it reads the group's offsets without joining it.
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=MAIL_GROUP, enable_auto_commit=False
        )
        await consumer.start()
        try:
            await consumer.topics()
            partitions = consumer.partitions_for_topic(topics.LOCKER) or set()
            assigned = [TopicPartition(topics.LOCKER, p) for p in partitions]
            consumer.assign(assigned)
            ends = await consumer.end_offsets(assigned)
            return all([(await consumer.committed(tp) or 0) >= end for tp, end in ends.items()])
        finally:
            await consumer.stop()

    return asyncio.run(compare())


def rewind_outbox(store: Path, position: int) -> None:
    """What an operator does after the broker lost data: publish again from `position`."""
    with sqlite3.connect(store, timeout=10) as conn:
        conn.execute(
            "UPDATE documents SET body = json_set(body, '$.position', ?)"
            " WHERE collection = '_checkpoints' AND id = 'outbox'",
            (position,),
        )


def test_a_range_published_twice_is_applied_once(stack: Stack, users: tuple[User, User]) -> None:
    sender, recipient = users
    locker_store = stack.data_dir / "locker" / "store.db"
    rewind_to = last_position(locker_store)
    documents = deposits(stack, sender, recipient, 20, first=1000)
    wait_until(
        lambda: outbox_checkpoint(locker_store) == last_position(locker_store), 30, "published"
    )
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        wait_until(lambda: documents <= notified(client, recipient), 60, "notified once")

    rewind_to_count = last_position(locker_store) - rewind_to
    rewind_outbox(locker_store, rewind_to)
    took = wait_until(
        lambda: outbox_checkpoint(locker_store) == last_position(locker_store), 30, "republished"
    )
    on_topic = Counter(deposited_id(v) for _, _, v in topic_records(stack.bootstrap, topics.LOCKER))
    assert all(on_topic[d] == 2 for d in documents), on_topic

    # Mail has read the second copies (and, as it should, applied none of them).
    wait_until(lambda: consumed_to_the_end(stack.bootstrap), 30, "mail consumed the copies")
    deposited = {
        json.loads(body)["event_id"]: json.loads(body)["payload"]["document_id"]
        for (body,) in read_store(
            locker_store,
            "SELECT envelope FROM events WHERE json_extract(envelope, '$.type')"
            " = 'locker.DocumentDeposited'",
        )
    }
    ours = {e for e, d in deposited.items() if d in documents}
    applied = applied_by_mail(stack)
    assert {applied[e] for e in ours} == {1}
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        notes = all_pages(client, "/api/mail/notifications", recipient.auth)
    assert Counter(n["document_id"] for n in notes if n["document_id"] in documents) == Counter(
        dict.fromkeys(documents, 1)
    )

    fault("duplicates.events_republished", rewind_to_count)
    fault("duplicates.deposits_on_topic_twice", sum(on_topic[d] == 2 for d in documents))
    fault("duplicates.applied_twice", sum(applied[e] > 1 for e in ours))
    fault("duplicates.republished_s", round(took, 2))
