"""A real Azurite (the Azure Storage emulator) for the azure tests and the Azure benchmark.

``start_azurite()`` starts one on free loopback ports with its files in a temporary
directory; ``shared_azurite()`` is the one of this process, started on first use and
stopped at exit. Because the ports are not the defaults, ``UseDevelopmentStorage=true``
cannot be used: ``Azurite.connection_string`` names them. ``azure_settings`` and
``azure_env`` point stadiumflow's Azure backend at it with fresh queue, table and
container names, so runs never share state and queues stay shallow (Azurite slows
sharply as a queue deepens).

The binary is AZURITE_BIN, else the checkout's ``.tools`` (``scripts/install_azurite.sh``),
else ``azurite`` on PATH.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stadiumflow.config import Settings
from stadiumflow.testing.processes import HOST, free_ports, stop_process

CHECKOUT_BIN = Path(__file__).resolve().parents[3] / ".tools/azurite/node_modules/.bin/azurite"
STARTUP_TIMEOUT_S = 20.0
# The well-known development account of the emulator (public, documented by Microsoft).
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
SERVICES = ("blob", "queue", "table")


class AzuriteMissing(RuntimeError):
    """Azurite is not installed (no Node, or scripts/install_azurite.sh not run)."""


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    location: Path
    ports: dict[str, int]

    @property
    def connection_string(self) -> str:
        host = f"http://{HOST}"
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={host}:{self.ports['blob']}/{ACCOUNT};"
            f"QueueEndpoint={host}:{self.ports['queue']}/{ACCOUNT};"
            f"TableEndpoint={host}:{self.ports['table']}/{ACCOUNT};"
        )

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop it, keep its files, and after ``down_seconds`` start it on the same ports."""
        stop_process(self.process, timeout=10)
        time.sleep(down_seconds)
        self.process = _spawn(self.location, self.ports)
        _wait_listening(self.ports, self.process)

    def stop(self) -> None:
        """Stop it and delete its files."""
        stop_process(self.process, timeout=10)
        shutil.rmtree(self.location, ignore_errors=True)


def azurite_binary() -> Path:
    configured = os.environ.get("AZURITE_BIN")
    if configured:
        candidates = [Path(configured)]
    else:
        on_path = shutil.which("azurite")
        candidates = [CHECKOUT_BIN, *([Path(on_path)] if on_path else [])]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise AzuriteMissing(
        f"Azurite not found at {candidates[0]}: run scripts/install_azurite.sh (needs Node 18+)"
    )


def _spawn(location: Path, ports: dict[str, int]) -> subprocess.Popen[bytes]:
    listen = [arg for s in SERVICES for arg in (f"--{s}Host", HOST, f"--{s}Port", str(ports[s]))]
    return subprocess.Popen(
        [
            str(azurite_binary()),
            *("--silent", "--location", str(location), "--skipApiVersionCheck", "--loose"),
            *listen,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_listening(ports: dict[str, int], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    for port in ports.values():
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Azurite exited with status {process.returncode}")
            try:
                socket.create_connection((HOST, port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Azurite did not listen on {port}") from None
                time.sleep(0.05)


def start_azurite() -> Azurite:
    """A new Azurite on free ports; the caller stops it (``Azurite.stop``)."""
    azurite_binary()  # AzuriteMissing before anything is made
    location = Path(tempfile.mkdtemp(prefix="azurite-"))
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    process = _spawn(location, ports)
    try:
        _wait_listening(ports, process)
    except BaseException:
        process.kill()
        process.wait()
        shutil.rmtree(location, ignore_errors=True)
        raise
    return Azurite(process, location, ports)


_shared: Azurite | None = None
_lock = threading.Lock()


def shared_azurite() -> Azurite:
    """The Azurite of this process, started on first use and stopped at exit."""
    global _shared
    with _lock:
        if _shared is None or _shared.process.poll() is not None:
            _shared = start_azurite()
            atexit.register(_shared.stop)
        return _shared


def unique_name(prefix: str = "t") -> str:
    """A fresh queue/table/container name: letters and digits, starts with a letter."""
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def azure_env(azurite: Azurite | str) -> dict[str, str]:
    """Environment variables for a stadiumflow process on this Azurite (or connection
    string): the Azure backend, with the contract's table, queue and container names
    made unique for one run."""
    tag = unique_name("")
    connection = azurite if isinstance(azurite, str) else azurite.connection_string
    return {
        "STADIUMFLOW_BACKEND": "azure",
        "AzureWebJobsStorage": connection,
        "TABLE_NAME_GATES": f"gatestatus{tag}",
        "TABLE_NAME_HISTORY": f"gatehistory{tag}",
        "TABLE_NAME_PLANS": f"gateplans{tag}",
        "QUEUE_NAME_INFLOW": f"gates-inflow-{tag}",
        "QUEUE_NAME_CONTROL": f"gates-control-{tag}",
        "BLOB_CONTAINER_MODELS": f"ml-models-{tag}",
    }


def azure_settings(azurite: Azurite | str) -> Settings:
    """Settings for this process on this Azurite, with names unique to one test or run."""
    values: dict[str, Any] = azure_env(azurite)  # by alias, as the environment names them
    return Settings(**values)
