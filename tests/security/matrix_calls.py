"""How the authorization matrix calls one route as one caller, and how it judges the answer.

`Call` says what to send to a route (path ids, query, body) from the ids the set-up made;
`Expect` is a class of answers; `judge` says whether an answer belongs to its class."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import httpx

Ids = dict[str, str]


class Expect(Enum):
    OK = "ok"  # 2xx or 3xx
    # Let through: 2xx/3xx, or an answer about the caller's own request (400, 409, 413,
    # 415, 422), never 401, 403 or 404.
    ACCEPTED = "accepted"
    UNAUTHENTICATED = "401"
    FORBIDDEN = "403"
    HIDDEN = "403-or-404"  # refused without saying whether the thing exists
    # A batch over someone else's things: refused (403/404), or 2xx listing none of them
    # as done.
    NOTHING_DONE = "nothing-done"
    REFUSED = "403-or-422"  # understood, and refused: the caller may not (e.g. write to them)
    GONE = "410"  # a transfer link unknown or expired: the same answer for everyone


CALLER_FAULTS = {400, 409, 413, 415, 422}


@dataclass(frozen=True)
class Call:
    """What to send. Values are `str.format` templates over the set-up's ids."""

    params: dict[str, str] = field(default_factory=dict)  # path parameter → template
    query: dict[str, str] = field(default_factory=dict)
    json: Callable[[Ids], Any] | None = None
    data: dict[str, str] = field(default_factory=dict)  # multipart fields before the file
    file: tuple[str, bytes, str] | None = None
    file_field: str = "file"  # the multipart name of the file part
    content: bytes | None = None
    content_type: str | None = None
    stream: bool = False  # Server-Sent Events: read the status, then hang up
    touches: tuple[str, ...] = ()  # ids (by name) a NOTHING_DONE batch must not list as done
    # Path parameters of one caller's own: on a route that uses its thing up (a delete, a
    # decision), each caller let through is asked about a thing of its own.
    own: dict[str, dict[str, str]] = field(default_factory=dict)


_PARAM = re.compile(r"{(\w+)}")


def url_of(route_path: str, call: Call, ids: Ids) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return call.params.get(name, "{" + name + "}").format(**ids)

    return _PARAM.sub(value, route_path)


def send(
    api: httpx.Client, method: str, path: str, call: Call, ids: Ids, headers: dict[str, str]
) -> httpx.Response:
    url = url_of(path, call, ids)
    query = {k: v.format(**ids) for k, v in call.query.items()}
    kwargs: dict[str, Any] = {"params": query, "headers": dict(headers)}
    if call.json is not None:
        kwargs["json"] = call.json(ids)
    if call.file is not None:
        kwargs["files"] = {call.file_field: call.file}
        kwargs["data"] = {k: v.format(**ids) for k, v in call.data.items()}
    if call.content is not None:
        kwargs["content"] = call.content
        kwargs["headers"]["content-type"] = call.content_type or "application/octet-stream"
    if call.stream:
        with api.stream(method, url, **kwargs) as response:
            return httpx.Response(response.status_code, headers=response.headers)
    return api.request(method, url, **kwargs)


def judge(expect: Expect, response: httpx.Response, call: Call, ids: Ids) -> bool:
    status = response.status_code
    if expect is Expect.OK:
        return 200 <= status < 400
    if expect is Expect.ACCEPTED:
        return 200 <= status < 400 or status in CALLER_FAULTS
    if expect is Expect.UNAUTHENTICATED:
        return status == 401
    if expect is Expect.FORBIDDEN:
        return status == 403
    if expect is Expect.HIDDEN:
        return status in (403, 404)
    if expect is Expect.REFUSED:
        return status in (403, 422)
    if expect is Expect.GONE:
        return status == 410
    if status in (403, 404):
        return True
    if not 200 <= status < 300:
        return False
    done = response.json().get("done", [])
    return not {ids[name] for name in call.touches} & set(done)
