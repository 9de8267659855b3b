"""`python -m ent_<service>` ends here: settings, logs, tracing, then serve until SIGTERM."""

from __future__ import annotations

import gc
import sys

import msgspec
import uvicorn
from litestar.types import ASGIApp

from ent_kit.http import IsolatedTraceContext, create_app
from ent_kit.logging import setup_logging
from ent_kit.runtime import Runtime, ServiceDefinition
from ent_kit.settings import ServiceSettings, load_settings
from ent_kit.telemetry import setup_tracing


def default_settings(name: str) -> dict[str, object]:
    return {
        "service_name": name,
        "store_url": f"sqlite://.data/{name}/store.db",
        "blob_url": f"file://.data/{name}/blobs",
    }


def build_runtime(definition: ServiceDefinition) -> Runtime:
    settings = load_settings(definition.settings_type, defaults=default_settings(definition.name))
    setup_logging(definition.name, settings.log_level)
    provider = setup_tracing(
        definition.name, otlp_endpoint=settings.otlp_endpoint, traces_file=settings.traces_file
    )
    return Runtime(definition=definition, settings=settings, tracer_provider=provider)


def run(definition: ServiceDefinition) -> None:
    """Serve, or with arguments run an operator's command (`ent_kit.ops_cli`)."""
    if sys.argv[1:]:
        # Imported here: its progress bars and argument parser are no part of a serving
        # process's memory.
        from ent_kit import ops_cli

        # The kit's settings only (store, broker, lease): the commands touch read models,
        # never the service's own peers, and sign nothing: the pod's key is dropped.
        settings = msgspec.structs.replace(
            load_settings(ServiceSettings, defaults=default_settings(definition.name)),
            service_signing_key="",
        )
        setup_logging(definition.name, settings.log_level)
        raise SystemExit(ops_cli.main(definition, settings, sys.argv[1:]))
    runtime = build_runtime(definition)
    serve(IsolatedTraceContext(create_app(runtime)), runtime.settings)


def spare_the_collector() -> None:
    """What a service has loaded before it serves (modules, the app and its routes: about
    110,000 objects) lives as long as the process. Left to the cyclic collector, each of
    its full collections went through them all again and paused every request under way:
    140-250 ms each, 8 of them in the directory during one short benchmark. Frozen, they
    are skipped, and a full collection goes through what was made since (1-11 ms). The
    garbage there is now is collected first, not kept for good."""
    gc.collect()
    gc.freeze()


def serve(app: ASGIApp, settings: ServiceSettings) -> None:
    spare_the_collector()
    # uvicorn stops accepting on SIGTERM/SIGINT, lets in-flight requests finish within the
    # grace period, then runs the lifespan shutdown (outbox flush, close stores).
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        lifespan="on",
        # The C event loop and HTTP parser: every hop (gateway, service) and every upload
        # chunk costs less CPU than with asyncio's own loop and h11 (chosen explicitly, so
        # that a missing wheel fails the start instead of silently falling back).
        loop="uvloop",
        http="httptools",
        # No service speaks WebSocket (live badges are server-sent events): without it
        # uvicorn loads no WebSocket library either.
        ws="none",
    )
