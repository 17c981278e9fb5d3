//! "Did you mean ...?" for misspelled names: the closest candidate by edit
//! distance, if it is close enough to be a plausible typo.

/// The candidate closest to `input`, if within a typo's distance (about a
/// third of the input's length, at least 2 edits). Ties go to the first.
pub(crate) fn did_you_mean<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (input.chars().count() / 3).max(2);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == input {
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
}
