//! Load errors of rule and config files: file, 1-based line and column, and what to do.

use std::fmt;

/// A load error: file, 1-based line and column, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    /// An error at byte `offset` of `text`, the contents of `file`.
    pub fn at(file: &str, text: &str, offset: usize, message: String) -> LoadError {
        let (line, column) = line_col(text, offset);
        LoadError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Turns a TOML parse error into a [`LoadError`] with line and column.
pub fn toml_error(file: &str, text: &str, err: &toml::de::Error) -> LoadError {
    let (line, column) = err.span().map_or((1, 1), |s| line_col(text, s.start));
    LoadError {
        file: file.to_string(),
        line,
        column,
        // The toml crate leaves some errors without words (a control character in a
        // comment, found by fuzzing): say what the position means.
        message: match err.message().trim() {
            "" => {
                "invalid TOML at this position (a control character, or a syntax error)".to_string()
            }
            m => m.to_string(),
        },
    }
}
