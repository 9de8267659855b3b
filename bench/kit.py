"""Suite `kit`: raw Kafka produce rate vs the full event pipeline, measured in one run.

- kit.raw_produce.msgs_per_s: aiokafka producing the same number of envelope-sized messages
  as one pipeline run to the local Tansu broker (acks=all, keyed), the ceiling for anything
  built on top, and the pipeline's peer.
- kit.pipeline.events_per_s: 32 concurrent commands, each loading an aggregate through the
  repository, deciding and saving one event (SQLite, group commit) → outbox relay → Kafka →
  idempotent projection in another SQLite store, with the service's local projector running
  too; from the first command until both projections have applied the last event. The relay
  and the local projector run as a service runs them: on the lease holder, the lease checked
  in each checkpoint's transaction. The consumer runs as its own process, as the consuming
  service does in production (`bench/kit_pipeline.py`). Its goal: ≥ 0.3 of raw produce
  (`kit.pipeline.ratio_to_raw`).
- kit.bare_append.events_per_s: the same with bare `events.append` of prebuilt envelopes and
  no local projector (the figure this suite measured before): what the aggregate, the
  repository and the local projector cost (`kit.bare_append.ratio_to_raw`).
- kit.failover.*: the lease holder killed, the time until a standby runs the pipeline
  (`bench/kit_failover.py`).

`ENT_BENCH_QUICK=1` shrinks the counts (`bench/kit_sizes.py`) to check the code quickly.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer
from ent_contracts import topics
from ent_devstack.stack import TansuBroker, free_port
from ent_kit.messaging import encode_envelope, ensure_topics

from bench import kit_failover
from bench.kit_pipeline import pipeline, sample_event
from bench.kit_sizes import EVENTS, PARTITIONS, ROUNDS
from bench.report import figure, throughput


async def raw_produce(bootstrap: str, count: int) -> float:
    payloads = [
        (e.aggregate_id.encode(), encode_envelope(e)) for e in map(sample_event, range(count))
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        started = time.perf_counter()
        pending = [await producer.send("bench.raw", value, key=key) for key, value in payloads]
        await asyncio.gather(*pending)
        return count / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def run() -> None:
    """Each measure ROUNDS times, alternating, so all see the same machine; medians."""
    raw_rates: list[float] = []
    pipeline_rates: list[float] = []
    bare_rates: list[float] = []
    with TansuBroker(free_port()) as broker:
        await ensure_topics(broker.bootstrap, ["bench.raw", topics.DIRECTORY], PARTITIONS)
        for round_ in range(ROUNDS):
            raw_rates.append(await raw_produce(broker.bootstrap, EVENTS))
            with tempfile.TemporaryDirectory() as tmp:
                pipeline_rates.append(await pipeline(broker.bootstrap, Path(tmp), 2 * round_))
            with tempfile.TemporaryDirectory() as tmp:
                bare = await pipeline(broker.bootstrap, Path(tmp), 2 * round_ + 1, bare=True)
                bare_rates.append(bare)
    raw = statistics.median(raw_rates)
    figure("kit.raw_produce.msgs_per_s", raw, "msgs/s")
    throughput(
        "kit.pipeline.events_per_s",
        statistics.median(pipeline_rates),
        "events/s",
        peer=raw,
        peer_name="raw",
        goal_ratio=0.3,
    )
    throughput(
        "kit.bare_append.events_per_s",
        statistics.median(bare_rates),
        "events/s",
        peer=raw,
        peer_name="raw",
        goal_ratio=None,
    )
    await kit_failover.measure()
