"""Ingest benchmark: stadiumflow against a bare Starlette + msgspec endpoint, in one run.

Measures, on one machine, with wrk on one core and the server under test on another:

1. single-reading requests and 500-reading arrays, for a fixed duration, against
   ``stadiumflow serve`` and against ``bench/bare_server.py`` (parse the JSON, answer 202);
2. end to end: from the start of each stadiumflow load until ``/readyz`` shows the queue
   drained, readings processed per second;
3. a sustained, paced load (20,000 readings/s by default) and, per request, the time from
   its 202 to the moment ``/api/flow/status`` shows its reading as the gate's last_updated;

then prints the figures next to the targets of issue 2. Not a test: it asserts nothing, it
measures. Every process it starts is stopped on exit, on error and on Ctrl-C.

    .venv/bin/python bench/ingest.py                  # everything, 10 s per wrk run
    .venv/bin/python bench/ingest.py --json out.json  # also write the results as JSON
    .venv/bin/python bench/ingest.py --url http://127.0.0.1:8080  # an already running server
    .venv/bin/python bench/ingest.py --skip-bare --skip-wrk --rate 12 --batch 12 --sustain 30
                                                      # light load: 202 -> visible when idle
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from stadiumflow.testing.processes import free_port, launch, stop_process, wait_healthy

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
WRK_SCRIPT = BENCH_DIR / "wrk" / "ingest.lua"
BARE_SERVER = BENCH_DIR / "bare_server.py"
INGEST_PATH = "/api/flow/ingest"

# Targets of issue 2.
TARGET_SINGLE_RATIO = 0.5  # stadiumflow single-reading req/s over the bare endpoint's
TARGET_ARRAY_READINGS_PER_S = 150_000
TARGET_VISIBLE_S = 1.0  # every reading visible in status within 1 s of its 202

ARRAY_SIZE = 500
BASE_AGE = timedelta(days=7)  # wrk readings start this far in the past and walk forward
STARTUP_TIMEOUT_S = 30.0
DRAIN_POLL_S = 0.02
STATUS_POLL_S = 0.02
PROBE_GATES = 20  # the sustained test's probe stadium: request i's probe is gate P(i % 20)
GATES_PER_STADIUM = 25


# ---- processes -------------------------------------------------------------------------


class Processes:
    """Every child started here, each in its own session; ``stop_all`` ends them by pid."""

    def __init__(self) -> None:
        self._children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self,
        name: str,
        cmd: list[str],
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        proc = launch(cmd, log_path, env, new_session=True, cwd=REPO)
        self._children.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
        stop_process(proc, timeout)  # its whole process group: it leads one
        self._children = [(n, p) for n, p in self._children if p is not proc]

    def stop_all(self) -> None:
        for _, proc in reversed(list(self._children)):
            self.stop(proc)


def _raise_exit(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def pinned(cpu: int | None, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", str(cpu), *cmd] if cpu is not None else cmd


def get_json(url: str, timeout: float = 5.0) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return exc.code, json.loads(body) if body else None


# ---- wrk -------------------------------------------------------------------------------


@dataclass
class WrkRun:
    server: str
    mode: str
    batch: int
    duration_s: float
    requests: int
    requests_per_s: float
    readings_per_s: float
    non_2xx: int
    socket_errors: int
    timeouts: int
    lat_p50_ms: float
    lat_p99_ms: float
    lat_max_ms: float

    @property
    def clean(self) -> bool:
        return self.non_2xx == 0 and self.socket_errors == 0 and self.timeouts == 0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing the Debian package (apt-get install -y wrk)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=False)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("wrk is required and missing. Install it with:  apt-get install -y wrk")


def run_wrk(
    procs: Processes,
    args: argparse.Namespace,
    url: str,
    *,
    server: str,
    batch: int,
    tag: str,
    duration: float,
    base_epoch: int,
) -> WrkRun:
    cmd = pinned(
        args.client_cpu,
        [
            args.wrk,
            "-t",
            str(args.threads),
            "-c",
            str(args.connections),
            "-d",
            f"{duration:g}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
            url + INGEST_PATH,
        ],
    )
    env = {
        **os.environ,
        "BENCH_BATCH": str(batch),
        "BENCH_TAG": tag,
        "BENCH_BASE_EPOCH": str(base_epoch),
        "BENCH_GATES": "1000",
        "BENCH_BLOCKS": "40",
        "BENCH_PER_STADIUM": str(GATES_PER_STADIUM),
    }
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=duration + 60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = out.decode(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{text}\n{err.decode()}")
    r = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds = r["duration_us"] / 1e6
    ok_requests = r["requests"] - r["errors_status"]
    return WrkRun(
        server=server,
        mode="single" if batch == 1 else f"array{batch}",
        batch=batch,
        duration_s=round(seconds, 3),
        requests=r["requests"],
        requests_per_s=r["requests"] / seconds,
        readings_per_s=ok_requests * batch / seconds,
        non_2xx=r["errors_status"],
        socket_errors=r["errors_connect"] + r["errors_read"] + r["errors_write"],
        timeouts=r["errors_timeout"],
        lat_p50_ms=r["lat_p50_us"] / 1000,
        lat_p99_ms=r["lat_p99_us"] / 1000,
        lat_max_ms=r["lat_max_us"] / 1000,
    )


# ---- end to end ------------------------------------------------------------------------


def processed_total(ready: dict[str, Any]) -> int:
    w = ready["worker"]
    return int(w["readingsApplied"] + w["readingsLate"] + w["readingsDuplicate"])


def wait_drained(url: str, timeout: float) -> tuple[float | None, dict[str, Any]]:
    """Poll /readyz until no reading is left in the queue: (monotonic time or None, body)."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while True:
        _, body = get_json(url + "/readyz")
        now = time.monotonic()
        if body["queue"]["readings"] == 0:
            return now, body
        if now > deadline:
            return None, body
        time.sleep(DRAIN_POLL_S)


@dataclass
class DrainRun:
    mode: str
    answered: int  # readings in requests wrk saw answered 2xx (not those in flight at the end)
    processed: int  # by the worker's counters, load start -> drained: all that were accepted
    load_s: float
    drain_after_load_s: float | None
    readings_per_s: float | None
    applied: int
    late: int
    duplicate: int


def measured_e2e(
    procs: Processes, args: argparse.Namespace, url: str, *, batch: int, tag: str, base_epoch: int
) -> tuple[WrkRun, DrainRun]:
    _, before = get_json(url + "/readyz")
    t0 = time.monotonic()
    run = run_wrk(
        procs,
        args,
        url,
        server="stadiumflow",
        batch=batch,
        tag=tag,
        duration=args.duration,
        base_epoch=base_epoch,
    )
    t_load_end = time.monotonic()
    drained_at, after = wait_drained(url, args.drain_timeout)
    processed = processed_total(after) - processed_total(before)
    wb, wa = before["worker"], after["worker"]
    total_s = (drained_at - t0) if drained_at is not None else None
    return run, DrainRun(
        mode=run.mode,
        answered=(run.requests - run.non_2xx) * batch,
        processed=processed,
        load_s=round(t_load_end - t0, 3),
        drain_after_load_s=round(drained_at - t_load_end, 3) if drained_at else None,
        readings_per_s=processed / total_s if total_s else None,
        applied=wa["readingsApplied"] - wb["readingsApplied"],
        late=wa["readingsLate"] - wb["readingsLate"],
        duplicate=wa["readingsDuplicate"] - wb["readingsDuplicate"],
    )


# ---- sustained rate, 202 -> visible in status ------------------------------------------


@dataclass
class Sustained:
    target_readings_per_s: int
    batch: int
    requests_sent: int = 0
    requests_202: int = 0
    non_202: int = 0
    errors: int = 0
    achieved_readings_per_s: float = 0.0
    max_send_lag_ms: float = 0.0  # how late the pacer ever fired behind its schedule
    ack_p50_ms: float = 0.0
    ack_p99_ms: float = 0.0
    samples: int = 0
    never_visible: int = 0
    visible_p50_ms: float | None = None
    visible_p95_ms: float | None = None
    visible_max_ms: float | None = None
    status_polls: int = 0
    drained: bool = False
    notes: list[str] = field(default_factory=list)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def sustained_bodies(tag: str, n_requests: int, batch: int, base: int) -> list[tuple[bytes, str]]:
    """Request i: batch - 1 load readings over 25-gate stadiums, then the probe reading."""
    bodies = []
    for i in range(n_requests):
        ts = _iso(base + i)
        items = [
            f'{{"stadiumId":"{tag}_L{j // GATES_PER_STADIUM}",'
            f'"gateId":"G{j % GATES_PER_STADIUM + 1}",'
            f'"ts":"{ts}","perMinuteCount":{20 + (i + j) % 60},"avgProcessingTime":2.5,'
            f'"queueLength":{(i * 7 + j * 13) % 400}}}'
            for j in range(batch - 1)
        ]
        probe = f"P{i % PROBE_GATES:02d}"
        items.append(
            f'{{"stadiumId":"{tag}_P","gateId":"{probe}","ts":"{ts}","perMinuteCount":40,'
            f'"avgProcessingTime":2.5,"queueLength":{i % 400}}}'
        )
        bodies.append((("[" + ",".join(items) + "]").encode(), probe))
    return bodies


async def _sustained(
    url: str, tag: str, rate: int, batch: int, duration: float, settle_timeout: float
) -> Sustained:
    import httpx

    result = Sustained(target_readings_per_s=rate, batch=batch)
    req_rate = rate / batch
    n = max(1, round(req_rate * duration))
    base = int(time.time()) - 3600 - n
    bodies = sustained_bodies(tag, n, batch, base)
    acked: dict[int, float] = {}  # request index -> monotonic time of its 202
    visible: dict[int, float] = {}  # request index -> monotonic time status showed it
    seen: dict[str, float] = {}  # probe gate -> newest last_updated seen (epoch s)
    ack_ms: list[float] = []
    send_done = asyncio.Event()
    headers = {"Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)

    def mark_visible(now: float) -> None:
        for i, t_ack in acked.items():
            if i not in visible and seen.get(f"P{i % PROBE_GATES:02d}", -1) >= base + i:
                visible[i] = max(now, t_ack)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:

        async def post(i: int) -> None:
            t = time.monotonic()
            try:
                resp = await client.post(INGEST_PATH, content=bodies[i][0], headers=headers)
            except httpx.HTTPError as exc:
                result.errors += 1
                result.notes.append(f"request {i}: {type(exc).__name__}: {exc}")
                return
            now = time.monotonic()
            if resp.status_code != 202:
                result.non_202 += 1
                if len(result.notes) < 5:
                    result.notes.append(f"request {i}: {resp.status_code} {resp.text[:200]}")
                return
            ack_ms.append((now - t) * 1000)
            acked[i] = now
            result.requests_202 += 1
            mark_visible(now)

        async def sender() -> tuple[float, float]:
            tasks = []
            start = time.monotonic() + 0.05
            for i in range(n):
                due = start + i / req_rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                result.max_send_lag_ms = max(
                    result.max_send_lag_ms, (time.monotonic() - due) * 1000
                )
                tasks.append(asyncio.create_task(post(i)))
                result.requests_sent += 1
            await asyncio.gather(*tasks)
            send_done.set()
            return start, time.monotonic()

        async def poller() -> None:
            deadline: float | None = None
            while True:
                resp = await client.get("/api/flow/status", params={"stadiumId": f"{tag}_P"})
                now = time.monotonic()
                result.status_polls += 1
                if resp.status_code == 200:
                    for gate in resp.json()["gates"]:
                        seen[gate["gateId"]] = _epoch(gate["last_updated"])
                    mark_visible(now)
                if send_done.is_set():
                    if deadline is None:
                        deadline = now + settle_timeout
                    if len(visible) == len(acked) or now > deadline:
                        return
                await asyncio.sleep(STATUS_POLL_S)

        (start, end), _ = await asyncio.gather(sender(), poller())

    result.achieved_readings_per_s = result.requests_202 * batch / (end - start)
    if ack_ms:
        result.ack_p50_ms, result.ack_p99_ms = pct(ack_ms, 0.5), pct(ack_ms, 0.99)
    lat = [(visible[i] - acked[i]) * 1000 for i in visible]
    result.samples = len(acked)
    result.never_visible = len(acked) - len(visible)
    if lat:
        result.visible_p50_ms = pct(lat, 0.5)
        result.visible_p95_ms = pct(lat, 0.95)
        result.visible_max_ms = max(lat)
    return result


def run_sustained(url: str, args: argparse.Namespace, tag: str) -> Sustained:
    result = asyncio.run(
        _sustained(url, tag, args.rate, args.batch, args.sustain, args.drain_timeout)
    )
    drained_at, _ = wait_drained(url, args.drain_timeout)
    result.drained = drained_at is not None
    return result


# ---- report ----------------------------------------------------------------------------


def machine_info(args: argparse.Namespace) -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk_version = (
        subprocess.run([args.wrk, "-v"], capture_output=True, text=True).stdout if args.wrk else ""
    )
    versions = {}
    for dist in ("stadiumflow", "starlette", "uvicorn", "uvloop", "httptools", "msgspec"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    git = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": wrk_version.splitlines()[0] if wrk_version else "",
        "versions": versions,
        "git": git,
        "client_cpu": args.client_cpu,
        "server_cpu": args.server_cpu,
        "sustained_cpus": args.sustained_cpus,
        "duration_s": args.duration,
        "connections": args.connections,
        "wrk_threads": args.threads,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[ok]


def report(
    info: dict[str, Any],
    runs: list[WrkRun],
    drains: list[DrainRun],
    sustained: Sustained | None,
    url_note: str,
) -> dict[str, Any]:
    print()
    print(f"stadiumflow ingest benchmark  {info['date']}  git {info['git']}")
    print(f"  {info['nproc']} cores ({info['cpu']}), Python {info['python']}, {info['wrk']}")
    print(
        f"  wrk on cpu {info['client_cpu']}, servers on cpu {info['server_cpu']}{url_note}; "
        f"{info['duration_s']:g} s per run, {info['connections']} connections, "
        f"{info['wrk_threads']} wrk thread(s)"
    )
    print()
    head = (
        f"{'server':<12} {'mode':<9} {'requests/s':>11} {'readings/s':>11} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'non-2xx':>8} {'sock err':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in runs:
        flag = "" if r.clean else "   <-- ERRORS: figures invalid"
        print(
            f"{r.server:<12} {r.mode:<9} {fmt(r.requests_per_s):>11} "
            f"{fmt(r.readings_per_s):>11} {fmt(r.lat_p50_ms, 2):>7} {fmt(r.lat_p99_ms, 2):>7} "
            f"{fmt(r.lat_max_ms, 1):>7} {r.non_2xx:>8} {r.socket_errors + r.timeouts:>8}{flag}"
        )
    if drains:
        print()
        print("end to end, stadiumflow: load start -> /readyz queue drained")
        head = (
            f"{'mode':<9} {'wrk 2xx':>10} {'processed':>10} {'load s':>7} "
            f"{'drain s':>8} {'readings/s':>11}"
        )
        print(head)
        print("-" * len(head))
        for d in drains:
            print(
                f"{d.mode:<9} {d.answered:>10,} {d.processed:>10,} {d.load_s:>7.2f} "
                f"{fmt(d.drain_after_load_s, 2):>8} {fmt(d.readings_per_s):>11}"
                + ("" if d.drain_after_load_s is not None else "   <-- NOT DRAINED")
            )
            if d.late or d.duplicate:
                print(f"          ({d.late:,} late, {d.duplicate:,} duplicate of those)")
    if sustained:
        s = sustained
        print()
        print(
            f"sustained: {s.target_readings_per_s:,} readings/s offered as "
            f"{s.batch}-reading arrays ({s.target_readings_per_s / s.batch:g} requests/s),"
            f" the product on {'all cores' if info['sustained_cpus'] == 'all' else 'one core'}"
        )
        print(
            f"  achieved {fmt(s.achieved_readings_per_s)} readings/s: {s.requests_202} of "
            f"{s.requests_sent} requests answered 202, {s.non_202} non-202, {s.errors} errors;"
            f" pacer at most {s.max_send_lag_ms:.1f} ms late"
        )
        print(f"  202 latency p50 {s.ack_p50_ms:.1f} ms, p99 {s.ack_p99_ms:.1f} ms")
        print(
            f"  202 -> visible in status ({s.samples} readings, {s.status_polls} status polls):"
            f" p50 {fmt(s.visible_p50_ms, 1)} ms, p95 {fmt(s.visible_p95_ms, 1)} ms,"
            f" max {fmt(s.visible_max_ms, 1)} ms; never visible: {s.never_visible}"
            f"; queue drained after: {'yes' if s.drained else 'NO'}"
        )
        for note in s.notes[:5]:
            print(f"  ! {note}")

    by = {(r.server, r.mode): r for r in runs}
    bare_single, sf_single = by.get(("bare", "single")), by.get(("stadiumflow", "single"))
    sf_array = by.get(("stadiumflow", f"array{ARRAY_SIZE}"))
    ratio = (
        sf_single.requests_per_s / bare_single.requests_per_s if bare_single and sf_single else None
    )
    array_rate = sf_array.readings_per_s if sf_array else None
    vis = sustained.visible_max_ms if sustained else None
    vis_ok = (
        None
        if sustained is None
        else sustained.never_visible == 0
        and sustained.requests_202 == sustained.requests_sent
        and vis is not None
        and vis <= TARGET_VISIBLE_S * 1000
    )
    print()
    print("targets (issue 2)")
    print(
        f"  single-reading req/s, stadiumflow / bare: {fmt(ratio, 3):>9}"
        f"   target >= {TARGET_SINGLE_RATIO}   "
        f"{verdict(None if ratio is None else ratio >= TARGET_SINGLE_RATIO)}"
    )
    print(
        f"  {ARRAY_SIZE}-reading arrays, readings/s:   {fmt(array_rate):>9}"
        f"   target >= {TARGET_ARRAY_READINGS_PER_S:,}   "
        f"{verdict(None if array_rate is None else array_rate >= TARGET_ARRAY_READINGS_PER_S)}"
    )
    print(
        f"  sustained, 202 -> visible, max ms:      {fmt(vis, 1):>9}"
        f"   target <= {TARGET_VISIBLE_S * 1000:,.0f}   {verdict(vis_ok)}"
    )
    dirty = [r for r in runs if not r.clean]
    if dirty or (sustained and (sustained.non_202 or sustained.errors)):
        print()
        print("!" * 78)
        print("!! SOME REQUESTS FAILED (non-2xx, socket errors or timeouts): see the rows above.")
        print("!! Throughput from a run with failures is not a valid measurement.")
        print("!" * 78)
    return {
        "machine": info,
        "wrk": [asdict(r) for r in runs],
        "end_to_end": [asdict(d) for d in drains],
        "sustained": asdict(sustained) if sustained else None,
        "targets": {
            "single_ratio": ratio,
            "single_ratio_ok": None if ratio is None else ratio >= TARGET_SINGLE_RATIO,
            "array_readings_per_s": array_rate,
            "array_ok": None if array_rate is None else array_rate >= TARGET_ARRAY_READINGS_PER_S,
            "visible_max_ms": vis,
            "visible_ok": vis_ok,
        },
        "clean": not dirty and not (sustained and (sustained.non_202 or sustained.errors)),
    }


# ---- main ------------------------------------------------------------------------------


@contextlib.contextmanager
def server(
    procs: Processes, name: str, cmd: list[str], port: int, cpu: int | None, workdir: Path
) -> Iterator[str]:
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / f"{name}.log"
    proc = procs.start(name, pinned(cpu, cmd), log_path)
    try:
        wait_healthy(url, proc, STARTUP_TIMEOUT_S)
        yield url
    finally:
        procs.stop(proc)


@contextlib.contextmanager
def stadiumflow_server(
    procs: Processes, args: argparse.Namespace, workdir: Path, name: str, *, all_cpus: bool = False
) -> Iterator[str]:
    """``--url`` as given, or a new ``stadiumflow serve`` on its own data directory."""
    if args.url:
        yield args.url.rstrip("/")
        return
    port = free_port()
    cmd = [
        args.stadiumflow,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(workdir / f"{name}-data"),
    ]
    with server(procs, name, cmd, port, None if all_cpus else args.server_cpu, workdir) as url:
        yield url


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Ingest benchmark: stadiumflow vs a bare Starlette + msgspec endpoint."
    )
    p.add_argument("--url", help="use this running stadiumflow server instead of starting one")
    p.add_argument(
        "--stadiumflow",
        default=str(Path(sys.executable).parent / "stadiumflow"),
        help="the stadiumflow command (default: next to this Python)",
    )
    p.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of wrk warm-up per server")
    p.add_argument("--connections", type=int, default=32, help="wrk connections")
    p.add_argument("--threads", type=int, default=1, help="wrk threads")
    p.add_argument("--client-cpu", type=int, default=0, help="core for wrk and this script")
    p.add_argument("--server-cpu", type=int, default=1, help="core for the servers")
    p.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    p.add_argument("--rate", type=int, default=20_000, help="sustained test, readings/s")
    p.add_argument("--sustain", type=float, default=10.0, help="sustained test, seconds")
    p.add_argument(
        "--batch",
        type=int,
        default=ARRAY_SIZE,
        help="sustained test, readings per request (--rate 12 --batch 12: a light load)",
    )
    p.add_argument(
        "--drain-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the queue to drain / readings to show",
    )
    p.add_argument("--skip-bare", action="store_true", help="measure stadiumflow only")
    p.add_argument(
        "--skip-wrk",
        action="store_true",
        help="no wrk runs against stadiumflow (with --skip-bare: sustained test only)",
    )
    p.add_argument("--skip-sustained", action="store_true", help="no sustained-rate test")
    p.add_argument(
        "--sustained-cpus",
        choices=("server", "all"),
        default="server",
        help="sustained test: the product pinned to --server-cpu (default), or on all cores",
    )
    p.add_argument("--keep-data", action="store_true", help="keep the temporary data dir")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-': stdout)")
    args = p.parse_args(argv)
    if args.no_pin or (os.cpu_count() or 1) < 2:
        if not args.no_pin:
            print("warning: fewer than 2 cores, running unpinned", file=sys.stderr)
        args.client_cpu = args.server_cpu = None
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The sustained test alone (--skip-bare --skip-wrk) is an httpx client: no wrk needed.
    args.wrk = None if args.skip_bare and args.skip_wrk else ensure_wrk()
    if args.client_cpu is not None:
        os.sched_setaffinity(0, {args.client_cpu})
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGHUP, _raise_exit)
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="stadiumflow-bench-"))
    run_id = f"B{int(time.time()) % 1_000_000:06d}"
    base_epoch = int((datetime.now(UTC) - BASE_AGE).timestamp())
    runs: list[WrkRun] = []
    drains: list[DrainRun] = []
    sustained: Sustained | None = None
    try:
        info = machine_info(args)
        if not args.skip_bare:
            cmd = [sys.executable, str(BARE_SERVER), "--port", str(port := free_port())]
            with server(procs, "bare", cmd, port, args.server_cpu, workdir) as url:
                print(f"bare endpoint at {url}")
                if args.warmup > 0:
                    run_wrk(
                        procs,
                        args,
                        url,
                        server="bare",
                        batch=1,
                        tag=f"{run_id}_w",
                        duration=args.warmup,
                        base_epoch=base_epoch,
                    )
                for batch in (1, ARRAY_SIZE):
                    runs.append(
                        run_wrk(
                            procs,
                            args,
                            url,
                            server="bare",
                            batch=batch,
                            tag=f"{run_id}_b{batch}",
                            duration=args.duration,
                            base_epoch=base_epoch,
                        )
                    )
                    print(f"  {runs[-1].mode}: {runs[-1].readings_per_s:,.0f} readings/s")

        if args.url:
            url = args.url.rstrip("/")
            wait_healthy(url, timeout=STARTUP_TIMEOUT_S)
            url_note = " (stadiumflow: given --url, not pinned by this script)"
        else:
            url_note = ""
        if not args.skip_wrk:
            with stadiumflow_server(procs, args, workdir, "stadiumflow") as url:
                print(f"stadiumflow at {url}")
                if args.warmup > 0:
                    run_wrk(
                        procs,
                        args,
                        url,
                        server="stadiumflow",
                        batch=1,
                        tag=f"{run_id}_w",
                        duration=args.warmup,
                        base_epoch=base_epoch,
                    )
                    if wait_drained(url, args.drain_timeout)[0] is None:
                        print("warning: the queue did not drain after the warm-up", file=sys.stderr)
                for batch in (1, ARRAY_SIZE):
                    run, drain = measured_e2e(
                        procs,
                        args,
                        url,
                        batch=batch,
                        tag=f"{run_id}_s{batch}",
                        base_epoch=base_epoch,
                    )
                    runs.append(run)
                    drains.append(drain)
                    print(
                        f"  {run.mode}: {run.readings_per_s:,.0f} readings/s accepted, "
                        f"{fmt(drain.readings_per_s)} readings/s end to end"
                    )
        if not args.skip_sustained:
            # A fresh server (unless --url), so the wrk runs' backlog and tables weigh nothing.
            # The product on the server core, the paced client alone on the other. On
            # both cores the worker (nice 19) loses every contended slice to the client
            # whenever they meet on its core: max 0.9-1.2 s there, 0.64-0.67 s here.
            all_cpus = args.sustained_cpus == "all"
            with stadiumflow_server(
                procs, args, workdir, "stadiumflow-sustained", all_cpus=all_cpus
            ) as url:
                if wait_drained(url, args.drain_timeout)[0] is None:
                    print(
                        "warning: the queue is not empty before the sustained test", file=sys.stderr
                    )
                print(
                    f"  sustained {args.rate:,} readings/s for {args.sustain:g} s against {url}"
                    f" on {'all cores' if all_cpus else f'cpu {args.server_cpu}'} ..."
                )
                sustained = run_sustained(url, args, f"{run_id}_E")
        results = report(info, runs, drains, sustained, url_note)
        if args.json:
            text = json.dumps(results, indent=2)
            if args.json == "-":
                print(text)
            else:
                Path(args.json).write_text(text + "\n")
                print(f"\nresults written to {args.json}")
        return 0 if results["clean"] else 2
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers", file=sys.stderr)
        return 130
    except Exception:
        for log_path in sorted(workdir.glob("*.log")):
            tail = log_path.read_text(errors="replace")[-2000:]
            print(f"--- last lines of {log_path.name} ---\n{tail}", file=sys.stderr)
        raise
    finally:
        procs.stop_all()
        if args.keep_data:
            print(f"data kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
