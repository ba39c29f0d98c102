"""Types every reader takes: the archive's three tables, as a crawl writes them and as
`compact` rewrites them, read without options by pyarrow, pandas, polars, DuckDB and Spark,
each giving the same rows with timestamps in UTC, integers signed, lists as lists and the
`counts` map as a map."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from blogarchive import archive
from blogarchive.archive.schema import SCHEMAS

from .conftest import require_server, run_blogarchive

TABLES = ("pages", "fetches", "crawls")


def test_the_schema_holds_only_types_every_reader_takes():
    for table, schema in SCHEMAS.items():
        for field in schema:
            kind = field.type
            assert not pa.types.is_unsigned_integer(kind), (table, field.name)
            if pa.types.is_timestamp(kind):
                assert (kind.unit, kind.tz) == ("us", "UTC"), (table, field.name)
            if pa.types.is_list(kind):
                assert kind.value_type in (pa.string(),), (table, field.name)
            if pa.types.is_map(kind):
                assert (kind.key_type, kind.item_type) == (pa.string(), pa.int64()), (table, field.name)
            assert not pa.types.is_dictionary(kind) and not pa.types.is_fixed_size_binary(kind)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo blog crawled twice (two crawls' files), and a compacted copy of it."""
    out = tmp_path_factory.mktemp("readers") / "written"
    for _ in range(2):
        result = run_blogarchive("demo", "--out", str(out))
        assert result.returncode == 0, result.stderr
    compacted = out.with_name("compacted")
    shutil.copytree(out, compacted)
    assert run_blogarchive("compact", str(compacted)).returncode == 0
    assert len(list((compacted / "pages").glob("*.parquet"))) == 1
    return {"written": out, "compacted": compacted}


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    if shutil.which("java") is None:
        require_server("java", "apt-get install default-jre-headless: Spark runs on the JVM")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.parametrize("which", ["written", "compacted"])
def test_pandas_polars_duckdb_and_spark_read_every_table_without_options(archives, spark, which):
    root = archives[which]
    for table in TABLES:
        expected = archive.read_table(root, table)
        assert expected.num_rows > 0
        folder, files = str(root / table), str(root / table / "*.parquet")
        keys = ("crawl_id", "recorded_at") if table == "crawls" else ("url", "fetched_at")
        expected_keys = sorted(zip(*(expected[k].to_pylist() for k in keys)))

        frame = pd.read_parquet(folder)
        assert len(frame) == expected.num_rows
        polars = pl.read_parquet(files)
        assert polars.height == expected.num_rows
        con = duckdb.connect()
        try:
            described = dict(
                con.execute(f"DESCRIBE SELECT * FROM read_parquet('{files}')").fetchall()[i][:2]
                for i in range(len(expected.schema))
            )
            duck_keys = sorted(con.execute(f"SELECT {', '.join(keys)} FROM read_parquet('{files}')").fetchall())
        finally:
            con.close()
        sparks = spark.read.parquet(folder)
        spark_types = dict(sparks.dtypes)
        assert sparks.count() == expected.num_rows

        assert sorted(zip(*(frame[k].tolist() for k in keys))) == expected_keys
        assert sorted(zip(*(polars[k].to_list() for k in keys))) == expected_keys
        assert duck_keys == expected_keys
        spark_keys = sorted((r[0], r[1]) for r in sparks.select(*keys).collect())
        assert [k for k, _ in spark_keys] == [k for k, _ in expected_keys]

        for field in SCHEMAS[table]:
            name, kind = field.name, field.type
            if pa.types.is_timestamp(kind):
                assert str(frame[name].dtype) == "datetime64[us, UTC]", (table, name)
                assert polars.schema[name] == pl.Datetime("us", "UTC"), (table, name)
                assert described[name] == "TIMESTAMP WITH TIME ZONE", (table, name)
                assert spark_types[name] == "timestamp", (table, name)
            elif pa.types.is_list(kind):
                assert polars.schema[name] == pl.List(pl.String), (table, name)
                assert described[name] == "VARCHAR[]", (table, name)
                assert spark_types[name] == "array<string>", (table, name)
            elif pa.types.is_map(kind):
                assert polars.schema[name] == pl.Map(pl.String, pl.Int64), (table, name)
                assert described[name] == "MAP(VARCHAR, BIGINT)", (table, name)
                assert spark_types[name] == "map<string,bigint>", (table, name)
            elif pa.types.is_integer(kind):
                assert spark_types[name] in ("int", "bigint") and described[name] in ("INTEGER", "BIGINT"), (
                    table,
                    name,
                )

    # the map's values, the same in every reader
    crawls = archive.read_table(root, "crawls", ["crawl_id", "recorded_at", "counts"])
    final = {r["crawl_id"]: dict(r["counts"]) for r in crawls.to_pylist() if r["counts"]}
    assert final and all(sum(c.values()) > 0 for c in final.values())
    by_spark = {
        r["crawl_id"]: dict(r["counts"])
        for r in spark.read.parquet(str(root / "crawls")).select("crawl_id", "counts").collect()
        if r["counts"]
    }
    assert by_spark == final
    by_polars = {
        r["crawl_id"]: dict(r["counts"])
        for r in pl.read_parquet(str(root / "crawls" / "*.parquet")).select("crawl_id", "counts").to_dicts()
        if r["counts"]
    }
    assert by_polars == final
