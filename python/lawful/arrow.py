"""Tables in, tables out: the engine over Arrow data, a batch at a time.

Any Arrow table speaks to these functions through the Arrow PyCapsule
interface: a pyarrow ``Table``, ``RecordBatch`` or ``RecordBatchReader``, a
Polars ``DataFrame``, a DuckDB relation, a DataFusion ``DataFrame``, the
batches Spark hands to ``mapInArrow``. The answer is a :class:`Table` that
speaks it too: ``pyarrow.table(t)``, ``polars.DataFrame(t)`` or DuckDB's
``FROM t`` read it without a copy.

The input's columns are named as the wire format names a request's (or a
retention line's) fields, nested where it nests: ``subject`` is a struct
column with ``birth_date``, ``evidence.consents`` a list of structs. A null
is an absent field. A column that is not a field, or of a type its field
cannot take, is a ``ValueError`` naming it before any row is read; a row
that is not a valid request is a deny with ``invalid_request``, as a bad
line of ``lawful decide`` is.

>>> import pyarrow as pa, lawful, lawful.arrow
>>> engine = lawful.Engine.builtin()
>>> requests = pa.Table.from_pylist([{
...     "id": "r1", "at": "2026-11-28T10:00:00+08:00", "action": "collect",
...     "purpose": "account.registration", "categories": ["account.phone"],
...     "subject": {"birth_date": "1990-01-01"}, "evidence": {"contract": True},
... }])
>>> decisions = pa.table(lawful.arrow.decide(engine, requests))
>>> decisions.column("effect").to_pylist(), decisions.column("basis").to_pylist()
(['permit'], ['contract'])
"""

from __future__ import annotations

import datetime
from typing import Any, Literal, Optional, Protocol, Sequence, Union

from . import _lawful
from ._lawful import Engine, Table

__all__ = ["Table", "decide", "retention", "spark_schema"]


class ArrowStreamExportable(Protocol):
    """Anything with ``__arrow_c_stream__``: a table, a reader, a data frame."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...


class ArrowArrayExportable(Protocol):
    """Anything with ``__arrow_c_array__``: a record batch."""

    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> Any: ...


ArrowData = Union[ArrowStreamExportable, ArrowArrayExportable]


def _columns(keep: Sequence[str]) -> list[str]:
    if isinstance(keep, str):
        raise TypeError("`keep` is a list of column names, not a string")
    return list(keep)


def decide(engine: Engine, data: ArrowData, *, keep: Sequence[str] = ()) -> Table:
    """Decides every request of ``data`` (one a row) into a table of decisions.

    The answer's columns are the decision document's: ``id``, ``effect``,
    ``basis``, ``obligations`` (a list of ``{code, date, until}``),
    ``reasons`` (a list of ``{code, rule, clause, category, detail,
    message}``), ``subject`` (``{age, child, age_source,
    sources_disagree}``) and ``policy`` (``{id, version}``), then the columns
    named in ``keep``, copied from ``data`` as they are (a key to join the
    decisions back on; they are not part of the request).

    Raises ``TypeError`` when ``data`` is not Arrow data, ``ValueError``
    when a column cannot be part of a request.
    """
    return _lawful.arrow_decide(engine, data, keep=_columns(keep))


def retention(
    engine: Engine,
    data: ArrowData,
    *,
    at: Union[datetime.datetime, str, None] = None,
    keep: Sequence[str] = (),
    dictionary: bool = False,
) -> Table:
    """Plans every record of ``data`` (one a row), and with ``at`` sweeps it.

    A row is a ``lawful retention`` line: a record (``category``,
    ``purpose``, ``collected_at`` and the optional facts) or a
    ``terminate_service``. ``at`` (an aware ``datetime`` or RFC 3339 text) is
    the sweep instant of every row; a table may instead carry an ``at``
    column. The answer's columns are the retention answer's: ``id``,
    ``plan``, ``outcome`` (``keep``, ``dispose``, ``hold``), ``due`` (with
    ``by``, the disposal's deadline), ``termination``, ``error`` and
    ``policy``, then the ``keep`` columns.

    With ``dictionary=True`` the text columns that follow from a record's
    kind (the plan's texts, the due's trigger, disposal and lists, the
    obligations' codes and events) and ``outcome`` and ``policy`` are Arrow
    dictionary arrays (``dictionary<int32, string>``): the same values, a
    row's text a key into its batch's few texts, which is faster to write
    and smaller; pyarrow, Polars (``Categorical``), pandas (``category``)
    and DuckDB read them. Spark's ``mapInArrow`` does not: leave it off
    there.

    Raises ``TypeError`` when ``data`` is not Arrow data or ``at`` not an
    instant, ``ValueError`` when a column cannot be part of a retention line
    or ``at`` is given twice.
    """
    return _lawful.arrow_retention(engine, data, at=at, keep=_columns(keep), dictionary=dictionary)


def spark_schema(kind: Literal["decide", "retention"]) -> str:
    """The answer table of :func:`decide` or :func:`retention` in Spark's DDL.

    For ``DataFrame.mapInArrow(function, schema)``, whose ``function`` yields
    the answer's batches; add the ``keep`` columns' own (``spark_schema(
    "retention") + ", customer BIGINT"``). Names are quoted (`` `end` ``):
    some are Spark keywords.

    >>> spark_schema("decide")[:30]
    '`id` STRING, `effect` STRING, '
    """
    return _lawful.spark_schema(kind)
