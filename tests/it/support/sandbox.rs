//! Every fake vendor at once, with a ready config: one profile per provider
//! (the six, `http` described against a second OAuth2 fake), each secret
//! from an environment variable. Used by `examples/demo.rs`,
//! `examples/fake-vendors.rs` (the fakes standalone, to try authtool by
//! hand) and the test of the latter (`tests/it/quick_start.rs`).
//!
//! ```ignore
//! let sandbox = Sandbox::start();
//! env.write_config(&sandbox.config(""));
//! for (var, value) in Sandbox::SECRETS { env.set_env(var, value); }
//! ```

use std::path::Path;

use super::connect::FakeConnect;
use super::fake::{FakeServer, Vendor};
use super::lbm::FakeLbm;
use super::lrs::FakeLrs;
use super::oauth2::FakeOAuth2;
use super::primaerp::FakePrimaerp;

/// The prefix of the profile names of [`Sandbox::try_by_hand`].
pub const BY_HAND_PREFIX: &str = "fake-";

/// The six fakes on 127.0.0.1, each on its own port.
pub struct Sandbox {
    pub org: FakeServer<FakeOAuth2>,
    pub connect: FakeServer<FakeConnect>,
    pub lbm: FakeServer<FakeLbm>,
    pub erp: FakeServer<FakePrimaerp>,
    pub lrs: FakeServer<FakeLrs>,
    /// The vendor the `http` profile describes: an OAuth2 server.
    pub acme: FakeServer<FakeOAuth2>,
}

/// One profile of [`Sandbox::config`]: its name (without the prefix), and
/// the fake API that takes its token.
pub struct SandboxProfile<'a> {
    pub name: &'static str,
    pub api_url: String,
    /// How many requests its fake server has seen so far.
    pub requests: Box<dyn Fn() -> usize + 'a>,
}

impl Sandbox {
    /// The secrets the config reads, as (environment variable, value).
    pub const SECRETS: [(&'static str, &'static str); 7] = [
        ("ORG_CLIENT_SECRET", "demo-secret"),
        ("CONNECT_CLIENT_SECRET", "ce-secret"),
        ("LBM_CLIENT_SECRET", "lbm-secret"),
        ("ERP_API_KEY", "erp-api-key"),
        ("ERP_PASSWORD", "erp-password"),
        ("LRS_PASSWORD", "lrs-password"),
        ("ACME_CLIENT_SECRET", "acme-secret"),
    ];

    /// Starts the six fakes.
    pub fn start() -> Self {
        Sandbox {
            org: FakeServer::start(FakeOAuth2::new("demo-client", "demo-secret")),
            connect: FakeServer::start(FakeConnect::new(
                "development",
                "enterprise-42",
                "ce-secret",
            )),
            lbm: FakeServer::start(FakeLbm::new("lbm-client", "lbm-secret", "lbmsales")),
            erp: FakeServer::start(FakePrimaerp::new(
                "erp-api-key",
                "user@domain.com",
                "erp-password",
            )),
            lrs: FakeServer::start(FakeLrs::new("lrs-user", "lrs-password")),
            acme: FakeServer::start(FakeOAuth2::new("acme-client", "acme-secret")),
        }
    }

    /// The config: a profile per provider, named `PREFIX` + `org`,
    /// `connect`, `lbm`, `erp`, `lrs`, `acme` (`http`); the first is the
    /// default.
    pub fn config(&self, prefix: &str) -> String {
        format!(
            r#"default_profile = "{p}org"

[profiles.{p}org]
provider = "oauth2"
token_url = "{org}"
client_id = "demo-client"
client_secret_env = "ORG_CLIENT_SECRET"

[profiles.{p}connect]
provider = "connect-enterprise"
base_url = "{connect}"
client_id = "enterprise-42"
client_secret_env = "CONNECT_CLIENT_SECRET"

[profiles.{p}lbm]
provider = "pipeline-lbm"
token_url = "{lbm}"
tenant = "lbmsales"
client_id = "lbm-client"
client_secret_env = "LBM_CLIENT_SECRET"

[profiles.{p}erp]
provider = "primaerp"
base_url = "{erp}"
auth = "user"
username = "user@domain.com"
api_key_env = "ERP_API_KEY"
password_env = "ERP_PASSWORD"

[profiles.{p}lrs]
provider = "lrs-connect"
base_url = "{lrs}"
username = "lrs-user"
password_env = "LRS_PASSWORD"

# Any other vendor, described instead of coded: here an OAuth2 server.
[profiles.{p}acme]
provider = "http"
client_id = "acme-client"
client_secret_env = "ACME_CLIENT_SECRET"

[profiles.{p}acme.login]
method = "POST"
url = "{acme}"
basic = {{ user = "{{client_id}}", password = "{{secret:client_secret}}" }}
body_type = "form"
body = {{ grant_type = "client_credentials" }}

[profiles.{p}acme.response]
token = "/access_token"
expires = "/expires_in"
error = "/error_description"
"#,
            p = prefix,
            org = self.org.token_url(),
            connect = self.connect.url(),
            lbm = self.lbm.token_url(),
            erp = self.erp.url(),
            lrs = self.lrs.url(),
            acme = self.acme.token_url(),
        )
    }

    /// For trying authtool by hand (`cargo run --example fake-vendors`):
    /// writes the config, its profiles named `fake-…` (apart from a user's
    /// own profiles, cached tokens and stored secrets), to
    /// `dir/config.toml` and returns what to tell the user: the config, the
    /// `export` lines to paste (the config's path, the `file` secret store,
    /// each secret) and commands to try.
    pub fn try_by_hand(&self, dir: &Path) -> std::io::Result<String> {
        let path = dir.join("config.toml");
        let config = self.config(BY_HAND_PREFIX);
        std::fs::write(&path, &config)?;
        let mut out = format!(
            "authtool's fake vendor servers are running on 127.0.0.1 (nothing leaves this machine).\n\n\
             A profile per provider, written to {}:\n\n",
            path.display()
        );
        for line in config.lines() {
            out.push_str(&format!("    {line}\n").replace("    \n", "\n"));
        }
        out.push_str("\nIn another shell:\n\n");
        out.push_str(&format!("export AUTHTOOL_CONFIG='{}'\n", path.display()));
        out.push_str(
            "export AUTHTOOL_SECRET_STORE=file   # refresh tokens in a file; leave it out to use the keychain\n",
        );
        for (var, value) in Self::SECRETS {
            out.push_str(&format!("export {var}='{value}'\n"));
        }
        out.push_str(&format!(
            "\nauthtool status\n\
             authtool token -p {p}org\n\
             authtool header -p {p}lbm\n\
             authtool -v token -p {p}erp --min-ttl 2h\n\
             authtool doctor {p}acme\n\
             authtool logout --all --forget   # when done\n\n\
             Stop the servers with Ctrl-C (or Ctrl-D).\n",
            p = BY_HAND_PREFIX
        ));
        Ok(out)
    }

    /// The profiles of [`Sandbox::config`] in order, each with the fake API
    /// URL that takes its token.
    pub fn profiles(&self) -> Vec<SandboxProfile<'_>> {
        fn profile<'a, V: Vendor>(
            name: &'static str,
            api_url: String,
            server: &'a FakeServer<V>,
        ) -> SandboxProfile<'a> {
            SandboxProfile {
                name,
                api_url,
                requests: Box::new(move || server.request_count()),
            }
        }
        vec![
            profile("org", self.org.whoami_url(), &self.org),
            profile("connect", self.connect.resource_url(), &self.connect),
            profile("lbm", self.lbm.jobs_url(), &self.lbm),
            profile("erp", self.erp.projects_url(), &self.erp),
            profile("lrs", self.lrs.me_url(), &self.lrs),
            profile("acme", self.acme.whoami_url(), &self.acme),
        ]
    }
}
