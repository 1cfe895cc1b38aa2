"""``stadiumflow demo``: the embedded server plus a live-looking match day at three stadiums.

Starts ``python -m stadiumflow serve`` as a child process on a fresh data directory,
waits for /healthz, replays one simulated match day for every shipped stadium into it
(interleaved minute by minute) and prints where to look. Ctrl-C, SIGTERM or SIGHUP stop
the replay and the server; the server gets SIGINT and time to finish its shutdown before
it is killed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from stadiumflow.entrypoints.tools.replay import ReplayStats, replay, wait_until_healthy
from stadiumflow.layouts import SHIPPED_LAYOUTS

SERVER_START_SECONDS = 30.0
SERVER_STOP_SECONDS = 15.0


def server_command(port: int, data_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "stadiumflow",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]


def where_to_look(base: str, stadiums: Sequence[str]) -> list[str]:
    lines = [f"stadiumflow demo running at {base}"]
    if stadiums:
        lines.append(f"  dashboard          {base}/?stadium={stadiums[0]}   <- start here")
    lines += [f"  status {name:<11} {base}/api/flow/status?stadiumId={name}" for name in stadiums]
    if stadiums:
        lines.append(f"  control feed       {base}/api/flow/events?stadiumId={stadiums[0]}")
    lines.append(f"  metrics            {base}/metrics")
    lines.append(f"  API docs           {base}/docs")
    return lines


def stop_server(process: subprocess.Popen[bytes]) -> int:
    """SIGINT, then wait; kill only if it does not stop in time. Returns the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def run_demo(
    port: int,
    speed: float,
    *,
    seed: int = 0,
    data_dir: Path | None = None,
    stadiums: Sequence[str] = SHIPPED_LAYOUTS,
    keep_serving: bool = True,
    say: Callable[[str], None] = print,
) -> int:
    """Run the demo; returns a process exit status (0 after a clean stop)."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="stadiumflow-demo-"))
    base = f"http://127.0.0.1:{port}"
    # Its own session: a terminal's Ctrl-C reaches only the demo, which then stops the
    # server with exactly one SIGINT (a second one makes uvicorn abandon its shutdown).
    process = subprocess.Popen(server_command(port, data_dir), start_new_session=True)
    stop = threading.Event()
    previous = _stop_on_termination()
    try:
        if not wait_until_healthy(base, SERVER_START_SECONDS) or process.poll() is not None:
            say(f"the server did not come up on port {port} (is the port free?)")
            return 1
        for line in where_to_look(base, stadiums):
            say(line)
        say(f"replaying a match day at {speed:g}x for {', '.join(stadiums)}; Ctrl-C to stop")
        stats = _replay_in_thread(base, stadiums, speed, seed, stop, say)
        say(
            f"replay done: {stats.readings} readings in {stats.posts} requests"
            f" ({stats.rejected} rejected, {stats.retries} retries)"
        )
        if keep_serving:
            say("the server keeps running; Ctrl-C to stop")
            process.wait()
        return 0 if stats.rejected == 0 and not stats.errors else 2
    except KeyboardInterrupt:
        stop.set()
        say("stopping ...")
        return 0
    finally:
        stop.set()
        stop_server(process)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_on_termination() -> dict[int, Callable[..., object] | int | None]:
    """SIGTERM and SIGHUP stop the demo as Ctrl-C does. By default they end the process at
    once, and the server, in a session of its own, would outlive it holding the port."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, _interrupt) for signum in (signal.SIGTERM, signal.SIGHUP)}


def _replay_in_thread(
    base: str,
    stadiums: Sequence[str],
    speed: float,
    seed: int,
    stop: threading.Event,
    say: Callable[[str], None],
) -> ReplayStats:
    """Replay in a worker thread so that Ctrl-C in the main thread is seen at once."""
    box: list[ReplayStats] = []

    def progress(done: int, total: int) -> None:
        if done % 30 == 0 or done == total:
            say(f"  simulated minute {done}/{total}")

    thread = threading.Thread(
        target=lambda: box.append(
            replay(base, stadiums, speed=speed, seed=seed, stop=stop, on_minute=progress)
        ),
        daemon=True,
    )
    thread.start()
    while thread.is_alive():
        thread.join(0.2)
    return box[0] if box else ReplayStats(errors=["replay failed"])
