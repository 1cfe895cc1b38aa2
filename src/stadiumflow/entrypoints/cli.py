"""The ``stadiumflow`` command: serve, worker, and the simulation and ML commands."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from stadiumflow.config import Settings
from stadiumflow.entrypoints.tools import ml as cli_ml
from stadiumflow.entrypoints.tools import simulate as cli_sim
from stadiumflow.entrypoints.tools.extras import missing_extra_message
from stadiumflow.entrypoints.tools.report import add_report_command

log = logging.getLogger("stadiumflow")
BACKENDS = ("sqlite", "memory", "azure")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "data_dir", None) is not None:
        overrides["data_dir"] = args.data_dir
    if getattr(args, "backend", None):
        overrides["backend"] = args.backend
    return Settings(**overrides)  # type: ignore[arg-type]


def _configure_logging(settings: Settings) -> None:
    from stadiumflow.entrypoints.logs import configure_logging

    configure_logging(settings.log_level)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    class _GracefulServer(uvicorn.Server):
        """Stops on SIGTERM/SIGINT after the lifespan shutdown, and exits 0.

        (uvicorn re-raises the signal after a graceful stop, which makes a clean stop
        look like a crash to supervisors that read the exit status.)
        """

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            previous = {
                sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
            }
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    from stadiumflow.bootstrap import bootstrap
    from stadiumflow.entrypoints.http.app import create_app
    from stadiumflow.entrypoints.http.security import warn_if_open

    settings = _settings(args)
    _configure_logging(settings)
    warn_if_open(settings)
    services = bootstrap(settings)
    app = create_app(services, worker_mode="none" if args.no_worker else args.worker)
    log.info(
        "serving on http://%s:%d (data in %s, backend %s)",
        args.host,
        args.port,
        settings.data_dir,
        settings.backend,
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http="httptools",
        access_log=False,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
        log_config=None,  # our JSON logs, uvicorn's lines included
    )
    _GracefulServer(config).run()
    log.info("stopped cleanly")
    return 0


def _worker(args: argparse.Namespace) -> int:
    from stadiumflow.bootstrap import bootstrap
    from stadiumflow.entrypoints.worker.loop import run_worker_process

    settings = _settings(args)
    _configure_logging(settings)
    if args.nice:
        os.nice(args.nice)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    run_worker_process(
        bootstrap(settings),
        heartbeat_dir=settings.data_dir,
        parent_pid=args.parent_pid,
        wake_fd=0 if args.wake_on_stdin else None,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stadiumflow", description="Stadium crowd-flow controller."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="HTTP API with an in-process worker (embedded home)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--data-dir", type=Path, help="SQLite files here (default ./.stadiumflow)")
    serve.add_argument(
        "--worker",
        choices=("process", "thread", "none"),
        default="process",
        help="the worker as a supervised child process (default), a thread, or none",
    )
    serve.add_argument(
        "--no-worker", action="store_true", help="same as --worker none: run `worker` apart"
    )
    serve.add_argument(
        "--backend", choices=BACKENDS, help="default: $STADIUMFLOW_BACKEND, else sqlite"
    )
    serve.set_defaults(handler=_serve)

    worker = sub.add_parser("worker", help="the worker alone, on the same data directory")
    worker.add_argument("--data-dir", type=Path, help="SQLite files here (default ./.stadiumflow)")
    worker.add_argument(
        "--backend", choices=BACKENDS, help="default: $STADIUMFLOW_BACKEND, else sqlite"
    )
    worker.add_argument(
        "--nice", type=int, default=0, help="lower the worker's CPU priority by this much"
    )
    worker.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    worker.add_argument("--wake-on-stdin", action="store_true", help=argparse.SUPPRESS)
    worker.set_defaults(handler=_worker)

    cli_sim.add_commands(sub)
    cli_ml.add_commands(sub)
    add_report_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # An offline tool names its extra (set_defaults(extra=...)); the serving commands none.
    if (extra := getattr(args, "extra", None)) is not None and (
        message := missing_extra_message(args.command, extra)
    ):
        print(message, file=sys.stderr)
        return 2
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
