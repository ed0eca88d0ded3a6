"""The Dockerfile and compose.yaml name only what exists: real `lynk` commands and options, real settings,
files that are in the repository. (Building the image needs a container engine; the suite does not.)"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import yaml

from lynk.core.config import Settings
from tests.cli.test_cli import LYNK

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def _lynk_accepts(arguments: list[str]) -> None:
    result = subprocess.run([*LYNK, *arguments, "--help"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"lynk {' '.join(arguments)}: {result.stderr}"


def test_compose_runs_real_commands_with_real_settings() -> None:
    services = _compose()["services"]
    lynk_services = {name: s for name, s in services.items() if s.get("image") == "lynk:local"}
    assert {"lynk", "worker", "migrate"} <= set(lynk_services)
    known = {f"LYNK_{name.upper()}" for name in Settings.model_fields}
    for name, service in lynk_services.items():
        _lynk_accepts(service["command"])
        unknown = {variable for variable in service["environment"] if variable not in known}
        assert not unknown, f"{name}: no such setting {unknown}"
    assert services["lynk"]["environment"]["LYNK_METRICS_PORT"] == "9464"
    assert services["lynk"]["ports"] == ["127.0.0.1:7242:7242"]  # metrics are not published


def test_dockerfile_copies_what_exists_and_starts_lynk() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    for line in lines:
        if line.startswith("COPY "):
            *sources, _target = shlex.split(line)[1:]
            for source in sources:
                assert (ROOT / source).exists(), source
    entrypoint = next(line for line in lines if line.startswith("ENTRYPOINT"))
    command = next(line for line in lines if line.startswith("CMD"))
    assert yaml.safe_load(entrypoint.removeprefix("ENTRYPOINT ")) == ["lynk"]
    _lynk_accepts(yaml.safe_load(command.removeprefix("CMD ")))
