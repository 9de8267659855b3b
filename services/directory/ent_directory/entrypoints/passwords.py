"""Directory HTTP API about passwords and sessions: change mine, sign out everywhere, a
reset code from the direction, and its redemption (public: whoever forgot their password
has no token). The code travels in bodies only, never in a URL that logs would keep."""

from __future__ import annotations

from typing import Final

from ent_kit.controllers import AnyRequest
from litestar import Controller, post

from ent_directory.application.passwords import (
    PasswordChange,
    Passwords,
    ResetCode,
    ResetRedemption,
)

# Public (no bearer token): the service definition lists it among its public paths.
REDEEM_PATH: Final = "/directory/password-reset"


class PasswordsController(Controller):
    path = "/directory"
    tags = ["directory"]

    @post(
        "/me/password",
        status_code=204,
        summary="Change my password (the current one confirms it); my sessions end",
    )
    async def change(self, request: AnyRequest, passwords: Passwords, data: PasswordChange) -> None:
        await passwords.change(request.user, data)

    @post(
        "/me/sign-out-everywhere",
        status_code=204,
        summary="End every session of my account, this one included",
    )
    async def sign_out_everywhere(self, request: AnyRequest, passwords: Passwords) -> None:
        await passwords.sign_out_everywhere(request.user)

    @post(
        "/users/{user_id:str}/password-reset",
        status_code=201,
        summary="A single-use password reset code for an account (direction), shown once",
    )
    async def issue_reset(
        self, request: AnyRequest, passwords: Passwords, user_id: str
    ) -> ResetCode:
        return await passwords.issue_reset(request.user, user_id)


class PasswordResetController(Controller):
    path = REDEEM_PATH
    tags = ["directory"]

    @post(
        "/",
        status_code=204,
        summary="Set a new password with a reset code (no sign-in); every session ends",
    )
    async def redeem(self, passwords: Passwords, data: ResetRedemption) -> None:
        await passwords.redeem(data)
