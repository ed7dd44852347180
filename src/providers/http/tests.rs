//! Unit tests of `provider = "http"`: the TOML → spec parsing and
//! validation, and the engine reading answers as a description says.

use super::*;
use crate::Kind;
use crate::providers::engine::template::Inputs;
use crate::providers::test_response as resp;
use crate::secret::Secret;
use crate::{Result, providers::TokenSet};
use base64::Engine;
use serde_json::Value;

fn parse(s: &str) -> Result<Declarative, String> {
    crate::providers::parse_for_test(Declarative::from_table, s)
}

/// A valid description: an OAuth2-like login, refresh and answer.
const BASE: &str = r#"
client_id = "c"
tenant = "acme"
vars = { aud = "api" }

[login]
url = "https://auth.example.com/{tenant}/token"
basic = { user = "{client_id}", password = "{secret:client_secret}" }
body_type = "form"
body = { grant_type = "client_credentials", aud = "{aud}" }

[response]
token = "/access_token"
expires = "/expires_in"
refresh_token = "/refresh_token"

[refresh]
body_type = "form"
body = { grant_type = "refresh_token", refresh_token = "{refresh_token}" }
"#;

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

fn err(text: &str) -> String {
    parse(text)
        .err()
        .unwrap_or_else(|| panic!("accepted:\n{text}"))
}

#[test]
fn a_description_parses() {
    let d = parse(BASE).unwrap();
    assert_eq!(d.endpoint(), "https://auth.example.com/acme/token");
    assert_eq!(d.secret_names(), [SecretName::ClientSecret]);
    assert!(!d.spec().single_use_refresh);
    // The refresh request goes to the login URL.
    assert_eq!(d.refresh.as_ref().unwrap().url, d.login.url);
}

#[test]
fn secrets_and_refresh_tokens_stay_out_of_urls_and_presentation() {
    let e = err(&with("/{tenant}/token", "/{secret:client_secret}/token"));
    assert!(e.starts_with("Some(\"login.url\")"), "{e}");
    assert!(e.contains("shown in messages"), "{e}");
    let e = err(&with(
        "[refresh]\n",
        "[refresh]\nurl = \"https://h/{refresh_token}\"\n",
    ));
    assert!(e.starts_with("Some(\"refresh.url\")"), "{e}");
    let e = err(&with("aud = \"{aud}\"", "aud = \"{refresh_token}\""));
    assert!(e.contains("only known in the refresh request"), "{e}");
    let e = err(&format!(
        "{BASE}\n[present]\nheaders = {{ X-Key = \"{{secret:api_key}}\" }}\n"
    ));
    assert!(e.starts_with("Some(\"present.headers.X-Key\")"), "{e}");
    // In the query they are fine (and redacted in logs).
    let d = parse(&with(
        "body_type = \"form\"\nbody = { grant_type = \"client_credentials\", aud = \"{aud}\" }",
        "query = { key = \"{secret:api_key}\" }",
    ))
    .unwrap();
    assert_eq!(d.login.secrets.len(), 2);
}

#[test]
fn invalid_descriptions_name_the_key() {
    for (text, key, says) in [
        (
            with("token = \"/access_token\"", "token = \"access_token\""),
            "response.token",
            "JSON pointer",
        ),
        (
            with("token = \"/access_token\"", "token = \"/a~2b\""),
            "response.token",
            "JSON pointer",
        ),
        (
            with("token = \"/access_token\"\n", ""),
            "response.token",
            "set `response.token`",
        ),
        (
            BASE.replace("[response]", "[answer]"),
            "None",
            "unknown field `answer`",
        ),
        (
            with("body_type = \"form\"\n", ""),
            "login.body_type",
            "set `body_type",
        ),
        (
            with("url = ", "method = \"GET\"\nurl = "),
            "login.body",
            "GET request has no body",
        ),
        (
            with("aud = \"{aud}\" }", "aud = [\"a\"] }"),
            "login.body.aud",
            "form body",
        ),
        (
            with("refresh_token = \"{refresh_token}\" }", "x = 1 }"),
            "refresh",
            "never sends",
        ),
        (
            with("refresh_token = \"/refresh_token\"\n", ""),
            "response.refresh_token",
            "needs",
        ),
        (
            with(
                "[refresh]\n",
                "[refresh]\nsingle_use = true\nsingle_use_refresh = true\n",
            ),
            "None",
            "unknown field",
        ),
        (
            with("[login]\n", "[login]\nsingle_use = true\n"),
            "login.single_use",
            "refresh",
        ),
        (
            with("expires = \"/expires_in\"", "expires_format = \"epoch\""),
            "response.expires_format",
            "without `response.expires`",
        ),
        (
            with(
                "expires = \"/expires_in\"",
                "expires = \"/e\"\nexpires_format = \"jwt\"",
            ),
            "response.expires",
            "remove",
        ),
        (
            with("[response]\n", "[response]\nsuccess_status = [200, 302]\n"),
            "response.success_status",
            "302",
        ),
        (
            with(
                "vars = { aud = \"api\" }",
                "vars = { aud = \"api\", tenant = \"t\" }",
            ),
            "vars.tenant",
            "not available",
        ),
        (
            with("client_id = \"c\"", "client_id = \"\""),
            "client_id",
            "empty",
        ),
        (
            with(
                "url = \"https://auth.example.com/{tenant}/token\"",
                "url = \"ftp://h/\"",
            ),
            "login.url",
            "https://",
        ),
        (
            with("[login]\n", "[login]\nheaders = { Content-Type = \"x\" }\n"),
            "login.headers.Content-Type",
            "sets",
        ),
        (
            with(
                "[login]\n",
                "[login]\nheaders = { Authorization = \"x\" }\n",
            ),
            "login.headers.Authorization",
            "basic",
        ),
        (
            with("[login]\n", "[login]\nheaders = { \"X Y\" = \"x\" }\n"),
            "login.headers.X Y",
            "header name",
        ),
        (
            with("user = \"{client_id}\"", "user = \"a:b\""),
            "login.basic.user",
            "`:`",
        ),
        (
            BASE.replace("[login]", "[nologin]"),
            "None",
            "unknown field",
        ),
        (
            format!("{BASE}\n[present]\nquery = \"t\"\nprefix = \"x\"\n"),
            "present.prefix",
            "without a header",
        ),
    ] {
        let e = err(&text);
        let want = if key == "None" {
            key.to_string()
        } else {
            format!("Some(\"{key}\")")
        };
        assert!(
            e.starts_with(&want) || (key == "None" && e.contains(says)),
            "{key}: {e}"
        );
        assert!(e.contains(says), "{key}: wanted `{says}`: {e}");
    }
    // No login at all.
    let e = err("[response]\ntoken = \"/t\"\n");
    assert!(e.starts_with("Some(\"login\")"), "{e}");
}

#[test]
fn bodies_render_as_json_or_form() {
    let values = BTreeMap::new();
    let scope = Scope {
        values: &values,
        no_secrets: None,
        refresh_token: false,
    };
    let table: toml::Table = toml::from_str(
        "a = \"{secret:password}\"\nn = 5\nf = 1.5\nb = true\nlist = [\"x\", 2]\nobj = { k = \"v\" }",
    )
    .unwrap();
    let fields = parse_fields("login.body", &table, BodyType::Json, &scope)
        .ok()
        .unwrap();
    let body = Body {
        kind: BodyType::Json,
        fields,
    };
    let i = Inputs::for_test(&[(SecretName::Password, "p\"w")], None);
    let (ct, text) = body.render(&i).unwrap();
    assert_eq!(ct, "application/json");
    let v: Value = serde_json::from_str(text.expose()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"a": "p\"w", "n": 5, "f": 1.5, "b": true, "list": ["x", 2], "obj": {"k": "v"}})
    );
    // The identity holds the template, never the secret.
    assert!(body.describe().contains("{secret:password}"));
    assert!(!body.describe().contains("p\\\"w"));

    let table: toml::Table = toml::from_str("a = \"{secret:password}\"\nn = 5\nb = false").unwrap();
    let fields = parse_fields("login.body", &table, BodyType::Form, &scope)
        .ok()
        .unwrap();
    let body = Body {
        kind: BodyType::Form,
        fields,
    };
    let (ct, text) = body
        .render(&Inputs::for_test(&[(SecretName::Password, "a b&c")], None))
        .unwrap();
    assert_eq!(ct, "application/x-www-form-urlencoded");
    assert_eq!(text.expose(), "a=a+b%26c&b=false&n=5");
    let table: toml::Table = toml::from_str("d = 1979-05-27").unwrap();
    assert!(parse_fields("login.body", &table, BodyType::Json, &scope).is_err());
}

fn jwt(exp: u64) -> String {
    let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.sig",
        enc(r#"{"alg":"none"}"#),
        enc(&format!(r#"{{"exp":{exp}}}"#))
    )
}

fn answer(spec: &str, status: u16, body: &str) -> Result<TokenSet> {
    let d = parse(&with("token = \"/access_token\"\nexpires = \"/expires_in\"\nrefresh_token = \"/refresh_token\"\n", spec)).unwrap();
    d.response.read(&resp(status, body), "E", 1_000, "hint")
}

#[test]
fn expiry_formats() {
    let rt = "refresh_token = \"/rt\"\n";
    let at = |format: &str, value: &str| {
        answer(
            &format!("token = \"/t\"\nexpires = \"/e\"\nexpires_format = \"{format}\"\n{rt}"),
            200,
            &format!(r#"{{"t":"tok","e":{value}}}"#),
        )
        .map(|t| t.expires_at)
    };
    assert_eq!(at("seconds", "60").unwrap(), Some(1_060));
    assert_eq!(at("seconds", "\"60\"").unwrap(), Some(1_060));
    assert_eq!(at("epoch", "5000").unwrap(), Some(5_000));
    assert_eq!(at("epoch", "\"5000\"").unwrap(), Some(5_000));
    assert_eq!(at("epoch-ms", "5000999").unwrap(), Some(5_000));
    assert_eq!(
        at("rfc3339", "\"1970-01-01T01:00:00Z\"").unwrap(),
        Some(3_600)
    );
    assert_eq!(
        at("ms-date", "\"/Date(5000999+0100)/\"").unwrap(),
        Some(5_000)
    );
    for (format, bad) in [
        ("seconds", "\"soon\""),
        ("epoch", "\"tomorrow\""),
        ("epoch-ms", "true"),
        ("rfc3339", "5"),
        ("ms-date", "\"5000\""),
        ("epoch", "99999999999999"),
    ] {
        let e = at(format, bad).unwrap_err();
        assert_eq!(e.kind, Kind::Network, "{format} {bad}");
    }
    // Absent: the JWT's exp, else unknown (the session's token_lifetime).
    let token = jwt(1_700_000_000);
    let spec = format!("token = \"/t\"\nexpires = \"/e\"\n{rt}");
    let t = answer(&spec, 200, &format!(r#"{{"t":"{token}"}}"#)).unwrap();
    assert_eq!(t.expires_at, Some(1_700_000_000));
    let t = answer(&spec, 200, r#"{"t":"opaque","e":null}"#).unwrap();
    assert_eq!(t.expires_at, None);
    let spec = format!("token = \"/d/t\"\nexpires_format = \"jwt\"\n{rt}");
    let t = answer(&spec, 200, &format!(r#"{{"d":{{"t":"{token}"}}}}"#)).unwrap();
    assert_eq!(t.expires_at, Some(1_700_000_000));
}

#[test]
fn answers() {
    let spec = "token = \"/data/token\"\ntoken_type = \"/type\"\nscope = \"/scope\"\nrefresh_token = \"/rt\"\nrefresh_expires = \"/rx\"\nrefresh_expires_format = \"epoch\"\nerror = \"/errors\"\n";
    let t = answer(
        spec,
        200,
        r#"{"data":{"token":"abc"},"type":"bearer","scope":"a b","rt":"r1","rx":9000,"errors":null}"#,
    )
    .unwrap();
    assert_eq!(t.access_token.expose(), "abc");
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.scope.as_deref(), Some("a b"));
    assert_eq!(t.refresh_token.unwrap().expose(), "r1");
    assert_eq!(t.refresh_expires_at, Some(9_000));

    // A refusal in a 200, with the message at `error`.
    let e = answer(
        spec,
        200,
        r#"{"data":null,"errors":[{"code":"E1","message":"bad id"}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (Kind::Rejected, "E refused the login: E1: bad id")
    );
    assert_eq!(e.hints, ["hint"]);
    // A 401 shows the message at `error`.
    let e = answer(spec, 401, r#"{"errors":["nope"],"message":"other"}"#).unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (Kind::Rejected, "E answered HTTP 401: nope")
    );
    assert_eq!(answer(spec, 503, "busy").unwrap_err().kind, Kind::Network);
    assert_eq!(answer(spec, 404, "").unwrap_err().kind, Kind::Network);
    for bad in [
        r#"{"data":{}}"#,
        r#"{"data":{"token":""}}"#,
        r#"{"data":{"token":5}}"#,
        r#"{"data":{"token":"a b"}}"#,
        r#"{"data":{"token":"a"},"rt":7}"#,
        "<html/>",
    ] {
        assert_eq!(
            answer(spec, 200, bad).unwrap_err().kind,
            Kind::Network,
            "{bad}"
        );
    }
    // success_status narrows what counts as success.
    let spec = "token = \"/t\"\nrefresh_token = \"/r\"\nsuccess_status = 201\n";
    assert!(answer(spec, 201, r#"{"t":"a"}"#).is_ok());
    assert_eq!(
        answer(spec, 200, r#"{"t":"a"}"#).unwrap_err().kind,
        Kind::Network
    );
}

#[test]
fn presentation() {
    let token = TokenSet::new(Secret::new("T"), 0);
    let shown = |present: &str| {
        let p = parse(&format!("{BASE}\n[present]\n{present}"))
            .unwrap()
            .present(&token);
        let pairs = |v: &[(String, Secret)]| {
            v.iter()
                .map(|(k, v)| format!("{k}={}", v.expose()))
                .collect::<Vec<_>>()
        };
        (pairs(&p.headers), pairs(&p.query))
    };
    assert_eq!(
        shown(""),
        (vec!["Authorization=Bearer T".to_string()], vec![])
    );
    assert_eq!(
        shown("headers = { X-Customer = \"{tenant}\" }"),
        (
            vec![
                "Authorization=Bearer T".to_string(),
                "X-Customer=acme".to_string()
            ],
            vec![]
        )
    );
    assert_eq!(
        shown("query = \"token\""),
        (vec![], vec!["token=T".to_string()])
    );
    assert_eq!(
        shown("header = \"X-Auth\"\nprefix = \"\"\nquery = \"t\""),
        (vec!["X-Auth=T".to_string()], vec!["t=T".to_string()])
    );
    assert!(
        parse(&format!(
            "{BASE}\n[present]\nheaders = {{ authorization = \"x\" }}"
        ))
        .is_err()
    );
}

#[test]
fn identity_covers_urls_methods_and_values_not_secrets() {
    let fp = |text: &str| format!("{:?}", parse(text).unwrap().identity());
    let base = fp(BASE);
    assert!(base.contains("{secret:client_secret}"), "{base}");
    for changed in [
        with("tenant = \"acme\"", "tenant = \"other\""),
        with("client_id = \"c\"", "client_id = \"d\""),
        with("aud = \"api\"", "aud = \"api2\""),
        with("url = ", "headers = { X-V = \"2\" }\nurl = "),
        with(
            "[refresh]\n",
            "[refresh]\nurl = \"https://auth.example.com/refresh\"\n",
        ),
        with(
            "body_type = \"form\"\nbody = { grant_type = \"client_credentials\", aud = \"{aud}\" }",
            "query = { g = \"c\" }",
        ),
    ] {
        assert_ne!(fp(&changed), base, "{changed}");
    }
    // What the answer looks like or how the token is shown is not where
    // or as whom it was issued.
    assert_eq!(
        fp(&with("expires = \"/expires_in\"", "expires = \"/exp\"")),
        base
    );
    assert_eq!(fp(&format!("{BASE}\n[present]\nquery = \"t\"")), base);
}

/// `dpop = true`: only with the token in the `Authorization` header, which
/// then says `DPoP`; other headers stay; the identity changes.
#[test]
fn dpop_needs_the_authorization_header() {
    let plain = parse(BASE).unwrap();
    let d = parse(&with("client_id = \"c\"", "client_id = \"c\"\ndpop = true")).unwrap();
    assert!(d.dpop() && !plain.dpop());
    assert_ne!(
        crate::session::fingerprint(&d),
        crate::session::fingerprint(&plain)
    );
    let tail = "\n[present]\nheaders = { X-Tenant = \"{tenant}\" }\n";
    let d = parse(&format!("dpop = true\n{BASE}{tail}")).unwrap();
    let token = TokenSet::new(Secret::new("tok"), 0);
    let shown: Vec<(String, String)> = d
        .present(&token)
        .dpop(&token, Some(Secret::new("proof")))
        .headers
        .into_iter()
        .map(|(k, v)| (k, v.expose().to_string()))
        .collect();
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        shown,
        [
            pair("Authorization", "DPoP tok"),
            pair("DPoP", "proof"),
            pair("X-Tenant", "acme")
        ]
    );
    for present in ["query = \"token\"", "header = \"X-Token\""] {
        let text = format!("dpop = true\n{BASE}\n[present]\n{present}\n");
        assert!(err(&text).starts_with("Some(\"dpop\"): "), "{present}");
    }
}
