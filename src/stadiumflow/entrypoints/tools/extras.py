"""The extras the offline tools need, and the one line that says so when one is missing.

``pip install stadiumflow`` is the serving install (HTTP server, worker, Azure Functions
app); the tools' libraries are extras of pyproject.toml. A command names its extra with
``set_defaults(extra=...)`` and the CLI checks it before running the command, so a lean
install answers ``pip install 'stadiumflow[sim]'`` and exit status 2, not a traceback.
"""

from __future__ import annotations

import importlib.util

# The top-level modules each extra provides (as in [project.optional-dependencies]).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "sim": ("simpy", "tqdm", "flask"),
    "reports": ("matplotlib",),
}
# train includes sim and reports: training and evaluating run simulated days and draw plots.
EXTRA_MODULES["train"] = (
    *EXTRA_MODULES["sim"],
    *EXTRA_MODULES["reports"],
    "lightgbm",
    "onnxmltools",
    "onnx",
    "ciw",
)


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (none: the extra is installed)."""
    return [name for name in EXTRA_MODULES[extra] if importlib.util.find_spec(name) is None]


def missing_extra_message(command: str, extra: str) -> str | None:
    """One line naming the extra ``command`` needs, or None when it is installed."""
    missing = missing_modules(extra)
    if not missing:
        return None
    return (
        f"stadiumflow {command} needs the '{extra}' extra (missing: {', '.join(missing)}):"
        f" pip install 'stadiumflow[{extra}]' (in a clone: uv sync --all-extras)"
    )
