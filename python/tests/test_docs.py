"""The examples of docs/python.md, run: every ```python block (not the
```python spark ones, which need a Spark session; python/examples/
spark_sweep.py is their tested form), in order, each in a fresh namespace,
from the repository's root (they read benches/mix.jsonl)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import ROOT

DOC = ROOT / "docs" / "python.md"
TEXT = DOC.read_text()
README = (ROOT / "README.md").read_text()
# Each block padded with the page's lines before it, so that a failure
# points at the page's own line.
BLOCKS = [
    "\n" * TEXT[: m.start(1)].count("\n") + m.group(1)
    for m in re.finditer(r"^```python\n(.*?)^```", TEXT, flags=re.S | re.M)
]


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_an_example_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, str(DOC), "exec"), {"__name__": "__doc_example__"})


README_BLOCKS = [
    "\n" * README[: m.start(1)].count("\n") + m.group(1)
    for m in re.finditer(r"^```python\n(.*?)^```", README, flags=re.S | re.M)
    if "import lawful" in m.group(1)
]


@pytest.mark.parametrize("code", README_BLOCKS, ids=[f"readme-{i}" for i in range(len(README_BLOCKS))])
def test_a_readme_example_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, str(ROOT / "README.md"), "exec"), {"__name__": "__doc_example__"})


def test_the_readme_points_here() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/python.md" in readme
    assert "python -m pip install './python[test]'" in readme
    assert "python -m pytest python/tests" in readme


def test_the_spark_example_on_the_page_is_the_tested_one() -> None:
    page = DOC.read_text()
    example = (ROOT / "python" / "examples" / "spark_sweep.py").read_text()
    assert 'SWEPT = lawful.arrow.spark_schema("retention") + ", `n` BIGINT"' in page
    assert 'SWEPT = lawful.arrow.spark_schema("retention") + ", `n` BIGINT"' in example
    assert 'answers = lawful.arrow.retention(engine, batch, at=AT, keep=["n"])' in example
