//! Reading files and policies, and the one-line errors when that fails.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::process::ExitCode;

use lawful::Engine;

/// The exit status for misuse: bad arguments, unreadable files, invalid
/// policies, write errors.
pub(crate) const MISUSE: u8 = 2;

/// The exit status when `check` finds errors or `test` has failing cases.
pub(crate) const FOUND_PROBLEMS: u8 = 1;

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
            eprint!("{details}");
            if !details.ends_with('\n') {
                eprintln!();
            }
        }
        eprintln!("lawful: {}", self.message);
        ExitCode::from(MISUSE)
    }

    /// The message alone (without the `lawful: ` prefix).
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
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

/// Loads the policy a command runs with: the file given, or the built-in
/// seed policy. A policy with errors is printed with its diagnostics.
pub(crate) fn load_policy(path: Option<&Path>) -> Result<Cow<'static, Engine>, Fail> {
    let Some(path) = path else {
        return Ok(Cow::Borrowed(Engine::builtin()));
    };
    let text = read_text(path)?;
    let name = path.display().to_string();
    Engine::from_named_toml(&name, &text)
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
