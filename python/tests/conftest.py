"""Fixtures shared by the Python tests: the engine, the `lawful` command line
(built with cargo when missing), and every request of the project's request
files, found generically so that new files and cases are picked up.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest

# The test files are TOML 1.1 (inline tables over several lines), which the
# standard library's tomllib (TOML 1.0) does not read; tomli 2.5 does.
import tomli as tomllib

import lawful

ROOT = Path(__file__).resolve().parents[2]
"""The repository: python/tests/ is two levels below it."""


@pytest.fixture(scope="session")
def engine() -> lawful.Engine:
    return lawful.Engine.builtin()


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `lawful` binary: $LAWFUL_BIN, else target/debug/lawful, built if needed."""
    given = os.environ.get("LAWFUL_BIN")
    if given:
        return Path(given)
    binary = ROOT / "target" / "debug" / "lawful"
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "lawful-cli", "--bin", "lawful"],
        cwd=ROOT,
        check=True,
    )
    return binary


def run_cli(cli: Path, command: str, policy: Optional[Path], lines: list[str]) -> list[str]:
    """The answers of `lawful COMMAND [--policy P]` to `lines`, one each."""
    args = [str(cli), command]
    if policy is not None:
        args += ["--policy", str(policy)]
    done = subprocess.run(
        args, input="\n".join(lines) + "\n", capture_output=True, text=True, check=True
    )
    answers = done.stdout.splitlines()
    assert len(answers) == len(lines), done.stderr
    return answers


def to_json_value(value: Any) -> Any:
    """A TOML value as the JSON value the wire format reads (dates as text)."""
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return value


@dataclass
class RequestFile:
    """The requests of one file, for one command and one policy."""

    path: Path
    command: str  # "decide", "retention" or "rights"
    policy: Optional[Path]  # None: the built-in policy
    lines: list[str] = field(default_factory=list)

    def engine(self) -> lawful.Engine:
        if self.policy is None:
            return lawful.Engine.builtin()
        return lawful.Engine.from_path(self.policy)

    @property
    def id(self) -> str:
        return str(self.path.relative_to(ROOT))


def request_files() -> list[RequestFile]:
    """Every request of the project: benches/*.jsonl (lines of `lawful
    decide`), tests/data/**/*.toml cases (`request` tables, decided under the
    file's `policy`; `line` tables of tests/data/lifecycle/<command>.toml,
    answered by that command)."""
    files: list[RequestFile] = []
    for path in sorted((ROOT / "benches").glob("*.jsonl")):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        files.append(RequestFile(path, "decide", None, lines))
    for path in sorted((ROOT / "tests" / "data").rglob("*.toml")):
        data = tomllib.loads(path.read_text())
        cases = data.get("case", [])
        if not cases:
            continue  # a policy (tests/data/policies/), not a test file
        policy = path.parent / data["policy"] if "policy" in data else None
        decide = [c["request"] for c in cases if "request" in c]
        if decide:
            lines = [json.dumps(to_json_value(r)) for r in decide]
            files.append(RequestFile(path, "decide", policy, lines))
        answered = [c["line"] for c in cases if "line" in c]
        if answered:
            command = path.stem
            assert command in ("retention", "rights"), f"{path}: `line` cases of no command"
            lines = [json.dumps(to_json_value(r)) for r in answered]
            files.append(RequestFile(path, command, policy, lines))
    return files


def normalized(value: Any) -> Any:
    """A document compared up to representation: absent, null and empty
    lists are the same; dates are ISO text; instants are compared as
    instants (UTC), whatever the offset they are written with."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = normalized(v)
            if v is None or v == []:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [normalized(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 19 and value[4] == "-" and value[10] == "T":
        try:
            instant = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if instant.tzinfo is not None:
            return instant.astimezone(datetime.timezone.utc).isoformat()
    return value


def arrow_table(rows: list[dict]) -> Any:
    """A pyarrow table of wire documents, its columns the union of the rows'
    fields (`pyarrow.Table.from_pylist` takes them from the first row only)."""
    import pyarrow as pa

    return pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(rows))])
