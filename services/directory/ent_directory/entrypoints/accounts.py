"""Sign-in support for the gateway: password check of local accounts (service tokens only)."""

from __future__ import annotations

from typing import Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.problems import Problem
from litestar import Controller, Request, post

from ent_directory.application.credentials import Credentials
from ent_directory.entrypoints.http import Account, card


class PasswordCheck(msgspec.Struct, frozen=True, kw_only=True):
    login: str
    password: str


class AccountsController(Controller):
    path = "/directory/internal"
    include_in_schema = False

    @post("/authenticate", status_code=200)
    async def authenticate(
        self, request: Request[Identity, Any, Any], data: PasswordCheck, credentials: Credentials
    ) -> Account:
        if not request.user.is_service:
            raise Problem(403, "forbidden", "service token required")
        user = await credentials.authenticate(data.login, data.password)
        if user is None:
            raise Problem(401, "invalid_credentials", "Identifiant ou mot de passe incorrect")
        account: Account = card(user, Account)
        return account
