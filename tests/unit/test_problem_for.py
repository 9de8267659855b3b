"""A domain refusal's answer: the field it names, and the errors it lists itself."""

from __future__ import annotations

import pytest
from ent_kit.errors import Conflict, DomainError, Refused
from ent_kit.problems import problem_for

LISTED = [{"field": "files[1].path", "reason": "duplicate", "message": "Deux fois."}]


@pytest.mark.parametrize(("kind", "status"), [(Conflict, 409), (Refused, 400)])
def test_a_refusal_naming_a_field_and_listing_errors_keeps_both(
    kind: type[DomainError], status: int
) -> None:
    problem = problem_for(kind("files", "duplicate_path", "Un chemin en double.", errors=LISTED))
    assert problem.status_code == status
    assert problem.extra["errors"] == [
        {"field": "files", "reason": "duplicate_path", "message": "Un chemin en double."},
        *LISTED,
    ]


def test_a_refusal_with_other_details_keeps_them() -> None:
    problem = problem_for(Conflict("", "limit_reached", "Trop.", limit=20))
    assert problem.extra == {"code": "limit_reached", "limit": 20}
