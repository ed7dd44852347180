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
    registry_env_with(urls, "")
}

/// [`registry_env`] with more profile keys.
fn registry_env_with(
    urls: impl FnOnce(&str) -> String,
    more: &str,
) -> (FakeServer<FakeRegistry>, TestEnv) {
    let server = FakeServer::start(FakeRegistry::new(org_fake()));
    let extra = format!("urls = {}\n{more}", urls(&server.url()));
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

    // An index no profile covers: `keyring` has nothing for it, and uv
    // fails without sending a request there with credentials.
    let url = server.url();
    env.write_file(
        "uv-other.toml",
        &format!("keyring-provider = \"subprocess\"\n\n[[index]]\nname = \"other\"\nurl = \"{url}/other/simple/\"\nauthenticate = \"always\"\n"),
    );
    env
        .case([
            "pip",
            "compile",
            "requirements.in",
            "--no-header",
            "--quiet",
            "--python-version",
            "3.11",
        ])
        .program("uv")
        .env("UV_CONFIG_FILE", root.join("uv-other.toml"))
        .run()
        .code(2)
        .stdout("")
        .stderr("error: Failed to fetch: http://127.0.0.1:[PORT]/other/simple/authtool-demo/\n  cause: Missing credentials for: http://127.0.0.1:[PORT]/other/simple/authtool-demo/\n");
    assert!(
        server
            .accepted()
            .iter()
            .all(|(path, _)| !path.starts_with("/other/")),
        "{:?}",
        server.accepted()
    );
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

/// A directory holding an `authtool` link, for recipes that name the
/// program `authtool` (as the docs do).
fn authtool_on_path(env: &mut TestEnv) {
    let bin = env.root().join("authtool-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(authtool_bin(), bin.join("authtool")).unwrap();
    env.set_env("PATH", path_with(&bin));
}

/// cargo's `cargo:token-from-stdout` provider running `authtool token`:
/// a sparse registry with `auth-required` (config.json and the index file
/// need the token, which cargo sends as the `Authorization` value).
#[test]
fn recipe_cargo_credential_provider() {
    let (server, mut env) = registry_env(|url| format!("[\"{url}/index/\"]"));
    let url = server.url();
    server.serve_file(
        "/index/config.json",
        "application/json",
        format!("{{\"dl\": \"{url}/dl\", \"api\": \"{url}\", \"auth-required\": true}}"),
    );
    server.serve_file(
        "/index/au/th/authtool-demo",
        "text/plain",
        "{\"name\":\"authtool-demo\",\"vers\":\"1.0.0\",\"deps\":[],\"cksum\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"features\":{},\"yanked\":false,\"v\":2}\n",
    );
    authtool_on_path(&mut env);
    let cargo_home = env.root().join("cargo-home");
    env.set_env("CARGO_HOME", &cargo_home);
    // The recipe, as docs/integrations.md gives it.
    env.write_file(
        "cargo-home/config.toml",
        &format!(
            "[registries.corp]\nindex = \"sparse+{url}/index/\"\ncredential-provider = [\"cargo:token-from-stdout\", \"authtool\", \"token\", \"-p\", \"org\"]\n"
        ),
    );
    env.write_file(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nauthtool-demo = { version = \"1\", registry = \"corp\" }\n",
    );
    env.write_file("app/src/lib.rs", "");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    env.case([
        "generate-lockfile",
        "--manifest-path",
        "app/Cargo.toml",
        "--quiet",
    ])
    .program(cargo)
    .run()
    .success()
    .stdout("")
    .stderr("");
    let lock = std::fs::read_to_string(env.root().join("app/Cargo.lock")).unwrap();
    assert!(
        lock.contains("name = \"authtool-demo\"\nversion = \"1.0.0\""),
        "{lock}"
    );
    let accepted = server.accepted();
    let paths: Vec<&str> = accepted.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&"/index/config.json"), "{paths:?}");
    assert!(paths.contains(&"/index/au/th/authtool-demo"), "{paths:?}");
    for (path, how) in &accepted {
        assert_eq!(how, &Presented::Raw, "{path}");
    }
    assert_eq!(server.logins(), 1);

    // The variant for registries that want `Bearer <token>`.
    server.with_vendor(|v| v.accepted.clear());
    std::fs::remove_file(env.root().join("app/Cargo.lock")).unwrap();
    env.write_file(
        "cargo-home2/config.toml",
        &format!(
            "[registries.corp]\nindex = \"sparse+{url}/index/\"\ncredential-provider = [\"cargo:token-from-stdout\", \"sh\", \"-c\", \"printf 'Bearer %s' \\\"$(authtool token -p org)\\\"\"]\n"
        ),
    );
    env.case([
        "generate-lockfile",
        "--manifest-path",
        "app/Cargo.toml",
        "--quiet",
    ])
    .program(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
    .env("CARGO_HOME", env.root().join("cargo-home2"))
    .run()
    .success()
    .stdout("")
    .stderr("");
    let accepted = server.accepted();
    assert!(
        accepted
            .iter()
            .any(|(p, _)| p == "/index/au/th/authtool-demo"),
        "{accepted:?}"
    );
    for (path, how) in &accepted {
        assert_eq!(how, &Presented::Bearer, "{path}");
    }
    assert_eq!(server.logins(), 1);
}

/// npm with the token in `.npmrc` through `authtool exec` and the
/// profile's `env = { NPM_TOKEN = "token" }`: npm sends it as Bearer.
#[test]
#[ignore = "needs npm: scripts/test.sh runs it when npm is on PATH"]
fn recipe_npm_npmrc_with_exec() {
    let (server, mut env) = registry_env_with(
        |url| format!("[\"{url}/npm/\"]"),
        "env = { NPM_TOKEN = \"token\" }\n",
    );
    let url = server.url();
    server.serve_file(
        "/npm/authtool-demo",
        "application/json",
        format!(
            "{{\"name\":\"authtool-demo\",\"dist-tags\":{{\"latest\":\"1.0.0\"}},\"versions\":{{\"1.0.0\":{{\"name\":\"authtool-demo\",\"version\":\"1.0.0\",\"dist\":{{\"tarball\":\"{url}/npm/authtool-demo/-/authtool-demo-1.0.0.tgz\",\"shasum\":\"0000000000000000000000000000000000000000\"}}}}}}}}"
        ),
    );
    authtool_on_path(&mut env);
    let host = url.trim_start_matches("http:");
    // The recipe, as docs/integrations.md gives it (here in ~/.npmrc).
    env.write_file(
        "home/.npmrc",
        &format!("registry={url}/npm/\n{host}/npm/:_authToken=${{NPM_TOKEN}}\n"),
    );
    env.case([
        "exec",
        "org",
        "--",
        "npm",
        "view",
        "authtool-demo",
        "version",
    ])
    .env("npm_config_update_notifier", "false")
    .run()
    .success()
    .stdout("1.0.0\n")
    .stderr("");
    let accepted = server.accepted();
    assert!(!accepted.is_empty());
    for (path, how) in &accepted {
        assert_eq!(how, &Presented::Bearer, "{path}");
    }
    assert_eq!(server.logins(), 1);
}

/// Maven with `settings.xml` sending `Authorization: Bearer
/// ${env.CORP_TOKEN}` to the repository, run through `authtool exec` and
/// the profile's `env = { CORP_TOKEN = "token" }`. The project needs one
/// build extension from the repository, which Maven resolves before any
/// phase (so nothing else is fetched; Maven Central is never asked).
#[test]
#[ignore = "needs mvn: scripts/test.sh runs it when mvn is on PATH (.ci/run installs maven from apt)"]
fn recipe_maven_settings_xml_with_exec() {
    let (server, mut env) = registry_env_with(
        |url| format!("[\"{url}/maven/\"]"),
        "env = { CORP_TOKEN = \"token\" }\n",
    );
    let url = server.url();
    let base = "/maven/com/example/authtool-demo/1.0/authtool-demo-1.0";
    server.serve_file(
        &format!("{base}.pom"),
        "text/xml",
        "<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId><artifactId>authtool-demo</artifactId><version>1.0</version></project>\n",
    );
    // An empty zip archive (its end-of-central-directory record alone).
    let mut jar = b"PK\x05\x06".to_vec();
    jar.extend([0u8; 18]);
    server.serve_file(
        &format!("{base}.jar"),
        "application/java-archive",
        jar.clone(),
    );
    // Maven adds plexus-utils 1.1 to every build extension (a stand-in).
    let plexus = "/maven/org/codehaus/plexus/plexus-utils/1.1/plexus-utils-1.1";
    server.serve_file(
        &format!("{plexus}.pom"),
        "text/xml",
        "<project><modelVersion>4.0.0</modelVersion><groupId>org.codehaus.plexus</groupId><artifactId>plexus-utils</artifactId><version>1.1</version></project>\n",
    );
    server.serve_file(&format!("{plexus}.jar"), "application/java-archive", jar);
    authtool_on_path(&mut env);
    // The recipe, as docs/integrations.md gives it.
    env.write_file(
        "settings.xml",
        &format!(
            r#"<settings>
  <mirrors>
    <mirror>
      <id>corp</id>
      <mirrorOf>*</mirrorOf>
      <url>{url}/maven/</url>
    </mirror>
  </mirrors>
  <servers>
    <server>
      <id>corp</id>
      <configuration>
        <httpHeaders>
          <property>
            <name>Authorization</name>
            <value>Bearer ${{env.CORP_TOKEN}}</value>
          </property>
        </httpHeaders>
      </configuration>
    </server>
  </servers>
</settings>
"#
        ),
    );
    env.write_file(
        "app/pom.xml",
        "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.example</groupId>\n  <artifactId>app</artifactId>\n  <version>1.0</version>\n  <packaging>pom</packaging>\n  <build>\n    <extensions>\n      <extension>\n        <groupId>com.example</groupId>\n        <artifactId>authtool-demo</artifactId>\n        <version>1.0</version>\n      </extension>\n    </extensions>\n  </build>\n</project>\n",
    );
    let repo = env.root().join("m2");
    env.case([
        "exec",
        "org",
        "--",
        "mvn",
        "-B",
        "-q",
        "-Dstyle.color=never",
        "-s",
        "settings.xml",
        "-f",
        "app/pom.xml",
    ])
    .arg(format!("-Dmaven.repo.local={}", repo.display()))
    .arg("validate")
    // Debian's Maven resets the terminal colour even with colour off.
    .filter_regex("\x1b\\[0m", "")
    .run()
    .success()
    .stdout("")
    .stderr("");
    assert!(
        repo.join("com/example/authtool-demo/1.0/authtool-demo-1.0.jar")
            .exists()
    );
    let accepted = server.accepted();
    let paths: Vec<&str> = accepted.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&format!("{base}.jar").as_str()), "{paths:?}");
    for (path, how) in &accepted {
        assert_eq!(how, &Presented::Bearer, "{path}");
    }
    assert_eq!(server.logins(), 1);
}
