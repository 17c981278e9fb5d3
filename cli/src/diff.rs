//! `lawful diff OLD NEW [--json]`: what an edit changes. First the edit
//! itself, rule by rule; then the request classes whose decision changed,
//! decided under both policies, grouped by what changed, in words, each
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
/// did; 3 when only a sample was decided (`--sample`) and none changed in
/// it. With `every_class`, every class is decided whatever the edit.
pub(crate) fn run(
    old: &Path,
    new: &Path,
    json: bool,
    every_class: bool,
    bounds: Bounds,
) -> Result<ExitCode, Fail> {
    let old_engine = files::load_policy(Some(old))?;
    let new_engine = files::load_policy(Some(new))?;
    let options = bounds.options();
    let space: Space = if every_class {
        Space::build(&[&old_engine, &new_engine], options)
    } else {
        Diff::plan(&old_engine, &new_engine, options).1
    };
    let sampled = files::sampling(&space, bounds)?;
    let diff = if every_class {
        Diff::run_everything(&old_engine, &new_engine, options)
    } else {
        Diff::run(&old_engine, &new_engine, options)
    };
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
                "change": c.heading,
                "effect_changed": c.flips,
                "old": decision_json(old, &doc, &c.old),
                "new": decision_json(new, &doc, &c.new),
                "request": doc,
                "actions": facets(&c.facets.actions),
                "purposes": facets(&c.facets.purposes),
                "categories": facets(&c.facets.categories),
                "subjects": facets(&c.facets.subjects),
                "evidence": facets(&c.facets.evidence),
                "flows": facets(&c.facets.flows),
                "reasons": facets(&c.facets.reasons),
            })
        })
        .collect();
    let rules: Vec<serde_json::Value> = diff
        .edit
        .rules
        .iter()
        .map(|r| serde_json::json!({"rule": r.id, "change": r.change, "details": r.details}))
        .collect();
    let out = serde_json::json!({
        "edit": {
            "rules": rules,
            "other": diff.edit.other,
            "record": diff.edit.record,
        },
        "decided": {
            "classes": diff.stats.classes,
            "purposes": diff.purposes,
            "base_classes": diff.space.base_count(),
            "of_base_classes": diff.whole,
        },
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

fn explain(engine: &Engine, o: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    if o.effect.is_none() {
        lines.push("not declared in this policy".to_owned());
        return lines;
    }
    lines.push(o.words());
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

/// A count with thousands separated: `74,272`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_edit(out: &mut String, diff: &Diff, old_path: &Path, new_path: &Path) {
    let edit = &diff.edit;
    let rules = edit.rules.len();
    say!(
        out,
        "`{}` → `{}`: {} rule{} changed{}{}",
        old_path.display(),
        new_path.display(),
        rules,
        if rules == 1 { "" } else { "s" },
        if edit.other.is_empty() {
            String::new()
        } else {
            format!(
                ", and {} other change{}",
                edit.other.len(),
                if edit.other.len() == 1 { "" } else { "s" }
            )
        },
        if edit.record {
            "; the [record] table changed too (no decision reads it)"
        } else {
            ""
        }
    );
    for r in &edit.rules {
        say!(out, "  {}", r.words());
    }
    for o in &edit.other {
        say!(out, "  {o}");
    }
}

fn print_scope(out: &mut String, diff: &Diff) {
    let decided = format!(
        "{} request classes decided under both policies in {:.1} s",
        count(diff.stats.classes),
        diff.stats.elapsed.as_secs_f64()
    );
    match &diff.purposes {
        None if diff.edit.rules_only() => say!(out, "{decided}: every class"),
        None => say!(out, "{decided}: every class, since more than rules changed"),
        Some(purposes) if purposes.is_empty() => say!(
            out,
            "no request class needed deciding: no rule changed, and nothing else that decides"
        ),
        Some(_) if diff.space.base_count() == diff.whole => say!(
            out,
            "{decided}: every class, since the changed rules name every purpose"
        ),
        Some(purposes) => {
            let shown: Vec<&str> = purposes.iter().take(8).map(String::as_str).collect();
            let more = purposes.len().saturating_sub(shown.len());
            say!(
                out,
                "{decided}: those for the purposes the changed rules name ({}{}), {} of {} base classes; no other class can be decided differently",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                count(diff.space.base_count()),
                count(diff.whole)
            );
        }
    }
}

fn print_words(
    out: &mut String,
    diff: &Diff,
    old: &Engine,
    new: &Engine,
    old_path: &Path,
    new_path: &Path,
) {
    print_edit(out, diff, old_path, new_path);
    print_scope(out, diff);
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
        count(diff.changed()),
        diff.changes.len()
    );
    for (i, c) in diff.changes.iter().enumerate() {
        print_group(out, diff, old, new, i, c);
    }
}

fn print_group(out: &mut String, diff: &Diff, old: &Engine, new: &Engine, i: usize, c: &Change) {
    say!(out);
    let classes = if c.count == 1 { "class" } else { "classes" };
    say!(
        out,
        "[{}] {} — {} {classes}",
        i + 1,
        c.heading,
        count(c.count)
    );
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
    if !c.facets.reasons.is_empty() {
        say!(out, "{}", facet("deny reasons", &c.facets.reasons));
    }
    say!(out, "  for example:");
    say!(
        out,
        "    {}",
        serde_json::to_string(&diff.example(c)).unwrap_or_default()
    );
}
