"""What every service's controllers share: the request type that carries the caller's
verified Identity, and the page size every listing accepts."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.params import Parameter

from ent_kit.auth import Identity

AnyRequest = Request[Identity, Any, Any]
MAX_PAGE = 200
PageSize = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Entries per page")]
