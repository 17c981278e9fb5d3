//! `lawful diff OLD NEW [--json]`: every request class decided under both
//! policies; the classes whose decision changed, grouped, in words, each
//! group with one request that shows it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use lawful::Engine;
use lawful::analysis::{Change, Diff, Outcome, Space};
use lawful::wire::DecisionDoc;

use crate::Bounds;
use crate::files::{self, FOUND_PROBLEMS, Fail, SAMPLED_NOTHING_FOUND};

/// Prints the changes. Exit status 1 when a decision changed, 0 when none
/// did; 3 when only a sample was decided (`--sample`) and none changed in it.
pub(crate) fn run(old: &Path, new: &Path, json: bool, bounds: Bounds) -> Result<ExitCode, Fail> {
    let old_engine = files::load_policy(Some(old))?;
    let new_engine = files::load_policy(Some(new))?;
    let sampled = files::sampling(
        &Space::build(&[&old_engine, &new_engine], bounds.options()),
        bounds,
    )?;
    let diff = Diff::run(&old_engine, &new_engine, bounds.options());
    let mut out = String::new();
    if json {
        print_json(&mut out, &diff, &old_engine, &new_engine);
    } else {
        if let Some(line) = &sampled {
            say!(out, "{line}");
        }
        print_words(&mut out, &diff, &old_engine, &new_engine, old, new);
    }
    let status = if !diff.changes.is_empty() {
        ExitCode::from(FOUND_PROBLEMS)
    } else if sampled.is_some() {
        ExitCode::from(SAMPLED_NOTHING_FOUND)
    } else {
        ExitCode::SUCCESS
    };
    files::emit(&out, status)
}

fn print_json(text: &mut String, diff: &Diff, old: &Engine, new: &Engine) {
    let groups: Vec<serde_json::Value> = diff
        .changes
        .iter()
        .map(|c| {
            let doc = diff.example(c);
            let facets = |set: &BTreeSet<String>| serde_json::json!(set);
            serde_json::json!({
                "classes": c.count,
                "summary": summary(c),
                "old": decision_json(old, &doc, &c.old),
                "new": decision_json(new, &doc, &c.new),
                "request": doc,
                "actions": facets(&c.facets.actions),
                "purposes": facets(&c.facets.purposes),
                "categories": facets(&c.facets.categories),
                "subjects": facets(&c.facets.subjects),
                "evidence": facets(&c.facets.evidence),
                "flows": facets(&c.facets.flows),
            })
        })
        .collect();
    let out = serde_json::json!({
        "classes": diff.stats.classes,
        "changed": diff.changed(),
        "sampled_one_in": diff.space.sampled(),
        "groups": groups,
    });
    say!(text, "{out}");
}

fn decision_json(
    engine: &Engine,
    doc: &lawful::wire::RequestDoc,
    outcome: &Outcome,
) -> serde_json::Value {
    if outcome.effect.is_none() {
        return serde_json::json!({"effect": null, "message": "the policy does not declare a name this request uses"});
    }
    let d: DecisionDoc = engine.decide_doc(doc);
    serde_json::to_value(&d).unwrap_or(serde_json::Value::Null)
}

/// One line: `permit on consent → deny (transfer_mechanism_required)`.
fn summary(c: &Change) -> String {
    format!("{} → {}", words(&c.old), words(&c.new))
}

fn words(o: &Outcome) -> String {
    let mut s = o.headline();
    if o.effect == Some(lawful::Effect::Deny) {
        let codes: BTreeSet<&str> = o
            .reasons
            .iter()
            .map(|(code, _, _)| code.as_str())
            .filter(|c| *c != "combined_as_personal_information")
            .collect();
        let _ = write!(s, " ({})", codes.into_iter().collect::<Vec<_>>().join(", "));
    }
    s
}

fn explain(engine: &Engine, o: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    if o.effect.is_none() {
        return lines;
    }
    for (code, rule, detail) in &o.reasons {
        let mut line = code.replace('_', " ");
        if let Some(d) = detail {
            let _ = write!(line, " ({})", d.replace('_', " "));
        }
        if let Some(r) = rule {
            let _ = write!(line, ", rule `{r}`");
            if let Some(clause) = engine.rule_named(r).map(lawful::policy::Rule::clause) {
                let _ = write!(line, ": \"{clause}\"");
            }
        }
        lines.push(line);
    }
    if !o.obligations.is_empty() {
        let obligations: Vec<String> = o
            .obligations
            .iter()
            .map(|(code, due)| match due {
                Some(due) => format!("{code} ({due})"),
                None => code.clone(),
            })
            .collect();
        lines.push(format!("obligations: {}", obligations.join(", ")));
    }
    lines
}

fn facet(name: &str, set: &BTreeSet<String>) -> String {
    const SHOWN: usize = 6;
    // Facets stop collecting at 64 values.
    const KEPT: usize = 64;
    let mut s = set
        .iter()
        .map(String::as_str)
        .take(SHOWN)
        .collect::<Vec<_>>()
        .join("; ");
    if set.len() >= KEPT {
        s.push_str("; and many more");
    } else if set.len() > SHOWN {
        let _ = write!(s, "; and {} more", set.len() - SHOWN);
    }
    format!("    {name}: {s}")
}

fn print_words(
    out: &mut String,
    diff: &Diff,
    old: &Engine,
    new: &Engine,
    old_path: &Path,
    new_path: &Path,
) {
    say!(
        out,
        "{} request classes decided under `{}` and `{}` in {:.1} s",
        diff.stats.classes,
        old_path.display(),
        new_path.display(),
        diff.stats.elapsed.as_secs_f64()
    );
    if diff.changes.is_empty() {
        if diff.space.sampled().is_some() {
            say!(
                out,
                "no decision changed in the sample; the classes not decided may have changed"
            );
        } else {
            say!(out, "no decision changed");
        }
        return;
    }
    let groups = if diff.changes.len() == 1 {
        "group"
    } else {
        "groups"
    };
    say!(
        out,
        "{} classes changed, in {} {groups}:",
        diff.changed(),
        diff.changes.len()
    );
    for (i, c) in diff.changes.iter().enumerate() {
        say!(out);
        let classes = if c.count == 1 { "class" } else { "classes" };
        say!(out, "[{}] {} — {} {classes}", i + 1, summary(c), c.count);
        say!(out, "  before:");
        for line in explain(old, &c.old) {
            say!(out, "    {line}");
        }
        say!(out, "  after:");
        for line in explain(new, &c.new) {
            say!(out, "    {line}");
        }
        say!(out, "  where:");
        say!(out, "{}", facet("actions", &c.facets.actions));
        say!(out, "{}", facet("purposes", &c.facets.purposes));
        say!(out, "{}", facet("categories", &c.facets.categories));
        say!(out, "{}", facet("subjects", &c.facets.subjects));
        say!(out, "{}", facet("evidence", &c.facets.evidence));
        say!(out, "{}", facet("flows", &c.facets.flows));
        say!(out, "  for example:");
        say!(
            out,
            "    {}",
            serde_json::to_string(&diff.example(c)).unwrap_or_default()
        );
    }
}
