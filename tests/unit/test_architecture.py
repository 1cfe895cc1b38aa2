"""The layout tells the architecture: dependencies point inward only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "stadiumflow"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_domain_imports_only_the_standard_library(path):
    for name in imports_of(path):
        top = name.split(".")[0]
        assert top in sys.stdlib_module_names or name.startswith("stadiumflow.domain"), (
            f"{path.name} imports {name}"
        )


@pytest.mark.parametrize("path", [*modules("services"), SRC / "ports.py"], ids=lambda p: p.name)
def test_services_and_ports_depend_on_the_domain_only(path):
    for name in imports_of(path):
        top = name.split(".")[0]
        inner = name.startswith(("stadiumflow.domain", "stadiumflow.services", "stadiumflow.ports"))
        assert top in sys.stdlib_module_names or inner, f"{path.name} imports {name}"
