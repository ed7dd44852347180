//! Faults from the servers, for every provider (issue 6): transient errors
//! are retried within the timeout (429 and 503 always, 502 and dropped
//! connections only where resending is harmless), everything else fails
//! at once with exit 5, nothing on stdout, a message that says what went
//! wrong, no secret on stderr, and never a panic.

use std::time::{Duration, Instant};

use crate::support::providers::assert_fails;
use crate::support::*;
use serde_json::{Value, json};

/// What a scenario must end in.
enum Expect {
    /// Success after exactly this many requests.
    Token { requests: usize },
    /// Exit 5 after this many requests, with these on stderr.
    Fails {
        requests: usize,
        needles: Vec<&'static str>,
    },
}

struct Scenario {
    name: String,
    faults: Vec<Fault>,
    /// Extra profile keys.
    extra: &'static str,
    expect: Expect,
    /// The run must take at least / at most this long.
    min: Duration,
    max: Duration,
}

fn scenario(name: impl Into<String>, faults: Vec<Fault>, expect: Expect) -> Scenario {
    Scenario {
        name: name.into(),
        faults,
        extra: "",
        expect,
        min: Duration::ZERO,
        max: Duration::from_secs(5),
    }
}

fn fails(requests: usize, needles: &[&'static str]) -> Expect {
    Expect::Fails {
        requests,
        needles: needles.to_vec(),
    }
}

fn answer(body: Value) -> Fault {
    Fault::Respond(Response::json(200, body))
}

/// The name of the field a provider's lifetime is read from, as messages
/// name it.
fn lifetime_field(case: &ProviderCase) -> &'static str {
    match case.provider {
        "connect-enterprise" => "100 years",
        "primaerp" => "expiration",
        "lrs-connect" => "expiresIn",
        _ => "expires_in",
    }
}

/// Lifetimes no server should send, in this provider's shape.
fn absurd_lifetimes(case: &ProviderCase) -> Vec<Value> {
    match case.provider {
        "connect-enterprise" => vec![json!(1e300), json!(4_000_000_000_u64 * 1000)],
        "primaerp" => vec![
            json!("/Date(99999999999999999)/"),
            json!("tomorrow"),
            json!(1_393_858_439_151_u64),
            json!({ "ms": 1 }),
        ],
        _ => vec![
            json!(1e300),
            json!(u64::MAX),
            json!(-5),
            json!("forever"),
            json!([3600]),
        ],
    }
}

fn scenarios(case: &ProviderCase, timing: bool) -> Vec<Scenario> {
    let good_token = || {
        if case.provider == "connect-enterprise" {
            json!("jwt")
        } else {
            json!("good-token")
        }
    };
    let mut all = vec![
        scenario(
            "503 then 200",
            vec![Fault::status(503, "busy")],
            Expect::Token { requests: 2 },
        ),
        scenario(
            "502 then 200 (a login may be resent)",
            vec![Fault::status(502, "<html>bad gateway</html>")],
            Expect::Token { requests: 2 },
        ),
        scenario(
            "504 then 200",
            vec![Fault::status(504, "")],
            Expect::Token { requests: 2 },
        ),
        scenario(
            "dropped connection then 200",
            vec![Fault::Drop],
            Expect::Token { requests: 2 },
        ),
        scenario(
            "truncated answer then 200",
            vec![Fault::truncated(r#"{"access_to"#)],
            Expect::Token { requests: 2 },
        ),
        scenario(
            "429 asking for an hour is not waited for",
            vec![Fault::RetryAfter(429, 3600)],
            fails(1, &["HTTP 429", "asks to wait 3600s", "try again later"]),
        ),
        scenario(
            "500 is not retried",
            vec![Fault::status(500, r#"{"error":"server_error"}"#)],
            fails(1, &["HTTP 500"]),
        ),
        scenario(
            "garbage instead of HTTP",
            vec![Fault::garbage()],
            fails(1, &["failed"]),
        ),
        scenario(
            "an HTML page with 200",
            vec![Fault::html_200()],
            fails(1, &["HTML"]),
        ),
        scenario(
            "200 with an empty body",
            vec![Fault::Respond(Response::empty(200))],
            fails(1, &["not JSON"]),
        ),
        scenario(
            "200 with JSON that is not an object",
            vec![answer(json!(["token"]))],
            fails(1, &[""]),
        ),
        scenario(
            "a body over 1 MiB",
            vec![Fault::Respond(Response::text(
                200,
                "application/json",
                format!(r#"{{"access_token":"{}"}}"#, "a".repeat(1_100_000)),
            ))],
            fails(1, &["larger than 1024 KiB"]),
        ),
        scenario(
            "a token inside an array",
            vec![answer(match case.provider {
                "connect-enterprise" => json!({ "data": ["tok"], "errors": null }),
                _ => json!([case.token_body(json!("tok"), json!(3600))]),
            })],
            fails(1, &[""]),
        ),
        scenario(
            "a token that is a number",
            vec![answer(case.token_body(json!(5), json!(3600)))],
            fails(1, &["token"]),
        ),
        scenario(
            "a token with control characters",
            vec![answer(
                case.token_body(json!("evil-\u{1b}[2J\ntoken"), json!(3600)),
            )],
            fails(1, &["character"]),
        ),
        scenario(
            "a token with a space",
            vec![answer(case.token_body(json!("evil- token"), json!(3600)))],
            fails(1, &["character"]),
        ),
        scenario(
            "an empty token",
            vec![answer(case.token_body(json!(""), json!(3600)))],
            fails(1, &["token"]),
        ),
    ];
    for lifetime in absurd_lifetimes(case) {
        all.push(scenario(
            format!("lifetime {lifetime}"),
            vec![answer(case.token_body(good_token(), lifetime))],
            fails(1, &[lifetime_field(case)]),
        ));
    }
    if timing {
        all.push(scenario(
            "dropped every time",
            vec![Fault::Drop; 4],
            fails(
                4,
                &["after 4 attempts", "closed before the whole answer arrived"],
            ),
        ));
        all.push(scenario(
            "503 every time",
            vec![Fault::status(503, "busy"); 4],
            fails(4, &["HTTP 503", "try again later"]),
        ));
        all.push(Scenario {
            min: Duration::from_secs(1),
            ..scenario(
                "429 with Retry-After: 1",
                vec![Fault::RetryAfter(429, 1)],
                Expect::Token { requests: 2 },
            )
        });
        all.push(Scenario {
            extra: "timeout = \"1s\"\n",
            min: Duration::from_secs(1),
            max: Duration::from_millis(2500),
            ..scenario(
                "no answer within the timeout",
                vec![Fault::Delay(Duration::from_secs(4))],
                fails(1, &["no answer within the timeout of 1s"]),
            )
        });
        all.push(Scenario {
            extra: "timeout = \"2s\"\n",
            max: Duration::from_secs(3),
            ..scenario(
                "retries stop at the timeout",
                vec![Fault::RetryAfter(503, 1); 4],
                fails(2, &["HTTP 503"]),
            )
        });
    }
    all
}

fn check_provider(case: ProviderCase, timing: bool) {
    for s in scenarios(&case, timing) {
        let env = case.env(s.extra);
        case.fake.clear_requests();
        case.fake.script(s.faults);
        let started = Instant::now();
        let out = env.cmd().args(["token", "-v"]).output().unwrap();
        let took = started.elapsed();
        let what = format!("{} / {}", case.profile, s.name);
        let requests = case.fake.request_count();
        match s.expect {
            Expect::Token { requests: n } => {
                assert!(out.status.success(), "{what}\n{}", transcript(&out));
                let token = String::from_utf8_lossy(&out.stdout);
                assert_eq!(
                    token.trim_end(),
                    case.fake.last_access_token().unwrap(),
                    "{what}"
                );
                assert_eq!(requests, n, "{what}\n{}", transcript(&out));
            }
            Expect::Fails {
                requests: n,
                needles,
            } => {
                eprintln!("scenario: {what}");
                assert_fails(&out, 5, &needles, &case.secret_values());
                assert!(
                    !String::from_utf8_lossy(&out.stderr).contains("evil-"),
                    "{what}: a bad token was echoed\n{}",
                    transcript(&out)
                );
                assert_eq!(requests, n, "{what}\n{}", transcript(&out));
            }
        }
        assert!(
            took >= s.min && took <= s.max,
            "{what}: took {took:?}\n{}",
            transcript(&out)
        );
        // A failed renewal leaves no cache behind.
        let cache = env
            .cache_dir()
            .join(format!("tokens/{}.json", case.profile));
        assert_eq!(cache.exists(), out.status.success(), "{what}");
    }
}

#[test]
fn connect_enterprise_faults() {
    check_provider(ProviderCase::connect_enterprise(), false);
}

#[test]
fn pipeline_lbm_faults() {
    check_provider(ProviderCase::pipeline_lbm(), false);
}

#[test]
fn primaerp_faults() {
    check_provider(ProviderCase::primaerp(), true);
}

#[test]
fn primaerp_secret_key_faults() {
    check_provider(ProviderCase::primaerp_secret_key(), false);
}

#[test]
fn lrs_connect_faults() {
    check_provider(ProviderCase::lrs_connect(), false);
}

#[test]
fn oauth2_faults() {
    check_provider(ProviderCase::oauth2("basic"), true);
}

#[test]
fn oauth2_query_auth_faults() {
    // The client secret travels in the URL: no message may show it.
    check_provider(ProviderCase::oauth2("query"), false);
}

/// A refresh is sent once: a 502 or a lost answer may mean the server
/// spent the refresh token, so instead of resending it authtool logs in.
/// 503 and 429 mean the server did not act, so they are retried.
#[test]
fn refresh_requests_are_retried_only_when_harmless() {
    for case in [
        ProviderCase::primaerp(),
        ProviderCase::lrs_connect(),
        ProviderCase::oauth2("body"),
    ] {
        let refresh_path = case.refresh_path.unwrap();
        case.fake.set_lifetime(0);
        let env = case.env("");
        let ok = |what: &str| {
            let out = env.cmd().args(["token", "-v"]).output().unwrap();
            assert!(out.status.success(), "{what}\n{}", transcript(&out));
            String::from_utf8_lossy(&out.stderr).into_owned()
        };
        ok("first login");
        for (fault, resent) in [
            (Fault::status(502, "bad gateway"), false),
            (Fault::status(504, ""), false),
            (Fault::Drop, false),
            (Fault::truncated("{\"tok"), false),
            (Fault::status(503, "busy"), true),
            (Fault::RetryAfter(429, 0), true),
        ] {
            let what = format!("{} / {fault:?}", case.profile);
            case.fake.clear_requests();
            // Only the refresh request meets the fault.
            case.fake.script(vec![fault]);
            let stderr = ok(&what);
            let requests = case.fake.requests();
            let refreshes = requests
                .iter()
                .filter(|r| r.path == refresh_path && is_refresh(&case, r))
                .count();
            if resent {
                assert_eq!(refreshes, 2, "{what}\n{stderr}");
                assert!(!stderr.contains("logging in instead"), "{what}\n{stderr}");
            } else {
                assert_eq!(refreshes, 1, "{what}: the refresh was resent\n{stderr}");
                assert!(stderr.contains("logging in instead"), "{what}\n{stderr}");
            }
        }
    }
}

/// Whether a request to the token endpoint is a refresh (not a login).
fn is_refresh(case: &ProviderCase, r: &Request) -> bool {
    match case.provider {
        "primaerp" => r.path.ends_with("refreshtoken"),
        "lrs-connect" => r.body_text().contains("REFRESH_TOKEN"),
        _ => r.body_text().contains("grant_type=refresh_token"),
    }
}
