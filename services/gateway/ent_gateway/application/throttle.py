"""Sign-in throttling: after a few failures, each further attempt waits a doubling delay.

Counted per login and per client address, in this gateway process's memory (see
`SignInThrottle`). An attempt counts as a failure from the moment it is admitted until
it succeeds, so that attempts sent all at once are throttled too: the first
`free_failures` go through, the others are refused at once, without any hashing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ent_kit.errors import TooMany

from ent_gateway import texts


@dataclass(frozen=True)
class ThrottlePolicy:
    """`free_failures` failures within `window_s` go unpunished; then the next attempt
    must wait `first_delay_s` after the last failure, doubling at each further failure,
    up to `max_delay_s`. A key with no failure for `window_s` is forgotten."""

    free_failures: int
    first_delay_s: float = 1.0
    max_delay_s: float = 900.0
    window_s: float = 900.0

    def delay_s(self, failures: int) -> float:
        """How long after the last failure the next attempt must wait."""
        beyond = failures - self.free_failures
        if beyond < 0:
            return 0.0
        return min(self.max_delay_s, self.first_delay_s * 2.0 ** min(beyond, 64))


@dataclass
class _Failures:
    count: int
    last_at: float


@dataclass
class _Counter:
    """Failures per key under one policy; bounded: stale keys are dropped, and past
    `max_keys` the least recently failed ones go first."""

    policy: ThrottlePolicy
    max_keys: int
    keys: dict[str, _Failures] = field(default_factory=dict)

    def wait_s(self, key: str, now: float) -> float:
        entry = self._live(key, now)
        if entry is None:
            return 0.0
        return max(0.0, entry.last_at + self.policy.delay_s(entry.count) - now)

    def fail(self, key: str, now: float) -> None:
        entry = self._live(key, now) or _Failures(0, now)
        entry.count += 1
        entry.last_at = now
        self.keys.pop(key, None)
        self.keys[key] = entry  # insertion order = least recently failed first
        while len(self.keys) > self.max_keys:
            del self.keys[next(iter(self.keys))]

    def touch(self, key: str, now: float) -> None:
        """The delay runs from the end of the failed attempt, not its start."""
        entry = self.keys.get(key)
        if entry is not None:
            entry.last_at = max(entry.last_at, now)

    def forget_one(self, key: str) -> None:
        entry = self.keys.get(key)
        if entry is not None:
            entry.count -= 1
            if entry.count <= 0:
                del self.keys[key]

    def reset(self, key: str) -> None:
        self.keys.pop(key, None)

    def _live(self, key: str, now: float) -> _Failures | None:
        entry = self.keys.get(key)
        if entry is not None and now - entry.last_at > self.policy.window_s:
            del self.keys[key]
            return None
        return entry


@dataclass(frozen=True)
class Attempt:
    login: str
    address: str


class SignInThrottle:
    """Per login and per client address, in memory: each gateway replica counts the
    attempts it receives, so behind a load balancer spreading sign-ins over N replicas an
    attacker gets up to N x the free failures before the delays start (then they double
    on each replica alike). The directory's bounded hashing pool protects its memory
    whatever the number of replicas; this throttle slows password guessing.

    A success resets its login's count. It does not reset its address's (signing in to
    one's own account would otherwise wipe the failures an address made on others'), it
    only withdraws its own attempt. The address threshold is the higher one: a whole
    school may sign in from one public address."""

    def __init__(
        self,
        by_login: ThrottlePolicy,
        by_address: ThrottlePolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self._logins = _Counter(by_login, max_keys)
        self._addresses = _Counter(by_address, max_keys)
        self._clock = clock

    def admit(self, login: str, address: str) -> Attempt:
        """Count an attempt as a failure until it succeeds, or refuse it: TooMany with the
        seconds to wait, when the login or the address is in a delay."""
        now = self._clock()
        login = _login_key(login)
        wait = max(self._logins.wait_s(login, now), self._addresses.wait_s(address, now))
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise TooMany(
                "login",
                "too_many_attempts",
                texts.TOO_MANY_SIGN_IN_ATTEMPTS,
                retry_after_s=retry_after,
            )
        self._logins.fail(login, now)
        self._addresses.fail(address, now)
        return Attempt(login, address)

    def failed(self, attempt: Attempt) -> None:
        now = self._clock()
        self._logins.touch(attempt.login, now)
        self._addresses.touch(attempt.address, now)

    def succeeded(self, attempt: Attempt) -> None:
        self._logins.reset(attempt.login)
        self._addresses.forget_one(attempt.address)

    def withdraw(self, attempt: Attempt) -> None:
        """The attempt could not be judged (the directory was unavailable): not a failure."""
        self._logins.forget_one(attempt.login)
        self._addresses.forget_one(attempt.address)


def _login_key(login: str) -> str:
    return login.strip().lower()[:256]  # the directory matches logins this way too
