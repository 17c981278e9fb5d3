"""Instructions per swept record of a build, exactly, under callgrind.

    python python/benches/instructions.py DIR [--rows N] [--dictionary]

Times move by 10-15% on a shared machine; instruction counts do not. This
runs the Python process sweeping the throughput benchmark's records (the
first N, 32,768 unless told) under `valgrind --tool=callgrind` three times,
with one, three and five calls of `lawful.arrow.retention` (the `lawful`
package of DIR, as `compare_builds.py` loads it), and gives one call's
instructions per record as the difference of the runs (so that Python's
start, the imports and the table's making, the same in every run, fall
out); the two differences agree when a call's count is steady.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(directory: str, rows: int, calls: int, dictionary: bool) -> None:
    # DIR's package first: throughput imports `lawful` too.
    sys.path.insert(0, directory)
    import lawful
    import lawful.arrow

    sys.path.insert(1, str(HERE))
    import throughput

    assert Path(lawful.__file__).resolve().parent == Path(directory).resolve() / "lawful", lawful.__file__

    table = throughput.table(throughput.records(rows))
    engine = lawful.Engine.builtin()
    options = {"dictionary": True} if dictionary else {}
    for _ in range(calls):
        lawful.arrow.retention(engine, table, at=throughput.AT, **options)


def count(directory: str, rows: int, calls: int, dictionary: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            sys.executable, __file__, directory, "--rows", str(rows), "--child", str(calls),
        ] + (["--dictionary"] if dictionary else [])
        # One hash seed: Python's dicts and sets then do the same work in
        # every run (a random seed moves a run's count by millions); no
        # thread of numpy's BLAS spinning beside the sweep.
        env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        with open(out) as f:
            text = f.read()
    match = re.search(r"^summary: (\d+)", text, re.MULTILINE) or re.search(r"^totals: (\d+)", text, re.MULTILINE)
    assert match, "no total in callgrind's output"
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--rows", type=int, default=32_768)
    parser.add_argument("--dictionary", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(args.directory, args.rows, args.child, args.dictionary)
    one, three, five = (count(args.directory, args.rows, n, args.dictionary) for n in (1, 3, 5))
    first, second = (three - one) / 2 / args.rows, (five - three) / 2 / args.rows
    layout = "dictionary=True" if args.dictionary else "plain"
    print(f"{args.directory} ({layout}): {(five - one) / 4 / args.rows:,.0f} instructions per swept record "
          f"({first:,.0f} calls 1->3, {second:,.0f} calls 3->5; {args.rows:,} records)")


if __name__ == "__main__":
    main()
