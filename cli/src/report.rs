//! `lawful report [-p POLICY] [--format html|md] [-o FILE]`: the record of
//! processing activities, generated from the policy: one self-contained
//! HTML file (inline styles, an inline SVG data-flow picture, a print
//! stylesheet, no network) or Markdown.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use lawful::analysis::Options;
use lawful::analysis::record::{Record, Row};

use crate::files::{self, Fail};

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
    let text = match format {
        Format::Html => html(&record),
        Format::Md => markdown(&record),
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

/// An anchor id for a clause.
fn slug(clause: &str) -> String {
    let mut s = String::from("clause-");
    let mut dash = false;
    for c in clause.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash {
            s.push('-');
            dash = true;
        }
    }
    s.trim_end_matches('-').to_owned()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "—".to_owned()
    } else {
        items.join(", ")
    }
}

fn categories_html(row: &Row) -> String {
    row.categories
        .iter()
        .map(|(name, sensitive)| {
            if *sensitive {
                format!(
                    "<span class=\"sensitive\" title=\"sensitive\">{}&nbsp;★</span>",
                    esc(name)
                )
            } else {
                esc(name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn rows_html(out: &mut String, rows: &[Row]) {
    out.push_str("<table><thead><tr><th>Rule</th><th>Actions</th><th>Categories</th><th>Bases</th><th>Recipients</th><th>Subjects</th><th>Retention</th><th>Clause</th></tr></thead><tbody>\n");
    for r in rows {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"#{}\">{}</a></td></tr>",
            esc(&r.rule),
            r.description
                .as_deref()
                .map(|d| format!("<div class=\"desc\">{}</div>", esc(d)))
                .unwrap_or_default(),
            esc(&list(&r.actions)),
            categories_html(r),
            esc(&list(&r.bases)),
            esc(&if r.recipients.is_empty() {
                "any".to_owned()
            } else {
                r.recipients.join(", ")
            }),
            esc(&r.subjects),
            esc(&r.retention),
            slug(&r.clause),
            esc(&r.clause),
        );
    }
    out.push_str("</tbody></table>\n");
}

/// The data-flow picture: subject → purposes → recipients → regions.
#[expect(
    clippy::too_many_lines,
    clippy::cast_precision_loss,
    reason = "one picture, column by column; counts of a few dozen boxes"
)]
fn svg(record: &Record) -> String {
    let purposes: Vec<&str> = record.purposes.iter().map(|p| p.name.as_str()).collect();
    let mut recipients: BTreeSet<String> = BTreeSet::new();
    let all_rows = record
        .purposes
        .iter()
        .flat_map(|p| p.rows.iter())
        .chain(record.general.iter());
    for r in all_rows {
        recipients.extend(r.recipients.iter().cloned());
        if r.actions.iter().any(|a| a == "disclose") {
            recipients.insert("public".to_owned());
        }
    }
    let recipients: Vec<String> = recipients.into_iter().collect();
    let mut regions: Vec<String> = vec![record.storage.0.clone()];
    for p in &record.purposes {
        for r in &p.transfer.regions {
            if !regions.contains(r) {
                regions.push(r.clone());
            }
        }
    }
    let row_h = 22.0;
    let height = (purposes.len().max(recipients.len()).max(regions.len()) as f64) * row_h + 60.0;
    let xs = [20.0, 230.0, 560.0, 800.0];
    let widths = [150.0, 250.0, 170.0, 170.0];
    let y_of = |i: usize, n: usize| {
        let span = (n as f64) * row_h;
        (height - span) / 2.0 + (i as f64) * row_h + row_h / 2.0
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1000 {height:.0}\" role=\"img\" aria-labelledby=\"flow-title\" class=\"flow\"><title id=\"flow-title\">Data flow: subject, purposes, recipients, regions</title>"
    );
    for (x, title) in xs
        .iter()
        .zip(["Subject", "Purposes", "Recipients", "Regions"])
    {
        let _ = write!(s, "<text x=\"{x}\" y=\"16\" class=\"col\">{title}</text>");
    }
    let subject_y = height / 2.0;
    // Edges first, under the boxes.
    for i in 0..purposes.len() {
        let y = y_of(i, purposes.len());
        let _ = write!(
            s,
            "<path class=\"edge\" d=\"M{} {subject_y} C{} {subject_y},{} {y},{} {y}\"/>",
            xs[0] + widths[0],
            xs[0] + widths[0] + 40.0,
            xs[1] - 40.0,
            xs[1]
        );
        let entry = record.purposes.get(i);
        for (j, r) in recipients.iter().enumerate() {
            let uses = entry.is_some_and(|e| {
                e.rows.iter().chain(record.general.iter()).any(|row| {
                    row.recipients.contains(r)
                        || (r == "public" && row.actions.iter().any(|a| a == "disclose"))
                })
            });
            if uses {
                let y2 = y_of(j, recipients.len());
                let _ = write!(
                    s,
                    "<path class=\"edge\" d=\"M{} {y} C{} {y},{} {y2},{} {y2}\"/>",
                    xs[1] + widths[1],
                    xs[1] + widths[1] + 40.0,
                    xs[2] - 40.0,
                    xs[2]
                );
            }
        }
    }
    for (j, r) in recipients.iter().enumerate() {
        let y = y_of(j, recipients.len());
        for (k, region) in regions.iter().enumerate() {
            let abroad = k > 0;
            let goes = !abroad
                || record.purposes.iter().any(|p| {
                    p.transfer.regions.contains(region) && p.transfer.recipients.contains(r)
                });
            if goes {
                let y2 = y_of(k, regions.len());
                let class = if abroad { "edge abroad" } else { "edge" };
                let _ = write!(
                    s,
                    "<path class=\"{class}\" d=\"M{} {y} C{} {y},{} {y2},{} {y2}\"/>",
                    xs[2] + widths[2],
                    xs[2] + widths[2] + 30.0,
                    xs[3] - 30.0,
                    xs[3]
                );
            }
        }
    }
    let node = |s: &mut String, x: f64, y: f64, w: f64, label: &str, class: &str| {
        let _ = write!(
            s,
            "<g class=\"node {class}\"><rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{}\" rx=\"4\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
            y - row_h / 2.0 + 2.0,
            row_h - 4.0,
            x + 6.0,
            y + 4.0,
            esc(label)
        );
    };
    node(
        &mut s,
        xs[0],
        subject_y,
        widths[0],
        "data subject",
        "subject",
    );
    for (i, p) in purposes.iter().enumerate() {
        node(
            &mut s,
            xs[1],
            y_of(i, purposes.len()),
            widths[1],
            p,
            "purpose",
        );
    }
    for (j, r) in recipients.iter().enumerate() {
        node(
            &mut s,
            xs[2],
            y_of(j, recipients.len()),
            widths[2],
            r,
            "recipient",
        );
    }
    for (k, region) in regions.iter().enumerate() {
        let (label, class) = if k == 0 {
            (format!("{region} (storage)"), "region")
        } else {
            (format!("{region} (abroad)"), "region abroad")
        };
        node(
            &mut s,
            xs[3],
            y_of(k, regions.len()),
            widths[3],
            &label,
            class,
        );
    }
    s.push_str("</svg>");
    s
}

const STYLE: &str = r#"
:root { --ink: #1d2329; --muted: #5b6670; --line: #d5dbe0; --accent: #1f5f8b; --warn: #a4332a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 24px 32px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 22px 0 6px; }
.meta, .desc, .note { color: var(--muted); }
.desc { font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef2f5; }
code { font-size: 12px; }
a { color: var(--accent); }
.sensitive { color: var(--warn); font-weight: 600; }
.transfer { background: #fff6e5; border-left: 3px solid #d89614; padding: 6px 10px; margin: 6px 0; }
.flow { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fbfcfd; }
.flow .col { font-weight: 700; font-size: 13px; fill: var(--muted); }
.flow .edge { fill: none; stroke: #8fa9bd; stroke-width: 1; opacity: .55; }
.flow .edge.abroad { stroke: #d89614; stroke-width: 1.6; opacity: .9; }
.flow .node rect { fill: #fff; stroke: #7d93a5; }
.flow .node.subject rect { fill: #e6f0f7; }
.flow .node.region.abroad rect { fill: #fff2d9; stroke: #d89614; }
.flow .node text { font-size: 11.5px; fill: var(--ink); }
nav ol { columns: 2; font-size: 13px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  table, .transfer, svg { break-inside: avoid; }
  nav { display: none; }
  @page { size: A4 landscape; margin: 12mm; }
}
"#;

#[expect(
    clippy::too_many_lines,
    reason = "one document, section by section, in reading order"
)]
fn html(record: &Record) -> String {
    let (id, version, title) = &record.policy;
    let title = title.clone().unwrap_or_else(|| id.clone());
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Record of processing — {}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = writeln!(
        out,
        "<header><h1>Record of processing activities</h1><p class=\"meta\">{} — policy <code>{}</code> version <code>{}</code>. GDPR art. 30; the inputs of a PIPL art. 55 impact assessment. Generated from the policy; the transfers abroad were found by deciding {} export request classes.</p></header>",
        esc(&title),
        esc(id),
        esc(version),
        record.stats.classes
    );
    out.push_str("<nav><h2>Contents</h2><ol>");
    for p in &record.purposes {
        let _ = write!(
            out,
            "<li><a href=\"#purpose-{}\">{}</a></li>",
            esc(&p.name),
            esc(&p.name)
        );
    }
    out.push_str("<li><a href=\"#general\">Every purpose</a></li><li><a href=\"#children\">Children</a></li><li><a href=\"#rights\">Rights and retention</a></li><li><a href=\"#categories\">Categories</a></li><li><a href=\"#clauses\">Clauses</a></li></ol></nav>\n");
    out.push_str("<h2 id=\"flow\">Data flow</h2>\n");
    out.push_str(&svg(record));
    let _ = writeln!(
        out,
        "<p class=\"note\">Storage: {}{}. Orange: transfers abroad the policy permits.</p>",
        esc(&record.storage.0),
        if record.storage.1 {
            ", data of subjects there is kept there"
        } else {
            ""
        }
    );
    out.push_str("<h2>Purposes</h2>\n");
    for p in &record.purposes {
        let _ = writeln!(
            out,
            "<section id=\"purpose-{}\"><h3>{}</h3>",
            esc(&p.name),
            esc(&p.name)
        );
        if let Some(d) = &p.description {
            let _ = writeln!(out, "<p class=\"desc\">{}</p>", esc(d));
        }
        if p.before_guardian_consent {
            out.push_str("<p class=\"note\">Open to a child before the guardian consents.</p>");
        }
        if p.rows.is_empty() {
            out.push_str("<p class=\"note\">Only the rules for every purpose apply.</p>");
        } else {
            rows_html(&mut out, &p.rows);
        }
        let t = &p.transfer;
        if t.classes > 0 {
            let v = |s: &BTreeSet<String>| esc(&s.iter().cloned().collect::<Vec<_>>().join(", "));
            let _ = writeln!(
                out,
                "<div class=\"transfer\"><strong>Abroad:</strong> to {} ({}) on {}, with {}{}.</div>",
                v(&t.regions),
                v(&t.recipients),
                v(&t.bases),
                v(&t.mechanisms),
                if t.children {
                    "; children's data included"
                } else {
                    ""
                }
            );
        } else {
            out.push_str("<p class=\"note\">Never abroad.</p>");
        }
        out.push_str("</section>\n");
    }
    out.push_str("<h2 id=\"general\">Every purpose</h2><p class=\"note\">These rules apply whatever the purpose.</p>\n");
    rows_html(&mut out, &record.general);
    if !record.denies.is_empty() {
        out.push_str("<h3>Never</h3>\n");
        rows_html(&mut out, &record.denies);
    }
    out.push_str("<h2 id=\"children\">Children</h2><table><thead><tr><th>Jurisdiction</th><th>A child is younger than</th><th>Law</th></tr></thead><tbody>");
    for (code, age, law) in &record.jurisdictions {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{age}</td><td>{}</td></tr>",
            esc(code),
            esc(law.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody></table>\n<p>Rules for children only:</p>");
    let child_rows: Vec<Row> = record
        .purposes
        .iter()
        .flat_map(|p| p.rows.iter())
        .chain(record.general.iter())
        .filter(|r| r.subjects == "children")
        .cloned()
        .fold(Vec::new(), |mut v, r| {
            if !v.iter().any(|x: &Row| x.rule == r.rule) {
                v.push(r);
            }
            v
        });
    rows_html(&mut out, &child_rows);
    out.push_str("<h2 id=\"rights\">Rights and retention</h2><ul>");
    for line in record.rights.0.iter().chain(record.retention.0.iter()) {
        let _ = write!(out, "<li>{}</li>", esc(line));
    }
    out.push_str("</ul>\n");
    for clause in [&record.rights.1, &record.retention.1]
        .into_iter()
        .flatten()
    {
        let _ = write!(
            out,
            "<p class=\"note\">Clause: <a href=\"#{}\">{}</a></p>",
            slug(clause),
            esc(clause)
        );
    }
    out.push_str("<h2 id=\"categories\">Categories</h2><table><thead><tr><th>Category</th><th>Sensitive</th><th>Never provided</th><th>Clause</th></tr></thead><tbody>");
    for (name, sensitive, never, clause) in &record.categories {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            if *sensitive {
                "<span class=\"sensitive\">yes ★</span>"
            } else {
                ""
            },
            if *never { "yes" } else { "" },
            clause
                .as_deref()
                .map(|c| format!("<a href=\"#{}\">{}</a>", slug(c), esc(c)))
                .unwrap_or_default()
        );
    }
    out.push_str("</tbody></table>\n<h2 id=\"clauses\">Clauses</h2><p class=\"note\">Each clause of the privacy policy the record cites, and the rules that encode it.</p><dl>");
    let mut clauses: Vec<(String, Vec<String>)> = Vec::new();
    let mut note =
        |clause: &str, rule: Option<&str>| match clauses.iter_mut().find(|(c, _)| c == clause) {
            Some((_, rules)) => {
                if let Some(r) = rule.filter(|r| !rules.iter().any(|x| x == r)) {
                    rules.push(r.to_owned());
                }
            }
            None => clauses.push((
                clause.to_owned(),
                rule.map(str::to_owned).into_iter().collect(),
            )),
        };
    for r in record
        .purposes
        .iter()
        .flat_map(|p| p.rows.iter())
        .chain(&record.general)
        .chain(&record.denies)
    {
        note(&r.clause, Some(&r.rule));
    }
    for (_, _, _, clause) in &record.categories {
        if let Some(c) = clause {
            note(c, None);
        }
    }
    for c in [&record.rights.1, &record.retention.1]
        .into_iter()
        .flatten()
    {
        note(c, None);
    }
    for (clause, rules) in &clauses {
        let _ = write!(
            out,
            "<dt id=\"{}\">{}</dt><dd>{}</dd>",
            slug(clause),
            esc(clause),
            if rules.is_empty() {
                String::from("(settings and categories)")
            } else {
                rules
                    .iter()
                    .map(|r| format!("<code>{}</code>", esc(r)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    out.push_str("</dl>\n");
    // The page marks itself ready only when its script ran without error.
    out.push_str("<script>(function(){var n=document.querySelectorAll('section[id^=\"purpose-\"]').length;document.body.setAttribute('data-ready',String(n));})();</script>\n</body></html>\n");
    out
}

fn markdown(record: &Record) -> String {
    let (id, version, title) = &record.policy;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Record of processing activities\n\n{} — policy `{id}` version `{version}` (GDPR art. 30; PIPL art. 55 inputs).\n",
        title.as_deref().unwrap_or(id)
    );
    let table = |out: &mut String, rows: &[Row]| {
        out.push_str("| Rule | Actions | Categories | Bases | Recipients | Subjects | Retention | Clause |\n|---|---|---|---|---|---|---|---|\n");
        for r in rows {
            let cats: Vec<String> = r
                .categories
                .iter()
                .map(|(n, s)| {
                    if *s {
                        format!("**{n}** ★")
                    } else {
                        n.clone()
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} | [{}](#{}) |",
                r.rule,
                list(&r.actions),
                cats.join(", "),
                list(&r.bases),
                if r.recipients.is_empty() {
                    "any".to_owned()
                } else {
                    r.recipients.join(", ")
                },
                r.subjects,
                r.retention,
                r.clause,
                slug(&r.clause)
            );
        }
        out.push('\n');
    };
    for p in &record.purposes {
        let _ = writeln!(out, "## {}\n", p.name);
        if let Some(d) = &p.description {
            let _ = writeln!(out, "{d}\n");
        }
        if !p.rows.is_empty() {
            table(&mut out, &p.rows);
        }
        if p.transfer.classes > 0 {
            let j = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
            let _ = writeln!(
                out,
                "Abroad: to {} ({}) on {}, with {}.\n",
                j(&p.transfer.regions),
                j(&p.transfer.recipients),
                j(&p.transfer.bases),
                j(&p.transfer.mechanisms)
            );
        } else {
            out.push_str("Never abroad.\n\n");
        }
    }
    out.push_str("## Every purpose\n\n");
    table(&mut out, &record.general);
    out.push_str("## Rights and retention\n\n");
    for line in record.rights.0.iter().chain(record.retention.0.iter()) {
        let _ = writeln!(out, "- {line}");
    }
    out.push_str("\n## Children\n\n| Jurisdiction | A child is younger than |\n|---|---|\n");
    for (code, age, _) in &record.jurisdictions {
        let _ = writeln!(out, "| {code} | {age} |");
    }
    out
}
