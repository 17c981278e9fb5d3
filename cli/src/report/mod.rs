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
    Activity, Categories, ClauseRef, Decided, Destination, Leaf, Record, Row, Unnamed,
    mechanism_words, regime_words,
};
use lawful::policy::Party;
use lawful::subject::Regime;

use crate::files::{self, Fail};

mod html;
mod markdown;
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
        Format::Html => html::page(&record, &today),
        Format::Md => markdown::page(&record, &today),
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
        Some(x) => permitted_words(x),
    }
}

/// Which rules permit a transfer, on which bases, with code spans (between
/// backticks) for the rules.
fn permitted_words(d: &Decided) -> String {
    let mut s = format!(
        "Permitted by rule {} on {}",
        list_words(&d.rules.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>()),
        list_words(&d.bases.iter().cloned().collect::<Vec<_>>())
    );
    if d.children {
        s.push_str("; children's data included");
    }
    s.push('.');
    s
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
    lines.push(permitted_words(&u.decided));
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

/// What the categories table says of a leaf besides its marks' symbols.
fn leaf_flags(record: &Record, leaf: &Leaf) -> Vec<String> {
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
    flags
}

// ---------------------------------------------------------------------------
// What both formats say, built once from each format's inline pieces.
// ---------------------------------------------------------------------------

/// The pieces a format writes the record with. HTML and Markdown each
/// escape, mark code and link in their own way; the rule tables and an
/// activity's fields are built once from these pieces, so the two formats
/// cannot say different things.
trait Markup {
    /// Policy text, escaped.
    fn text(&self, s: &str) -> String;
    /// A name (a rule, a purpose, a category), as code.
    fn code(&self, s: &str) -> String;
    /// A value, marked when it is a placeholder to fill in.
    fn value(&self, s: &str) -> String;
    /// A link to a clause of the privacy policy.
    fn clause(&self, c: &ClauseRef) -> String;
    /// A link to a section of the record, in the record's own words.
    fn link(&self, anchor: &str, words: &str) -> String;
    /// Categories in a cell.
    fn categories(&self, record: &Record, c: &Categories) -> String;
    /// An activity's categories of personal data.
    fn personal_data(&self, record: &Record, c: &Categories) -> String;
    /// Something said in passing after a purpose (its clause).
    fn aside(&self, s: &str) -> String;
    /// A note after a purpose.
    fn note(&self, s: &str) -> String;
    /// An activity's transfers abroad.
    fn destinations(&self, record: &Record, a: &Activity) -> String;
    /// A table with a rule a row: the rule's id first, then its cells.
    fn rule_table(
        &self,
        out: &mut String,
        class: &str,
        headers: &[&str],
        rows: &[(&Row, Vec<Cell>)],
    );
    /// An activity's fields.
    fn fields(&self, out: &mut String, fields: &[Field]);
}

/// A cell of a rule table, with the class HTML gives it.
struct Cell {
    class: Option<&'static str>,
    text: String,
}

impl Cell {
    fn plain(text: String) -> Cell {
        Cell { class: None, text }
    }
}

/// A field of an activity: one of GDPR art. 30(1)'s letters.
struct Field {
    /// The class HTML gives its row.
    class: Option<&'static str>,
    label: &'static str,
    /// The letter of art. 30(1).
    article: &'static str,
    text: String,
}

impl Field {
    fn new(
        class: Option<&'static str>,
        label: &'static str,
        article: &'static str,
        text: String,
    ) -> Field {
        Field {
            class,
            label,
            article,
            text,
        }
    }
}

/// The purposes a rule is for.
fn purposes_cell(m: &impl Markup, r: &Row) -> Cell {
    let text = if r.every_purpose {
        "every purpose".to_owned()
    } else {
        r.purposes
            .iter()
            .map(|p| m.code(p))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Cell {
        class: Some("purposes"),
        text,
    }
}

/// The permit rules of an activity (or of children), with their purposes
/// when the table mixes them.
fn rules_table(m: &impl Markup, out: &mut String, record: &Record, rows: &[Row], purposes: bool) {
    let mut headers = vec!["Rule"];
    if purposes {
        headers.push("Purposes");
    }
    headers.extend([
        "Actions",
        "Categories",
        "Bases",
        "Recipients",
        "Whose data",
        "Kept",
        "Clause",
    ]);
    let rows: Vec<(&Row, Vec<Cell>)> = rows
        .iter()
        .map(|r| {
            let mut cells = Vec::with_capacity(8);
            if purposes {
                cells.push(purposes_cell(m, r));
            }
            let recipients = if r.recipients.is_empty() {
                "— (kept by the controller)".to_owned()
            } else {
                r.recipients
                    .iter()
                    .map(|x| m.value(x))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let bases = or_dash(&r.bases, ", ");
            cells.extend(
                [
                    m.text(&r.actions.join(", ")),
                    m.categories(record, &r.categories),
                    m.text(&bases),
                    recipients,
                    m.text(&r.subjects),
                    m.text(&r.retention),
                    m.clause(&r.clause),
                ]
                .map(Cell::plain),
            );
            (r, cells)
        })
        .collect();
    m.rule_table(out, "rules", &headers, &rows);
}

/// The deny rules, with what they refuse.
fn never_table(m: &impl Markup, out: &mut String, record: &Record) {
    let rows: Vec<(&Row, Vec<Cell>)> = record
        .never
        .iter()
        .map(|n| {
            let r = &n.row;
            let mut cells = vec![purposes_cell(m, r)];
            cells.extend(
                [
                    m.text(&never_actions(r)),
                    m.categories(record, &r.categories),
                    m.text(&r.subjects),
                    m.text(&never_recipients(r)),
                    m.clause(&r.clause),
                ]
                .map(Cell::plain),
            );
            (r, cells)
        })
        .collect();
    m.rule_table(
        out,
        "never",
        &[
            "Rule",
            "For purposes",
            "Actions",
            "Categories",
            "Whose data",
            "Recipients",
            "Clause",
        ],
        &rows,
    );
}

/// An activity's fields of GDPR art. 30(1)(b)–(g).
fn activity(m: &impl Markup, out: &mut String, record: &Record, a: &Activity) {
    let mut fields = Vec::with_capacity(7);
    if let Some(p) = &a.purpose {
        let mut purpose = m.code(p);
        if let Some(d) = &a.description {
            let _ = write!(purpose, " — {}", m.text(d));
        }
        if let Some(c) = &a.clause {
            let _ = write!(purpose, " {}", m.aside(&m.clause(c)));
        }
        for n in &a.notes {
            purpose.push_str(&m.note(n));
        }
        fields.push(Field::new(None, "Purpose", "b", purpose));
    }
    let subjects: Vec<String> = a.subjects.iter().map(|s| m.text(s)).collect();
    let subjects = format!(
        "{}; {}",
        or_dash(&subjects, ", "),
        m.text(children_words(a))
    );
    fields.push(Field::new(Some("subjects"), "Data subjects", "c", subjects));
    let data = m.personal_data(record, &a.categories);
    fields.push(Field::new(Some("data"), "Personal data", "c", data));
    let mut recipients: Vec<String> = Vec::new();
    for x in a.rows.iter().flat_map(|r| &r.recipients) {
        let v = m.value(x);
        if !recipients.contains(&v) {
            recipients.push(v);
        }
    }
    let recipients = if recipients.is_empty() {
        "none of its own (kept by the controller)".to_owned()
    } else {
        recipients.join("; ")
    };
    fields.push(Field::new(
        Some("recipients"),
        "Recipients",
        "d",
        recipients,
    ));
    let abroad = m.destinations(record, a);
    fields.push(Field::new(
        Some("destinations"),
        "Transfers abroad",
        "e",
        abroad,
    ));
    let kept: Vec<String> = a
        .rows
        .iter()
        .map(|r| format!("{}: {}", m.code(&r.rule), m.text(&r.retention)))
        .collect();
    fields.push(Field::new(None, "Erasure", "f", or_dash(&kept, "; ")));
    let mut obligations: Vec<&str> = a
        .rows
        .iter()
        .flat_map(|r| r.obligations.iter().map(String::as_str))
        .collect();
    obligations.sort_unstable();
    obligations.dedup();
    let mut security = format!("the {}", m.link("overview-security", "security measures"));
    if !obligations.is_empty() {
        let _ = write!(
            security,
            "; the rules add {}",
            m.text(&obligations.join(", "))
        );
    }
    fields.push(Field::new(None, "Security", "g", security));
    m.fields(out, &fields);
}

/// The items joined, or a dash when there are none.
fn or_dash(items: &[String], separator: &str) -> String {
    if items.is_empty() {
        "—".to_owned()
    } else {
        items.join(separator)
    }
}
