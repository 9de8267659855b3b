"""The platform supervised as `make run` runs it: a process killed with SIGKILL is started
again after a backoff, with one line saying so; one that keeps crashing makes the stack
give up (`make run` then stops everything and exits 1).

The locker killed in the middle of a deposit load: it comes back, and every deposit it
answered 201 is in its store, in the recipients' Mon casier, on `ent.locker.events`
(at least once: a relay killed between the broker's acknowledgement and its checkpoint
publishes again) and in mail's notifications."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import httpx
import pytest
from ent_contracts import topics
from ent_devstack.stack import BROKER, Ports, RestartPolicy, Stack
from platform_faults import (
    DepositLoad,
    User,
    deposit,
    deposited_positions,
    deposits_on_topic,
    fault,
    last_position,
    mon_casier,
    notified,
    outbox_checkpoint,
    sign_in,
    wait_until,
)

pytestmark = pytest.mark.e2e

POLICY = RestartPolicy(max_restarts=3, window_s=60.0, first_delay_s=1.0)
SENDERS = ("lucas.martin", "emma.richard")
RECIPIENTS = ("prof.francais", "prof.mathematiques")
said: list[str] = []


def say(line: str) -> None:
    said.append(line)
    print(line, flush=True)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    platform = Stack(
        tmp_path_factory.mktemp("supervised"),
        Ports.free(),
        supervise=True,
        restart_policy=POLICY,
        say=say,
    )
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def users(stack: Stack) -> dict[str, User]:
    return {login: sign_in(stack.gateway_url, login) for login in (*SENDERS, *RECIPIENTS)}


def answers_ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_killed_locker_comes_back_with_every_answered_deposit(
    stack: Stack, users: dict[str, User]
) -> None:
    store = stack.data_dir / "locker" / "store.db"
    pairs = [(users[s], users[r]) for s, r in zip(SENDERS, RECIPIENTS, strict=True)]
    load = DepositLoad(stack.gateway_url, pairs, interval_s=0.2)
    old = stack.process("locker")
    assert old is not None
    load.start()
    try:
        time.sleep(3.0)
        stack.kill("locker", signal.SIGKILL)
        killed_at = time.monotonic()
        back_s = wait_until(
            lambda: (
                stack.process("locker") is not old and answers_ready(stack.service_url("locker"))
            ),
            60,
            "locker started again",
        )
        back_at = killed_at + back_s
        time.sleep(3.0)  # the load goes on against the new process
    finally:
        load.stop()

    wait_until(lambda: outbox_checkpoint(store) == last_position(store), 60, "relay caught up")
    accepted = load.accepted
    before_kill = [a for a in accepted if a.answered_at < killed_at]
    api = httpx.Client(base_url=stack.gateway_url, timeout=30)
    documents = {str(a.document_id) for a in accepted}
    wait_until(
        lambda: documents <= set().union(*(notified(api, users[r]) for r in RECIPIENTS)),
        60,
        "mail's notifications caught up",
    )
    positions = deposited_positions(store)
    in_casier = {r: mon_casier(api, users[r]) for r in RECIPIENTS}
    on_topic = deposits_on_topic(stack.bootstrap, topics.LOCKER)
    restart = next(r for r in stack.restarts if r.name == "locker")
    duplicated = {doc: n for doc, n in on_topic.items() if n > 1}

    fault("supervision.locker_restart_s", round(back_s, 1))
    fault("supervision.locker_restart_delay_s", round(restart.started_at - restart.exited_at, 1))
    fault("supervision.requests_sent", len(load.answers))
    fault("supervision.requests_accepted", len(accepted))
    fault("supervision.requests_accepted_before_kill", len(before_kill))
    fault("supervision.requests_failed_while_down", len(load.failed))
    fault("supervision.events_on_topic", sum(on_topic[d] for d in documents))
    fault("supervision.events_duplicated", sum(n - 1 for n in duplicated.values()))

    assert restart.returncode == -signal.SIGKILL
    assert f"locker exited (-9); restarting in 1 s (attempt 1/{POLICY.max_restarts})" in said
    assert len(before_kill) >= 5
    # Refused only while the locker was down (503 from the gateway), never after.
    assert [a.n for a in load.failed if not killed_at - 1 <= a.sent_at <= back_at] == []
    assert documents <= set(positions)  # in the locker's store
    for recipient in RECIPIENTS:
        addressed = {a.document_id for a in accepted if a.recipient.login == recipient}
        assert addressed <= in_casier[recipient], recipient
    assert [d for d in documents if on_topic[d] == 0] == []


def test_a_killed_broker_is_started_again_and_the_services_reconnect(
    stack: Stack, users: dict[str, User]
) -> None:
    sender, recipient = users[SENDERS[0]], users[RECIPIENTS[0]]
    api = httpx.Client(base_url=stack.gateway_url, timeout=30)
    old = stack.process(BROKER)
    stack.kill(BROKER, signal.SIGKILL)
    killed_at = time.monotonic()
    back_s = wait_until(
        lambda: stack.process(BROKER) is not old and any(r.name == BROKER for r in stack.restarts),
        30,
        "broker started again",
    )
    response = deposit(api, sender, recipient, n=0)
    assert response.status_code == 201, response.text
    document_id = response.json()["document_id"]
    delivered_s = wait_until(lambda: document_id in notified(api, recipient), 60, "in mail")

    fault("supervision.broker_restart_s", round(back_s, 1))
    fault("supervision.broker_restart_to_mail_s", round(time.monotonic() - killed_at, 1))
    fault("supervision.deposit_to_mail_after_broker_restart_s", round(delivered_s, 1))
    assert any(line.startswith("broker exited (-9); restarting in 1 s") for line in said)


def test_a_process_that_keeps_crashing_makes_the_stack_give_up(stack: Stack) -> None:
    """Last in this module: the supervisor stops watching once it gives up."""
    crashes = 0
    while not stack.failed.is_set():
        process = stack.process("transfer")
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        crashes += 1
        wait_until(
            lambda p=process: stack.failed.is_set() or stack.process("transfer") is not p,
            60,
            "restarted or given up",
        )
        assert crashes <= POLICY.max_restarts + 1

    fault("supervision.crashes_before_giving_up", crashes)
    assert crashes == POLICY.max_restarts + 1
    assert stack.failure.startswith(
        f"transfer exited (-9) {crashes} times within {POLICY.window_s:g} s; giving up"
    )
    delays = [line for line in said if line.startswith("transfer exited (-9); restarting")]
    assert delays == [
        f"transfer exited (-9); restarting in {d:g} s (attempt {n}/{POLICY.max_restarts})"
        for n, d in ((1, 1), (2, 2), (3, 4))
    ]
