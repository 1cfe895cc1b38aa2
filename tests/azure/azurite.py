"""A real Azurite for the ``azure`` tests and the Azure benchmark: one per process.

Azurite is installed project-locally by ``scripts/install_azurite.sh`` (or found through
AZURITE_BIN). It listens on free loopback ports, so ``UseDevelopmentStorage=true`` (which
means the default ports) cannot be used: the connection string names the ports.
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

REPO = Path(__file__).resolve().parents[2]
LOCAL_BIN = REPO / ".tools" / "azurite" / "node_modules" / ".bin" / "azurite"
STARTUP_TIMEOUT_S = 20.0
# The well-known development account of the emulator (public, documented by Microsoft).
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class AzuriteMissing(RuntimeError):
    """Azurite is not installed (no Node, or scripts/install_azurite.sh not run)."""


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    location: Path
    ports: dict[str, int]

    @property
    def connection_string(self) -> str:
        host = "http://127.0.0.1"
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={host}:{self.ports['blob']}/{ACCOUNT};"
            f"QueueEndpoint={host}:{self.ports['queue']}/{ACCOUNT};"
            f"TableEndpoint={host}:{self.ports['table']}/{ACCOUNT};"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.location, ignore_errors=True)


def azurite_binary() -> Path:
    configured = os.environ.get("AZURITE_BIN")
    candidates = [Path(configured)] if configured else [LOCAL_BIN]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise AzuriteMissing(
        f"Azurite not found at {candidates[0]}: run scripts/install_azurite.sh (needs Node 18+)"
    )


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _wait_listening(ports: list[int], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    for port in ports:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Azurite exited with status {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Azurite did not listen on {port}") from None
                time.sleep(0.05)


def start_azurite() -> Azurite:
    binary = azurite_binary()
    location = Path(tempfile.mkdtemp(prefix="azurite-"))
    blob, queue, table = _free_ports(3)
    process = subprocess.Popen(
        [
            str(binary),
            "--silent",
            "--location",
            str(location),
            "--skipApiVersionCheck",
            "--loose",
            *("--blobHost", "127.0.0.1", "--blobPort", str(blob)),
            *("--queueHost", "127.0.0.1", "--queuePort", str(queue)),
            *("--tableHost", "127.0.0.1", "--tablePort", str(table)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening([blob, queue, table], process)
    except BaseException:
        process.kill()
        process.wait()
        shutil.rmtree(location, ignore_errors=True)
        raise
    return Azurite(process, location, {"blob": blob, "queue": queue, "table": table})


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
