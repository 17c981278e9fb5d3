//! The record in Markdown: the same content as the HTML page, every text
//! the policy supplies escaped with backslashes, anchors as `<a id>`.

use std::fmt::Write as _;

use lawful::analysis::record::{Activity, Categories, ClauseRef, Leaf, Record, Row, regime_words};
use lawful::policy::{Party, is_placeholder};
use lawful::subject::Regime;

use super::{
    Cell, Field, Markup, controller_words, decided_words, destination_words, dpo_words, leaf_flags,
    marks, never_table, party_lines, regimes_words, review, rules_table, sampled_words,
    sensitive_words, special_words, storage_words, svg, title, unnamed_words,
};

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

/// An activity's transfers abroad: a nested list, or a word when there are
/// none.
fn md_destinations(a: &Activity, record: &Record) -> String {
    let mut out = String::new();
    for d in &a.destinations {
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
        let lines: Vec<String> = unnamed_words(u).iter().map(|l| md_code(l)).collect();
        let _ = write!(
            out,
            "\n  - To recipients the record does not name: {}",
            lines.join(" ")
        );
    }
    if out.is_empty() {
        if a.purpose.is_some() && record.general.unnamed_abroad.is_some() {
            out.push_str("none of its own; see [every purpose](#every-purpose).");
        } else {
            out.push_str("none.");
        }
    }
    out
}

/// Markdown's pieces.
struct Md;

impl Markup for Md {
    fn text(&self, s: &str) -> String {
        md(s)
    }

    fn code(&self, s: &str) -> String {
        code(s)
    }

    fn value(&self, s: &str) -> String {
        md_value(s)
    }

    fn clause(&self, c: &ClauseRef) -> String {
        md_clause(c)
    }

    fn link(&self, anchor: &str, words: &str) -> String {
        format!("[{words}](#{anchor})")
    }

    fn categories(&self, _record: &Record, c: &Categories) -> String {
        md_categories(c)
    }

    fn personal_data(&self, _record: &Record, c: &Categories) -> String {
        md_personal_data(c)
    }

    fn aside(&self, s: &str) -> String {
        format!("({s})")
    }

    fn note(&self, s: &str) -> String {
        format!("; {}", md(s))
    }

    fn destinations(&self, record: &Record, a: &Activity) -> String {
        md_destinations(a, record)
    }

    fn rule_table(
        &self,
        out: &mut String,
        _class: &str,
        headers: &[&str],
        rows: &[(&Row, Vec<Cell>)],
    ) {
        out.push('|');
        for h in headers {
            let _ = write!(out, " {h} |");
        }
        out.push_str("\n|");
        for _ in headers {
            out.push_str("---|");
        }
        out.push('\n');
        for (r, cells) in rows {
            let _ = write!(out, "| {} |", code(&r.rule));
            for c in cells {
                let _ = write!(out, " {} |", c.text);
            }
            out.push('\n');
        }
        out.push('\n');
    }

    fn fields(&self, out: &mut String, fields: &[Field]) {
        for f in fields {
            // A nested list starts on a line of its own.
            let gap = if f.text.starts_with('\n') { "" } else { " " };
            let _ = writeln!(out, "- **{}** ({}):{gap}{}", f.label, f.article, f.text);
        }
        out.push('\n');
    }
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
/// The record in Markdown.
pub(super) fn page(record: &Record, today: &str) -> String {
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
        super::activity(&Md, &mut out, record, a);
        if a.rows.is_empty() {
            out.push_str(
                "No rule of its own: only the rules for [every purpose](#every-purpose) apply.\n\n",
            );
        } else {
            rules_table(&Md, &mut out, record, &a.rows, false);
        }
    }
    out.push_str("<a id=\"every-purpose\"></a>\n\n## Every purpose\n\nThese rules apply whatever the purpose.\n\n");
    super::activity(&Md, &mut out, record, &record.general);
    rules_table(&Md, &mut out, record, &record.general.rows, false);

    out.push_str("<a id=\"never\"></a>\n\n## Never\n\nDeny rules: whatever else permits, these are refused.\n\n");
    if record.never.is_empty() {
        out.push_str("None.\n\n");
    } else {
        never_table(&Md, &mut out, record);
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
        rules_table(&Md, &mut out, record, &record.child_rows, true);
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
        let flags = leaf_flags(record, leaf);
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
