"""Sizes of suite `locker`; `ENT_BENCH_QUICK=1` shrinks them to check the code, not to
measure."""

from __future__ import annotations

import os

QUICK = os.environ.get("ENT_BENCH_QUICK", "") not in ("", "0")

GROUP_SIZE = 1_000  # never shrunk: the audience is what the figures are about
DOCUMENT_BYTES = 5 * 2**20
CHUNK = 64 * 2**10
WARMUP = 1 if QUICK else 3
DEPOSITS = 5 if QUICK else 30
# Before the clock starts the store already holds earlier deposits, PREFILL small files to
# GROUPS groups of GROUP_SIZE: ~300k folder entries, a store in use rather than a fresh
# one. Entries land at random places in the indexes keyed by owner, so the
# pages a deposit's transaction dirties grow with the store: on an empty store the same
# deposits take half as long (measured on 2 cores, p50/p99: 97/123 ms empty, 181/195 ms after 150,
# 220/244 ms after 300, 259/306 ms after 600).
PREFILL = 10 if QUICK else 300
GROUPS = 8
SAME_CONTENT = 3  # deposits of one identical content, for the blob count
LOCKER_DOCUMENTS = 1_000 if QUICK else 10_000
PAGE_SIZE = 50
# Reads of the whole Mon casier after the first, each followed by its floor's: a p99 of one
# pass (200 pages) moved with whatever else the machine did then, the floor's twofold.
LIST_ROUNDS = 2 if QUICK else 5
SENDERS = 300  # students, parents and colleagues who deposit into the teacher's locker
SAVERS = 16  # concurrent deposits while the locker is built (group commit)

# Through the gateway (`locker_gateway`): concurrent senders, and deposits each makes.
CONCURRENCY = (1, 8, 32)
GATEWAY_DEPOSITS = 4 if QUICK else 30  # in all, at each concurrency (at least one a sender)
GATEWAY_PREFILL = 4 if QUICK else 60  # deposits to the audience before the clock starts
EMPTY_CALLS = 20 if QUICK else 300  # the trivial route through the gateway
