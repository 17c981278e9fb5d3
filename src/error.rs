//! Load errors: every problem in a policy file at once, each with its line,
//! column, the offending text underlined with carets, and a hint.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::suggest::did_you_mean;

/// What kind of problem a [`Diagnostic`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The file is not valid TOML.
    Syntax,
    /// A key the policy language does not have (a typo, usually).
    UnknownKey,
    /// A required key is missing.
    MissingKey,
    /// A value of the wrong TOML type (a string where a list belongs...).
    WrongType,
    /// A value that does not parse: a bad duration, an unknown action, basis,
    /// obligation, recipient kind, a malformed name or offset.
    InvalidValue,
    /// A rule names a category the policy does not declare.
    UndeclaredCategory,
    /// A rule names a purpose the policy does not declare.
    UndeclaredPurpose,
    /// The policy names a jurisdiction it does not declare.
    UndeclaredJurisdiction,
    /// Two rules, categories, purposes or jurisdictions share an id or name.
    Duplicate,
    /// A permit rule lists no lawful basis.
    MissingBasis,
    /// A permit rule has no retention period.
    MissingRetention,
    /// A permit rule can never apply: a deny rule covers all it permits.
    ShadowedRule,
    /// The policy file could not be read.
    Io,
    /// A permit rule lets a subject of unknown age be decided as an adult
    /// (`unknown_age = "adult"`): a warning, so counsel review each one; an
    /// error on sensitive or special categories, or on any action but
    /// collect, use, store and entrust.
    UnknownAgeAsAdult,
    /// The policy is past a load limit (its size, a name's length, the
    /// number of rules...; see [`LoadOptions`](crate::policy::LoadOptions)).
    TooLarge,
    /// The `[record]` table names a rule the policy does not declare.
    UndeclaredRule,
    /// Something that loads but deserves counsel's review (a warning): an
    /// `occasional` rule covering `entrust`, a minimum retention for every
    /// purpose, an adequacy table older than the policy.
    Review,
}

/// One problem in a policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    kind: DiagnosticKind,
    message: Box<str>,
    span: Range<usize>,
    help: Option<Box<str>>,
    note: Option<(Range<usize>, Box<str>)>,
}

impl Diagnostic {
    #[cold]
    pub(crate) fn new(
        kind: DiagnosticKind,
        span: Range<usize>,
        message: impl Into<Box<str>>,
    ) -> Self {
        Diagnostic {
            kind,
            message: message.into(),
            span,
            help: None,
            note: None,
        }
    }

    /// Adds a hint (`did you mean ...`).
    #[cold]
    #[must_use]
    pub(crate) fn help(mut self, help: impl Into<Box<str>>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a hint if there is one.
    #[cold]
    #[must_use]
    pub(crate) fn maybe_help(self, help: Option<String>) -> Self {
        match help {
            Some(help) => self.help(help),
            None => self,
        }
    }

    /// Points at a second place (`first defined here`).
    #[cold]
    #[must_use]
    pub(crate) fn note(mut self, span: Range<usize>, label: impl Into<Box<str>>) -> Self {
        self.note = Some((span, label.into()));
        self
    }

    /// The kind of problem.
    pub fn kind(&self) -> DiagnosticKind {
        self.kind
    }

    /// The message: lowercase, user input in backticks, no final period.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte range of the offending text in the source.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// A hint to fix it.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// A second place the problem involves, with its label.
    pub fn note_span(&self) -> Option<(Range<usize>, &str)> {
        self.note
            .as_ref()
            .map(|(span, label)| (span.clone(), &**label))
    }
}

/// A policy source: its name (a path, or `<builtin>`) and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Source {
    pub(crate) name: Box<str>,
    pub(crate) text: Box<str>,
}

/// A policy that could not be loaded, with every problem found.
///
/// Its `Display` renders each diagnostic like a compiler does:
///
/// ```text
/// error: unknown key `categorie` in permit rule
///  --> policy.toml:12:1
///    |
/// 12 | categorie = ["account"]
///    | ^^^^^^^^^
///    = help: did you mean `categories`?
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    source: Arc<Source>,
    diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// INVARIANT: callers pass at least one diagnostic.
    #[cold]
    pub(crate) fn new(source: Arc<Source>, mut diagnostics: Vec<Diagnostic>) -> LoadError {
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        diagnostics.dedup();
        // After a syntax error, everything else is reported on the parser's
        // guess at what the text meant: a missing `]` makes the lines after
        // it part of an array, and every check downstream then fails on
        // something that is not wrong. Only the first syntax error can be
        // trusted; it is reported alone.
        if let Some(first) = diagnostics
            .iter()
            .find(|d| d.kind == DiagnosticKind::Syntax)
            .cloned()
        {
            diagnostics = vec![sharpen_syntax_error(&source.text, first)];
        }
        LoadError {
            source,
            diagnostics,
        }
    }

    /// Every problem, in source order. Never empty.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The name of the file (its path, or `<builtin>`).
    pub fn file_name(&self) -> &str {
        &self.source.name
    }

    /// The 1-based line and column (in characters) of a byte offset. A
    /// line ends at LF, CRLF or CR.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        line_column(&self.source.text, offset)
    }

    /// A policy larger than `limit` bytes: its text is not kept.
    #[cold]
    pub(crate) fn too_large(name: &str, limit: usize) -> LoadError {
        let source = Arc::new(Source {
            name: name.into(),
            text: "".into(),
        });
        let diagnostic = Diagnostic::new(
            DiagnosticKind::TooLarge,
            0..0,
            format!("the policy is larger than the limit of {limit} bytes"),
        )
        .help("split it, or raise the limit (`LoadOptions::max_bytes`, `--max-policy-bytes`)");
        LoadError::new(source, vec![diagnostic])
    }
}

/// How many diagnostics `Display` renders; the rest are counted.
pub(crate) const MAX_RENDERED_DIAGNOSTICS: usize = 50;

/// The widest source excerpt a diagnostic shows, in characters.
const WINDOW: usize = 120;

/// How many characters of the line before the span a window keeps.
const LEAD: usize = 40;

/// The longest message or hint rendered, in characters.
const MAX_MESSAGE: usize = 400;

impl fmt::Display for LoadError {
    /// Renders the first 50 diagnostics, each with at most 120 columns of
    /// its source line, then how many more there are. Line starts are found once, so rendering is linear in the
    /// text and the diagnostics shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render_all(f, &self.source, &self.diagnostics, Severity::Error)
    }
}

/// The warnings of a policy that loaded, rendered against its source like
/// the errors of a [`LoadError`] but labelled `warning:` (see
/// [`Engine::render_warnings`](crate::Engine::render_warnings)).
///
/// ```text
/// warning: rule `browse` decides a subject of unknown age as an adult
///    --> policies/default.toml:671:15
///     |
/// 671 | unknown_age = "adult"
///     |               ^^^^^^^
///     = help: make sure the processing needs no age: ...
/// ```
///
/// Renders nothing when there are no warnings; diagnostics are separated by
/// a blank line, and each ends with a newline.
#[derive(Clone, Copy, Debug)]
pub struct Warnings<'a> {
    source: &'a Source,
    diagnostics: &'a [Diagnostic],
}

impl<'a> Warnings<'a> {
    pub(crate) fn new(source: &'a Source, diagnostics: &'a [Diagnostic]) -> Warnings<'a> {
        Warnings {
            source,
            diagnostics,
        }
    }

    /// The warnings, in source order.
    pub fn diagnostics(&self) -> &'a [Diagnostic] {
        self.diagnostics
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.diagnostics.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }
}

impl fmt::Display for Warnings<'_> {
    /// Every warning, each with its source line and carets (the same
    /// rendering and bounds as a [`LoadError`]'s errors).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render_all(f, self.source, self.diagnostics, Severity::Warning)
    }
}

/// Renders the first [`MAX_RENDERED_DIAGNOSTICS`] diagnostics against their
/// source, then how many more there are. Line starts are found once, so
/// rendering is linear in the text and the diagnostics shown.
fn render_all(
    f: &mut fmt::Formatter<'_>,
    source: &Source,
    diagnostics: &[Diagnostic],
    severity: Severity,
) -> fmt::Result {
    if diagnostics.is_empty() {
        return Ok(());
    }
    let lines = LineStarts::new(&source.text);
    for (i, diagnostic) in diagnostics
        .iter()
        .take(MAX_RENDERED_DIAGNOSTICS)
        .enumerate()
    {
        if i > 0 {
            writeln!(f)?;
        }
        render(f, source, &lines, diagnostic, severity)?;
    }
    let more = diagnostics.len().saturating_sub(MAX_RENDERED_DIAGNOSTICS);
    if more > 0 {
        let noun = match (severity, more) {
            (Severity::Error, 1) => "error",
            (Severity::Error, _) => "errors",
            (Severity::Warning, 1) => "warning",
            (Severity::Warning, _) => "warnings",
        };
        writeln!(f, "\n... and {more} more {noun}")?;
    }
    Ok(())
}

/// How a diagnostic is labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Severity {
    Error,
    Warning,
}

/// Where each line of a text starts; a line ends at LF, CRLF or CR.
struct LineStarts {
    starts: Vec<usize>,
}

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            i += 1;
            match b {
                b'\n' => starts.push(i),
                b'\r' => {
                    if bytes.get(i) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i);
                }
                _ => {}
            }
        }
        LineStarts { starts }
    }

    /// The 0-based line of a byte offset, and its start.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = self
            .starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        (line, self.starts.get(line).copied().unwrap_or(0))
    }

    /// One past the last byte of line `line`'s text (before its line end).
    fn end_of(&self, text: &str, line: usize) -> usize {
        let next = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let body = text.get(..next).unwrap_or(text);
        let body = body.strip_suffix('\n').unwrap_or(body);
        let body = body.strip_suffix('\r').unwrap_or(body);
        body.len()
    }
}

impl std::error::Error for LoadError {}

/// Makes the first syntax error say what is wrong where the parser cannot:
/// when it stumbles on a `key =` line while still inside an array, the
/// array above was never closed, and the error points at its `[`.
fn sharpen_syntax_error(text: &str, error: Diagnostic) -> Diagnostic {
    let at = error.span.start.min(text.len());
    let line_start = text
        .get(..at)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text.get(line_start..).unwrap_or("");
    let line = line.split('\n').next().unwrap_or("");
    if !starts_with_key(line) {
        return error;
    }
    let Some(open) = unclosed_array(text.get(..line_start).unwrap_or("")) else {
        return error;
    };
    let (open_line, _) = line_column(text, open);
    let (stumble_line, _) = line_column(text, line_start);
    Diagnostic::new(
        DiagnosticKind::Syntax,
        open..open + 1,
        "unclosed array: this `[` has no matching `]`",
    )
    .help(format!(
        "close the array with `]` (it opens on line {open_line}; line {stumble_line} starts a new key)"
    ))
}

/// Whether a line starts with `key =` (a bare or dotted key).
fn starts_with_key(line: &str) -> bool {
    let line = line.trim_start();
    let key_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .unwrap_or(line.len());
    key_len > 0
        && line
            .get(key_len..)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// The offset of the innermost value array (`key = [`) still open at the
/// end of `text`, skipping strings, comments and table headers.
fn unclosed_array(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while let Some(&b) = bytes.get(i) {
        let rest = bytes.get(i..).unwrap_or_default();
        match b {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i += rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
                continue;
            }
            b'"' | b'\'' => {
                let triple = [b, b, b];
                let (skip, end) = if rest.starts_with(&triple) {
                    (
                        3,
                        find_close(rest.get(3..).unwrap_or_default(), &triple, b == b'"'),
                    )
                } else {
                    (
                        1,
                        find_close(rest.get(1..).unwrap_or_default(), &[b], b == b'"'),
                    )
                };
                i += skip + end.unwrap_or(rest.len());
            }
            b'[' if line_start && open.is_empty() => {
                // A table header: `[name]` or `[[name]]`.
                i += rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
                continue;
            }
            b'[' | b'{' => {
                open.push((b, i));
                i += 1;
            }
            b']' | b'}' => {
                let want = if b == b']' { b'[' } else { b'{' };
                if open.last().is_some_and(|&(o, _)| o == want) {
                    open.pop();
                }
                i += 1;
            }
            _ => i += 1,
        }
        line_start = false;
    }
    open.iter()
        .rev()
        .find(|&&(b, _)| b == b'[')
        .map(|&(_, at)| at)
}

/// The length up to and including the closing delimiter, for a string body
/// starting at `body[0]`.
fn find_close(body: &[u8], delimiter: &[u8], escapes: bool) -> Option<usize> {
    let mut i = 0;
    while i < body.len() {
        if escapes && body.get(i) == Some(&b'\\') {
            i += 2;
            continue;
        }
        if body.get(i..).is_some_and(|s| s.starts_with(delimiter)) {
            return Some(i + delimiter.len());
        }
        if delimiter.len() == 1 && body.get(i) == Some(&b'\n') {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_boundary(text, offset.min(text.len()));
    let (line, start) = LineStarts::new(text).line_of(offset);
    let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
    (line + 1, column)
}

/// The largest char boundary at or before `offset`.
fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// `text` cut to `max` characters, with `…` when cut.
fn bounded(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)).into(),
        None => text.into(),
    }
}

/// Writes one diagnostic: message, location, the source line, carets, hint.
fn render(
    f: &mut fmt::Formatter<'_>,
    source: &Source,
    lines: &LineStarts,
    d: &Diagnostic,
    severity: Severity,
) -> fmt::Result {
    let label = match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(f, "{label}: {}", bounded(&d.message, MAX_MESSAGE))?;
    let gutter = if source.text.is_empty() && d.span.is_empty() {
        writeln!(f, " --> {}", source.name)?;
        1
    } else {
        let gutter = snippet(f, source, lines, &d.span, None)?;
        if let Some((span, label)) = &d.note {
            snippet(f, source, lines, span, Some(label))?;
        }
        gutter
    };
    if let Some(help) = &d.help {
        writeln!(
            f,
            "{} = help: {}",
            " ".repeat(gutter),
            bounded(help, MAX_MESSAGE)
        )?;
    }
    Ok(())
}

/// Writes ` --> file:line:col`, the source line, and carets under the span
/// (only its first line, for spans that cross lines). A line longer than
/// [`WINDOW`] characters is shown as a window around the span, cut ends
/// marked `…`. Returns the width of the line-number gutter.
fn snippet(
    f: &mut fmt::Formatter<'_>,
    source: &Source,
    lines: &LineStarts,
    span: &Range<usize>,
    label: Option<&str>,
) -> Result<usize, fmt::Error> {
    let text = &source.text;
    let start = floor_boundary(text, span.start.min(text.len()));
    let (line_index, line_start) = lines.line_of(start);
    let line_end = lines.end_of(text, line_index).max(start);
    let line = line_index + 1;
    let before = text.get(line_start..start).unwrap_or("");
    let column = before.chars().count() + 1;
    let end = floor_boundary(text, span.end.clamp(start, line_end));
    let width = text.get(start..end).map_or(0, |s| s.chars().count()).max(1);
    // The window: up to LEAD characters before the span, WINDOW in all.
    let skip = (column - 1).saturating_sub(LEAD);
    let shown_before: &str = match before.char_indices().nth(skip) {
        Some((i, _)) => before.get(i..).unwrap_or(""),
        None => before,
    };
    let after = text.get(start..line_end).unwrap_or("");
    let room = WINDOW.saturating_sub(column - 1 - skip);
    let (shown_after, cut_after) = match after.char_indices().nth(room) {
        Some((i, _)) => (after.get(..i).unwrap_or(""), true),
        None => (after, false),
    };
    let left = if skip > 0 { "…" } else { "" };
    let right = if cut_after { "…" } else { "" };
    let width = width.min(shown_after.chars().count().max(1));
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    writeln!(f, "{pad}--> {}:{line}:{column}", source.name)?;
    writeln!(f, "{pad} |")?;
    writeln!(f, "{line} | {left}{shown_before}{shown_after}{right}")?;
    let indent: String = left
        .chars()
        .chain(shown_before.chars())
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    match label {
        Some(label) => writeln!(
            f,
            "{pad} | {indent}{} {}",
            "-".repeat(width),
            bounded(label, MAX_MESSAGE)
        )?,
        None => writeln!(f, "{pad} | {indent}{}", "^".repeat(width))?,
    }
    Ok(gutter)
}

/// What kind of name failed to resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameKind {
    /// A data category.
    Category,
    /// A purpose.
    Purpose,
    /// A jurisdiction.
    Jurisdiction,
}

impl NameKind {
    fn as_str(self) -> &'static str {
        match self {
            NameKind::Category => "category",
            NameKind::Purpose => "purpose",
            NameKind::Jurisdiction => "jurisdiction",
        }
    }
}

/// A name the policy does not declare.
///
/// ```
/// let err = lawful::Engine::builtin().category("acount.phone").unwrap_err();
/// assert_eq!(err.to_string(), "unknown category `acount.phone`: did you mean `account.phone`?");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    kind: NameKind,
    name: Box<str>,
    suggestion: Option<Box<str>>,
}

impl NameError {
    #[cold]
    pub(crate) fn new<'a>(
        kind: NameKind,
        name: &str,
        candidates: impl Iterator<Item = &'a str>,
    ) -> NameError {
        NameError {
            kind,
            name: name.into(),
            suggestion: did_you_mean(name, candidates).map(Into::into),
        }
    }

    /// What kind of name it was.
    pub fn kind(&self) -> NameKind {
        self.kind
    }

    /// The name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The closest declared name, if one is close.
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}`", self.kind.as_str(), self.name)?;
        if let Some(suggestion) = &self.suggestion {
            write!(f, ": did you mean `{suggestion}`?")?;
        }
        Ok(())
    }
}

impl std::error::Error for NameError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (2, 9));
    }

    #[test]
    fn cr_and_crlf_end_lines_too() {
        let text = "a = 1\r\nb = 2\rc = x\n";
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (3, 5));
        let err = LoadError::new(
            Arc::new(Source {
                name: "p.toml".into(),
                text: text.into(),
            }),
            vec![Diagnostic::new(
                DiagnosticKind::InvalidValue,
                x..x + 1,
                "bad",
            )],
        );
        assert_eq!(
            err.to_string(),
            "error: bad\n --> p.toml:3:5\n  |\n3 | c = x\n  |     ^\n"
        );
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_span() {
        let text = format!("k = \"{}X{}\"\n", "a".repeat(10_000), "b".repeat(10_000));
        let x = text.find('X').unwrap();
        let err = LoadError::new(
            Arc::new(Source {
                name: "p.toml".into(),
                text: text.as_str().into(),
            }),
            vec![Diagnostic::new(
                DiagnosticKind::InvalidValue,
                x..x + 1,
                "bad",
            )],
        );
        let rendered = err.to_string();
        let lines: Vec<&str> = rendered.lines().collect();
        assert_eq!(lines[1], " --> p.toml:1:10006");
        assert_eq!(
            lines[3],
            format!("1 | …{}X{}…", "a".repeat(40), "b".repeat(79))
        );
        assert_eq!(lines[4], format!("  | {}^", " ".repeat(41)));
        assert!(rendered.len() < 600, "{rendered}");
    }

    #[test]
    fn rendering_is_bounded_in_diagnostics_and_linear_in_the_text() {
        // 40,000 errors on one 200 KB line: the first 50 are shown, each
        // with a bounded excerpt, and the rest are counted.
        let text = "x ".repeat(100_000);
        let diagnostics = (0..40_000)
            // (Not syntax errors: after one, only the first is kept.)
            .map(|i| Diagnostic::new(DiagnosticKind::InvalidValue, 2 * i..2 * i + 1, "bad"))
            .collect();
        let err = LoadError::new(
            Arc::new(Source {
                name: "p.toml".into(),
                text: text.as_str().into(),
            }),
            diagnostics,
        );
        let started = std::time::Instant::now();
        let rendered = err.to_string();
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert!(rendered.len() < 50 * 400, "{}", rendered.len());
        assert!(
            rendered.ends_with("\n... and 39950 more errors\n"),
            "{rendered}"
        );
        assert_eq!(rendered.matches("error: bad").count(), 50);
    }

    #[test]
    fn rendering_underlines_the_span() {
        let source = Arc::new(Source {
            name: "p.toml".into(),
            text: "[policy]\nidd = 1\n".into(),
        });
        let err = LoadError::new(
            source,
            vec![
                Diagnostic::new(DiagnosticKind::UnknownKey, 9..12, "unknown key `idd`")
                    .help("did you mean `id`?"),
            ],
        );
        assert_eq!(
            err.to_string(),
            "error: unknown key `idd`\n --> p.toml:2:1\n  |\n2 | idd = 1\n  | ^^^\n  = help: did you mean `id`?\n"
        );
    }
}
