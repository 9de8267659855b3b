"""The home page over HTTP: one call for the whole screen, per profile."""

from __future__ import annotations

from typing import Annotated

from ent_kit.controllers import AnyRequest
from ent_kit.problems import Problem
from litestar import Controller, get
from litestar.params import Parameter

from ent_gateway.application.home import BlockRefused, Home, HomePage

StudentId = Annotated[
    str | None,
    Parameter(
        description="A parent's child (the child switch): only that child's blocks. Left "
        "out, a parent gets every child's, each named."
    ),
]


class HomeController(Controller):
    path = "/api/home"
    tags = ["home"]

    @get(
        "/",
        summary="My home page: every block of the screen in one call",
        description="Blocks `messages` (latest 5 received, unread count), `casier` (latest "
        "5 received: the Casier keeps no unseen mark), `homework` (due this week, done or "
        "not), `lessons` (today's, with cancellations), `grades` (latest 5), `agenda` "
        '(coming days). Each is `{"status": "ok" | "unavailable" | "hidden", …}`: '
        "`hidden` when the profile does not see it in this school (`ENT_HOME_BLOCKS`), "
        "`unavailable` when its service did not answer in time or failed; the page still "
        "answers 200. A refusal by a service (404 for a `student_id` that is not my child) "
        "is the page's answer.",
    )
    async def home(self, request: AnyRequest, home: Home, student_id: StudentId = None) -> HomePage:
        authorization = request.headers.get("authorization", "")
        try:
            return await home.page(request.user, authorization, student_id)
        except BlockRefused as refused:
            body = refused.body
            code = str(body.get("code") or "refused")
            title = str(body.get("title") or code)
            raise Problem(refused.status, code, title, str(body.get("detail") or title)) from None
