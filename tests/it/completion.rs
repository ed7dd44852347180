//! Shell completion of profile names (issue 15): `-p <TAB>` and the
//! positional PROFILE offer the config's profiles, through the hidden
//! `status --names` the committed scripts call.

use crate::support::*;

const TWO_PROFILES: &str = "[profiles.org]\nprovider = \"oauth2\"\ntoken_url = \"https://auth.example.com/t\"\nclient_id = \"x\"\n\
    [profiles.other]\nprovider = \"bogus\"\n";

#[test]
fn status_names_prints_the_profile_names_one_per_line() {
    let env = TestEnv::new();
    env.write_config(TWO_PROFILES);
    // A broken profile is still a name to complete.
    env.case(["status", "--names"])
        .run()
        .code(0)
        .stdout("org\nother\n")
        .stderr("");
    env.case(["list", "--names", "--config", "/nonexistent.toml"])
        .run()
        .code(2)
        .stdout("");
}

/// What bash offers for `words` (word `cword` being completed), called as
/// bash's `complete -F` calls it: command, current word, previous word.
fn bash_completes(env: &TestEnv, words: &str, cword: usize) -> String {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/authtool.bash");
    let bin = authtool_bin();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ran = env
        .case([
            "-c".to_string(),
            format!(
                "source '{}'; COMP_WORDS=({words}); COMP_CWORD={cword}; \
                 _authtool authtool \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                script.display()
            ),
        ])
        .program("bash")
        .env("PATH", path)
        .run();
    ran.code(0).stderr("").stdout_text()
}

#[cfg(unix)]
#[test]
fn bash_completes_profile_names() {
    let env = TestEnv::new();
    env.write_config(TWO_PROFILES);
    assert_eq!(
        bash_completes(&env, "authtool token -p ''", 3),
        "org\nother\n"
    );
    assert_eq!(
        bash_completes(&env, "authtool header --profile ot", 3),
        "other\n"
    );
    assert_eq!(bash_completes(&env, "authtool -p o", 2), "org\nother\n");
    for sub in [
        "token", "header", "login", "logout", "refresh", "exec", "inspect", "doctor",
    ] {
        assert_eq!(
            bash_completes(&env, &format!("authtool {sub} ''"), 2),
            "org\nother\n",
            "{sub}"
        );
    }
    // Options still complete.
    assert!(bash_completes(&env, "authtool token --no", 2).contains("--no-cache\n"));
    // --config as typed decides which profiles.
    let other = env.root().join("other.toml");
    std::fs::write(&other, "[profiles.elsewhere]\nprovider = \"oauth2\"\n").unwrap();
    assert_eq!(
        bash_completes(
            &env,
            &format!("authtool --config '{}' login ''", other.display()),
            4
        ),
        "elsewhere\n"
    );
}
