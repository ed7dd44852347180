//! The config file: where it is, its schema, and validation with located
//! errors (file, profile, key, line).
//!
//! A profile table is split three ways before it is deserialized: the
//! common keys every provider shares ([`Common`]), the secret keys
//! (`NAME`, `NAME_env`, `NAME_command`, `NAME_file` for each [`SecretName`]), and the
//! rest, which belongs to the provider named by `provider` and is parsed by
//! that provider's own struct (`deny_unknown_fields`). After validation an
//! invalid profile cannot exist.

use crate::envvars;
use crate::error::{Error, Result};
use crate::fielderr::FieldError;
use crate::providers::{self, ProviderConfig};
use crate::secret::Secret;
pub use crate::secret::SecretName;
use crate::timefmt;
use crate::urlmatch::Target;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod index;
mod scan;

/// The example config written by `authtool config init`.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// Where the config file is and how it was chosen.
pub fn config_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(envvars::CONFIG).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    Ok(dir(Dir::Config)?.join("config.toml"))
}

/// Which of authtool's directories.
#[derive(Debug, Clone, Copy)]
enum Dir {
    Config,
    Cache,
    Data,
}

/// authtool's directory of `kind`. On Linux the XDG base directory
/// (`$XDG_CONFIG_HOME`, `$XDG_CACHE_HOME`, `$XDG_DATA_HOME` when absolute,
/// else `~/.config`, `~/.cache`, `~/.local/share`) with `authtool` in it:
/// what the `directories` crate finds, without the four other directories
/// it works out on every call (a tenth of a cached `authtool token`,
/// docs/performance.md). Elsewhere, the `directories` crate.
fn dir(kind: Dir) -> Result<PathBuf> {
    let no_home = || {
        Error::config("cannot find your home directory to place authtool's files")
            .hint("set HOME to your home directory")
    };
    #[cfg(target_os = "linux")]
    {
        let (var, fallback) = match kind {
            Dir::Config => ("XDG_CONFIG_HOME", ".config"),
            Dir::Cache => ("XDG_CACHE_HOME", ".cache"),
            Dir::Data => ("XDG_DATA_HOME", ".local/share"),
        };
        let base = match std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
        {
            Some(base) => base,
            None => {
                let home = std::env::var_os("HOME")
                    .filter(|h| !h.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| {
                        home_known()
                            .then(directories::BaseDirs::new)
                            .flatten()
                            .map(|d| d.home_dir().to_path_buf())
                    })
                    .ok_or_else(no_home)?;
                home.join(fallback)
            }
        };
        Ok(base.join("authtool"))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let dirs = home_known()
            .then(|| directories::ProjectDirs::from("", "", "authtool"))
            .flatten()
            .ok_or_else(no_home)?;
        Ok(match kind {
            Dir::Config => dirs.config_dir(),
            Dir::Cache => dirs.cache_dir(),
            Dir::Data => dirs.data_dir(),
        }
        .to_path_buf())
    }
}

/// Whether the home directory can be found. Without `$HOME`, the
/// `directories` crate asks glibc's `getpwuid_r`, which may load NSS
/// modules: the static Linux build must not (src/http/dns.rs), so there
/// `$HOME` must be set.
pub fn home_known() -> bool {
    cfg!(not(all(
        target_os = "linux",
        target_env = "gnu",
        target_feature = "crt-static"
    ))) || std::env::var_os("HOME").is_some_and(|h| !h.is_empty())
}

/// The cache directory (access tokens and lock files).
pub fn cache_dir() -> Result<PathBuf> {
    dir(Dir::Cache)
}

/// The data directory (the explicit `file` secret store).
pub fn data_dir() -> Result<PathBuf> {
    dir(Dir::Data)
}

/// A duration in the config: `"90s"`, `"5m"`, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        let raw = Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "expected a duration like \"90s\", \"5m\" or a number of seconds",
            )
        })?;
        let d = match raw {
            Raw::Secs(s) => Duration::from_secs(s),
            Raw::Text(t) => timefmt::parse_duration(&t).map_err(serde::de::Error::custom)?,
        };
        // Larger values are typos, and would overflow the arithmetic on them.
        if d.as_secs() > crate::providers::MAX_LIFETIME_SECS {
            return Err(serde::de::Error::custom("more than 100 years"));
        }
        Ok(Dur(d))
    }
}

/// Where access tokens are cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenCache {
    /// A 0600 file under the cache dir (default).
    #[default]
    File,
    /// The secret store (slower: the keychain is asked on every call).
    Keyring,
    /// No cache: every call fetches a new token.
    None,
}

/// Which secret store holds long-lived secrets and refresh tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The OS keychain (default).
    #[default]
    Keyring,
    /// A 0600 file under the data dir; only when chosen explicitly.
    File,
    /// The Linux kernel keyring (session keyring; lost at reboot).
    Kernel,
}

impl StoreKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "keyring" => Some(StoreKind::Keyring),
            "file" => Some(StoreKind::File),
            "kernel" => Some(StoreKind::Kernel),
            _ => None,
        }
    }
}

/// Keys every profile may have (also allowed in `[defaults]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommonWire {
    refresh_margin: Option<Dur>,
    timeout: Option<Dur>,
    token_lifetime: Option<Dur>,
    ca_file: Option<PathBuf>,
    allow_insecure_http: Option<bool>,
    token_cache: Option<TokenCache>,
    secret_store: Option<StoreKind>,
    urls: Option<Vec<String>>,
    git_username: Option<String>,
    docker_username: Option<String>,
    keyring_username: Option<String>,
    env: Option<BTreeMap<String, String>>,
}

/// The names of [`CommonWire`]'s keys, used to split a profile table.
const COMMON_KEYS: &[&str] = &[
    "refresh_margin",
    "timeout",
    "token_lifetime",
    "ca_file",
    "allow_insecure_http",
    "token_cache",
    "secret_store",
    "urls",
    "git_username",
    "docker_username",
    "keyring_username",
    "env",
];

/// The validated common settings of a profile.
#[derive(Debug, Clone)]
pub struct Common {
    /// Renew this long before expiry; `None` = min(5 min, 10 % of lifetime).
    pub refresh_margin: Option<Duration>,
    /// Connect + total timeout of one HTTP request.
    pub timeout: Duration,
    /// Lifetime assumed when the server does not say when a token expires.
    pub token_lifetime: Duration,
    pub ca_file: Option<PathBuf>,
    pub allow_insecure_http: bool,
    pub token_cache: TokenCache,
    pub secret_store: StoreKind,
    pub urls: Vec<String>,
    pub git_username: Option<String>,
    pub docker_username: Option<String>,
    /// The user name `keyring` (pip, uv) gives with the token.
    pub keyring_username: Option<String>,
    pub env: BTreeMap<String, String>,
}

/// The longest profile name: its cache files' names (escaped, up to three
/// bytes a byte, plus `.refreshing`) must fit the usual 255-byte limit.
pub const MAX_PROFILE_NAME: usize = 64;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

impl CommonWire {
    /// Why `timeout` is unusable, if it is: 0 would fail every request.
    fn invalid_timeout(&self) -> Option<&'static str> {
        self.timeout
            .as_ref()
            .filter(|t| t.0.is_zero())
            .map(|_| "`timeout` must be more than 0s (every request would time out at once)")
    }
}

impl Common {
    fn merge(profile: CommonWire, defaults: &CommonWire) -> Common {
        let d = defaults.clone();
        Common {
            refresh_margin: profile.refresh_margin.or(d.refresh_margin).map(|x| x.0),
            timeout: profile
                .timeout
                .or(d.timeout)
                .map_or(DEFAULT_TIMEOUT, |x| x.0),
            token_lifetime: profile
                .token_lifetime
                .or(d.token_lifetime)
                .map_or(DEFAULT_TOKEN_LIFETIME, |x| x.0),
            ca_file: profile.ca_file.or(d.ca_file),
            allow_insecure_http: profile
                .allow_insecure_http
                .or(d.allow_insecure_http)
                .unwrap_or(false),
            token_cache: profile.token_cache.or(d.token_cache).unwrap_or_default(),
            secret_store: profile.secret_store.or(d.secret_store).unwrap_or_default(),
            urls: profile.urls.or(d.urls).unwrap_or_default(),
            git_username: profile.git_username.or(d.git_username),
            docker_username: profile.docker_username.or(d.docker_username),
            keyring_username: profile.keyring_username.or(d.keyring_username),
            env: profile.env.or(d.env).unwrap_or_default(),
        }
    }
}

/// Where one secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `NAME_env = "VAR"`.
    Env(String),
    /// `NAME_command = "…"`: the command's trimmed stdout.
    Command(String),
    /// `NAME_file = "PATH"`: the file's trimmed content, read at each use.
    File(PathBuf),
    /// `NAME = "…"` in the config file (accepted with a warning).
    Inline(Secret),
    /// The secret store (written by `authtool login`).
    Store,
}

impl SecretSource {
    /// A short description for `status` and messages; never the value.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Env(var) => format!("env ${var}"),
            SecretSource::Command(_) => "command".to_string(),
            SecretSource::File(path) => format!("file {}", path.display()),
            SecretSource::Inline(_) => "inline (config file)".to_string(),
            SecretSource::Store => "secret store".to_string(),
        }
    }
}

/// A validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub common: Common,
    /// The source of every secret the profile configures explicitly; a
    /// secret the provider needs that is absent here comes from the store.
    pub secrets: BTreeMap<SecretName, SecretSource>,
    pub provider: ProviderConfig,
}

impl Profile {
    /// Where `name` comes from for this profile.
    pub fn secret_source(&self, name: SecretName) -> SecretSource {
        self.secrets
            .get(&name)
            .cloned()
            .unwrap_or(SecretSource::Store)
    }

    /// The environment variables this profile takes secrets from
    /// (`NAME_env`): removed from every child's environment.
    pub fn secret_env_vars(&self) -> impl Iterator<Item = &str> {
        self.secrets.values().filter_map(|source| match source {
            SecretSource::Env(var) => Some(var.as_str()),
            _ => None,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWire {
    default_profile: Option<String>,
    #[serde(default)]
    defaults: toml::Table,
    #[serde(default)]
    profiles: BTreeMap<String, toml::Table>,
}

/// A parsed config file. Profiles are validated when asked for, so one
/// broken profile does not stop the others from working (`config check`
/// validates them all).
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    source: String,
    pub default_profile: Option<String>,
    defaults: CommonWire,
    raw: BTreeMap<String, toml::Table>,
    /// Only the selected profile was parsed ([`Config::load_profile`]).
    partial: bool,
}

/// `default_profile` alone, from the top of the file.
#[derive(Deserialize)]
struct RootWire {
    default_profile: Option<String>,
}

/// The largest config file authtool reads.
const MAX_CONFIG: u64 = 1024 * 1024;

impl Config {
    /// Reads and parses the config file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        Self::parse(path, Self::text(path, Self::read(path)?)?)
    }

    /// Reads the config file at `path`, selects a profile (as
    /// [`Config::select`] does) and validates it, parsing only what that
    /// profile needs (`scan`): the cost of a call stays the same however
    /// many profiles the file holds. Anything unusual, or any error, and the
    /// whole file is read as [`Config::load`] does, so the result and every
    /// message are the same. The returned config knows only that profile:
    /// for commands that use one profile.
    pub fn load_profile(path: &Path, explicit: Option<&str>) -> Result<(Config, Profile)> {
        let (file, meta) = Self::open(path)?;
        let selection = Self::chosen(explicit);
        // A large file: the ranges recorded by an earlier call (`index`).
        let indexed = (meta.len() >= index::MIN_SIZE)
            .then(|| Some((cache_dir().ok()?, index::Stamp::of(&meta))))
            .flatten();
        if let Some((cache, stamp)) = &indexed
            && let Some((name, ranges)) =
                index::lookup(cache, path, selection.as_deref().unwrap_or(""), *stamp)
            && let Some(found) = Self::read_ranges(&file, &ranges)
                .and_then(|text| Self::parse_sections(path, text, &name))
        {
            return Ok(found);
        }
        let bytes = crate::fsutil::read_opened(path, file, &meta, MAX_CONFIG, "config file ")?;
        if let Some((found, ranges)) = Self::parse_selected(path, &bytes, selection.clone()) {
            if let Some((cache, stamp)) = &indexed {
                let name = found.1.name.as_str();
                let selection = selection.as_deref().unwrap_or("");
                index::store(cache, path, selection, *stamp, name, &ranges);
            }
            return Ok(found);
        }
        let config = Self::parse(path, Self::text(path, bytes)?)?;
        let name = config.select(explicit)?;
        let profile = config.profile(&name)?;
        Ok((config, profile))
    }

    /// Reads the config file at `path` as far as matching a URL against
    /// the profiles' `urls` needs ([`Config::profile_for_url`]): the tables
    /// of the profiles that mention `urls`, and what every profile shares
    /// (`scan`); anything unusual, and the whole file is parsed. The
    /// returned config knows only those profiles: for git's and Docker's
    /// credential helpers.
    pub fn load_for_urls(path: &Path) -> Result<Config> {
        Self::parse_for_urls(path, Self::text(path, Self::read(path)?)?)
    }

    /// The parsing half of [`Config::load_for_urls`].
    fn parse_for_urls(path: &Path, source: String) -> Result<Config> {
        if let Some(part) = scan::sections_for_urls(source.as_bytes())
            && let Ok(mut config) = Self::parse(path, part)
        {
            // The whole text, so that messages name the right lines.
            config.source = source;
            return Ok(config);
        }
        Self::parse(path, source)
    }

    /// The quick half of [`Config::load_profile`], and the ranges of
    /// `source` it parsed; `None`: do it all.
    fn parse_selected(
        path: &Path,
        source: &[u8],
        selection: Option<String>,
    ) -> Option<((Config, Profile), scan::Ranges)> {
        let name = match selection {
            Some(name) => name,
            None => {
                toml::from_str::<RootWire>(scan::root(source)?)
                    .ok()?
                    .default_profile?
            }
        };
        let ranges = scan::ranges_for(source, &name)?;
        let found = Self::parse_sections(path, scan::join(source, &ranges)?, &name)?;
        Some((found, ranges))
    }

    /// Profile `name` from `text`, the sections of the config file it
    /// needs; `None` if they do not define it or do not parse.
    fn parse_sections(path: &Path, text: String, name: &str) -> Option<(Config, Profile)> {
        let mut config = Self::parse(path, text).ok()?;
        if !config.raw.contains_key(name) {
            return None;
        }
        config.partial = true;
        let profile = config.profile(name).ok()?;
        Some((config, profile))
    }

    /// The text of `ranges` of the config file, read without the rest.
    #[cfg(unix)]
    fn read_ranges(file: &std::fs::File, ranges: &[std::ops::Range<usize>]) -> Option<String> {
        use std::os::unix::fs::FileExt;
        let mut buf = vec![0; ranges.iter().map(|r| r.len()).sum()];
        let mut local = Vec::with_capacity(ranges.len());
        let mut at = 0;
        for r in ranges {
            file.read_exact_at(&mut buf[at..at + r.len()], r.start as u64)
                .ok()?;
            local.push(at..at + r.len());
            at += r.len();
        }
        scan::join(&buf, &local)
    }

    #[cfg(not(unix))]
    fn read_ranges(_: &std::fs::File, _: &[std::ops::Range<usize>]) -> Option<String> {
        None
    }

    /// The bytes of the config file at `path`.
    fn read(path: &Path) -> Result<Vec<u8>> {
        let (file, meta) = Self::open(path)?;
        crate::fsutil::read_opened(path, file, &meta, MAX_CONFIG, "config file ")
    }

    /// The config file at `path`, open for reading, and its metadata.
    fn open(path: &Path) -> Result<(std::fs::File, std::fs::Metadata)> {
        match crate::fsutil::open_limited(path, MAX_CONFIG, false, "config file ") {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(Error::config(format!(
                "config file {} does not exist",
                path.display()
            ))
            .hint("run `authtool config init` to write an example config there, then edit it")
            .hint(format!(
                "or point --config / ${} at your config file",
                envvars::CONFIG
            ))),
            Err(e) => Err(e),
        }
    }

    /// `bytes` as text: the config file must be UTF-8.
    fn text(path: &Path, bytes: Vec<u8>) -> Result<String> {
        String::from_utf8(bytes).map_err(|e| {
            Error::config(format!(
                "{}: the config file is not valid UTF-8 (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
            .hint("save the file as UTF-8")
        })
    }

    /// Parses config text; `path` is used in messages.
    pub fn parse(path: &Path, source: String) -> Result<Config> {
        let wire: FileWire = toml::from_str(&source).map_err(|e| {
            let line = e.span().map(|s| line_of(&source, s.start));
            let mut msg = format!("{}", path.display());
            if let Some(line) = line {
                msg.push_str(&format!(":{line}"));
            }
            if let Some(profile) = e.span().and_then(|s| profile_at(&source, s.start)) {
                msg.push_str(&format!(": profile '{profile}'"));
            }
            msg.push_str(&format!(": {}", e.message().trim_end()));
            if let Some(span) = e.span() {
                msg.push_str(&snippet(&source, span));
            }
            Error::config(msg).hint("fix the file, then check it with `authtool config check`")
        })?;
        let defaults = deserialize_located::<CommonWire>(
            path,
            &source,
            None,
            toml::Value::Table(wire.defaults),
        )?;
        if let Some(message) = defaults.invalid_timeout() {
            return Err(located_error(path, &source, None, Some("timeout"), message));
        }
        Ok(Config {
            path: path.to_path_buf(),
            source,
            default_profile: wire.default_profile,
            defaults,
            raw: wire.profiles,
            partial: false,
        })
    }

    /// `secret_store` in `[defaults]`: where credentials that belong to no
    /// profile (git's and Docker's store mode) are kept.
    pub fn default_secret_store(&self) -> Option<StoreKind> {
        self.defaults.secret_store
    }

    /// The profile names, sorted.
    pub fn profile_names(&self) -> Vec<String> {
        debug_assert!(!self.partial, "a partial config knows only one profile");
        self.raw.keys().cloned().collect()
    }

    /// Chooses the profile: explicit name (flag or positional), then
    /// `$AUTHTOOL_PROFILE`, then `default_profile`, then the only one.
    pub fn select(&self, explicit: Option<&str>) -> Result<String> {
        let chosen = Self::chosen(explicit).or_else(|| self.default_profile.clone());
        if let Some(name) = chosen {
            if self.raw.contains_key(&name) {
                return Ok(name);
            }
            return Err(self.unknown_profile(&name));
        }
        match self.raw.len() {
            1 => Ok(self.raw.keys().next().cloned().unwrap_or_default()),
            0 => Err(
                Error::config(format!("{}: no profiles are defined", self.path.display()))
                    .hint("add a [profiles.NAME] table; `authtool config init` writes an example"),
            ),
            _ => Err(
                Error::config("no profile given and no default_profile set").hint(format!(
                    "pass -p NAME (one of: {}), set ${}, or set default_profile in {}",
                    self.profile_names().join(", "),
                    envvars::PROFILE,
                    self.path.display()
                )),
            ),
        }
    }

    /// The profile named on the command line, else by `$AUTHTOOL_PROFILE`.
    fn chosen(explicit: Option<&str>) -> Option<String> {
        explicit.map(str::to_string).or_else(|| {
            std::env::var(envvars::PROFILE)
                .ok()
                .filter(|s| !s.is_empty())
        })
    }

    fn unknown_profile(&self, name: &str) -> Error {
        let names = self.profile_names();
        let known = if names.is_empty() {
            "none are defined".to_string()
        } else {
            format!("known profiles: {}", names.join(", "))
        };
        Error::config(format!(
            "{}: no profile named '{name}'",
            self.path.display()
        ))
        .hint(known)
    }

    /// Validates and returns the named profile.
    pub fn profile(&self, name: &str) -> Result<Profile> {
        let table = self
            .raw
            .get(name)
            .ok_or_else(|| self.unknown_profile(name))?
            .clone();
        let located = |key: Option<&str>, message: String| {
            located_error(&self.path, &self.source, Some(name), key, &message)
        };
        if name.len() > MAX_PROFILE_NAME {
            return Err(located(
                None,
                format!(
                    "the profile name is {} bytes long; at most {MAX_PROFILE_NAME} (it names the profile's cache files)",
                    name.len()
                ),
            ));
        }

        let mut common = toml::Table::new();
        let mut secret_keys = toml::Table::new();
        let mut rest = toml::Table::new();
        for (key, value) in table {
            if COMMON_KEYS.contains(&key.as_str()) {
                common.insert(key, value);
            } else if secret_key(&key).is_some() {
                secret_keys.insert(key, value);
            } else {
                rest.insert(key, value);
            }
        }
        let common_wire = deserialize_located::<CommonWire>(
            &self.path,
            &self.source,
            Some(name),
            toml::Value::Table(common),
        )?;
        if let Some(message) = common_wire.invalid_timeout() {
            return Err(located(Some("timeout"), message.to_string()));
        }
        let common = Common::merge(common_wire, &self.defaults);

        let provider_id = match rest.remove("provider") {
            Some(toml::Value::String(s)) => s,
            Some(other) => {
                return Err(located(
                    Some("provider"),
                    format!("`provider` must be a string, not {}", other.type_str()),
                ));
            }
            None => {
                return Err(located(
                    Some("provider"),
                    format!(
                        "missing key `provider` (one of: {})",
                        providers::IDS.join(", ")
                    ),
                ));
            }
        };
        let provider = providers::parse_config(&provider_id, rest).map_err(|e| match e {
            FieldError::Serde(e) => {
                // The whole path: `login.body.scope` for a nested key.
                let key = e.path().to_string();
                let key = Some(key).filter(|k| !k.is_empty() && !k.contains('?'));
                located(key.as_deref(), e.into_inner().message().trim().to_string())
            }
            FieldError::Invalid { key, message } => located(key.as_deref(), message),
        })?;

        let needed = provider.provider().secret_names();
        let mut secrets = BTreeMap::new();
        for (key, value) in secret_keys {
            let (secret, how) = secret_key(&key).unwrap_or((SecretName::ClientSecret, ""));
            if !needed.contains(&secret) {
                return Err(located(
                    Some(&key),
                    format!(
                        "`{key}` is not used by provider {provider_id} (it needs: {})",
                        needed
                            .iter()
                            .map(|s| s.key())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            let toml::Value::String(text) = value else {
                return Err(located(
                    Some(&key),
                    format!("`{key}` must be a string, not {}", value.type_str()),
                ));
            };
            if text.is_empty() {
                return Err(located(Some(&key), format!("`{key}` is empty")));
            }
            if how == "_file" && !Path::new(&text).is_absolute() {
                // Relative to what? authtool runs from any directory (git
                // and kubectl start it in theirs).
                return Err(located(
                    Some(&key),
                    format!("`{key}` must be an absolute path, not `{text}`"),
                ));
            }
            let source = match how {
                "_env" => SecretSource::Env(text),
                "_command" => SecretSource::Command(text),
                "_file" => SecretSource::File(PathBuf::from(text)),
                _ => SecretSource::Inline(Secret::new(text)),
            };
            if let Some(previous) = secrets.insert(secret, source) {
                let _ = previous;
                return Err(located(
                    Some(&key),
                    format!(
                        "`{}` is configured more than once; keep one of `{0}`, `{0}_env`, `{0}_command`, `{0}_file`",
                        secret.key()
                    ),
                ));
            }
        }

        if let Some(ca) = &common.ca_file
            && !ca.exists()
        {
            return Err(located(
                Some("ca_file"),
                format!("ca_file {} does not exist", ca.display()),
            ));
        }
        for url in &common.urls {
            // A URL without a host (`mailto:x`, `a:b`) could never match.
            if Target::parse(url).is_none() {
                return Err(located(
                    Some("urls"),
                    format!(
                        "`{url}` in urls is not an absolute URL with a host (like https://git.example.com/)"
                    ),
                ));
            }
        }
        // git's credential protocol is one `key=value` per line.
        for (key, value) in [
            ("git_username", &common.git_username),
            ("docker_username", &common.docker_username),
            ("keyring_username", &common.keyring_username),
        ] {
            if let Some(v) = value
                && v.chars().any(char::is_control)
            {
                return Err(located(
                    Some(key),
                    format!("`{key}` may not contain a line break or other control character"),
                ));
            }
        }

        Ok(Profile {
            name: name.to_string(),
            common,
            secrets,
            provider,
        })
    }
}

impl Config {
    /// The profile whose `urls` cover `target` (the most specific one), if
    /// any: which profile serves a git or Docker request. A profile that
    /// does not validate is an error: its `urls` cannot be trusted to say
    /// it does not match.
    pub fn profile_for_url(&self, target: &Target) -> Result<Option<Profile>> {
        let mut best: Option<(usize, Profile)> = None;
        for name in self.profile_names() {
            let profile = self.profile(&name)?;
            let covering = profile
                .common
                .urls
                .iter()
                .filter_map(|u| Target::parse(u))
                .filter(|prefix| target.starts_with(prefix))
                .map(|prefix| prefix.specificity())
                .max();
            if let Some(score) = covering
                && best.as_ref().is_none_or(|(b, _)| score > *b)
            {
                best = Some((score, profile));
            }
        }
        Ok(best.map(|(_, p)| p))
    }
}

/// Splits `client_secret_env` into (ClientSecret, "_env").
fn secret_key(key: &str) -> Option<(SecretName, &'static str)> {
    SecretName::ALL.iter().find_map(|s| {
        let base = s.key();
        let suffix = key.strip_prefix(base)?;
        ["", "_env", "_command", "_file"]
            .into_iter()
            .find(|x| *x == suffix)
            .map(|x| (*s, x))
    })
}

fn deserialize_located<T: DeserializeOwned>(
    path: &Path,
    source: &str,
    profile: Option<&str>,
    value: toml::Value,
) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().iter().next().map(|seg| seg.to_string());
        let key = key.filter(|k| k != "?" && !k.is_empty());
        located_error(
            path,
            source,
            profile,
            key.as_deref(),
            e.into_inner().message().trim(),
        )
    })
}

/// "FILE:LINE: profile 'p': key `k`: message".
fn located_error(
    path: &Path,
    source: &str,
    profile: Option<&str>,
    key: Option<&str>,
    message: &str,
) -> Error {
    let mut msg = path.display().to_string();
    if let Some(line) = key.and_then(|k| find_key_line(source, profile, k)) {
        msg.push_str(&format!(":{line}"));
    }
    match profile {
        Some(p) => msg.push_str(&format!(": profile '{p}'")),
        None => msg.push_str(": [defaults]"),
    }
    if let Some(key) = key
        && !message.contains(&format!("`{key}`"))
    {
        msg.push_str(&format!(": key `{key}`"));
    }
    msg.push_str(&format!(": {message}"));
    Error::config(msg).hint("fix the file, then check it with `authtool config check`")
}

/// 1-based line number of byte `offset`.
fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// The line holding `span`, with carets under it, as the toml crate's own
/// report shows it (so the key of a bad value is in sight):
///
/// ```text
///   |
/// 6 | timeout = 1s
///   |           ^^
/// ```
///
/// Control characters show as `�`; a long line is cut to a window around
/// the span.
fn snippet(source: &str, span: std::ops::Range<usize>) -> String {
    const WIDTH: usize = 80;
    let start = span.start.min(source.len());
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line = source[line_start..line_end].trim_end_matches('\r');
    let shown = |c: char| if c.is_control() { '\u{fffd}' } else { c };
    let chars: Vec<char> = line.chars().map(shown).collect();
    let column = source[line_start..start].chars().count().min(chars.len());
    let end = span.end.clamp(start, line_start + line.len());
    let width = source[start..end].chars().count().max(1);
    // A window of WIDTH characters around the span's start.
    let first = column
        .saturating_sub(WIDTH / 2)
        .min(chars.len().saturating_sub(WIDTH));
    let last = (first + WIDTH).min(chars.len());
    let mut text: String = chars[first..last].iter().collect();
    let mut pad = column - first;
    if first > 0 {
        text.insert(0, '…');
        pad += 1;
    }
    if last < chars.len() {
        text.push('…');
    }
    let width = width.min(last.saturating_sub(column).max(1));
    let number = line_of(source, start).to_string();
    let gutter = " ".repeat(number.len());
    format!(
        "\n{gutter} |\n{number} | {text}\n{gutter} | {}{}",
        " ".repeat(pad),
        "^".repeat(width)
    )
}

/// The table header a line opens, if any: `[profiles.x]` → "profiles.x".
fn header_of(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.split(']').next()?;
    Some(
        inner
            .split('.')
            .map(|part| part.trim().trim_matches('"').trim_matches('\''))
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// The profile whose table contains byte `offset`.
fn profile_at(source: &str, offset: usize) -> Option<String> {
    let upto = &source[..offset.min(source.len())];
    upto.lines()
        .rev()
        .find_map(header_of)
        .and_then(|h| h.strip_prefix("profiles.").map(str::to_string))
}

/// The line where `key` is set inside the profile's table (or `[defaults]`
/// when the profile does not set it). A dotted key (`login.body.scope`) is
/// looked for in its own table (`[profiles.p.login.body]`), as a dotted key
/// in a parent table, and else the line of its nearest parent is given (an
/// inline table `body = { … }` or a `[profiles.p.login]` header).
fn find_key_line(source: &str, profile: Option<&str>, key: &str) -> Option<usize> {
    let find_in = |table: &str, key: &str| -> Option<usize> {
        let own_header = format!("{table}.{key}");
        let mut inside = false;
        for (i, line) in source.lines().enumerate() {
            if let Some(h) = header_of(line) {
                if h == own_header {
                    return Some(i + 1);
                }
                inside = h == table;
                continue;
            }
            if inside {
                let t = line.trim_start();
                if let Some(rest) = t
                    .strip_prefix(key)
                    .or_else(|| t.strip_prefix(&format!("\"{key}\"")))
                    && rest.trim_start().starts_with(['=', '.'])
                {
                    return Some(i + 1);
                }
            }
        }
        None
    };
    let parts: Vec<&str> = key.split('.').collect();
    let in_profile = |p: &str| {
        (1..=parts.len()).rev().find_map(|len| {
            (0..len).rev().find_map(|split| {
                let table = std::iter::once(format!("profiles.{p}"))
                    .chain(parts[..split].iter().map(|s| s.to_string()))
                    .collect::<Vec<_>>()
                    .join(".");
                find_in(&table, &parts[split..len].join("."))
            })
        })
    };
    profile
        .and_then(in_profile)
        .or_else(|| find_in("defaults", key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Config> {
        Config::parse(Path::new("/cfg.toml"), src.to_string())
    }

    const GOOD: &str = r#"
default_profile = "org"

[defaults]
timeout = "10s"

[profiles.org]
provider = "oauth2"
token_url = "https://auth.example.com/oauth2/token"
client_id = "abc"
client_secret_env = "ORG_SECRET"
refresh_margin = "90s"
"#;

    #[test]
    fn good_profile() {
        let cfg = parse(GOOD).unwrap();
        assert_eq!(cfg.select(None).unwrap(), "org");
        let p = cfg.profile("org").unwrap();
        assert_eq!(p.common.timeout, Duration::from_secs(10));
        assert_eq!(p.common.refresh_margin, Some(Duration::from_secs(90)));
        assert_eq!(
            p.secret_source(SecretName::ClientSecret),
            SecretSource::Env("ORG_SECRET".into())
        );
    }

    #[test]
    fn unknown_key_is_located() {
        let src = GOOD.replace(
            "client_id = \"abc\"",
            "client_id = \"abc\"\ntokn_url = \"x\"",
        );
        let err = parse(&src).unwrap().profile("org").unwrap_err();
        assert_eq!(err.kind, crate::Kind::Config);
        assert!(
            err.message.starts_with("/cfg.toml:11: profile 'org'"),
            "{}",
            err.message
        );
        assert!(err.message.contains("tokn_url"), "{}", err.message);
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let src = GOOD.replace("refresh_margin = \"90s\"", "refresh_margin = \"soon\"");
        let err = parse(&src).unwrap().profile("org").unwrap_err();
        assert!(err.message.contains("/cfg.toml:12"), "{}", err.message);
        assert!(err.message.contains("refresh_margin"), "{}", err.message);
    }

    #[test]
    fn unknown_provider() {
        let src = GOOD.replace("\"oauth2\"", "\"oauth3\"");
        let err = parse(&src).unwrap().profile("org").unwrap_err();
        assert!(err.message.contains(":8: profile 'org'"), "{}", err.message);
        assert!(err.message.contains("oauth3"), "{}", err.message);
        assert!(err.message.contains("oauth2"), "{}", err.message);
    }

    #[test]
    fn syntax_error_has_line() {
        let err = parse("[profiles.a]\nprovider = \n").unwrap_err();
        assert!(err.message.starts_with("/cfg.toml:2"), "{}", err.message);
    }

    #[test]
    fn syntax_error_shows_the_line() {
        let err = parse("[profiles.a]\ntimeout = 1s\n").unwrap_err();
        assert_eq!(
            err.message,
            "/cfg.toml:2: profile 'a': string values must be quoted, expected literal string\n  \
             |\n2 | timeout = 1s\n  |           ^^"
        );
        // A long line is cut around the error; control characters are not shown.
        let long = format!("[profiles.a]\nscope = \"{}\0\"\n", "x".repeat(200));
        let err = parse(&long).unwrap_err();
        let shown = err.message.lines().nth(2).unwrap();
        assert!(shown.starts_with("2 | …xxx"), "{shown}");
        assert!(shown.ends_with("x\u{fffd}\""), "{shown}");
        assert!(shown.chars().count() < 100, "{shown}");
        let caret = err.message.lines().nth(3).unwrap();
        let at = |line: &str, c: char| line.chars().position(|x| x == c);
        assert_eq!(at(caret, '^'), at(shown, '\u{fffd}'), "{shown}\n{caret}");
    }

    #[test]
    fn unused_secret_is_an_error() {
        let src = GOOD.replace("client_secret_env", "api_key_env");
        let err = parse(&src).unwrap().profile("org").unwrap_err();
        assert!(err.message.contains("api_key_env"), "{}", err.message);
    }

    #[test]
    fn secret_twice_is_an_error() {
        let src = GOOD.replace(
            "client_secret_env = \"ORG_SECRET\"",
            "client_secret_env = \"ORG_SECRET\"\nclient_secret = \"x\"",
        );
        let err = parse(&src).unwrap().profile("org").unwrap_err();
        assert!(err.message.contains("more than once"), "{}", err.message);
    }

    #[test]
    fn defaults_reject_unknown_keys() {
        let err = parse("[defaults]\ntimeout = \"1s\"\nbogus = 1\n").unwrap_err();
        assert!(
            err.message.contains("/cfg.toml:3: [defaults]"),
            "{}",
            err.message
        );
    }

    #[test]
    fn selection() {
        let cfg =
            parse("[profiles.a]\nprovider='oauth2'\n[profiles.b]\nprovider='oauth2'\n").unwrap();
        assert!(cfg.select(None).unwrap_err().hints[0].contains("a, b"));
        assert_eq!(cfg.select(Some("b")).unwrap(), "b");
        assert!(cfg.select(Some("c")).unwrap_err().message.contains("'c'"));
    }

    #[test]
    fn nested_keys_are_located() {
        let src = "[profiles.h]\nprovider = \"http\"\n\n[profiles.h.login]\nurl = \"https://h/t\"\nbody_type = \"json\"\n\n[profiles.h.login.body]\nid = \"x\"\nscope = \"{scop}\"\n\n[profiles.h.response]\ntoken = \"/t\"\nbogus = 1\n";
        let err = |src: &str| parse(src).unwrap().profile("h").unwrap_err().message;
        let e = err(src);
        assert!(
            e.starts_with("/cfg.toml:14: profile 'h': key `response.bogus`"),
            "{e}"
        );
        let e = err(&src.replace("bogus = 1\n", ""));
        assert!(
            e.starts_with("/cfg.toml:10: profile 'h': key `login.body.scope`"),
            "{e}"
        );
        // An inline table: the line of its key; a missing table: no line.
        let e = err("[profiles.h]\nprovider = \"http\"\nlogin = { url = \"nope\" }\n");
        assert!(
            e.starts_with("/cfg.toml:3: profile 'h': key `login.url`"),
            "{e}"
        );
        let e =
            err("[profiles.h]\nprovider = \"http\"\n[profiles.h.login]\nurl = \"https://h/\"\n");
        assert!(
            e.starts_with("/cfg.toml: profile 'h': key `response.token`"),
            "{e}"
        );
    }

    #[test]
    fn example_config_is_valid() {
        let cfg = Config::parse(Path::new("example"), EXAMPLE.to_string()).unwrap();
        for name in cfg.profile_names() {
            cfg.profile(&name)
                .unwrap_or_else(|e| panic!("{name}: {}", e.message));
        }
    }

    #[test]
    fn most_specific_profile_wins() {
        let config = Config::parse(
            Path::new("c.toml"),
            r#"
[profiles.a]
provider = "oauth2"
token_url = "https://auth.example.com/token"
client_id = "a"
urls = ["https://git.example.com/"]

[profiles.b]
provider = "oauth2"
token_url = "https://auth.example.com/token"
client_id = "b"
urls = ["https://other.example.com/", "https://git.example.com/team/"]
"#
            .to_string(),
        )
        .unwrap();
        let pick = |url: &str| {
            config
                .profile_for_url(&Target::parse(url).unwrap())
                .unwrap()
                .map(|p| p.name)
        };
        assert_eq!(pick("https://git.example.com/x.git").as_deref(), Some("a"));
        assert_eq!(
            pick("https://git.example.com/team/x.git").as_deref(),
            Some("b")
        );
        assert_eq!(pick("https://nowhere.example.com/"), None);
    }

    /// The `provider = "http"` examples of docs/providers.md.
    #[test]
    fn documented_examples_are_valid() {
        let docs = include_str!("../docs/providers.md");
        let blocks: Vec<&str> = docs
            .split("```toml\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .filter(|b| b.contains("provider = \"http\""))
            .collect();
        assert!(blocks.len() >= 6, "{}", blocks.len());
        for block in blocks {
            let cfg = Config::parse(Path::new("docs"), block.to_string())
                .unwrap_or_else(|e| panic!("{}\n{block}", e.message));
            for name in cfg.profile_names() {
                cfg.profile(&name)
                    .unwrap_or_else(|e| panic!("{name}: {}", e.message));
            }
        }
    }
}
