//! Tests as transcripts: a fluent builder that runs one command in a
//! [`TestEnv`] and checks its exit code, its exact stdout and its exact
//! stderr after [filters](Filters) have replaced what varies from run to
//! run (the temp root, loopback ports, times, minted tokens, pids).
//!
//! ```ignore
//! env.case(["token", "-p", "org"]).run()
//!     .code(3)
//!     .stdout("")
//!     .stderr("authtool: error: profile 'org': …\nhint: authtool login org\n");
//! ```
//!
//! On a mismatch the panic shows the command, its stdin, what was expected
//! and what came, line by line (`-` expected, `+` actual), after filtering,
//! and then the whole filtered transcript.
//!
//! Writing a new transcript: put any text as the expectation and run with
//! `TRANSCRIPT_SOFT=1 cargo test --test it NAME -- --nocapture`: every
//! stdout/stderr mismatch is then printed (filtered, with its source line)
//! instead of failing, so one run shows them all. Read them before pasting.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use regex::Regex;

use super::cmd::{TestEnv, authtool_bin};

/// Replacements applied to stdout and stderr before they are compared: first
/// the literal values a test registered (longest first), then the patterns.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    literals: Vec<(String, String)>,
    patterns: Vec<(Regex, String)>,
}

impl Filters {
    /// The filters every case gets:
    /// - the temp root → `[ROOT]`;
    /// - loopback ports → `127.0.0.1:[PORT]` (also `localhost`, `[::1]`);
    /// - RFC 3339 times → `[TIME]`;
    /// - the pid in authtool's lock messages → `[PID]`;
    /// - times that move with the clock: `in 59m 58s` → `in [DURATION]`,
    ///   `3s ago` → `[DURATION] ago`, `valid for 9m 59s` → `valid for
    ///   [DURATION]`;
    /// - a jittered back-off, `retrying in 232ms` → `retrying in [DELAY]`;
    /// - `(131 bytes)` → `([SIZE] bytes)` (minted tokens vary in length).
    pub fn standard(root: &Path) -> Filters {
        let mut filters = Filters::default();
        filters.literal(root.display().to_string(), "[ROOT]");
        if let Ok(canonical) = root.canonicalize() {
            filters.literal(canonical.display().to_string(), "[ROOT]");
        }
        filters.pattern(r"(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}\b", "$1:[PORT]");
        filters.pattern(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[TIME]",
        );
        filters.pattern(r"\b(authtool process|kill) \d+\b", "$1 [PID]");
        // How long until a token expires, or since it did: the clock moves.
        filters.pattern(r"\bin \d+[dhms]( \d+[dhms])?\b", "in [DURATION]");
        filters.pattern(r"\b\d+[dhms]( \d+[dhms])? ago\b", "[DURATION] ago");
        // A lifetime measured on arrival: 600 s may show as 9m 59s.
        filters.pattern(
            r"\bvalid for \d+[dhms]( \d+[dhms])?",
            "valid for [DURATION]",
        );
        // A retry's back-off is jittered.
        filters.pattern(r"\bretrying in \d+ms\b", "retrying in [DELAY]");
        // The size of an answer that carries a minted token.
        filters.pattern(r"\(\d+ bytes\)", "([SIZE] bytes)");
        filters
    }

    /// Replaces every occurrence of `value` (empty values are ignored).
    pub fn literal(&mut self, value: impl Into<String>, placeholder: impl Into<String>) {
        let value = value.into();
        if !value.is_empty() {
            self.literals.push((value, placeholder.into()));
            self.literals
                .sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        }
    }

    /// Replaces every match of the regular expression `pattern` (`$1` etc.
    /// name its groups).
    pub fn pattern(&mut self, pattern: &str, replacement: impl Into<String>) {
        let regex = Regex::new(pattern).unwrap_or_else(|e| panic!("filter `{pattern}`: {e}"));
        self.patterns.push((regex, replacement.into()));
    }

    /// `text` with every filter applied.
    pub fn apply(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (value, placeholder) in &self.literals {
            text = text.replace(value.as_str(), placeholder);
        }
        for (regex, replacement) in &self.patterns {
            text = regex.replace_all(&text, replacement.as_str()).into_owned();
        }
        text
    }

    fn extend(&mut self, other: &Filters) {
        for (value, placeholder) in &other.literals {
            self.literal(value.clone(), placeholder.clone());
        }
        self.patterns.extend(other.patterns.iter().cloned());
    }
}

/// One command to run in a [`TestEnv`]: program (authtool unless
/// [`Case::program`]), arguments, stdin, environment changes and filters.
#[must_use = "a case does nothing until .run()"]
pub struct Case<'e> {
    env: &'e TestEnv,
    program: PathBuf,
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    vars: Vec<(OsString, Option<OsString>)>,
    filters: Filters,
}

impl TestEnv {
    /// `authtool ARGS` in this environment, as a [`Case`].
    pub fn case<I, S>(&self, args: I) -> Case<'_>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut filters = Filters::standard(self.root());
        filters.extend(&self.filters());
        Case {
            env: self,
            program: authtool_bin(),
            args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
            stdin: None,
            vars: Vec::new(),
            filters,
        }
    }
}

impl TestEnv {
    /// `text` through the filters every case of this environment gets, for
    /// output not captured by a case (e.g. [`TestEnv::run_concurrently`]).
    pub fn filtered(&self, text: &[u8]) -> String {
        let mut filters = Filters::standard(self.root());
        filters.extend(&self.filters());
        filters.apply(&String::from_utf8_lossy(text))
    }

    /// `authtool token --format json`, which must succeed (from the cache
    /// when fresh).
    #[track_caller]
    pub fn token_json(&self) -> serde_json::Value {
        self.case(["token", "--format", "json"])
            .run()
            .success()
            .json()
    }
}

impl Case<'_> {
    /// Runs `program` (e.g. `git`, `sh`, a link to authtool) instead of
    /// authtool, in the same hermetic environment.
    pub fn program(mut self, program: impl AsRef<Path>) -> Self {
        self.program = program.as_ref().to_path_buf();
        self
    }

    /// More arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// One more argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// What the command reads on stdin (else it reads an empty, closed stdin).
    pub fn stdin(mut self, stdin: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(stdin.into());
        self
    }

    /// Sets a variable for this command only.
    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.vars
            .push((name.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// Leaves a variable out for this command only.
    pub fn env_remove(mut self, name: impl AsRef<OsStr>) -> Self {
        self.vars.push((name.as_ref().to_owned(), None));
        self
    }

    /// Shows `value` as `placeholder` in the compared output.
    pub fn filter(mut self, value: impl Into<String>, placeholder: impl Into<String>) -> Self {
        self.filters.literal(value, placeholder);
        self
    }

    /// Shows `value` (a token minted by a fake) as `[TOKEN]`.
    pub fn token(self, value: impl AsRef<str>) -> Self {
        self.filter(value.as_ref(), "[TOKEN]")
    }

    /// Replaces each match of the regular expression `pattern`.
    pub fn filter_regex(mut self, pattern: &str, replacement: impl Into<String>) -> Self {
        self.filters.pattern(pattern, replacement);
        self
    }

    /// Runs the command (60 s at most) and returns what it did.
    pub fn run(self) -> Ran {
        let mut command = self.env.command_for(&self.program);
        command.args(&self.args);
        for (name, value) in &self.vars {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let mut shown = self.program.display().to_string();
        if self.program == authtool_bin() {
            shown = "authtool".into();
        }
        for arg in &self.args {
            shown.push(' ');
            shown.push_str(&shell_word(&arg.to_string_lossy()));
        }
        let shown = self.filters.apply(&shown);
        let mut command = assert_cmd::Command::from_std(command);
        command.timeout(Duration::from_secs(60));
        if let Some(stdin) = &self.stdin {
            command.write_stdin(stdin.clone());
        }
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run `{shown}`: {e}"));
        Ran {
            command: shown,
            stdin: self.stdin.map(|s| String::from_utf8_lossy(&s).into_owned()),
            output,
            filters: self.filters,
        }
    }
}

/// What a [`Case`] did: the checks return `self`, so they chain.
pub struct Ran {
    command: String,
    stdin: Option<String>,
    output: Output,
    filters: Filters,
}

impl Ran {
    /// Exit code `code` (a kill by a signal is no code at all).
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        if self.output.status.code() != Some(code) {
            self.fail(&format!(
                "expected exit code {code}, got {}",
                self.output.status
            ));
        }
        self
    }

    /// Exit code 0.
    #[track_caller]
    pub fn success(self) -> Self {
        self.code(0)
    }

    /// stdout, filtered, is exactly `expected`.
    #[track_caller]
    pub fn stdout(self, expected: impl AsRef<str>) -> Self {
        self.compare("stdout", &self.stdout_filtered(), expected.as_ref());
        self
    }

    /// stderr, filtered, is exactly `expected`.
    #[track_caller]
    pub fn stderr(self, expected: impl AsRef<str>) -> Self {
        self.compare("stderr", &self.stderr_filtered(), expected.as_ref());
        self
    }

    /// stdout (unfiltered) passes `check`, for what genuinely varies.
    #[track_caller]
    pub fn stdout_is(self, what: &str, check: impl FnOnce(&str) -> bool) -> Self {
        if !check(&self.stdout_text()) {
            self.fail(&format!("stdout is not {what}"));
        }
        self
    }

    /// stderr (unfiltered) passes `check`, for what genuinely varies.
    #[track_caller]
    pub fn stderr_is(self, what: &str, check: impl FnOnce(&str) -> bool) -> Self {
        if !check(&self.stderr_text()) {
            self.fail(&format!("stderr is not {what}"));
        }
        self
    }

    /// None of `secrets` appears on stdout or stderr (before filtering).
    #[track_caller]
    pub fn hides(self, secrets: &[&str]) -> Self {
        self.hidden_in("stdout", &self.stdout_text(), secrets);
        self.stderr_hides(secrets)
    }

    /// None of `secrets` appears on stderr (before filtering).
    #[track_caller]
    pub fn stderr_hides(self, secrets: &[&str]) -> Self {
        self.hidden_in("stderr", &self.stderr_text(), secrets);
        self
    }

    #[track_caller]
    fn hidden_in(&self, stream: &str, text: &str, secrets: &[&str]) {
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            if text.contains(secret) {
                self.fail(&format!("secret `{secret}` leaked on {stream}"));
            }
        }
    }

    /// Shows `value` as `placeholder` in the checks that follow (for what is
    /// known only after the run, e.g. the token a fake just minted).
    pub fn filter(mut self, value: impl Into<String>, placeholder: impl Into<String>) -> Self {
        self.filters.literal(value, placeholder);
        self
    }

    /// Shows `value` as `[TOKEN]` in the checks that follow.
    pub fn token(self, value: impl AsRef<str>) -> Self {
        self.filter(value.as_ref(), "[TOKEN]")
    }

    /// stdout as text, unfiltered.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// stderr as text, unfiltered.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// stdout without its final newline: a printed token.
    pub fn line(&self) -> String {
        self.stdout_text().trim_end_matches('\n').to_string()
    }

    /// stdout parsed as JSON; fails the test if it is not.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| self.fail(&format!("stdout is not JSON: {e}")))
    }

    /// The raw process output.
    pub fn output(&self) -> &Output {
        &self.output
    }

    /// The raw process output, owned.
    pub fn into_output(self) -> Output {
        self.output
    }

    fn stdout_filtered(&self) -> String {
        self.filters.apply(&self.stdout_text())
    }

    fn stderr_filtered(&self) -> String {
        self.filters.apply(&self.stderr_text())
    }

    #[track_caller]
    fn compare(&self, stream: &str, actual: &str, expected: &str) {
        if actual != expected {
            if std::env::var_os("TRANSCRIPT_SOFT").is_some() {
                eprintln!(
                    "TRANSCRIPT MISMATCH {stream} at {}\n$ {}\n<<<\n{actual}>>>",
                    std::panic::Location::caller(),
                    self.command
                );
                return;
            }
            self.fail(&format!(
                "{stream} differs (- expected, + actual, after filters):\n{}",
                line_diff(expected, actual)
            ));
        }
    }

    #[track_caller]
    fn fail(&self, why: &str) -> ! {
        let mut text = format!("{why}\n\n$ {}\n", self.command);
        if let Some(stdin) = &self.stdin {
            let _ = write!(text, "--- stdin\n{}", with_newline(stdin));
        }
        let _ = write!(
            text,
            "--- exit: {}\n--- stdout (filtered)\n{}--- stderr (filtered)\n{}",
            self.output.status,
            with_newline(&self.stdout_filtered()),
            with_newline(&self.stderr_filtered()),
        );
        panic!("{text}");
    }
}

/// `text` ending in a newline, for display.
fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n\\ no newline at end\n")
    }
}

/// A word as a shell would need it quoted.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,[]".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A line diff of `expected` against `actual` (longest common subsequence):
/// `  ` same, `- ` only expected, `+ ` only actual; unchanged runs more than
/// three lines away from a change are folded. A missing final newline shows
/// as `\ no newline at end`.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let split = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
        if let Some(last) = lines.last_mut()
            && !last.ends_with('\n')
        {
            last.push_str("\n\\ no newline at end\n");
        }
        lines
    };
    let (a, b) = (split(expected), split(actual));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    let rows = authtool::linediff::diff_lines(&a, &b);
    if rows.is_empty() {
        return "  (both empty)\n".to_string();
    }
    const CONTEXT: usize = 3;
    let near_change = |k: usize| {
        let lo = k.saturating_sub(CONTEXT);
        let hi = (k + CONTEXT).min(rows.len() - 1);
        rows[lo..=hi].iter().any(|(sign, _)| *sign != ' ')
    };
    let mut out = String::new();
    let mut folded = 0;
    for (k, (sign, line)) in rows.iter().enumerate() {
        if *sign == ' ' && !near_change(k) {
            folded += 1;
            continue;
        }
        if folded > 0 {
            out.push_str(&format!("  … {folded} unchanged lines\n"));
            folded = 0;
        }
        out.push_str(&format!("{sign} {line}"));
    }
    if folded > 0 {
        out.push_str(&format!("  … {folded} unchanged lines\n"));
    }
    out
}
