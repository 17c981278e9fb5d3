"""Python answers equal the command line's, on every request of the
project's request files (benches/*.jsonl, tests/data/**/*.toml): `decide`,
`decide_many` and the Arrow path for decisions; `retention` and `rights` and
the Arrow sweep for lifecycle lines. The files are found generically
(conftest.request_files), so a new case or file is compared too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lawful
import lawful.arrow
from conftest import RequestFile, normalized, request_files, run_cli

FILES = request_files()


def test_the_request_files_are_found() -> None:
    commands = {f.command for f in FILES}
    assert commands == {"decide", "retention", "rights"}
    assert sum(len(f.lines) for f in FILES) > 500


@pytest.mark.parametrize("requests", FILES, ids=lambda f: f"{f.command}:{f.id}")
def test_python_equals_the_cli(cli: Path, requests: RequestFile) -> None:
    engine = requests.engine()
    expected = run_cli(cli, requests.command, requests.policy, requests.lines)
    one = {"decide": engine.decide, "retention": engine.retention, "rights": engine.rights}
    many = {
        "decide": engine.decide_many,
        "retention": engine.retention_many,
        "rights": engine.rights_many,
    }
    answer = one[requests.command]
    for line, want in zip(requests.lines, expected):
        assert answer(line).to_json() == want, line
        assert answer(line.encode()).to_json() == want, line
    got = [a.to_json() for a in many[requests.command](requests.lines)]
    assert got == expected


@pytest.mark.parametrize("requests", FILES, ids=lambda f: f"{f.command}:{f.id}")
def test_a_dict_is_decided_as_its_json_line(cli: Path, requests: RequestFile) -> None:
    engine = requests.engine()
    dicts = [json.loads(line) for line in requests.lines]
    objects = [d for d in dicts if isinstance(d, dict)]
    expected = run_cli(cli, requests.command, requests.policy, [json.dumps(d) for d in objects])
    answer = {"decide": engine.decide, "retention": engine.retention, "rights": engine.rights}[
        requests.command
    ]
    for d, want in zip(objects, expected):
        assert answer(d).to_json() == want, d


ARROW = [f for f in FILES if f.command in ("decide", "retention")]


@pytest.mark.parametrize("requests", ARROW, ids=lambda f: f"{f.command}:{f.id}")
def test_the_arrow_path_equals_the_cli(cli: Path, requests: RequestFile) -> None:
    """Each request as a one-row table (a table's rows share a schema, and
    the files mix shapes); the answer row, as a document, equals the line."""
    pa = pytest.importorskip("pyarrow")
    engine = requests.engine()
    expected = run_cli(cli, requests.command, requests.policy, requests.lines)
    function = lawful.arrow.decide if requests.command == "decide" else lawful.arrow.retention
    compared = 0
    for line, want in zip(requests.lines, expected):
        document = json.loads(want)
        try:
            table = pa.Table.from_pylist([json.loads(line)])
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, AttributeError):
            continue  # not a table: a line the wire format refuses anyway
        unreadable = _refused(document)
        try:
            row = pa.table(function(engine, table)).to_pylist()[0]
        except ValueError:
            # A column a request has no field for, or of a type its field
            # cannot take: refused for the whole table, as the line is.
            assert unreadable, line
            continue
        if unreadable:
            # Refused too, in the words of the table rather than a line's.
            assert _refused(row), line
            continue
        assert normalized(row) == normalized(document), line
        compared += 1
    assert compared > 0


def _refused(document: dict) -> bool:
    """Whether an answer says its line could not be read."""
    if document.get("error"):
        return document["error"]["code"] == "invalid_request"
    reasons = document.get("reasons") or []
    return any(r["code"] == "invalid_request" for r in reasons)
