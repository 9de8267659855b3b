"""The gateway's sign-in look-ups (`ent_contracts.directory_api`), for service tokens only:
a password check, and an account by login. Not in the public API."""

from __future__ import annotations

from ent_contracts.directory_api import ACCOUNT_PATH, SIGN_IN_PATH, PasswordCheck, SignInAccount
from ent_kit.controllers import AnyRequest
from ent_kit.scopes import DIRECTORY_ACCOUNT, DIRECTORY_SIGN_IN, service_route
from litestar import Controller, get, post

from ent_directory.application.credentials import Credentials
from ent_directory.application.queries import DirectoryQueries


class InternalController(Controller):
    include_in_schema = False

    @post(SIGN_IN_PATH, status_code=200, opt=service_route(DIRECTORY_SIGN_IN))
    async def authenticate(
        self, request: AnyRequest, data: PasswordCheck, credentials: Credentials
    ) -> SignInAccount:
        return await credentials.sign_in(request.user, data)

    @get(ACCOUNT_PATH.replace("{login}", "{login:str}"), opt=service_route(DIRECTORY_ACCOUNT))
    async def account(
        self, request: AnyRequest, queries: DirectoryQueries, login: str
    ) -> SignInAccount:
        return await queries.account(request.user, login)
