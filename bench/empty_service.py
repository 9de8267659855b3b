"""The floor of an HTTP exchange: the least a Litestar request costs, one handler
answering `{}` to a GET, and to a POST once it has read the body to its end.

`empty_app()` is served in the bench's process where a suite calls the service directly
(suite `mail`). `behind_gateway` runs it as a process of its own, served as the services
are (uvicorn, uvloop, httptools) but without their middleware, access log or store, and
routes the gateway's `/api/floor/…` to it: a request through the gateway to it costs the
client, the gateway (JWT check, proxy) and the plainest service, which is the floor of
any request a user makes through the gateway."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from ent_devstack.processes import BACKEND_SERVICES, free_port, wait_for
from ent_devstack.stack import Stack
from litestar import Litestar, Request, Router, get, post

FLOOR = "floor"  # its name among the gateway's upstreams: /api/floor/empty


@get("/empty")
async def empty() -> dict[str, str]:
    return {}


@post("/empty", status_code=201)
async def empty_post(request: Request[Any, Any, Any]) -> dict[str, str]:
    async for _ in request.stream():
        pass
    return {}


def empty_app(prefix: str = "") -> Litestar:
    handlers = [empty, empty_post]
    routes = [Router(prefix, route_handlers=handlers)] if prefix else handlers
    return Litestar(routes, logging_config=None)


@contextmanager
def behind_gateway(stack: Stack) -> Iterator[None]:
    """The empty service running, and `stack`'s gateway (not started yet) routing
    `/api/floor/…` to it besides the services."""
    port = free_port()
    log = stack.log_file(FLOOR)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.empty_service", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=2.0) as client:
            wait_for(lambda: _answers(client, f"{url}/{FLOOR}/empty", process), 60.0, FLOOR)
        services = ",".join(f"{name}={stack.service_url(name)}" for name in BACKEND_SERVICES)
        stack.extra_env["ENT_UPSTREAMS"] = f"{services},{FLOOR}={url}"
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(client: httpx.Client, url: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"the {FLOOR} service exited with {process.returncode} (see its log)")
    try:
        return client.get(url).status_code == 200
    except httpx.TransportError:
        return False


if __name__ == "__main__":
    uvicorn.run(
        empty_app(f"/{FLOOR}"),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_config=None,
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
