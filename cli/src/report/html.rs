//! The record as one self-contained HTML file: inline styles, an inline SVG
//! data-flow picture, a print stylesheet, no network. Every text the policy
//! supplies is escaped as entities.

use std::fmt::Write as _;

use lawful::analysis::record::{Activity, Categories, ClauseRef, Leaf, Record, Row, regime_words};
use lawful::policy::{Party, is_placeholder};
use lawful::subject::Regime;

use super::{
    Cell, Field, Markup, controller_words, decided_words, destination_words, dpo_words, leaf_flags,
    marks, never_table, party_lines, regimes_words, review, rules_table, sampled_words,
    sensitive_words, special_words, storage_words, svg, title, unnamed_words,
};

pub(super) fn esc(s: &str) -> String {
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

/// HTML's pieces.
struct Html;

impl Markup for Html {
    fn text(&self, s: &str) -> String {
        esc(s)
    }

    fn code(&self, s: &str) -> String {
        format!("<code>{}</code>", esc(s))
    }

    fn value(&self, s: &str) -> String {
        value_html(s)
    }

    fn clause(&self, c: &ClauseRef) -> String {
        clause_link(c)
    }

    fn link(&self, anchor: &str, words: &str) -> String {
        format!("<a href=\"#{anchor}\">{words}</a>")
    }

    fn categories(&self, record: &Record, c: &Categories) -> String {
        categories_html(record, c)
    }

    fn personal_data(&self, record: &Record, c: &Categories) -> String {
        personal_data_html(record, c)
    }

    fn aside(&self, s: &str) -> String {
        format!("<span class=\"note\">({s})</span>")
    }

    fn note(&self, s: &str) -> String {
        format!("<div class=\"note\">{}</div>", esc(s))
    }

    fn destinations(&self, record: &Record, a: &Activity) -> String {
        destinations_html(record, a)
    }

    fn rule_table(
        &self,
        out: &mut String,
        class: &str,
        headers: &[&str],
        rows: &[(&Row, Vec<Cell>)],
    ) {
        let _ = write!(out, "<table class=\"{class}\"><thead><tr>");
        for h in headers {
            let _ = write!(out, "<th>{h}</th>");
        }
        out.push_str("</tr></thead><tbody>\n");
        for (r, cells) in rows {
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
            for c in cells {
                match c.class {
                    Some(class) => {
                        let _ = write!(out, "<td class=\"{class}\">{}</td>", c.text);
                    }
                    None => {
                        let _ = write!(out, "<td>{}</td>", c.text);
                    }
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }

    fn fields(&self, out: &mut String, fields: &[Field]) {
        out.push_str("<table class=\"fields\"><tbody>\n");
        for f in fields {
            let class = f
                .class
                .map(|c| format!(" class=\"{c}\""))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr{class}><th>{} <span class=\"art\">({})</span></th><td>{}</td></tr>",
                f.label, f.article, f.text
            );
        }
        out.push_str("</tbody></table>\n");
    }
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
/// The record as an HTML page.
pub(super) fn page(record: &Record, today: &str) -> String {
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
        super::activity(&Html, &mut out, record, a);
        if a.rows.is_empty() {
            out.push_str("<p class=\"note\">No rule of its own: only the rules for <a href=\"#every-purpose\">every purpose</a> apply.</p>");
        } else {
            rules_table(&Html, &mut out, record, &a.rows, false);
        }
        out.push_str("</section>\n");
    }
    out.push_str("<section id=\"every-purpose\" class=\"general\"><h2>Every purpose</h2><p class=\"note\">These rules apply whatever the purpose.</p>\n");
    super::activity(&Html, &mut out, record, &record.general);
    rules_table(&Html, &mut out, record, &record.general.rows, false);
    out.push_str("</section>\n");

    out.push_str("<section id=\"never\"><h2>Never</h2><p class=\"note\">Deny rules: whatever else permits, these are refused.</p>\n");
    if record.never.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        never_table(&Html, &mut out, record);
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
        rules_table(&Html, &mut out, record, &record.child_rows, true);
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
        let flags = leaf_flags(record, leaf);
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
