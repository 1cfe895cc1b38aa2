"""Soak: three simulated match days replayed at 10x the real reading rate, for minutes.

    .venv/bin/python bench/soak.py                 # 10 minutes, its own server and worker
    .venv/bin/python bench/soak.py --minutes 2 --speedup 60
    .venv/bin/python bench/soak.py --url http://127.0.0.1:8080   # a server you started

Memory and processing lag must stay flat: a leak or a worker that falls behind shows as a
trend long before it shows as an outage. Without ``--url`` it starts ``stadiumflow serve
--no-worker`` and ``stadiumflow worker`` on a temporary data directory, so each process's
RSS is measured apart. Every 5 s it samples: RSS of both (from /proc), /readyz's queue
depth and oldestAgeSeconds, and, for one probe reading per POST, the time from its 202 to
the status showing it. Every 30 s it prints a table row; at the end a verdict compares the
first third of the run with the last.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from stadiumflow.entrypoints.tools.replay import minute_batches, reading_json
from stadiumflow.testing.processes import start_process, start_server, stop_process

STADIUMS = ("agadir", "casablanca", "rabat")
SAMPLE_SECONDS = 5.0
GROWTH = {"server_mb": 15.0, "worker_mb": 15.0, "lag_p95_s": 0.5, "oldest_s": 2.0}
"""Last third above first third by more than this (absolute) means growing."""


@dataclass
class Sample:
    at: float
    server_mb: float
    worker_mb: float
    queued: int
    oldest_s: float
    lags: list[float] = field(default_factory=list)


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Replay:
    """Posts one array per stadium per simulated minute; probes one gate per post."""

    def __init__(self, url: str, speedup: float, seed: int, minutes: float) -> None:
        self.url = url
        self.period = 60.0 / speedup
        self.days, _ = minute_batches(STADIUMS, seed)
        total = int(minutes * speedup) + 2
        # Every ts in the past, one per (gate, simulated minute): never refused as future.
        self.base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=total)
        self.pending: list[tuple[float, str, str, str]] = []  # (sent, stadium, gate, ts)
        self.lags: list[float] = []
        self.posts = self.errors = 0
        self.lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            k = 0
            start = time.monotonic()
            while not stop.is_set():
                ts = self.base + timedelta(minutes=k)
                for readings in self.days[k % len(self.days)]:
                    if not readings:  # a stadium whose gates are not open yet
                        continue
                    body = [reading_json(r, timedelta(0)) for r in readings]
                    stamp = ts.isoformat().replace("+00:00", "Z")
                    for item in body:
                        item["ts"] = stamp
                    response = client.post("/api/flow/ingest", json=body)
                    self.posts += 1
                    if response.status_code != 202:
                        self.errors += 1
                        continue
                    probe = body[k % len(body)]
                    with self.lock:
                        self.pending.append(
                            (time.monotonic(), str(probe["stadiumId"]), str(probe["gateId"]), stamp)
                        )
                k += 1
                stop.wait(max(0.0, start + k * self.period - time.monotonic()))

    def probe(self, stop: threading.Event) -> None:
        """Resolve pending probes: the status shows the probe's ts as its gate's last_updated."""
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not stop.wait(0.05):
                with self.lock:
                    pending = list(self.pending)
                stadiums = {p[1] for p in pending}
                shown: dict[tuple[str, str], str] = {}
                for stadium in stadiums:
                    response = client.get("/api/flow/status", params={"stadiumId": stadium})
                    if response.status_code == 200:
                        for gate in response.json()["gates"]:
                            shown[(stadium, gate["gateId"])] = gate["last_updated"]
                now = time.monotonic()
                with self.lock:
                    keep = []
                    for item in self.pending:
                        seen = shown.get((item[1], item[2]))
                        if seen is not None and seen >= item[3]:
                            self.lags.append(now - item[0])
                        else:
                            keep.append(item)
                    self.pending = keep

    def take_lags(self) -> list[float]:
        with self.lock:
            lags, self.lags = self.lags, []
        return lags


def start_services(workdir: Path) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """``serve --no-worker`` and ``worker`` on one data directory, both logging to soak.log."""
    env = {"STADIUMFLOW_INGEST_RATE": "0"}
    server = start_server(workdir / "data", "--no-worker", env=env, log_name="soak")
    worker, _ = start_process(["worker"], server.data_dir, "soak", env)
    return server.url, [server.process, worker]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def verdict(samples: list[Sample]) -> tuple[str, dict[str, tuple[float, float]]]:
    third = max(1, len(samples) // 3)
    first, last = samples[:third], samples[-third:]

    def measure(group: list[Sample]) -> dict[str, float]:
        lags = [x for s in group for x in s.lags]
        return {
            "server_mb": statistics.median(s.server_mb for s in group),
            "worker_mb": statistics.median(s.worker_mb for s in group),
            "lag_p95_s": percentile(lags, 0.95),
            "oldest_s": max(s.oldest_s for s in group),
        }

    a, b = measure(first), measure(last)
    growing = [k for k, limit in GROWTH.items() if b[k] - a[k] > limit]
    text = "GROWING: " + ", ".join(growing) if growing else "FLAT"
    return text, {k: (a[k], b[k]) for k in GROWTH}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--speedup", type=float, default=10.0, help="x the real reading rate")
    parser.add_argument("--url", help="a running server (RSS then unknown unless --pids)")
    parser.add_argument("--pids", type=int, nargs=2, metavar=("SERVER", "WORKER"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    processes: list[subprocess.Popen[bytes]] = []
    workdir = tempfile.TemporaryDirectory(prefix="sf-soak-")
    if args.url:
        url, pids = args.url, (args.pids or (None, None))
    else:
        url, processes = start_services(Path(workdir.name))
        pids = (processes[0].pid, processes[1].pid)
    replay = Replay(url, args.speedup, args.seed, args.minutes)
    stop = threading.Event()
    threads = [threading.Thread(target=f, args=(stop,)) for f in (replay.run, replay.probe)]
    for t in threads:
        t.start()
    samples: list[Sample] = []
    started = time.monotonic()
    print(f"soak: {args.minutes:g} min at {args.speedup:g}x, {url}")
    print(
        f"{'t(s)':>6} {'server MB':>10} {'worker MB':>10} {'queued':>7} {'oldest s':>9}"
        f" {'lag p50':>8} {'lag p95':>8} {'lag max':>8} {'posts':>6} {'errors':>6}"
    )
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            while (elapsed := time.monotonic() - started) < args.minutes * 60:
                time.sleep(SAMPLE_SECONDS)
                queue = client.get("/readyz").json()["queue"]
                sample = Sample(
                    elapsed,
                    rss_mb(pids[0]),
                    rss_mb(pids[1]),
                    int(queue["readings"]),
                    float(queue["oldestAgeSeconds"] or 0.0),
                    replay.take_lags(),
                )
                samples.append(sample)
                if len(samples) % int(30 / SAMPLE_SECONDS) == 0:
                    lags = [x for s in samples[-6:] for x in s.lags]
                    print(
                        f"{elapsed:6.0f} {sample.server_mb:10.1f} {sample.worker_mb:10.1f}"
                        f" {sample.queued:7d} {sample.oldest_s:9.2f}"
                        f" {percentile(lags, 0.5):8.3f} {percentile(lags, 0.95):8.3f}"
                        f" {max(lags, default=float('nan')):8.3f}"
                        f" {replay.posts:6d} {replay.errors:6d}",
                        flush=True,
                    )
    finally:
        stop.set()
        for t in threads:
            t.join(15)
        for process in processes:
            stop_process(process)
        workdir.cleanup()
    text, figures = verdict(samples)
    for name, (first, last) in figures.items():
        print(f"  {name:10} first third {first:8.2f}   last third {last:8.2f}")
    print(f"verdict: {text} ({replay.posts} posts, {replay.errors} errors)")
    return 0 if text == "FLAT" and replay.errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
