//! Counsel's tools end to end: `lawful verify`, `lawful diff` and `lawful
//! report`, run as the real binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    clippy::too_many_lines,
    clippy::many_single_char_names,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_lawful");

fn path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn lawful(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The request lines (`{...}`) of an output.
fn requests(out: &str) -> Vec<String> {
    out.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('{'))
        .map(str::to_owned)
        .collect()
}

/// Decides one request line under a policy (or the seed).
fn decide(policy: Option<&Path>, request: &str) -> serde_json::Value {
    let mut cmd = Command::new(BIN);
    cmd.arg("decide");
    if let Some(p) = policy {
        cmd.arg("-p").arg(p);
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{request}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
#[ignore = "decides the whole seed space: run in release by .ci/run"]
fn the_builtin_policy_verifies_clean() {
    // The built-in laws, and the password law the next test breaks with a
    // seeded mistake: both hold on the seed (one run of the whole space
    // proves both).
    let laws = path("tests/fixtures/password_laws.toml");
    let out = lawful(&["verify", laws.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("every law holds"), "{}", text(&out));
}

#[test]
#[ignore = "decides the whole seed space: run in release by .ci/run"]
fn a_password_shared_with_a_third_party_is_found_with_a_reproducing_request() {
    let fixture = path("tests/fixtures/password_shared.toml");
    let laws = path("tests/fixtures/password_laws.toml");
    // That the law holds on the seed itself is proven by
    // `the_builtin_policy_verifies_clean`.
    let out = lawful(&[
        "verify",
        "-p",
        fixture.to_str().unwrap(),
        laws.to_str().unwrap(),
    ]);
    let stdout = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let section = stdout
        .split("\nlaw `")
        .find(|s| s.starts_with("password-never-shared`"))
        .expect("the password law is broken");
    let request = requests(section)
        .into_iter()
        .next()
        .expect("a reproducing request");
    // The request reproduces it: the seeded policy permits it, the seed
    // does not.
    let doc: serde_json::Value = serde_json::from_str(&request).unwrap();
    assert_eq!(doc["action"], "share");
    assert_eq!(
        decide(Some(&fixture), &request)["effect"],
        "permit",
        "{request}"
    );
    assert_eq!(decide(None, &request)["effect"], "deny", "{request}");
}

#[test]
#[ignore = "decides the whole seed space: run in release by .ci/run"]
fn a_purpose_opened_before_guardian_consent_never_shares_a_childs_data() {
    // The seeded mistake opens `support.feedback` to a child before any
    // guardian consent; the engine opens such a purpose only to collect,
    // use, store and entrust at home, so the law still holds everywhere.
    let fixture = path("tests/fixtures/child_share_own_consent.toml");
    let laws = path("tests/fixtures/child_laws.toml");
    let out = lawful(&[
        "verify",
        "-p",
        fixture.to_str().unwrap(),
        laws.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("every law holds"), "{}", text(&out));
}

#[test]
fn laws_files_that_cannot_be_read_are_misuse() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("counsel-bad-laws");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("laws.toml");
    std::fs::write(
        &bad,
        "[[law]]\nid = \"x\"\ndescription = \"y\"\nexpect = { requires = [\"telepathy\"] }\n",
    )
    .unwrap();
    let out = lawful(&["verify", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("lawful: cannot read laws"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn diff_of_a_policy_with_itself_changes_nothing() {
    let seed = path("../policies/default.toml");
    let s = seed.to_str().unwrap();
    let out = lawful(&["diff", s, s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let words = text(&out);
    assert!(words.contains(": 0 rules changed\n"), "{words}");
    assert!(
        words.contains("no request class needed deciding"),
        "{words}"
    );
    assert!(words.ends_with("no decision changed\n"), "{words}");
    let misuse = lawful(&["diff", s]);
    assert_eq!(misuse.status.code(), Some(2));
}

/// The seed with the support rule edited: contract no longer a basis, data
/// kept 3 years instead of 1.
fn support_edit() -> PathBuf {
    let seed = std::fs::read_to_string(path("../policies/default.toml")).unwrap();
    let from = "account.email\", \"account.real_name\"]\nbases = [\"contract\", \"consent\"]\nretention = \"1y\"";
    assert!(seed.contains(from));
    let edited = seed.replace(
        from,
        "account.email\", \"account.real_name\"]\nbases = [\"consent\"]\nretention = \"3y\"",
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("counsel-diff");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("support.toml");
    std::fs::write(&file, edited).unwrap();
    file
}

/// A rule-level edit of the seed: the diff opens with the edit, decides
/// only the purposes the rule names, and groups what changed by the effect,
/// the basis, and how far a date moved; each group's request shows it.
#[test]
#[ignore = "diffs the seed over its edited purpose: run in release by .ci/run"]
fn a_rule_edit_of_the_seed_opens_with_the_edit_and_groups_what_changed() {
    let seed = path("../policies/default.toml");
    let edited = support_edit();
    let (s, e) = (seed.to_str().unwrap(), edited.to_str().unwrap());
    let out = lawful(&["diff", s, e]);
    assert_eq!(out.status.code(), Some(1));
    let words = text(&out);
    let lines: Vec<&str> = words.lines().collect();
    assert!(lines[0].ends_with(": 1 rule changed"), "{words}");
    assert_eq!(
        lines[1],
        "  rule `support`: bases −contract; retention 1y → 3y"
    );
    assert!(
        lines[2].contains("those for the purposes the changed rules name (support.feedback)"),
        "{words}"
    );
    let headings: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with('['))
        .collect();
    assert!(headings.len() <= 12, "{headings:?}");
    for expected in [
        "] permit on contract → deny — ",
        "] permit on contract → permit on consent — ",
        "] still permitted: retain_until 2 years later (2027-06-01 → 2029-06-01) — ",
    ] {
        assert!(
            headings.iter().any(|h| h.contains(expected)),
            "{expected}: {headings:?}"
        );
    }
    assert!(words.contains("-year-old in AT ("), "{words}");
    assert!(!words.contains("subject just turned"), "{words}");

    let out = lawful(&["diff", s, e, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["edit"]["rules"][0]["rule"], "support");
    assert_eq!(
        v["decided"]["purposes"],
        serde_json::json!(["support.feedback"])
    );
    for g in v["groups"].as_array().unwrap() {
        let request = serde_json::to_string(&g["request"]).unwrap();
        let old = decide(Some(&seed), &request);
        let new = decide(Some(&edited), &request);
        assert_eq!(old["effect"], g["old"]["effect"], "{request}");
        assert_eq!(new["effect"], g["new"]["effect"], "{request}");
        assert!(
            old != new || g["change"].as_str().unwrap().contains("cited"),
            "{request}"
        );
    }
}

/// `--every-class` decides every class, whatever the edit, and finds the
/// same changes (on the EU example, small enough to decide whole).
#[test]
#[ignore = "decides the EU example's 2.4 million classes: run in release by .ci/run"]
fn every_class_finds_what_the_touched_purposes_find() {
    let eu = path("../policies/examples/eu-fitness.toml");
    let text = std::fs::read_to_string(&eu).unwrap();
    let from = "purposes = [\"analytics.product\"]\ncategories = [\"activity\", \"device.identifier\"]\nrecipients = [\"processor\"]\nbases = [\"consent\", \"legitimate_interests\"]";
    assert!(text.contains(from));
    let edited = text.replace(
        from,
        "purposes = [\"analytics.product\"]\ncategories = [\"activity\", \"device.identifier\"]\nrecipients = [\"processor\"]\nbases = [\"consent\", \"legitimate_interests\", \"contract\"]",
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("counsel-diff");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("eu-contract.toml");
    std::fs::write(&file, edited).unwrap();
    let (a, b) = (eu.to_str().unwrap(), file.to_str().unwrap());
    let some = lawful(&["diff", a, b, "--json"]);
    let all = lawful(&["diff", a, b, "--json", "--every-class"]);
    let v: serde_json::Value = serde_json::from_slice(&some.stdout).unwrap();
    let w: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(
        v["edit"]["rules"][0]["details"],
        serde_json::json!(["bases +contract"])
    );
    assert!(v["decided"]["classes"].as_u64() < w["decided"]["classes"].as_u64());
    assert_eq!(w["decided"]["purposes"], serde_json::Value::Null);
    assert!(v["changed"].as_u64().unwrap() > 0);
    assert_eq!(v["changed"], w["changed"]);
    let groups = |x: &serde_json::Value| {
        let mut g: Vec<(String, u64)> = x["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["change"].as_str().unwrap().to_owned(),
                    g["classes"].as_u64().unwrap(),
                )
            })
            .collect();
        g.sort();
        g
    };
    assert_eq!(groups(&v), groups(&w));
}

/// The EU example verifies clean: every class decided, every law holds.
#[test]
#[ignore = "decides the EU example's 2.4 million classes: run in release by .ci/run"]
fn the_eu_example_verifies_clean() {
    let eu = path("../policies/examples/eu-fitness.toml");
    let out = lawful(&["verify", "-p", eu.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).ends_with("every law holds, and every relation between requests\n"),
        "{}",
        text(&out)
    );
}

#[test]
#[ignore = "decides the whole seed space: run in release by .ci/run"]
fn diff_shows_what_adding_contract_to_the_precise_location_rule_opens() {
    let seed = path("../policies/default.toml");
    let edited = path("tests/fixtures/precise_location_on_contract.toml");
    let out = lawful(&[
        "diff",
        seed.to_str().unwrap(),
        edited.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = v["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    assert!(v["changed"].as_u64().unwrap() > 0);
    let mut opened = false;
    for g in groups {
        // Each group's request shows its change under the two policies.
        let request = serde_json::to_string(&g["request"]).unwrap();
        let old = decide(Some(&seed), &request);
        let new = decide(Some(&edited), &request);
        assert_eq!(old["effect"], g["old"]["effect"], "{request}");
        assert_eq!(new["effect"], g["new"]["effect"], "{request}");
        opened |=
            old["effect"] == "deny" && new["effect"] == "permit" && new["basis"] == "contract";
    }
    assert!(
        opened,
        "some collection of precise location opens on contract"
    );
    let words = lawful(&["diff", seed.to_str().unwrap(), edited.to_str().unwrap()]);
    let words = text(&words);
    assert!(
        words.contains("deny") && words.contains("→ permit on contract"),
        "{words}"
    );
    assert!(words.contains("for example:"), "{words}");
}

/// Above `--max-classes`, `verify` and `diff` decide a sample only when
/// told to (`--sample`), say so on their first line, and never exit 0 with
/// a claim they did not prove ("every law holds", "no decision changed").
#[test]
fn a_space_over_the_limit_is_refused_without_sample_and_a_sample_proves_nothing() {
    let fixture = path("tests/fixtures/precise_location_on_contract.toml");
    let laws = path("../docs/examples/laws.toml");
    let seed = path("../policies/default.toml");
    let (f, l, s) = (
        fixture.to_str().unwrap(),
        laws.to_str().unwrap(),
        seed.to_str().unwrap(),
    );
    let support = support_edit();
    let e = support.to_str().unwrap();
    for args in [
        vec!["verify", "-p", f, l, "--max-classes", "100"],
        vec!["diff", s, f, "--max-classes", "100"],
        vec!["diff", s, e, "--max-classes", "100"],
        vec!["diff", s, s, "--max-classes", "100", "--every-class"],
    ] {
        let out = lawful(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("lawful: the request space has") && stderr.contains("--sample"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");

        let mut sampled = args.clone();
        sampled.push("--sample");
        let out = lawful(&sampled);
        let stdout = text(&out);
        let code = out.status.code();
        assert!(
            code == Some(1) || code == Some(3),
            "{sampled:?}: {code:?}\n{stdout}"
        );
        assert!(
            stdout
                .lines()
                .next()
                .unwrap()
                .starts_with("SAMPLED: one base class in"),
            "{sampled:?}: {stdout}"
        );
        assert!(
            !stdout.contains("every law holds") && !stdout.contains("no decision changed\n"),
            "{sampled:?}: {stdout}"
        );
    }
    // Nothing changes between a policy and itself: in a sample, that is
    // status 3, not the 0 of a proof.
    let out = lawful(&[
        "diff",
        s,
        s,
        "--max-classes",
        "100",
        "--sample",
        "--every-class",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("no decision changed in the sample"));
    // Without --every-class nothing needs deciding at all: no rule changed.
    // That is a proof, and it needs no sample.
    let out = lawful(&["diff", s, s, "--max-classes", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

// ---------------------------------------------------------------------------
// `lawful report`
// ---------------------------------------------------------------------------

/// The report of a policy (the seed when `None`) in a format; each made
/// once per test run (several tests read the seed's).
fn report(policy: Option<&Path>, format: &str) -> String {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Made = HashMap<(Option<PathBuf>, String), String>;
    static MADE: OnceLock<Mutex<Made>> = OnceLock::new();
    let key = (policy.map(Path::to_path_buf), format.to_owned());
    let made = MADE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(text) = made.lock().unwrap().get(&key) {
        return text.clone();
    }
    let mut args = vec!["report", "--format", format];
    let p;
    if let Some(policy) = policy {
        p = policy.to_str().unwrap().to_owned();
        args.push("-p");
        args.push(&p);
    }
    let out = lawful(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = text(&out);
    made.lock().unwrap().insert(key, text.clone());
    text
}

/// Markdown as a Markdown reader shows it: HTML (raw HTML kept, as most
/// renderers do, so that markup slipping through is seen).
fn markdown_to_html(md: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(md, Options::ENABLE_TABLES));
    out
}

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap()
}

fn text_of(e: scraper::ElementRef<'_>) -> String {
    e.text().collect::<String>()
}

/// Every in-page link has its target.
fn links_resolve(doc: &scraper::Html) -> usize {
    let ids: std::collections::HashSet<String> = doc
        .select(&sel("[id]"))
        .map(|e| e.value().attr("id").unwrap().to_owned())
        .collect();
    let mut n = 0;
    for a in doc.select(&sel("a[href^='#']")) {
        let target = &a.value().attr("href").unwrap()[1..];
        assert!(ids.contains(target), "a link to `#{target}` points nowhere");
        n += 1;
    }
    n
}

/// What a DPO signs, read back from the HTML and the Markdown of both
/// policies: the controller, each activity's destinations by country with
/// their mechanism (only the governing regime's), the special and
/// sensitive categories per leaf, each Never rule with its purposes, the
/// clause text; and every link resolves.
#[test]
#[ignore = "reports on the whole seed space: run in release by .ci/run"]
fn the_report_lists_what_a_dpo_signs_in_html_and_markdown() {
    let eu = path("../policies/examples/eu-fitness.toml");
    for (policy, controller) in [
        (
            None,
            "[the operator of the platform: the policy does not name it]",
        ),
        (Some(eu.as_path()), "Pulse Fitness GmbH"),
    ] {
        let html = report(policy, "html");
        let md = report(policy, "md");
        let from_md = markdown_to_html(&md);
        for (format, page) in [("html", &html), ("md", &from_md)] {
            let doc = scraper::Html::parse_document(page);
            let all = text_of(doc.root_element());
            assert!(all.contains(controller), "{format}: no controller");
            assert!(links_resolve(&doc) > 20, "{format}");
            // Each Never rule with its purposes.
            let never = doc
                .select(&sel("table"))
                .map(text_of)
                .find(|t| t.starts_with("RuleFor purposes"))
                .unwrap_or_default();
            let engine = match policy {
                Some(p) => lawful::Engine::from_path(p).unwrap(),
                None => lawful::Engine::builtin().clone(),
            };
            for rule in engine
                .rules()
                .iter()
                .filter(|r| r.effect() == lawful::Effect::Deny)
            {
                assert!(never.contains(rule.id()), "{format}: {never}");
                for p in rule.purposes() {
                    let name = engine.purpose_info(*p).unwrap().name();
                    assert!(never.contains(name), "{format}: `{name}` missing: {never}");
                }
            }
            // The clause text, not only its heading.
            let clause = engine.rules()[0].clause();
            let text = engine.record_info().clause_text(clause).unwrap();
            let first_words: String = text
                .split_whitespace()
                .take(8)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(all.contains(&first_words), "{format}: {first_words}");
        }
        if policy.is_some() {
            // The EU example: GDPR only. The US processor, by country, with
            // the GDPR's mechanism; no PIPL word, no 92 days.
            let doc = scraper::Html::parse_document(&html);
            let us: Vec<String> = doc
                .select(&sel(
                    "section#activity-analytics-product .destination[data-country='US']",
                ))
                .map(text_of)
                .collect();
            assert_eq!(us.len(), 1, "{us:?}");
            assert!(
                us[0].contains("Example Analytics Inc.")
                    && us[0].contains("GDPR: outside the EEA, standard contractual clauses")
                    && us[0].contains("Permitted by rule analytics-processor"),
                "{us:?}"
            );
            assert_eq!(doc.select(&sel(".destination")).count(), 1);
            for word in ["PIPL", "92 days", "personal information handler", "CAC"] {
                assert!(!html.contains(word) && !md.contains(word), "{word}");
            }
            for leaf in ["health.heart_rate", "health.sleep"] {
                let row = doc
                    .select(&sel(&format!("#categories tr[data-leaf='{leaf}']")))
                    .next()
                    .unwrap();
                assert!(row.select(&sel(".special")).next().is_some(), "{leaf}");
            }
            assert!(md.contains("**US** — Example Analytics Inc.: GDPR: outside the EEA, standard contractual clauses"), "{md}");
            assert!(md.contains("`health.heart_rate` ◆"), "{md}");
        } else {
            // The seed: PIPL and GDPR. Sensitive leaves marked, the
            // password withheld from sharing, the exports to recipients it
            // does not name said once for every purpose, with each regime's
            // own mechanisms.
            let doc = scraper::Html::parse_document(&html);
            for leaf in [
                "account.password",
                "identity.resident_id",
                "location.precise",
            ] {
                let row = doc
                    .select(&sel(&format!("#categories tr[data-leaf='{leaf}']")))
                    .next()
                    .unwrap();
                assert!(row.select(&sel(".sensitive")).next().is_some(), "{leaf}");
            }
            let share = doc
                .select(&sel("#every-purpose tr[data-rule='share']"))
                .next()
                .map(text_of)
                .unwrap();
            assert!(
                share.contains("but not: account.password (never given out)"),
                "{share}"
            );
            let unnamed: Vec<String> = doc.select(&sel(".unnamed")).map(text_of).collect();
            assert_eq!(unnamed.len(), 1, "{unnamed:?}");
            // Adequacy is checked against the table: a recipient in a
            // country with no decision is never reached on it.
            assert!(
                unnamed[0].contains(
                    "PIPL: to recipients outside mainland China, with CAC security assessment"
                ) && unnamed[0].contains(
                    "GDPR: to recipients outside the EEA, with standard contractual clauses"
                ) && !unnamed[0].contains("adequacy decision")
                    && unnamed[0].contains("export"),
                "{unnamed:?}"
            );
            let legal = doc
                .select(&sel(
                    "section#activity-legal-compliance .destination[data-country='CN']",
                ))
                .next()
                .map(text_of)
                .unwrap();
            assert!(
                legal.contains("GDPR: outside the EEA (where the data is stored)"),
                "{legal}"
            );
            assert!(!legal.contains("PIPL"), "{legal}");
            assert!(md.contains("`identity.resident_id` ★"));
            assert!(
                md.contains("  - **CN** — Courts, regulators and other competent authorities: GDPR: outside the EEA (where the data is stored), no mechanism named in the record."),
                "{md}"
            );
            assert!(html.contains("To complete before signing (10)"));
        }
    }
}

/// No policy text reaches the page as markup: not in the HTML, not in the
/// Markdown (which a Markdown reader would pass through as HTML).
#[test]
fn policy_text_never_becomes_markup_in_either_format() {
    let evil = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>";
    let policy = format!(
        r##"[policy]
id = "p"
version = "1"
title = "{evil}"
home_jurisdiction = "DE"
storage_region = "EU"

[[jurisdiction]]
code = "DE"
child_age = 16
utc_offset = "+01:00"
law = "{evil}"

[[category]]
name = "account.email"
description = "{evil}"
clause = "C {evil}"

[[purpose]]
name = "orders"
description = "{evil} | [link](javascript:alert(1)) *em*"
clause = "P {evil}"

[[permit]]
id = "r"
clause = "R {evil}"
description = "{evil}"
actions = ["collect", "use", "store", "entrust", "export"]
purposes = ["orders"]
categories = ["account"]
bases = ["contract"]
retention = "1y"

[record]
approved_by = "{evil}"
security_measures = ["{evil}", "- a list?", "# a heading?", "1. a number?"]

[record.controller]
name = "{evil}"
contact = "<a href='javascript:alert(1)'>mail</a>"

[[record.subject]]
name = "{evil}"
description = "{evil}"

[[record.recipient]]
id = "x"
name = "{evil}"
kind = "processor"
country = "US"
mechanisms = ["scc"]
rules = ["r"]

[[record.clause]]
heading = "R {evil}"
text = """
{evil}
- not a list
> not a quote
"""
"##
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("counsel-evil");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("evil.toml");
    std::fs::write(&file, policy).unwrap();
    let html = report(Some(&file), "html");
    let md = report(Some(&file), "md");
    for (format, page) in [("html", html.clone()), ("md", markdown_to_html(&md))] {
        let doc = scraper::Html::parse_document(&page);
        // Only the report's own script, and no image, no handler.
        let scripts: Vec<String> = doc.select(&sel("script")).map(|e| e.html()).collect();
        let own = usize::from(format == "html");
        assert_eq!(scripts.len(), own, "{format}: {scripts:?}");
        assert_eq!(doc.select(&sel("img")).count(), 0, "{format}");
        for e in doc.select(&sel("*")) {
            for (name, value) in e.value().attrs() {
                assert!(!name.starts_with("on"), "{format}: {name}");
                assert!(!value.contains("javascript:"), "{format}: {name}={value}");
            }
        }
        // The text is there, as text.
        let all = text_of(doc.root_element());
        assert!(
            all.contains("<script>document.title='pwned'</script>"),
            "{format}"
        );
        // Policy text makes no lists, headings, quotes or emphasis of its
        // own: what would have been markup is still there as text.
        for kept in [
            "- a list?",
            "# a heading?",
            "1. a number?",
            "> not a quote",
            "*em*",
            "[link](javascript:alert(1))",
        ] {
            assert!(all.contains(kept), "{format}: {kept}");
        }
        for tag in ["blockquote blockquote", "h1 ~ h1"] {
            assert_eq!(doc.select(&sel(tag)).count(), 0, "{format}: {tag}");
        }
    }
}

/// The picture: a band per purpose with rules of its own (and one for the
/// rules of every purpose), each a small tree; no two lines cross.
#[test]
#[ignore = "reports on the whole seed space: run in release by .ci/run"]
fn the_data_flow_picture_has_no_crossing_lines() {
    for policy in [None, Some(path("../policies/examples/eu-fitness.toml"))] {
        let html = report(policy.as_deref(), "html");
        let doc = scraper::Html::parse_document(&html);
        let svg = doc.select(&sel("svg.flow")).next().unwrap();
        let lines: Vec<[f64; 4]> = svg
            .select(&sel("line"))
            .map(|l| {
                let v = |k: &str| l.value().attr(k).unwrap().parse::<f64>().unwrap();
                [v("x1"), v("y1"), v("x2"), v("y2")]
            })
            .collect();
        assert!(lines.len() >= 9, "{}", lines.len());
        let cross = |a: [f64; 4], b: [f64; 4]| {
            let orient = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| {
                (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0)
            };
            let (p1, p2, p3, p4) = ((a[0], a[1]), (a[2], a[3]), (b[0], b[1]), (b[2], b[3]));
            let shared = [p1, p2].iter().any(|p| {
                [p3, p4]
                    .iter()
                    .any(|q| (p.0 - q.0).abs() < 0.01 && (p.1 - q.1).abs() < 0.01)
            });
            let d1 = orient(p3, p4, p1);
            let d2 = orient(p3, p4, p2);
            let d3 = orient(p1, p2, p3);
            let d4 = orient(p1, p2, p4);
            !shared && d1 * d2 < 0.0 && d3 * d4 < 0.0
        };
        for (i, a) in lines.iter().enumerate() {
            for b in &lines[i + 1..] {
                assert!(!cross(*a, *b), "{a:?} crosses {b:?}");
            }
        }
        let purposes: Vec<String> = svg
            .select(&sel(".node.purpose title"))
            .map(text_of)
            .collect();
        let sections = doc.select(&sel("section.activity")).count();
        assert!(
            purposes.len() >= 4 && purposes.len() <= sections + 1,
            "{purposes:?}"
        );
        if policy.is_some() {
            let abroad: Vec<String> = svg
                .select(&sel(".node.country.abroad title"))
                .map(text_of)
                .collect();
            assert_eq!(abroad, ["US: abroad (GDPR: SCC)"]);
        }
    }
}

/// Headless Chromium, when installed (CI installs it: `.ci/run`).
fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "chromium is missing in CI (.ci/run installs it)"
        );
        eprintln!("skipped: no chromium (install the `chromium` package to run this test)");
    }
    found
}

/// Runs Chromium on a page with a fresh profile; its stdout and stderr.
fn chromium_run(chromium: &str, dir: &Path, extra: &[String], page: &Path) -> (String, String) {
    let profile = dir.join(format!("profile-{}", extra.len()));
    let _ = std::fs::remove_dir_all(&profile);
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--enable-logging=stderr",
        "--v=0",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.extend(extra.iter().cloned());
    args.push(format!("file://{}", page.display()));
    let out = Command::new(chromium).args(&args).output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The report as a browser shows it: the page's script runs without
/// error and measures its layout (every section laid out, the picture's
/// size); a screenshot shows the picture drawn over that size.
#[test]
#[ignore = "reports on the whole seed space: run in release by .ci/run"]
fn the_report_renders_in_headless_chromium_with_every_section_and_the_picture() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("counsel-chromium");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    std::fs::write(&page, report(None, "html")).unwrap();

    let (dom, log) = chromium_run(
        chromium,
        &dir,
        &[
            "--window-size=1280,1000".to_owned(),
            "--dump-dom".to_owned(),
        ],
        &page,
    );
    for line in log.lines() {
        assert!(
            !(line.contains("CONSOLE") || line.contains("Uncaught")),
            "console error: {line}"
        );
    }
    let doc = scraper::Html::parse_document(&dom);
    let body = doc.select(&sel("body")).next().unwrap();
    let engine = lawful::Engine::builtin();
    let purposes = engine.purposes().iter().filter(|p| p.is_declared()).count();
    assert_eq!(
        body.value().attr("data-ready"),
        Some(purposes.to_string().as_str()),
        "blank or broken page: {}",
        &dom[..dom.len().min(400)]
    );
    let layout: serde_json::Value =
        serde_json::from_str(body.value().attr("data-layout").unwrap()).unwrap();
    let sections = layout["sections"].as_object().unwrap();
    for id in [
        "overview",
        "flow",
        "every-purpose",
        "never",
        "children",
        "rights",
        "categories",
        "clauses",
    ] {
        let h = sections[id][3].as_i64().unwrap();
        assert!(h > 40, "section `{id}` is {h} px high");
    }
    // The sections come in reading order, one below the other.
    let tops: Vec<i64> = ["overview", "flow", "every-purpose", "never", "clauses"]
        .iter()
        .map(|id| sections[*id][1].as_i64().unwrap())
        .collect();
    assert!(tops.windows(2).all(|w| w[0] < w[1]), "{tops:?}");
    let flow: Vec<i64> = layout["flow"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let (x, y, w, h) = (flow[0], flow[1], flow[2], flow[3]);
    // Readable: nearly the page's width, and tall enough for a band per
    // purpose (about 30 px each).
    assert!(w >= 1000, "the picture is {w} px wide");
    assert!(
        h >= 30 * i64::try_from(purposes).unwrap(),
        "the picture is {h} px high"
    );

    // The screenshot, down to the picture's bottom.
    let shot = dir.join("report.png");
    let height = y + h + 40;
    let _ = chromium_run(
        chromium,
        &dir,
        &[
            format!("--window-size=1280,{height}"),
            format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (i64::from(info.width), i64::from(info.height)),
        (1280, height)
    );
    let channels = info.line_size / info.width as usize;
    let pixel = |px: i64, py: i64| {
        let at =
            usize::try_from(py).unwrap() * info.line_size + usize::try_from(px).unwrap() * channels;
        (buf[at], buf[at + 1], buf[at + 2])
    };
    // The title is drawn (dark text near the top).
    let dark = |(r, g, b): (u8, u8, u8)| u16::from(r) + u16::from(g) + u16::from(b) < 200;
    assert!((0..80).any(|py| (0..600).any(|px| dark(pixel(px, py)))));
    // Within the picture's box: the purpose boxes' fill (#e6f0f7), and
    // drawing from its top to its bottom.
    let mut purpose_fill = 0;
    let (mut first, mut last) = (i64::MAX, 0);
    for py in y..(y + h).min(height) {
        let mut drawn = false;
        for px in (x + 4..x + w - 4).step_by(2) {
            let p = pixel(px, py);
            if p == (0xe6, 0xf0, 0xf7) {
                purpose_fill += 1;
            }
            drawn |= dark(p) || p == (0xe6, 0xf0, 0xf7);
        }
        if drawn {
            first = first.min(py);
            last = last.max(py);
        }
    }
    assert!(purpose_fill > 1000, "purpose boxes: {purpose_fill} px");
    assert!(
        last - first >= h * 9 / 10,
        "drawn from {first} to {last} of {y}..{}",
        y + h
    );
}

/// The fixtures are the seed with their one seeded edit (and their own
/// version): so a change of the seed reaches them, or this fails.
#[test]
fn the_fixtures_are_the_seed_with_one_edit_each() {
    let seed = std::fs::read_to_string(path("../policies/default.toml")).unwrap();
    for (file, rules, other) in [
        (
            "precise_location_on_contract.toml",
            vec!["rule `browse-precise-location`: bases +contract"],
            vec![],
        ),
        (
            "support_consent_3y.toml",
            vec!["rule `support`: bases −contract; retention 1y → 3y"],
            vec![],
        ),
        (
            "child_share_own_consent.toml",
            vec![],
            vec!["purpose `support.feedback`: before_guardian_consent true added"],
        ),
    ] {
        let text = std::fs::read_to_string(path(&format!("tests/fixtures/{file}"))).unwrap();
        let edit = lawful::analysis::diff::Edit::between(&seed, &text);
        let words: Vec<String> = edit
            .rules
            .iter()
            .map(lawful::analysis::diff::RuleEdit::words)
            .collect();
        assert_eq!(words, rules, "{file}");
        let mut other: Vec<&str> = other;
        let version = format!(
            "[policy]: version 2026-11-28 → {}",
            text.lines()
                .find_map(|l| l.strip_prefix("version = \""))
                .unwrap()
                .trim_end_matches('"')
        );
        other.insert(0, &version);
        assert_eq!(edit.other, other, "{file}");
        assert!(!edit.record, "{file}");
    }
}
