"""The kit's send-limit counting (`ent_kit.send_limits`), shared by the Messagerie and the
Casier: sliding windows over a sender's sends and over the distinct people reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ent_kit.send_limits import Limit, SendHistory, exceeded, longest

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)

LIMITS: list[Limit[str]] = [
    Limit(name="sends_per_hour", counts="sends", window=HOUR, allowed=3),
    Limit(name="sends_per_day", counts="sends", window=DAY, allowed=5),
    Limit(name="people_per_hour", counts="recipients", window=HOUR, allowed=4),
    Limit(name="people_per_day", counts="recipients", window=DAY, allowed=6),
]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def history(*sends: tuple[float, list[str]]) -> SendHistory:
    built = SendHistory()
    for minutes, recipients in sends:
        built = built.recorded(at(minutes), recipients, longest(LIMITS))
    return built


def test_an_empty_history_lets_a_send_within_the_limits_through() -> None:
    assert exceeded(LIMITS, SendHistory(), ["a", "b"], T0) is None


def test_the_sends_of_the_hour_are_counted_and_the_wait_is_the_oldest_leaving() -> None:
    sent = history((0, ["a"]), (10, ["a"]), (20, ["a"]))
    over = exceeded(LIMITS, sent, ["a"], at(30))
    assert over is not None
    assert (over.limit, over.allowed, over.attempted) == ("sends_per_hour", 3, 4)
    assert over.retry_after_s == 30 * 60
    assert exceeded(LIMITS, sent, ["a"], at(61)) is None


def test_the_sends_of_the_day_count_beyond_the_hour() -> None:
    sent = history((0, ["a"]), (10, ["a"]), (120, ["a"]), (130, ["a"]), (240, ["a"]))
    over = exceeded(LIMITS, sent, ["a"], at(300))
    assert over is not None
    assert (over.limit, over.attempted) == ("sends_per_day", 6)
    assert over.retry_after_s == (24 * 60 - 300) * 60  # when the send at T0 leaves the day


def test_distinct_people_are_counted_once_per_window() -> None:
    sent = history((0, ["a", "b"]), (5, ["a", "c"]))
    assert exceeded(LIMITS, sent, ["a", "b", "c", "d"], at(10)) is None  # a, b, c, d: 4
    over = exceeded(LIMITS, sent, ["d", "e"], at(10))
    assert over is not None
    assert (over.limit, over.allowed, over.attempted) == ("people_per_hour", 4, 5)
    assert over.retry_after_s == 50 * 60  # a and b, written to at T0 and 5 min, leave first


def test_distinct_people_of_the_day() -> None:
    sent = history((0, ["a", "b", "c"]), (120, ["d", "e"]))
    over = exceeded(LIMITS, sent, ["f", "g"], at(180))
    assert over is not None
    assert (over.limit, over.attempted) == ("people_per_day", 7)
    assert over.retry_after_s == (24 * 60 - 180) * 60


def test_one_send_to_more_people_than_allowed_is_refused_on_its_own() -> None:
    over = exceeded(LIMITS, SendHistory(), [f"p{i}" for i in range(5)], T0)
    assert over is not None
    assert (over.limit, over.attempted, over.retry_after_s) == ("people_per_hour", 5, 3600)


def test_the_history_forgets_what_no_window_looks_at_and_survives_a_document() -> None:
    sent = history((0, ["a"]), (24 * 60 + 30, ["b"]))
    assert sent.sent_at == [at(24 * 60 + 30)]
    assert sent.recipients == {"b": at(24 * 60 + 30)}
    assert SendHistory.of(sent.document()) == sent
    assert SendHistory.of(None) == SendHistory()
    # Read models written before the kit kept ISO strings with an offset: still read.
    old = {"sent_at": [T0.isoformat()], "recipients": {"a": T0.isoformat()}}
    assert SendHistory.of(old) == SendHistory(sent_at=[T0], recipients={"a": T0})
