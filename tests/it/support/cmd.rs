//! A hermetic environment for running `authtool`: a temp dir with its own
//! `HOME` and XDG dirs, a config file location, and commands whose
//! environment is cleared and rebuilt from exactly that.

use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

use super::case::Filters;

/// The directories under the temp root, each created 0700.
const DIRS: [&str; 6] = ["home", "config", "cache", "data", "state", "runtime"];

/// A temp dir holding `home/`, `config/`, `cache/`, `data/`, `state/` and
/// `runtime/` (0700), with the config file at `config/authtool/config.toml`.
/// Removed when dropped.
pub struct TestEnv {
    root: TempDir,
    /// Changes on top of the base environment: `Some` sets, `None` removes.
    overrides: Vec<(OsString, Option<OsString>)>,
    /// Values every [`Case`](super::case::Case) of this environment shows as a
    /// placeholder (see [`TestEnv::filter`]).
    filters: RefCell<Filters>,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("authtool-test-")
            .tempdir()
            .expect("TestEnv: create a temp dir");
        for dir in DIRS {
            let path = root.path().join(dir);
            fs::create_dir(&path)
                .unwrap_or_else(|e| panic!("TestEnv: create {}: {e}", path.display()));
            set_mode_0700(&path);
        }
        TestEnv {
            root,
            overrides: Vec::new(),
            filters: RefCell::default(),
        }
    }

    /// The temp root; also the working directory of commands.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// `$HOME`.
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// `$XDG_CONFIG_HOME`.
    pub fn config_home(&self) -> PathBuf {
        self.root().join("config")
    }

    /// `$XDG_CACHE_HOME`.
    pub fn cache_home(&self) -> PathBuf {
        self.root().join("cache")
    }

    /// `$XDG_DATA_HOME`.
    pub fn data_home(&self) -> PathBuf {
        self.root().join("data")
    }

    /// `$XDG_STATE_HOME`.
    pub fn state_home(&self) -> PathBuf {
        self.root().join("state")
    }

    /// `$XDG_RUNTIME_DIR`.
    pub fn runtime_dir(&self) -> PathBuf {
        self.root().join("runtime")
    }

    /// `config/authtool/config.toml`, which `$AUTHTOOL_CONFIG` points at.
    pub fn config_path(&self) -> PathBuf {
        self.config_home().join("authtool").join("config.toml")
    }

    /// `cache/authtool`: where authtool keeps cached access tokens.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache_home().join("authtool")
    }

    /// Makes every cached token look as if it had expired on arrival (its
    /// expiry set to when it was issued), so the next call renews it: what
    /// a fake issuing zero lifetimes did before authtool refused those.
    pub fn expire_cached_tokens(&self) {
        let dir = self.cache_dir().join("tokens");
        for entry in fs::read_dir(&dir)
            .expect("TestEnv: read the token cache")
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = fs::read(&path).unwrap();
            let mut v: serde_json::Value = serde_json::from_slice(&text).unwrap();
            let issued = v["token"]["issued_at"].clone();
            v["token"]["expires_at"] = issued;
            fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        }
    }

    /// `data/authtool`: where authtool's `file` secret store lives.
    pub fn data_dir(&self) -> PathBuf {
        self.data_home().join("authtool")
    }

    /// Writes the config file (creating `config/authtool/`).
    pub fn write_config(&self, toml: &str) -> PathBuf {
        let path = self.config_path();
        write_file(&path, toml);
        path
    }

    /// Writes a file relative to the root (creating parent dirs); returns its
    /// absolute path.
    pub fn write_file(&self, relative: impl AsRef<Path>, contents: &str) -> PathBuf {
        let path = self.root().join(relative);
        write_file(&path, contents);
        path
    }

    /// Sets one more environment variable for every command from now on
    /// (e.g. `AUTHTOOL_SECRET_STORE`, a `*_env` secret).
    pub fn set_env(&mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.overrides.push((
            name.as_ref().to_os_string(),
            Some(value.as_ref().to_os_string()),
        ));
        self
    }

    /// Leaves a variable out of every command from now on (e.g.
    /// `AUTHTOOL_CONFIG`, to test the default config location).
    pub fn remove_env(&mut self, name: impl AsRef<OsStr>) -> &mut Self {
        self.overrides.push((name.as_ref().to_os_string(), None));
        self
    }

    /// Shows `value` as `placeholder` in the output of every case run from
    /// now on (e.g. a token minted by a fake as `[TOKEN]`).
    pub fn filter(&self, value: impl Into<String>, placeholder: impl Into<String>) -> &Self {
        self.filters.borrow_mut().literal(value, placeholder);
        self
    }

    /// The filters registered with [`TestEnv::filter`].
    pub fn filters(&self) -> Filters {
        self.filters.borrow().clone()
    }

    /// The complete environment of commands: `PATH` (inherited), `HOME`,
    /// `XDG_CONFIG_HOME`, `XDG_CACHE_HOME`, `XDG_DATA_HOME`, `XDG_STATE_HOME`,
    /// `XDG_RUNTIME_DIR`, `AUTHTOOL_CONFIG`, `LANG=C`, then the `set_env` /
    /// `remove_env` changes. Nothing else.
    pub fn env_vars(&self) -> Vec<(OsString, OsString)> {
        let path =
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
        let mut vars: Vec<(OsString, OsString)> = vec![
            ("PATH".into(), path),
            ("HOME".into(), self.home().into()),
            ("XDG_CONFIG_HOME".into(), self.config_home().into()),
            ("XDG_CACHE_HOME".into(), self.cache_home().into()),
            ("XDG_DATA_HOME".into(), self.data_home().into()),
            ("XDG_STATE_HOME".into(), self.state_home().into()),
            ("XDG_RUNTIME_DIR".into(), self.runtime_dir().into()),
            ("AUTHTOOL_CONFIG".into(), self.config_path().into()),
            ("LANG".into(), "C".into()),
        ];
        for (name, value) in &self.overrides {
            vars.retain(|(n, _)| n != name);
            if let Some(value) = value {
                vars.push((name.clone(), value.clone()));
            }
        }
        vars
    }

    /// `authtool` (the binary cargo built for this test) with the hermetic
    /// environment and the temp root as working directory. For tests; the
    /// demo and benches use [`TestEnv::command_for`].
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.command_for(authtool_bin()));
        cmd.timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// Starts `n` `authtool` processes with `args` at once and waits for
    /// all of them: for single-flight tests.
    pub fn run_concurrently(&self, n: usize, args: &[&str]) -> Vec<Output> {
        let children: Vec<_> = (0..n).map(|_| self.spawn(args)).collect();
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("TestEnv: wait for authtool"))
            .collect()
    }

    /// Starts `authtool args` (stdin empty, stdout and stderr piped) and
    /// returns at once: for processes a test kills or races.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command_for(authtool_bin())
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("TestEnv: spawn authtool")
    }

    /// Any program with the same hermetic environment and working directory.
    pub fn command_for(&self, program: impl AsRef<OsStr>) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear()
            .envs(self.env_vars())
            .current_dir(self.root());
        cmd
    }
}

/// The `authtool` binary for integration tests and benches (cargo's
/// `CARGO_BIN_EXE_authtool`, or the target dir). Panics with a hint if absent.
pub fn authtool_bin() -> PathBuf {
    find_authtool_bin().expect(
        "authtool binary not found: run from `cargo test`/`cargo bench`, or `cargo build` first",
    )
}

/// Locates the `authtool` binary: `$CARGO_BIN_EXE_authtool` at run time, else
/// next to the running executable or one level up (`target/debug/deps/…`,
/// `target/debug/examples/…` → `target/debug/authtool`).
pub fn find_authtool_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CARGO_BIN_EXE_authtool") {
        return Some(path.into());
    }
    let exe = std::env::current_exe().ok()?;
    let name = format!("authtool{}", std::env::consts::EXE_SUFFIX);
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(&name))
        .find(|candidate| candidate.is_file())
}

fn write_file(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("TestEnv: create {}: {e}", parent.display()));
    }
    fs::write(path, contents).unwrap_or_else(|e| panic!("TestEnv: write {}: {e}", path.display()));
}

#[cfg(unix)]
fn set_mode_0700(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
        .unwrap_or_else(|e| panic!("TestEnv: chmod 0700 {}: {e}", path.display()));
}

#[cfg(not(unix))]
fn set_mode_0700(_path: &Path) {}

/// The D-Bus session address of the real OS keychain, for the `#[ignore]`d
/// tests that `scripts/test.sh` runs inside a D-Bus session with an unlocked
/// gnome-keyring of its own (`AUTHTOOL_TEST_KEYRING=1`). Panics otherwise, so
/// that `cargo test -- --ignored` never touches the user's own keychain.
pub fn real_keychain_bus() -> String {
    assert!(
        std::env::var_os("AUTHTOOL_TEST_KEYRING").is_some(),
        "the real keychain is tested only with AUTHTOOL_TEST_KEYRING=1: run it with \
         scripts/test.sh (a D-Bus session with an unlocked gnome-keyring of its own)"
    );
    std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .expect("AUTHTOOL_TEST_KEYRING=1 but no D-Bus session: run the tests with scripts/test.sh")
}

/// Checks for [`assert_cmd::assert::Assert`] that read like a transcript.
pub trait AssertExt: Sized {
    /// Nothing at all on stdout (a failed `$(authtool …)` must inject nothing).
    fn stdout_empty(self) -> Self;
    /// None of `secrets` appears on stderr.
    fn stderr_hides(self, secrets: &[&str]) -> Self;
    /// None of `secrets` appears on stdout or stderr.
    fn output_hides(self, secrets: &[&str]) -> Self;
    /// Exit code `code` and an empty stdout.
    fn fails_cleanly(self, code: i32) -> Self;
}

impl AssertExt for assert_cmd::assert::Assert {
    fn stdout_empty(self) -> Self {
        let stdout = &self.get_output().stdout;
        assert!(
            stdout.is_empty(),
            "expected empty stdout, got:\n{}\n{}",
            String::from_utf8_lossy(stdout),
            transcript(self.get_output())
        );
        self
    }

    fn stderr_hides(self, secrets: &[&str]) -> Self {
        assert_hidden(self.get_output(), secrets, false);
        self
    }

    fn output_hides(self, secrets: &[&str]) -> Self {
        assert_hidden(self.get_output(), secrets, true);
        self
    }

    fn fails_cleanly(self, code: i32) -> Self {
        self.code(code).stdout_empty()
    }
}

fn assert_hidden(output: &Output, secrets: &[&str], check_stdout: bool) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(
            !stderr.contains(secret),
            "secret `{secret}` leaked on stderr\n{}",
            transcript(output)
        );
        assert!(
            !check_stdout || !stdout.contains(secret),
            "secret `{secret}` leaked on stdout\n{}",
            transcript(output)
        );
    }
}

/// Bytes as text (lossy), for output checks.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `exit status`, stdout and stderr, for failure messages.
pub fn transcript(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
