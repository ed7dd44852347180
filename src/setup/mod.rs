//! `authtool setup TOOL PROFILE`: wires a tool to a profile by writing the
//! tool's own config, idempotently, keeping everything else in its files.
//!
//! Each tool's file ([`git`], [`kubectl`], [`docker`], [`bazel`],
//! [`python`] for pip and uv) turns a profile into a [`Plan`]: the steps
//! still needed (what is already in place is not repeated). The plan is
//! then shown (`--dry-run`) or carried out. Nothing is written before the
//! whole plan was made, so a file that does not parse leaves every file
//! untouched.

pub mod bazel;
pub mod docker;
pub mod git;
pub mod kubectl;
pub mod python;

use crate::config::Profile;
use crate::error::{Error, Result};
use crate::fsutil;
use std::path::{Path, PathBuf};

/// The most `setup` reads of a tool's config file.
const MAX_TOOL_FILE: u64 = 1024 * 1024;

/// What `setup` needs to know besides the profile.
#[derive(Debug, Clone)]
pub struct Options {
    /// The authtool program the tools will run (the running one).
    pub program: PathBuf,
    /// Where links go.
    pub bin_dir: PathBuf,
    /// The file to edit, when the user named one (bazel, pip, uv).
    pub file: Option<PathBuf>,
    /// pip, uv: the index URL.
    pub index_url: Option<String>,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Run a program (`git config`, `kubectl config`).
    Run { program: String, args: Vec<String> },
    /// Replace a file's content (`before`: what it held, if it existed).
    Write {
        path: PathBuf,
        before: Option<String>,
        after: String,
    },
    /// Make `link` a symbolic link to the authtool program.
    Link { link: PathBuf, target: PathBuf },
}

/// The steps still needed, in order.
#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    /// What the plan does, one line per command or link, and the lines a
    /// file gains (`+`) or loses (`-`). `done`: past tense (after it ran).
    pub fn describe(&self, done: bool) -> String {
        let mut out = String::new();
        for step in &self.steps {
            match step {
                Step::Run { program, args } => {
                    let words: Vec<String> = std::iter::once(program.clone())
                        .chain(args.iter().map(|a| shell_word(a)))
                        .collect();
                    let verb = if done { "ran" } else { "would run" };
                    out.push_str(&format!("{verb}: {}\n", words.join(" ")));
                }
                Step::Write {
                    path,
                    before,
                    after,
                } => {
                    let verb = if done { "wrote" } else { "would write" };
                    out.push_str(&format!("{verb} {}:\n", path.display()));
                    out.push_str(&line_changes(before.as_deref().unwrap_or(""), after));
                }
                Step::Link { link, target } => {
                    let verb = if done { "linked" } else { "would link" };
                    out.push_str(&format!(
                        "{verb} {} -> {}\n",
                        link.display(),
                        target.display()
                    ));
                }
            }
        }
        out
    }

    /// Carries the plan out.
    pub fn apply(&self) -> Result<()> {
        for step in &self.steps {
            match step {
                Step::Run { program, args } => run(program, args)?,
                Step::Write { path, after, .. } => write_kept(path, after)?,
                Step::Link { link, target } => make_link(link, target)?,
            }
        }
        Ok(())
    }
}

/// The lines `after` adds (`+ `) and those it drops (`- `), in order,
/// without context (files too large for a line diff are shown from their
/// first to their last differing line).
fn line_changes(before: &str, after: &str) -> String {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (&old[head..old.len() - tail], &new[head..new.len() - tail]);
    let rows = if a.len().saturating_mul(b.len()) > 4_000_000 {
        let dropped = a.iter().map(|l| ('-', *l));
        dropped.chain(b.iter().map(|l| ('+', *l))).collect()
    } else {
        crate::linediff::diff_lines(a, b)
    };
    rows.into_iter()
        .filter(|(sign, _)| *sign != ' ')
        .map(|(sign, line)| match sign {
            // A line of the user's file may hold a credential.
            '-' => format!("- {}\n", mask_line(line)),
            _ => format!("{sign} {line}\n"),
        })
        .collect()
}

/// `line` of another program's config as it may be shown: the value of a
/// key that names a credential (`auth`, `token`, `password`, `secret`,
/// `client-key-data`, …) and the password in a URL's user info as `***`.
fn mask_line(line: &str) -> String {
    const SECRET_KEYS: &[&str] = &["auth", "token", "password", "secret", "-data", "apikey"];
    if let Some(at) = line.find([':', '=']) {
        let key = line[..at].to_ascii_lowercase();
        if SECRET_KEYS.iter().any(|k| key.contains(k)) && !line[at + 1..].trim().is_empty() {
            let open = line[at + 1..].trim_end().ends_with('{');
            if !open {
                return format!("{} ***", &line[..=at]);
            }
        }
    }
    let Some(scheme) = line.find("://") else {
        return line.to_string();
    };
    let rest = &line[scheme + 3..];
    let authority = rest
        .find(['/', ' ', '"', '\''])
        .map_or(rest, |end| &rest[..end]);
    match authority
        .rfind('@')
        .and_then(|at| authority[..at].find(':').map(|c| (c, at)))
    {
        Some((colon, at)) => {
            let start = scheme + 3;
            format!("{}***{}", &line[..start + colon + 1], &line[start + at..])
        }
        None => line.to_string(),
    }
}

/// A word as a shell would need it quoted.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Runs `program args`, which must succeed; its stderr is passed on.
pub(crate) fn run(program: &str, args: &[String]) -> Result<()> {
    let status = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| Error::config(format!("cannot run {program}: {e}")))?;
    if !status.success() {
        return Err(Error::config(format!(
            "`{program} {}` failed ({status})",
            args.iter()
                .map(|a| shell_word(a))
                .collect::<Vec<_>>()
                .join(" ")
        )));
    }
    Ok(())
}

/// Runs `program args` and returns its stdout (`None`: it exited 1, git's
/// "no such key").
pub(crate) fn output(program: &str, args: &[&str]) -> Result<Option<String>> {
    let out = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| {
            Error::config(format!("cannot run {program}: {e}"))
                .hint(format!("install {program}, or check PATH"))
        })?;
    match out.status.code() {
        Some(0) => Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned())),
        Some(1) => Ok(None),
        _ => Err(Error::config(format!(
            "`{program} {}` failed ({})",
            args.join(" "),
            out.status
        ))),
    }
}

/// Whether `program` is found on PATH.
pub(crate) fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            let candidate = dir.join(program);
            candidate.is_file()
        })
    })
}

/// A tool's config file as text (`None`: it does not exist). `what`
/// names it in errors.
pub(crate) fn read_text(path: &Path, what: &str) -> Result<Option<String>> {
    let Some(bytes) = fsutil::read_limited(path, MAX_TOOL_FILE, false, what)? else {
        return Ok(None);
    };
    String::from_utf8(bytes).map(Some).map_err(|_| {
        Error::config(format!(
            "{what}{} is not UTF-8; not changing it",
            path.display()
        ))
    })
}

/// The error for a tool's file that does not parse: it is left as it is.
pub(crate) fn unparsable(path: &Path, what: &str, why: impl std::fmt::Display) -> Error {
    Error::config(format!(
        "cannot parse {what}{}: {why}; it was left untouched",
        path.display()
    ))
    .hint("fix the file (or move it away), then run `authtool setup` again")
}

/// A `Write` step, unless the content is already `after`.
pub(crate) fn write_step(path: &Path, before: Option<String>, after: String) -> Option<Step> {
    (before.as_deref() != Some(after.as_str())).then(|| Step::Write {
        path: path.to_path_buf(),
        before,
        after,
    })
}

/// Writes `text` to `path` atomically; through a symbolic link, the file
/// it points to is replaced (a dotfile manager's link stays).
fn write_kept(path: &Path, text: &str) -> Result<()> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => path
            .canonicalize()
            .map_err(|e| Error::config(format!("cannot follow {}: {e}", path.display())))?,
        _ => path.to_path_buf(),
    };
    fsutil::replace_file(&target, text.as_bytes())
}

/// A `Link` step for `name` in the bin dir, unless it already points to
/// the program. Anything else of that name is refused, not replaced.
pub(crate) fn link_step(options: &Options, name: &str) -> Result<Option<Step>> {
    let link = options.bin_dir.join(name);
    let target = options.program.clone();
    match std::fs::symlink_metadata(&link) {
        Err(_) => Ok(Some(Step::Link { link, target })),
        Ok(_) => {
            let same = link
                .canonicalize()
                .ok()
                .zip(target.canonicalize().ok())
                .is_some_and(|(a, b)| a == b);
            if same {
                Ok(None)
            } else {
                Err(Error::config(format!(
                    "{} exists and is not authtool; not replacing it",
                    link.display()
                ))
                .hint("remove it, or choose another directory with --bin-dir"))
            }
        }
    }
}

fn make_link(link: &Path, target: &Path) -> Result<()> {
    if let Some(dir) = link.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::config(format!("cannot create {}: {e}", dir.display())))?;
    }
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink(target, link);
    #[cfg(not(unix))]
    let made = std::fs::copy(target, link).map(|_| ());
    made.map_err(|e| Error::config(format!("cannot create {}: {e}", link.display())))
}

/// A warning when the bin dir is not on PATH (the tool would not find the
/// link).
pub fn bin_dir_warning(plan: &Plan, bin_dir: &Path) -> Option<String> {
    let links = plan.steps.iter().any(|s| matches!(s, Step::Link { .. }));
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir == bin_dir));
    (links && !on_path).then(|| {
        format!(
            "{} is not on PATH: add it, or the tool will not find the link",
            bin_dir.display()
        )
    })
}

/// The user's base directories, when the home directory is known
/// ([`crate::config::home_known`]).
fn base_dirs() -> Option<directories::BaseDirs> {
    crate::config::home_known()
        .then(directories::BaseDirs::new)
        .flatten()
}

/// The user's home directory.
pub(crate) fn home() -> Result<PathBuf> {
    base_dirs()
        .map(|d| d.home_dir().to_path_buf())
        .ok_or_else(|| Error::config("cannot find your home directory").hint("set HOME"))
}

/// The user's config directory (`$XDG_CONFIG_HOME`, `~/.config`).
pub(crate) fn config_home() -> Result<PathBuf> {
    base_dirs()
        .map(|d| d.config_dir().to_path_buf())
        .ok_or_else(|| Error::config("cannot find your home directory").hint("set HOME"))
}

/// A path from an environment variable, when set and not empty.
pub(crate) fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The argument list as strings.
pub(crate) fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

/// The profile's `urls`; none is an error (nothing to wire).
pub(crate) fn urls_of(profile: &Profile) -> Result<&[String]> {
    if profile.common.urls.is_empty() {
        return Err(Error::config(format!(
            "profile '{}' has no `urls`: nothing to set up",
            profile.name
        ))
        .hint("add the URL prefixes it serves, e.g. urls = [\"https://git.example.com/\"]"));
    }
    Ok(&profile.common.urls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_lines_show_no_credentials() {
        for (line, shown) in [
            (
                "index-url = https://me:s3cret@pypi.example.com/simple/",
                "index-url = https://me:***@pypi.example.com/simple/",
            ),
            ("\t\t\t\"auth\": \"dXNlcjpwYXNz\"", "\t\t\t\"auth\": ***"),
            ("    token: abc", "    token: ***"),
            ("    client-key-data: LS0t", "    client-key-data: ***"),
            ("\t\"auths\": {", "\t\"auths\": {"),
            ("\t\t\"gcr.io\": \"gcloud\"", "\t\t\"gcr.io\": \"gcloud\""),
            (
                "index-url = https://pypi.org/simple/",
                "index-url = https://pypi.org/simple/",
            ),
        ] {
            assert_eq!(mask_line(line), shown, "{line}");
        }
        assert_eq!(
            line_changes("token: abc\n", "x: 1\n"),
            "- token: ***\n+ x: 1\n"
        );
    }
}
