"""The Functions package needs only what requirements.txt lists (no Azurite needed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Import names of the distributions in requirements.txt (and what they pull in).
ALLOWED = {
    "azure",
    "msgspec",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "numpy",
    "onnxruntime",
    "typing_extensions",
    "typing_inspection",
    "annotated_types",
    "dotenv",
    "requests",
    "urllib3",
    "certifi",
    "charset_normalizer",
    "idna",
    "isodate",
    "yarl",
    "multidict",
    "propcache",
    "cryptography",
    "cffi",
    "_cffi_backend",
    "werkzeug",
    "markupsafe",
    "google",
    "flatbuffers",
    "coloredlogs",
    "humanfriendly",
    "sympy",
    "mpmath",
    "packaging",
    "protobuf",
    "brotli",  # optional: urllib3 imports it when installed
    "cython_runtime",  # an interpreter-internal module of Cython extensions
}
PROBE = """
import json, sys
before = set(sys.modules)
import function_app
import stadiumflow.adapters.azure.storage, stadiumflow.bootstrap
import stadiumflow.entrypoints.azure.context
print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))
"""


def test_function_app_imports_nothing_beyond_the_requirements():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    stdlib = sys.stdlib_module_names
    ours = {"stadiumflow", "function_app"}
    third_party = {m for m in json.loads(out) if m not in stdlib | ours and not m.startswith("_")}
    assert third_party <= ALLOWED, third_party - ALLOWED


def test_requirements_pin_what_the_lock_file_pins():
    lock = (REPO / "uv.lock").read_text()
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, version = line.split("==")
        assert re.search(rf'name = "{name}"\nversion = "{re.escape(version)}"', lock), line
