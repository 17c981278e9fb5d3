//! "Did you mean ...?" for misspelled names: the closest candidate by edit
//! distance, if it is close enough to be a plausible typo.

/// Names longer than this (in bytes) get no suggestion: no name the policy
/// language knows is that long, and comparing costs time per byte.
pub(crate) const MAX_SUGGESTED_LEN: usize = 64;

/// The candidate closest to `input`, if within a typo's distance (about a
/// third of the input's length, at least 2 edits). Ties go to the first.
///
/// Its cost is bounded whatever the input: an input longer than
/// [`MAX_SUGGESTED_LEN`] bytes gets no suggestion, and a candidate whose
/// length differs from the input's by more than the allowed distance is
/// not compared (it cannot be within it).
pub(crate) fn did_you_mean<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    if input.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    let input_chars = input.chars().count();
    let limit = (input_chars / 3).max(2);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        // A char is at most 4 bytes: a longer candidate has too many chars,
        // and is skipped before its chars are counted.
        if candidate == input
            || candidate.len() > 4 * (input_chars + limit)
            || candidate.chars().count().abs_diff(input_chars) > limit
        {
            continue;
        }
        let distance = edit_distance(input, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars, with one row of memory.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        let mut left = i + 1;
        for (slot, cb) in row.iter_mut().skip(1).zip(&b) {
            let up = *slot;
            let cost = diagonal + usize::from(ca != *cb);
            left = cost.min(up + 1).min(left + 1);
            diagonal = up;
            *slot = left;
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("acount.phone", "account.phone"), 1);
    }

    #[test]
    fn suggests_only_plausible_typos() {
        let names = ["account.phone", "account.email", "location.precise"];
        assert_eq!(
            did_you_mean("acount.phone", names.iter().copied()),
            Some("account.phone")
        );
        assert_eq!(did_you_mean("helth", names.iter().copied()), None);
    }

    #[test]
    fn long_names_cost_no_comparison() {
        // A megabyte-long unknown name against megabyte-long candidates: with
        // the guards this is instant; without them, minutes.
        let long = "a".repeat(1 << 20);
        let other = format!("{long}b");
        let started = std::time::Instant::now();
        assert_eq!(did_you_mean(&long, [other.as_str(), "account"]), None);
        assert_eq!(did_you_mean("account", [other.as_str()]), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // Lengths further apart than the distance allowed are never close.
        assert_eq!(did_you_mean("ab", ["abcdefgh"]), None);
        assert_eq!(did_you_mean("acount", ["account"]), Some("account"));
    }
}
