//! `completions SHELL`.

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use clap::CommandFactory;
use clap_complete::Shell;

/// The subcommands whose positional PROFILE completes to profile names.
const TAKE_A_PROFILE: [&str; 9] = [
    "token",
    "header",
    "login",
    "logout",
    "refresh",
    "exec",
    "inspect",
    "dpop-proof",
    "doctor",
];

/// The completion script for `shell`, as committed in `completions/`:
/// clap's, with `-p/--profile NAME` and the positional PROFILE completing
/// to the config's profile names (`authtool status --names`) in bash, zsh
/// and fish.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "authtool", &mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => bash(&text),
        Shell::Zsh => zsh(&text),
        Shell::Fish => fish(&text),
        _ => text,
    }
    .into_bytes()
}

const BASH_NAMES: &str = r#"# The profile names of the config in use (--config as typed, if given).
_authtool_profiles() {
    local i config=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --config) config=(--config "${COMP_WORDS[i+1]}") ;;
            --config=*) config=("${COMP_WORDS[i]}") ;;
        esac
    done
    "${COMP_WORDS[0]}" "${config[@]}" status --names 2>/dev/null
}

"#;

fn bash(text: &str) -> String {
    let files = "COMPREPLY=($(compgen -f \"${cur}\"))";
    let names = "COMPREPLY=($(compgen -W \"$(_authtool_profiles)\" -- \"${cur}\"))";
    let mut text = text.to_string();
    for flag in ["--profile", "-p"] {
        let arm = |reply: &str| format!("                {flag})\n                    {reply}\n");
        text = text.replace(&arm(files), &arm(names));
    }
    for sub in TAKE_A_PROFILE {
        let head = format!(
            "        authtool__subcmd__{})\n",
            sub.replace('-', "__subcmd__")
        );
        let Some(start) = text.find(&head) else {
            continue;
        };
        let end = text[start..]
            .find("\n            ;;\n")
            .map_or(text.len(), |i| start + i);
        let block = text[start..end]
            .replace(
                "if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then",
                "if [[ ${cur} == -* ]] ; then",
            )
            .replace(
                "            COMPREPLY=( $(compgen -W \"${opts}\" -- \"${cur}\") )\n            return 0",
                &format!("            {names}\n            return 0"),
            );
        text.replace_range(start..end, &block);
    }
    format!("{BASH_NAMES}{text}")
}

const ZSH_NAMES: &str = r#"
# The profile names of the config in use (--config as typed, if given).
_authtool_profiles() {
    local -a names config
    local i=${words[(I)--config]}
    (( i )) && config=(--config "${words[i+1]}")
    names=(${(f)"$(${words[1]} $config status --names 2>/dev/null)"})
    _describe -t profiles 'profile' names
}
"#;

fn zsh(text: &str) -> String {
    let text = text
        .replace(":NAME:_default'", ":NAME:_authtool_profiles'")
        .replace(
            "'::name -- The profile (same as -p NAME):_default'",
            "'::name -- The profile (same as -p NAME):_authtool_profiles'",
        );
    match text.split_once('\n') {
        Some((first, rest)) => format!("{first}\n{ZSH_NAMES}{rest}"),
        None => text,
    }
}

fn fish(text: &str) -> String {
    let names = "-f -a \"(__fish_authtool_profiles)\"";
    let mut out = String::from(
        "# The profile names of the config in use.\nfunction __fish_authtool_profiles\n    authtool status --names 2>/dev/null\nend\n\n",
    );
    for line in text.lines() {
        out.push_str(line);
        if line.contains(" -s p -l profile ") && line.ends_with(" -r") {
            out.push(' ');
            out.push_str(names);
        }
        out.push('\n');
    }
    for sub in TAKE_A_PROFILE {
        // exec's command after `--` is a file name.
        let files = if sub == "exec" { "" } else { "-f " };
        out.push_str(&format!(
            "complete -c authtool -n \"__fish_authtool_using_subcommand {sub}\" {files}-a \"(__fish_authtool_profiles)\"\n"
        ));
    }
    out
}

pub fn run(args: &CompletionsArgs) -> Result<Outcome> {
    Ok(Outcome {
        stdout: script(args.shell),
        code: 0,
    })
}
