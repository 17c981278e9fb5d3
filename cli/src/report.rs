//! `lawful report [-p POLICY] [--format html|md] [-o FILE]`: the record of
//! processing activities, generated from the policy that decides requests:
//! one self-contained HTML file (inline styles, an inline SVG data-flow
//! picture, a print stylesheet, no network) or Markdown with the same
//! content and working links.
//!
//! Every text the policy supplies is escaped: in HTML as entities, in
//! Markdown with backslashes, so no policy can put markup in the record.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use lawful::analysis::Options;
use lawful::analysis::record::{
    Activity, Categories, ClauseRef, Destination, Leaf, Record, Row, Unnamed, mechanism_words,
    regime_words,
};
use lawful::policy::{Party, is_placeholder};
use lawful::subject::Regime;

use crate::files::{self, Fail};

mod svg;

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// One self-contained HTML file.
    Html,
    /// Markdown.
    Md,
}

/// Writes the record to `out` (stdout when `None`).
pub(crate) fn run(
    policy: Option<&Path>,
    format: Format,
    out: Option<&Path>,
) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let record = Record::build(&engine, Options::default());
    let today = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .date_naive()
        .to_string();
    let text = match format {
        Format::Html => html(&record, &today),
        Format::Md => markdown(&record, &today),
    };
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            Fail::new(format!(
                "cannot write `{}`: {}",
                path.display(),
                files::io_words(&e)
            ))
        })?,
        None => return files::emit(&text, ExitCode::SUCCESS),
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------
// Words both formats share.
// ---------------------------------------------------------------------------

/// The record's title, in the words of the regimes that govern it.
fn title(record: &Record) -> (&'static str, String) {
    let gdpr = record.regimes.contains(&Regime::Gdpr);
    let pipl = record.regimes.contains(&Regime::Pipl);
    match (gdpr, pipl) {
        (true, true) => (
            "Record of processing activities",
            "The record of processing activities of GDPR art. 30(1); for PIPL, the facts a personal information protection impact assessment (art. 55–56) starts from.".to_owned(),
        ),
        (false, true) => (
            "Record of personal information processing",
            "The facts a personal information protection impact assessment (PIPL art. 55–56) starts from: what is processed, why, for whom, how long and where.".to_owned(),
        ),
        _ => (
            "Record of processing activities",
            "The record of processing activities of GDPR art. 30(1).".to_owned(),
        ),
    }
}

/// Who the controller is, in the regimes' words.
fn controller_words(record: &Record) -> &'static str {
    let gdpr = record.regimes.contains(&Regime::Gdpr);
    let pipl = record.regimes.contains(&Regime::Pipl);
    match (gdpr, pipl) {
        (true, true) => "Controller (personal information handler)",
        (false, true) => "Personal information handler",
        _ => "Controller",
    }
}

fn dpo_words(record: &Record) -> &'static str {
    let gdpr = record.regimes.contains(&Regime::Gdpr);
    let pipl = record.regimes.contains(&Regime::Pipl);
    match (gdpr, pipl) {
        (true, true) => {
            "Data protection officer (person in charge of personal information protection)"
        }
        (false, true) => "Person in charge of personal information protection",
        _ => "Data protection officer",
    }
}

/// When the record was reviewed and approved, and by whom: (reviewed,
/// approval), each `None` when not given.
fn review(
    h: &lawful::analysis::record::Header,
) -> (Option<String>, Option<(String, Option<String>)>) {
    (
        h.updated.map(|d| d.to_string()),
        h.approved_by
            .clone()
            .map(|by| (by, h.approved_on.map(|d| d.to_string()))),
    )
}

/// What a mark means under the regimes that govern.
fn sensitive_words(record: &Record) -> &'static str {
    if record.regimes.contains(&Regime::Pipl) {
        "sensitive personal information (PIPL art. 28)"
    } else {
        "sensitive, as the policy marks it"
    }
}

fn special_words(record: &Record) -> &'static str {
    if record.regimes.contains(&Regime::Gdpr) {
        "special category of personal data (GDPR art. 9)"
    } else {
        "special category, as the policy marks it"
    }
}

fn regimes_words(record: &Record) -> String {
    record
        .regimes
        .iter()
        .map(|r| match r {
            Regime::Pipl => "PIPL (the subjects of its PRC jurisdictions, and whatever is stored in mainland China)",
            Regime::Gdpr => "GDPR (the subjects of its EEA jurisdictions, and whatever is stored in the EEA)",
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn storage_words(record: &Record) -> String {
    let s = &record.storage;
    let data = if record.regimes.contains(&Regime::Pipl) {
        "Personal information"
    } else {
        "Personal data"
    };
    let region = match s.region.as_str() {
        "EU" => "the EU".to_owned(),
        "EEA" => "the EEA".to_owned(),
        other => other.to_owned(),
    };
    let mut out = format!("{data} is stored in {region}");
    if s.localization {
        out.push_str(", and the policy commits to keep the data of subjects there");
    }
    out.push('.');
    for r in &s.outside {
        let (name, area) = regime_words(*r);
        let _ = write!(
            out,
            " {} is outside {area}: for {name} subjects, keeping their data there is a transfer abroad, for which the record names no mechanism of its own.",
            s.region
        );
    }
    out
}

fn children_words(a: &Activity) -> &'static str {
    if a.children {
        "children's data too (with the verified guardian's consent where the law requires it)"
    } else {
        "adults only"
    }
}

fn destination_words(d: &Destination) -> String {
    let mut parts = Vec::new();
    for t in &d.regimes {
        let (name, area) = regime_words(t.regime);
        let how = if t.mechanisms.is_empty() {
            "no mechanism named in the record".to_owned()
        } else {
            t.mechanisms
                .iter()
                .map(|m| mechanism_words(*m))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let storage = if t.storage {
            " (where the data is stored)"
        } else {
            ""
        };
        parts.push(format!("{name}: outside {area}{storage}, {how}"));
    }
    parts.join(". ")
}

fn decided_words(d: &Destination) -> String {
    match &d.decided {
        None => "The policy as written permits no transfer to it for this purpose: the rules refuse every request class.".to_owned(),
        Some(x) => {
            let mut s = format!(
                "Permitted by rule {} on {}",
                list_words(&x.rules.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>()),
                list_words(&x.bases.iter().cloned().collect::<Vec<_>>())
            );
            if x.children {
                s.push_str("; children's data included");
            }
            s.push('.');
            s
        }
    }
}

fn unnamed_words(u: &Unnamed) -> Vec<String> {
    let mut lines = Vec::new();
    for (regime, mechanisms) in &u.regimes {
        let (name, area) = regime_words(*regime);
        let how = if mechanisms.is_empty() {
            "no mechanism".to_owned()
        } else {
            mechanisms
                .iter()
                .map(|m| mechanism_words(*m))
                .collect::<Vec<_>>()
                .join("; ")
        };
        lines.push(format!("{name}: to recipients outside {area}, with {how}."));
    }
    let d = &u.decided;
    let mut s = format!(
        "Permitted by rule {} on {}",
        list_words(&d.rules.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>()),
        list_words(&d.bases.iter().cloned().collect::<Vec<_>>())
    );
    if d.children {
        s.push_str("; children's data included");
    }
    s.push('.');
    lines.push(s);
    lines
}

fn sampled_words(n: u64) -> String {
    format!(
        "the policy's request space is past the limit of counsel's tools, so the transfers abroad were found by deciding one request class in {n}: some may be missing from this record"
    )
}

fn never_actions(r: &Row) -> String {
    if r.actions.len() == lawful::Action::ALL.len() {
        "any action".to_owned()
    } else {
        r.actions.join(", ")
    }
}

fn never_recipients(r: &Row) -> String {
    if r.recipients.is_empty() {
        "any, or none".to_owned()
    } else {
        r.recipients.join(", ")
    }
}

fn list_words(items: &[String]) -> String {
    match items {
        [] => "—".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The leaf's marks: ★ sensitive, ◆ special.
fn marks(leaf: &Leaf) -> (bool, bool) {
    (leaf.sensitive, leaf.special)
}

fn party_lines(p: &Party) -> Vec<(&'static str, &str)> {
    let mut out = Vec::new();
    if let Some(v) = p.name() {
        out.push(("name", v));
    }
    if let Some(v) = p.address() {
        out.push(("address", v));
    }
    if let Some(v) = p.contact() {
        out.push(("contact", v));
    }
    if let Some(v) = p.note() {
        out.push(("note", v));
    }
    out
}

// ---------------------------------------------------------------------------
// HTML.
// ---------------------------------------------------------------------------

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text with `code` spans (between backticks) as `<code>`, escaped.
fn esc_code(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// A value, marked when it is a placeholder to fill in.
fn value_html(v: &str) -> String {
    if is_placeholder(v) {
        format!(
            "<span class=\"placeholder\" title=\"to be filled in\">{}</span>",
            esc(v)
        )
    } else {
        esc(v)
    }
}

fn clause_link(c: &ClauseRef) -> String {
    format!("<a href=\"#{}\">{}</a>", esc(&c.anchor), esc(&c.heading))
}

fn leaf_html(record: &Record, leaf: &Leaf) -> String {
    let (sensitive, special) = marks(leaf);
    let mut s = format!("<span class=\"leaf\" data-leaf=\"{}\">", esc(&leaf.name));
    if sensitive || special {
        let _ = write!(s, "<span class=\"marked\">{}</span>", esc(&leaf.name));
    } else {
        s.push_str(&esc(&leaf.name));
    }
    if sensitive {
        let _ = write!(
            s,
            "&nbsp;<span class=\"sensitive\" title=\"{}\">★</span>",
            esc(sensitive_words(record))
        );
    }
    if special {
        let _ = write!(
            s,
            "&nbsp;<span class=\"special\" title=\"{}\">◆</span>",
            esc(special_words(record))
        );
    }
    s.push_str("</span>");
    s
}

/// Categories in a table cell: every category (and what is withheld), or
/// the leaves grouped by their top-level group.
fn categories_html(record: &Record, c: &Categories) -> String {
    let mut s = String::new();
    if c.every {
        s.push_str("<strong>every category</strong>");
    } else {
        let mut groups: Vec<(String, Vec<&Leaf>)> = Vec::new();
        for leaf in &c.leaves {
            let g = leaf.name.split('.').next().unwrap_or(&leaf.name).to_owned();
            match groups.iter_mut().find(|(x, _)| *x == g) {
                Some((_, v)) => v.push(leaf),
                None => groups.push((g, vec![leaf])),
            }
        }
        let parts: Vec<String> = groups
            .iter()
            .map(|(_, leaves)| {
                leaves
                    .iter()
                    .map(|l| leaf_html(record, l))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        s.push_str(&parts.join("; "));
    }
    if !c.withheld.is_empty() {
        let w: Vec<String> = c
            .withheld
            .iter()
            .map(|(n, why)| format!("<code>{}</code> ({})", esc(n), esc(why)))
            .collect();
        let _ = write!(s, "<div class=\"withheld\">but not: {}</div>", w.join(", "));
    }
    if s.is_empty() {
        s.push('—');
    }
    s
}

/// An activity's categories of personal data: every leaf, each marked; or,
/// when it is every category, the marked ones named.
fn personal_data_html(record: &Record, c: &Categories) -> String {
    if !c.every {
        return categories_html(record, c);
    }
    let marked: Vec<String> = c
        .leaves
        .iter()
        .filter(|l| l.sensitive || l.special)
        .map(|l| leaf_html(record, l))
        .collect();
    format!(
        "<strong>every category</strong> of the policy (<a href=\"#categories\">Categories</a>){}",
        if marked.is_empty() {
            String::new()
        } else {
            format!(", among them {}", marked.join(", "))
        }
    )
}

fn rows_html(out: &mut String, record: &Record, rows: &[Row], purposes: bool) {
    out.push_str("<table class=\"rules\"><thead><tr><th>Rule</th>");
    if purposes {
        out.push_str("<th>Purposes</th>");
    }
    out.push_str("<th>Actions</th><th>Categories</th><th>Bases</th><th>Recipients</th><th>Whose data</th><th>Kept</th><th>Clause</th></tr></thead><tbody>\n");
    for r in rows {
        let _ = write!(
            out,
            "<tr data-rule=\"{}\"><td><code>{}</code>{}</td>",
            esc(&r.rule),
            esc(&r.rule),
            r.description
                .as_deref()
                .map(|d| format!("<div class=\"desc\">{}</div>", esc(d)))
                .unwrap_or_default()
        );
        if purposes {
            let p = if r.every_purpose {
                "every purpose".to_owned()
            } else {
                r.purposes
                    .iter()
                    .map(|p| format!("<code>{}</code>", esc(p)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = write!(out, "<td class=\"purposes\">{p}</td>");
        }
        let recipients = if r.recipients.is_empty() {
            "— (kept by the controller)".to_owned()
        } else {
            r.recipients
                .iter()
                .map(|x| value_html(x))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let _ = writeln!(
            out,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.actions.join(", ")),
            categories_html(record, &r.categories),
            esc(&if r.bases.is_empty() {
                "—".to_owned()
            } else {
                r.bases.join(", ")
            }),
            recipients,
            esc(&r.subjects),
            esc(&r.retention),
            clause_link(&r.clause),
        );
    }
    out.push_str("</tbody></table>\n");
}

fn party_html(out: &mut String, label: &str, party: Option<&Party>, class: &str) {
    let _ = write!(out, "<tr class=\"{class}\"><th>{}</th><td>", esc(label));
    match party {
        None => out.push_str("<span class=\"missing\">not given in the policy</span>"),
        Some(p) => {
            let lines: Vec<String> = party_lines(p)
                .into_iter()
                .map(|(k, v)| format!("<div class=\"{k}\">{}</div>", value_html(v)))
                .collect();
            out.push_str(&lines.join(""));
        }
    }
    out.push_str("</td></tr>\n");
}

fn destinations_html(record: &Record, a: &Activity) -> String {
    let mut s = String::new();
    for d in &a.destinations {
        let _ = write!(
            s,
            "<div class=\"destination\" data-country=\"{}\"><strong class=\"country\">{}</strong> — {}: {}. <span class=\"decided\">{}</span></div>",
            esc(&d.country),
            esc(&d.country),
            d.recipients
                .iter()
                .map(|r| value_html(r))
                .collect::<Vec<_>>()
                .join(", "),
            esc(&destination_words(d)),
            esc_code(&decided_words(d)),
        );
    }
    if let Some(u) = &a.unnamed_abroad {
        let lines: Vec<String> = unnamed_words(u).iter().map(|l| esc_code(l)).collect();
        let _ = write!(
            s,
            "<div class=\"unnamed\"><strong>To recipients the record does not name:</strong> {}</div>",
            lines.join(" ")
        );
    }
    if s.is_empty() {
        if a.purpose.is_some() && record.general.unnamed_abroad.is_some() {
            s.push_str("None of its own; see <a href=\"#every-purpose\">every purpose</a>.");
        } else {
            s.push_str("None.");
        }
    }
    s
}

fn activity_fields_html(out: &mut String, record: &Record, a: &Activity) {
    out.push_str("<table class=\"fields\"><tbody>\n");
    if let Some(p) = &a.purpose {
        let mut purpose = format!("<code>{}</code>", esc(p));
        if let Some(d) = &a.description {
            let _ = write!(purpose, " — {}", esc(d));
        }
        if let Some(c) = &a.clause {
            let _ = write!(purpose, " <span class=\"note\">({})</span>", clause_link(c));
        }
        for n in &a.notes {
            let _ = write!(purpose, "<div class=\"note\">{}</div>", esc(n));
        }
        let _ = writeln!(
            out,
            "<tr><th>Purpose <span class=\"art\">(b)</span></th><td>{purpose}</td></tr>"
        );
    }
    let subjects = if a.subjects.is_empty() {
        "—".to_owned()
    } else {
        a.subjects
            .iter()
            .map(|s| esc(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "<tr class=\"subjects\"><th>Data subjects <span class=\"art\">(c)</span></th><td>{subjects}; {}</td></tr>",
        esc(children_words(a))
    );
    let _ = writeln!(
        out,
        "<tr class=\"data\"><th>Personal data <span class=\"art\">(c)</span></th><td>{}</td></tr>",
        personal_data_html(record, &a.categories)
    );
    let mut recipients: Vec<String> = Vec::new();
    for r in &a.rows {
        for x in &r.recipients {
            let v = value_html(x);
            if !recipients.contains(&v) {
                recipients.push(v);
            }
        }
    }
    let _ = writeln!(
        out,
        "<tr class=\"recipients\"><th>Recipients <span class=\"art\">(d)</span></th><td>{}</td></tr>",
        if recipients.is_empty() {
            "none of its own (kept by the controller)".to_owned()
        } else {
            recipients.join("; ")
        }
    );
    let _ = writeln!(
        out,
        "<tr class=\"destinations\"><th>Transfers abroad <span class=\"art\">(e)</span></th><td>{}</td></tr>",
        destinations_html(record, a)
    );
    let kept: Vec<String> = a
        .rows
        .iter()
        .map(|r| format!("<code>{}</code>: {}", esc(&r.rule), esc(&r.retention)))
        .collect();
    let _ = writeln!(
        out,
        "<tr><th>Erasure <span class=\"art\">(f)</span></th><td>{}</td></tr>",
        if kept.is_empty() {
            "—".to_owned()
        } else {
            kept.join("; ")
        }
    );
    let mut obligations: Vec<&str> = a
        .rows
        .iter()
        .flat_map(|r| r.obligations.iter().map(String::as_str))
        .collect();
    obligations.sort_unstable();
    obligations.dedup();
    let _ = writeln!(
        out,
        "<tr><th>Security <span class=\"art\">(g)</span></th><td>the <a href=\"#overview-security\">security measures</a>{}</td></tr>",
        if obligations.is_empty() {
            String::new()
        } else {
            format!("; the rules add {}", esc(&obligations.join(", ")))
        }
    );
    out.push_str("</tbody></table>\n");
}

const STYLE: &str = r#"
:root { --ink: #1d2329; --muted: #5b6670; --line: #d5dbe0; --accent: #1f5f8b; --warn: #a4332a; --abroad: #c77c0e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 24px 32px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 22px 0 6px; }
.meta, .desc, .note, .art { color: var(--muted); }
.desc { font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef2f5; }
table.fields th { width: 190px; }
code { font-size: 12px; }
a { color: var(--accent); }
.marked { font-weight: 600; }
.sensitive, .special { color: var(--warn); font-weight: 600; }
.placeholder { background: #fff1c2; outline: 1px dashed #c9a227; }
.missing { color: var(--warn); }
.todo { background: #fff8e1; border-left: 3px solid #c9a227; padding: 6px 10px; margin: 10px 0; }
.withheld { color: var(--muted); font-size: 11.5px; }
.destination, .unnamed { background: #fff6e5; border-left: 3px solid var(--abroad); padding: 4px 8px; margin: 3px 0; }
.clause-text p { margin: 2px 0 6px; }
dt { font-weight: 600; margin-top: 10px; }
.flow { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fbfcfd; }
.flow .col { font-weight: 700; font-size: 12px; fill: var(--muted); }
.flow .edge { stroke: #8fa9bd; stroke-width: 1.2; }
.flow .edge.abroad { stroke: var(--abroad); stroke-width: 1.8; }
.flow .band { fill: none; stroke: #e3e8ec; }
.flow .node rect { fill: #fff; stroke: #7d93a5; }
.flow .node.purpose rect { fill: #e6f0f7; }
.flow .node.data rect { fill: #f4f6f8; }
.flow .node.country.abroad rect { fill: #fff2d9; stroke: var(--abroad); }
.flow .node.country.unknown rect { stroke-dasharray: 4 3; }
.flow .node text { font-size: 11px; fill: var(--ink); }
nav ol { columns: 2; font-size: 13px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  a { color: inherit; text-decoration: none; }
  h2, h3 { break-after: avoid; }
  tr, .destination, svg { break-inside: avoid; }
  nav { display: none; }
  @page { size: A4 landscape; margin: 12mm; }
}
"#;

/// The page records its layout when its script runs: the number of
/// activities, and where the picture and each section are, for the
/// browser test.
const SCRIPT: &str = r"<script>(function(){var b=document.body;var n=document.querySelectorAll('section.activity').length;var r=function(e){var x=e.getBoundingClientRect();return [Math.round(x.left+window.scrollX),Math.round(x.top+window.scrollY),Math.round(x.width),Math.round(x.height)];};var l={flow:r(document.querySelector('svg.flow')),sections:{}};document.querySelectorAll('body > section[id]').forEach(function(s){l.sections[s.id]=r(s);});b.setAttribute('data-layout',JSON.stringify(l));b.setAttribute('data-ready',String(n));})();</script>";

#[expect(
    clippy::too_many_lines,
    reason = "one document, section by section, in reading order"
)]
fn html(record: &Record, today: &str) -> String {
    let h = &record.header;
    let name = h.title.clone().unwrap_or_else(|| h.id.clone());
    let (heading, regime_line) = title(record);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{heading} — {}</title><style>{STYLE}</style></head><body>\n",
        esc(&name)
    );
    let _ = writeln!(
        out,
        "<header><h1>{heading}</h1><p class=\"meta\">{} — policy <code>{}</code>, version <code>{}</code>. {}</p>",
        esc(&name),
        esc(&h.id),
        esc(&h.version),
        esc(&regime_line)
    );
    out.push_str("<table class=\"parties\"><tbody>\n");
    party_html(
        &mut out,
        controller_words(record),
        h.controller.as_ref(),
        "controller",
    );
    if record.regimes.contains(&Regime::Gdpr) {
        party_html(
            &mut out,
            "Representative in the Union (GDPR art. 27)",
            h.representative.as_ref(),
            "representative",
        );
    }
    party_html(&mut out, dpo_words(record), h.dpo.as_ref(), "dpo");
    let (reviewed, approval) = review(h);
    let _ = writeln!(
        out,
        "<tr class=\"review\"><th>Review and approval</th><td>{}; {}.</td></tr>",
        reviewed.map_or_else(
            || "<span class=\"missing\">no review date given</span>".to_owned(),
            |d| format!("Last reviewed {d}")
        ),
        match approval {
            None => "<span class=\"missing\">no approval recorded</span>".to_owned(),
            Some((by, on)) => format!(
                "approved by {}{}",
                value_html(&by),
                on.map_or_else(
                    || " <span class=\"missing\">(no date given)</span>".to_owned(),
                    |d| format!(" on {d}")
                )
            ),
        }
    );
    let _ = writeln!(
        out,
        "<tr class=\"generated\"><th>Generated</th><td>{} by lawful {} from the policy that decides requests: what it says is what is enforced.</td></tr>",
        esc(today),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("</tbody></table>\n");
    if let Some(n) = record.sampled {
        let _ = writeln!(
            out,
            "<div class=\"todo\" id=\"sampled\"><strong>Sampled:</strong> {}</div>",
            esc(&sampled_words(n))
        );
    }
    if !record.placeholders.is_empty() {
        let items: Vec<String> = record
            .placeholders
            .iter()
            .map(|(w, v)| format!("<li>{}: {}</li>", esc_code(w), value_html(v)))
            .collect();
        let _ = writeln!(
            out,
            "<div class=\"todo\" id=\"to-complete\"><strong>To complete before signing ({}):</strong><ul>{}</ul></div>",
            record.placeholders.len(),
            items.join("")
        );
    }
    out.push_str("</header>\n<nav><h2>Contents</h2><ol><li><a href=\"#overview\">Regimes, storage, subjects, security</a></li><li><a href=\"#flow\">Data flow</a></li>");
    for a in &record.activities {
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            esc(&a.anchor),
            esc(a.purpose.as_deref().unwrap_or(""))
        );
    }
    out.push_str("<li><a href=\"#every-purpose\">Every purpose</a></li><li><a href=\"#never\">Never</a></li><li><a href=\"#children\">Children</a></li><li><a href=\"#rights\">Rights and retention</a></li><li><a href=\"#categories\">Categories</a></li><li><a href=\"#clauses\">Clauses</a></li></ol></nav>\n");

    out.push_str("<section id=\"overview\"><h2>Regimes, storage, subjects, security</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"regimes\"><strong>Governed by:</strong> {}.</p><p class=\"storage\">{}</p>",
        esc(&regimes_words(record)),
        esc(&storage_words(record))
    );
    out.push_str("<h3>Categories of data subjects</h3><ul class=\"subject-groups\">");
    if record.header.subjects.is_empty() {
        out.push_str("<li class=\"missing\">not given in the policy</li>");
    }
    for (n, d) in &record.header.subjects {
        let _ = write!(
            out,
            "<li><strong>{}</strong>{}</li>",
            esc(n),
            d.as_deref()
                .map(|d| format!(": {}", esc(d)))
                .unwrap_or_default()
        );
    }
    out.push_str("</ul>\n<h3 id=\"overview-security\">Security measures <span class=\"art\">(art. 30(1)(g))</span></h3><ul class=\"security\">");
    if h.security_measures.is_empty() {
        out.push_str("<li class=\"missing\">not given in the policy</li>");
    }
    for m in &h.security_measures {
        let _ = write!(out, "<li>{}</li>", value_html(m));
    }
    out.push_str("</ul></section>\n");

    out.push_str("<section id=\"flow\"><h2>Data flow</h2>\n");
    out.push_str(&svg::picture(record));
    out.push_str("<p class=\"note\">Each purpose, the categories of data its rules cover, who receives them and in which country. Orange: outside the area of a regime that governs the data. The rules for every purpose, if any, come first.</p></section>\n");

    out.push_str("<h2>Processing activities</h2><p class=\"note\">One per purpose, with the fields of GDPR art. 30(1)(b)–(g); the controller and the DPO of (a) are above. Marks: ★ ");
    out.push_str(&esc(sensitive_words(record)));
    out.push_str("; ◆ ");
    out.push_str(&esc(special_words(record)));
    out.push_str(".</p>\n");
    for a in &record.activities {
        let _ = writeln!(
            out,
            "<section class=\"activity\" id=\"{}\" data-purpose=\"{}\"><h3>{}</h3>",
            esc(&a.anchor),
            esc(a.purpose.as_deref().unwrap_or("")),
            esc(a.purpose.as_deref().unwrap_or(""))
        );
        activity_fields_html(&mut out, record, a);
        if a.rows.is_empty() {
            out.push_str("<p class=\"note\">No rule of its own: only the rules for <a href=\"#every-purpose\">every purpose</a> apply.</p>");
        } else {
            rows_html(&mut out, record, &a.rows, false);
        }
        out.push_str("</section>\n");
    }
    out.push_str("<section id=\"every-purpose\" class=\"general\"><h2>Every purpose</h2><p class=\"note\">These rules apply whatever the purpose.</p>\n");
    activity_fields_html(&mut out, record, &record.general);
    rows_html(&mut out, record, &record.general.rows, false);
    out.push_str("</section>\n");

    out.push_str("<section id=\"never\"><h2>Never</h2><p class=\"note\">Deny rules: whatever else permits, these are refused.</p>\n");
    if record.never.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        out.push_str("<table class=\"never\"><thead><tr><th>Rule</th><th>For purposes</th><th>Actions</th><th>Categories</th><th>Whose data</th><th>Recipients</th><th>Clause</th></tr></thead><tbody>\n");
        for n in &record.never {
            let r = &n.row;
            let purposes = if r.every_purpose {
                "every purpose".to_owned()
            } else {
                r.purposes
                    .iter()
                    .map(|p| format!("<code>{}</code>", esc(p)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "<tr data-rule=\"{}\"><td><code>{}</code>{}</td><td class=\"purposes\">{purposes}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.rule),
                esc(&r.rule),
                r.description
                    .as_deref()
                    .map(|d| format!("<div class=\"desc\">{}</div>", esc(d)))
                    .unwrap_or_default(),
                esc(&never_actions(r)),
                categories_html(record, &r.categories),
                esc(&r.subjects),
                esc(&never_recipients(r)),
                clause_link(&r.clause)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"children\"><h2>Children</h2><table class=\"ages\"><thead><tr><th>A child is younger than</th><th>Regime</th><th>Jurisdictions</th><th>Law</th></tr></thead><tbody>");
    for c in &record.child_ages {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.age,
            c.regime.map_or("—", |r| regime_words(r).0),
            esc(&c.jurisdictions.join(", ")),
            esc(&c.laws.join("; "))
        );
    }
    out.push_str("</tbody></table>\n");
    if record.regimes.contains(&Regime::Pipl) {
        out.push_str("<p class=\"note\">Under PIPL all of a child's personal information is sensitive (art. 28, 31): the verified guardian's separate consent, encryption, minimal access, and an assessment before it reaches anyone but the guardian (CAC-2019).</p>");
    }
    out.push_str("<h3>Rules for children only</h3>");
    if record.child_rows.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        rows_html(&mut out, record, &record.child_rows, true);
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"rights\"><h2>Rights and retention</h2><ul>");
    for (regime, line) in &record.rights {
        let label = regime.map(|r| format!("<strong>{}</strong>: ", regime_words(r).0));
        let _ = write!(out, "<li>{}{}</li>", label.unwrap_or_default(), esc(line));
    }
    for line in &record.retention {
        let _ = write!(out, "<li>{}</li>", esc(line));
    }
    out.push_str("</ul>\n");
    for c in [&record.rights_clause, &record.retention_clause]
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "<p class=\"note\">Clause: {}</p>", clause_link(c));
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"categories\"><h2>Categories</h2><table class=\"categories\"><thead><tr><th>Category</th><th>Marks</th><th>Description</th><th>Clause</th></tr></thead><tbody>");
    for leaf in &record.categories {
        let mut flags: Vec<String> = Vec::new();
        if leaf.sensitive {
            flags.push(format!("★ {}", sensitive_words(record)));
        }
        if leaf.special {
            flags.push(format!("◆ {}", special_words(record)));
        }
        if leaf.never_provided {
            flags.push("never given out".to_owned());
        }
        if !leaf.only_for.is_empty() {
            flags.push(format!("only for {}", leaf.only_for.join(", ")));
        }
        if leaf.unique_identifier {
            flags.push("unique identifier".to_owned());
        } else if leaf.device_or_log {
            flags.push("device or log information".to_owned());
        }
        if leaf.terminal {
            flags.push("read from the terminal".to_owned());
        }
        let _ = write!(
            out,
            "<tr data-leaf=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&leaf.name),
            leaf_html(record, leaf),
            esc(&flags.join("; ")),
            esc(leaf.description.as_deref().unwrap_or("")),
            leaf.clause.as_ref().map(clause_link).unwrap_or_default()
        );
    }
    out.push_str("</tbody></table></section>\n");

    out.push_str("<section id=\"clauses\"><h2>Clauses</h2><p class=\"note\">Each clause of the privacy policy the record cites, in its own words, and what encodes it.</p><dl>");
    for c in &record.clauses {
        let _ = write!(
            out,
            "<dt id=\"{}\">{}</dt><dd>",
            esc(&c.anchor),
            esc(&c.heading)
        );
        match &c.text {
            Some(text) => {
                out.push_str("<div class=\"clause-text\">");
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let _ = write!(out, "<p>{}</p>", esc(line.trim()));
                }
                out.push_str("</div>");
            }
            None => {
                out.push_str("<p class=\"missing\">The policy gives no text for this clause.</p>");
            }
        }
        let mut by: Vec<String> = c
            .rules
            .iter()
            .map(|r| format!("rule <code>{}</code>", esc(r)))
            .collect();
        by.extend(c.others.iter().map(|o| esc_code(o)));
        if !by.is_empty() {
            let _ = write!(out, "<p class=\"note\">Encoded by {}.</p>", by.join(", "));
        }
        out.push_str("</dd>");
    }
    out.push_str("</dl></section>\n");
    out.push_str(SCRIPT);
    out.push_str("\n</body></html>\n");
    out
}

// ---------------------------------------------------------------------------
// Markdown: the same content; every text escaped, anchors as `<a id>`.
// ---------------------------------------------------------------------------

/// Escapes text for Markdown: ASCII punctuation that could start markup,
/// and what would make a line a list, a heading or a quote.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut at_start = true;
    let mut digits_only = true;
    for c in s.chars() {
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!' | '{'
            | '}' | '$' => true,
            '-' | '+' | '=' => at_start,
            '.' | ')' => digits_only && !at_start,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        if c == '\n' || c == '\r' {
            out.push(' ');
        } else {
            out.push(c);
        }
        digits_only &= c.is_ascii_digit();
        at_start = false;
    }
    out
}

/// Text with `code` spans kept, the rest escaped.
fn md_code(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&code(part));
        } else {
            out.push_str(&md(part));
        }
    }
    out
}

/// A code span, or escaped text when the value could break out of one.
fn code(s: &str) -> String {
    if s.is_empty() || s.contains(['`', '|', '\n', '\r']) {
        md(s)
    } else {
        format!("`{s}`")
    }
}

fn md_value(v: &str) -> String {
    if is_placeholder(v) {
        format!("**{}**", md(v))
    } else {
        md(v)
    }
}

fn md_clause(c: &ClauseRef) -> String {
    format!("[{}](#{})", md(&c.heading), c.anchor)
}

fn md_leaf(leaf: &Leaf) -> String {
    let (sensitive, special) = marks(leaf);
    let mut s = code(&leaf.name);
    if sensitive {
        s.push_str(" ★");
    }
    if special {
        s.push_str(" ◆");
    }
    s
}

fn md_categories(c: &Categories) -> String {
    let mut s = String::new();
    if c.every {
        s.push_str("**every category**");
    } else {
        s.push_str(&c.leaves.iter().map(md_leaf).collect::<Vec<_>>().join(", "));
    }
    if !c.withheld.is_empty() {
        let w: Vec<String> = c
            .withheld
            .iter()
            .map(|(n, why)| format!("{} ({})", code(n), md(why)))
            .collect();
        let _ = write!(s, "; but not {}", w.join(", "));
    }
    if s.is_empty() {
        s.push('—');
    }
    s
}

fn md_personal_data(c: &Categories) -> String {
    if !c.every {
        return md_categories(c);
    }
    let marked: Vec<String> = c
        .leaves
        .iter()
        .filter(|l| l.sensitive || l.special)
        .map(md_leaf)
        .collect();
    format!(
        "**every category** of the policy ([Categories](#categories)){}",
        if marked.is_empty() {
            String::new()
        } else {
            format!(", among them {}", marked.join(", "))
        }
    )
}

fn md_rows(out: &mut String, rows: &[Row], purposes: bool) {
    out.push_str("| Rule |");
    if purposes {
        out.push_str(" Purposes |");
    }
    out.push_str(
        " Actions | Categories | Bases | Recipients | Whose data | Kept | Clause |\n|---|",
    );
    if purposes {
        out.push_str("---|");
    }
    out.push_str("---|---|---|---|---|---|---|\n");
    for r in rows {
        let _ = write!(out, "| {} |", code(&r.rule));
        if purposes {
            let p = if r.every_purpose {
                "every purpose".to_owned()
            } else {
                r.purposes
                    .iter()
                    .map(|p| code(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = write!(out, " {p} |");
        }
        let recipients = if r.recipients.is_empty() {
            "— (kept by the controller)".to_owned()
        } else {
            r.recipients
                .iter()
                .map(|x| md_value(x))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let _ = writeln!(
            out,
            " {} | {} | {} | {} | {} | {} | {} |",
            md(&r.actions.join(", ")),
            md_categories(&r.categories),
            md(&if r.bases.is_empty() {
                "—".to_owned()
            } else {
                r.bases.join(", ")
            }),
            recipients,
            md(&r.subjects),
            md(&r.retention),
            md_clause(&r.clause)
        );
    }
    out.push('\n');
}

fn md_party(out: &mut String, label: &str, party: Option<&Party>) {
    let _ = write!(out, "- **{}**: ", md(label));
    match party {
        None => out.push_str("not given in the policy\n"),
        Some(who) => {
            let fields: Vec<String> = party_lines(who)
                .into_iter()
                .map(|(k, v)| format!("{k}: {}", md_value(v)))
                .collect();
            let _ = writeln!(out, "{}", fields.join("; "));
        }
    }
}

fn md_activity(out: &mut String, a: &Activity, record: &Record) {
    if let Some(p) = &a.purpose {
        let mut purpose = code(p);
        if let Some(d) = &a.description {
            let _ = write!(purpose, " — {}", md(d));
        }
        if let Some(c) = &a.clause {
            let _ = write!(purpose, " ({})", md_clause(c));
        }
        for n in &a.notes {
            let _ = write!(purpose, "; {}", md(n));
        }
        let _ = writeln!(out, "- **Purpose** (b): {purpose}");
    }
    let _ = writeln!(
        out,
        "- **Data subjects** (c): {}; {}",
        if a.subjects.is_empty() {
            "—".to_owned()
        } else {
            a.subjects
                .iter()
                .map(|s| md(s))
                .collect::<Vec<_>>()
                .join(", ")
        },
        md(children_words(a))
    );
    let _ = writeln!(
        out,
        "- **Personal data** (c): {}",
        md_personal_data(&a.categories)
    );
    let mut recipients: Vec<String> = Vec::new();
    for r in &a.rows {
        for x in &r.recipients {
            let v = md_value(x);
            if !recipients.contains(&v) {
                recipients.push(v);
            }
        }
    }
    let _ = writeln!(
        out,
        "- **Recipients** (d): {}",
        if recipients.is_empty() {
            "none of its own (kept by the controller)".to_owned()
        } else {
            recipients.join("; ")
        }
    );
    md_transfers(out, a, record);
    let kept: Vec<String> = a
        .rows
        .iter()
        .map(|r| format!("{}: {}", code(&r.rule), md(&r.retention)))
        .collect();
    let _ = writeln!(
        out,
        "- **Erasure** (f): {}",
        if kept.is_empty() {
            "—".to_owned()
        } else {
            kept.join("; ")
        }
    );
    let mut obligations: Vec<&str> = a
        .rows
        .iter()
        .flat_map(|r| r.obligations.iter().map(String::as_str))
        .collect();
    obligations.sort_unstable();
    obligations.dedup();
    let _ = writeln!(
        out,
        "- **Security** (g): the [security measures](#overview-security){}\n",
        if obligations.is_empty() {
            String::new()
        } else {
            format!("; the rules add {}", md(&obligations.join(", ")))
        }
    );
}

fn md_transfers(out: &mut String, a: &Activity, record: &Record) {
    out.push_str("- **Transfers abroad** (e):");
    let mut any = false;
    for d in &a.destinations {
        any = true;
        let _ = write!(
            out,
            "\n  - **{}** — {}: {}. {}",
            md(&d.country),
            d.recipients
                .iter()
                .map(|r| md_value(r))
                .collect::<Vec<_>>()
                .join(", "),
            md(&destination_words(d)),
            md_code(&decided_words(d))
        );
    }
    if let Some(u) = &a.unnamed_abroad {
        any = true;
        let lines: Vec<String> = unnamed_words(u).iter().map(|l| md_code(l)).collect();
        let _ = write!(
            out,
            "\n  - To recipients the record does not name: {}",
            lines.join(" ")
        );
    }
    if !any {
        if a.purpose.is_some() && record.general.unnamed_abroad.is_some() {
            out.push_str(" none of its own; see [every purpose](#every-purpose).");
        } else {
            out.push_str(" none.");
        }
    }
    out.push('\n');
}

fn md_flow(out: &mut String, record: &Record) {
    let bands = std::iter::once(&record.general).chain(&record.activities);
    for a in bands {
        if a.flows.is_empty() {
            continue;
        }
        let name = a
            .purpose
            .as_deref()
            .map_or_else(|| "every purpose".to_owned(), code);
        let _ = writeln!(out, "- [{}](#{}):", name, a.anchor);
        for f in &a.flows {
            let _ = writeln!(out, "  - {}", md(&svg::flow_words(f)));
        }
    }
    out.push('\n');
}

#[expect(
    clippy::too_many_lines,
    reason = "one document, section by section, in reading order"
)]
fn markdown(record: &Record, today: &str) -> String {
    let h = &record.header;
    let name = h.title.clone().unwrap_or_else(|| h.id.clone());
    let (heading, regime_line) = title(record);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {heading}\n\n{} — policy {}, version {}. {}\n",
        md(&name),
        code(&h.id),
        code(&h.version),
        md(&regime_line)
    );
    md_party(&mut out, controller_words(record), h.controller.as_ref());
    if record.regimes.contains(&Regime::Gdpr) {
        md_party(
            &mut out,
            "Representative in the Union (GDPR art. 27)",
            h.representative.as_ref(),
        );
    }
    md_party(&mut out, dpo_words(record), h.dpo.as_ref());
    let (reviewed, approval) = review(h);
    let _ = writeln!(
        out,
        "- **Review and approval**: {}; {}.",
        reviewed.map_or_else(
            || "no review date given".to_owned(),
            |d| format!("last reviewed {d}")
        ),
        match approval {
            None => "no approval recorded".to_owned(),
            Some((by, on)) => format!(
                "approved by {}{}",
                md_value(&by),
                on.map_or_else(|| " (no date given)".to_owned(), |d| format!(" on {d}"))
            ),
        }
    );
    let _ = writeln!(
        out,
        "- **Generated**: {} by lawful {} from the policy that decides requests: what it says is what is enforced.\n",
        md(today),
        env!("CARGO_PKG_VERSION")
    );
    if let Some(n) = record.sampled {
        let _ = writeln!(out, "**Sampled:** {}\n", md(&sampled_words(n)));
    }
    if !record.placeholders.is_empty() {
        let _ = writeln!(
            out,
            "<a id=\"to-complete\"></a>**To complete before signing ({}):**\n",
            record.placeholders.len()
        );
        for (w, v) in &record.placeholders {
            let _ = writeln!(out, "- {}: {}", md_code(w), md_value(v));
        }
        out.push('\n');
    }
    out.push_str("## Contents\n\n- [Regimes, storage, subjects, security](#overview)\n- [Data flow](#flow)\n");
    for a in &record.activities {
        let _ = writeln!(
            out,
            "- [{}](#{})",
            md(a.purpose.as_deref().unwrap_or("")),
            a.anchor
        );
    }
    out.push_str("- [Every purpose](#every-purpose)\n- [Never](#never)\n- [Children](#children)\n- [Rights and retention](#rights)\n- [Categories](#categories)\n- [Clauses](#clauses)\n\n");

    let _ = writeln!(
        out,
        "<a id=\"overview\"></a>\n\n## Regimes, storage, subjects, security\n\n**Governed by:** {}.\n\n{}\n\n### Categories of data subjects\n",
        md(&regimes_words(record)),
        md(&storage_words(record))
    );
    if h.subjects.is_empty() {
        out.push_str("- not given in the policy\n");
    }
    for (n, d) in &h.subjects {
        let _ = writeln!(
            out,
            "- **{}**{}",
            md(n),
            d.as_deref()
                .map(|d| format!(": {}", md(d)))
                .unwrap_or_default()
        );
    }
    out.push_str("\n<a id=\"overview-security\"></a>\n\n### Security measures (art. 30(1)(g))\n\n");
    if h.security_measures.is_empty() {
        out.push_str("- not given in the policy\n");
    }
    for m in &h.security_measures {
        let _ = writeln!(out, "- {}", md_value(m));
    }
    out.push_str("\n<a id=\"flow\"></a>\n\n## Data flow\n\nEach purpose, the categories of data its rules cover, who receives them and in which country; *abroad* where the country is outside the area of a regime that governs the data.\n\n");
    md_flow(&mut out, record);

    let _ = writeln!(
        out,
        "## Processing activities\n\nOne per purpose, with the fields of GDPR art. 30(1)(b)–(g); the controller and the DPO of (a) are above. Marks: ★ {}; ◆ {}.\n",
        md(sensitive_words(record)),
        md(special_words(record))
    );
    for a in &record.activities {
        let _ = writeln!(
            out,
            "<a id=\"{}\"></a>\n\n### {}\n",
            a.anchor,
            md(a.purpose.as_deref().unwrap_or(""))
        );
        md_activity(&mut out, a, record);
        if a.rows.is_empty() {
            out.push_str(
                "No rule of its own: only the rules for [every purpose](#every-purpose) apply.\n\n",
            );
        } else {
            md_rows(&mut out, &a.rows, false);
        }
    }
    out.push_str("<a id=\"every-purpose\"></a>\n\n## Every purpose\n\nThese rules apply whatever the purpose.\n\n");
    md_activity(&mut out, &record.general, record);
    md_rows(&mut out, &record.general.rows, false);

    out.push_str("<a id=\"never\"></a>\n\n## Never\n\nDeny rules: whatever else permits, these are refused.\n\n");
    if record.never.is_empty() {
        out.push_str("None.\n\n");
    } else {
        out.push_str("| Rule | For purposes | Actions | Categories | Whose data | Recipients | Clause |\n|---|---|---|---|---|---|---|\n");
        for n in &record.never {
            let r = &n.row;
            let purposes = if r.every_purpose {
                "every purpose".to_owned()
            } else {
                r.purposes
                    .iter()
                    .map(|p| code(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "| {} | {purposes} | {} | {} | {} | {} | {} |",
                code(&r.rule),
                md(&never_actions(r)),
                md_categories(&r.categories),
                md(&r.subjects),
                md(&never_recipients(r)),
                md_clause(&r.clause)
            );
        }
        out.push('\n');
    }

    out.push_str("<a id=\"children\"></a>\n\n## Children\n\n| A child is younger than | Regime | Jurisdictions | Law |\n|---|---|---|---|\n");
    for c in &record.child_ages {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            c.age,
            c.regime.map_or("—", |r| regime_words(r).0),
            md(&c.jurisdictions.join(", ")),
            md(&c.laws.join("; "))
        );
    }
    out.push('\n');
    if record.regimes.contains(&Regime::Pipl) {
        out.push_str("Under PIPL all of a child's personal information is sensitive (art. 28, 31): the verified guardian's separate consent, encryption, minimal access, and an assessment before it reaches anyone but the guardian (CAC-2019).\n\n");
    }
    out.push_str("### Rules for children only\n\n");
    if record.child_rows.is_empty() {
        out.push_str("None.\n\n");
    } else {
        md_rows(&mut out, &record.child_rows, true);
    }

    out.push_str("<a id=\"rights\"></a>\n\n## Rights and retention\n\n");
    for (regime, line) in &record.rights {
        let label = regime.map(|r| format!("**{}**: ", regime_words(r).0));
        let _ = writeln!(out, "- {}{}", label.unwrap_or_default(), md(line));
    }
    for line in &record.retention {
        let _ = writeln!(out, "- {}", md(line));
    }
    for c in [&record.rights_clause, &record.retention_clause]
        .into_iter()
        .flatten()
    {
        let _ = writeln!(out, "- Clause: {}", md_clause(c));
    }
    out.push_str("\n<a id=\"categories\"></a>\n\n## Categories\n\n| Category | Marks | Description | Clause |\n|---|---|---|---|\n");
    for leaf in &record.categories {
        let mut flags: Vec<String> = Vec::new();
        if leaf.sensitive {
            flags.push(format!("★ {}", sensitive_words(record)));
        }
        if leaf.special {
            flags.push(format!("◆ {}", special_words(record)));
        }
        if leaf.never_provided {
            flags.push("never given out".to_owned());
        }
        if !leaf.only_for.is_empty() {
            flags.push(format!("only for {}", leaf.only_for.join(", ")));
        }
        if leaf.unique_identifier {
            flags.push("unique identifier".to_owned());
        } else if leaf.device_or_log {
            flags.push("device or log information".to_owned());
        }
        if leaf.terminal {
            flags.push("read from the terminal".to_owned());
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md_leaf(leaf),
            md(&flags.join("; ")),
            md(leaf.description.as_deref().unwrap_or("")),
            leaf.clause.as_ref().map(md_clause).unwrap_or_default()
        );
    }
    out.push_str("\n<a id=\"clauses\"></a>\n\n## Clauses\n\nEach clause of the privacy policy the record cites, in its own words, and what encodes it.\n\n");
    for c in &record.clauses {
        let _ = writeln!(
            out,
            "<a id=\"{}\"></a>\n\n#### {}\n",
            c.anchor,
            md(&c.heading)
        );
        match &c.text {
            Some(text) => {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let _ = writeln!(out, "> {}\n>", md(line.trim()));
                }
                // A quote's last empty line ends it.
                if out.ends_with(">\n") {
                    out.truncate(out.len() - 2);
                }
                out.push('\n');
            }
            None => out.push_str("*The policy gives no text for this clause.*\n\n"),
        }
        let mut by: Vec<String> = c
            .rules
            .iter()
            .map(|r| format!("rule {}", code(r)))
            .collect();
        by.extend(c.others.iter().map(|o| md_code(o)));
        if !by.is_empty() {
            let _ = writeln!(out, "Encoded by {}.\n", by.join(", "));
        }
    }
    out
}
