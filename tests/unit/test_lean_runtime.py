"""The serving install is lean: serving never imports the offline tools' extras.

``pip install stadiumflow`` (no extras) must run the HTTP server, the worker and the Azure
Functions app; SimPy, matplotlib, Flask and tqdm come with the ``sim``, ``reports`` and
``train`` extras. The dev environment has every extra installed, so an import of one on a
serving path would go unnoticed there: a fresh interpreter runs the serving paths and
reports which of those modules it loaded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import stadiumflow
from stadiumflow.entrypoints.cli import main
from stadiumflow.entrypoints.tools.extras import EXTRA_MODULES

REPO = Path(__file__).resolve().parents[2]
# The child imports the stadiumflow under test, wherever its cwd (PYTHONPATH may be relative).
IMPORT_ROOT = Path(stadiumflow.__file__).resolve().parents[1]
EXTRAS_ONLY = ("simpy", "matplotlib", "flask", "tqdm", "lightgbm", "onnxmltools", "ciw")

# Serving, end to end in one process: the CLI's parser, the Functions app with its
# blueprints, bootstrap, the worker, and the ASGI app through its lifespan (with its
# worker thread) answering a few requests.
PROBE = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])  # function_app.py lives at the repository's root

from stadiumflow.entrypoints.cli import build_parser
build_parser().parse_args(["serve"])

import function_app
function_app.app.get_functions()

from stadiumflow.bootstrap import bootstrap
from stadiumflow.config import Settings
from stadiumflow.entrypoints.http.app import create_app
from stadiumflow.entrypoints.worker.loop import run_worker_process  # noqa: F401

app = create_app(bootstrap(Settings(backend="memory")), worker_mode="thread")


async def call(scope, messages):  # messages: an asyncio.Queue of what the app receives
    sent = []

    async def send(message):
        sent.append(message)

    await app(scope, messages.get, send)
    return sent


def request(path):
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "headers": [],
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}


async def serve():
    lifespan = asyncio.Queue()
    await lifespan.put({"type": "lifespan.startup"})
    life = asyncio.create_task(call({"type": "lifespan", "asgi": {"version": "3.0"}}, lifespan))
    while not lifespan.empty():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    statuses = []
    for path in ("/healthz", "/readyz", "/openapi.json", "/metrics", "/docs"):
        body = asyncio.Queue()
        await body.put({"type": "http.request", "body": b"", "more_body": False})
        sent = await call(request(path), body)
        statuses.append(sent[0]["status"])
    await lifespan.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(life, 30)
    return statuses


statuses = asyncio.run(serve())
print(json.dumps({"statuses": statuses, "modules": sorted(sys.modules)}))
"""


def test_serving_imports_none_of_the_extras(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO)],
        cwd=tmp_path,  # no local.settings.json here
        env={**os.environ, "PYTHONPATH": str(IMPORT_ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    result = json.loads(out.splitlines()[-1])
    assert all(status < 500 for status in result["statuses"]), result["statuses"]
    loaded = {name.split(".")[0] for name in result["modules"]}
    assert loaded.isdisjoint(EXTRAS_ONLY), sorted(loaded & set(EXTRAS_ONLY))


def test_the_cli_knows_the_extras_of_pyproject() -> None:
    """EXTRA_MODULES lists each extra's distributions (their import names are the same)."""
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]

    def modules(extra: str) -> set[str]:
        found: set[str] = set()
        for requirement in extras[extra]:
            name = re.match(r"[A-Za-z0-9_.-]+(\[[^]]*\])?", requirement)
            assert name is not None, requirement
            if name.group(0).startswith("stadiumflow["):  # an extra including others
                found |= {m for inner in name.group(1)[1:-1].split(",") for m in modules(inner)}
            else:
                found.add(name.group(0).lower().replace("-", "_"))
        return found

    assert {extra: modules(extra) for extra in extras} == {
        extra: set(names) for extra, names in EXTRA_MODULES.items()
    }
    assert set(EXTRAS_ONLY) <= set(EXTRA_MODULES["train"])


@pytest.mark.parametrize(
    ("argv", "extra", "module"),
    [
        (["simulate", "--out", "day.csv"], "sim", "simpy"),
        (["demo"], "sim", "simpy"),
        (["sim-api"], "sim", "flask"),
        (
            ["report", "--stadium", "AGADIR", "--date", "2025-07-14", "--out", "r"],
            "reports",
            "matplotlib",
        ),
        (["train"], "train", "lightgbm"),
        (["evaluate"], "train", "simpy"),
    ],
)
def test_a_tool_without_its_extra_says_which_to_install(
    argv: list[str],
    extra: str,
    module: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed: find_spec is None
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"pip install 'stadiumflow[{extra}]'" in err
    assert module in err
