"""The retention sweep and a share decision over Spark DataFrames.

Each Spark task runs ``lawful.arrow`` in its Python worker with
``DataFrame.mapInArrow``: Spark hands the worker Arrow batches, lawful
answers each batch with no Python per row, and Spark reads the answers back
as a DataFrame whose schema is ``lawful.arrow.spark_schema(...)``. The
workers import the ``lawful`` wheel, so it must be installed where they run
(docs/python.md, "Spark on a cluster").

Run in local mode (Java 17 or later, ``pip install pyspark pandas pyarrow``)::

    python python/examples/spark_sweep.py [ROWS]
"""

from __future__ import annotations

import sys
from typing import Iterator

import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

import lawful
import lawful.arrow

# The sweep instant: every record is judged at it.
AT = "2026-11-28T02:00:00+08:00"

# Records of the built-in policy: (category, purpose) pairs its rules cover.
KINDS = [
    ("log.usage", "operations.security"),
    ("account.phone", "account.registration"),
    ("account.email", "account.registration"),
    ("location.coarse", "service.browse"),
    ("support.records", "support.feedback"),
]
AGES = ["adult", "adult", "adult", "child", "unknown"]


# The answers keep the records' key `n`, to join them back to the records.
SWEPT = lawful.arrow.spark_schema("retention") + ", `n` BIGINT"


def sweep(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: records in, retention answers out, a batch at a time."""
    engine = lawful.Engine.builtin()  # once a task, in the worker
    for batch in batches:
        answers = lawful.arrow.retention(engine, batch, at=AT, keep=["n"])
        yield from pa.table(answers).to_batches()


def share(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: share requests in, decisions out, a batch at a time."""
    engine = lawful.Engine.builtin()
    for batch in batches:
        yield from pa.table(lawful.arrow.decide(engine, batch)).to_batches()


def _pick(choices: list[str], index: Column) -> Column:
    return F.element_at(F.array(*[F.lit(c) for c in choices]), (index % len(choices) + 1).cast("int"))


def records(spark: SparkSession, rows: int) -> DataFrame:
    """`rows` records, as a warehouse holds them: collected over six years,
    with a key `n` that is not part of a record."""
    n = F.col("id")
    # 2020-01-01T00:00:00Z plus a spread of seconds that varies every row.
    collected = F.timestamp_seconds(F.lit(1_577_836_800) + (n * 7_919_333) % (6 * 365 * 86_400))
    return spark.range(rows).select(
        n.alias("n"),
        F.format_string("rec-%d", n).alias("id"),
        _pick([k[0] for k in KINDS], n).alias("category"),
        _pick([k[1] for k in KINDS], n).alias("purpose"),
        F.date_format(collected, "yyyy-MM-dd'T'HH:mm:ssXXX").alias("collected_at"),
        _pick(AGES, n / 5).alias("age_group"),
    )


def share_requests(spark: SparkSession, rows: int) -> DataFrame:
    """`rows` requests to share a customer's phone number with Acme today,
    each on the customer's own consent (or none)."""
    n = F.col("id")
    consent = F.struct(
        F.lit("subject").alias("by"),
        F.lit(True).alias("separate"),
        F.array(F.lit("support.feedback")).alias("purposes"),
        F.array(F.lit("account")).alias("categories"),
        F.array(F.lit("share")).alias("actions"),
        F.array(F.lit("Acme")).alias("recipients"),
        F.lit("2026-01-01T00:00:00+08:00").alias("given_at"),
    )
    birth = F.date_format(F.date_add(F.lit("1950-01-01").cast("date"), (n * 37 % 25_000).cast("int")), "yyyy-MM-dd")
    return spark.range(rows).select(
        F.format_string("share-%d", n).alias("id"),
        F.lit(AT).alias("at"),
        F.lit("share").alias("action"),
        F.lit("support.feedback").alias("purpose"),
        F.array(F.lit("account.phone")).alias("categories"),
        F.struct(birth.alias("birth_date")).alias("subject"),
        F.struct(F.lit("third_party").alias("kind"), F.lit("Acme").alias("name"), F.lit("CN").alias("region")).alias("recipient"),
        # Every third customer has not consented.
        F.struct(F.when(n % 3 != 0, F.array(consent)).otherwise(F.array().cast("array<struct<by:string,separate:boolean,purposes:array<string>,categories:array<string>,actions:array<string>,recipients:array<string>,given_at:string>>")).alias("consents")).alias("evidence"),
    )


def run(spark: SparkSession, rows: int) -> tuple[DataFrame, DataFrame]:
    """The sweep of `rows` records and the share decisions of `rows`
    customers, as DataFrames (Spark computes them when asked)."""
    swept = records(spark, rows).mapInArrow(sweep, SWEPT)
    decided = share_requests(spark, rows).mapInArrow(share, lawful.arrow.spark_schema("decide"))
    return swept, decided


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    spark = SparkSession.builder.master("local[*]").appName("lawful-sweep").getOrCreate()
    swept, decided = run(spark, rows)
    print("records by outcome:")
    swept.groupBy("outcome").count().orderBy("outcome").show()
    print("the first records to dispose of, and by when:")
    swept.where("outcome = 'dispose'").select("id", "due.trigger", "due.by").orderBy("by", "id").show(5)
    print("share decisions:")
    decided.groupBy("effect", F.col("reasons")[0]["code"].alias("reason")).count().show(truncate=False)
    spark.stop()


if __name__ == "__main__":
    main()
