"""The home page (`GET /api/home`): one call per screen, its blocks read from the services
concurrently, each within a short timeout.

Every read carries the caller's own bearer token: each service decides what the caller may
see (a parent's child, a teacher's day), as if the caller asked it directly. A block whose
service is slow, failing (5xx) or unreachable is `unavailable` and the page still answers;
a refusal for the caller (4xx: a `student_id` that is not their child's) is the page's
answer, so that the child switch tells nothing more than the service would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from ent_kit.auth import Identity
from ent_kit.logging import get_logger
from ent_kit.telemetry import tracer

from ent_gateway.application.ports import ServiceAnswer, ServiceReader, Unreachable
from ent_gateway.domain.home import (
    ACCOUNT_BLOCKS,
    BLOCKS,
    Block,
    HomeLayout,
    plan,
)

log = get_logger("ent.gateway.home")

LATEST = 5  # messages, Casier documents, grades
Json = dict[str, Any]
BlockStatus = Literal["ok", "unavailable", "hidden"]


class ChildHome(msgspec.Struct, frozen=True, kw_only=True):
    """A parent's child: their name (the child switch) and their blocks."""

    student_id: str
    display_name: str
    blocks: dict[str, dict[str, Any]]


class HomePage(msgspec.Struct, frozen=True, kw_only=True):
    """Each block is `{"status": "ok" | "unavailable" | "hidden", …its data}`.

    A student, a teacher, staff: every block in `blocks`. A parent: the account's
    (`messages`, `casier`) in `blocks`, the school-life ones per child in `children`
    (only the child asked for with `student_id`); `children_status` is `unavailable` when
    the list of children could not be read."""

    profile: str
    blocks: dict[str, dict[str, Any]]
    children: list[ChildHome] = []
    children_status: BlockStatus = "ok"


class BlockRefused(Exception):
    """A service refused the caller (4xx): the page answers the same."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body if isinstance(body, dict) else {}


class _Unavailable(Exception):
    pass


HIDDEN: Json = {"status": "hidden"}
UNAVAILABLE: Json = {"status": "unavailable"}


@dataclass(frozen=True)
class _Call:
    service: str
    path: str
    params: Mapping[str, str | int]


class Home:
    def __init__(self, reader: ServiceReader, layout: HomeLayout, timeout_s: float) -> None:
        self._reader = reader
        self._layout = layout
        self._timeout_s = timeout_s
        self._tracer = tracer("ent.gateway.home")

    async def page(self, me: Identity, authorization: str, student_id: str | None) -> HomePage:
        visible = self._layout.blocks_for(me.profile, me.school_id)
        page_plan = plan(visible, me.profile)
        own = self._blocks(page_plan.account, authorization, None)
        if not page_plan.per_child:
            blocks = await own
            return HomePage(profile=me.profile, blocks=_with_hidden(blocks, BLOCKS))
        account, (children, children_status) = await asyncio.gather(
            own, self._children(page_plan.student, authorization, student_id)
        )
        return HomePage(
            profile=me.profile,
            blocks=_with_hidden(account, ACCOUNT_BLOCKS),
            children=children,
            children_status=children_status,
        )

    # --- a parent's children ------------------------------------------------------------

    async def _children(
        self, blocks: tuple[Block, ...], authorization: str, student_id: str | None
    ) -> tuple[list[ChildHome], BlockStatus]:
        if not blocks:
            return [], "ok"
        if student_id is not None:
            # The service says whether this is the caller's child (404 otherwise); the list
            # only names them, read meanwhile.
            names, child = await asyncio.gather(
                self._child_names(authorization),
                self._blocks(blocks, authorization, student_id, switched=True),
            )
            name = (names or {}).get(student_id, "")
            return [ChildHome(student_id=student_id, display_name=name, blocks=child)], "ok"
        names = await self._child_names(authorization)
        if names is None:
            return [], "unavailable"
        per_child = await asyncio.gather(
            *(self._blocks(blocks, authorization, child_id) for child_id in names)
        )
        children = [
            ChildHome(student_id=child_id, display_name=name, blocks=child)
            for (child_id, name), child in zip(names.items(), per_child, strict=True)
        ]
        return children, "ok"

    async def _child_names(self, authorization: str) -> dict[str, str] | None:
        """The caller's children (user_id → name) as school life knows them; None when
        school life does not answer in time."""
        try:
            async with asyncio.timeout(self._timeout_s):
                me = await self._read(_Call("schoollife", "/schoollife/me", {}), authorization)
        except BlockRefused as refused:
            if refused.status == 401:
                raise
            return None
        except (_Unavailable, TimeoutError):
            return None
        return {
            str(child["user_id"]): str(child.get("display_name", ""))
            for child in me.get("children", [])
        }

    # --- blocks ---------------------------------------------------------------------------

    async def _blocks(
        self,
        blocks: tuple[Block, ...],
        authorization: str,
        student_id: str | None,
        switched: bool = False,
    ) -> dict[str, Json]:
        """The blocks read at once; the first refusal (in page order) that is the page's
        is raised (see `_block`)."""
        outcomes = await asyncio.gather(
            *(self._block(block, authorization, student_id, switched) for block in blocks),
            return_exceptions=True,
        )
        result: dict[str, Json] = {}
        for block, outcome in zip(blocks, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                raise outcome
            result[block] = outcome
        return result

    async def _block(
        self, block: Block, authorization: str, student_id: str | None, switched: bool
    ) -> Json:
        """One block, `unavailable` when its service is slow, failing or down. A refusal
        is the page's when the session has ended (401) or the caller named the student
        (the child switch: 404 for someone else's child); else (a caller the service does
        not know yet, say) the block is only unavailable."""
        with self._tracer.start_as_current_span(f"home.{block}") as span:
            span.set_attribute("ent.home.block", block)
            try:
                async with asyncio.timeout(self._timeout_s):
                    data = await READERS[block](self, authorization, _followed(student_id))
            except BlockRefused as refused:
                if refused.status == 401 or switched:
                    raise
                log.warning("home block refused", block=block, status=refused.status)
                span.set_attribute("ent.home.status", "unavailable")
                return dict(UNAVAILABLE)
            except _Unavailable:
                span.set_attribute("ent.home.status", "unavailable")
                return dict(UNAVAILABLE)
            except TimeoutError:
                log.warning("home block timed out", block=block, timeout_s=self._timeout_s)
                span.set_attribute("ent.home.status", "unavailable")
                return dict(UNAVAILABLE)
            span.set_attribute("ent.home.status", "ok")
            return {"status": "ok", **data}

    async def _read(self, call: _Call, authorization: str) -> Json:
        """A service's JSON object; _Unavailable when it does not answer or fails (5xx),
        BlockRefused when it refuses the caller (4xx)."""
        try:
            answer: ServiceAnswer = await self._reader.get(
                call.service, call.path, call.params, authorization, self._timeout_s
            )
        except Unreachable as exc:
            log.warning("home block unreachable", service=call.service, error=str(exc))
            raise _Unavailable from exc
        if 400 <= answer.status < 500:
            raise BlockRefused(answer.status, answer.body)
        if answer.status != 200 or answer.body is None:
            log.warning("home block failed", service=call.service, status=answer.status)
            raise _Unavailable
        return answer.body if isinstance(answer.body, dict) else {"items": answer.body}

    # --- what each block reads ------------------------------------------------------------

    async def _messages(self, authorization: str, followed: Json) -> Json:
        latest, unread = await asyncio.gather(
            self._read(_Call("mail", "/mail/latest", {"limit": LATEST}), authorization),
            self._read(_Call("mail", "/mail/unread-count", {}), authorization),
        )
        return {"latest": latest["items"], "unread": unread.get("unread", 0)}

    async def _casier(self, authorization: str, followed: Json) -> Json:
        # The locker keeps no "new" (unseen) mark on a deposit: the latest received are
        # shown, newest first, never a scan of the whole Casier.
        page = await self._read(
            _Call("locker", "/locker/received", {"limit": LATEST}), authorization
        )
        return {"latest": page.get("items", []), "new_count": None}

    async def _homework(self, authorization: str, followed: Json) -> Json:
        due = await self._read(
            _Call("schoollife", "/schoollife/notebook/due-this-week", followed), authorization
        )
        items = due.get("items", [])
        done = sum(1 for item in items if (item.get("status") or {}).get("done"))
        return {"items": items, "done": done, "to_do": len(items) - done}

    async def _lessons(self, authorization: str, followed: Json) -> Json:
        return await self._read(
            _Call("schoollife", "/schoollife/timetable/day", followed), authorization
        )

    async def _grades(self, authorization: str, followed: Json) -> Json:
        return await self._read(
            _Call("schoollife", "/schoollife/grades/latest", {**followed, "limit": LATEST}),
            authorization,
        )

    async def _agenda(self, authorization: str, followed: Json) -> Json:
        return await self._read(
            _Call("schoollife", "/schoollife/agenda/upcoming", followed), authorization
        )


READERS: Mapping[Block, Callable[[Home, str, Json], Awaitable[Json]]] = {
    "messages": Home._messages,
    "casier": Home._casier,
    "homework": Home._homework,
    "lessons": Home._lessons,
    "grades": Home._grades,
    "agenda": Home._agenda,
}
assert set(READERS) == set(BLOCKS)


def _followed(student_id: str | None) -> Json:
    return {} if student_id is None else {"student_id": student_id}


def _with_hidden(blocks: Mapping[str, Json], names: tuple[Block, ...]) -> dict[str, Json]:
    return {name: blocks.get(name, HIDDEN) for name in names}
