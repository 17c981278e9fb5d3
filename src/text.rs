//! Whether text shows anything: a citation, a name or a reference made only
//! of spaces, control or invisible format characters is no citation, no
//! name, no reference (it must never pass for one).

/// Whether text has a character a reader can see.
pub(crate) fn visible(text: &str) -> bool {
    text.chars().any(|c| !is_invisible(c))
}

/// Whether a character shows nothing: whitespace, a control character, or
/// one of the invisible format characters (Unicode category Cf, and the
/// joiners, fillers and variation selectors that render as nothing).
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_invisible_text_shows_nothing() {
        for blank in ["", " ", "\t\n", "\u{200B}", " \u{2060} "] {
            assert!(!visible(blank), "{blank:?}");
        }
        assert!(visible("Acme"));
    }
}
