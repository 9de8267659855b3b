"""Start and stop the platform: the Tansu broker, then each service as its own process.

Children run in their own sessions so a terminal Ctrl-C reaches only this supervisor,
which stops services first (they flush their outboxes) and the broker last. With
`supervise=True` (`make run`), a process that exits unasked is started again after a
backoff, and the stack gives up (`failed`) when one keeps crashing (`RestartPolicy`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
from ent_contracts import topics
from ent_kit.dev_keys import DevKeys
from ent_kit.messaging import ensure_topics

from ent_devstack.processes import (
    BACKEND_SERVICES,
    Ports,
    TansuBroker,
    free_port,
    port_in_use,
    wait_for,
)

__all__ = ["BACKEND_SERVICES", "Ports", "RestartPolicy", "Stack", "TansuBroker", "free_port"]


@dataclass(frozen=True)
class RestartPolicy:
    """A process that exits unasked starts again after `first_delay_s`, doubled at each
    crash within `window_s` (at most `max_delay_s`); one crash more than `max_restarts`
    within `window_s` and the supervisor gives up."""

    max_restarts: int = 5
    window_s: float = 60.0
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0


@dataclass(frozen=True)
class Restart:
    """One restart by the supervisor: which process, how it had exited, and when."""

    name: str
    returncode: int
    exited_at: float  # time.monotonic()
    started_at: float


BROKER = "broker"  # the broker's name for the supervisor, next to the services'


def _say(line: str) -> None:
    print(line, flush=True)


class Stack:
    def __init__(
        self,
        data_dir: Path,
        ports: Ports | None = None,
        *,
        traces_file: Path | None = None,
        extra_env: dict[str, str] | None = None,
        supervise: bool = False,
        restart_policy: RestartPolicy | None = None,
        say: Callable[[str], None] = _say,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.ports = ports or Ports()
        self.traces_file = traces_file
        self.extra_env = extra_env or {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.broker = TansuBroker(self.ports.kafka)
        self._logs: list[IO[bytes]] = []
        # Supervision (`supervise=True`): how to start each process again, which ones were
        # stopped on purpose, recent crashes and pending restarts, and the outcome.
        self.supervise = supervise
        self.restart_policy = restart_policy or RestartPolicy()
        self.restarts: list[Restart] = []
        self.failed = threading.Event()  # set when the supervisor gave up
        self.failure = ""
        self._say = say
        self._launchers: dict[str, Callable[[], None]] = {}
        self._held: set[str] = set()
        self._crashes: dict[str, list[float]] = {}
        self._due: dict[str, tuple[float, int, float]] = {}  # name: (when, code, exited_at)
        self._lock = threading.RLock()
        self._watching = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports.services[name]}"

    def log_file(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{name}.log"

    @property
    def keys(self) -> DevKeys:
        """Kept in the data directory, so tokens and receipts survive a restart."""
        return DevKeys.kept_in(self.data_dir / "keys")

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
        if self.supervise:
            self._start_watching()

    def _start_broker(self, timeout: float = 30.0) -> None:
        self.broker = TansuBroker(self.ports.kafka, self._open_log("broker"))
        self._launchers[BROKER] = self._start_broker
        self.broker.start(timeout)
        # The broker keeps topics in memory: a restarted one has none (services create
        # theirs again too when they reconnect).
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
            # Its own private key and the public keys it needs, nothing else.
            **self.keys.environ(name),
            "ENT_DEMO_SEED": "true",
            "ENT_DEV_LOGIN": "true",
            "ENT_UPSTREAMS": ",".join(f"{n}={self.service_url(n)}" for n in BACKEND_SERVICES),
            "ENT_DIRECTORY_URL": self.service_url("directory"),
            "ENT_LOCKER_URL": self.service_url("locker"),
            # The transfer's share links point at the gateway; it shares them through mail.
            "ENT_TRANSFER_PUBLIC_URL": self.gateway_url,
            "ENT_MAIL_URL": self.service_url("mail"),
            **self.extra_env,
        }
        if self.traces_file:
            env["ENT_TRACES_FILE"] = str(self.traces_file)
        return env

    def _start_service(self, name: str, port: int) -> None:
        command = [sys.executable, "-m", f"ent_{name}"]
        self._spawn(name, command, self.service_env(name, port))

    def start_replica(self, name: str, timeout: float = 60.0) -> tuple[str, str]:
        """Another process of service `name` on the same store and blobs, as a second
        replica behind a load balancer would run: (its process key in `processes`, its URL)."""
        replica = f"{name}-{sum(key.startswith(f'{name}-') for key in self.processes) + 2}"
        port = free_port()
        command = [sys.executable, "-m", f"ent_{name}"]
        self._spawn(replica, command, self.service_env(name, port))
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=2.0) as client:
            wait_for(lambda: self._ready(client, replica, url), timeout, replica)
        return replica, url

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self._launchers[name] = lambda: self._spawn(name, command, env)
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
                wait_for(
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
            response = client.get(f"{url}/health/ready")
        except httpx.HTTPError:
            return False
        # A service takes commands before its broker link is up; the platform counts as
        # started once every consumer is attached, so that first requests see a settled flow.
        broker = response.json().get("non_blocking", {}).get("broker", "ok")
        return response.status_code == 200 and broker == "ok"

    def stop(self, grace: float = 15.0) -> None:
        """Services first, together (each flushes its outbox), the broker last."""
        self._stop_watching()
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

    # --- supervision and fault injection ------------------------------------------------

    def process(self, name: str) -> subprocess.Popen[bytes] | None:
        """The current process of a service (or of the broker: `"broker"`)."""
        return self.broker.process if name == BROKER else self.processes.get(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a process as a crash would: a supervised stack starts it again."""
        process = self.process(name)
        assert process is not None, f"no process {name}"
        process.send_signal(sig)

    def stop_process(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Stop one process on purpose (the supervisor leaves it down): its exit code."""
        with self._lock:
            self._held.add(name)
            self._due.pop(name, None)
        process = self.process(name)
        assert process is not None, f"no process {name}"
        if process.poll() is None:
            process.send_signal(sig)
        return process.wait(30)

    def start_process(self, name: str, timeout: float = 60.0) -> None:
        """Start again a process stopped with `stop_process` (the broker on its port, with
        the topics); returns once it is ready."""
        with self._lock:
            self._launchers[name]()
            self._held.discard(name)
        self.wait_ready(name, timeout)

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        if name == BROKER:
            wait_for(lambda: port_in_use(self.ports.kafka), timeout, BROKER)
            return
        url = self.gateway_url if name == "gateway" else self.service_url(name)
        with httpx.Client(timeout=2.0) as client:
            wait_for(lambda: self._answers_ready(client, url), timeout, name)

    @staticmethod
    def _answers_ready(client: httpx.Client, url: str) -> bool:
        try:
            return client.get(f"{url}/health/ready").status_code == 200
        except httpx.HTTPError:
            return False

    def _start_watching(self) -> None:
        self.failed.clear()
        self.failure = ""
        self._crashes.clear()
        self._watching.set()
        self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._watcher.start()

    def _stop_watching(self) -> None:
        self._watching.clear()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join()
        self._watcher = None
        with self._lock:
            self._due.clear()
            self._held.clear()

    def _watch(self) -> None:
        while self._watching.is_set():
            with self._lock:
                if not self._watching.is_set():
                    break
                self._supervise_once()
            time.sleep(0.1)

    def _supervise_once(self) -> None:
        now = time.monotonic()
        for name in [BROKER, *self.processes]:
            process = self.process(name)
            if process is None or name in self._held or name in self._due:
                continue
            code = process.poll()
            if code is not None:
                self._crashed(name, code, now)
        for name, (when, code, exited_at) in list(self._due.items()):
            if now >= when and self._watching.is_set():
                del self._due[name]
                try:
                    self._launchers[name]()
                except Exception as exc:  # seen as a crash again at the next look
                    self._say(f"{name} did not start again: {exc}")
                self.restarts.append(Restart(name, code, exited_at, time.monotonic()))

    def _crashed(self, name: str, code: int, now: float) -> None:
        policy = self.restart_policy
        recent = [t for t in self._crashes.get(name, []) if now - t < policy.window_s]
        self._crashes[name] = recent = [*recent, now]
        if len(recent) > policy.max_restarts:
            self.failure = (
                f"{name} exited ({code}) {len(recent)} times within {policy.window_s:g} s;"
                f" giving up (its log: {self.log_file(name)})"
            )
            self._say(self.failure)
            self._watching.clear()
            self.failed.set()
            return
        delay = min(policy.first_delay_s * 2 ** (len(recent) - 1), policy.max_delay_s)
        self._say(
            f"{name} exited ({code}); restarting in {delay:g} s"
            f" (attempt {len(recent)}/{policy.max_restarts})"
        )
        self._due[name] = (now + delay, code, now)

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
