"""JSONL and CSV exports: counts, fields, re-verification of a JSONL export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy.engine import Engine

from audit import Checkpoint, read_jsonl, verify_events, write_csv, write_jsonl
from audit.canonical import canonical_json
from audit.export import CSV_COLUMNS
from tests.audit.audit_helpers import KEY, draft, fill, make_log


def test_jsonl_round_trip_and_offline_verification(db_engine: Engine, tmp_path: Path) -> None:
    log = make_log(every=4)
    events = fill(db_engine, log, 10)
    with db_engine.connect() as conn:
        checkpoints = [Checkpoint.from_dict(c.to_dict()) for c in log.checkpoints(conn)]
        path = tmp_path / "trail.jsonl"
        with path.open("w", encoding="utf-8") as fp:
            assert write_jsonl(log.iter_events(conn, batch=3), fp) == 10
    with path.open(encoding="utf-8") as fp:
        back = list(read_jsonl(fp))
    assert back == events
    assert "季度汇总" in path.read_text(encoding="utf-8")  # kept readable, not \u-escaped

    report = verify_events(back, KEY.public_key(), checkpoints=checkpoints)
    assert report.ok and report.events_checked == 10 and report.checkpoints_checked == 3

    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[6])
    record["actor"] = "mallory"
    lines[6] = json.dumps(record, ensure_ascii=False)
    tampered = list(read_jsonl(io.StringIO("\n".join(lines))))
    bad = verify_events(tampered, KEY.public_key(), checkpoints=checkpoints)
    assert (bad.ok, bad.first_bad_seq) == (False, 7)
    cut = verify_events(back[:7], KEY.public_key(), checkpoints=checkpoints)
    assert (cut.ok, cut.first_bad_seq) == (False, 8)


def test_csv_has_every_event_and_field(db_engine: Engine) -> None:
    log = make_log()
    events = fill(db_engine, log, 5)
    buf = io.StringIO(newline="")
    assert write_csv(events, buf) == 5
    buf.seek(0)
    reader = csv.DictReader(buf)
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    records = list(reader)
    assert len(records) == 5
    for record, event in zip(records, events, strict=True):
        expected = event.to_dict()
        assert int(record["seq"]) == event.seq
        assert record["time"] == expected["time"]
        assert record["details"] == canonical_json(event.details)
        assert record["decision"] == (event.decision or "")
        for name in ("actor", "action", "resource", "tenant", "zone", "outcome", "hash"):
            assert record[name] == expected[name]


def test_csv_neutralises_spreadsheet_formulas(db_engine: Engine) -> None:
    log = make_log()
    with db_engine.begin() as conn:
        event = log.append(
            conn, draft(resource='=HYPERLINK("http://x")', actor="@alice", request_id="-1+1")
        )
    buf = io.StringIO(newline="")
    write_csv([event], buf)
    buf.seek(0)
    record = next(csv.DictReader(buf))
    assert record["resource"] == '\'=HYPERLINK("http://x")'
    assert record["actor"] == "'@alice"
    assert record["request_id"] == "'-1+1"
    out = io.StringIO()
    write_jsonl([event], out)
    assert json.loads(out.getvalue())["resource"] == '=HYPERLINK("http://x")'  # JSONL is faithful
