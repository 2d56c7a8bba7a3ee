"""Read and validate the zone definition files; a bad file stops start-up with a clear
message naming the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lab.errors import ConfigurationError
from lab.zones.rules import ZoneRules, inconsistencies

REQUIRED = ("sandbox", "production")


def _problems(path: Path, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(file)"
        got = (
            f" (got {err['input']!r})"
            if "input" in err and not isinstance(err["input"], dict)
            else ""
        )
        lines.append(f"{path}: {field}: {err['msg']}{got}")
    return "; ".join(lines)


def parse_zone_file(path: Path) -> ZoneRules:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path}: (file): expected a mapping of zone fields")
    try:
        rules = ZoneRules.model_validate(raw)
    except ValidationError as exc:
        raise ConfigurationError(_problems(path, exc)) from exc
    problems = inconsistencies(rules)
    if problems:
        raise ConfigurationError("; ".join(f"{path}: {p}" for p in problems))
    if rules.name != path.stem:
        raise ConfigurationError(
            f"{path}: name: zone {rules.name!r} must live in a file named {rules.name}.yaml"
        )
    return rules


def load_zone_files(folder: Path) -> dict[str, ZoneRules]:
    """Every `*.yaml` zone in `folder`, validated; `sandbox` and `production` must exist."""
    if not folder.is_dir():
        raise ConfigurationError(f"zone folder {folder} does not exist (LAB_ZONES_DIR)")
    zones = {p.stem: parse_zone_file(p) for p in sorted(folder.glob("*.yaml"))}
    missing = [z for z in REQUIRED if z not in zones]
    if missing:
        raise ConfigurationError(f"{folder}: missing zone definition(s): {', '.join(missing)}")
    return zones
