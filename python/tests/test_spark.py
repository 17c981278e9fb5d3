"""Spark local mode: the example's retention sweep over a million records,
each Python worker importing the wheel, agrees with the Arrow path row for
row; the example's share decisions agree with `Engine.decide`.

Skipped without Java or pyspark, unless LAWFUL_REQUIRE_SPARK=1 (as `.ci/run`
sets when Java is installed): then their absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, Iterator

import pytest

import lawful
import lawful.arrow
from conftest import ROOT

REQUIRED = os.environ.get("LAWFUL_REQUIRE_SPARK") == "1"
if shutil.which("java") is None and not REQUIRED:
    pytest.skip("Spark needs Java", allow_module_level=True)
if not REQUIRED:
    pytest.importorskip("pyspark")

import pyarrow as pa  # noqa: E402
from pyspark import StorageLevel  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

EXAMPLES = ROOT / "python" / "examples"
sys.path.insert(0, str(EXAMPLES))
import spark_sweep  # noqa: E402

ROWS = int(os.environ.get("LAWFUL_SPARK_ROWS", "1000000"))


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    # The workers are started from this interpreter's environment: they
    # import the installed wheel, and the example module from here.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(EXAMPLES), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    session = (
        SparkSession.builder.master("local[2]")
        .appName("lawful-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "3g")
        .getOrCreate()
    )
    yield session
    session.stop()


def _sorted(table: Any, key: str) -> Any:
    return table.sort_by(key).combine_chunks()


def test_the_sweep_of_a_million_records_agrees_with_the_arrow_path(spark: SparkSession) -> None:
    records = spark_sweep.records(spark, ROWS)
    swept, _ = spark_sweep.run(spark, ROWS)
    # One sweep of every record, kept on disk, then compared a slice at a
    # time (the driver need not hold a million answers at once).
    swept = swept.persist(StorageLevel.DISK_ONLY)
    try:
        assert swept.count() == ROWS
        engine = lawful.Engine.builtin()
        outcomes: set[str] = set()
        step = 250_000
        for first in range(0, ROWS, step):
            part = (F.col("n") >= first) & (F.col("n") < first + step)
            by_spark = _sorted(swept.where(part).toArrow(), "n")
            mine = records.where(part).toArrow()
            direct = _sorted(pa.table(lawful.arrow.retention(engine, mine, at=spark_sweep.AT, keep=["n"])), "n")
            assert by_spark.num_rows == direct.num_rows == min(step, ROWS - first)
            # Spark names list items `element` and stamps instants with its
            # session zone; the values are what is compared.
            by_spark = by_spark.cast(direct.schema)
            for name in direct.column_names:
                assert by_spark.column(name).equals(direct.column(name)), (first, name)
            outcomes |= set(direct.column("outcome").to_pylist())
        assert {"dispose", "keep"} <= outcomes
    finally:
        swept.unpersist()


def test_the_share_decisions_agree_with_decide(spark: SparkSession) -> None:
    rows = 3_000
    _, decided = spark_sweep.run(spark, rows)
    by_spark = _sorted(decided.toArrow(), "id")
    requests = spark_sweep.share_requests(spark, rows).toArrow().sort_by("id").to_pylist()
    engine = lawful.Engine.builtin()
    want = [engine.decide({k: v for k, v in r.items() if v is not None}).to_dict() for r in requests]
    got = by_spark.to_pylist()
    assert [g["effect"] for g in got] == [w["effect"] for w in want]
    assert [[r["code"] for r in g["reasons"]] for g in got] == [[r["code"] for r in w["reasons"]] for w in want]
    assert {g["effect"] for g in got} == {"permit", "deny"}
