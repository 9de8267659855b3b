"""The home page (`GET /api/home`): one call per screen, its blocks read from the services
concurrently, each within a short timeout.

Every read carries the caller's own bearer token: each service decides what the caller may
see (a parent's child, a teacher's day), as if the caller asked it directly. A block whose
service is slow, failing (5xx) or unreachable is `unavailable` and the page still answers;
a refusal for the caller (4xx: a `student_id` that is not their child's) is the page's
answer, so that the child switch tells nothing more than the service would.

School life's blocks come in one call (`GET /schoollife/home`, or for a parent every
child's at once, `GET /schoollife/home/children`), each block with its own status as its
own route would answer it; mail's block is one call too (`GET /mail/home`, the latest and
the unread count): a page is three calls (mail, the Casier, school life), not seven, for a
parent of several children too."""

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
    STUDENT_BLOCKS,
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
        family = await self._family(blocks, authorization)
        if family is None:
            return [], "unavailable"
        return family, "ok"

    async def _family(
        self, blocks: tuple[Block, ...], authorization: str
    ) -> list[ChildHome] | None:
        """Every child with their blocks, in one call to school life; None when it does not
        answer in time (or does not know the caller yet)."""
        with self._tracer.start_as_current_span("home.children"):
            params: dict[str, str | int] = {"blocks": ",".join(blocks), "latest": LATEST}
            call = self._read(
                _Call("schoollife", "/schoollife/home/children", params), authorization
            )
            family = await self._within_timeout(call, "children", switched=False)
        if family is None:
            return None
        return [
            ChildHome(
                student_id=str(child.get("student_id", "")),
                display_name=str(child.get("display_name", "")),
                blocks={
                    block: self._answered(block, (child.get("blocks") or {}).get(block), False)
                    for block in blocks
                },
            )
            for child in family.get("items", [])
            if isinstance(child, dict)
        ]

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
        own = [block for block in blocks if block in READERS]
        school_life = tuple(block for block in blocks if block in STUDENT_BLOCKS)
        *own_outcomes, school_life_outcome = await asyncio.gather(
            *(self._block(block, authorization, student_id, switched) for block in own),
            self._school_life(school_life, authorization, student_id, switched),
            return_exceptions=True,
        )
        read: dict[str, Json] = {}
        for block, outcome in zip(own, own_outcomes, strict=True):
            read[block] = _raised(outcome)
        read.update(_raised(school_life_outcome))
        return {block: read[block] for block in blocks}

    async def _block(
        self, block: Block, authorization: str, student_id: str | None, switched: bool
    ) -> Json:
        """One block, `unavailable` when its service is slow, failing or down. A refusal
        is the page's when the session has ended (401) or the caller named the student
        (the child switch: 404 for someone else's child); else (a caller the service does
        not know yet, say) the block is only unavailable."""
        with self._tracer.start_as_current_span(f"home.{block}") as span:
            span.set_attribute("ent.home.block", block)
            data = await self._within_timeout(
                READERS[block](self, authorization, _followed(student_id)), block, switched
            )
            outcome = UNAVAILABLE if data is None else {"status": "ok", **data}
            span.set_attribute("ent.home.status", outcome["status"])
            return dict(outcome)

    async def _school_life(
        self, blocks: tuple[Block, ...], authorization: str, student_id: str | None, switched: bool
    ) -> dict[str, Json]:
        """School life's blocks in one call; each answered as its own route would, so a
        block refused is judged like a block read alone (see `_block`)."""
        if not blocks:
            return {}
        with self._tracer.start_as_current_span("home.schoollife") as span:
            span.set_attribute("ent.home.blocks", list(blocks))
            params = {**_followed(student_id), "blocks": ",".join(blocks), "latest": LATEST}
            call = self._read(_Call("schoollife", "/schoollife/home", params), authorization)
            answers = await self._within_timeout(call, "schoollife", switched)
            result: dict[str, Json] = {}
            for block in blocks:
                with self._tracer.start_as_current_span(f"home.{block}") as block_span:
                    block_span.set_attribute("ent.home.block", block)
                    outcome = self._answered(block, (answers or {}).get(block), switched)
                    block_span.set_attribute("ent.home.status", outcome["status"])
                    result[block] = outcome
            return result

    def _answered(self, block: Block, answer: Any, switched: bool) -> Json:
        """One block of school life's answer: shaped when 200; a refusal raised when it is
        the page's (see `_block`); else unavailable."""
        if not isinstance(answer, dict):
            return dict(UNAVAILABLE)
        status, body = answer.get("status"), answer.get("body")
        if status == 200:
            return {"status": "ok", **SHAPES[block](_as_object(body))}
        if isinstance(status, int) and 400 <= status < 500:
            if status == 401 or switched:
                raise BlockRefused(status, body)
            log.warning("home block refused", block=block, status=status)
        return dict(UNAVAILABLE)

    async def _within_timeout(
        self, read: Awaitable[Json], name: str, switched: bool
    ) -> Json | None:
        """What `read` gives within the block timeout; None when its service is slow,
        failing or down, or refuses a caller it does not know yet (the page's refusals,
        an ended session or the child switch, are raised)."""
        try:
            async with asyncio.timeout(self._timeout_s):
                return await read
        except BlockRefused as refused:
            if refused.status == 401 or switched:
                raise
            log.warning("home block refused", block=name, status=refused.status)
        except _Unavailable:
            pass
        except TimeoutError:
            log.warning("home block timed out", block=name, timeout_s=self._timeout_s)
        return None

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
        return _as_object(answer.body)

    # --- what each block reads ------------------------------------------------------------

    async def _messages(self, authorization: str, followed: Json) -> Json:
        mail = await self._read(_Call("mail", "/mail/home", {"limit": LATEST}), authorization)
        return {"latest": mail.get("latest", []), "unread": mail.get("unread", 0)}

    async def _casier(self, authorization: str, followed: Json) -> Json:
        # The locker keeps no "new" (unseen) mark on a deposit: the latest received are
        # shown, newest first, never a scan of the whole Casier.
        page = await self._read(
            _Call("locker", "/locker/received", {"limit": LATEST}), authorization
        )
        return {"latest": page.get("items", []), "new_count": None}


# The account's blocks, each read on its own…
READERS: Mapping[Block, Callable[[Home, str, Json], Awaitable[Json]]] = {
    "messages": Home._messages,
    "casier": Home._casier,
}


def _homework(due: Json) -> Json:
    items = due.get("items", [])
    done = sum(1 for item in items if (item.get("status") or {}).get("done"))
    return {"items": items, "done": done, "to_do": len(items) - done}


# …a followed student's, shaped from school life's one answer (the rest as it comes).
SHAPES: Mapping[Block, Callable[[Json], Json]] = {
    "homework": _homework,
    "lessons": dict,
    "grades": dict,
    "agenda": dict,
}
assert set(READERS) | set(SHAPES) == set(BLOCKS)
assert set(SHAPES) == set(STUDENT_BLOCKS)


def _raised(outcome: Json | BaseException) -> Json:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _as_object(body: Any) -> Json:
    """A JSON object as a block reads it: a list is its `items`."""
    return body if isinstance(body, dict) else {"items": body}


def _followed(student_id: str | None) -> Json:
    return {} if student_id is None else {"student_id": student_id}


def _with_hidden(blocks: Mapping[str, Json], names: tuple[Block, ...]) -> dict[str, Json]:
    return {name: blocks.get(name, HIDDEN) for name in names}
