"""Local accounts' passwords after the first: a signed-in user changes theirs, or signs out
everywhere; the school's direction gives a forgetful one a reset code, which sets a new
password once. Each ends the account's sessions (`SessionsEnded`): every token issued
before is refused by every service within seconds.

A reset code is kept as `one_time_codes` says, with whom it is for and until when it
works."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import msgspec
from ent_contracts.directory import SessionsEndReason
from ent_kit.auth import Identity
from ent_kit.errors import Refused
from ent_kit.logging import get_logger
from ent_kit.projections import LocalProjector
from ent_kit.sessions import StoredSessions
from ent_kit.storage import DocumentStore, Query

from ent_directory import texts
from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.credentials import CREDENTIALS, Credentials, check_strength
from ent_directory.application.management import Management, require_person
from ent_directory.application.one_time_codes import code_hash, has_expired, new_code, spend
from ent_directory.application.password_guesses import PasswordGuesses
from ent_directory.application.projections import USERS

RESETS = "password_resets"
log = get_logger("ent.directory.passwords")


class PasswordChange(msgspec.Struct, frozen=True, kw_only=True):
    current_password: str
    new_password: str


class ResetRedemption(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    password: str


class ResetCode(msgspec.Struct, frozen=True, kw_only=True):
    """Given once to the direction, to pass on to the person (never shown again)."""

    user_id: str
    token: str
    expires_at: datetime


class Passwords:
    def __init__(
        self,
        credentials: Credentials,
        commands: DirectoryCommands,
        management: Management,
        documents: DocumentStore,
        sessions: LocalProjector,
        *,
        gate: StoredSessions | None,
        reset_ttl: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._credentials = credentials
        self._commands = commands
        self._management = management
        self._documents = documents
        self._sessions = sessions  # the projector of the session versions tokens meet
        self._gate = gate  # this process's token check, told at once
        self._reset_ttl = reset_ttl
        self._clock = clock
        self._guesses = PasswordGuesses(documents, clock)

    async def change(self, caller: Identity, change: PasswordChange) -> None:
        """The signed-in user's new password; their current one proves it is them."""
        user_id = require_person(caller)
        check_strength(change.new_password, "new_password")
        if change.new_password == change.current_password:
            raise Refused("new_password", "unchanged", texts.SAME_PASSWORD)
        await self._guesses.admit(user_id)
        if not await self._credentials.verify(user_id, change.current_password):
            await self._guesses.failed(user_id)
            raise Refused("current_password", "wrong_password", texts.WRONG_PASSWORD)
        await self._guesses.succeeded(user_id)
        await self._set(user_id, change.new_password, "new_password", "password_changed", caller)

    async def sign_out_everywhere(self, caller: Identity) -> None:
        """Every token of the caller's account ends, this one too."""
        await self._end_sessions(require_person(caller), "signed_out_everywhere", caller)

    async def issue_reset(self, caller: Identity, user_id: str) -> ResetCode:
        """A new single-use code for an account the caller manages (its school's
        direction); any code given before for it stops working."""
        await self._management.user(caller, user_id)
        if await self._documents.get(CREDENTIALS, user_id) is None:
            raise Refused("user_id", "no_local_account", texts.NO_LOCAL_ACCOUNT)
        token = new_code()
        expires_at = self._clock() + self._reset_ttl
        async with self._documents.transaction() as tx:
            await tx.delete_matching(RESETS, Query(where={"user_id": user_id}))
            await tx.put(
                RESETS,
                code_hash(token),
                {"user_id": user_id, "expires_at": expires_at.isoformat(), "by": caller.user_id},
            )
        log.info("password reset code issued", user_id=user_id, by=caller.user_id)
        return ResetCode(user_id=user_id, token=token, expires_at=expires_at)

    async def redeem(self, redemption: ResetRedemption) -> None:
        """The code's account gets `password`; the code is spent whatever follows. An
        unknown, spent, or departed account's code is `invalid`; a late one `expired`."""
        check_strength(redemption.password, "password")  # before the code is spent
        reset = await spend(self._documents, RESETS, redemption.token)
        if reset is None:
            raise Refused("token", "invalid_token", texts.RESET_TOKEN_INVALID)
        if has_expired(reset, self._clock()):
            raise Refused("token", "expired_token", texts.RESET_TOKEN_EXPIRED)
        user_id = reset["user_id"]
        user = await self._documents.get(USERS, user_id)
        if user is None or not user["active"]:
            raise Refused("token", "invalid_token", texts.RESET_TOKEN_INVALID)
        actor = Identity(user_id=user_id, profile=user["profile"])
        await self._set(user_id, redemption.password, "password", "password_reset", actor)

    async def _set(
        self, user_id: str, password: str, field: str, reason: SessionsEndReason, by: Identity
    ) -> None:
        """The password first, then the sessions end: a failure in between leaves the old
        sessions on, never the account signed out with its old password still set."""
        await self._credentials.set_password([user_id], password, field=field)
        async with self._documents.transaction() as tx:
            await tx.delete_matching(RESETS, Query(where={"user_id": user_id}))
        await self._end_sessions(user_id, reason, by)

    async def _end_sessions(self, user_id: str, reason: SessionsEndReason, by: Identity) -> None:
        position = await self._commands.end_sessions(user_id, reason, by.actor)
        # Answered once this service refuses the old tokens; the others follow in seconds.
        await self._sessions.caught_up(position)
        if self._gate is not None:
            self._gate.forget(user_id)
        log.info("sessions ended", user_id=user_id, reason=reason)
