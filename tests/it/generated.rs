//! The committed completion scripts and man pages are generated from the
//! clap definitions (and `authtool.1`'s reference sections from
//! docs/configuration.md); this test regenerates them and fails on any
//! difference. To update them after changing the CLI:
//!
//!     AUTHTOOL_UPDATE_GENERATED=1 cargo test --test it generated::

use crate::support::line_diff;
use authtool::cli::Cli;
use authtool::commands::completions::script;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

fn check(path: &str, fresh: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("AUTHTOOL_UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with the CLI (- committed, + generated):\n{}\nregenerate with: AUTHTOOL_UPDATE_GENERATED=1 cargo test --test it generated::",
        path.display(),
        line_diff(
            &String::from_utf8_lossy(&committed),
            &String::from_utf8_lossy(fresh)
        )
    );
}

#[test]
fn completions_are_up_to_date() {
    for (shell, file) in [
        (Shell::Bash, "completions/authtool.bash"),
        (Shell::Zsh, "completions/_authtool"),
        (Shell::Fish, "completions/authtool.fish"),
        (Shell::PowerShell, "completions/_authtool.ps1"),
        (Shell::Elvish, "completions/authtool.elv"),
    ] {
        check(file, &script(shell));
    }
}

/// Every man page: `authtool.1` (clap's page plus the reference sections
/// from docs/configuration.md) and one page per subcommand
/// (`authtool-token.1`, `authtool-config-check.1`, …), all in `docs/`.
#[test]
fn man_pages_are_up_to_date() {
    let pages = man_pages();
    for (name, page) in &pages {
        check(&format!("docs/{name}"), page);
    }
    // No page for a subcommand that is gone.
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    for entry in std::fs::read_dir(&docs).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".1") && !pages.iter().any(|(n, _)| *n == name) {
            if std::env::var_os("AUTHTOOL_UPDATE_GENERATED").is_some() {
                std::fs::remove_file(docs.join(&name)).unwrap();
            } else {
                panic!("docs/{name} is no longer generated; remove it");
            }
        }
    }
}

fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut cli = Cli::command().disable_help_subcommand(true);
    cli.build();
    let mut pages = vec![("authtool.1".to_string(), main_page(&cli))];
    fn subpages(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let man = clap_mangen::Man::new(sub.clone());
            pages.push((man.get_filename(), render(&man).into_bytes()));
            subpages(sub, pages);
        }
    }
    subpages(&cli, &mut pages);
    pages
}

/// clap's page, with indented (verbatim) lines kept as they are.
fn render(man: &clap_mangen::Man) -> String {
    let mut out = Vec::new();
    man.render(&mut out).expect("render a man page");
    let text = String::from_utf8(out).unwrap();
    let mut page = String::new();
    let mut verbatim = false;
    for line in text.lines() {
        let indented = line.starts_with("  ");
        if indented != verbatim {
            page.push_str(if indented { ".nf\n" } else { ".fi\n" });
            verbatim = indented;
        }
        page.push_str(line);
        page.push('\n');
    }
    if verbatim {
        page.push_str(".fi\n");
    }
    page
}

/// `authtool.1`: clap's page, then FILES, CONFIGURATION, ENVIRONMENT and
/// EXIT STATUS from docs/configuration.md, EXAMPLES and SEE ALSO.
fn main_page(cli: &clap::Command) -> Vec<u8> {
    let page = render(&clap_mangen::Man::new(cli.clone()));
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let section = |title: &str| -> String {
        let start = docs.find(&format!("\n## {title}\n")).unwrap() + title.len() + 5;
        let end = docs[start..]
            .find("\n## ")
            .map_or(docs.len(), |i| start + i);
        docs[start..end].to_string()
    };
    let mut extra = String::new();
    extra.push_str(".SH FILES\n");
    extra.push_str(&markdown_to_roff(&section("Where the file is")));
    extra.push_str(".SH CONFIGURATION\n");
    let start = docs.find("\n## Which profile\n").unwrap();
    let end = docs.find("\n## Environment\n").unwrap();
    extra.push_str(&markdown_to_roff(&docs[start..end]));
    extra.push_str(".SH ENVIRONMENT\n");
    extra.push_str(&markdown_to_roff(&section("Environment")));
    extra.push_str(".SH \"EXIT STATUS\"\n");
    extra.push_str(&markdown_to_roff(&section("Exit codes")));
    extra.push_str(&markdown_to_roff(EXAMPLES));
    extra.push_str(".SH \"SEE ALSO\"\n");
    let mut see: Vec<String> = Vec::new();
    fn names(cmd: &clap::Command, prefix: &str, see: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("{prefix}-{}", sub.get_name());
            see.push(format!("\\fB{}\\fR(1)", name.replace('-', "\\-")));
            names(sub, &name, see);
        }
    }
    names(cli, "authtool", &mut see);
    see.push("\\fBgitcredentials\\fR(7)".to_string());
    extra.push_str(&see.join(",\n"));
    extra.push('\n');
    let at = page.find(".SH VERSION").unwrap_or(page.len());
    format!("{}{extra}{}", &page[..at], &page[at..]).into_bytes()
}

const EXAMPLES: &str = "## Examples

Write the example config, then check it:

```
authtool config init
authtool config check
```

Store a profile's secret in the OS keychain, then get a token:

```
authtool login org
authtool token -p org
```

Call an API with the token, renewed only when needed:

```
authtool header -p org | curl -H @- https://api.example.com/v1/me
```

Run a command with the token in its environment:

```
authtool exec org -- sh -c 'curl -H \"Authorization: Bearer $AUTHTOOL_TOKEN\" https://api.example.com/'
```
";

/// The markdown of the docs as roff: headings, paragraphs, lists, code
/// blocks (kept verbatim) and tables (one tagged paragraph per row).
fn markdown_to_roff(md: &str) -> String {
    fn escape(text: &str) -> String {
        text.replace('\\', "\\e").replace('-', "\\-")
    }
    fn inline(text: &str) -> String {
        let text = escape(text.trim()).replace("\\e|", "|");
        // `code` in bold, [text](link) as text, *x* as italics.
        let mut out = String::new();
        let mut bold = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '`' => {
                    out.push_str(if bold { "\\fR" } else { "\\fB" });
                    bold = !bold;
                }
                ']' if chars.peek() == Some(&'(') && !bold => {
                    for c in chars.by_ref() {
                        if c == ')' {
                            break;
                        }
                    }
                }
                '[' if !bold => {}
                _ => out.push(c),
            }
        }
        out
    }
    fn line(text: &str) -> String {
        if text.starts_with(['.', '\'']) {
            format!("\\&{text}\n")
        } else {
            format!("{text}\n")
        }
    }
    let mut out = String::new();
    let mut code = false;
    let mut paragraph = false;
    let lines: Vec<&str> = md.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        if raw.starts_with("```") {
            out.push_str(if code { ".fi\n" } else { ".PP\n.nf\n" });
            code = !code;
            paragraph = false;
            continue;
        }
        if code {
            out.push_str(&line(&escape(raw)));
            continue;
        }
        let t = raw.trim();
        if t.is_empty() {
            paragraph = false;
        } else if let Some(h) = t.strip_prefix("## ") {
            if h == "Examples" {
                out.push_str(".SH EXAMPLES\n");
            } else {
                out.push_str(&format!(".SS \"{}\"\n", inline(h).replace('"', "")));
            }
        } else if let Some(h) = t.strip_prefix("### ") {
            out.push_str(&format!(".SS \"{}\"\n", inline(h).replace('"', "")));
        } else if t.starts_with('|') {
            // The separator, and the header row above it.
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            if t.starts_with("|---") || next.starts_with("|---") {
                continue;
            }
            let cells: Vec<String> = t
                .trim_matches('|')
                .replace("\\|", "\u{1}")
                .split('|')
                .map(|c| inline(&c.replace('\u{1}', "|")))
                .collect();
            out.push_str(".TP\n");
            out.push_str(&line(&cells[0]));
            out.push_str(&line(&cells[1..].join(" \\(em ")));
            paragraph = false;
        } else if let Some(item) = t.strip_prefix("- ").or_else(|| {
            t.split_once(". ")
                .filter(|(n, _)| n.parse::<u32>().is_ok())
                .map(|(_, r)| r)
        }) {
            out.push_str(".IP \\(bu 2\n");
            out.push_str(&line(&inline(item)));
            paragraph = true;
        } else {
            if !paragraph {
                out.push_str(".PP\n");
                paragraph = true;
            }
            out.push_str(&line(&inline(t)));
        }
    }
    out
}
