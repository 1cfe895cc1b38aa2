"""The layout tells the architecture: dependencies point inward only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "stadiumflow"


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


@pytest.mark.parametrize("path", modules("testing"), ids=lambda p: p.name)
def test_the_shipped_test_helpers_import_the_standard_library_and_stadiumflow_only(path):
    """stadiumflow.testing ships with the product: no pytest, httpx or other dev tool."""
    for name in imports_of(path):
        top = name.split(".")[0]
        assert top in sys.stdlib_module_names or top == "stadiumflow", f"{path.name} imports {name}"


@pytest.mark.parametrize("path", sorted((REPO / "bench").glob("*.py")), ids=lambda p: p.name)
def test_benchmarks_import_nothing_from_tests(path):
    """What tests and benchmarks share lives in stadiumflow.testing; tests/ is no library."""
    for name in imports_of(path):
        assert name.split(".")[0] != "tests", f"bench/{path.name} imports {name}"


MAX_SERVICE_FUNCTION_LINES = 40
MAX_PROCESS_MODULE_LINES = 120


@pytest.mark.parametrize("path", modules("services"), ids=lambda p: p.name)
def test_service_functions_only_load_call_and_save(path):
    """A use case is a dozen lines that load, call the domain and save: one past 40 lines
    holds a rule that belongs in the domain, where it can be tested on its own."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_SERVICE_FUNCTION_LINES, f"{path.name}:{node.name} {length} lines"


def test_batch_processing_stays_a_thin_use_case():
    lines = (SRC / "services" / "process.py").read_text().count("\n")
    assert lines < MAX_PROCESS_MODULE_LINES
