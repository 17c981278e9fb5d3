"""lawful.arrow: tables of requests and records from pyarrow, Polars and
DuckDB, the answer tables they read back, the columns' types, `keep`, and
the errors for tables that cannot be read."""

from __future__ import annotations

import datetime
import json

import pytest

import lawful
import lawful.arrow
from conftest import ROOT, arrow_table

pa = pytest.importorskip("pyarrow")

MIX = [json.loads(line) for line in (ROOT / "benches" / "mix.jsonl").read_text().splitlines() if line.strip()]
AT = "2026-11-28T02:00:00+08:00"
RECORDS = [
    {"id": "ops-2y", "category": "log.usage", "purpose": "operations.security",
     "collected_at": "2024-11-28T10:00:00+08:00", "age_group": "adult"},
    {"id": "phone", "category": "account.phone", "purpose": "account.registration",
     "collected_at": "2025-09-01T10:00:00+08:00", "age_group": "adult",
     "deregistered_at": "2026-11-27T20:00:00+08:00"},
    {"id": "fresh", "category": "log.usage", "purpose": "operations.security",
     "collected_at": "2026-11-01T10:00:00+08:00", "age_group": "adult"},
    {"id": "typo", "category": "log.usag", "purpose": "operations.security",
     "collected_at": "2026-11-01T10:00:00+08:00"},
]


def expected_decisions(engine: lawful.Engine, requests: list[dict]) -> list[dict]:
    return [engine.decide(r).to_dict() for r in requests]


def as_documents(table: object) -> list[dict]:
    from conftest import normalized

    return [normalized(row) for row in pa.table(table).to_pylist()]


def test_pyarrow_decides_a_table(engine: lawful.Engine) -> None:
    from conftest import normalized

    out = lawful.arrow.decide(engine, arrow_table(MIX))
    assert len(out) == out.num_rows == len(MIX)
    assert out.column_names == ["id", "effect", "basis", "obligations", "reasons", "subject", "policy"]
    assert as_documents(out) == [normalized(d) for d in expected_decisions(engine, MIX)]
    assert repr(out).startswith(f"lawful.arrow.Table({len(MIX)} rows: id, effect")


def test_the_decision_columns_have_plain_types(engine: lawful.Engine) -> None:
    schema = pa.table(lawful.arrow.decide(engine, arrow_table(MIX))).schema
    obligation = pa.struct([("code", pa.string()), ("date", pa.date32()), ("until", pa.string())])
    assert schema.field("effect").type == pa.string()
    assert schema.field("obligations").type == pa.list_(obligation)
    assert schema.field("subject").type == pa.struct(
        [("age", pa.int32()), ("child", pa.bool_()), ("age_source", pa.string()), ("sources_disagree", pa.bool_())]
    )
    assert schema.field("policy").type == pa.struct([("id", pa.string()), ("version", pa.string())])


def test_polars_decides_and_reads_the_answer(engine: lawful.Engine) -> None:
    pl = pytest.importorskip("polars")
    frame = pl.from_arrow(arrow_table(MIX))  # Polars' own strings (views)
    out = lawful.arrow.decide(engine, frame)
    answer = out.to_polars()
    assert isinstance(answer, pl.DataFrame)
    assert answer["id"].to_list() == [r["id"] for r in MIX]
    want = [d["effect"] for d in expected_decisions(engine, MIX)]
    assert answer["effect"].to_list() == want
    assert pl.DataFrame(out)["basis"].to_list() == [d["basis"] for d in expected_decisions(engine, MIX)]


def test_duckdb_decides_a_query_and_queries_the_answer(engine: lawful.Engine) -> None:
    duckdb = pytest.importorskip("duckdb")
    requests = arrow_table(MIX)  # noqa: F841 - read by name in the query
    relation = duckdb.sql("SELECT * FROM requests WHERE action = 'collect'")
    out = lawful.arrow.decide(engine, relation)  # noqa: F841 - read by name below
    collected = [r for r in MIX if r["action"] == "collect"]
    counts = dict(duckdb.sql("SELECT effect, count(*) FROM out GROUP BY effect").fetchall())
    want = expected_decisions(engine, collected)
    assert counts == {e: sum(d["effect"] == e for d in want) for e in ("permit", "deny")}
    codes = duckdb.sql("SELECT id, reasons[1].code FROM out ORDER BY id").fetchall()
    assert codes == sorted((d["id"], d["reasons"][0]["code"]) for d in want)


@pytest.mark.parametrize("library", ["pyarrow", "polars", "duckdb"])
def test_each_library_runs_the_retention_sweep(engine: lawful.Engine, library: str) -> None:
    records = arrow_table(RECORDS)
    if library == "polars":
        pl = pytest.importorskip("polars")
        data: object = pl.from_arrow(records)
    elif library == "duckdb":
        duckdb = pytest.importorskip("duckdb")
        data = duckdb.sql("SELECT * FROM records")
    else:
        data = records
    out = pa.table(lawful.arrow.retention(engine, data, at=AT))
    rows = {r["id"]: r for r in out.to_pylist()}
    assert rows["ops-2y"]["outcome"] == "dispose"
    assert rows["ops-2y"]["due"]["by"] == datetime.date(2025, 11, 28)
    assert rows["phone"]["due"]["trigger"] == "deregistered"
    assert rows["fresh"]["outcome"] == "keep" and rows["fresh"]["due"] is None
    assert rows["typo"]["error"] == {
        "code": "unknown_category",
        "message": "unknown category `log.usag`: did you mean `log.usage`?",
    }
    for record in RECORDS:
        want = engine.retention(dict(record, at=AT)).to_dict()
        from conftest import normalized

        assert normalized(rows[record["id"]]) == normalized(want)


@pytest.mark.parametrize("library", ["pyarrow", "polars", "duckdb", "pandas"])
def test_a_sweep_as_dictionaries_reads_as_the_plain_sweep(engine: lawful.Engine, library: str) -> None:
    """``dictionary=True``: the columns by kind (and ``outcome``, ``policy``)
    are ``dictionary<int32, string>``, and every library reads the values of
    the plain sweep from them; planned only (no ``at``) too."""
    records = arrow_table(RECORDS * 50)
    for at in (AT, None):
        plain = pa.table(lawful.arrow.retention(engine, records, at=at))
        out = lawful.arrow.retention(engine, records, at=at, dictionary=True)
        schema = pa.table(out).schema
        text = pa.dictionary(pa.int32(), pa.string())
        assert schema.field("outcome").type == text
        assert schema.field("plan").type.field("rule").type == text
        assert schema.field("due").type.field("allowed_actions").type == pa.list_(text)
        assert schema.field("due").type.field("hold_law").type == pa.string()
        assert schema.field("id").type == pa.string()
        assert pa.table(out).cast(plain.schema).equals(plain)
        if library == "polars":
            pl = pytest.importorskip("polars")
            assert pl.DataFrame(out).to_dicts() == pl.DataFrame(plain).to_dicts()
            assert pl.DataFrame(out).schema["outcome"] == pl.Categorical
        elif library == "duckdb":
            duckdb = pytest.importorskip("duckdb")
            query = "SELECT * FROM {} ORDER BY id, plan.rule"
            assert duckdb.sql(query.format("out")).fetchall() == duckdb.sql(query.format("plain")).fetchall()
        elif library == "pandas":
            pytest.importorskip("pandas")
            frame, want = pa.table(out).to_pandas(), plain.to_pandas()
            assert str(frame["outcome"].dtype) == "category"
            for column in want.columns:
                assert [str(v) for v in frame[column]] == [str(v) for v in want[column]], column
        else:
            assert pa.table(out).to_pylist() == plain.to_pylist()


def test_the_sweep_instant_is_an_argument_or_a_column(engine: lawful.Engine) -> None:
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    at = datetime.datetime(2026, 11, 28, 2, tzinfo=shanghai)
    by_text = pa.table(lawful.arrow.retention(engine, arrow_table(RECORDS), at=AT))
    by_datetime = pa.table(lawful.arrow.retention(engine, arrow_table(RECORDS), at=at))
    with_column = pa.table(
        lawful.arrow.retention(engine, arrow_table([dict(r, at=AT) for r in RECORDS]))
    )
    assert by_text == by_datetime == with_column
    plan_only = pa.table(lawful.arrow.retention(engine, arrow_table(RECORDS)))
    assert plan_only.column("outcome").to_pylist() == [None, None, None, None]
    with pytest.raises(ValueError, match="`at` is given twice"):
        lawful.arrow.retention(engine, arrow_table([dict(r, at=AT) for r in RECORDS]), at=AT)
    with pytest.raises(ValueError, match="no time zone"):
        lawful.arrow.retention(engine, arrow_table(RECORDS), at=datetime.datetime(2026, 11, 28))
    with pytest.raises(ValueError, match="not an RFC 3339 instant"):
        lawful.arrow.retention(engine, arrow_table(RECORDS), at="yesterday")
    with pytest.raises(TypeError, match="`at` is a datetime or RFC 3339 text"):
        lawful.arrow.retention(engine, arrow_table(RECORDS), at=42)  # type: ignore[arg-type]


def test_arrow_dates_timestamps_and_dictionaries_read_as_the_wire_text(engine: lawful.Engine) -> None:
    """Native Arrow types stand for the JSON text the wire format reads."""
    as_text = arrow_table(MIX[:1])
    request = MIX[0]
    native = pa.table({
        "id": pa.array([request["id"]]).dictionary_encode(),
        "at": pa.array([datetime.datetime(2026, 11, 28, 2)], pa.timestamp("ms", tz="UTC")),
        "action": pa.array([request["action"]]).dictionary_encode(),
        "purpose": pa.array([request["purpose"]], pa.large_string()),
        "categories": pa.array([request["categories"]], pa.large_list(pa.string_view())),
        "subject": pa.array([{"birth_date": datetime.date(1990, 1, 1), "jurisdiction": "CN"}]),
        "evidence": as_text.column("evidence"),
    })
    assert as_documents(lawful.arrow.decide(engine, native)) == as_documents(
        lawful.arrow.decide(engine, as_text)
    )
    shanghai = pa.table({"at": pa.array([datetime.datetime(2026, 11, 28, 2)], pa.timestamp("us", tz="Asia/Shanghai"))})
    assert shanghai.column("at")[0].as_py().utcoffset() == datetime.timedelta(hours=8)


def test_a_null_is_an_absent_field(engine: lawful.Engine) -> None:
    with_nulls = [dict({"recipient": None, "linked_to_account": None, "legal_hold": None}, **r) for r in MIX]
    assert as_documents(lawful.arrow.decide(engine, arrow_table(with_nulls))) == as_documents(
        lawful.arrow.decide(engine, arrow_table(MIX))
    )


def test_a_row_that_is_not_a_request_is_a_deny(engine: lawful.Engine) -> None:
    rows = [dict(MIX[0], id="no-at", at=None), dict(MIX[0], id="bad-at", at="noon"), MIX[0]]
    out = pa.table(lawful.arrow.decide(engine, arrow_table(rows))).to_pylist()
    assert [r["id"] for r in out] == ["no-at", "bad-at", MIX[0]["id"]]
    assert out[0]["reasons"] == [{"code": "invalid_request", "rule": None, "clause": None,
                                  "category": None, "detail": None, "message": "missing field `at`"}]
    assert out[1]["effect"] == "deny"
    assert out[1]["reasons"][0]["code"] == "invalid_request"
    assert out[1]["reasons"][0]["message"].endswith("(column `at`)")
    assert out[2]["effect"] == "permit"
    nested = [dict(MIX[2], evidence={"consents": [dict(MIX[2]["evidence"]["consents"][0], given_at="soon")]})]
    message = pa.table(lawful.arrow.decide(engine, arrow_table(nested))).to_pylist()[0]["reasons"][0]["message"]
    assert message.endswith("(column `evidence.consents[0].given_at`)")


@pytest.mark.parametrize(
    "columns, words",
    [
        ({"colour": ["red"]}, "column `colour` is not a field of the document: unknown field `colour`"),
        ({"subject": [{"colour": "red"}]}, "column `subject.colour` is not a field of the document: unknown field `colour`, expected one of `birth_date`"),
        ({"evidence": [{"consents": [{"by": "subject", "colour": "red"}]}]}, "column `evidence.consents[].colour` is not a field"),
        ({"id": [1]}, "column `id` has the Arrow type Int64, which this field cannot take: invalid type: integer `0`, expected a string"),
        ({"categories": ["a"]}, "column `categories` has the Arrow type Utf8, which this field cannot take: invalid type: string"),
        ({"at": pa.array([datetime.datetime(2026, 1, 1)], pa.timestamp("s"))}, "column `at` is a timestamp without a time zone"),
        ({"at": pa.array([b"x"], pa.binary())}, "column `at` has the Arrow type Binary"),
    ],
)
def test_a_column_no_request_has_is_one_clear_error(engine: lawful.Engine, columns: dict, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        lawful.arrow.decide(engine, pa.table(columns))
    assert words in str(caught.value)


def test_keep_copies_columns_that_are_not_part_of_the_request(engine: lawful.Engine) -> None:
    table = arrow_table(MIX).append_column("customer", pa.array(range(len(MIX))))
    with pytest.raises(ValueError, match="column `customer` is not a field"):
        lawful.arrow.decide(engine, table)
    out = pa.table(lawful.arrow.decide(engine, table, keep=["customer"]))
    assert out.column_names[-1] == "customer"
    assert out.column("customer").to_pylist() == list(range(len(MIX)))
    assert out.schema.field("customer").type == pa.int64()
    with pytest.raises(ValueError, match="not a column of the table"):
        lawful.arrow.decide(engine, table, keep=["absent"])
    with pytest.raises(ValueError, match="twice"):
        lawful.arrow.decide(engine, table, keep=["customer", "customer"])
    with pytest.raises(ValueError, match="also a column of the answer"):
        lawful.arrow.decide(engine, table, keep=["customer", "id"])
    with pytest.raises(TypeError, match="not a string"):
        lawful.arrow.decide(engine, table, keep="customer")


def test_batches_and_streams_are_read_a_batch_at_a_time(engine: lawful.Engine) -> None:
    table = arrow_table(MIX * 20).combine_chunks()
    whole = as_documents(lawful.arrow.decide(engine, table))
    # Sliced batches of nested structs (offsets in every child).
    sliced = pa.Table.from_batches(table.to_batches(max_chunksize=7))
    assert as_documents(lawful.arrow.decide(engine, sliced)) == whole
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=11))
    assert as_documents(lawful.arrow.decide(engine, reader)) == whole
    batch = table.to_batches()[0]
    assert as_documents(lawful.arrow.decide(engine, batch)) == whole[: batch.num_rows]
    assert len(lawful.arrow.decide(engine, table.slice(0, 0))) == 0


def test_not_arrow_data_is_a_type_error(engine: lawful.Engine) -> None:
    with pytest.raises(TypeError, match="`data` is Arrow data .* not `list`"):
        lawful.arrow.decide(engine, MIX)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        lawful.arrow.decide("engine", arrow_table(MIX))  # type: ignore[arg-type]


def test_a_failing_stream_is_an_error_not_a_crash(engine: lawful.Engine) -> None:
    table = arrow_table(MIX)

    def batches():  # type: ignore[no-untyped-def]
        yield table.to_batches()[0]
        raise RuntimeError("the source went away")

    reader = pa.RecordBatchReader.from_batches(table.schema, batches())
    with pytest.raises(RuntimeError, match="cannot read the table"):
        lawful.arrow.decide(engine, reader)


def test_the_answer_speaks_the_pycapsule_interface(engine: lawful.Engine) -> None:
    out = lawful.arrow.decide(engine, arrow_table(MIX))
    schema = pa.schema(out)  # __arrow_c_schema__
    assert schema.names == out.column_names
    first = pa.table(out)
    assert pa.table(out) == first  # the stream may be taken again
    assert out.to_pyarrow() == first
    assert pa.RecordBatchReader.from_stream(out).read_all() == first


def test_a_batch_larger_than_an_answer_batch_is_answered_in_slices(engine: lawful.Engine) -> None:
    rows = MIX * 1300  # 33,800 rows in one batch: more than two answer batches
    table = arrow_table(rows).combine_chunks()
    assert table.num_rows == len(rows) and len(table.to_batches()) == 1
    out = pa.table(lawful.arrow.decide(engine, table))
    assert out.num_rows == len(rows)
    assert len(out.to_batches()) == 3
    assert out.column("id").to_pylist() == [r["id"] for r in rows]
    assert as_documents(out.slice(20_000, 26)) == as_documents(lawful.arrow.decide(engine, arrow_table(rows[20_000:20_026])))


def test_a_schema_nested_past_the_bound_is_refused(engine: lawful.Engine) -> None:
    deep: pa.DataType = pa.string()
    for _ in range(40):
        deep = pa.list_(deep)
    table = pa.table({"categories": pa.array([None], deep)})
    with pytest.raises(ValueError, match="nests deeper than 32 levels"):
        lawful.arrow.decide(engine, table)


def test_invalid_arrow_data_is_an_error_not_a_crash(engine: lawful.Engine) -> None:
    """What the C data interface hands over is validated in full first: text
    that is not UTF-8, dictionary keys past the dictionary (pyarrow builds
    both unchecked) are errors, never a read out of bounds."""
    offsets = pa.py_buffer(pa.array([0, 2], pa.int32()).buffers()[1])
    not_utf8 = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(b"\xff\xfe")])
    with pytest.raises(pa.ArrowInvalid):
        not_utf8.validate(full=True)
    with pytest.raises(RuntimeError, match="cannot read the table: .*[Uu]tf-?8"):
        lawful.arrow.decide(engine, pa.table({"id": not_utf8}))
    keys = pa.DictionaryArray.from_arrays(pa.array([5], pa.int32()), pa.array(["collect"]), safe=False)
    with pytest.raises(pa.ArrowInvalid):
        keys.validate(full=True)
    with pytest.raises(RuntimeError, match="cannot read the table"):
        lawful.arrow.decide(engine, pa.table({"action": keys}))
