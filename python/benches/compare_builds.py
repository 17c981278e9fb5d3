"""Two or more builds of the package compared in one process, interleaved.

    python python/benches/compare_builds.py DIR [DIR ...] [--kind decide|retention] [--rows N] [--rounds K] [--dictionary]

Each DIR holds a `lawful/` package (the Python files and a built
`_lawful.abi3.so`, e.g. copied from `python/lawful` after `maturin develop
--release` at each commit). Every round runs each build once on the same
table (the throughput benchmark's mix or records), so a machine whose load
changes from minute to minute weighs on all builds alike; the figures are
rows per CPU-second of the calling thread, the median and the best round.
On a shared machine this is how a change is measured; throughput.py gives
the paths side by side. With `--dictionary`, each build that has the option
also sweeps with `dictionary=True`, as a build of its own (`DIR+dictionary`).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput  # noqa: E402


def load(directory: str):
    """The `lawful` package of `directory`, under the name `lawful`, alone."""
    for name in [n for n in sys.modules if n == "lawful" or n.startswith("lawful.")]:
        del sys.modules[name]
    sys.path.insert(0, directory)
    try:
        package = importlib.import_module("lawful")
        importlib.import_module("lawful.arrow")
        return package
    finally:
        sys.path.pop(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("builds", nargs="+", metavar="DIR")
    parser.add_argument("--kind", choices=["decide", "retention"], default="decide")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--dictionary", action="store_true", help="also sweep with dictionary=True")
    args = parser.parse_args()
    packages = {d: load(d) for d in args.builds}
    options: dict[str, dict[str, bool]] = {d: {} for d in args.builds}
    if args.dictionary:
        for d in args.builds:
            if "dictionary" in packages[d].arrow.retention.__code__.co_varnames:
                packages[f"{d}+dictionary"] = packages[d]
                options[f"{d}+dictionary"] = {"dictionary": True}
    if args.kind == "decide":
        table = throughput.table(throughput.requests(args.rows))
    else:
        table = throughput.table(throughput.records(args.rows))
    print(f"Machine: {throughput.machine()}")
    seconds: dict[str, list[float]] = {d: [] for d in packages}
    for round_ in range(args.rounds + 1):  # the first round warms up
        for d, lawful in packages.items():
            engine = lawful.Engine.builtin()
            start = time.thread_time()
            if args.kind == "decide":
                lawful.arrow.decide(engine, table)
            else:
                lawful.arrow.retention(engine, table, at=throughput.AT, **options[d])
            if round_:
                seconds[d].append(time.thread_time() - start)
    for d, times in seconds.items():
        median, best = statistics.median(times), min(times)
        print(f"{args.kind} {d}: {args.rows / median:,.0f} rows per CPU-second (median), {args.rows / best:,.0f} (best); {args.rounds} rounds of {args.rows:,} rows")


if __name__ == "__main__":
    main()
