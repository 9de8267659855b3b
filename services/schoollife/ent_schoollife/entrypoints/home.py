"""The home page's school-life blocks in one call, for the gateway's `GET /api/home`."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.controllers import AnyRequest
from ent_kit.errors import DomainError, Refused
from ent_kit.logging import get_logger
from ent_kit.problems import problem_document
from litestar import Controller, get
from litestar.params import Parameter

from ent_schoollife import texts
from ent_schoollife.application.grades_consultation import MAX_LATEST
from ent_schoollife.application.home_blocks import HOME_BLOCKS, HomeBlock, HomeBlocks

Latest = Annotated[int, Parameter(ge=1, le=MAX_LATEST, description="How many grades")]
ALL_BLOCKS = ",".join(HOME_BLOCKS)
Blocks = Annotated[str, Parameter(description=f"Comma-separated, among {ALL_BLOCKS}")]


log = get_logger("ent.schoollife.home")
FAILED = {"status": 500, "code": "internal_error"}


class BlockAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """One block as its own route answers it: `status` 200 and its `body`, or a refusal's
    status and its problem document."""

    status: int
    body: Any


class ChildBlocks(msgspec.Struct, frozen=True, kw_only=True):
    """A parent's child and their blocks."""

    student_id: str
    display_name: str
    blocks: dict[str, BlockAnswer]


class HomeController(Controller):
    path = "/schoollife/home"
    tags = ["schoollife"]

    @get(
        "/",
        summary="The home page's blocks (homework due, today's lessons, latest grades, agenda)",
        description="Each block answered as its own route would (`GET …/notebook/due-this-"
        "week`, `…/timetable/day`, `…/grades/latest`, `…/agenda/upcoming`), with its own "
        "status: one refused block does not refuse the others. When every block is refused "
        "alike (someone else's child: 404), that refusal is the answer.",
    )
    async def home(
        self,
        request: AnyRequest,
        home_blocks: HomeBlocks,
        student_id: str | None = None,
        blocks: Blocks = ALL_BLOCKS,
        latest: Latest = 5,
    ) -> dict[str, BlockAnswer]:
        answers, refusals = await _answered(
            home_blocks, _named(blocks), request.user, student_id, latest
        )
        if len(refusals) == len(answers) and len({a.status for a in answers.values()}) == 1:
            # Every block refused alike (someone else's child: 404): the call's answer,
            # as each block's own route gives it.
            raise refusals[0]
        return answers

    @get(
        "/children",
        summary="A parent's children, each with their home-page blocks",
        description="The child switch's list (as `GET …/me` gives it) with each child's "
        "blocks as `GET …/home?student_id=` answers them: a parent's page in one call. "
        "Empty for anyone but a parent.",
    )
    async def children(
        self,
        request: AnyRequest,
        home_blocks: HomeBlocks,
        blocks: Blocks = ALL_BLOCKS,
        latest: Latest = 5,
    ) -> list[ChildBlocks]:
        named = _named(blocks)
        family = []
        for child in await home_blocks.children(request.user):
            answers, _ = await _answered(home_blocks, named, request.user, child.user_id, latest)
            family.append(
                ChildBlocks(
                    student_id=child.user_id, display_name=child.display_name, blocks=answers
                )
            )
        return family


async def _answered(
    home_blocks: HomeBlocks,
    blocks: list[HomeBlock],
    me: Identity,
    student_id: str | None,
    latest: int,
) -> tuple[dict[str, BlockAnswer], list[DomainError]]:
    """Each block as its own route answers it, and the refusals among them."""
    answers: dict[str, BlockAnswer] = {}
    refusals: list[DomainError] = []
    for block in blocks:
        try:
            body = await home_blocks.block(block, me, student_id, latest)
        except DomainError as error:
            refusals.append(error)
            document = problem_document(error)
            answers[block] = BlockAnswer(status=document["status"], body=document)
        except Exception:  # a bug in one block: that block fails, not the page's others
            log.exception("home block failed", block=block)
            answers[block] = BlockAnswer(status=500, body=FAILED)
        else:
            answers[block] = BlockAnswer(status=200, body=body)
    return answers, refusals


def _named(blocks: str) -> list[HomeBlock]:
    named = [name.strip() for name in blocks.split(",") if name.strip()]
    unknown = [name for name in named if name not in HOME_BLOCKS]
    if unknown or not named:
        raise Refused(
            "blocks", "unknown_block", texts.UNKNOWN_HOME_BLOCK.format(names=", ".join(HOME_BLOCKS))
        )
    return [block for block in HOME_BLOCKS if block in named]
