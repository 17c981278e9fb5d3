//! The new-user trial's findings about the library's surface, each pinned.

use chrono::{DateTime, NaiveDate};
use lawful::decision::Due;
use lawful::policy::RetentionEvent;
use lawful::{Action, Engine, Evidence, Request, Subject};

fn registration() -> lawful::Decision {
    let engine = Engine::builtin();
    let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
    let request = Request::new(
        Action::Collect,
        engine.purpose("account.registration").unwrap(),
        at,
    )
    .category(engine.category("account.phone").unwrap())
    .subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()))
    .evidence(Evidence::new().contract());
    engine.decide(&request)
}

/// `{:?}` of a decision showed 16 reasons, most of them phantom
/// `InvalidRequest` slots of its inline array.
#[test]
fn debug_of_a_decision_shows_only_its_reasons() {
    let decision = registration();
    assert_eq!(decision.reasons().len(), 1);
    let debug = format!("{decision:?}");
    assert_eq!(debug.matches("Reason {").count(), 1, "{debug}");
    assert!(debug.contains("RulePermits"), "{debug}");
    assert!(!debug.contains("InvalidRequest"), "{debug}");
    assert!(debug.contains("RetainUntil"), "{debug}");
}

/// `Due` had no `Display`.
#[test]
fn due_displays_as_the_wire_says_it() {
    let date = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
    assert_eq!(Due::Date(date).to_string(), "2027-01-31");
    assert_eq!(
        Due::Event(RetentionEvent::Deregistration).to_string(),
        "until_deregistration"
    );
    let decision = registration();
    let due = decision
        .obligations()
        .find_map(|o| o.due())
        .expect("retain_until has a due");
    assert_eq!(due.to_string(), "until_deregistration");
}

/// `cargo run --example quickstart` compiled 76 crates (criterion, proptest,
/// clap...): the examples are their own package, and build with the
/// library's dependencies only.
#[test]
fn the_examples_need_only_the_librarys_dependencies() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "lawful-examples",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let tree = String::from_utf8(out.stdout).unwrap();
    for heavy in [
        "criterion",
        "proptest",
        "allocation-counter",
        "clap",
        "regex",
        "rand",
        "tokio",
    ] {
        assert!(
            !tree.lines().any(|l| l.starts_with(&format!("{heavy} "))),
            "{heavy} in\n{tree}"
        );
    }
    let crates: std::collections::BTreeSet<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(crates.len() <= 25, "{} crates: {crates:?}", crates.len());
}

/// `repository` in Cargo.toml was a placeholder (`example.invalid`): the
/// project has no public home yet, so the manifests name none.
#[test]
fn the_manifests_name_no_placeholder_home() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for manifest in ["Cargo.toml", "cli/Cargo.toml", "examples/Cargo.toml"] {
        let text = std::fs::read_to_string(root.join(manifest)).unwrap();
        assert!(!text.contains("example.invalid"), "{manifest}");
    }
}

/// The CLI could not be published or installed from the registry: its
/// `lawful` dependency was a path without a version, the manifests had no
/// documentation link, and the README did not say `--locked`.
#[test]
fn the_cli_is_publishable_and_the_readme_says_how_to_install_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = |path: &str| -> toml::Table {
        std::fs::read_to_string(root.join(path))
            .unwrap()
            .parse()
            .unwrap()
    };
    let workspace = manifest("Cargo.toml");
    let cli = manifest("cli/Cargo.toml");
    let version = workspace["workspace"]["package"]["version"]
        .as_str()
        .unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    for table in ["dependencies", "dev-dependencies"] {
        let lawful = &cli[table]["lawful"];
        assert_eq!(lawful["path"].as_str(), Some(".."), "{table}");
        assert_eq!(lawful["version"].as_str(), Some(version), "{table}");
    }
    for (name, package) in [
        ("lawful", &workspace["package"]),
        ("lawful-cli", &cli["package"]),
    ] {
        for key in [
            "description",
            "documentation",
            "readme",
            "keywords",
            "categories",
        ] {
            assert!(package.get(key).is_some(), "{name} has no `{key}`");
        }
        assert_eq!(
            package["license"]["workspace"].as_bool(),
            Some(true),
            "{name}"
        );
        assert!(package.get("publish").is_none(), "{name} is not published");
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("cargo install --locked --path cli"));
    assert!(readme.contains("cargo install --locked lawful-cli"));
}
