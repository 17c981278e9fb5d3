"""Typed use of the package, checked by `mypy --strict` in CI (.ci/run): the
stubs must let a typed program use every public name without casts."""

from __future__ import annotations

import datetime
from typing import Optional

import lawful
import lawful.arrow


def decide_one(engine: lawful.Engine) -> Optional[datetime.date]:
    decision: lawful.Decision = engine.decide({"id": "r1", "at": "2026-11-28T10:00:00+08:00"})
    effect: str = decision.effect
    basis: Optional[str] = decision.basis
    for reason in decision.reasons:
        rule: Optional[str] = reason.rule
        del rule
    age: Optional[int] = decision.subject.age if decision.subject else None
    del effect, basis, age
    dates = [o.date for o in decision.obligations if o.date is not None]
    return min(dates) if dates else None


def load(text: str) -> lawful.Engine:
    try:
        return lawful.Engine.from_toml(text, name="policy.toml")
    except lawful.PolicyError as error:
        lines: list[int] = [d.line for d in error.diagnostics]
        raise SystemExit(f"{error} (lines {lines})") from error


def lifecycle(engine: lawful.Engine) -> tuple[Optional[datetime.date], Optional[datetime.date]]:
    answer = engine.retention('{"category": "log.usage"}')
    rights = engine.rights_many([{"kind": "access", "received_at": "2025-11-03T09:00:00+08:00"}])
    return answer.due_by, rights[0].respond_by


def table(engine: lawful.Engine, data: lawful.arrow.ArrowStreamExportable) -> int:
    out: lawful.arrow.Table = lawful.arrow.decide(engine, data, keep=["customer"])
    swept = lawful.arrow.retention(engine, data, at=datetime.datetime.now(datetime.timezone.utc))
    keyed = lawful.arrow.retention(engine, data, dictionary=True)
    return len(out) + swept.num_rows + keyed.num_rows
