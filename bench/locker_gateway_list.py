"""Suite `locker`, the user's path, continued: Mon casier through the gateway.

- locker.gateway_list_page_10k: after one untimed request, the teacher's Mon casier of
  LOCKER_DOCUMENTS read from the first page to the last, 50 entries a page with the
  cursor, each page a GET through
  the gateway (JWT check, proxy, the locker's session check, query and senders' names, the
  JSON). The locker is built before the platform starts (`bench.locker.build_locker`, as
  `locker.list_page_10k` builds its own). Floor: the bare SQL of the same pages on the
  same store file (`locker_floors.page_floor`), each plus a GET with the same token and
  query through the gateway to the empty handler (`bench.empty_service`), timed right
  after the page; goal p99 <= 3 x floor. `.ratio_to_query` is p99 over the bare SQL's
  p99 alone, the ratio before the HTTP floor was measured.

Before each measure the platform settles (`bench.platform_settle`): what the previous step
set going (the relay publishing the built locker's 10,000 events, mail notifying each
deposit's 1,000 recipients) finishes first, as it would long before a user's next click
in a school where deposits are spread over a year."""

from __future__ import annotations

import asyncio
import time

import httpx
from ent_devstack.stack import Stack
from ent_kit.storage import Query
from ent_locker.application.projections import ACTIVE, ENTRIES, RECEIVED

from bench.empty_service import FLOOR
from bench.locker_floors import page_floor, plus_http
from bench.locker_sizes import LOCKER_DOCUMENTS, PAGE_SIZE
from bench.report import figure, latency, p99


async def gateway_listing(
    stack: Stack, client: httpx.AsyncClient, auth: dict[str, str], teacher: str
) -> None:
    timings: list[float] = []
    http_floor: list[float] = []
    queries: list[Query] = []
    seen: list[tuple[str, str]] = []
    cursor: str | None = None
    # Untimed: the first request opens the connections (client to gateway, gateway to locker).
    warm = await client.get("/api/locker/received", params={"limit": "1"}, headers=auth)
    assert warm.status_code == 200, warm.text
    await empty_get(client, {"limit": "1"}, auth)  # and the gateway's to the empty handler
    while True:
        params = {"limit": str(PAGE_SIZE), **({"cursor": cursor} if cursor else {})}
        queries.append(
            Query(
                where={"owner_id": teacher, "folder": RECEIVED, "state": ACTIVE},
                order_by=[("deposited_at", "desc")],
                limit=PAGE_SIZE,
                after=cursor,
            )
        )
        started = time.perf_counter()
        response = await client.get("/api/locker/received", params=params, headers=auth)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        http_floor.append(await empty_get(client, params, auth))
        page = response.json()
        assert all(e["sender_name"] for e in page["items"])
        seen += [(e["deposited_at"], e["document_id"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == LOCKER_DOCUMENTS, len(seen)
    store = stack.data_dir / "locker" / "store.db"
    query_floor, query_samples = await asyncio.to_thread(page_floor, store, ENTRIES, queries)
    name = "locker.gateway_list_page_10k"
    latency(name, timings, plus_http(query_samples, http_floor), goal_ratio=3)
    figure(f"{name}.parts.http_floor.p99_ms", p99(http_floor), "ms")
    figure(f"{name}.ratio_to_query", p99(timings) / query_floor, "ratio")


async def empty_get(
    client: httpx.AsyncClient, params: dict[str, str], auth: dict[str, str]
) -> float:
    """ms of a GET with these parameters and token to the empty handler behind the gateway."""
    started = time.perf_counter()
    response = await client.get(f"/api/{FLOOR}/empty", params=params, headers=auth)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text
    return elapsed
