//! The `http` provider proven against the built-in ones: each of the five
//! vendors is described declaratively — the worked examples of
//! `docs/providers.md`, read from the file, pointed at a fake — and the same
//! black-box scenario runs once with the built-in provider and once with the
//! description, each against its own strict fake. The two runs must print
//! the same outputs (tokens masked) and send the same token requests
//! (method, path, query, content type, body fields, Authorization).
//!
//! Staleness is forced without sleeping, as in [`crate::vendors`]: a fake
//! issues tokens with a zero lifetime, or `--min-ttl` asks for more than is
//! left.

use crate::support::*;
use serde_json::Value;

const PROVIDERS_MD: &str = include_str!("../../docs/providers.md");

/// The worked example of `docs/providers.md` for profile `name`, with each
/// `(from, to)` of `swaps` replaced (every one must occur) and `extra`
/// lines added to the profile's own table.
fn documented(name: &str, swaps: &[(&str, &str)], extra: &str) -> String {
    let header = format!("[profiles.{name}]\n");
    let block = PROVIDERS_MD
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .find(|b| b.starts_with(&header) && b.contains("provider = \"http\""))
        .unwrap_or_else(|| panic!("docs/providers.md has no `http` example for {name}"));
    let mut text = block.replacen(&header, &format!("{header}{extra}"), 1);
    for (from, to) in swaps {
        assert!(text.contains(from), "{name}: `{from}` not in\n{text}");
        text = text.replace(from, to);
    }
    text
}

/// Which provider a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Builtin,
    Declared,
}

/// What a run showed: authtool's outputs and the token requests the fake
/// received, tokens masked.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    outputs: Vec<String>,
    requests: Vec<String>,
}

/// Runs `authtool` in one hermetic env and records what it printed.
struct Recorder {
    env: TestEnv,
    kind: Kind,
    outputs: Vec<String>,
}

impl Recorder {
    fn new(kind: Kind, config: &str, vars: &[(&str, &str)]) -> Self {
        let mut env = TestEnv::new();
        // Refresh tokens go to the secret store; the keychain has its own tests.
        env.set_env("AUTHTOOL_SECRET_STORE", "file");
        for (name, value) in vars {
            env.set_env(name, value);
        }
        env.write_config(config);
        Recorder {
            env,
            kind,
            outputs: Vec::new(),
        }
    }

    /// Runs, asserts success, records stdout and stderr (filtered, tokens
    /// masked: the built-in and the described provider must print the
    /// same) and returns stdout.
    #[track_caller]
    fn ok(&mut self, args: &[&str]) -> String {
        let ran = self.env.case(args).run().success();
        let stdout = ran.stdout_text();
        let shown = if args.contains(&"json") {
            normalize_json(&stdout)
        } else {
            mask(&stdout)
        };
        let stderr = mask(&self.env.filtered(&ran.output().stderr));
        self.outputs
            .push(format!("{args:?} -> {shown}--- stderr\n{stderr}"));
        stdout
    }

    /// `token`: the bare token.
    #[track_caller]
    fn token(&mut self) -> String {
        self.ok(&["token"]).trim_end().to_string()
    }

    /// Asserts exit `code`, empty stdout, exactly `stderr` and none of
    /// `secrets`; records the exit code. `stderr` is one text for either
    /// provider, or two: `[built-in, described]` (their hints differ).
    #[track_caller]
    fn fails(&mut self, args: &[&str], code: i32, stderr: &[&str], secrets: &[&str]) {
        let expected = match (self.kind, stderr) {
            (Kind::Declared, [_, declared]) => declared,
            (_, [first, ..]) => first,
            (_, []) => panic!("no stderr given"),
        };
        self.env
            .case(args)
            .run()
            .code(code)
            .stdout("")
            .stderr(expected)
            .hides(secrets);
        self.outputs.push(format!("{args:?} -> exit {code}"));
    }

    #[track_caller]
    fn json(&mut self) -> Value {
        serde_json::from_str(&self.ok(&["token", "--format", "json"])).unwrap()
    }
}

/// Replaces every token a fake mints (JWTs `eyJ…`, `at_…`, `pt_…`, refresh
/// tokens `rt_…`) by `<tok>`.
fn mask(text: &str) -> String {
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "._~/-%".contains(c);
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| is_token_char(c)) {
        out.push_str(&rest[..start]);
        let word = &rest[start..];
        let end = word.find(|c: char| !is_token_char(c)).unwrap_or(word.len());
        let (word, after) = word.split_at(end);
        let minted = ["eyJ", "at_", "pt_", "rt_"]
            .iter()
            .any(|p| word.starts_with(p));
        out.push_str(if minted { "<tok>" } else { word });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `--format json` with the token masked and the times coarsened.
fn normalize_json(text: &str) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    let minutes = (v["expires_in"].as_u64().unwrap_or_default() + 30) / 60;
    v["expires_in"] = serde_json::json!(format!("~{minutes}m"));
    v["expires_at"] = serde_json::json!("<time>");
    mask(&v.to_string())
}

/// One request as compared between the runs.
fn seen(req: &Request) -> String {
    let mut query = req.query.clone();
    query.sort();
    let media = req.media_type().unwrap_or_default();
    let body = match media.as_str() {
        "application/json" => req.json().map(|v| v.to_string()).unwrap_or_default(),
        "application/x-www-form-urlencoded" => {
            let mut form = req.form().unwrap();
            form.sort();
            format!("{form:?}")
        }
        _ => req.body_text().into_owned(),
    };
    mask(&format!(
        "{} {} query={query:?} type={media} auth={:?} body={body}",
        req.method,
        req.path,
        req.header("authorization"),
    ))
}

/// The requests to the token endpoints (`paths`), as compared.
fn token_requests<V: Vendor>(server: &FakeServer<V>, paths: &[&str]) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| paths.contains(&r.path.as_str()))
        .map(seen)
        .collect()
}

/// The profile `name` for `kind`: the built-in provider's `builtin` keys,
/// or the documented description with `swaps`; `secrets` added to both.
fn profile(kind: Kind, name: &str, builtin: &str, swaps: &[(&str, &str)], secrets: &str) -> String {
    match kind {
        Kind::Builtin => format!("[profiles.{name}]\n{builtin}{secrets}"),
        Kind::Declared => documented(name, swaps, secrets),
    }
}

/// Runs `scenario` with both providers and compares the runs.
fn same_as_builtin(scenario: fn(Kind) -> Run) {
    let builtin = scenario(Kind::Builtin);
    let declared = scenario(Kind::Declared);
    assert_eq!(builtin.requests, declared.requests, "token requests differ");
    assert_eq!(builtin.outputs, declared.outputs, "outputs differ");
    assert!(!builtin.requests.is_empty());
}

fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

// ---------------------------------------------------------------------------
// connect-enterprise

const CE_ID: &str = "enterprise-42";
const CE_SECRET: &str = "dev-s3cret\"\\";
const CE_DEV_URL: &str =
    "https://lfs-connect-enterprise-api-dev-h7ekhqc6g0g2greg.centralus-01.azurewebsites.net";

fn connect_config(kind: Kind, base_url: &str) -> String {
    let builtin = format!(
        "provider = \"connect-enterprise\"\nbase_url = \"{base_url}\"\nclient_id = \"{CE_ID}\"\n"
    );
    let id = format!("\"{CE_ID}\"");
    let swaps = [(CE_DEV_URL, base_url), ("\"your-client-id\"", id.as_str())];
    let secrets = "client_secret_env = \"CE_SECRET\"\n";
    profile(kind, "connect-dev", &builtin, &swaps, secrets)
}

fn connect_scenario(kind: Kind) -> Run {
    let server = FakeServer::start(FakeConnect::new("development", CE_ID, CE_SECRET));
    let mut r = Recorder::new(
        kind,
        &connect_config(kind, &server.url()),
        &[("CE_SECRET", CE_SECRET)],
    );
    let first = r.token();
    assert_eq!(first, server.last_access_token().unwrap());
    let api = curl(&["-H", &bearer(&first), &server.resource_url()]);
    assert_eq!(api.status, 200, "{api:?}");

    // Cached; the expiry came from the JWT's `exp`.
    assert_eq!(r.token(), first);
    r.ok(&["header"]);
    let left = r.json()["expires_in"].as_u64().unwrap();
    assert!((3500..=3600).contains(&left), "{left}");
    r.fails(&["token", "--format", "query"], 2, &["authtool: error: profile 'connect-dev' (connect-enterprise) sends the token in a header, not in the URL\n\
         hint: use `authtool header -p connect-dev`\n", "authtool: error: profile 'connect-dev' (http) sends the token in a header, not in the URL\n\
         hint: use `authtool header -p connect-dev`\n"], &[]);
    assert_eq!(server.counters().login_requests, 1);

    // No refresh token: renewal is a new login.
    r.ok(&["token", "--min-ttl", "2h"]);
    r.env.expire_cached_tokens();
    let renewed = r.token();
    assert_eq!(renewed, server.last_access_token().unwrap());
    let c = server.counters();
    assert_eq!((c.logins, c.rejected), (3, 0), "{c:?}");

    // Wrong secret: exit 6 with the server's message, stdout empty.
    r.env.set_env("CE_SECRET", "wrong-one");
    r.fails(&["token", "--no-cache"], 6, &["authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: INVALID_CREDENTIALS: Invalid clientid or secret\n\
         hint: check `client_id` and the client secret (`authtool login connect-dev` stores it); development and production have separate credentials\n", "authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: INVALID_CREDENTIALS: Invalid clientid or secret\n\
         hint: check the values and secrets of profile 'connect-dev' (client_secret); `authtool login connect-dev` stores the secrets\n"], &["wrong-one"]);
    assert_eq!(server.counters().logins, 3);
    Run {
        outputs: r.outputs,
        requests: token_requests(&server, &["/v1/auth/login"]),
    }
}

#[test]
fn connect_enterprise_described_is_the_builtin() {
    same_as_builtin(connect_scenario);
}

#[test]
fn connect_enterprise_described_refusal_in_a_200_exits_6() {
    let server = FakeServer::start(FakeConnect::new("development", CE_ID, CE_SECRET));
    let mut r = Recorder::new(
        Kind::Declared,
        &connect_config(Kind::Declared, &server.url()),
        &[("CE_SECRET", CE_SECRET)],
    );
    let refusal =
        r#"{"data":null,"errors":[{"code":"AUTH001","message":"Invalid client credentials"}]}"#;
    server.script(vec![Fault::status(200, refusal)]);
    r.fails(&["token"], 6, &["authtool: error: http://127.0.0.1:[PORT]/v1/auth/login refused the login: AUTH001: Invalid client credentials\n\
         hint: check the values and secrets of profile 'connect-dev' (client_secret); `authtool login connect-dev` stores the secrets\n"], &[CE_SECRET]);
    // A 500 is the server's problem, not a rejection.
    server.script(vec![Fault::status(500, r#"{"errors":["boom"]}"#)]);
    r.fails(
        &["token"],
        5,
        &[
            "authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 500: boom\n\
         hint: the server has a problem; try again later\n",
        ],
        &[CE_SECRET],
    );
}

// ---------------------------------------------------------------------------
// pipeline-lbm

const LBM_ID: &str = "lbm-client";
/// Characters RFC 6749 form-encoding would change: the doc's raw Basic
/// encoding must keep them as they are.
const LBM_SECRET: &str = "p+ss/w%rd:é=";
const LBM_PROD_URL: &str = "https://sso.strongtietech.com/common/oauth2/v1.0/token";

fn lbm_config(kind: Kind, token_url: &str) -> String {
    let builtin = format!(
        "provider = \"pipeline-lbm\"\ntoken_url = \"{token_url}\"\ntenant = \"lbmsales\"\nclient_id = \"{LBM_ID}\"\n"
    );
    let id = format!("\"{LBM_ID}\"");
    let swaps = [
        (LBM_PROD_URL, token_url),
        ("\"your-client-id\"", id.as_str()),
    ];
    let secrets = "client_secret_env = \"LBM_SECRET\"\n";
    profile(kind, "lbm-prod", &builtin, &swaps, secrets)
}

fn lbm_scenario(kind: Kind) -> Run {
    let server = FakeServer::start(FakeLbm::new(LBM_ID, LBM_SECRET, "lbmsales"));
    let mut r = Recorder::new(
        kind,
        &lbm_config(kind, &server.token_url()),
        &[("LBM_SECRET", LBM_SECRET)],
    );
    let header = r.ok(&["header"]);
    let t = server.last_access_token().unwrap();
    assert_eq!(
        header,
        format!("Authorization: Bearer {t}\nX-Customer: lbmsales\n")
    );
    // The Public API wants both headers.
    let jobs = curl(&[
        "-H",
        &bearer(&t),
        "-H",
        "X-Customer: lbmsales",
        &server.jobs_url(),
    ]);
    assert_eq!(jobs.status, 200, "{jobs:?}");
    assert_eq!(r.token(), t);
    let j = r.json();
    assert_eq!(j["headers"]["X-Customer"], "lbmsales");
    assert!(j["expires_in"].as_u64().unwrap() > 86_000, "{j}");
    r.ok(&["token", "--format", "curl"]);
    assert_eq!(server.counters().token_requests, 1);

    // No refresh grant: renewal is a new login.
    r.ok(&["token", "--min-ttl", "25h"]);
    r.env.expire_cached_tokens();
    assert_ne!(r.token(), t);
    let c = server.counters();
    assert_eq!((c.token_requests, c.logins), (3, 3), "{c:?}");

    r.env.set_env("LBM_SECRET", "nope");
    r.fails(&["header", "--no-cache"], 6, &["authtool: error: http://127.0.0.1:[PORT]/common/oauth2/v1.0/token answered HTTP 401: invalid_client (Invalid client credentials)\n\
         hint: the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret\n", "authtool: error: http://127.0.0.1:[PORT]/common/oauth2/v1.0/token answered HTTP 401: invalid_client: Invalid client credentials\n\
         hint: check the values and secrets of profile 'lbm-prod' (client_secret); `authtool login lbm-prod` stores the secrets\n"], &["nope"]);
    Run {
        outputs: r.outputs,
        requests: token_requests(&server, &["/common/oauth2/v1.0/token"]),
    }
}

#[test]
fn pipeline_lbm_described_is_the_builtin() {
    same_as_builtin(lbm_scenario);
}

// ---------------------------------------------------------------------------
// primaerp

const API_KEY: &str = "1af7a44b-81f1-4de1-11e7-1e675acb1221";
const ERP_USER: &str = "user@domain.com";
const ERP_PASSWORD: &str = "pass:word é";
const ERP_HOST: &str = "https://{tenant}.api.primaerp.com";
const ERP_LOGIN: &str = "/v1/auth/login";
const ERP_REFRESH: &str = "/v1/auth/refreshtoken";

fn erp_server() -> FakeServer<FakePrimaerp> {
    FakeServer::start(FakePrimaerp::new(API_KEY, ERP_USER, ERP_PASSWORD).date_zone("+0100"))
}

/// The primaERP profile `erp`; `secrets` says where the secrets come from.
fn erp_config(kind: Kind, base_url: &str, secrets: &str) -> String {
    let builtin = format!(
        "provider = \"primaerp\"\nbase_url = \"{base_url}\"\nauth = \"user\"\nusername = \"{ERP_USER}\"\n"
    );
    profile(kind, "erp", &builtin, &[(ERP_HOST, base_url)], secrets)
}

const ERP_SECRETS: &str = "api_key_env = \"ERP_API_KEY\"\npassword_env = \"ERP_PASSWORD\"\n";

fn erp_recorder(kind: Kind, server: &FakeServer<FakePrimaerp>) -> Recorder {
    Recorder::new(
        kind,
        &erp_config(kind, &server.url(), ERP_SECRETS),
        &[("ERP_API_KEY", API_KEY), ("ERP_PASSWORD", ERP_PASSWORD)],
    )
}

fn projects(server: &FakeServer<FakePrimaerp>, query: &str) -> u16 {
    curl(&[&format!("{}?{query}", server.projects_url())]).status
}

fn primaerp_scenario(kind: Kind) -> Run {
    let server = erp_server();
    let mut r = erp_recorder(kind, &server);
    let query = r.ok(&["token", "--format", "query"]);
    let t = server.last_access_token().unwrap();
    assert_eq!(query, format!("token={t}\n"));
    assert_eq!(projects(&server, query.trim_end()), 200);
    assert_eq!(r.token(), t);
    let j = r.json();
    assert_eq!(j["query"]["token"], t.as_str());
    assert_eq!(j["headers"], serde_json::json!({}));
    // /Date(ms+0100)/: the milliseconds are UTC.
    let left = j["expires_in"].as_u64().unwrap();
    assert!((3500..=3600).contains(&left), "{j}");
    r.ok(&["token", "--format", "curl"]);
    r.fails(&["header"], 2, &["authtool: error: profile 'erp' (primaerp) passes the token as a URL query parameter, not a header\n\
         hint: use `authtool token --format query -p erp` and append it to the URL (or --format curl for curl -K -)\n", "authtool: error: profile 'erp' (http) passes the token as a URL query parameter, not a header\n\
         hint: use `authtool token --format query -p erp` and append it to the URL (or --format curl for curl -K -)\n"], &[&t]);
    assert_eq!(server.counters().login_requests, 1);

    // Each round the token is stale: the newest refresh token is spent
    // once (refresh +1, login +0), the old one never sent again.
    let mut seen = vec![t];
    for round in 1..=3 {
        r.env.expire_cached_tokens();
        r.ok(&["token", "--min-ttl", "2h"]);
        let c = server.counters();
        assert_eq!(
            (c.logins, c.refreshes, c.refresh_reuse),
            (1, round, 0),
            "{c:?}"
        );
        let t = server.last_access_token().unwrap();
        assert!(!seen.contains(&t));
        seen.push(t);
    }
    r.env.expire_cached_tokens();
    let last = r.token();
    assert_eq!(projects(&server, &format!("token={last}")), 200);
    assert_eq!(r.token(), last);
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes, c.refresh_reuse), (1, 4, 0), "{c:?}");

    // Wrong credentials: exit 6, nothing on stdout, no secret on stderr.
    r.env.set_env("ERP_PASSWORD", "wrong pw");
    r.fails(
        &["token", "--no-cache"],
        6,
        &["authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: Invalid user name, password or secret key\n\
             hint: check `username`, the password and the API key (`authtool login erp` stores them)\n", "authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: Invalid user name, password or secret key\n\
             hint: check the values and secrets of profile 'erp' (password, api_key); `authtool login erp` stores the secrets\n"],
        &["wrong pw", API_KEY],
    );
    r.env
        .set_env("ERP_PASSWORD", ERP_PASSWORD)
        .set_env("ERP_API_KEY", "bad-key");
    r.fails(
        &["token", "--format", "query", "--no-cache"],
        6,
        &["authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: Invalid API key\n\
             hint: check `username`, the password and the API key (`authtool login erp` stores them)\n", "authtool: error: http://127.0.0.1:[PORT]/v1/auth/login answered HTTP 401: Invalid API key\n\
             hint: check the values and secrets of profile 'erp' (password, api_key); `authtool login erp` stores the secrets\n"],
        &["bad-key", ERP_PASSWORD],
    );
    Run {
        outputs: r.outputs,
        requests: token_requests(&server, &[ERP_LOGIN, ERP_REFRESH]),
    }
}

#[test]
fn primaerp_described_is_the_builtin() {
    same_as_builtin(primaerp_scenario);
}

#[test]
fn primaerp_described_fifty_processes_refresh_exactly_once() {
    let server = erp_server();
    let mut r = erp_recorder(Kind::Declared, &server);
    r.token();
    r.env.expire_cached_tokens();
    server.assert_single_use_storm(&r.env, 50);
}

#[test]
fn primaerp_described_lost_refresh_answer_never_resends_the_refresh_token() {
    let server = erp_server();
    let secrets = format!("{ERP_SECRETS}timeout = \"1s\"\n");
    let mut r = Recorder::new(
        Kind::Declared,
        &erp_config(Kind::Declared, &server.url(), &secrets),
        &[("ERP_API_KEY", API_KEY), ("ERP_PASSWORD", ERP_PASSWORD)],
    );
    r.token();
    r.env.expire_cached_tokens();
    server.assert_lost_refresh_is_never_resent(&r.env);
}

#[test]
fn described_secrets_are_asked_for_in_order_and_never_logged() {
    let server = erp_server();
    let r = Recorder::new(
        Kind::Declared,
        &erp_config(Kind::Declared, &server.url(), ""),
        &[],
    );
    // The templates name `password` and `api_key`: in that order.
    r.env
        .case(["status", "--json"])
        .run()
        .success()
        .stdout(
            r#"{
  "config": "[ROOT]/config/authtool/config.toml",
  "profiles": [
    {
      "error": null,
      "name": "erp",
      "provider": "http",
      "refresh_token": false,
      "secrets": [
        {
          "name": "password",
          "present": false,
          "source": "store",
          "store": "file"
        },
        {
          "name": "api_key",
          "present": false,
          "source": "store",
          "store": "file"
        }
      ],
      "token": null
    }
  ]
}
"#,
        )
        .stderr("");
    // Nothing stored yet: exit 3, not a request.
    r.env.case(["token"]).run().code(3).stdout("").stderr(
        "authtool: error: profile 'erp': no password is stored in the file secret store\n\
         hint: run `authtool login erp` to store it\n\
         hint: or set `password_env = \"VARIABLE\"`, `password_command = \"…\"` or `password_file = \"PATH\"` in the profile\n",
    );
    assert_eq!(server.request_count(), 0);

    r.env
        .case(["login", "erp", "--secret-stdin"])
        .stdin(format!("{ERP_PASSWORD}\n{API_KEY}\n"))
        .run()
        .success()
        .stdout("")
        .stderr("authtool: profile 'erp': stored password, api_key in the file secret store\n\
             authtool: profile 'erp': verified: the provider issued a token (expires in [DURATION])\n")
        .hides(&[ERP_PASSWORD, API_KEY]);
    assert_eq!(server.counters().logins, 1);

    // -v logs the requests, never a secret (the API key is in the query,
    // the password in Basic, the refresh token in the refresh query).
    let rt = server.last_refresh_token().unwrap();
    r.env
        .case(["-v", "token", "--format", "query", "--min-ttl", "2h"])
        .run()
        .success()
        .stderr("authtool: profile 'erp': renewing: the cached token expires in [DURATION], less than --min-ttl 2h 0m\n\
             authtool: profile 'erp': using the refresh token\n\
             authtool: GET http://127.0.0.1:[PORT]/v1/auth/refreshtoken?apikey=***&refresh_token=*** (attempt 1)\n\
             authtool: HTTP 200 ([SIZE] bytes)\n\
             authtool: profile 'erp': refresh token kept in the secret store\n\
             authtool: warning: profile 'erp': the server issues tokens valid for [DURATION], less than --min-ttl 2h 0m\n")
        .stderr_hides(&[ERP_PASSWORD, API_KEY, &rt]);
    assert_eq!(server.counters().refreshes, 1);
}

// ---------------------------------------------------------------------------
// lrs-connect

const LRS_USER: &str = "jane.doe";
const LRS_PASSWORD: &str = "pa\"ss\\word";

fn lrs_config(kind: Kind, base_url: &str) -> String {
    let builtin = format!(
        "provider = \"lrs-connect\"\nbase_url = \"{base_url}\"\nusername = \"{LRS_USER}\"\n"
    );
    let user = format!("\"{LRS_USER}\"");
    let swaps = [
        ("https://connect.lrsus.com", base_url),
        ("\"your-user-name\"", user.as_str()),
    ];
    profile(
        kind,
        "lrs",
        &builtin,
        &swaps,
        "password_env = \"LRS_PASSWORD\"\n",
    )
}

fn lrs_scenario(kind: Kind) -> Run {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD));
    let mut r = Recorder::new(
        kind,
        &lrs_config(kind, &server.url()),
        &[("LRS_PASSWORD", LRS_PASSWORD)],
    );
    let first = r.token();
    r.env.expire_cached_tokens();

    // Expired: the refresh token renews it (refresh +1, login +0).
    let second = r.token();
    assert_ne!(second, first);
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes), (1, 1), "{c:?}");
    let me = curl(&["-H", &bearer(&second), &server.me_url()]);
    assert_eq!(me.status, 200, "{me:?}");

    // Fresh: cached; `expiresIn` ("3600", a string) was understood.
    assert_eq!(r.token(), second);
    let j = r.json();
    assert!((3500..=3600).contains(&j["expires_in"].as_u64().unwrap()));
    r.ok(&["header"]);
    assert_eq!(server.counters().token_requests, 2);

    // Deactivated: the refresh is refused, so is the login: exit 6.
    server.with_vendor(|v| v.set_active(LRS_USER, false));
    r.fails(
        &["token", "--min-ttl", "2h"],
        6,
        &["authtool: error: http://127.0.0.1:[PORT]/rest/v4/oauth/token answered HTTP 403: ACCOUNT_INACTIVE: The account 'jane.doe' is inactive\n\
             hint: check `username` and the password (`authtool login lrs` stores it); LRS Connect refuses inactive accounts\n", "authtool: error: http://127.0.0.1:[PORT]/rest/v4/oauth/token answered HTTP 403: The account 'jane.doe' is inactive\n\
             hint: check the values and secrets of profile 'lrs' (password); `authtool login lrs` stores the secrets\n"],
        &[LRS_PASSWORD],
    );
    let c = server.counters();
    assert_eq!(
        (c.logins, c.refreshes, c.refresh_rejected),
        (1, 1, 1),
        "{c:?}"
    );
    server.with_vendor(|v| v.set_active(LRS_USER, true));
    r.env.set_env("LRS_PASSWORD", "guess");
    r.fails(&["token", "--no-cache"], 6, &["authtool: error: http://127.0.0.1:[PORT]/rest/v4/oauth/token answered HTTP 401: INVALID_CREDENTIALS: Invalid user name or password\n\
         hint: check `username` and the password (`authtool login lrs` stores it); LRS Connect refuses inactive accounts\n", "authtool: error: http://127.0.0.1:[PORT]/rest/v4/oauth/token answered HTTP 401: Invalid user name or password\n\
         hint: check the values and secrets of profile 'lrs' (password); `authtool login lrs` stores the secrets\n"], &["guess"]);
    Run {
        outputs: r.outputs,
        requests: token_requests(&server, &["/rest/v4/oauth/token"]),
    }
}

#[test]
fn lrs_connect_described_is_the_builtin() {
    same_as_builtin(lrs_scenario);
}

#[test]
fn lrs_connect_described_refusal_in_a_200_exits_6() {
    let server = FakeServer::start(FakeLrs::new(LRS_USER, LRS_PASSWORD));
    let mut r = Recorder::new(
        Kind::Declared,
        &lrs_config(Kind::Declared, &server.url()),
        &[("LRS_PASSWORD", LRS_PASSWORD)],
    );
    server.script(vec![Fault::status(
        200,
        r#"{"message":"User account is inactive"}"#,
    )]);
    r.fails(&["token"], 6, &["authtool: error: http://127.0.0.1:[PORT]/rest/v4/oauth/token refused the login: User account is inactive\n\
         hint: check the values and secrets of profile 'lrs' (password); `authtool login lrs` stores the secrets\n"], &[LRS_PASSWORD]);
}

// ---------------------------------------------------------------------------
// oauth2 (client credentials)

const ORG_ID: &str = "my-client";
const ORG_SECRET: &str = "s3cret:+ %é";

fn oauth2_config(kind: Kind, token_url: &str) -> String {
    let builtin =
        format!("provider = \"oauth2\"\ntoken_url = \"{token_url}\"\nclient_id = \"{ORG_ID}\"\n");
    let id = format!("\"{ORG_ID}\"");
    let swaps = [
        ("https://auth.example.com/oauth2/token", token_url),
        ("\"my-client-id\"", id.as_str()),
    ];
    profile(
        kind,
        "org",
        &builtin,
        &swaps,
        "client_secret_env = \"ORG_SECRET\"\n",
    )
}

fn oauth2_scenario(kind: Kind) -> Run {
    let server = FakeServer::start(
        FakeOAuth2::new(ORG_ID, ORG_SECRET)
            .lifetime_secs(600)
            .refresh_lifetime_secs(86_400),
    );
    let mut r = Recorder::new(
        kind,
        &oauth2_config(kind, &server.token_url()),
        &[("ORG_SECRET", ORG_SECRET)],
    );
    let first = r.token();
    assert_eq!(first, server.last_access_token().unwrap());
    let whoami = curl(&["-H", &bearer(&first), &server.whoami_url()]);
    assert_eq!(whoami.status, 200, "{whoami:?}");
    assert_eq!(r.token(), first);
    r.ok(&["header"]);
    r.ok(&["token", "--format", "env"]);
    r.json();
    assert_eq!(server.counters().token_requests, 1);

    // A 10-minute token is stale for --min-ttl 1h: each call refreshes
    // once with the newest (rotated) refresh token.
    for round in 1..=3 {
        r.ok(&["token", "--min-ttl", "1h"]);
        let c = server.counters();
        assert_eq!((c.logins, c.refreshes, c.refresh_reuse), (1, round, 0));
    }
    r.token();
    assert_eq!(server.counters().token_requests, 4);

    r.env.set_env("ORG_SECRET", "nope");
    r.fails(&["token", "--no-cache"], 6, &["authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 401: invalid_client (client authentication failed: unknown client or wrong secret)\n\
         hint: the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret\n", "authtool: error: http://127.0.0.1:[PORT]/oauth2/token answered HTTP 401: invalid_client: client authentication failed: unknown client or wrong secret\n\
         hint: check the values and secrets of profile 'org' (client_secret); `authtool login org` stores the secrets\n"], &["nope"]);
    Run {
        outputs: r.outputs,
        requests: token_requests(&server, &["/oauth2/token"]),
    }
}

#[test]
fn oauth2_described_is_the_builtin() {
    same_as_builtin(oauth2_scenario);
}

// ---------------------------------------------------------------------------
// Invalid descriptions: exit 2, located, naming the key.

#[test]
fn invalid_descriptions_name_the_key_and_line() {
    let good = oauth2_config(Kind::Declared, "https://auth.example.com/oauth2/token");
    // (replace, with, the message after "profile 'org': ", the line it
    // points at)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "token = \"/access_token\"",
            "token = \"access_token\"",
            "key `response.token`: `access_token` is not a JSON pointer: write `/` before each name, like \"/access_token\" or \"/data/token\" (`~1` for a `/` inside a name, `~0` for `~`)",
            "token = \"access_token\"",
        ),
        (
            "token = \"/access_token\"",
            "token_typ = \"/x\"",
            "key `response.token_typ`: unknown field `token_typ`, expected one of `token`, `token_type`, `scope`, `expires`, `expires_format`, `refresh_token`, `refresh_expires`, `refresh_expires_format`, `error`, `success_status`",
            "token_typ = \"/x\"",
        ),
        (
            "token = \"/access_token\"",
            "# no token",
            "set `response.token`, the JSON pointer to the token in the answer (like \"/access_token\")",
            "[profiles.org.response]",
        ),
        (
            "grant_type = \"client_credentials\"",
            "grant_type = \"{grant}\"",
            "key `login.body.grant_type`: `{grant}`: unknown placeholder `{grant}` (add it to `vars`; write `{{` for a literal `{`); known here: `{client_id}`, `{secret:NAME}`",
            "body = { grant_type = \"{grant}\" }",
        ),
        (
            "/oauth2/token\"",
            "/oauth2/{secret:client_secret}\"",
            "key `login.url`: `https://auth.example.com/oauth2/{secret:client_secret}`: a secret (`{secret:client_secret}`) cannot be used here: a URL is shown in messages and logs; send secrets as `query` parameters (redacted in logs), headers, `basic` or in the body",
            "url = ",
        ),
        (
            "body = { grant_type = \"client_credentials\" }",
            "body = { grant_type = \"client_credentials\", nested = { a = \"b\" } }",
            "key `login.body.nested`: a form body holds only text, numbers and booleans; nested tables and lists need body_type = \"json\"",
            "body = { grant_type = \"client_credentials\", nested",
        ),
        (
            "body_type = \"form\"\nbody = { grant_type = \"client_credentials\" }",
            "body = { grant_type = \"client_credentials\" }",
            "key `login.body_type`: set `body_type = \"json\"` or `body_type = \"form\"` (application/x-www-form-urlencoded)",
            "[profiles.org.login]",
        ),
        (
            "body = { grant_type = \"refresh_token\", refresh_token = \"{refresh_token}\" }",
            "body = { grant_type = \"refresh_token\" }",
            "key `refresh`: the refresh request never sends `{refresh_token}`: put it in `refresh.query`, `refresh.headers` or `refresh.body`",
            "[profiles.org.refresh]",
        ),
        (
            "expires = \"/expires_in\"",
            "expires = \"/expires_in\"\nexpires_format = \"fortnights\"",
            "key `response.expires_format`: unknown variant `fortnights`, expected one of `seconds`, `epoch`, `epoch-ms`, `rfc3339`, `ms-date`, `jwt`",
            "expires_format = \"fortnights\"",
        ),
    ];
    for (from, to, says, line) in cases {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        let line = 1 + bad
            .lines()
            .position(|l| l.starts_with(line))
            .unwrap_or_else(|| panic!("{line}"));
        let env = TestEnv::new();
        env.write_config(&bad);
        env.case(["config", "check"])
            .env("ORG_SECRET", "x")
            .run()
            .code(2)
            .stdout("")
            .stderr(format!(
                "authtool: error: [ROOT]/config/authtool/config.toml:{line}: profile 'org': {says}\n\
                 hint: fix the file, then check it with `authtool config check`\n"
            ));
    }
}
