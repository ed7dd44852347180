//! The recipes of docs/integrations.md, each run for real with the tool
//! against a [`FakeRegistry`] on 127.0.0.1 that accepts only a valid
//! token. A test whose tool is not installed is `#[ignore]`d with the
//! reason; scripts/test.sh runs it when the tool is on PATH (`.ci/run`
//! installs them). Bazel and Gradle are not among them: Bazel is not in
//! a package registry (its protocol is tested in `bazel::`), and Debian's
//! Gradle (4.4) predates the settings the recipe uses.

use crate::support::*;

/// A registry with the `org` OAuth2 server inside, and an env whose `org`
/// profile gets its tokens there and serves `urls`.
fn registry_env(urls: impl FnOnce(&str) -> String) -> (FakeServer<FakeRegistry>, TestEnv) {
    let server = FakeServer::start(FakeRegistry::new(org_fake()));
    let extra = format!("urls = {}\n", urls(&server.url()));
    let env = org_env_at(&server.token_url(), &extra);
    (server, env)
}

/// `env`'s PATH with `dir` first.
fn path_with(dir: &std::path::Path) -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![dir.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    std::env::join_paths(dirs).unwrap()
}

/// A PEP 503 project page whose file has PEP 658 metadata, so a resolver
/// needs only the metadata file (no wheel).
fn serve_python_package(server: &FakeServer<FakeRegistry>) {
    server.serve_file(
        "/simple/authtool-demo/",
        "text/html",
        "<!DOCTYPE html>\n<html><body>\n<a href=\"/files/authtool_demo-1.0-py3-none-any.whl\" data-core-metadata=\"true\" data-dist-info-metadata=\"true\">authtool_demo-1.0-py3-none-any.whl</a>\n</body></html>\n",
    );
    server.serve_file(
        "/files/authtool_demo-1.0-py3-none-any.whl.metadata",
        "text/plain",
        "Metadata-Version: 2.1\nName: authtool-demo\nVersion: 1.0\n",
    );
}

/// uv with `authtool setup uv` (the `keyring` link and uv.toml): uv asks
/// `keyring get URL --mode creds` and sends the token as the password.
#[test]
#[ignore = "needs uv: scripts/test.sh runs it when uv is on PATH (.ci/run installs it from PyPI)"]
fn recipe_uv_keyring_provider_subprocess() {
    let (server, mut env) = registry_env(|url| format!("[\"{url}/simple/\"]"));
    serve_python_package(&server);
    let root = env.root().to_path_buf();
    let bin = root.join("bin");
    env.set_env("PATH", path_with(&bin))
        .set_env("UV_CONFIG_FILE", root.join("uv.toml"))
        .set_env("UV_CACHE_DIR", root.join("uv-cache"))
        .set_env("UV_NO_PROGRESS", "1");
    env.case(["setup", "uv", "org", "--bin-dir"])
        .arg(&bin)
        .run()
        .success();
    env.write_file("requirements.in", "authtool-demo\n");
    env.case([
        "pip",
        "compile",
        "requirements.in",
        "--no-header",
        "--quiet",
        "--python-version",
        "3.11",
    ])
    .program("uv")
    .run()
    .success()
    .stdout("authtool-demo==1.0\n    # via -r requirements.in\n")
    .stderr("");
    let accepted = server.accepted();
    assert!(!accepted.is_empty());
    for (path, how) in &accepted {
        assert_eq!(how, &Presented::Basic("oauth2".into()), "{path}");
    }
    assert_eq!(server.logins(), 1);
}

/// The Python interpreter on PATH, resolved in the test's own environment
/// (version-manager shims need the real HOME).
fn python() -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 is on PATH");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// pip with `authtool setup pip` (the `keyring` link and pip.conf): pip
/// asks `keyring get URL oauth2` for the index URL's user name.
#[test]
#[ignore = "needs pip: scripts/test.sh runs it when `python3 -m pip` works"]
fn recipe_pip_keyring_provider_subprocess() {
    let (server, mut env) = registry_env(|url| format!("[\"{url}/simple/\"]"));
    serve_python_package(&server);
    let root = env.root().to_path_buf();
    let bin = root.join("bin");
    env.set_env("PATH", path_with(&bin))
        .set_env("PIP_CONFIG_FILE", root.join("pip.conf"))
        .set_env("PIP_NO_CACHE_DIR", "1")
        .set_env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
    env.case(["setup", "pip", "org", "--bin-dir"])
        .arg(&bin)
        .run()
        .success();
    // pip reads the wheel itself: one made by Python's zipfile.
    let wheel = root.join("authtool_demo-1.0-py3-none-any.whl");
    let made = std::process::Command::new(python())
        .args(["-c", MAKE_WHEEL])
        .arg(&wheel)
        .status()
        .unwrap();
    assert!(made.success());
    server.serve_file(
        "/files/authtool_demo-1.0-py3-none-any.whl",
        "application/octet-stream",
        std::fs::read(&wheel).unwrap(),
    );
    let ran = env
        .case([
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "--ignore-installed",
            "--quiet",
            "--report",
            "-",
            "authtool-demo",
        ])
        .program(python())
        .run()
        .success()
        .stderr("");
    let report = ran.json();
    assert_eq!(report["install"][0]["metadata"]["name"], "authtool-demo");
    assert_eq!(report["install"][0]["metadata"]["version"], "1.0");
    let accepted = server.accepted();
    assert!(!accepted.is_empty());
    for (path, how) in &accepted {
        assert_eq!(how, &Presented::Basic("oauth2".into()), "{path}");
    }
    assert_eq!(server.logins(), 1);
}

/// A minimal pure-Python wheel of authtool-demo 1.0, written to argv[1].
const MAKE_WHEEL: &str = "import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('authtool_demo/__init__.py', '')
    z.writestr('authtool_demo-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: authtool-demo\\nVersion: 1.0\\n')
    z.writestr('authtool_demo-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: authtool-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
    z.writestr('authtool_demo-1.0.dist-info/RECORD', '')
";
