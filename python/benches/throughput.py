"""Rows per second of every way Python reaches lawful, in one run.

    python python/benches/throughput.py [--rows N] [--repeat K] [--no-spark] [--only TEXT]...

Each path answers the same requests (benches/mix.jsonl, the 26 mixed request
classes of the Rust benchmarks, tiled to N rows) or the same retention
records (N records over six years, each collected at its own instant):

- the JSON-lines pipe: `lawful decide` / `lawful retention` (release build)
  fed all N lines on stdin, as a Python host would pipe them;
- `Engine.decide_many` on JSON strings and on dicts;
- `lawful.arrow.decide` / `lawful.arrow.retention` on a pyarrow table (the
  sweep also with `dictionary=True`);
- Spark local mode (`mapInArrow`), when pyspark and Java are installed.

Every figure is the median of K runs, as wall-clock rows/s and as rows per
CPU-second of the process doing the work (the calling thread for the
in-process paths, the child for the pipe), so a busy machine shows in the
gap between the two. The machine is described at the top of the output.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pyarrow as pa

import lawful
import lawful.arrow

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-11-28T02:00:00+08:00"
KINDS = [
    ("log.usage", "operations.security"),
    ("account.phone", "account.registration"),
    ("account.email", "account.registration"),
    ("location.coarse", "service.browse"),
    ("support.records", "support.feedback"),
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    versions = [f"Python {platform.python_version()}", f"lawful {lawful.__version__}", f"pyarrow {pa.__version__}"]
    for name in ("polars", "duckdb", "pyspark"):
        try:
            versions.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            pass
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}; "
        f"load average {load} at the start; " + ", ".join(versions)
    )


def requests(rows: int) -> list[dict]:
    mix = [json.loads(line) for line in (ROOT / "benches" / "mix.jsonl").read_text().splitlines() if line.strip()]
    return [mix[i % len(mix)] for i in range(rows)]


def records(rows: int) -> list[dict]:
    rng = random.Random(7)
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    out = []
    for i in range(rows):
        category, purpose = KINDS[i % len(KINDS)]
        collected = start + datetime.timedelta(seconds=rng.randrange(6 * 365 * 86400))
        out.append({
            "id": f"rec-{i}",
            "category": category,
            "purpose": purpose,
            "collected_at": collected.isoformat(),
            "age_group": ("adult", "adult", "child", "unknown")[i % 4],
        })
    return out


def table(rows: list[dict]) -> pa.Table:
    whole = pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(rows))])
    return pa.Table.from_batches(whole.combine_chunks().to_batches(max_chunksize=65_536))


def cli() -> Path:
    given = os.environ.get("LAWFUL_BIN")
    if given:
        return Path(given)
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "lawful-cli", "--bin", "lawful"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "lawful"


def timed(work: Callable[[], object], repeat: int, child: bool = False) -> tuple[float, float]:
    """The median wall and CPU seconds of `work`."""
    walls, cpus = [], []
    for _ in range(repeat):
        if child:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
        else:
            cpu0 = time.thread_time()
        wall0 = time.perf_counter()
        work()
        walls.append(time.perf_counter() - wall0)
        if child:
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        else:
            cpus.append(time.thread_time() - cpu0)
    return statistics.median(walls), statistics.median(cpus)


def pipe(binary: Path, command: str, text: str, rows: int) -> Callable[[], object]:
    def run() -> None:
        done = subprocess.run([str(binary), command], input=text, capture_output=True, text=True, check=True)
        assert done.stdout.count("\n") == rows
    return run


def spark_sweep(rows: int, repeat: int) -> list[tuple[str, float, float]]:
    """Spark local mode over every core: the retention sweep and the share
    decisions of python/examples/spark_sweep.py, counted (the answers are
    computed, not collected). CPU time is not measured (it is spent in the
    JVM and the Python workers)."""
    if shutil.which("java") is None:
        return []
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return []
    sys.path.insert(0, str(ROOT / "python" / "examples"))
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "python" / "examples"), *filter(None, [os.environ.get("PYTHONPATH")])])
    import spark_sweep as example

    spark = (
        SparkSession.builder.master("local[*]").appName("lawful-bench")
        .config("spark.ui.enabled", "false").config("spark.driver.memory", "3g").getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    out = []
    try:
        swept, decided = example.run(spark, rows)
        swept.count()  # warm the workers
        wall, _ = timed(swept.count, repeat)
        out.append((f"Spark local[{os.cpu_count()}], mapInArrow retention sweep", wall, float("nan")))
        wall, _ = timed(decided.count, repeat)
        out.append((f"Spark local[{os.cpu_count()}], mapInArrow share decisions", wall, float("nan")))
    finally:
        spark.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument(
        "--only", action="append", default=[], metavar="TEXT",
        help="run only the paths whose name contains TEXT (repeatable; e.g. `--only arrow --only piped`)",
    )
    args = parser.parse_args()
    rows, repeat = args.rows, args.repeat

    print(f"Machine: {machine()}")
    print(f"Rows: {rows:,} a run, median of {repeat} runs.\n")
    engine = lawful.Engine.builtin()
    binary = cli()

    decide_dicts = requests(rows)
    decide_lines = [json.dumps(r) for r in decide_dicts]
    decide_table = table(decide_dicts)
    sweep_dicts = records(rows)
    sweep_lines = [json.dumps(dict(r, at=AT)) for r in sweep_dicts]
    sweep_table = table(sweep_dicts)
    # A warehouse keeps instants as timestamps, not text.
    sweep_timestamps = sweep_table.set_column(
        sweep_table.schema.get_field_index("collected_at"),
        "collected_at",
        pa.compute.cast(pa.compute.strptime(sweep_table.column("collected_at"), "%Y-%m-%dT%H:%M:%S%z", "us"), pa.timestamp("us", "UTC")),
    )

    runs: list[tuple[str, int, Callable[[], object], bool]] = [
        ("`lawful decide`, JSON lines piped from Python", rows, pipe(binary, "decide", "\n".join(decide_lines) + "\n", rows), True),
        ("`Engine.decide_many`, JSON strings", rows, lambda: engine.decide_many(decide_lines), False),
        ("`Engine.decide_many`, dicts", rows // 10, lambda: engine.decide_many(decide_dicts[: rows // 10]), False),
        ("`lawful.arrow.decide`, pyarrow table", rows, lambda: lawful.arrow.decide(engine, decide_table), False),
        ("`lawful retention`, JSON lines piped from Python", rows, pipe(binary, "retention", "\n".join(sweep_lines) + "\n", rows), True),
        ("`Engine.retention_many`, JSON strings", rows, lambda: engine.retention_many(sweep_lines), False),
        ("`lawful.arrow.retention`, pyarrow table (instants as text)", rows, lambda: lawful.arrow.retention(engine, sweep_table, at=AT), False),
        ("`lawful.arrow.retention`, pyarrow table (timestamp column)", rows, lambda: lawful.arrow.retention(engine, sweep_timestamps, at=AT), False),
        ("`lawful.arrow.retention`, pyarrow table (text instants), `dictionary=True`", rows, lambda: lawful.arrow.retention(engine, sweep_table, at=AT, dictionary=True), False),
    ]
    if args.only:
        runs = [run for run in runs if any(text in run[0] for text in args.only)]
    results: list[tuple[str, float, float]] = []
    for name, n, work, child in runs:
        wall, cpu = timed(work, repeat, child)
        results.append((name, n / wall, n / cpu))
        print(f"  measured: {name}", file=sys.stderr)
    if not args.no_spark:
        for name, wall, _ in spark_sweep(rows, max(1, repeat // 2)):
            results.append((name, rows / wall, float("nan")))

    print("| path | rows/s (wall) | rows per CPU-second |")
    print("| --- | ---: | ---: |")
    for name, wall_rate, cpu_rate in results:
        cpu_text = "—" if cpu_rate != cpu_rate else f"{cpu_rate:,.0f}"
        print(f"| {name} | {wall_rate:,.0f} | {cpu_text} |")


if __name__ == "__main__":
    main()
