"""Run every benchmark suite, or the one named: `python -m bench kit`."""

from __future__ import annotations

import importlib
import sys

import uvloop

from bench.report import summary

SUITES = ("kit", "directory", "locker", "mail", "transfer", "schoollife", "gateway")


def main(argv: list[str]) -> int:
    wanted = argv or list(SUITES)
    unknown = [s for s in wanted if s not in SUITES]
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)}; known: {', '.join(SUITES)}")
        return 2
    for suite in wanted:
        module = importlib.import_module(f"bench.{suite}")
        # The event loop the services serve on (`ent_kit.service.serve`): what a suite runs
        # in-process (a service's runtime, the kit pipeline) runs as it does in production.
        uvloop.run(module.run())
    summary()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
