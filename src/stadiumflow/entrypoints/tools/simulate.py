"""Simulation commands of the ``stadiumflow`` CLI: simulate, generate-data, replay, demo, sim-api.

``add_commands(subparsers)`` registers them on the main parser's subparsers; each sets
``handler`` to a function taking the parsed namespace and returning an exit status, and
``extra`` to the extra it needs (``sim``): SimPy, tqdm and Flask are imported only inside
the handlers, so that the serving CLI (``stadiumflow serve``) loads none of them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from stadiumflow.layouts import SHIPPED_LAYOUTS, load_layout


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sim = subparsers.add_parser("simulate", help="simulate one match day: readings and truth CSV")
    sim.add_argument(
        "--stadium", default="AGADIR", help="a shipped stadium id or a layout TOML path"
    )
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--out", type=Path, required=True, help="CSV file to write")
    sim.add_argument("--no-incidents", action="store_true", help="a quiet day")
    sim.set_defaults(handler=simulate_command, extra="sim")

    gen = subparsers.add_parser("generate-data", help="training rows from randomised match days")
    gen.add_argument("--samples", type=int, default=50_000)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--workers", type=int, default=None, help="processes (default: CPUs)")
    gen.set_defaults(handler=generate_data_command, extra="sim")

    rep = subparsers.add_parser("replay", help="stream a simulated match day into a service")
    rep.add_argument("--url", default="http://127.0.0.1:8080")
    rep.add_argument("--stadium", default="all", help="AGADIR, RABAT, CASABLANCA or all")
    rep.add_argument("--speed", type=float, default=60.0, help="simulated minutes per real minute")
    rep.add_argument("--seed", type=int, default=0)
    rep.set_defaults(handler=replay_command, extra="sim")

    demo = subparsers.add_parser("demo", help="embedded server + a live match day at 3 stadiums")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--speed", type=float, default=60.0)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--data-dir", type=Path, default=None, help="default: a fresh temp dir")
    demo.add_argument("--exit-after-replay", action="store_true", help="stop once replayed")
    demo.set_defaults(handler=demo_command, extra="sim")

    api = subparsers.add_parser("sim-api", help="the Flask simulation API (what-if planning)")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=5000)
    api.set_defaults(handler=sim_api_command, extra="sim")


def simulate_command(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from stadiumflow.simulation.matchday import run_match_day
    from stadiumflow.simulation.params import MatchDayParams
    from stadiumflow.simulation.results import save_csv

    layout = load_layout(args.stadium)
    params = MatchDayParams(incidents=() if args.no_incidents else None)
    with tqdm(total=1, desc=f"simulating {layout.stadium_id}", unit="min", leave=False) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = run_match_day(layout, params, args.seed, on_minute=progress)
    save_csv(result, args.out)
    for line in result.summary_lines():
        print(line)
    print(f"wrote {len(result.minutes)} gate-minutes to {args.out}")
    return 0


def generate_data_command(args: argparse.Namespace) -> int:
    if args.samples < 1:
        print("--samples must be >= 1", file=sys.stderr)
        return 2
    from tqdm import tqdm

    from stadiumflow.simulation.dataset import generate_training_csv

    started = time.perf_counter()
    with tqdm(total=args.samples, desc="training rows", unit="row") as bar:
        days = generate_training_csv(
            args.out, args.samples, args.seed, workers=args.workers, on_rows=bar.update
        )
    seconds = time.perf_counter() - started
    print(f"wrote {args.samples} rows from {days} match days to {args.out} in {seconds:.1f} s")
    return 0


def _stadiums(choice: str) -> list[str]:
    if choice.lower() == "all":
        return list(SHIPPED_LAYOUTS)
    names = [name.strip().upper() for name in choice.split(",") if name.strip()]
    unknown = [name for name in names if name not in SHIPPED_LAYOUTS]
    if unknown or not names:
        raise SystemExit(
            f"unknown stadium {', '.join(unknown)}; use {', '.join(SHIPPED_LAYOUTS)} or all"
        )
    return names


def replay_command(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from stadiumflow.entrypoints.tools.replay import replay

    stadiums = _stadiums(args.stadium)
    with tqdm(total=1, desc=f"replaying {','.join(stadiums)}", unit="min") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            stats = replay(args.url, stadiums, speed=args.speed, seed=args.seed, on_minute=progress)
        except KeyboardInterrupt:
            print("\nstopped", file=sys.stderr)
            return 130
    print(
        f"sent {stats.readings} readings in {stats.posts} requests "
        f"({stats.rejected} rejected, {stats.retries} retries)"
    )
    for error in stats.errors[:5]:
        print(f"  {error}", file=sys.stderr)
    return 0 if not stats.errors else 1


def demo_command(args: argparse.Namespace) -> int:
    from stadiumflow.entrypoints.tools.demo import run_demo

    try:
        return run_demo(
            args.port,
            args.speed,
            seed=args.seed,
            data_dir=args.data_dir,
            keep_serving=not args.exit_after_replay,
        )
    except KeyboardInterrupt:
        return 0


def sim_api_command(args: argparse.Namespace) -> int:
    from stadiumflow.entrypoints.tools.sim_api import create_app

    create_app().run(host=args.host, port=args.port)
    return 0
