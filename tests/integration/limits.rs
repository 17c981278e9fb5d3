//! Load limits (docs/limits.md): a policy past one is an ordinary load
//! error with a caret, and loading and rendering stay near-linear whatever
//! the policy's shape.

use std::time::Duration;

use lawful::Engine;
use lawful::policy::{DiagnosticKind, LoadOptions};

use crate::shapes::Shape;

const TINY: &str = r#"[policy]
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

[[purpose]]
name = "newsletter"

[[permit]]
id = "newsletter"
clause = "Newsletter"
actions = ["collect"]
purposes = ["newsletter"]
categories = ["account.email"]
bases = ["consent"]
retention = "RETENTION"
"#;

fn kinds(err: &lawful::LoadError) -> Vec<DiagnosticKind> {
    err.diagnostics()
        .iter()
        .map(lawful::policy::Diagnostic::kind)
        .collect()
}

#[test]
fn a_policy_past_the_size_limit_is_refused_unread() {
    let text = TINY.replace("RETENTION", "1y");
    let options = LoadOptions::new().max_bytes(text.len() - 1);
    let err = Engine::from_toml_with(&text, options).unwrap_err();
    assert_eq!(kinds(&err), [DiagnosticKind::TooLarge]);
    assert!(err.to_string().contains(&format!(
        "larger than the limit of {} bytes",
        text.len() - 1
    )));
    assert!(Engine::from_toml_with(&text, LoadOptions::new().max_bytes(text.len())).is_ok());
    // `/dev/zero` is endless: only the limit and one byte are read.
    let started = CpuClock::start();
    let err = Engine::from_path_with("/dev/zero", LoadOptions::new()).unwrap_err();
    assert_eq!(kinds(&err), [DiagnosticKind::TooLarge]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_retention_past_200_years_is_a_load_error_with_a_caret() {
    for period in ["4294967295y", "201y", "2401m", "10437w", "73051d"] {
        let err = Engine::from_toml(&TINY.replace("RETENTION", period)).unwrap_err();
        let rendered = err.to_string();
        assert!(rendered.contains("longer than 200 years"), "{rendered}");
        assert!(
            rendered.contains(&format!("retention = \"{period}\"")),
            "{rendered}"
        );
        assert!(rendered.contains("^^^"), "{rendered}");
    }
    for period in ["200y", "2400m", "10436w", "73050d"] {
        let engine = Engine::from_toml(&TINY.replace("RETENTION", period));
        assert!(engine.is_ok(), "{period}");
    }
}

#[test]
fn names_past_the_length_or_segment_limit_are_errors() {
    let long = format!("account.{}", "e".repeat(200));
    let text = TINY
        .replace("RETENTION", "1y")
        .replace("account.email", &long);
    let err = Engine::from_toml(&text).unwrap_err();
    assert!(kinds(&err).contains(&DiagnosticKind::TooLarge), "{err}");
    assert!(
        err.to_string()
            .contains("category name is longer than 128 bytes"),
        "{err}"
    );

    let deep = vec!["a"; 17].join(".");
    let text = TINY
        .replace("RETENTION", "1y")
        .replace("account.email", &deep);
    let err = Engine::from_toml(&text).unwrap_err();
    assert!(
        err.to_string().contains("more than 16 dotted segments"),
        "{err}"
    );
    let options = LoadOptions::new().max_name_segments(17);
    assert!(Engine::from_toml_with(&text, options).is_ok());
}

#[test]
fn counts_past_their_limits_are_errors() {
    let text = Shape::StarRules.policy(3_000);
    let options = LoadOptions::new().max_rules(3);
    let err = Engine::from_toml_with(&text, options).unwrap_err();
    assert!(
        err.to_string().contains("too many rules: the limit is 3"),
        "{err}"
    );
    let err = Engine::from_toml_with(&text, LoadOptions::new().max_purposes(2)).unwrap_err();
    assert!(
        err.to_string()
            .contains("too many purposes: the limit is 2"),
        "{err}"
    );
    let err = Engine::from_toml_with(&text, LoadOptions::new().max_categories(2)).unwrap_err();
    assert!(
        err.to_string()
            .contains("too many categories: the limit is 2"),
        "{err}"
    );
    let err = Engine::from_toml_with(&text, LoadOptions::new().max_index_entries(100)).unwrap_err();
    assert!(err.to_string().contains("more than 100 entries"), "{err}");
    assert!(Engine::from_toml(&text).is_ok());
}

/// Every shape, at 100 KB, loads (or fails) and renders in well under the
/// time the quadratic loaders took at 40 KB (debug build, generous bound).
#[test]
fn generated_shapes_load_in_near_linear_time() {
    for shape in Shape::ALL {
        let text = shape.policy(100_000);
        let started = CpuClock::start();
        let rendered = match Engine::from_toml(&text) {
            Ok(engine) => format!("{} rules", engine.rules().len()),
            Err(e) => e.to_string(),
        };
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(5), "{shape:?}: {elapsed:?}");
        assert!(
            rendered.len() < 64 * 1024,
            "{shape:?}: {} bytes",
            rendered.len()
        );
    }
}

#[test]
fn a_huge_star_policy_hits_the_index_limit_not_the_memory() {
    let text = Shape::StarRules.policy(1_000_000);
    let started = CpuClock::start();
    let err = Engine::from_toml(&text).unwrap_err();
    assert!(
        err.to_string()
            .contains("the rule index would hold more than"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// The CPU time this thread has used, from `/proc/thread-self/stat` (Linux):
/// a bound on work that other processes on a shared machine cannot break,
/// as they can a wall-clock bound. Elsewhere it falls back to wall time.
struct CpuClock {
    cpu: Option<Duration>,
    wall: std::time::Instant,
}

impl CpuClock {
    fn start() -> CpuClock {
        CpuClock {
            cpu: thread_cpu(),
            wall: std::time::Instant::now(),
        }
    }

    fn elapsed(&self) -> Duration {
        match (self.cpu, thread_cpu()) {
            (Some(start), Some(now)) => now.saturating_sub(start),
            _ => self.wall.elapsed(),
        }
    }
}

fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here, in
    // clock ticks (100 a second on Linux).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}
