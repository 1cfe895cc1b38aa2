"""Processes for tests and benchmarks: a stadiumflow server started as a user starts it.

``start_server(data_dir)`` runs ``python -m stadiumflow serve`` on a free loopback port,
logging to a file beside the data directory, and returns once ``/healthz`` answers 200;
``start_process`` starts any other command of the CLI (``worker``) the same way, and
``launch`` any command at all (a benchmark's own server). ``stop_process`` ends what
they started: SIGTERM, then SIGKILL if it does not stop in time.

Loopback only, standard library only (``urllib`` for the health probe), so benchmarks
and tools can use it without the test dependencies.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
HEALTHY_TIMEOUT_S = 20.0
LOG_TAIL_CHARS = 2000  # of a server's log, in the error when it does not come up


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that were free a moment ago (all held at once)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((HOST, 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    return free_ports(1)[0]


def stadiumflow_command(*args: str) -> list[str]:
    """``python -m stadiumflow ARGS`` with this interpreter."""
    return [sys.executable, "-m", "stadiumflow", *args]


def launch(
    command: Sequence[str],
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    new_session: bool = False,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``command``, its output appended to ``log_path`` (discarded without one).

    ``env`` is added to this process's environment. ``new_session``: the child leads its
    own session and process group, so a terminal's Ctrl-C reaches only the caller and
    ``stop_process`` ends the child's own children too.
    """
    out = log_path.open("ab") if log_path else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=new_session,
            cwd=cwd,
        )
    finally:
        if not isinstance(out, int):
            out.close()  # the child has its own copy


def start_process(
    args: Sequence[str], data_dir: Path, log_name: str, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    """``python -m stadiumflow ARGS --data-dir DATA_DIR``, logging to ``LOG_NAME.log``
    beside the data directory. Returns the process and its log's path."""
    log_path = data_dir.parent / f"{log_name}.log"
    command = stadiumflow_command(*args, "--data-dir", str(data_dir))
    return launch(command, log_path, env), log_path


@dataclass
class ServerProcess:
    """A ``stadiumflow serve`` started by ``start_server``."""

    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    log_path: Path

    def kill9(self) -> None:
        """SIGKILL, as a crash or an OOM killer would end it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 15) -> int:
        """SIGTERM, as a service manager stops it; its exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self, timeout: float = 15) -> int:
        return stop_process(self.process, timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    data_dir: Path,
    *extra: str,
    env: Mapping[str, str] | None = None,
    log_name: str = "server",
    timeout: float = HEALTHY_TIMEOUT_S,
) -> ServerProcess:
    """``stadiumflow serve --port P EXTRA`` on a free port, once healthy.

    If it exits or stays unhealthy: stopped, and a RuntimeError ending with its log's tail.
    """
    port = free_port()
    process, log_path = start_process(
        ["serve", "--port", str(port), *extra], data_dir, log_name, env
    )
    server = ServerProcess(process, f"http://{HOST}:{port}", data_dir, log_path)
    try:
        wait_healthy(server.url, process, timeout)
    except (RuntimeError, TimeoutError) as exc:
        stop_process(process)
        tail = server.log()[-LOG_TAIL_CHARS:]
        raise RuntimeError(
            f"stadiumflow serve did not come up: {exc}; its log ends:\n{tail}"
        ) from exc
    except BaseException:
        stop_process(process)
        raise
    return server


def healthy(url: str, timeout: float = 1.0) -> bool:
    """Whether ``GET url/healthz`` answers 200 now."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, not 2xx
        return False


def wait_until(
    predicate: Callable[[], bool],
    timeout: float = 15,
    step: float = 0.05,
    what: str = "condition",
) -> None:
    """Poll ``predicate`` every ``step`` s until it holds; TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise TimeoutError(f"{what} not met in {timeout:g} s")


def wait_healthy(
    url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = HEALTHY_TIMEOUT_S
) -> None:
    """Wait until ``url`` is healthy; RuntimeError as soon as ``process`` (if given) exits."""

    def up() -> bool:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before it was healthy")
        return healthy(url)

    wait_until(up, timeout, what=f"{url} healthy")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> int:
    """SIGTERM (to its process group if it leads one), then SIGKILL after ``timeout`` s.

    Returns the exit status; a process that already exited is only reaped.
    """
    if process.poll() is None:
        _send(process, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _send(process, signal.SIGKILL)
            process.wait()
    return process.returncode


def _send(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
