"""Suite `mail`: a send to 200 recipients, an inbox of 10,000 messages, the unread badge.

Two services run in this process, each as it serves in production (`create_app(runtime)`
from its own definition, wrapped in `IsolatedTraceContext`, served by uvicorn on a free
port of 127.0.0.1), on one event loop, without Kafka:
- the directory, on its own SQLite store, seeded with the demo collège (`demo_seed`);
- the Messagerie, on its own SQLite store, its `directory_url` pointing at the directory,
  so each send makes the real reachability call over HTTP. Without a broker its
  `PeopleProjection` (names) is fed here with the demo users' `UserRegistered`, as Kafka
  would; its periodic jobs (purges, e-mails) are off; its local projectors run. The send
  limits are set out of reach.
Requests are made with an `httpx.AsyncClient` over loopback TCP (keep-alive), with a
bearer token the gateway would issue. No gateway: these are the in-process figures.
`ENT_BENCH_QUICK=1` shrinks every count (development only: the figures are then noise).

Every latency is printed by `bench.report.latency` (p50, p99, `.floor_ms`,
`.ratio_to_floor` = p99 / floor) beside a floor measured in the same run, each floor
sample taken right after the request it stands beside; `.floor_ms` is the p99 of the
floor samples. A floor is the same physical work done the plainest way
(`bench.mail_floors`): the HTTP exchange with an empty Litestar handler called the same
way (same client, same headers, same body), plus the same rows written or read with
`sqlite3` alone. A floor sample is the sum of its separately timed parts.

- mail.send_200: POST /mail/messages by a teacher of every class (prof.francais) to 200 of
  his students and their parents, named one by one, SENDS timed sends after WARMUP, each a
  new conversation; answered 201 with `recipients == 200`. The time covers the directory's
  check (HTTP), the append, and the mailbox projection writing the 201 copies (200 in
  Reçus, the sender's in Envoyés) and their counts: the service answers only once the
  mailboxes are updated (read-your-writes).
  Floor: a POST of the same body to the empty handler, plus one SQLite transaction
  appending as many rows, of the same sizes, as one send writes in the store, committed
  with the store's durability (WAL, synced commit). The rows are counted, not assumed: the
  store is read row by row before the first send and after it, its projectors settled
  (`mail.send_200.rows_written`, per table `.rows_written.<table>`, `.bytes_written`). The
  floor writes them to a plain table with no secondary index: what the store's indexes
  cost (on SQLite each copy lands in 5 of them) is overhead above the floor. The
  directory's check is not in the floor either (it is not storage work of the send): it
  is shown as a hop, `mail.send_200.parts.directory_check.p50_ms`, beside the store's own
  write of the delivery's documents through the kit (`parts.store_write`: the 402
  documents, of the projection's shapes, in a folder no listing reads) and the floor's
  parts (`parts.http_empty`, `parts.sqlite_write`, `parts.sqlite_read`).
- mail.send_200_visible: from the same sends' start until the 200 recipients' inboxes hold
  the message: the send, then one read of the 200 inbox copies from the store (all
  present, in Reçus, unread) and the first inbox page (limit 1) of one recipient through
  `MailQueries.folder_page`, which must list it first. Floor: the send's, plus the 201
  rows just written read back by key.
- mail.inbox_page_10k: a teacher (prof.mathematiques) who already received INBOX_MESSAGES
  messages over a school year, each also sent to OTHERS colleagues, reads Reçus page by
  page, PAGE_SIZE a page with the cursor, through GET /mail/folders/inbox/messages; all of
  them once, newest first. The messages are appended as `MessageSent` to their
  conversations through the repository (the domain's rules), SAVERS at a time, the
  projectors waited for; the service is then restarted, as a deployment does, so the
  planner has statistics. The sends above land in the same store. Floor: a GET to the
  empty handler plus the bare indexed query returning the same rows (the adapter's own
  statement, `find_sql`, run on a read-only `sqlite3` connection to the store's file,
  rows left as JSON text; it must return the page's copies). Goal (issue #13): p99 <= 3 x
  the floor.
- mail.unread_count: GET /mail/unread-count for that teacher, UNREAD_READS times. Floor: a
  GET to the empty handler plus the bare primary-key read of the inbox's counts row.
- mail.gateway_send_200.c1: the user's path, after the above (`bench.mail_gateway`): the
  whole platform started as processes (`Stack`, the broker, the relay), the same send to
  200 people, an audience among them, through the gateway; beside `mail.send_200`'s floor.

Floors read pages the request has just warmed: if anything the floor is flattered and the
ratio pessimistic; when a request costs little more than its floor the two p99 are within
noise and the ratio may dip below 1. On SQLite a 200-recipient delivery dirties more pages
than the WAL's auto-checkpoint threshold (1,000 pages): the commit that writes it also
checkpoints the WAL into the database; the floor's plain table does so less often.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from ent_directory.domain.demo_school import DemoUser, demo_users
from ent_kit.http import IsolatedTraceContext, create_app
from ent_kit.logging import setup_logging

from bench.empty_service import empty_app
from bench.load_client import load_client
from bench.mail_floors import BareStore
from bench.mail_gateway import gateway_sends
from bench.mail_reads import inbox_pages, unread_counts
from bench.mail_send import sends
from bench.mail_setup import (
    READER_LOGIN,
    Clients,
    directory_app,
    fill_inbox,
    mail_runtime,
    mail_store,
    register_people,
    serving,
)

# --- the run ------------------------------------------------------------------------------


async def measure(tmp: Path, directory_url: str, users: list[DemoUser]) -> float:
    """The Messagerie restarted over the prefilled store, served and called over HTTP;
    answers the send's floor (ms)."""
    runtime = mail_runtime(tmp, directory_url)
    reader = next(u for u in users if u.login == READER_LOGIN)
    async with (
        serving(IsolatedTraceContext(create_app(runtime))) as mail_url,
        serving(empty_app()) as empty_url,
        load_client(mail_url, timeout=60) as mail,
        load_client(empty_url, timeout=60) as empty_client,
    ):
        clients = Clients(mail, empty_client, runtime, mail_store(tmp))
        send_floor = await sends(clients, users, directory_url, tmp)
        bare = BareStore(clients.store)
        try:
            await inbox_pages(clients, bare, reader)
            await unread_counts(clients, bare, reader)
        finally:
            bare.close()
    return send_floor


async def run() -> None:
    # The services' own logging, at WARNING: a failing projector still shows.
    setup_logging("mail", "WARNING")
    rng = random.Random(20_250_901)
    users = demo_users()
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp_name:
        tmp = Path(tmp_name)
        async with serving(directory_app(tmp)) as directory_url:
            runtime = mail_runtime(tmp, directory_url)
            await runtime.start()
            try:
                await register_people(runtime, users)
                await fill_inbox(runtime, rng, users)
            finally:
                await runtime.stop()
            send_floor = await measure(
                tmp, directory_url, users
            )  # a restart, as after a deployment
    await gateway_sends(users, send_floor)  # the user's path, beside the same floor
