"""Writing versions as encrypted Parquet and reading them back (pyarrow, DuckDB)."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from lab.errors import ConfigurationError, InvalidInput, NotFound
from lab.keys.hierarchy import VERSION_KIND
from lab.keys.keyring import StoredKey
from lab.storage import DatasetVersion, find_version
from lab.storage.kms import decryption_properties, parquet_format
from lab.storage.layout import STAGING
from lab.storage.models import Dataset
from lab.storage.parquet_io import column_choices
from tests.lab.storage.factories import SCHEMA, StorageWorld, expected_sum, merchant_batches


def test_a_version_round_trips_and_is_catalogued(world: StorageWorld) -> None:
    info = world.write(12_345)
    assert info.state == "ready" and info.version == 1 and info.row_count == 12_345
    assert (info.tenant, info.zone, info.name) == ("acme", "sandbox", "merchants")
    assert info.storage_path == f"storage/sandbox/acme/{info.dataset_id}/{info.id}"
    assert len(info.files) > 1, "small limits make several files"
    folder = world.home / info.storage_path
    assert sorted(p.name for p in folder.iterdir()) == [f["name"] for f in info.files]
    for entry in info.files:
        data = (folder / entry["name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    assert info.byte_size == sum(f["bytes"] for f in info.files)
    assert [c["classification"] for c in info.columns] == [
        "identifier",
        "quasi_identifier",
        "sensitive",
        "sensitive",  # unlabelled columns count as sensitive
        "sensitive",
    ]
    assert info.lineage == {"connector": "synthetic", "rows": 12_345}

    with world.sessions() as session:
        table = world.store.read_table(session, info.id)
    assert table.schema.equals(SCHEMA) and table.num_rows == 12_345
    assert pc.sum(table["sales"]).as_py() == expected_sum(12_345)
    assert table["merchant_id"].to_pylist()[:2] == ["M000000000", "M000000001"]


def test_versions_are_numbered_and_the_newest_ready_one_is_found(world: StorageWorld) -> None:
    first, second = world.write(10), world.write(20)
    other = world.write(5, tenant="globex")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.dataset_id == second.dataset_id != other.dataset_id
    with world.sessions() as session:
        assert find_version(session, tenant="acme", zone="sandbox", name="merchants").id == (
            second.id
        )
        found = find_version(session, tenant="acme", zone="sandbox", name="merchants", version=1)
        assert found.id == first.id
        with pytest.raises(NotFound):
            find_version(session, tenant="acme", zone="production", name="merchants")
    assert (world.home / "storage/sandbox/globex" / other.dataset_id / other.id).is_dir()


def test_an_empty_dataset_keeps_its_schema(world: StorageWorld) -> None:
    info = world.write(0)
    assert info.row_count == 0 and len(info.files) == 1
    with world.sessions() as session:
        table = world.store.read_table(session, info.id)
    assert table.num_rows == 0 and table.schema.equals(SCHEMA)


def test_files_cannot_be_opened_without_their_own_key(world: StorageWorld) -> None:
    info, other = world.write(1_000), world.write(1_000, name="other")
    path = world.home / info.storage_path / info.files[0]["name"]
    with pytest.raises(OSError, match="encrypted"):
        pq.read_table(path)
    with pytest.raises(OSError, match="encrypted"):
        pq.read_schema(path)
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect().sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()
    with world.sessions() as session:
        wrong_keys = world.store.data_keys_for(session, [other.id])
    renamed = {info.key_name: next(iter(wrong_keys.values()))}  # the other key, our name
    for keys in (wrong_keys, renamed):
        with pytest.raises((KeyError, ConfigurationError)):
            pads.dataset([str(path)], format=parquet_format(keys)).to_table()


def test_duckdb_queries_a_registered_version(world: StorageWorld) -> None:
    info = world.write(7_000)
    conn = duckdb.connect()
    with world.sessions() as session:
        world.store.register_duckdb(session, conn, "merchants", info.id)
    rows = conn.sql(
        "SELECT city, count(*), sum(sales) FROM merchants GROUP BY city ORDER BY city"
    ).fetchall()
    assert sum(r[1] for r in rows) == 7_000 and len(rows) == 7
    assert sum(r[2] for r in rows) == expected_sum(7_000)
    with world.sessions() as session, pytest.raises(InvalidInput):
        world.store.register_duckdb(session, conn, "x; DROP TABLE y", info.id)


def test_a_batch_with_the_wrong_schema_leaves_nothing(world: StorageWorld) -> None:
    def batches() -> Iterator[pa.RecordBatch]:
        yield from merchant_batches(6_000)
        yield pa.record_batch({"merchant_id": ["x"]})

    with pytest.raises(InvalidInput, match="schema"):
        world.store.write_version(
            world.sessions,
            tenant="acme",
            zone="sandbox",
            name="m",
            batches=batches(),
            schema=SCHEMA,
        )
    _assert_no_trace_of_the_failed_version(world)


def test_a_failing_source_leaves_nothing(world: StorageWorld) -> None:
    def batches() -> Iterator[pa.RecordBatch]:
        yield from merchant_batches(8_000)
        raise RuntimeError("the source connection dropped")

    with pytest.raises(RuntimeError, match="dropped"):
        world.store.write_version(
            world.sessions,
            tenant="acme",
            zone="sandbox",
            name="m",
            batches=batches(),
            schema=SCHEMA,
        )
    _assert_no_trace_of_the_failed_version(world)


def _assert_no_trace_of_the_failed_version(world: StorageWorld) -> None:
    """Not even a row: the version never became visible, so it takes no number, and its
    key (shredded first) is gone with it."""
    with world.sessions() as session:
        assert session.query(DatasetVersion).all() == []
        assert session.query(Dataset).all() == []
        assert [k.name for k in session.query(StoredKey) if k.kind == VERSION_KIND] == []
    root = world.home / "storage/sandbox/acme"
    assert [p for p in root.rglob("*") if p.is_file()] == []
    assert list((root / STAGING).iterdir()) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("tenant", "../globex"), ("tenant", "Acme"), ("zone", "sandbox/../x"), ("name", "../x")],
)
def test_names_that_would_escape_the_storage_root_are_refused(
    world: StorageWorld, field: str, value: str
) -> None:
    args = {"tenant": "acme", "zone": "sandbox", "name": "m", field: value}
    with pytest.raises(InvalidInput):
        world.store.write_version(
            world.sessions,
            tenant=args["tenant"],
            zone=args["zone"],
            name=args["name"],
            batches=merchant_batches(10),
            schema=SCHEMA,
        )
    assert not (world.home / "storage").exists()


def test_classifications_are_checked(world: StorageWorld) -> None:
    for labels in ({"nope": "plain"}, {"city": "secret"}):
        with pytest.raises(InvalidInput):
            world.store.write_version(
                world.sessions,
                tenant="acme",
                zone="sandbox",
                name="m",
                batches=merchant_batches(10),
                schema=SCHEMA,
                classifications=labels,
            )


def test_memory_stays_flat_while_writing_many_rows(tmp_path: Path) -> None:
    from lab.storage import WriteLimits
    from tests.lab.storage.factories import make_world

    limits = WriteLimits(row_group_rows=20_000, row_group_bytes=4 << 20, file_bytes=8 << 20)
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'm.db'}", limits=limits)
    gc.collect()  # what earlier tests left for the collector is not this writer's memory
    base = pa.total_allocated_bytes()
    peak = total = 0

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal peak, total
        for batch in merchant_batches(600_000, batch_rows=10_000):
            peak = max(peak, pa.total_allocated_bytes() - base)
            total += batch.nbytes
            yield batch

    info = world.store.write_version(
        world.sessions, tenant="acme", zone="sandbox", name="big", batches=batches(), schema=SCHEMA
    )
    world.close()
    assert info.row_count == 600_000 and len(info.files) > 1
    assert total > 30 << 20
    assert peak < 10 << 20, f"peak Arrow memory {peak:,} bytes for {total:,} bytes of rows"


def test_concurrent_writers_get_distinct_version_numbers(world: StorageWorld) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        infos = list(pool.map(lambda i: world.write(500 + i, name="shared"), range(4)))
    assert sorted(i.version for i in infos) == [1, 2, 3, 4]
    assert len({i.dataset_id for i in infos}) == 1
    with world.sessions() as session:
        for info in infos:
            assert world.store.read_table(session, info.id).num_rows == info.row_count


@pytest.mark.parametrize(
    ("column", "codec"),
    [
        (pa.array([hashlib.sha256(str(i).encode()).hexdigest() for i in range(5000)]), "none"),
        (pa.array(["杭州市"] * 2500 + ["宁波市"] * 2500), "snappy"),
        (pa.array(range(5000), pa.int64()), "snappy"),
        (pa.array([i * 0.5 for i in range(5000)]), "snappy"),
        (pa.array(np.random.default_rng(1).random(5000)), "none"),
    ],
)
def test_columns_that_do_not_compress_are_stored_raw(column: pa.Array, codec: str) -> None:
    assert column_choices(pa.table({"c": column})).codecs == {"c": codec}


def test_the_codecs_chosen_are_the_ones_in_the_files(world: StorageWorld) -> None:
    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(3000)]
    table = pa.table({"pseudonym": digests, "city": ["杭州市", "宁波市"] * 1500})
    info = world.store.write_version(
        world.sessions, tenant="acme", zone="sandbox", name="codecs",
        batches=table.to_batches(), schema=table.schema,
    )  # fmt: skip
    path = world.home / info.storage_path / info.files[0]["name"]
    with world.sessions() as session:
        keys = world.store.data_keys_for(session, [info.id])
    metadata = pq.ParquetFile(path, decryption_properties=decryption_properties(keys)).metadata
    chunks = {
        metadata.row_group(0).column(i).path_in_schema: metadata.row_group(0).column(i)
        for i in range(metadata.num_columns)
    }
    assert {name: chunk.compression for name, chunk in chunks.items()} == {
        "pseudonym": "UNCOMPRESSED",
        "city": "SNAPPY",
    }
    assert not chunks["pseudonym"].is_stats_set and chunks["city"].is_stats_set
    assert "RLE_DICTIONARY" not in chunks["pseudonym"].encodings
    assert "RLE_DICTIONARY" in chunks["city"].encodings


def test_only_columns_that_neither_compress_nor_repeat_lose_dictionary_and_statistics() -> None:
    rng = np.random.default_rng(3)
    table = pa.table(
        {
            "pseudonym": [hashlib.sha256(str(i).encode()).hexdigest() for i in range(5000)],
            "city_code": pa.array(rng.integers(0, 300, 5000)).cast(pa.string()),
            "sales": rng.gamma(2.0, 5000.0, 5000),
        }
    )
    choices = column_choices(table)
    assert choices.codecs["pseudonym"] == choices.codecs["sales"] == "none"
    assert choices.random == ["pseudonym", "sales"]  # city codes repeat: not random
    options = choices.writer_options()
    assert options["use_dictionary"] == options["write_statistics"] == ["city_code"]
