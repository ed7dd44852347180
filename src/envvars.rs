//! Every environment variable authtool reads, in one place.

/// Path of the config file (overridden by `--config`).
pub const CONFIG: &str = "AUTHTOOL_CONFIG";
/// Profile to use when none is given on the command line.
pub const PROFILE: &str = "AUTHTOOL_PROFILE";
/// Overrides `secret_store` for every profile (`keyring`, `file`, `kernel`).
pub const SECRET_STORE: &str = "AUTHTOOL_SECRET_STORE";
/// Set by `exec` for the child: the bare token.
pub const TOKEN: &str = "AUTHTOOL_TOKEN";
/// Set by `exec` for the child: the `Authorization` header value.
pub const AUTH_HEADER: &str = "AUTHTOOL_AUTH_HEADER";
/// kubectl's exec-plugin input (`apiVersion`, `interactive`).
pub const KUBERNETES_EXEC_INFO: &str = "KUBERNETES_EXEC_INFO";
/// The time limit of one OS keychain call (`5s` by default, `30s` when
/// stdin is a terminal, where someone may be answering an unlock prompt).
pub const KEYRING_TIMEOUT: &str = "AUTHTOOL_KEYRING_TIMEOUT";
/// `1`: a person may answer a browser or device login started by `token`,
/// `header`, `exec` or a credential helper; `0`: never (see
/// `session::may_ask`).
pub const INTERACTIVE: &str = "AUTHTOOL_INTERACTIVE";
/// The browser a browser login starts (`:`-separated commands; `%s`: the URL).
pub const BROWSER: &str = "BROWSER";
/// Set by CI systems: nobody is there to answer a login.
pub const CI: &str = "CI";
/// `setup docker`: Docker's config directory (default `~/.docker`).
pub const DOCKER_CONFIG: &str = "DOCKER_CONFIG";
/// `setup pip`: pip's config file (default `~/.config/pip/pip.conf`).
pub const PIP_CONFIG_FILE: &str = "PIP_CONFIG_FILE";
/// `setup uv`: uv's config file (default `~/.config/uv/uv.toml`).
pub const UV_CONFIG_FILE: &str = "UV_CONFIG_FILE";
/// `setup kubectl` without kubectl: the kubeconfig files (the first is written).
pub const KUBECONFIG: &str = "KUBECONFIG";
