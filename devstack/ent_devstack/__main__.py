"""`make run`: the whole platform with a seeded demo school, until Ctrl-C.

Crashed processes are started again (backoff, one line each); one that keeps crashing
stops the platform and `make run` exits with status 1."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from ent_directory.domain.demo_school import DEMO_PASSWORD, SCHOOL_NAME, demo_users

from ent_devstack.stack import Stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(".data"))
    args = parser.parse_args()
    stack = Stack(args.data_dir, supervise=True)
    print(f"Starting the ENT platform (data in {stack.data_dir}) …", flush=True)
    stack.start()
    print_welcome(stack)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5) and not stack.failed.is_set():
        pass
    if stack.failed.is_set():
        print(f"\nGIVING UP: {stack.failure}", file=sys.stderr, flush=True)
    print("\nStopping (services flush their outboxes, then the broker) …", flush=True)
    stack.stop()
    print("Stopped. Data kept in", stack.data_dir)
    if stack.failed.is_set():
        sys.exit(1)


def print_welcome(stack: Stack) -> None:
    users = demo_users()
    by_profile = {
        p: [u for u in users if u.profile == p] for p in ("staff", "teacher", "student", "parent")
    }
    examples = [
        *by_profile["staff"],
        by_profile["teacher"][0],
        *by_profile["student"][:2],
        by_profile["parent"][0],
    ]
    url = stack.gateway_url
    print(f"""
ENT platform running — demo school: {SCHOOL_NAME} ({len(users)} accounts)
  Web app:   {url}/
  Gateway:   {url}
  API docs:  {url}/api/docs   (OpenAPI: {url}/api/openapi.json)
  Logs:      {stack.data_dir / "logs"}

Demo logins (password for all: {DEMO_PASSWORD}; or the passwordless dev login):""")
    for user in examples:
        print(f"  {user.login:<28} {user.profile:<8} {user.first_name} {user.last_name}")
    print(
        f"""
Try it:
  TOKEN=$(curl -s -X POST {url}/api/auth/login -H 'content-type: application/json' \\
          -d '{{"login": "{by_profile["student"][0].login}", "password": "{DEMO_PASSWORD}"}}' \\
          | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s {url}/api/directory/me -H "authorization: Bearer $TOKEN"

Ctrl-C stops everything; `make run` again keeps the data.""",
        flush=True,
    )


if __name__ == "__main__":
    main()
