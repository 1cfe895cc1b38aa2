"""Versions of the wait model in the Azure Blob container ``ml-models``, behind ModelStore.

Blobs are named ``<version>/<filename>``. Each blob upload is atomic but a version has
several files, so ``save`` uploads a ``<version>/_complete`` marker last and
``latest_version`` only counts versions that have it: a server starting while a model is
being published keeps the previous version instead of loading half of the new one.
(Publishing by hand, e.g. with ``az storage blob upload-batch``: upload the marker last.)
"""

from __future__ import annotations

from azure.storage.blob import ContainerClient

from stadiumflow.adapters.azure.common import create_if_missing, translated
from stadiumflow.adapters.model_folder import check_name
from stadiumflow.domain.errors import ModelUnavailable

COMPLETE_MARKER = "_complete"


class AzureBlobModelStore:
    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    @classmethod
    def from_connection_string(cls, connection_string: str, container: str) -> AzureBlobModelStore:
        return cls(ContainerClient.from_connection_string(connection_string, container))

    def create(self) -> None:
        """Create the container if missing: once, at start-up."""
        create_if_missing(
            f"container {self._container.container_name}", self._container.create_container
        )

    def latest_version(self) -> str | None:
        with translated(f"container {self._container.container_name}"):
            names = self._container.list_blob_names()
            complete = [
                name.split("/", 1)[0] for name in names if name.endswith(f"/{COMPLETE_MARKER}")
            ]
        return max(complete, default=None)

    def load(self, version: str) -> dict[str, bytes]:
        prefix = f"{check_name('version', version)}/"
        files: dict[str, bytes] = {}
        with translated(f"container {self._container.container_name}"):
            for name in self._container.list_blob_names(name_starts_with=prefix):
                filename = name[len(prefix) :]
                if filename != COMPLETE_MARKER:
                    files[filename] = self._container.download_blob(name).readall()
        if not files:
            raise ModelUnavailable(f"model version {version} not found in blob storage")
        return files

    def save(self, version: str, files: dict[str, bytes]) -> None:
        check_name("version", version)
        with translated(f"container {self._container.container_name}"):
            for name, data in files.items():
                blob = f"{version}/{check_name('file name', name)}"
                self._container.upload_blob(blob, data, overwrite=True)
            self._container.upload_blob(f"{version}/{COMPLETE_MARKER}", b"", overwrite=True)

    def close(self) -> None:
        self._container.close()
