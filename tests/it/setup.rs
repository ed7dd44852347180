//! `authtool setup TOOL PROFILE`: each tool's own config written,
//! idempotently, keeping the rest; `--dry-run` shows the change; a file
//! that does not parse is left untouched. Checked with the tools' own
//! readers (real `git config`, real `kubectl config view`) and by running
//! what was wired.

use crate::support::*;
use std::path::PathBuf;

/// An env for `setup`: the `org` profile with `urls`, the program path
/// shown as `[AUTHTOOL]`, links in `[ROOT]/bin`.
fn setup_env(server: &FakeServer<FakeOAuth2>, urls: &str) -> TestEnv {
    let mut env = org_env(server, &format!("urls = {urls}\n"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![env.root().join("bin")];
    dirs.extend(std::env::split_paths(&path));
    env.set_env("PATH", std::env::join_paths(dirs).unwrap());
    env.filter(authtool_bin().display().to_string(), "[AUTHTOOL]");
    if let Ok(canonical) = authtool_bin().canonicalize() {
        env.filter(canonical.display().to_string(), "[AUTHTOOL]");
    }
    env
}

fn setup<'e>(env: &'e TestEnv, tool: &str, extra: &[&str]) -> Case<'e> {
    let bin = env.root().join("bin");
    env.case(["setup", tool, "org", "--bin-dir"])
        .arg(bin)
        .args(extra)
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn setup_git_writes_credential_helpers_with_real_git() {
    let server = FakeServer::start(org_fake());
    let mut env = setup_env(
        &server,
        r#"["https://git.example.com/", "https://code.example.com/team/"]"#,
    );
    let gitconfig = env.write_file(
        "gitconfig",
        "[user]\n\tname = Ann\n[credential]\n\thelper = cache\n",
    );
    env.set_env("GIT_CONFIG_GLOBAL", &gitconfig)
        .set_env("GIT_CONFIG_NOSYSTEM", "1")
        .set_env("GIT_TERMINAL_PROMPT", "0");
    let before = read(&gitconfig);

    let plan = "\
would run: git config --global --add credential.https://git.example.com.helper '![AUTHTOOL] git-credential'
would run: git config --global --add credential.https://code.example.com/team.helper '![AUTHTOOL] git-credential'
would run: git config --global credential.https://code.example.com/team.useHttpPath true
";
    setup(&env, "git", &["--dry-run"])
        .run()
        .success()
        .stdout(plan)
        .stderr("");
    assert_eq!(read(&gitconfig), before);

    setup(&env, "git", &[])
        .run()
        .success()
        .stdout(plan.replace("would run:", "ran:"))
        .stderr("");
    setup(&env, "git", &[])
        .run()
        .success()
        .stdout("profile 'org': already set up; nothing changed\n")
        .stderr("");
    // What git reads back; the rest of the file is kept.
    env.case(["config", "--global", "--list"])
        .program("git")
        .run()
        .success()
        .stdout(
            "user.name=Ann\ncredential.helper=cache\ncredential.https://git.example.com.helper=![AUTHTOOL] git-credential\ncredential.https://code.example.com/team.helper=![AUTHTOOL] git-credential\ncredential.https://code.example.com/team.usehttppath=true\n",
        )
        .stderr("");

    // git now asks authtool: `credential fill` gets the profile's token
    // (the cache helper has nothing, so authtool's answer is used).
    let token = env.token_json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    env.case(["credential", "fill"])
        .program("git")
        .stdin("protocol=https\nhost=code.example.com\npath=team/app.git\n\n")
        .token(token)
        .filter_regex(r"password_expiry_utc=\d+", "password_expiry_utc=[EXPIRY]")
        .run()
        .success()
        .stdout("protocol=https\nhost=code.example.com\npath=team/app.git\nusername=oauth2\npassword=[TOKEN]\npassword_expiry_utc=[EXPIRY]\n")
        .stderr("");

    // A global config git cannot parse: git's error, and nothing changed.
    std::fs::write(&gitconfig, "[broken\n").unwrap();
    setup(&env, "git", &[])
        .run()
        .code(2)
        .stdout("")
        .stderr("fatal: bad config line 1 in file [ROOT]/gitconfig\nauthtool: error: `git config --global --get-all credential.https://git.example.com.helper` failed (exit status: 128)\n");
    assert_eq!(read(&gitconfig), "[broken\n");
}

#[test]
fn setup_docker_round_trips_the_config() {
    let server = FakeServer::start(org_fake());
    let mut env = setup_env(
        &server,
        r#"["https://registry.example.com", "https://registry.internal:5000/v2/"]"#,
    );
    let dir = env.root().join("docker");
    env.set_env("DOCKER_CONFIG", &dir);
    let config = dir.join("config.json");
    let original = "{\n\t\"auths\": {\n\t\t\"https://index.docker.io/v1/\": {\n\t\t\t\"auth\": \"YTpi\"\n\t\t}\n\t},\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\"\n\t},\n\t\"credsStore\": \"desktop\",\n\t\"experimental\": \"enabled\"\n}\n";
    env.write_file("docker/config.json", original);

    let plan = "\
would write [ROOT]/docker/config.json:
- \t\t\"gcr.io\": \"gcloud\"
+ \t\t\"gcr.io\": \"gcloud\",
+ \t\t\"registry.example.com\": \"authtool\",
+ \t\t\"registry.internal:5000\": \"authtool\"
would link [ROOT]/bin/docker-credential-authtool -> [AUTHTOOL]
";
    setup(&env, "docker", &["--dry-run"])
        .run()
        .success()
        .stdout(plan)
        .stderr("");
    assert_eq!(read(&config), original);
    assert!(!env.root().join("bin").exists());

    setup(&env, "docker", &[])
        .run()
        .success()
        .stdout(
            plan.replace("would write", "wrote")
                .replace("would link", "linked"),
        )
        .stderr("");
    // Every other key is kept; the helpers are added.
    let doc: serde_json::Value = serde_json::from_str(&read(&config)).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({
            "auths": {"https://index.docker.io/v1/": {"auth": "YTpi"}},
            "credHelpers": {
                "gcr.io": "gcloud",
                "registry.example.com": "authtool",
                "registry.internal:5000": "authtool",
            },
            "credsStore": "desktop",
            "experimental": "enabled",
        })
    );
    setup(&env, "docker", &[])
        .run()
        .success()
        .stdout("profile 'org': already set up; nothing changed\n")
        .stderr("");

    // Docker runs `docker-credential-authtool get` from PATH: the token.
    let ran = env
        .case(["get"])
        .program(env.root().join("bin/docker-credential-authtool"))
        .stdin("registry.example.com\n")
        .run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("{\"Secret\":\"[TOKEN]\",\"ServerURL\":\"registry.example.com\",\"Username\":\"oauth2\"}\n")
        .stderr("");

    // Not JSON: left untouched.
    std::fs::write(&config, "{\"auths\": {,}\n").unwrap();
    setup(&env, "docker", &[])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: cannot parse Docker config [ROOT]/docker/config.json: key must be a string at line 1 column 12; it was left untouched\nhint: fix the file (or move it away), then run `authtool setup` again\n");
    assert_eq!(read(&config), "{\"auths\": {,}\n");
}

#[test]
fn setup_bazel_adds_credential_helper_lines() {
    let server = FakeServer::start(org_fake());
    let env = setup_env(
        &server,
        r#"["https://a.example.com/", "https://b.example.com/files/"]"#,
    );
    let rc = env.write_file("ws/.bazelrc", "build --jobs=4\n# mine\n");
    let plan = "\
would write ws/.bazelrc:
+ common --credential_helper=a.example.com=[ROOT]/bin/authtool-bazel-credential
+ common --credential_helper=b.example.com=[ROOT]/bin/authtool-bazel-credential
would link [ROOT]/bin/authtool-bazel-credential -> [AUTHTOOL]
";
    setup(&env, "bazel", &["--file", "ws/.bazelrc", "--dry-run"])
        .run()
        .success()
        .stdout(plan)
        .stderr("");
    assert_eq!(read(&rc), "build --jobs=4\n# mine\n");
    setup(&env, "bazel", &["--file", "ws/.bazelrc"])
        .run()
        .success()
        .stdout(
            plan.replace("would write", "wrote")
                .replace("would link", "linked"),
        )
        .stderr("");
    assert_eq!(
        read(&rc),
        format!(
            "build --jobs=4\n# mine\ncommon --credential_helper=a.example.com={0}\ncommon --credential_helper=b.example.com={0}\n",
            env.root().join("bin/authtool-bazel-credential").display()
        )
    );
    setup(&env, "bazel", &["--file", "ws/.bazelrc"])
        .run()
        .success()
        .stdout("profile 'org': already set up; nothing changed\n")
        .stderr("");
    // What Bazel runs for a fetch from b.example.com/files/.
    let ran = env
        .case(["get"])
        .program(env.root().join("bin/authtool-bazel-credential"))
        .stdin(r#"{"uri": "https://b.example.com/files/x.zip"}"#)
        .run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("{\"expires\":\"[TIME]\",\"headers\":{\"Authorization\":[\"Bearer [TOKEN]\"]}}\n")
        .stderr("");
}

#[test]
fn setup_pip_and_uv_write_their_settings() {
    let server = FakeServer::start(org_fake());
    let mut env = setup_env(&server, r#"["https://pypi.example.com/simple/"]"#);
    let pip_conf = env.write_file(
        "pip/pip.conf",
        "# team settings\n[global]\ntimeout = 60\nindex-url = https://pypi.org/simple/\n\n[install]\nuser = true\n",
    );
    let uv_toml = env.write_file(
        "uv/uv.toml",
        "# team settings\nnative-tls = true  # corp proxy\n\n[[index]]\nname = \"other\"\nurl = \"https://other.example.com/simple/\"\n",
    );
    env.set_env("PIP_CONFIG_FILE", &pip_conf)
        .set_env("UV_CONFIG_FILE", &uv_toml);

    setup(&env, "pip", &["--dry-run"])
        .run()
        .success()
        .stdout(
            "\
would link [ROOT]/bin/keyring -> [AUTHTOOL]
would write [ROOT]/pip/pip.conf:
- index-url = https://pypi.org/simple/
+ index-url = https://oauth2@pypi.example.com/simple/
+ keyring-provider = subprocess
",
        )
        .stderr("");
    setup(&env, "pip", &[]).run().success().stderr("");
    assert_eq!(
        read(&pip_conf),
        "# team settings\n[global]\ntimeout = 60\nindex-url = https://oauth2@pypi.example.com/simple/\nkeyring-provider = subprocess\n\n[install]\nuser = true\n"
    );
    setup(&env, "pip", &[])
        .run()
        .success()
        .stdout("profile 'org': already set up; nothing changed\n")
        .stderr("");

    setup(&env, "uv", &["--dry-run"])
        .run()
        .success()
        .stdout(
            "\
would write [ROOT]/uv/uv.toml:
+ keyring-provider = \"subprocess\"
+ 
+ [[index]]
+ name = \"org\"
+ url = \"https://pypi.example.com/simple/\"
+ authenticate = \"always\"
",
        )
        .stderr("");
    setup(&env, "uv", &[]).run().success().stderr("");
    assert_eq!(
        read(&uv_toml),
        "# team settings\nnative-tls = true  # corp proxy\nkeyring-provider = \"subprocess\"\n\n[[index]]\nname = \"other\"\nurl = \"https://other.example.com/simple/\"\n\n[[index]]\nname = \"org\"\nurl = \"https://pypi.example.com/simple/\"\nauthenticate = \"always\"\n"
    );
    setup(&env, "uv", &[])
        .run()
        .success()
        .stdout("profile 'org': already set up; nothing changed\n")
        .stderr("");

    // An index URL outside the profile's `urls`; files that do not parse.
    setup(&env, "uv", &["--index-url", "https://elsewhere.example.com/simple/"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: https://elsewhere.example.com/simple/ is not covered by profile 'org''s `urls`: keyring would not answer for it\nhint: add it to the profile's `urls`\n");
    std::fs::write(&uv_toml, "keyring-provider = \n").unwrap();
    setup(&env, "uv", &[])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: cannot parse uv config [ROOT]/uv/uv.toml: string values must be quoted, expected literal string; it was left untouched\nhint: fix the file (or move it away), then run `authtool setup` again\n");
    std::fs::write(&pip_conf, "index-url = x\n").unwrap();
    setup(&env, "pip", &[])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: cannot parse pip config [ROOT]/pip/pip.conf: line 1: a setting outside any [section]; it was left untouched\nhint: fix the file (or move it away), then run `authtool setup` again\n");
    assert_eq!(read(&pip_conf), "index-url = x\n");
    assert_eq!(read(&uv_toml), "keyring-provider = \n");

    // A file that is a symbolic link stays one (dotfile managers).
    let real = env.write_file("dotfiles/uv.toml", "");
    std::fs::remove_file(&uv_toml).unwrap();
    std::os::unix::fs::symlink(&real, &uv_toml).unwrap();
    setup(&env, "uv", &[]).run().success().stderr("");
    assert!(
        std::fs::symlink_metadata(&uv_toml)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(read(&real).contains("authenticate = \"always\""));
}

/// Real kubectl: the user's exec stanza as `kubectl config view` shows it,
/// the rest of the kubeconfig kept, and a second run changes nothing.
#[test]
#[ignore = "needs kubectl: scripts/test.sh runs it when kubectl is on PATH"]
fn setup_kubectl_with_real_kubectl() {
    let server = FakeServer::start(org_fake());
    let mut env = setup_env(&server, r#"["https://k8s.example.com:6443"]"#);
    let kubeconfig = env.write_file(
        "kube/config",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: corp\n  cluster:\n    server: https://k8s.example.com:6443\ncontexts:\n- name: corp\n  context:\n    cluster: corp\n    user: org\ncurrent-context: corp\nusers:\n- name: other\n  user:\n    token: abc\n",
    );
    env.set_env("KUBECONFIG", &kubeconfig);
    let plan = "would run: kubectl config set-credentials org --exec-api-version=client.authentication.k8s.io/v1 --exec-command=[AUTHTOOL] --exec-arg=token --exec-arg=--format --exec-arg=exec-credential --exec-arg=-p --exec-arg=org --exec-interactive-mode=Never\n";
    setup(&env, "kubectl", &["--dry-run"])
        .run()
        .success()
        .stdout(plan)
        .stderr("");
    setup(&env, "kubectl", &[])
        .run()
        .success()
        .stdout(plan.replace("would run:", "ran:"))
        .stderr("");
    setup(&env, "kubectl", &[])
        .run()
        .success()
        .stdout("profile 'org': already set up; nothing changed\n")
        .stderr("");
    env.case(["config", "view", "-o", "jsonpath={.users[*].name} {.users[?(@.name==\"org\")].user.exec.command} {.users[?(@.name==\"org\")].user.exec.args} {.current-context}"])
        .program("kubectl")
        .run()
        .success()
        .stdout("org other [AUTHTOOL] [\"token\",\"--format\",\"exec-credential\",\"-p\",\"org\"] corp")
        .stderr("");
}

/// Without kubectl on PATH: the kubeconfig edited as YAML, the rest kept,
/// a second run changes nothing; real kubectl (where installed) reads it.
#[test]
fn setup_kubectl_without_kubectl_edits_the_kubeconfig() {
    let server = FakeServer::start(org_fake());
    let mut env = setup_env(&server, r#"["https://k8s.example.com:6443"]"#);
    let kubeconfig = env.write_file(
        "kube/config",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: corp\n  cluster:\n    server: https://k8s.example.com:6443\ncontexts:\n- name: corp\n  context:\n    cluster: corp\n    user: org\ncurrent-context: corp\nusers:\n- name: other\n  user:\n    token: abc\n",
    );
    let no_tools = env.root().join("no-tools");
    env.set_env("KUBECONFIG", &kubeconfig)
        .set_env("PATH", no_tools);
    let plan = "\
would write [ROOT]/kube/config:
+ - name: org
+   user:
+     exec:
+       apiVersion: client.authentication.k8s.io/v1
+       command: [AUTHTOOL]
+       args:
+       - token
+       - --format
+       - exec-credential
+       - -p
+       - org
+       interactiveMode: Never
+       provideClusterInfo: false
";
    setup(&env, "kubectl", &["--dry-run"])
        .run()
        .success()
        .stdout(plan)
        .stderr("");
    setup(&env, "kubectl", &[])
        .run()
        .success()
        .stdout(plan.replace("would write", "wrote"))
        .stderr("");
    setup(&env, "kubectl", &[])
        .run()
        .success()
        .stdout("profile 'org': already set up; nothing changed\n")
        .stderr("");
    let written = read(&kubeconfig);
    assert!(
        written.starts_with("apiVersion: v1\nkind: Config\nclusters:\n- name: corp\n  cluster:\n    server: https://k8s.example.com:6443\ncontexts:\n- name: corp\n  context:\n    cluster: corp\n    user: org\ncurrent-context: corp\nusers:\n- name: other\n  user:\n    token: abc\n- name: org\n"),
        "{written}"
    );
    // Read back by a real kubectl: `setup_kubectl_with_real_kubectl`.
    // Not YAML: left untouched.
    std::fs::write(&kubeconfig, "users: [\n").unwrap();
    setup(&env, "kubectl", &[])
        .run()
        .code(2)
        .stdout("")
        .stderr_is("an error naming the file", |e| {
            e.starts_with("authtool: error: cannot parse kubeconfig ")
                && e.contains("it was left untouched")
        });
    assert_eq!(read(&kubeconfig), "users: [\n");
}

/// A tool's file keeps its permissions, its directory's mode is left
/// alone, and a file in the bin dir that is not authtool is not replaced.
#[test]
fn setup_keeps_modes_and_foreign_files() {
    use std::os::unix::fs::PermissionsExt;
    let server = FakeServer::start(org_fake());
    let env = setup_env(&server, r#"["https://a.example.com/"]"#);
    let rc = env.write_file("ws/.bazelrc", "build --jobs=4\n");
    let ws = env.root().join("ws");
    std::fs::set_permissions(&ws, std::fs::Permissions::from_mode(0o775)).unwrap();
    std::fs::set_permissions(&rc, std::fs::Permissions::from_mode(0o644)).unwrap();
    setup(&env, "bazel", &["--file", "ws/.bazelrc"])
        .run()
        .success()
        .stderr("");
    let mode = |p: &PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&rc), 0o644);
    assert_eq!(mode(&ws), 0o775);

    let keyring = env.write_file("bin/keyring", "#!/bin/sh\necho mine\n");
    setup(&env, "uv", &["--file", "uv.toml", "--dry-run"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/bin/keyring exists and is not authtool; not replacing it\nhint: remove it, or choose another directory with --bin-dir\n");
    assert_eq!(read(&keyring), "#!/bin/sh\necho mine\n");
    assert!(!env.root().join("uv.toml").exists());
}

/// Options for other tools, a profile without `urls`, an unknown profile:
/// usage errors before anything is read or written.
#[test]
fn setup_usage_errors() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "");
    env.case(["setup", "git", "org", "--file", "x"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: --file is for bazel (.bazelrc), pip (pip.conf) and uv (uv.toml)\nhint: git, kubectl and Docker find their files themselves: set GIT_CONFIG_GLOBAL, KUBECONFIG or DOCKER_CONFIG\n");
    env.case(["setup", "docker", "org", "--index-url", "https://x/"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: --index-url is for pip and uv\nhint: drop --index-url, or run `authtool setup pip PROFILE --index-url URL` (or `setup uv …`)\n");
    env.case(["setup", "bazel", "org", "--file", "rc"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: profile 'org' has no `urls`: nothing to set up\nhint: add the URL prefixes it serves, e.g. urls = [\"https://git.example.com/\"]\n");
    env.case(["setup", "git", "nope"])
        .run()
        .code(2)
        .stdout("")
        .stderr("authtool: error: [ROOT]/config/authtool/config.toml: no profile named 'nope'\nhint: known profiles: org\n");
    assert!(!env.root().join("rc").exists());
}
