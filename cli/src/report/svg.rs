//! The data-flow picture: for each purpose, the categories of data its
//! rules cover, who receives them, and in which country.
//!
//! Each purpose is a band of its own, and within a band each line is one
//! recipient: the purpose fans out to its lines, and each line runs
//! straight across (data → recipient → country). So no two lines ever
//! cross, whatever the policy: the picture is a set of small trees, not a
//! graph of every purpose joined to every recipient. Lines are straight
//! `<line>` elements, so a test can check that none cross.

use std::fmt::Write as _;

use lawful::analysis::record::{FlowLine, Record, kind_words, mechanism_short, regime_words};

use super::html::esc;

const WIDTH: f64 = 1000.0;
/// Column x and width: purpose, data, recipient, country.
const COLUMNS: [(f64, f64); 4] = [
    (10.0, 180.0),
    (215.0, 270.0),
    (520.0, 250.0),
    (800.0, 190.0),
];
const LINE_H: f64 = 13.0;
const PAD: f64 = 6.0;
const GAP: f64 = 6.0;
const TOP: f64 = 30.0;

/// Wraps `text` into lines of at most `width` characters (at most `max`
/// lines; the last ends with `…` when cut).
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            let keep: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{keep}…");
        }
    }
    lines
}

fn data_label(f: &FlowLine) -> String {
    if f.every_category {
        "every category".to_owned()
    } else {
        f.groups.join(", ")
    }
}

fn recipient_label(f: &FlowLine) -> String {
    match f.kind {
        Some(kind)
            if !f
                .recipient
                .to_lowercase()
                .contains(&kind_words(kind).to_lowercase()) =>
        {
            format!("{} ({})", f.recipient, kind_words(kind))
        }
        _ => f.recipient.clone(),
    }
}

fn country_label(f: &FlowLine) -> String {
    let under = || {
        f.abroad
            .iter()
            .map(|r| {
                let mechanisms: Vec<&str> = f
                    .mechanisms
                    .iter()
                    .filter(|(x, _)| x == r)
                    .flat_map(|(_, ms)| ms.iter().map(|m| mechanism_short(*m)))
                    .collect();
                if mechanisms.is_empty() {
                    regime_words(*r).0.to_owned()
                } else {
                    format!("{}: {}", regime_words(*r).0, mechanisms.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    match &f.country {
        None if !f.abroad.is_empty() => format!("abroad, not named ({})", under()),
        None => "country not stated".to_owned(),
        Some(c) if f.storage => format!("{c} (storage)"),
        Some(c) if !f.abroad.is_empty() => format!("{c}: abroad ({})", under()),
        Some(c) => c.clone(),
    }
}

/// Whether the line leaves the area of a regime beyond where the data is
/// stored.
fn goes_abroad(f: &FlowLine) -> bool {
    !f.abroad.is_empty() && !f.storage
}

/// One line in words (the Markdown report's picture).
pub(super) fn flow_words(f: &FlowLine) -> String {
    format!(
        "{} → {} → {}",
        data_label(f),
        recipient_label(f),
        country_label(f)
    )
}

/// A count as a coordinate factor (counts here are a few dozen).
fn count(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

struct Node<'a> {
    column: usize,
    y: f64,
    height: f64,
    lines: &'a [String],
    class: &'a str,
    full: &'a str,
}

fn node(s: &mut String, n: &Node<'_>) {
    let (x, w) = COLUMNS.get(n.column).copied().unwrap_or((0.0, 100.0));
    let _ = write!(
        s,
        "<g class=\"node {}\"><title>{}</title><rect x=\"{x}\" y=\"{:.1}\" width=\"{w}\" height=\"{:.1}\" rx=\"4\"/><text x=\"{}\" y=\"{:.1}\">",
        n.class,
        esc(n.full),
        n.y,
        n.height,
        x + 6.0,
        n.y + (n.height - count(n.lines.len()) * LINE_H) / 2.0 + LINE_H - 3.0,
    );
    for (i, line) in n.lines.iter().enumerate() {
        let dy = if i == 0 { 0.0 } else { LINE_H };
        let _ = write!(
            s,
            "<tspan x=\"{}\" dy=\"{dy}\">{}</tspan>",
            x + 6.0,
            esc(line)
        );
    }
    s.push_str("</text></g>");
}

fn edge(s: &mut String, from: (f64, f64), to: (f64, f64), abroad: bool) {
    let class = if abroad { "edge abroad" } else { "edge" };
    let _ = write!(
        s,
        "<line class=\"{class}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
        from.0, from.1, to.0, to.1
    );
}

/// One line of a band, its labels wrapped, and its height.
struct Laid {
    data: Vec<String>,
    recipient: Vec<String>,
    country: Vec<String>,
    height: f64,
}

impl Laid {
    fn of(f: &FlowLine) -> Laid {
        let data = wrap(&data_label(f), 44, 4);
        let recipient = wrap(&recipient_label(f), 40, 3);
        let country = wrap(&country_label(f), 30, 2);
        let n = data.len().max(recipient.len()).max(country.len()).max(1);
        Laid {
            data,
            recipient,
            country,
            height: count(n) * LINE_H + 10.0,
        }
    }
}

/// Draws one purpose's band from `y` (edges into `body` first, under the
/// boxes); its height.
fn band(body: &mut String, y: f64, purpose: &str, lines: &[FlowLine]) -> f64 {
    let laid: Vec<Laid> = lines.iter().map(Laid::of).collect();
    let inner: f64 =
        laid.iter().map(|l| l.height).sum::<f64>() + GAP * count(laid.len().saturating_sub(1));
    let purpose_lines = wrap(purpose, 28, 2);
    let purpose_h = count(purpose_lines.len()) * LINE_H + 10.0;
    let band_h = inner.max(purpose_h) + 2.0 * PAD;
    let _ = write!(
        body,
        "<rect class=\"band\" x=\"4\" y=\"{y:.1}\" width=\"{}\" height=\"{band_h:.1}\" rx=\"6\"/>",
        WIDTH - 8.0
    );
    let purpose_y = y + (band_h - purpose_h) / 2.0;
    let purpose_mid = purpose_y + purpose_h / 2.0;
    let mut row_y = y + PAD + (band_h - 2.0 * PAD - inner) / 2.0;
    let mut nodes = String::new();
    for (l, f) in laid.iter().zip(lines) {
        let mid = row_y + l.height / 2.0;
        let [(px, pw), (dx, dw), (rx, rw), (cx, _)] = COLUMNS;
        edge(body, (px + pw, purpose_mid), (dx, mid), false);
        edge(body, (dx + dw, mid), (rx, mid), false);
        edge(body, (rx + rw, mid), (cx, mid), goes_abroad(f));
        let data_full = data_label(f);
        let recipient_full = recipient_label(f);
        let country_full = country_label(f);
        let country_class = match (f.country.is_none(), goes_abroad(f)) {
            (true, true) => "country unknown abroad",
            (true, false) => "country unknown",
            (false, true) => "country abroad",
            (false, false) => "country",
        };
        for (column, text, class, full) in [
            (1, &l.data, "data", data_full.as_str()),
            (2, &l.recipient, "recipient", recipient_full.as_str()),
            (3, &l.country, country_class, country_full.as_str()),
        ] {
            node(
                &mut nodes,
                &Node {
                    column,
                    y: row_y,
                    height: l.height,
                    lines: text,
                    class,
                    full,
                },
            );
        }
        row_y += l.height + GAP;
    }
    node(
        &mut nodes,
        &Node {
            column: 0,
            y: purpose_y,
            height: purpose_h,
            lines: &purpose_lines,
            class: "purpose",
            full: purpose,
        },
    );
    body.push_str(&nodes);
    band_h
}

/// The picture, as inline SVG.
pub(super) fn picture(record: &Record) -> String {
    let mut body = String::new();
    let mut y = TOP;
    for a in std::iter::once(&record.general).chain(&record.activities) {
        if a.flows.is_empty() {
            continue;
        }
        let purpose = a.purpose.as_deref().unwrap_or("every purpose");
        y += band(&mut body, y, purpose, &a.flows) + GAP;
    }
    let height = y + 4.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-labelledby=\"flow-title\" class=\"flow\"><title id=\"flow-title\">Data flow: purpose, categories of data, recipient, country</title>"
    );
    for ((x, _), title) in
        COLUMNS
            .iter()
            .zip(["Purpose", "Categories of data", "Recipient", "Country"])
    {
        let _ = write!(s, "<text x=\"{x}\" y=\"18\" class=\"col\">{title}</text>");
    }
    s.push_str(&body);
    s.push_str("</svg>\n");
    s
}
