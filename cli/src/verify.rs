//! `lawful verify [-p POLICY] [LAWS.toml]`: the built-in laws, and counsel's,
//! checked over every request class of the policy.

use std::path::Path;
use std::process::ExitCode;

use lawful::analysis::{Law, RELATIONS, Space, laws};

use crate::Bounds;
use crate::files::{self, FOUND_PROBLEMS, Fail, SAMPLED_NOTHING_FOUND};

/// Checks the laws; prints each broken law with the requests that break
/// it. Exit status 1 when a law is broken; 3 when only a sample was
/// decided (`--sample`) and no law was found broken in it.
pub(crate) fn run(
    policy: Option<&Path>,
    laws_file: Option<&Path>,
    bounds: Bounds,
) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let mut all = Law::builtin();
    let builtin = all.len();
    if let Some(path) = laws_file {
        let text = files::read_text(path)?;
        let more = Law::parse(&text)
            .map_err(|e| Fail::new(format!("cannot read laws `{}`: {e}", path.display())))?;
        all.extend(more);
    }
    let mut out = String::new();
    let space = Space::build(&[&engine], bounds.options());
    let sampled = files::sampling(&space, bounds)?;
    if let Some(line) = &sampled {
        say!(out, "{line}");
    }
    let (violations, stats) = laws::verify(&space, &engine, &all);
    say!(
        out,
        "{} laws ({} built in, {} from {}) and {} relations between requests, {} request classes of policy `{}` {} decided in {:.1} s",
        all.len(),
        builtin,
        all.len() - builtin,
        laws_file.map_or_else(|| "no file".to_owned(), |p| format!("`{}`", p.display())),
        RELATIONS.len(),
        stats.classes,
        engine.policy_id(),
        engine.policy_version(),
        stats.elapsed.as_secs_f64(),
    );
    if violations.is_empty() {
        if sampled.is_some() {
            say!(
                out,
                "no law is broken in the sample; the classes not decided may break one"
            );
            return files::emit_text(&out, ExitCode::from(SAMPLED_NOTHING_FOUND));
        }
        say!(out, "every law holds, and every relation between requests");
        return files::emit_text(&out, ExitCode::SUCCESS);
    }
    for v in &violations {
        let (what, description, source) = match all.iter().find(|l| l.id == v.law) {
            Some(law) => ("law", law.description.as_str(), law.source.as_deref()),
            None => match RELATIONS.iter().find(|r| r.id == v.law) {
                Some(r) => ("relation", r.description, Some(r.source)),
                None => continue,
            },
        };
        say!(out);
        let classes = if v.count == 1 { "class" } else { "classes" };
        say!(
            out,
            "{what} `{}` is broken by {} request {classes}",
            v.law,
            v.count
        );
        say!(out, "  {description}");
        if let Some(source) = source {
            say!(out, "  ({source})");
        }
        for doc in &v.examples {
            let decision = engine.decide_doc(doc);
            let rules: Vec<&str> = decision
                .reasons
                .iter()
                .filter_map(|r| r.rule.as_deref())
                .collect();
            say!(
                out,
                "  permitted{} by {}; reproduce with:",
                decision
                    .basis
                    .map(|b| format!(" on {b}"))
                    .unwrap_or_default(),
                if rules.is_empty() {
                    "no rule".to_owned()
                } else {
                    rules
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            );
            say!(
                out,
                "    {}",
                serde_json::to_string(doc).unwrap_or_default()
            );
        }
    }
    say!(out);
    let laws_word = if violations.len() == 1 { "law" } else { "laws" };
    say!(out, "{} {laws_word} broken", violations.len());
    files::emit_text(&out, ExitCode::from(FOUND_PROBLEMS))
}
