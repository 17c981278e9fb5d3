"""The typed readers of lawful.arrow (the fast path: columns read straight
into the library's typed request or record, each distinct name resolved
once) answer every row as the generic path does, which answers it as
`Engine.decide` / `Engine.retention` answer the row's document (those equal
`lawful decide` / `lawful retention`, test_equals_cli.py). Random tables mix
rows the typed readers take with rows they leave to the generic path (an
unknown name, an instant in another spelling, a missing field, a field they
do not read): every row's answer, a deny's message included, must equal the
document's. Bounded: a few hundred examples of up to 40 rows.
"""

from __future__ import annotations

import copy
import json

import pytest

import lawful
import lawful.arrow
from conftest import ROOT, arrow_table, normalized

pa = pytest.importorskip("pyarrow")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

MIX = [json.loads(line) for line in (ROOT / "benches" / "mix.jsonl").read_text().splitlines() if line.strip()]
AT = "2026-11-28T02:00:00+08:00"

# Values a field may take: the mix's own, and ones the typed readers leave
# to the generic path (or that the generic path refuses).
INSTANTS = [
    "2026-11-28T10:00:00+08:00", "2026-11-28T02:00:00Z", "2026-11-28T02:00:00.250Z",
    "2026-11-28 10:00:00+08:00", "2026-11-28T10:00:00", "soon", "2026-02-30T10:00:00Z",
    "2026-11-28T10:00:00-05:30", "2026-11-28t10:00:00z",
]
PURPOSES = ["account.registration", "service.browse", "support.feedback", "support.feedbak", "account"]
CATEGORIES = ["account.phone", "account.email", "log.usage", "location.precise", "account.phon", "account"]
ACTIONS = ["collect", "use", "store", "share", "export", "delete", "colect"]
REGIONS = ["CN", "FR", "US", "de", "XX", "F R"]
KINDS = ["third_party", "processor", "authority", "acquirer", "guardian", "subject", "friend"]
MECHANISMS = ["standard_contract", "scc", "none", "derogation", "adequacy", "carrier pigeon"]


def mutate(draw: st.DrawFn, request: dict) -> dict:
    r = copy.deepcopy(request)
    choice = draw(st.integers(0, 14))
    if choice == 0:
        r["at"] = draw(st.sampled_from(INSTANTS))
    elif choice == 1:
        r["purpose"] = draw(st.sampled_from(PURPOSES))
    elif choice == 2:
        r["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=4))
    elif choice == 3:
        r["action"] = draw(st.sampled_from(ACTIONS))
    elif choice == 4:
        r.pop(draw(st.sampled_from(["at", "action", "purpose", "categories", "id"])), None)
    elif choice == 5:
        r["destination_region"] = draw(st.sampled_from(REGIONS))
    elif choice == 6:
        r["recipient"] = {"kind": draw(st.sampled_from(KINDS)), "name": draw(st.sampled_from(["Acme", " ", None]))}
    elif choice == 7:
        r["transfer_mechanism"] = draw(st.sampled_from(MECHANISMS))
    elif choice == 8:
        r["subject"] = {"birth_date": draw(st.sampled_from(["1990-01-01", "2016-05-01", "1990-02-30", "1990-1-1"])),
                        "jurisdiction": draw(st.sampled_from(REGIONS)),
                        "time_zone": draw(st.sampled_from([None, "Europe/Paris", "Mars/Olympus"]))}
    elif choice == 9:
        consent = {"by": draw(st.sampled_from(["subject", "guardian", "parent"])),
                   "guardian_verified": draw(st.booleans()), "separate": draw(st.booleans()),
                   "purposes": draw(st.lists(st.sampled_from(PURPOSES), max_size=3)),
                   "categories": draw(st.lists(st.sampled_from(CATEGORIES), max_size=3)),
                   "actions": draw(st.lists(st.sampled_from(ACTIONS), max_size=2)),
                   "recipients": draw(st.lists(st.sampled_from(["Acme", "", "NewCo"]), max_size=2)),
                   "given_at": draw(st.sampled_from(INSTANTS + [None])),
                   "withdrawn_at": draw(st.sampled_from([None, None, "2026-10-01T00:00:00+08:00", "2020-01-01T00:00:00Z"]))}
        r["evidence"] = {"consents": [consent], "contract": draw(st.booleans())}
    elif choice == 10:
        r["collected_at"] = draw(st.sampled_from(INSTANTS))
        r["collected_for"] = draw(st.sampled_from(PURPOSES))
    elif choice == 11:
        r["evidence"] = {"emergency": {"kind": draw(st.sampled_from(["public_health", "property", "flood"])),
                                       "ongoing": draw(st.booleans())},
                         "legal_obligation_law": draw(st.sampled_from(["CN", ["CN", "FR"], "ZZZZZZZZZ"]))}
    elif choice == 12:
        r["evidence"] = {"public_data": {"source": draw(st.sampled_from(["self_disclosed", "leaked"])),
                                         "same_context": draw(st.booleans())},
                         "legal_claims": "claim", "confidential": draw(st.booleans())}
    elif choice == 13:
        r["linked_to_account"] = draw(st.booleans())
        r["legal_hold"] = draw(st.booleans())
        r["collected_in"] = draw(st.sampled_from(REGIONS))
    return r


@st.composite
def request_tables(draw: st.DrawFn) -> list[dict]:
    rows = draw(st.lists(st.sampled_from(MIX), min_size=1, max_size=40))
    return [dict(mutate(draw, r), id=f"r{i}") if draw(st.booleans()) else dict(r, id=f"r{i}") for i, r in enumerate(rows)]


def documents(table: object) -> list[dict]:
    return [normalized(row) for row in pa.table(table).to_pylist()]


def table_or_none(rows: list[dict]) -> object:
    try:
        return arrow_table(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None  # rows pyarrow cannot put in one table


@settings(max_examples=150, deadline=None)
@given(request_tables())
def test_prop_typed_decisions_equal_the_documents(rows: list[dict]) -> None:
    engine = lawful.Engine.builtin()
    table = table_or_none(rows)
    if table is None:
        return
    try:
        out = documents(lawful.arrow.decide(engine, table))
    except ValueError:
        return  # a column no request has (the whole table is refused)
    want = [normalized(engine.decide(r).to_dict()) for r in rows]
    for got, expected, row in zip(out, want, rows):
        if any(c["code"] == "invalid_request" for c in expected["reasons"]):
            # A document serde refuses words its error in JSON's terms (the
            # line's column), a table in the table's (the column's path):
            # both are invalid_request denies for the same row.
            assert got["effect"] == "deny" and got["reasons"][0]["code"] == "invalid_request", row
            assert got.get("id") == expected.get("id"), row
            continue
        assert got == expected, row


RECORD_CATEGORIES = ["log.usage", "account.phone", "account.email", "location.coarse", "log.usag"]
RECORD_PURPOSES = ["operations.security", "account.registration", "service.browse", "support.feedback", "ops"]


@st.composite
def record_tables(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(1, 40))
    rows = []
    for i in range(n):
        r: dict = {"id": f"rec-{i}",
                   "category": draw(st.sampled_from(RECORD_CATEGORIES)),
                   "purpose": draw(st.sampled_from(RECORD_PURPOSES)),
                   "collected_at": draw(st.sampled_from(INSTANTS[:3] + ["2024-11-28T10:00:00+08:00", "2020-01-01T00:00:00Z", "yesterday"])),
                   "age_group": draw(st.sampled_from(["adult", "child", "unknown", "elder", None]))}
        extra = draw(st.integers(0, 7))
        if extra == 1:
            r["deregistered_at"] = draw(st.sampled_from(["2026-11-27T20:00:00+08:00", "2026-11-27 20:00:00+08:00"]))
        elif extra == 2:
            r["basis"] = draw(st.sampled_from(["consent", "contract", "hope"]))
            r["consent_withdrawn_at"] = "2026-01-01T00:00:00+08:00"
        elif extra == 3:
            r["subject"] = {"birth_date": "2016-05-01"}
        elif extra == 4:
            r["legal_hold"] = {"until": "2027-01-01T00:00:00+08:00", "law": "a law"}
        elif extra == 5:
            r["next_backup_cycle"] = draw(st.sampled_from(["2026-12-10", "2026-13-10"]))
        elif extra == 6:
            r.pop(draw(st.sampled_from(["category", "purpose", "collected_at"])))
        elif extra == 7:
            r["service_terminated_at"] = "2026-06-01T00:00:00Z"
            r["found_unlawful_at"] = "2026-07-01T00:00:00Z"
        rows.append(r)
    return rows


@settings(max_examples=150, deadline=None)
@given(record_tables())
def test_prop_typed_sweeps_equal_the_documents(rows: list[dict]) -> None:
    engine = lawful.Engine.builtin()
    table = table_or_none(rows)
    if table is None:
        return
    out = documents(lawful.arrow.retention(engine, table, at=AT))
    # The dictionary layout holds the same values, row for row.
    assert documents(lawful.arrow.retention(engine, table, at=AT, dictionary=True)) == out
    for got, row in zip(out, rows):
        expected = normalized(engine.retention(dict(row, at=AT)).to_dict())
        if expected.get("error", {}).get("code") == "invalid_request" and "message" in expected["error"]:
            assert got["error"]["code"] == "invalid_request", row
            if "column `" not in got["error"]["message"]:
                assert got["error"] == expected["error"], row
            continue
        assert got == expected, row


def test_native_columns_read_as_their_text(engine: lawful.Engine) -> None:
    """Dictionary-encoded names, timestamps in any unit and zone, dates:
    the typed readers read them as the generic path reads their text."""
    text = arrow_table(MIX * 3)
    want = documents(lawful.arrow.decide(engine, text))
    native = text
    for name in ("id", "action", "purpose"):
        native = native.set_column(native.schema.get_field_index(name), name, text.column(name).dictionary_encode())
    for unit, zone in (("s", "UTC"), ("ms", "+08:00"), ("us", "Asia/Shanghai"), ("ns", "Europe/Paris")):
        at = pa.compute.cast(pa.compute.strptime(text.column("at"), "%Y-%m-%dT%H:%M:%S%z", unit), pa.timestamp(unit, zone))
        table = native.set_column(native.schema.get_field_index("at"), "at", at)
        assert documents(lawful.arrow.decide(engine, table)) == want, (unit, zone)


def test_a_bad_row_among_good_ones_is_denied_in_the_generic_words(engine: lawful.Engine) -> None:
    rows = [MIX[0], dict(MIX[0], id="typo", purpose="account.registratio"), dict(MIX[0], id="late", at="noon"), MIX[1]]
    out = pa.table(lawful.arrow.decide(engine, arrow_table(rows))).to_pylist()
    assert out[1]["reasons"][0] == {
        "code": "unknown_purpose", "rule": None, "clause": None, "category": None, "detail": None,
        "message": engine.decide(rows[1]).to_dict()["reasons"][0]["message"],
    }
    assert out[2]["reasons"][0]["message"].startswith("`at`: `noon` is not a time")
    assert [r["effect"] for r in out] == [engine.decide(r).effect for r in rows]
