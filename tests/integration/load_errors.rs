//! Every kind of load diagnostic, with its full text pinned: message,
//! `file:line:column`, the source line, the carets, and the hint.

use lawful::Engine;
use lawful::policy::DiagnosticKind;

/// The policy every case starts from (valid on its own).
const HEAD: &str = r#"[policy]
id = "p"
version = "1"
home_jurisdiction = "CN"
storage_region = "CN"

[[jurisdiction]]
code = "CN"
child_age = 14
utc_offset = "+08:00"

[[category]]
name = "account.phone"

[[purpose]]
name = "support"
"#;

/// A permit rule to vary.
const RULE: &str = r#"
[[permit]]
id = "r"
clause = "c"
actions = ["collect"]
purposes = ["support"]
categories = ["account"]
bases = ["contract"]
retention = "1y"
"#;

/// Loads `HEAD` + `tail`, expecting failure; returns the kinds and the text.
fn load(tail: &str) -> (Vec<DiagnosticKind>, String) {
    load_text(&format!("{HEAD}{tail}"))
}

/// Loads a whole policy text, expecting failure; returns the kinds and the text.
fn load_text(text: &str) -> (Vec<DiagnosticKind>, String) {
    let err = Engine::from_named_toml("policy.toml", text).expect_err("the policy must not load");
    let kinds = err
        .diagnostics()
        .iter()
        .map(lawful::policy::Diagnostic::kind)
        .collect();
    (kinds, err.to_string())
}

/// `RULE` with `from` replaced by `to`.
fn rule_with(from: &str, to: &str) -> String {
    assert!(RULE.contains(from), "{from}");
    RULE.replace(from, to)
}

#[test]
fn the_head_policy_is_valid() {
    let engine = Engine::from_toml(&format!("{HEAD}{RULE}")).unwrap();
    assert_eq!(engine.rules().len(), 1);
}

#[test]
fn syntax_error() {
    let (kinds, rendered) = load(
        r#"
[[permit]
id = "r"
"#,
    );
    assert_eq!(kinds, [DiagnosticKind::Syntax]);
    assert_eq!(
        rendered,
        concat!(
            "error: unclosed array table, expected `]`\n",
            "  --> policy.toml:18:10\n",
            "   |\n",
            "18 | [[permit]\n",
            "   |          ^\n",
            "",
        )
    );
}

#[test]
fn unknown_key() {
    let (kinds, rendered) = load(&rule_with("clause = ", "clauze = "));
    assert_eq!(kinds, [DiagnosticKind::UnknownKey]);
    assert_eq!(
        rendered,
        concat!(
            "error: unknown key `clauze` in permit rule `r`\n",
            "  --> policy.toml:20:1\n",
            "   |\n",
            "20 | clauze = \"c\"\n",
            "   | ^^^^^^\n",
            "   = help: did you mean `clause`?\n",
            "",
        )
    );
}

#[test]
fn missing_key() {
    let (kinds, rendered) = load(&rule_with("purposes = [\"support\"]\n", ""));
    assert_eq!(kinds, [DiagnosticKind::MissingKey]);
    assert_eq!(
        rendered,
        concat!(
            "error: permit rule `r` has no `purposes`\n",
            "  --> policy.toml:18:1\n",
            "   |\n",
            "18 | [[permit]]\n",
            "   | ^^^^^^^^^^\n",
            "   = help: add `purposes = [\"...\"]` (or `[\"*\"]` for any)\n",
            "",
        )
    );
}

#[test]
fn wrong_type() {
    let (kinds, rendered) = load(&rule_with(
        "actions = [\"collect\"]",
        "actions = \"collect\"",
    ));
    assert_eq!(kinds, [DiagnosticKind::WrongType]);
    assert_eq!(
        rendered,
        concat!(
            "error: `actions` in permit rule `r` must be a list of strings, found a string\n",
            "  --> policy.toml:21:11\n",
            "   |\n",
            "21 | actions = \"collect\"\n",
            "   |           ^^^^^^^^^\n",
            "",
        )
    );
}

#[test]
fn unknown_action() {
    let (kinds, rendered) = load(&rule_with("[\"collect\"]", "[\"colect\"]"));
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: unknown action `colect`\n",
            "  --> policy.toml:21:12\n",
            "   |\n",
            "21 | actions = [\"colect\"]\n",
            "   |            ^^^^^^^^\n",
            "   = help: did you mean `collect`?\n",
            "",
        )
    );
}

#[test]
fn unknown_basis() {
    let (kinds, rendered) = load(&rule_with(
        "bases = [\"contract\"]",
        "bases = [\"implied\"]",
    ));
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: unknown basis `implied`\n",
            "  --> policy.toml:24:10\n",
            "   |\n",
            "24 | bases = [\"implied\"]\n",
            "   |          ^^^^^^^^^\n",
            "   = help: expected one of `consent`, `contract`, `emergency`, `legal_obligation`, `public_data`, `legitimate_interests`, `public_task`\n",
            "",
        )
    );
}

#[test]
fn misspelt_basis() {
    let (kinds, rendered) = load(&rule_with(
        "bases = [\"contract\"]",
        "bases = [\"legitimate_interest\"]",
    ));
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: unknown basis `legitimate_interest`\n",
            "  --> policy.toml:24:10\n",
            "   |\n",
            "24 | bases = [\"legitimate_interest\"]\n",
            "   |          ^^^^^^^^^^^^^^^^^^^^^\n",
            "   = help: did you mean `legitimate_interests`?\n",
            "",
        )
    );
}

#[test]
fn bad_duration() {
    let (kinds, rendered) = load(&rule_with("retention = \"1y\"", "retention = \"6 months\""));
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: invalid duration `6 months`: expected a positive number and a unit `d`, `w`, `m` or `y`\n",
            "  --> policy.toml:25:13\n",
            "   |\n",
            "25 | retention = \"6 months\"\n",
            "   |             ^^^^^^^^^^\n",
            "",
        )
    );
}

#[test]
fn dated_obligation_on_a_rule() {
    let (kinds, rendered) = load(&rule_with(
        "retention = \"1y\"",
        "retention = \"1y\"\nobligations = [\"retain_until\"]",
    ));
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: obligation `retain_until` is computed by the engine and cannot be listed on a rule\n",
            "  --> policy.toml:26:16\n",
            "   |\n",
            "26 | obligations = [\"retain_until\"]\n",
            "   |                ^^^^^^^^^^^^^^\n",
            "   = help: the engine adds dated obligations itself (`retain_until` from `retention`)\n",
            "",
        )
    );
}

#[test]
fn bad_category_name() {
    let (kinds, rendered) = load("\n[[category]]\nname = \"Account.Email\"\n");
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: invalid category name `Account.Email`\n",
            "  --> policy.toml:19:8\n",
            "   |\n",
            "19 | name = \"Account.Email\"\n",
            "   |        ^^^^^^^^^^^^^^^\n",
            "   = help: use lower-case letters, digits and `_`, in segments separated by `.`\n",
            "",
        )
    );
}

#[test]
fn bad_utc_offset() {
    let (kinds, rendered) =
        load_text(&HEAD.replace("utc_offset = \"+08:00\"", "utc_offset = \"UTC+8\""));
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: invalid UTC offset `UTC+8`\n",
            "  --> policy.toml:10:14\n",
            "   |\n",
            "10 | utc_offset = \"UTC+8\"\n",
            "   |              ^^^^^^^\n",
            "   = help: write it as `+08:00` or `-05:30`, or name the zone: `time_zone = \"Asia/Shanghai\"`\n",
            "",
        )
    );
}

#[test]
fn unknown_time_zone() {
    let (kinds, rendered) =
        load_text(&HEAD.replace("utc_offset = \"+08:00\"", "time_zone = \"Asia/Peking\""));
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: unknown time zone `Asia/Peking`: use an IANA name such as `Asia/Shanghai` or `Europe/Paris`\n",
            "  --> policy.toml:10:13\n",
            "   |\n",
            "10 | time_zone = \"Asia/Peking\"\n",
            "   |             ^^^^^^^^^^^^^\n",
            "",
        )
    );
}

#[test]
fn child_age_out_of_range() {
    let (kinds, rendered) = load_text(&HEAD.replace("child_age = 14", "child_age = 0"));
    assert_eq!(kinds, [DiagnosticKind::InvalidValue]);
    assert_eq!(
        rendered,
        concat!(
            "error: `child_age` must be between 1 and 25\n",
            " --> policy.toml:9:13\n",
            "  |\n",
            "9 | child_age = 0\n",
            "  |             ^\n",
            "",
        )
    );
}

#[test]
fn undeclared_category() {
    let (kinds, rendered) = load(&rule_with(
        "categories = [\"account\"]",
        "categories = [\"acount.phone\"]",
    ));
    assert_eq!(kinds, [DiagnosticKind::UndeclaredCategory]);
    assert_eq!(
        rendered,
        concat!(
            "error: rule `r` uses undeclared category `acount.phone`\n",
            "  --> policy.toml:23:15\n",
            "   |\n",
            "23 | categories = [\"acount.phone\"]\n",
            "   |               ^^^^^^^^^^^^^^\n",
            "   = help: did you mean `account.phone`?\n",
            "",
        )
    );
}

#[test]
fn undeclared_purpose() {
    let (kinds, rendered) = load(&rule_with(
        "purposes = [\"support\"]",
        "purposes = [\"suport\"]",
    ));
    assert_eq!(kinds, [DiagnosticKind::UndeclaredPurpose]);
    assert_eq!(
        rendered,
        concat!(
            "error: rule `r` uses undeclared purpose `suport`\n",
            "  --> policy.toml:22:13\n",
            "   |\n",
            "22 | purposes = [\"suport\"]\n",
            "   |             ^^^^^^^^\n",
            "   = help: did you mean `support`?\n",
            "",
        )
    );
}

#[test]
fn undeclared_home_jurisdiction() {
    let (kinds, rendered) =
        load_text(&HEAD.replace("home_jurisdiction = \"CN\"", "home_jurisdiction = \"CM\""));
    assert_eq!(kinds, [DiagnosticKind::UndeclaredJurisdiction]);
    assert_eq!(
        rendered,
        concat!(
            "error: home jurisdiction `CM` is not declared\n",
            " --> policy.toml:4:21\n",
            "  |\n",
            "4 | home_jurisdiction = \"CM\"\n",
            "  |                     ^^^^\n",
            "  = help: did you mean `CN`?\n",
            "",
        )
    );
}

#[test]
fn duplicate_rule_id() {
    let (kinds, rendered) = load(&format!("{RULE}{RULE}"));
    assert_eq!(kinds, [DiagnosticKind::Duplicate]);
    assert_eq!(
        rendered,
        concat!(
            "error: duplicate rule id `r`\n",
            "  --> policy.toml:28:6\n",
            "   |\n",
            "28 | id = \"r\"\n",
            "   |      ^^^\n",
            "  --> policy.toml:19:6\n",
            "   |\n",
            "19 | id = \"r\"\n",
            "   |      --- first defined here\n",
            "   = help: give each rule its own id\n",
            "",
        )
    );
}

#[test]
fn permit_without_basis() {
    let (kinds, rendered) = load(&rule_with("bases = [\"contract\"]\n", ""));
    assert_eq!(kinds, [DiagnosticKind::MissingBasis]);
    assert_eq!(
        rendered,
        concat!(
            "error: permit rule `r` has no lawful basis\n",
            "  --> policy.toml:19:6\n",
            "   |\n",
            "19 | id = \"r\"\n",
            "   |      ^^^\n",
            "   = help: add `bases = [...]` with one or more of `consent`, `contract`, `emergency`, `legal_obligation`, `public_data`\n",
            "",
        )
    );
}

#[test]
fn permit_without_retention() {
    let (kinds, rendered) = load(&rule_with("retention = \"1y\"\n", ""));
    assert_eq!(kinds, [DiagnosticKind::MissingRetention]);
    assert_eq!(
        rendered,
        concat!(
            "error: permit rule `r` has no retention period\n",
            "  --> policy.toml:19:6\n",
            "   |\n",
            "19 | id = \"r\"\n",
            "   |      ^^^\n",
            "   = help: add `retention = \"1y\"` (a period: `d`, `w`, `m`, `y`) or an event such as `until_deregistration`\n",
            "",
        )
    );
}

#[test]
fn permit_shadowed_by_deny() {
    let (kinds, rendered) = load(&format!(
        "{RULE}\n[[deny]]\nid = \"no-phone\"\nclause = \"d\"\nactions = [\"*\"]\npurposes = [\"*\"]\ncategories = [\"account\"]\n"
    ));
    assert_eq!(kinds, [DiagnosticKind::ShadowedRule]);
    assert_eq!(
        rendered,
        concat!(
            "error: permit rule `r` can never apply: deny rule `no-phone` covers everything it permits\n",
            "  --> policy.toml:19:6\n",
            "   |\n",
            "19 | id = \"r\"\n",
            "   |      ^^^\n",
            "  --> policy.toml:28:6\n",
            "   |\n",
            "28 | id = \"no-phone\"\n",
            "   |      ---------- denied by this rule\n",
            "   = help: narrow the deny rule, or remove the permit rule\n",
            "",
        )
    );
}

#[test]
fn a_misspelled_key_an_undeclared_category_and_a_bad_duration_are_reported_in_one_load() {
    let first = rule_with("categories = ", "categorie = ");
    let second = rule_with("id = \"r\"", "id = \"r2\"")
        .replace(
            "categories = [\"account\"]",
            "categories = [\"acount.phone\"]",
        )
        .replace("retention = \"1y\"", "retention = \"18O d\"");
    let (kinds, rendered) = load(&format!("{first}{second}"));
    assert_eq!(
        kinds,
        [
            DiagnosticKind::UnknownKey,
            DiagnosticKind::UndeclaredCategory,
            DiagnosticKind::InvalidValue
        ]
    );
    assert_eq!(
        rendered,
        "error: unknown key `categorie` in permit rule `r`\n  --> policy.toml:23:1\n   |\n23 | categorie = [\"account\"]\n   | ^^^^^^^^^\n   = help: did you mean `categories`?\n\nerror: rule `r2` uses undeclared category `acount.phone`\n  --> policy.toml:32:15\n   |\n32 | categories = [\"acount.phone\"]\n   |               ^^^^^^^^^^^^^^\n   = help: did you mean `account.phone`?\n\nerror: invalid duration `18O d`: expected a positive number and a unit `d`, `w`, `m` or `y`\n  --> policy.toml:34:13\n   |\n34 | retention = \"18O d\"\n   |             ^^^^^^^\n"
    );
}

#[test]
fn a_diagnostic_locates_its_span_by_line_and_column() {
    let text = format!(
        "{HEAD}{}",
        rule_with("retention = \"1y\"", "retention = \"1 year\"")
    );
    let err = Engine::from_named_toml("policy.toml", &text).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(err.line_column(d.span().start), (25, 13));
    assert_eq!(&text[d.span()], "\"1 year\"");
    assert!(err.to_string().contains("policy.toml:25:13"));
}

#[test]
fn an_unreadable_policy_file_is_one_io_diagnostic() {
    let err = Engine::from_path("/nonexistent/policy.toml").unwrap_err();
    assert_eq!(err.diagnostics()[0].kind(), DiagnosticKind::Io);
    assert_eq!(
        err.to_string(),
        "error: cannot read policy file `/nonexistent/policy.toml`: no such file\n --> /nonexistent/policy.toml\n"
    );
    let dir = Engine::from_path(env!("CARGO_MANIFEST_DIR")).unwrap_err();
    assert!(dir.to_string().contains("it is a directory"), "{dir}");
}

/// One missing `]` used to report hundreds of errors, the first of them
/// false: after a syntax error only the syntax error is reported, at the
/// array that is not closed.
#[test]
fn a_missing_bracket_in_an_array_is_one_error_at_the_array() {
    let seed = Engine::builtin_source();
    let open = seed.find("actions = [\"collect\"").unwrap();
    let close = open + seed[open..].find(']').unwrap();
    let broken = format!("{}{}", &seed[..close], &seed[close + 1..]);
    let err = Engine::from_named_toml("p.toml", &broken).unwrap_err();
    assert_eq!(err.diagnostics().len(), 1, "{err}");
    let d = &err.diagnostics()[0];
    assert_eq!(d.kind(), DiagnosticKind::Syntax);
    assert_eq!(d.span().start, open + "actions = ".len(), "{err}");
    assert!(d.message().contains("unclosed array"), "{err}");
}

#[test]
fn a_missing_bracket_in_a_table_header_is_one_error() {
    let seed = Engine::builtin_source();
    let header = seed.find("[[category]]").unwrap();
    let broken = format!(
        "{}[[category]{}",
        &seed[..header],
        &seed[header + "[[category]]".len()..]
    );
    let err = Engine::from_named_toml("p.toml", &broken).unwrap_err();
    assert_eq!(err.diagnostics().len(), 1, "{err}");
    assert_eq!(err.diagnostics()[0].kind(), DiagnosticKind::Syntax);
    let line = seed[..header].matches('\n').count() + 1;
    assert!(
        err.to_string().contains(&format!("p.toml:{line}:")),
        "{err}"
    );
}

/// A missing comma inside an array is still reported as toml says it.
#[test]
fn a_missing_comma_is_still_reported_where_it_is() {
    let (kinds, text) =
        load(&RULE.replace("actions = [\"collect\"]", "actions = [\"collect\" \"use\"]"));
    assert_eq!(kinds, [DiagnosticKind::Syntax], "{text}");
    assert!(text.contains("comma"), "{text}");
}

/// `[record]`: every problem at once, each at its value: an unknown key
/// with a hint, a bad date, an unknown recipient kind and mechanism, a
/// rule that does not exist, a deny rule, a rule for another kind of
/// recipient, a duplicate id and heading, an undeclared category.
#[test]
fn record_problems_are_reported_in_one_load() {
    use DiagnosticKind as K;
    let deny = r#"
[[deny]]
id = "no-support-share"
clause = "c"
actions = ["share"]
purposes = ["support"]
categories = ["account"]
"#;
    let restricted = rule_with("id = \"r\"", "id = \"to-processors\"")
        .replace("actions = [\"collect\"]", "actions = [\"entrust\"]")
        .replace("retention = ", "recipients = [\"processor\"]\nretention = ");
    let record = r#"
[record]
updated = "2026-13-01"
aproved_by = "x"

[record.controller]
name = "Shop Ltd."
phone = "1"

[[record.recipient]]
id = "a"
name = "A"
kind = "procesor"
rules = ["r"]

[[record.recipient]]
id = "b"
name = "B"
kind = "third_party"
mechanisms = ["sc"]
rules = ["rr", "no-support-share", "to-processors"]

[[record.recipient]]
id = "b"
name = "B again"
kind = "processor"
rules = ["r"]

[[record.subject]]
name = "Users"
categories = ["acount"]

[[record.clause]]
heading = "c"
text = "One."

[[record.clause]]
heading = "c"
text = "Two."
"#;
    let (kinds, rendered) = load(&format!("{RULE}{restricted}{deny}{record}"));
    assert_eq!(
        kinds,
        [
            K::InvalidValue,
            K::UnknownKey,
            K::UnknownKey,
            K::InvalidValue,
            K::InvalidValue,
            K::UndeclaredRule,
            K::InvalidValue,
            K::InvalidValue,
            K::Duplicate,
            K::UndeclaredCategory,
            K::Duplicate,
        ],
        "{rendered}"
    );
    for expected in [
        "unknown key `aproved_by` in the `[record]` table",
        "= help: did you mean `approved_by`?",
        "`updated` in the `[record]` table is not a date: `2026-13-01`",
        "unknown key `phone` in the `[record.controller]` table",
        "= help: did you mean `processor`?",
        "= help: did you mean `scc`?",
        "record recipient `b` names undeclared rule `rr`",
        "= help: did you mean `r`?",
        "record recipient `b` names deny rule `no-support-share`, which gives no data to anyone",
        "record recipient `b` is a `third_party`, but rule `to-processors` covers only `processor`",
        "duplicate record recipient id `b`",
        "record subject `Users` names undeclared category `acount`",
        "duplicate record clause `c`",
    ] {
        assert!(rendered.contains(expected), "{expected}\n{rendered}");
    }
}

/// A complete `[record]` loads, and what it says is read back; decisions
/// do not depend on it.
#[test]
fn a_record_loads_and_is_read_back() {
    let record = r#"
[record]
updated = 2026-11-28
approved_by = "[who approves: to be filled in]"
approved_on = "2026-11-30"
security_measures = ["Encryption at rest"]

[record.controller]
name = "Shop Ltd."
address = "1 Example Road"
contact = "privacy@shop.example"

[record.dpo]
note = "None appointed."

[[record.subject]]
name = "Customers"

[[record.recipient]]
id = "cloud"
name = "Cloud Inc."
kind = "processor"
country = "US"
mechanisms = ["standard_contract", "scc"]
rules = ["r"]

[[record.clause]]
heading = "c"
text = """
The clause.
"""
"#;
    let engine = Engine::from_toml(&format!("{HEAD}{RULE}{record}")).unwrap();
    let info = engine.record_info();
    assert_eq!(
        info.updated().map(|d| d.to_string()).as_deref(),
        Some("2026-11-28")
    );
    assert_eq!(
        info.approved_on().map(|d| d.to_string()).as_deref(),
        Some("2026-11-30")
    );
    assert!(lawful::policy::is_placeholder(info.approved_by().unwrap()));
    assert_eq!(info.controller().and_then(|c| c.name()), Some("Shop Ltd."));
    assert_eq!(info.dpo().and_then(|c| c.note()), Some("None appointed."));
    assert!(info.representative().is_none());
    assert_eq!(
        info.security_measures().collect::<Vec<_>>(),
        ["Encryption at rest"]
    );
    let cloud = &info.recipients()[0];
    assert_eq!(
        cloud.country().map(|c| c.to_string()).as_deref(),
        Some("US")
    );
    assert_eq!(cloud.mechanisms().len(), 2);
    let rule = engine.rule_named("r").unwrap().rule_id();
    assert_eq!(info.recipients_of(rule).count(), 1);
    assert_eq!(info.clause_text("c"), Some("The clause."));
    // A subject group with no categories lists none.
    assert!(info.subjects()[0].categories().is_empty());
}
