//! Reading files and policies, and the one-line errors when that fails.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use std::sync::OnceLock;

use lawful::Engine;
use lawful::policy::LoadOptions;

/// The exit status for misuse: bad arguments, unreadable files, invalid
/// policies, write errors.
pub(crate) const MISUSE: u8 = 2;

/// The exit status when `check` finds errors or `test` has failing cases.
pub(crate) const FOUND_PROBLEMS: u8 = 1;

/// The exit status of `verify` and `diff` when, asked to (`--sample`), they
/// decided only a sample of the request space and found nothing in it: no
/// proof, so never the 0 of "every law holds" or "no decision changed".
pub(crate) const SAMPLED_NOTHING_FOUND: u8 = 3;

/// Refuses a request space larger than `--max-classes` unless `--sample`
/// was given; with it, the line every output starts with.
pub(crate) fn sampling(
    space: &lawful::analysis::Space,
    bounds: crate::Bounds,
) -> Result<Option<String>, Fail> {
    let Some(n) = space.sampled() else {
        return Ok(None);
    };
    if !bounds.sample {
        return Err(Fail::new(format!(
            "the request space has {} base classes, more than --max-classes ({}): deciding them all is refused; raise --max-classes, or pass --sample to decide one in {n} (a sample proves nothing)",
            space.base_count(),
            bounds.max_classes
        )));
    }
    Ok(Some(format!(
        "SAMPLED: one base class in {n} of {} was decided (--sample): what follows is not a proof; finding nothing exits with status 3",
        space.base_count()
    )))
}

/// Why a command could not run: one line on stderr (after any details, such
/// as a policy's diagnostics), exit status 2.
#[derive(Debug)]
pub(crate) struct Fail {
    details: Option<String>,
    message: String,
}

impl Fail {
    #[cold]
    pub(crate) fn new(message: impl Into<String>) -> Fail {
        Fail {
            details: None,
            message: message.into(),
        }
    }

    /// A failure with details printed before its one line (diagnostics).
    #[cold]
    pub(crate) fn with_details(details: String, message: impl Into<String>) -> Fail {
        Fail {
            details: Some(details),
            message: message.into(),
        }
    }

    /// Prints the details and the message to stderr; the exit status.
    pub(crate) fn report(&self) -> ExitCode {
        if let Some(details) = &self.details {
            let newline = if details.ends_with('\n') { "" } else { "\n" };
            to_stderr(&format!("{details}{newline}"));
        }
        to_stderr(&format!("lawful: {}\n", self.message));
        ExitCode::from(MISUSE)
    }

    /// The message alone (without the `lawful: ` prefix).
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

/// Writes to stderr. If stderr itself cannot be written there is no one
/// left to tell, so the error is dropped (`eprintln!` would panic instead).
pub(crate) fn to_stderr(text: &str) {
    let _ = io::stderr().lock().write_all(printable(text).as_bytes());
}

/// Text for a terminal: control characters (other than newline and tab),
/// C1 controls and the bidirectional overrides are written as `\u{1b}`,
/// so that text from a policy, a laws file or a privacy policy (a clause,
/// a name, a source line under a caret) cannot move the cursor, recolour
/// or rewrite the screen, or reorder what is shown.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    let risky = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(risky) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if risky(c) {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A writer of text for a terminal: everything written passes through
/// [`printable`]. (Writers hand it whole `str` pieces, so no character is
/// split between two writes.)
#[derive(Debug)]
pub(crate) struct Terminal<W: Write>(pub(crate) W);

impl<W: Write> Write for Terminal<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(printable(text).as_bytes()),
            Err(_) => self
                .0
                .write_all(printable(&String::from_utf8_lossy(buf)).as_bytes()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Buffered, locked standard output for text read by people (see
/// [`Terminal`]).
pub(crate) fn terminal() -> Terminal<BufWriter<io::StdoutLock<'static>>> {
    Terminal(stdout())
}

/// Buffered, locked standard output. Every command writes through one and
/// hands what writing came to to [`written`].
pub(crate) fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

/// The exit status of a command that exited with `status` after writing its
/// output with `result`: a reader that went away (broken pipe: `lawful check
/// … | head -1`) ends the command quietly with the status it had so far; any
/// other write error (a full disk) is misuse, exit 2.
pub(crate) fn written(status: ExitCode, result: io::Result<()>) -> Result<ExitCode, Fail> {
    match result {
        Ok(()) => Ok(status),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(status),
        Err(e) => Err(write_error(&e)),
    }
}

/// The one-line error for output that could not be written.
#[cold]
pub(crate) fn write_error(e: &io::Error) -> Fail {
    Fail::new(format!("cannot write to standard output: {}", io_words(e)))
}

/// An I/O error in words, lowercase, without the OS error number.
pub(crate) fn io_words(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        io::ErrorKind::InvalidData => "it is not UTF-8 text".into(),
        _ => {
            let text = e.to_string().to_lowercase();
            // "broken pipe (os error 32)" → "broken pipe"
            match text.find(" (os error") {
                Some(i) => text.get(..i).unwrap_or(&text).to_owned(),
                None => text,
            }
        }
    }
}

/// The error for a path that cannot be read.
#[cold]
pub(crate) fn cannot_read(path: &Path, e: &io::Error) -> Fail {
    Fail::new(format!("cannot read `{}`: {}", path.display(), io_words(e)))
}

/// Refuses a directory where a file was expected (opening one succeeds on
/// some systems, and only reading it fails, with a less clear message).
fn refuse_directory(path: &Path) -> Result<(), Fail> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(Fail::new(format!(
            "cannot read `{}`: it is a directory",
            path.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) => Err(cannot_read(path, &e)),
    }
}

/// Reads a whole text file.
pub(crate) fn read_text(path: &Path) -> Result<String, Fail> {
    refuse_directory(path)?;
    std::fs::read_to_string(path).map_err(|e| cannot_read(path, &e))
}

/// The load limits every command uses (`--max-policy-bytes`).
static LOAD_OPTIONS: OnceLock<LoadOptions> = OnceLock::new();

/// Sets the load limits, once, before any policy is read.
pub(crate) fn set_load_options(options: LoadOptions) {
    let _ = LOAD_OPTIONS.set(options);
}

fn load_options() -> LoadOptions {
    LOAD_OPTIONS.get().copied().unwrap_or_default()
}

/// Reads a regular file of at most `max` bytes, without waiting: it is
/// opened non-blocking (a named pipe then opens at once instead of waiting
/// for a writer) and refused when the opened file is not a regular file (a
/// pipe, a device such as `/dev/zero`, a socket); it is read at most one
/// byte past `max`, so a larger file is refused unread.
pub(crate) fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, Fail> {
    use std::os::unix::fs::OpenOptionsExt as _;
    refuse_directory(path)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| cannot_read(path, &e))?;
    let kind = file
        .metadata()
        .map_err(|e| cannot_read(path, &e))?
        .file_type();
    if !kind.is_file() {
        return Err(Fail::new(format!(
            "cannot read `{}`: it is not a regular file (a pipe, a device or a socket)",
            path.display()
        )));
    }
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| cannot_read(path, &e))?;
    if bytes.len() as u64 > max {
        return Err(Fail::new(format!(
            "cannot read `{}`: it is larger than the limit of {max} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Reads a policy file's bytes, within the size limit (`--max-policy-bytes`):
/// a larger file is refused unread, and so is anything but a regular file.
pub(crate) fn read_policy_bytes(path: &Path) -> Result<Vec<u8>, Fail> {
    let max = load_options().bytes_limit();
    read_regular(path, u64::try_from(max).unwrap_or(u64::MAX)).map_err(|fail| {
        if fail.message().contains("larger than the limit") {
            Fail::new(format!(
                "cannot read `{}`: it is larger than the limit of {max} bytes (see `--max-policy-bytes`)",
                path.display()
            ))
        } else {
            fail
        }
    })
}

/// Reads a policy file, at most one byte past the size limit: a larger
/// file (or `/dev/zero`) is refused unread, and so is a named pipe.
pub(crate) fn read_policy_text(path: &Path) -> Result<String, Fail> {
    let bytes = read_policy_bytes(path)?;
    String::from_utf8(bytes)
        .map_err(|_| cannot_read(path, &io::Error::from(io::ErrorKind::InvalidData)))
}

/// Whether a path argument means standard input.
pub(crate) fn is_stdin(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p.as_os_str() == "-")
}

/// Reads a whole text file, or standard input for `-`.
pub(crate) fn read_text_or_stdin(path: &Path) -> Result<String, Fail> {
    if is_stdin(Some(path)) {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Fail::new(format!("cannot read standard input: {}", io_words(&e))))?;
        Ok(text)
    } else {
        read_text(path)
    }
}

/// Opens a stream of lines: a file, or standard input for `-` or none.
pub(crate) fn open_lines(path: Option<&Path>) -> Result<BufReader<Box<dyn Read>>, Fail> {
    let reader: Box<dyn Read> = match path {
        Some(path) if !is_stdin(Some(path)) => {
            refuse_directory(path)?;
            Box::new(File::open(path).map_err(|e| cannot_read(path, &e))?)
        }
        _ => Box::new(io::stdin()),
    };
    Ok(BufReader::with_capacity(64 * 1024, reader))
}

/// The name of an input in messages.
pub(crate) fn input_name(path: Option<&Path>) -> String {
    match path {
        Some(path) if !is_stdin(Some(path)) => format!("`{}`", path.display()),
        _ => "standard input".into(),
    }
}

/// Loads policy text within the load limits.
pub(crate) fn load_text(name: &str, text: &str) -> Result<Engine, lawful::LoadError> {
    Engine::from_named_toml_with(name, text, load_options())
}

/// Loads the policy a command runs with: the file given, or the built-in
/// seed policy. A policy with errors is printed with its diagnostics.
pub(crate) fn load_policy(path: Option<&Path>) -> Result<Cow<'static, Engine>, Fail> {
    let Some(path) = path else {
        return Ok(Cow::Borrowed(Engine::builtin()));
    };
    let text = read_policy_text(path)?;
    let name = path.display().to_string();
    Engine::from_named_toml_with(&name, &text, load_options())
        .map(Cow::Owned)
        .map_err(|e| {
            let count = e.diagnostics().len();
            let errors = if count == 1 { "error" } else { "errors" };
            Fail {
                details: Some(e.to_string()),
                message: format!("policy `{name}` has {count} {errors}"),
            }
        })
}

/// [`emit`] for text read by people (see [`printable`]).
pub(crate) fn emit_text(text: &str, status: ExitCode) -> Result<ExitCode, Fail> {
    emit(&printable(text), status)
}

/// Writes a command's whole output to standard output, with the write
/// errors of every command: a closed pipe ends quietly with `status`, any
/// other error is exit 2.
pub(crate) fn emit(text: &str, status: ExitCode) -> Result<ExitCode, Fail> {
    use std::io::Write as _;
    let mut out = stdout();
    let result = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    written(status, result)
}

#[cfg(test)]
mod tests {
    #[test]
    fn printable_text_shows_control_characters() {
        assert_eq!(super::printable("plain: ok\n\tso"), "plain: ok\n\tso");
        assert_eq!(
            super::printable("a\u{1b}[31mred\u{7}\r"),
            "a\\u{1b}[31mred\\u{7}\\u{d}"
        );
        assert_eq!(super::printable("\u{9b}2J\u{202e}x"), "\\u{9b}2J\\u{202e}x");
    }
}
