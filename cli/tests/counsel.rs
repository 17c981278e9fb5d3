//! Counsel's tools end to end: `lawful verify`, `lawful diff` and `lawful
//! report`, run as the real binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
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
fn the_builtin_policy_verifies_clean() {
    let out = lawful(&["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("every law holds"), "{}", text(&out));
}

#[test]
fn an_export_rule_that_accepts_contract_is_found_with_a_reproducing_request() {
    let fixture = path("tests/fixtures/export_on_contract.toml");
    let laws = path("../docs/examples/laws.toml");
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
        .find(|s| s.starts_with("exports-rest-on-separate-consent`"))
        .expect("the export law is broken");
    let request = requests(section)
        .into_iter()
        .next()
        .expect("a reproducing request");
    // The request reproduces it: the seeded policy permits it on contract,
    // the seed does not.
    let seeded = decide(Some(&fixture), &request);
    assert_eq!(seeded["effect"], "permit", "{request}");
    assert_ne!(seeded["basis"], "consent", "{request}");
    assert_eq!(decide(None, &request)["effect"], "deny", "{request}");
}

#[test]
fn a_child_share_on_the_childs_own_agreement_is_found() {
    let fixture = path("tests/fixtures/child_share_own_consent.toml");
    let laws = path("tests/fixtures/child_laws.toml");
    let clean = lawful(&["verify", laws.to_str().unwrap()]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    let out = lawful(&[
        "verify",
        "-p",
        fixture.to_str().unwrap(),
        laws.to_str().unwrap(),
    ]);
    let stdout = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("law `child-feedback-share-needs-guardian` is broken"),
        "{stdout}"
    );
    let request = requests(&stdout)
        .into_iter()
        .next()
        .expect("a reproducing request");
    let doc: serde_json::Value = serde_json::from_str(&request).unwrap();
    assert_eq!(doc["action"], "share");
    assert_eq!(doc["recipient"]["kind"], "third_party");
    assert_eq!(
        decide(Some(&fixture), &request)["effect"],
        "permit",
        "{request}"
    );
    assert_eq!(decide(None, &request)["effect"], "deny", "{request}");
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
    assert!(text(&out).contains("no decision changed"));
    let misuse = lawful(&["diff", s]);
    assert_eq!(misuse.status.code(), Some(2));
}

#[test]
fn diff_shows_what_adding_contract_to_the_export_rule_opens() {
    let seed = path("../policies/default.toml");
    let edited = path("tests/fixtures/export_on_contract.toml");
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
    assert!(opened, "some export opens on contract");
    let words = lawful(&["diff", seed.to_str().unwrap(), edited.to_str().unwrap()]);
    let words = text(&words);
    assert!(
        words.contains("deny") && words.contains("→ permit on contract"),
        "{words}"
    );
    assert!(words.contains("for example:"), "{words}");
}

fn report_html() -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("counsel-report");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.html");
    let out = lawful(&["report", "-o", file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(file).unwrap()
}

#[test]
fn the_report_is_a_self_contained_record_of_every_purpose() {
    use scraper::{Html, Selector};
    let html = report_html();
    let doc = Html::parse_document(&html);
    let sel = |s: &str| Selector::parse(s).unwrap();
    assert!(
        doc.select(&sel("title"))
            .next()
            .unwrap()
            .inner_html()
            .contains("Record of processing")
    );
    // Every declared purpose has its section.
    let engine = lawful::Engine::builtin();
    for p in engine.purposes().iter().filter(|p| p.is_declared()) {
        let id = format!("section#purpose-{}", p.name().replace('.', "\\."));
        assert!(doc.select(&sel(&id)).next().is_some(), "{}", p.name());
    }
    // The picture is inline, and nothing is fetched.
    assert_eq!(doc.select(&sel("svg")).count(), 1);
    let svg_text: String = doc.select(&sel("svg")).next().unwrap().text().collect();
    assert!(
        svg_text.contains("support.feedback") && svg_text.contains("CN (storage)"),
        "{svg_text}"
    );
    let external: Vec<String> = doc
        .select(&sel("[src], link[href]"))
        .map(|e| e.html())
        .collect();
    assert!(external.is_empty(), "external resources: {external:?}");
    assert!(
        !html
            .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
            .contains("http")
    );
    assert!(html.contains("@media print"));
    // Every row links to a clause the record lists.
    let mut links = 0;
    for a in doc.select(&sel("td a[href^='#clause-']")) {
        let target = a
            .value()
            .attr("href")
            .unwrap()
            .trim_start_matches('#')
            .to_owned();
        assert!(
            doc.select(&sel(&format!("dt[id='{target}']")))
                .next()
                .is_some(),
            "{target}"
        );
        links += 1;
    }
    assert!(links > 20);
    // Sensitive categories are marked; the password is one.
    assert!(
        doc.select(&sel(".sensitive"))
            .any(|e| e.text().any(|t| t.contains("account")))
    );
    // The transfers abroad come from the decided exports.
    assert!(html.contains("Abroad:") && html.contains("standard_contract"));
}

#[test]
fn the_report_renders_in_a_headless_browser_without_errors() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(chromium) = chromium else {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "chromium is missing in CI (.ci/run installs it)"
        );
        eprintln!("skipped: no chromium (install the `chromium` package to run this test)");
        return;
    };
    let html = report_html();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("counsel-chromium");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.html");
    std::fs::write(&file, &html).unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", dir.join("profile").display()),
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            &format!("file://{}", file.display()),
        ])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    for line in log.lines() {
        assert!(
            !(line.contains("CONSOLE") || line.contains("Uncaught")),
            "console error: {line}"
        );
    }
    // The inline script marks the page with the number of purposes it found.
    let purposes = lawful::Engine::builtin()
        .purposes()
        .iter()
        .filter(|p| p.is_declared())
        .count();
    assert!(
        dom.contains(&format!("data-ready=\"{purposes}\"")),
        "blank or broken page: {}",
        &dom[..dom.len().min(400)]
    );
}

/// Above `--max-classes`, `verify` and `diff` decide a sample only when
/// told to (`--sample`), say so on their first line, and never exit 0 with
/// a claim they did not prove ("every law holds", "no decision changed").
#[test]
fn a_space_over_the_limit_is_refused_without_sample_and_a_sample_proves_nothing() {
    let fixture = path("tests/fixtures/export_on_contract.toml");
    let laws = path("../docs/examples/laws.toml");
    let seed = path("../policies/default.toml");
    let (f, l, s) = (
        fixture.to_str().unwrap(),
        laws.to_str().unwrap(),
        seed.to_str().unwrap(),
    );
    for args in [
        vec!["verify", "-p", f, l, "--max-classes", "100"],
        vec!["diff", s, f, "--max-classes", "100"],
        vec!["diff", s, s, "--max-classes", "100"],
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
    let out = lawful(&["diff", s, s, "--max-classes", "100", "--sample"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("no decision changed in the sample"));
}
