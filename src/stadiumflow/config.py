"""Settings: environment variables (the public contract's setting names where it names
one), then a ``local.settings.json`` in the Azure Functions format when present, then
defaults.

Never instantiated at import: entry points build ``Settings()`` and pass it on.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

LOCAL_SETTINGS_FILE = "local.settings.json"


class LocalSettingsJsonSource(PydanticBaseSettingsSource):
    """Reads the ``Values`` object of an Azure Functions ``local.settings.json``.

    The file is looked for in STADIUMFLOW_LOCAL_SETTINGS, else the working directory.
    """

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = Path(os.environ.get("STADIUMFLOW_LOCAL_SETTINGS", LOCAL_SETTINGS_FILE))
        self._values: dict[str, Any] = {}
        if path.is_file():
            document = json.loads(path.read_text(encoding="utf-8"))
            values = document.get("Values", {}) if isinstance(document, dict) else {}
            if isinstance(values, dict):
                self._values = {str(k).lower(): v for k, v in values.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        key = (field.alias or field_name).lower()
        return self._values.get(key), key, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, name)
            if value is not None:
                found[field.alias or name] = value
        return found


class Settings(BaseSettings):
    """Every knob of stadiumflow. Environment names are given as aliases."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, case_sensitive=False)

    backend: Literal["sqlite", "memory", "azure"] = Field("sqlite", alias="STADIUMFLOW_BACKEND")
    data_dir: Path = Field(Path(".stadiumflow"), alias="STADIUMFLOW_DATA_DIR")
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL"] = Field(
        "NORMAL", alias="STADIUMFLOW_SQLITE_SYNCHRONOUS"
    )

    # Azure names: the public contract's setting names, which the Functions host reads too.
    azure_storage_connection: str | None = Field(None, alias="AzureWebJobsStorage")
    table_name_gates: str = Field("gatestatus", alias="TABLE_NAME_GATES")
    table_name_history: str = Field("gatehistory", alias="TABLE_NAME_HISTORY")
    table_name_plans: str = Field("gateplans", alias="TABLE_NAME_PLANS")  # not the contract's
    queue_name_inflow: str = Field("gates-inflow", alias="QUEUE_NAME_INFLOW")
    queue_name_control: str = Field("gates-control", alias="QUEUE_NAME_CONTROL")
    blob_container_models: str = Field("ml-models", alias="BLOB_CONTAINER_MODELS")
    sagemaker_endpoint_name: str | None = Field(None, alias="SAGEMAKER_ENDPOINT_NAME")

    # Wait model: a folder with wait_model.onnx and metadata.json; default, the shipped one.
    model_dir: Path | None = Field(None, alias="STADIUMFLOW_MODEL_DIR")

    # Stadium layouts (gates, lanes, walking minutes): an operator's folder of TOML files,
    # besides the shipped ones. A stadium without a layout is planned with default walks.
    layout_dir: Path | None = Field(None, alias="STADIUMFLOW_LAYOUT_DIR")

    # Worker.
    worker_batch_readings: int = Field(10_000, ge=1, alias="STADIUMFLOW_WORKER_BATCH")
    worker_lease_seconds: float = Field(5.0, gt=0, alias="STADIUMFLOW_WORKER_LEASE_SECONDS")
    worker_idle_poll_seconds: float = Field(0.05, gt=0, alias="STADIUMFLOW_WORKER_POLL_SECONDS")

    log_level: str = Field("INFO", alias="STADIUMFLOW_LOG_LEVEL")

    # HTTP security (entrypoints/http/security.py). Keys are comma-separated and held as
    # secrets, so a settings dump or repr never shows them. No ingest keys: ingest is open
    # (logged loudly at start-up); no read keys: reads are open.
    ingest_keys: SecretStr | None = Field(None, alias="STADIUMFLOW_INGEST_KEYS")
    read_keys: SecretStr | None = Field(None, alias="STADIUMFLOW_READ_KEYS")
    # Match plans (/api/flow/plan, /api/flow/plans) need an operator key when set; open
    # (logged loudly at start-up) when not. An operator key is neither a read nor a device key.
    operator_keys: SecretStr | None = Field(None, alias="STADIUMFLOW_OPERATOR_KEYS")
    metrics_need_key: bool = Field(False, alias="STADIUMFLOW_METRICS_NEED_KEY")
    # Ingest requests/s per device key (per client address when ingest is open); 0: off.
    # Unset: 200 with keys, off when open (a lab or benchmark drives it from one machine).
    ingest_rate: float | None = Field(None, ge=0, alias="STADIUMFLOW_INGEST_RATE")
    body_timeout_seconds: float = Field(10.0, gt=0, alias="STADIUMFLOW_BODY_TIMEOUT_SECONDS")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, LocalSettingsJsonSource(settings_cls))
