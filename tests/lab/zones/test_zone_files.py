"""Zone files: the shipped ones are valid; a bad one names the file, the field, the problem."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobs.models.monitoring import Thresholds
from lab.errors import ConfigurationError
from lab.settings import Settings
from lab.zones.files import load_zone_files, parse_zone_file
from lab.zones.rules import Monitoring

SHIPPED = Settings(_env_file=None).zones_dir  # type: ignore[call-arg]


def shipped(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SHIPPED / f"{name}.yaml").read_text())
    return data


def write_zone(folder: Path, name: str, data: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_shipped_zones_are_valid_and_hold_the_design_defaults() -> None:
    zones = load_zone_files(SHIPPED)
    assert set(zones) >= {"sandbox", "production"}
    sandbox, production = zones["sandbox"], zones["production"]
    assert sandbox.retention.dataset_days == 90
    assert production.retention.job_output_days == 30
    assert sandbox.disclosure.min_cell_count == 10 and sandbox.disclosure.rounding == 5
    assert sandbox.disclosure.max_file_bytes == 16 * 1024 * 1024
    assert sandbox.disclosure.max_rows == 5000
    assert set(sandbox.disclosure.allowed_file_types) == {"csv", "parquet", "png", "json"}
    assert production.disclosure.release_approvals == 2
    assert production.egress.row_level == "owner" and sandbox.egress.row_level == "none"


@pytest.mark.parametrize("aggregates", ["release_request", "auto", "none"])
def test_a_zone_says_how_aggregates_leave(tmp_path: Path, aggregates: str) -> None:
    data = _set(shipped("sandbox"), "egress.aggregates", aggregates)
    assert parse_zone_file(write_zone(tmp_path, "sandbox", data)).egress.aggregates == aggregates
    assert load_zone_files(SHIPPED)["sandbox"].egress.aggregates == "release_request"


def test_shipped_zones_monitor_daily_and_a_zone_without_the_section_gets_defaults(
    tmp_path: Path,
) -> None:
    zones = load_zone_files(SHIPPED)
    for zone in ("sandbox", "production"):
        monitoring = zones[zone].monitoring
        assert monitoring.interval_hours == 24
        assert monitoring.psi_warning == 0.1 and monitoring.psi_alert == 0.25
    data = _set(shipped("production"), "monitoring", _DELETE)
    rules = parse_zone_file(write_zone(tmp_path, "production", data))
    assert rules.monitoring == Monitoring()
    assert rules.monitoring.min_auc == 0.6 and rules.monitoring.min_bin_records == 10


def test_zone_thresholds_make_monitoring_thresholds() -> None:
    monitoring = load_zone_files(SHIPPED)["production"].monitoring
    thresholds = Thresholds.from_mapping(monitoring.model_dump())
    assert dataclasses.asdict(thresholds) == monitoring.model_dump(
        exclude={"interval_hours", "min_bin_records"}
    )


def _set(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    node = data
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("retention.dataset_days", -3, "retention.dataset_days: Input should be greater"),
        ("retention.dataset_days", "ninety", "retention.dataset_days: Input should be a valid"),
        ("disclosure.min_cell_count", 0, "disclosure.min_cell_count"),
        ("disclosure.allowed_file_types", ["exe"], "disclosure.allowed_file_types.0"),
        ("engines", ["sql", "cobol"], "engines.1"),
        ("engines", ["sql", "sql"], "engines lists an engine twice"),
        ("egress.row_level", "everyone", "egress.row_level"),
        ("egress.aggregates", "always", "egress.aggregates"),
        ("retention", _DELETE, "retention: Field required"),
        ("surprise", 1, "surprise: Extra inputs are not permitted"),
        ("monitoring.interval_hours", 0, "monitoring.interval_hours: Input should be greater"),
        ("monitoring.psi_warning", 0.3, "monitoring.psi_warning: must be below"),
        ("monitoring.min_auc", 1.5, "monitoring.min_auc: Input should be less"),
        ("monitoring.typo", 1, "monitoring.typo: Extra inputs are not permitted"),
        ("name", "production", "must live in a file named production.yaml"),
    ],
)
def test_an_invalid_zone_names_file_field_and_problem(
    tmp_path: Path, field: str, value: Any, problem: str
) -> None:
    path = write_zone(tmp_path, "sandbox", _set(shipped("sandbox"), field, value))
    with pytest.raises(ConfigurationError) as caught:
        parse_zone_file(path)
    assert str(path) in caught.value.message
    assert problem in caught.value.message


def test_broken_yaml_and_missing_zones_are_refused(tmp_path: Path) -> None:
    write_zone(tmp_path, "sandbox", "name: [unclosed")
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        load_zone_files(tmp_path)
    write_zone(tmp_path, "sandbox", shipped("sandbox"))
    with pytest.raises(ConfigurationError, match=r"missing zone definition.*production"):
        load_zone_files(tmp_path)
