//! The command line of the hot paths, without building clap's command tree.
//!
//! `authtool token` runs on every API call a script makes, and a cached
//! token costs little more than starting a process — except that clap
//! builds every subcommand and flag with its help text before parsing
//! anything, about a fifth of a cached call (docs/performance.md). So the
//! plain `token`, `header`, `git-credential`, `docker-credential` and
//! `exec` command lines are recognized here and turned into the same
//! [`Cli`] clap would produce; anything else (other subcommands, help,
//! version, combined or repeated flags, a value that does not parse, …)
//! goes to clap, which also reports every error. A test checks that every
//! command line accepted here parses to the same value with clap.

use super::{
    Cli, Command, DockerCredentialArgs, ExecArgs, FreshnessArgs, GitCredentialArgs, Global,
    HeaderArgs, InteractiveArg, ProfileArg, RequestArgs, TokenArgs,
};
use crate::output::Format;
use clap::{Parser, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// Parses the command line (`args` includes the program name).
pub fn parse(args: Vec<OsString>) -> Cli {
    quick(&args).unwrap_or_else(|| Cli::parse_from(args))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sub {
    Token,
    Header,
    GitCredential,
    DockerCredential,
    Exec,
}

/// `token`/`header` with `-p/--profile`, `--config`, `-v/--verbose`, a
/// positional profile, `-f/--format`, `-n/--no-newline`, `--min-ttl`,
/// `--no-cache`, `--interactive`, `--id-token`, `--method` and `--url` (a
/// DPoP proof's request); `git-credential OPERATION`
/// (`--timeout`, `--interactive`) and `docker-credential OPERATION`
/// (`--interactive`); `exec [PROFILE] [--interactive] -- CMD…`: each flag
/// at most once; `None` for anything else.
pub fn quick(args: &[OsString]) -> Option<Cli> {
    let mut global = Global::default();
    let mut sub = None;
    let mut name = None;
    let mut operation = None;
    let mut format = None;
    let mut no_newline = false;
    let mut fresh = FreshnessArgs::default();
    let mut interactive = InteractiveArg::default();
    let mut request = RequestArgs::default();
    let mut timeout = None;
    let mut command = None;
    let mut verbose = false;

    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        if sub == Some(Sub::Exec) && arg == "--" {
            // The rest is the command, as it is.
            command = Some(rest.by_ref().cloned().collect::<Vec<_>>()).filter(|c| !c.is_empty());
            command.as_ref()?;
            break;
        }
        let arg = arg.to_str()?;
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (arg, None),
        };
        // The value of an option: `--opt=value` or the next argument.
        let mut value = || -> Option<&str> {
            let v = match inline {
                Some(v) => v,
                None => rest.next()?.to_str()?,
            };
            (!v.is_empty() && !v.starts_with('-')).then_some(v)
        };
        let tokens = matches!(sub, Some(Sub::Token | Sub::Header));
        match flag {
            "-p" | "--profile" if global.profile.is_none() => {
                global.profile = Some(value()?.to_string());
            }
            "--config" if global.config.is_none() => global.config = Some(PathBuf::from(value()?)),
            "-v" | "--verbose" if !verbose && inline.is_none() => verbose = true,
            "token" if sub.is_none() => sub = Some(Sub::Token),
            "header" if sub.is_none() => sub = Some(Sub::Header),
            "git-credential" if sub.is_none() => sub = Some(Sub::GitCredential),
            "docker-credential" if sub.is_none() => sub = Some(Sub::DockerCredential),
            "exec" if sub.is_none() => sub = Some(Sub::Exec),
            "-f" | "--format" if sub == Some(Sub::Token) && format.is_none() => {
                format = Some(Format::from_str(value()?, false).ok()?);
            }
            "-n" | "--no-newline" if sub == Some(Sub::Token) && !no_newline && inline.is_none() => {
                no_newline = true;
            }
            "--min-ttl" if tokens && fresh.min_ttl.is_none() => {
                fresh.min_ttl = Some(crate::timefmt::parse_duration(value()?).ok()?);
            }
            "--no-cache" if tokens && !fresh.no_cache && inline.is_none() => {
                fresh.no_cache = true;
            }
            "--interactive" if sub.is_some() && !interactive.interactive && inline.is_none() => {
                interactive.interactive = true;
            }
            "--id-token" if tokens && !fresh.id_token && inline.is_none() => {
                fresh.id_token = true;
            }
            "--method" if tokens && request.method.is_none() => {
                request.method = Some(value()?.to_string());
            }
            "--url" if tokens && request.url.is_none() => {
                request.url = Some(value()?.to_string());
            }
            "--timeout" if sub == Some(Sub::GitCredential) && timeout.is_none() => {
                timeout = Some(crate::timefmt::parse_duration(value()?).ok()?);
            }
            positional if !positional.is_empty() && !positional.starts_with('-') => match sub? {
                Sub::Token | Sub::Header | Sub::Exec if name.is_none() => {
                    name = Some(positional.to_string());
                }
                Sub::GitCredential | Sub::DockerCredential if operation.is_none() => {
                    operation = Some(positional.to_string());
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    global.verbose = verbose;
    let profile = ProfileArg { name };
    let command = match sub? {
        Sub::Token => Command::Token(TokenArgs {
            profile,
            format: format.unwrap_or_default(),
            no_newline,
            freshness: fresh,
            interactive,
            request,
        }),
        Sub::Header => Command::Header(HeaderArgs {
            profile,
            freshness: fresh,
            interactive,
            request,
        }),
        Sub::GitCredential => Command::GitCredential(GitCredentialArgs {
            operation: operation?,
            timeout,
            interactive,
        }),
        Sub::DockerCredential => Command::DockerCredential(DockerCredentialArgs {
            operation: operation?,
            interactive,
        }),
        Sub::Exec => Command::Exec(ExecArgs {
            profile,
            interactive,
            command: command?,
        }),
    };
    Some(Cli { global, command })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        std::iter::once("authtool")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    /// What clap makes of `words`, as text (`Err` for a rejected line).
    fn clap(words: &[&str]) -> Result<String, ()> {
        Cli::try_parse_from(argv(words))
            .map(|cli| format!("{cli:?}"))
            .map_err(|_| ())
    }

    fn fast(words: &[&str]) -> Option<String> {
        quick(&argv(words)).map(|cli| format!("{cli:?}"))
    }

    #[test]
    fn common_lines_take_the_fast_path() {
        for words in [
            &["token"][..],
            &["token", "-p", "prod"],
            &["token", "--profile", "prod"],
            &["token", "--profile=prod"],
            &["token", "prod"],
            &["-p", "prod", "token"],
            &["--config", "/c.toml", "token", "-p", "prod", "-n"],
            &["token", "prod", "--format", "json", "--min-ttl", "10m"],
            &["token", "-f", "curl", "--no-cache", "-v"],
            &["header", "-p", "prod"],
            &["header", "prod", "--min-ttl=90s"],
            &["token", "-p", "corp", "--interactive"],
            &["header", "--interactive", "corp"],
            &["header", "--method", "GET", "--url", "https://x/"],
            &[
                "header",
                "-p",
                "d",
                "--method=POST",
                "--url=https://x/a?b=c",
            ],
            &["token", "--format", "curl", "--url", "https://x/"],
            &["git-credential", "get"],
            &["-p", "prod", "git-credential", "get"],
            &[
                "git-credential",
                "--timeout=1h",
                "store",
                "--config",
                "/c.toml",
            ],
            &["docker-credential", "get"],
            &["docker-credential", "-v", "list"],
            &["git-credential", "--interactive", "get"],
            &["docker-credential", "get", "--interactive"],
            &["exec", "--", "curl", "-p", "x", "--", "-v"],
            &[
                "exec",
                "prod",
                "--interactive",
                "--",
                "curl",
                "--interactive",
            ],
            &[
                "exec",
                "prod",
                "-p",
                "prod",
                "--",
                "sh",
                "-c",
                "echo $AUTHTOOL_TOKEN",
            ],
        ] {
            let fast = fast(words);
            assert!(fast.is_some(), "{words:?} should take the fast path");
            assert_eq!(fast, clap(words).ok(), "{words:?}");
        }
    }

    #[test]
    fn everything_else_goes_to_clap() {
        for words in [
            &[][..],
            &["status"],
            &["token", "--help"],
            &["token", "-h"],
            &["--version"],
            &["token", "-p"],
            &["token", "-p", ""],
            &["token", "-p", "a", "-p", "b"],
            &["token", "-pprod"],
            &["token", "-nv"],
            &["token", "a", "b"],
            &["token", "--", "x"],
            &["token", "--format", "yaml"],
            &["token", "--min-ttl", "soon"],
            &["header", "-n"],
            &["header", "--format", "raw"],
            &["header", "--method", "-X", "--url", "https://x/"],
            &["header", "--url", "https://x/", "--url", "https://y/"],
            &["token", "--no-cache=true"],
            &["token", "--interactive=yes"],
            &["token", "--interactive", "--interactive"],
            &["prod", "token"],
            &["git-credential"],
            &["git-credential", "get", "store"],
            &["git-credential", "--min-ttl", "5m", "get"],
            &["docker-credential", "--timeout", "5m", "get"],
            &["git-credential", "--help"],
            &["exec", "prod"],
            &["exec", "--"],
            &["exec", "--no-cache", "--", "x"],
            &["exec", "--interactive", "--interactive", "--", "x"],
            &["git-credential", "--interactive=yes", "get"],
            &["token", "--timeout", "5m"],
        ] {
            assert_eq!(fast(words), None, "{words:?}");
        }
    }

    /// `exec` passes its command on as it is, bytes that are not UTF-8 too.
    #[cfg(unix)]
    #[test]
    fn exec_commands_need_not_be_utf8() {
        use std::os::unix::ffi::OsStringExt;
        let mut line = argv(&["exec", "-p", "prod", "--", "printf"]);
        line.push(OsString::from_vec(vec![0xff, b'%', b's']));
        let fast = quick(&line).map(|cli| format!("{cli:?}"));
        assert!(fast.is_some());
        assert_eq!(
            fast,
            Cli::try_parse_from(line).ok().map(|c| format!("{c:?}"))
        );
    }

    /// Every command line of up to four words from a vocabulary that
    /// covers each branch: whatever the fast path accepts, clap parses to
    /// the same value.
    #[test]
    fn agrees_with_clap() {
        const WORDS: &[&str] = &[
            "token",
            "header",
            "status",
            "prod",
            "-p",
            "--profile=x",
            "--config",
            "-v",
            "--verbose",
            "-f",
            "json",
            "--format=header",
            "-n",
            "--min-ttl",
            "5m",
            "--no-cache",
            "--interactive",
            "--id-token",
            "--method",
            "GET",
            "--url=https://x/",
            "--",
            "-",
            "",
            "git-credential",
            "docker-credential",
            "exec",
            "--timeout",
        ];
        let mut line = Vec::new();
        let mut accepted = 0;
        let mut check = |line: &[&str]| {
            if let Some(fast) = fast(line) {
                accepted += 1;
                assert_eq!(Ok(fast), clap(line), "{line:?}");
            }
        };
        fn each(
            line: &mut Vec<&'static str>,
            depth: usize,
            check: &mut dyn FnMut(&[&'static str]),
        ) {
            check(line);
            if depth == 0 {
                return;
            }
            for word in WORDS {
                line.push(word);
                each(line, depth - 1, check);
                line.pop();
            }
        }
        each(&mut line, 4, &mut check);
        assert!(accepted > 1000, "only {accepted} lines took the fast path");
    }
}
