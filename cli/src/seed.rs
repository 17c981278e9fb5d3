//! The privacy policy's own words, quoted under the clauses rules cite.
//!
//! A rule's clause is a heading path, `How do we collect and use personal
//! information / Registration and login`. The policy text is a list of
//! headings written as `- Title` lines, each followed by its paragraphs. The
//! passage for a clause is the first paragraph under its last heading, found
//! by walking the headings of the path in order (so the table of contents,
//! which repeats the top-level titles, is passed over).

use std::collections::HashMap;

/// The seed policy the built-in engine encodes (from the library, so that
/// the CLI's package needs no file outside its folder).
pub(crate) const SEED: &str = lawful::Engine::builtin_policy_text();

/// The first paragraph under the heading `clause` names, if the text has
/// that heading path and a paragraph under it.
pub(crate) fn passage<'t>(text: &'t str, clause: &str) -> Option<&'t str> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let parts: Vec<&str> = clause.split(" / ").collect();
    let mut memo = HashMap::new();
    find(&lines, 0, &parts, &mut memo)
}

/// What [`find`] answered for (start line, parts left): each pair is
/// searched once, so the search is polynomial (lines² × parts) even for a
/// text whose every line repeats the headings, where trying each
/// occurrence afresh would take exponential time.
type Memo<'t> = HashMap<(usize, usize), Option<&'t str>>;

/// The paragraph under the heading path `parts`, searched from line `from`.
/// Each occurrence of a heading is tried in turn: the table of contents
/// repeats the top-level titles with no paragraph under them.
fn find<'t>(
    lines: &[&'t str],
    from: usize,
    parts: &[&str],
    memo: &mut Memo<'t>,
) -> Option<&'t str> {
    let Some((part, rest)) = parts.split_first() else {
        let line = lines.get(from..)?.iter().find(|l| !l.is_empty())?;
        return if is_heading(line) {
            None
        } else {
            Some(line.strip_prefix("- ").unwrap_or(line))
        };
    };
    if let Some(&known) = memo.get(&(from, parts.len())) {
        return known;
    }
    let rest_of_text = lines.get(from..)?;
    let found = rest_of_text
        .iter()
        .enumerate()
        .filter(|(_, line)| line.strip_prefix("- ").is_some_and(|h| same(h, part)))
        .find_map(|(i, _)| find(lines, from + i + 1, rest, memo));
    memo.insert((from, parts.len()), found);
    found
}

/// Headings compare without case or commas (the table of contents spells
/// some titles with a comma the section itself drops).
fn same(heading: &str, part: &str) -> bool {
    let key = |s: &str| s.trim().to_lowercase().replace(',', "");
    key(heading) == key(part)
}

/// A `- Title` line: a capital letter, short, no sentence in it or at its end.
fn is_heading(line: &str) -> bool {
    line.strip_prefix("- ").is_some_and(|h| {
        h.starts_with(|c: char| c.is_ascii_uppercase())
            && !h.ends_with(['.', ';', ':', ','])
            && h.len() < 130
            && !h.contains(". ")
    })
}

/// `text` wrapped at `width` columns, each line starting with `indent`.
pub(crate) fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.len() > indent.len() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registration_clause_has_its_paragraph() {
        let text = passage(
            SEED,
            "How do we collect and use personal information / Registration and login",
        )
        .unwrap();
        assert!(text.starts_with("In order to facilitate us"), "{text}");
    }

    #[test]
    fn headings_match_without_case_or_commas() {
        let text = passage(
            SEED,
            "Personal information that we may share, transfer, or disclose / Share / Where it is necessary to fulfill statutory obligations",
        )
        .unwrap();
        assert!(
            text.starts_with("We may share your personal information as required"),
            "{text}"
        );
    }

    #[test]
    fn a_heading_followed_by_a_heading_has_no_passage() {
        assert_eq!(
            passage(
                SEED,
                "Personal Information that we may share, transfer or disclose"
            ),
            None
        );
    }

    #[test]
    fn the_table_of_contents_is_passed_over() {
        let text = passage(SEED, "Protection of minors").unwrap();
        assert!(!text.starts_with("- "), "{text}");
        assert!(text.to_lowercase().contains("minor"), "{text}");
    }

    #[test]
    fn an_unknown_clause_has_no_passage() {
        assert_eq!(passage(SEED, "Newsletter"), None);
        assert_eq!(
            passage(
                SEED,
                "How do we collect and use personal information / Nothing"
            ),
            None
        );
    }

    #[test]
    fn repeated_headings_are_searched_in_polynomial_time() {
        // 80 lines of one heading and a clause of 40 of them, with no
        // paragraph anywhere: every choice of occurrences fails, and trying
        // each afresh (C(80, 40) ≈ 10²³ paths) would never finish.
        let text = "- Heading\n".repeat(80);
        let clause = vec!["Heading"; 40].join(" / ");
        let started = std::time::Instant::now();
        assert_eq!(passage(&text, &clause), None);
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("aa bb cc dd", "  ", 8), "  aa bb\n  cc dd\n");
        assert_eq!(wrap("", "  ", 8), "");
    }
}

#[cfg(test)]
mod coverage {
    use super::*;

    #[test]
    fn every_clause_of_the_builtin_policy_is_quoted() {
        // Two seed headings are whole sentences with no paragraph under them
        // (the next line is the `- Transfer` heading): the clause cited is
        // itself the seed's words.
        let sentences = [
            "Personal Information that we may share, transfer or disclose / Share / Where it is necessary for the conclusion or performance of a contract to which the individual concerned is a party",
            "Children's Personal Information Protection Rules and Instructions for Guardians / Children's personal information that we may share, transfer and disclose / Share / When it is necessary for entering into and/or fulfilling a contract to which the child concerned is a party",
        ];
        let engine = lawful::Engine::builtin();
        let mut missing: Vec<&str> = engine
            .rules()
            .iter()
            .map(lawful::policy::Rule::clause)
            .filter(|c| passage(SEED, c).is_none())
            .collect();
        missing.sort_unstable();
        missing.dedup();
        let mut expected = sentences.to_vec();
        expected.sort_unstable();
        assert_eq!(missing, expected);
    }
}
