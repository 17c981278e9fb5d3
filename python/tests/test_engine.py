"""The Python API: loading policies, deciding, the errors a Python user
expects (a bad request is a deny, a wrong argument a TypeError, never a
crash), and engines shared by threads."""

from __future__ import annotations

import concurrent.futures
import datetime
import json
from collections import OrderedDict
from pathlib import Path

import pytest

import lawful
from conftest import ROOT

ADULT = {
    "id": "r1",
    "at": "2026-11-28T10:00:00+08:00",
    "action": "collect",
    "purpose": "account.registration",
    "categories": ["account.phone"],
    "subject": {"birth_date": "1990-01-01", "jurisdiction": "CN"},
    "evidence": {"contract": True},
}

TINY = """
[policy]
id = "tiny"
version = "1"
home_jurisdiction = "CN"
storage_region = "CN"

[[jurisdiction]]
code = "CN"
child_age = 14
utc_offset = "+08:00"

[[category]]
name = "account.email"
identifying = true

[[purpose]]
name = "newsletter"

[[permit]]
id = "newsletter"
clause = "Newsletter"
actions = ["collect", "use"]
purposes = ["newsletter"]
categories = ["account.email"]
bases = ["consent"]
retention = "until_consent_withdrawn"
"""


def test_a_decision_has_the_documents_fields(engine: lawful.Engine) -> None:
    d = engine.decide(ADULT)
    assert d.id == "r1"
    assert d.effect == "permit" and d.is_permit
    assert d.basis == "contract"
    assert [(o.code, o.date, o.until) for o in d.obligations] == [
        ("retain_until", None, "until_deregistration")
    ]
    (reason,) = d.reasons
    assert (reason.code, reason.rule) == ("rule_permits", "registration")
    assert reason.clause == "How do we collect and use personal information / Registration and login"
    assert reason.category is None and reason.detail is None and reason.message is None
    assert d.subject is not None
    assert (d.subject.age, d.subject.child, d.subject.age_source) == (36, False, "birth_date")
    assert not d.subject.sources_disagree
    assert (d.policy_id, d.policy_version) == ("platform-privacy", "2026-11-28")
    assert d.to_dict() == json.loads(d.to_json())
    assert d.to_dict()["effect"] == "permit"
    assert repr(d) == "Decision(id='r1', effect='permit', basis='contract')"


def test_dated_obligations_are_dates(engine: lawful.Engine) -> None:
    share = json.loads((ROOT / "README.md").read_text().split("```json request\n")[1].split("\n")[0])
    d = engine.decide(share)
    retain = [o for o in d.obligations if o.code == "retain_until"]
    assert retain[0].date == datetime.date(2027, 11, 28)


def test_explain_puts_the_decision_in_words(engine: lawful.Engine) -> None:
    text = engine.decide(ADULT).explain()
    assert text.startswith("Permit, on the basis of a contract")
    assert "Rule `registration`" in text
    assert text.endswith("Policy `platform-privacy`, version 2026-11-28.")
    refused = engine.decide({"id": "x"}).explain()
    assert refused.startswith("Deny.\nReasons:\n  - invalid_request: missing field `at`")


def test_a_request_may_be_a_dict_a_mapping_a_string_or_bytes(engine: lawful.Engine) -> None:
    line = json.dumps(ADULT)
    want = engine.decide(line).to_json()
    assert engine.decide(ADULT).to_json() == want
    assert engine.decide(OrderedDict(ADULT)).to_json() == want
    assert engine.decide(line.encode()).to_json() == want
    assert engine.decide("  " + line + "\n").to_json() == want  # trimmed, as a line


def test_datetimes_in_a_dict_are_written_with_their_offset(engine: lawful.Engine) -> None:
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    request = dict(ADULT, at=datetime.datetime(2026, 11, 28, 10, tzinfo=shanghai))
    request["subject"] = {"birth_date": datetime.date(1990, 1, 1)}
    assert engine.decide(request).is_permit
    naive = dict(ADULT, at=datetime.datetime(2026, 11, 28, 10))
    d = engine.decide(naive)
    assert d.effect == "deny"
    assert d.reasons[0].code == "invalid_request"
    assert "has no time zone" in (d.reasons[0].message or "")
    assert d.id == "r1"


@pytest.mark.parametrize(
    "request_, words",
    [
        ("not json", "a request is a JSON object"),
        ("[1, 2, 3]", "a request is a JSON object"),
        ('{"id": "x", "at": 1}', "invalid type: integer `1`"),
        ('{"id": "x", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "p", "categories": [], "colour": 1}', "unknown field `colour`"),
        ({"id": "x", "at": {1, 2}}, "Object of type set is not JSON serializable"),
        ({"id": "x", 1: "one"}, "unknown field `1`"),  # json.dumps writes the key as "1"
        ({"id": "x", "n": float("nan")}, "the request cannot be written as JSON"),
        (b"\xff\xfe", "the line is not UTF-8 text"),
        ("\udc80", "not valid Unicode text"),
    ],
)
def test_a_bad_request_is_a_deny_not_an_exception(
    engine: lawful.Engine, request_: object, words: str
) -> None:
    d = engine.decide(request_)  # type: ignore[arg-type]
    assert d.effect == "deny" and not d.is_permit
    (reason,) = d.reasons
    assert reason.code == "invalid_request"
    assert words in (reason.message or ""), reason.message
    assert d.obligations == []


def test_an_unknown_name_is_a_deny_naming_it(engine: lawful.Engine) -> None:
    d = engine.decide(dict(ADULT, categories=["account.phon"]))
    assert [r.code for r in d.reasons] == ["unknown_category"]
    assert d.reasons[0].message == "unknown category `account.phon`: did you mean `account.phone`?"


@pytest.mark.parametrize("wrong", [42, 4.2, None, ["a list"], object()])
def test_a_wrong_argument_type_is_a_type_error(engine: lawful.Engine, wrong: object) -> None:
    with pytest.raises(TypeError, match="a request is a dict or a JSON string"):
        engine.decide(wrong)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a request is a dict or a JSON string"):
        engine.retention(wrong)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        engine.decide_many([ADULT, wrong])  # type: ignore[list-item]


def test_decide_many_takes_any_iterable(engine: lawful.Engine) -> None:
    requests = [dict(ADULT, id=f"r{i}") for i in range(50)]
    listed = engine.decide_many(requests)
    generated = engine.decide_many(r for r in requests)
    assert [d.id for d in listed] == [f"r{i}" for i in range(50)]
    assert listed == generated
    assert engine.decide_many([]) == []
    with pytest.raises(TypeError, match="an iterable of requests"):
        engine.decide_many(42)  # type: ignore[arg-type]


def test_a_request_past_the_limit_is_a_deny(engine: lawful.Engine) -> None:
    small = lawful.Engine.builtin(max_request_bytes=64)
    assert small.max_request_bytes == 64
    d = small.decide(ADULT)
    assert d.reasons[0].code == "invalid_request"
    assert "longer than the limit of 64 bytes" in (d.reasons[0].message or "")
    with pytest.raises(ValueError, match="at least 1"):
        lawful.Engine.builtin(max_request_bytes=0)


def test_a_policy_from_text_and_from_a_file(tmp_path: Path) -> None:
    engine = lawful.Engine.from_toml(TINY)
    assert (engine.policy_id, engine.policy_version) == ("tiny", "1")
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    assert lawful.Engine.from_path(path).policy_id == "tiny"
    assert lawful.Engine.from_path(str(path)).policy_source == TINY
    assert repr(engine) == "Engine(policy_id='tiny', policy_version='1')"


def test_a_policy_that_does_not_load_is_a_policy_error_with_its_diagnostics() -> None:
    broken = TINY.replace('actions = ["collect", "use"]', 'actions = ["colect"]').replace(
        'categories = ["account.email"]', 'categorie = ["account.email"]'
    )
    with pytest.raises(lawful.PolicyError) as caught:
        lawful.Engine.from_toml(broken, name="tiny.toml")
    error = caught.value
    assert isinstance(error, ValueError)
    kinds = sorted(d.kind for d in error.diagnostics)
    assert "unknown_key" in kinds
    unknown = next(d for d in error.diagnostics if d.kind == "unknown_key")
    assert unknown.message == "unknown key `categorie` in permit rule `newsletter`"
    assert unknown.help == "did you mean `categories`?"
    line = broken.splitlines().index('categorie = ["account.email"]') + 1
    assert (unknown.file, unknown.line, unknown.column) == ("tiny.toml", line, 1)
    start, end = unknown.span
    assert broken.encode()[start:end] == b"categorie"
    assert f"--> tiny.toml:{line}:1" in str(error)
    assert "^^^^^^^^^" in str(error)
    assert error.file == "tiny.toml"


def test_a_missing_file_and_a_large_one_are_policy_errors(tmp_path: Path) -> None:
    with pytest.raises(lawful.PolicyError) as caught:
        lawful.Engine.from_path(tmp_path / "absent.toml")
    assert [d.kind for d in caught.value.diagnostics] == ["io"]
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    with pytest.raises(lawful.PolicyError) as caught:
        lawful.Engine.from_path(path, max_policy_bytes=100)
    assert [d.kind for d in caught.value.diagnostics] == ["too_large"]


def test_warnings_are_diagnostics(engine: lawful.Engine) -> None:
    warnings = engine.warnings
    assert warnings, "the built-in policy decides some unknown ages as adults"
    assert all(w.kind == "unknown_age_as_adult" for w in warnings)
    source = engine.policy_source.encode()
    w = warnings[0]
    start, end = w.span  # bytes of the UTF-8 text
    assert w.line == source[:start].count(b"\n") + 1
    assert source[start:end] == b'"adult"'


def test_an_engine_is_shared_by_threads(engine: lawful.Engine) -> None:
    requests = [json.dumps(dict(ADULT, id=f"r{i}")) for i in range(2000)]
    want = [d.to_json() for d in engine.decide_many(requests)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda _: [d.to_json() for d in engine.decide_many(requests)], range(8)))
    assert all(run == want for run in runs)


def test_decisions_keep_their_engine() -> None:
    tiny = lawful.Engine.from_toml(TINY)
    newsletter = {
        "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "newsletter",
        "categories": ["account.email"], "subject": {"birth_date": "1990-01-01"},
        "evidence": {"consents": [{"by": "subject", "purposes": ["newsletter"],
                                   "categories": ["account.email"], "given_at": "2026-01-01T00:00:00+08:00"}]},
    }
    d = tiny.decide(newsletter)
    assert d.is_permit and d.policy_id == "tiny"
    # The same request under another policy names what that policy lacks.
    other = lawful.Engine.builtin().decide(newsletter)
    assert other.reasons[0].code == "unknown_purpose"
    assert "Rule `newsletter`" in d.explain()


def test_retention_and_rights_answers(engine: lawful.Engine) -> None:
    record = {
        "id": "rec-7", "at": "2026-11-28T02:00:00+08:00", "category": "account.phone",
        "purpose": "account.registration", "collected_at": "2025-09-01T10:00:00+08:00",
        "age_group": "adult", "deregistered_at": "2026-11-27T20:00:00+08:00",
    }
    answer = engine.retention(record)
    assert (answer.id, answer.outcome, answer.error) == ("rec-7", "dispose", None)
    assert answer.due_by == datetime.date(2026, 12, 12)
    assert answer.plan is not None and answer.plan["rule"] == "registration"
    assert answer.due is not None and answer.due["trigger"] == "deregistered"
    assert answer.termination is None
    assert answer.to_dict() == json.loads(answer.to_json())
    stop = engine.retention({"id": "stop-1", "terminate_service": {"at": "2027-03-01T00:00:00+08:00"}})
    assert stop.termination is not None and stop.termination["notify_by"] == "2027-01-30"
    bad = engine.retention({"id": "rec-8"})
    assert bad.error is not None
    assert (bad.error.code, bad.error.message) == ("invalid_request", "missing field `category`")
    assert bad.outcome is None and bad.due_by is None

    access = engine.rights(
        {"id": "dsr-3", "kind": "access", "received_at": "2025-11-03T09:00:00+08:00", "identity_verified": True}
    )
    assert (access.kind, access.effect, access.gdpr) == ("access", "permit", False)
    assert access.respond_by == datetime.date(2025, 11, 18)
    assert access.requests_in_window == 1
    assert [o.code for o in access.obligations] == ["respond_by"]
    assert access.reasons == [{"code": "request_accepted"}]
    assert access.clause == "How to manage your personal information / Responding to Your Above Requests"
    refused = engine.rights({"kind": "erase", "received_at": "2025-11-03T09:00:00+08:00"})
    assert refused.error is not None and refused.error.message.startswith("unknown right `erase`")
    assert refused.respond_by is None and refused.obligations == []


def test_the_version_is_the_crates() -> None:
    cargo = (ROOT / "python" / "Cargo.toml").read_text()
    version = next(l.split('"')[1] for l in cargo.splitlines() if l.startswith("version = "))
    assert lawful.__version__ == version


def test_an_engine_pickles_as_its_policy() -> None:
    import pickle

    tiny = lawful.Engine.from_toml(TINY, name="tiny.toml", max_request_bytes=4096)
    again = pickle.loads(pickle.dumps(tiny))
    assert (again.policy_id, again.policy_source, again.max_request_bytes) == ("tiny", TINY, 4096)
    builtin = pickle.loads(pickle.dumps(lawful.Engine.builtin()))
    assert builtin.decide(ADULT) == lawful.Engine.builtin().decide(ADULT)
    assert repr(builtin) == repr(lawful.Engine.builtin())
