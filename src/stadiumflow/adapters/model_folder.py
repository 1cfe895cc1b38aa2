"""Versions of the wait model in a local folder, behind the ModelStore port.

Layout: ``<root>/<version>/<filename>``. A version is written to a hidden temporary
folder and renamed into place, so a reader never sees half a version: the rename is
atomic on one filesystem.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from stadiumflow.domain.errors import ModelUnavailable

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_name(kind: str, name: str) -> str:
    """Versions and file names are single path segments: no '/', no '..', no hidden files."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"invalid model {kind}: {name!r}")
    return name


class FolderModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def latest_version(self) -> str | None:
        if not self.root.is_dir():
            return None
        versions = [p.name for p in self.root.iterdir() if p.is_dir() and _NAME.fullmatch(p.name)]
        return max(versions, default=None)

    def load(self, version: str) -> dict[str, bytes]:
        folder = self.root / check_name("version", version)
        if not folder.is_dir():
            raise ModelUnavailable(f"model version {version} not found in {self.root}")
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}

    def save(self, version: str, files: dict[str, bytes]) -> None:
        target = self.root / check_name("version", version)
        for name in files:
            check_name("file name", name)
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.root))
        try:
            for name, data in files.items():
                (staging / name).write_bytes(data)
            if target.exists():
                shutil.rmtree(target)  # a re-publish of the same version replaces it
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
