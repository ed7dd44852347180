//! Faults from the servers, for every provider (issue 6): transient errors
//! are retried within the timeout (429 and 503 always, 502 and dropped
//! connections only where resending is harmless), everything else fails
//! at once with exit 5, nothing on stdout, a message that says what went
//! wrong, no secret on stderr, and never a panic.

use std::time::{Duration, Instant};

use crate::support::*;
use serde_json::{Value, json};

/// What a scenario must end in.
enum Expect {
    /// Success after exactly this many requests.
    Token { requests: usize },
    /// Exit 5 after this many requests, with exactly this on stderr (the
    /// `-v` lines aside, see [`VERBOSE_LINES`]).
    Fails { requests: usize, stderr: String },
}

/// The `-v` lines (`authtool: POST …`, `authtool: HTTP …`, `authtool:
/// profile '…': …`, `authtool: the connection …`, `authtool: not retrying:
/// …`), which the scenarios
/// leave out of the compared stderr: what remains is what a user sees
/// without `-v`, the error and its hint. The secrets are looked for in all
/// of it.
const VERBOSE_LINES: &str =
    r"(?m)^authtool: (POST|GET|HTTP|profile '[^']*':|the connection|not retrying:) .*\n";

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

/// Exit 5 after `requests` requests, with `stderr` (lines joined by `\n`).
fn fails(requests: usize, stderr: &[&str]) -> Expect {
    Expect::Fails {
        requests,
        stderr: stderr.iter().map(|line| format!("{line}\n")).collect(),
    }
}

fn answer(body: Value) -> Fault {
    Fault::Respond(Response::json(200, body))
}

/// How a provider's messages name things; its login URL shows as `[URL]`.
struct Words {
    /// What follows `[URL]` where a message shows the request URL
    /// (credentials in the query redacted).
    query: &'static str,
    /// The field the token is read from.
    token: &'static str,
    /// Where a token of the wrong type is reported (serde's path).
    token_path: &'static str,
    /// oauth2 and pipeline-lbm read answers with the generic OAuth2 reader.
    generic: bool,
}

impl Words {
    fn of(case: &ProviderCase) -> Words {
        let query = case.shown_query();
        match case.provider {
            "connect-enterprise" => Words {
                query,
                token: "data.token",
                token_path: "data",
                generic: false,
            },
            "primaerp" => Words {
                query,
                token: "token",
                token_path: "token",
                generic: false,
            },
            "lrs-connect" => Words {
                query,
                token: "accessToken",
                token_path: "accessToken",
                generic: false,
            },
            _ => Words {
                query,
                token: "access_token",
                token_path: "access_token",
                generic: true,
            },
        }
    }
}

/// Lifetimes no server should send, in this provider's shape, with the
/// error each gets.
fn absurd_lifetimes(case: &ProviderCase) -> Vec<(Value, String)> {
    let not_seconds = |field: &str, shown: &str| {
        format!("authtool: error: the server sent `{field}` = {shown}, not a number of seconds")
    };
    let century = |field: &str| {
        format!(
            "authtool: error: the server sent `{field}` = 18446744073709551615 seconds, more than 100 years; refusing it"
        )
    };
    match case.provider {
        "connect-enterprise" => {
            let century = "authtool: error: profile 'ce': [URL] issued a token that claims to stay valid for more than 100 years; refusing it as a malformed answer".to_string();
            vec![
                (json!(1e300), century.clone()),
                (json!(4_000_000_000_u64 * 1000), century),
            ]
        }
        "primaerp" => {
            let ahead = "authtool: error: the server sent `expiration` more than 100 years ahead; refusing it".to_string();
            let not_date = |shown: &str| {
                format!(
                    "authtool: error: the server sent `expiration` = {shown}, not a /Date(milliseconds)/ value"
                )
            };
            vec![
                (json!("/Date(99999999999999999)/"), ahead.clone()),
                (json!("tomorrow"), not_date("\"tomorrow\"")),
                (json!(1_393_858_439_151_u64), ahead),
                (json!({ "ms": 1 }), not_date(r#"{"ms":1}"#)),
            ]
        }
        provider => {
            let field = if provider == "lrs-connect" {
                "expiresIn"
            } else {
                "expires_in"
            };
            vec![
                (json!(1e300), century(field)),
                (json!(u64::MAX), century(field)),
                (json!(-5), not_seconds(field, "-5")),
                (json!("forever"), not_seconds(field, "\"forever\"")),
                (json!([3600]), not_seconds(field, "[3600]")),
            ]
        }
    }
}

fn scenarios(case: &ProviderCase, words: &Words, timing: bool) -> Vec<Scenario> {
    let good_token = || {
        if case.provider == "connect-enterprise" {
            json!("jwt")
        } else {
            json!("good-token")
        }
    };
    let Words {
        query,
        token,
        token_path,
        generic,
    } = *words;
    let not_an_object = if generic {
        "authtool: error: [URL] answered with JSON that is not an object".to_string()
    } else {
        "authtool: error: [URL] answered HTTP 200 with JSON that is not an object".to_string()
    };
    let server_error = if generic {
        r#"authtool: error: [URL] answered HTTP 500: {"error":"server_error"}"#
    } else {
        "authtool: error: [URL] answered HTTP 500: server_error"
    };
    let bad_character = |c: &str| {
        format!(
            "authtool: error: the server sent a {token} containing the character \"{c}\", which cannot be used in a header"
        )
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
            fails(
                1,
                &[
                    &format!(
                        "authtool: error: [URL]{query} answered HTTP 429 (too many requests); it asks to wait 3600s"
                    ),
                    "hint: the server is limiting requests: try again later",
                ],
            ),
        ),
        scenario(
            "500 is not retried",
            vec![Fault::status(500, r#"{"error":"server_error"}"#)],
            fails(
                1,
                &[
                    server_error,
                    "hint: the server has a problem; try again later",
                ],
            ),
        ),
        scenario(
            "garbage instead of HTTP",
            vec![Fault::garbage()],
            fails(
                1,
                &[&format!(
                    "authtool: error: request to [URL]{query} failed: client error (SendRequest): invalid HTTP version parsed"
                )],
            ),
        ),
        scenario(
            "an HTML page with 200",
            vec![Fault::html_200()],
            fails(
                1,
                &[
                    "authtool: error: [URL] answered HTTP 200 with a body that is not JSON (it looks like an HTML page: is the URL right?): expected value at line 1 column 1",
                ],
            ),
        ),
        scenario(
            "200 with an empty body",
            vec![Fault::Respond(Response::empty(200))],
            fails(
                1,
                &[
                    "authtool: error: [URL] answered HTTP 200 with a body that is not JSON: EOF while parsing a value at line 1 column 0",
                ],
            ),
        ),
        scenario(
            "200 with JSON that is not an object",
            vec![answer(json!(["token"]))],
            fails(1, &[&not_an_object]),
        ),
        scenario(
            "a body over 1 MiB",
            vec![Fault::Respond(Response::text(
                200,
                "application/json",
                format!(r#"{{"access_token":"{}"}}"#, "a".repeat(1_100_000)),
            ))],
            fails(
                1,
                &[&format!(
                    "authtool: error: request to [URL]{query} failed: the answer is larger than 1024 KiB; refusing it"
                )],
            ),
        ),
        scenario(
            "a token inside an array",
            vec![answer(match case.provider {
                "connect-enterprise" => json!({ "data": ["tok"], "errors": null }),
                _ => json!([case.token_body(json!("tok"), json!(3600))]),
            })],
            fails(
                1,
                &[if case.provider == "connect-enterprise" {
                    "authtool: error: [URL] answered HTTP 200 with an unexpected body: expected a JSON object (at `data`)"
                } else {
                    &not_an_object
                }],
            ),
        ),
        scenario(
            "a token that is a number",
            vec![answer(case.token_body(json!(5), json!(3600)))],
            fails(
                1,
                &[&if generic {
                    format!("authtool: error: [URL] sent `{token}` that is not a string")
                } else {
                    format!(
                        "authtool: error: [URL] answered HTTP 200 with an unexpected body: invalid type: integer `5`, expected a string (at `{token_path}`)"
                    )
                }],
            ),
        ),
        scenario(
            "a token with control characters",
            vec![answer(
                case.token_body(json!("evil-\u{1b}[2J\ntoken"), json!(3600)),
            )],
            // authtool shows the character escaped twice (`\\u{1b}`).
            fails(1, &[&bad_character(r"\\u{1b}")]),
        ),
        scenario(
            "a token with a space",
            vec![answer(case.token_body(json!("evil- token"), json!(3600)))],
            fails(1, &[&bad_character(" ")]),
        ),
        scenario(
            "an empty token",
            vec![answer(case.token_body(json!(""), json!(3600)))],
            fails(
                1,
                &[&if generic {
                    format!("authtool: error: the server sent an empty {token}")
                } else {
                    format!(
                        "authtool: error: [URL] answered without `{token}`: not a token response"
                    )
                }],
            ),
        ),
    ];
    for (lifetime, error) in absurd_lifetimes(case) {
        all.push(scenario(
            format!("lifetime {lifetime}"),
            vec![answer(case.token_body(good_token(), lifetime))],
            fails(1, &[&error]),
        ));
    }
    if timing {
        all.push(scenario(
            "dropped every time",
            vec![Fault::Drop; 4],
            fails(
                4,
                &[&format!(
                    "authtool: error: request to [URL]{query} failed (after 4 attempts): the connection closed before the whole answer arrived (client error (SendRequest): connection closed before message completed)"
                )],
            ),
        ));
        all.push(scenario(
            "503 every time",
            vec![Fault::status(503, "busy"); 4],
            fails(
                4,
                &[
                    "authtool: error: [URL] answered HTTP 503: busy",
                    "hint: the server has a problem; try again later",
                ],
            ),
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
                fails(
                    1,
                    &[&format!(
                        "authtool: error: request to [URL]{query} failed: no answer within the timeout of 1s"
                    )],
                ),
            )
        });
        all.push(Scenario {
            extra: "timeout = \"2s\"\n",
            max: Duration::from_secs(3),
            ..scenario(
                "retries stop at the timeout",
                vec![Fault::RetryAfter(503, 1); 4],
                fails(
                    2,
                    &[
                        if generic {
                            r#"authtool: error: [URL] answered HTTP 503: {"error":"temporarily_unavailable","error_description":"retry after 1s"}"#
                        } else {
                            "authtool: error: [URL] answered HTTP 503: temporarily_unavailable: retry after 1s"
                        },
                        "hint: the server has a problem; try again later",
                    ],
                ),
            )
        });
    }
    all
}

fn check_provider(case: ProviderCase, timing: bool) {
    let login_url = format!("{}{}", case.fake.url(), case.login_path);
    let words = Words::of(&case);
    for s in scenarios(&case, &words, timing) {
        let env = case.env(s.extra);
        case.fake.clear_requests();
        case.fake.script(s.faults);
        eprintln!("scenario: {} / {}", case.profile, s.name);
        let started = Instant::now();
        let ran = env
            .case(["token", "-v"])
            .filter(&login_url, "[URL]")
            .filter_regex(VERBOSE_LINES, "")
            .run();
        let took = started.elapsed();
        let requests = case.fake.request_count();
        let ran = match s.expect {
            Expect::Token { requests: n } => {
                let ran = ran
                    .token(case.fake.last_access_token().unwrap())
                    .success()
                    .stdout("[TOKEN]\n")
                    .stderr("");
                assert_eq!(requests, n, "{}", s.name);
                ran
            }
            Expect::Fails {
                requests: n,
                stderr,
            } => {
                // A bad token is never echoed.
                let ran = ran
                    .code(5)
                    .stdout("")
                    .stderr(stderr)
                    .hides(&case.secret_values())
                    .stderr_hides(&["evil-"]);
                assert_eq!(requests, n, "{}", s.name);
                ran
            }
        };
        assert!(
            took >= s.min && took <= s.max,
            "{}: took {took:?}\n{}",
            s.name,
            transcript(ran.output())
        );
        // A failed renewal leaves no cache behind.
        let cache = env
            .cache_dir()
            .join(format!("tokens/{}.json", case.profile));
        assert_eq!(cache.exists(), ran.output().status.success(), "{}", s.name);
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

/// How one provider's refresh shows in `-v` output.
struct RefreshWords {
    case: ProviderCase,
    /// The refresh request as the `-v` line shows it (method, URL with its
    /// query redacted), without `(attempt N)`.
    request: &'static str,
    /// The refresh URL in an error about its answer, and in an error about
    /// the request.
    answer_url: &'static str,
    request_url: &'static str,
    /// The `-v` lines of the login that follows.
    login: &'static str,
    /// How an error shows an HTTP 504 with an empty body.
    empty_504: &'static str,
}

/// A refresh is sent once: a 502 or a lost answer may mean the server
/// spent the refresh token, so instead of resending it authtool logs in.
/// 503 and 429 mean the server did not act, so they are retried.
#[test]
fn refresh_requests_are_retried_only_when_harmless() {
    for words in [
        RefreshWords {
            case: ProviderCase::primaerp(),
            request: "GET http://127.0.0.1:[PORT]/v1/auth/refreshtoken?apikey=***&refresh_token=***",
            answer_url: "http://127.0.0.1:[PORT]/v1/auth/refreshtoken",
            request_url: "http://127.0.0.1:[PORT]/v1/auth/refreshtoken?apikey=***&refresh_token=***",
            login: "authtool: profile 'erp': logging in at http://127.0.0.1:[PORT]/v1/auth/login\n\
                    authtool: GET http://127.0.0.1:[PORT]/v1/auth/login?apikey=*** (attempt 1)\n",
            empty_504: "answered HTTP 504",
        },
        RefreshWords {
            case: ProviderCase::lrs_connect(),
            request: "POST http://127.0.0.1:[PORT]/rest/v4/oauth/token",
            answer_url: "http://127.0.0.1:[PORT]/rest/v4/oauth/token",
            request_url: "http://127.0.0.1:[PORT]/rest/v4/oauth/token",
            login: "authtool: profile 'lrs': logging in at http://127.0.0.1:[PORT]/rest/v4/oauth/token\n\
                    authtool: POST http://127.0.0.1:[PORT]/rest/v4/oauth/token (attempt 1)\n",
            empty_504: "answered HTTP 504",
        },
        RefreshWords {
            case: ProviderCase::oauth2("body"),
            request: "POST http://127.0.0.1:[PORT]/oauth2/token",
            answer_url: "http://127.0.0.1:[PORT]/oauth2/token",
            request_url: "http://127.0.0.1:[PORT]/oauth2/token",
            login: "authtool: profile 'org': logging in at http://127.0.0.1:[PORT]/oauth2/token\n\
                    authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)\n",
            // authtool leaves a dangling `: ` after the status here.
            empty_504: "answered HTTP 504: ",
        },
    ] {
        let RefreshWords {
            case,
            request,
            answer_url,
            request_url,
            login,
            empty_504,
        } = words;
        let p = case.profile;
        let refresh_path = case.refresh_path.unwrap();
        let env = case.env("");
        env.case(["token", "-v"]).run().success();
        let spent = |why: &str| {
            format!(
                "authtool: profile '{p}': the refresh got no usable answer ({why}); the refresh token may be spent, so logging in instead\n\
                 {login}\
                 authtool: HTTP 200 ([SIZE] bytes)\n"
            )
        };
        let closed = |detail: &str| {
            spent(&format!(
                "request to {request_url} failed: the connection closed before the whole answer arrived ({detail})"
            ))
        };
        let retried = |first: &str| {
            format!(
                "authtool: {first}\n\
                 authtool: {request} (attempt 2)\n\
                 authtool: HTTP 200 ([SIZE] bytes)\n"
            )
        };
        // (fault, resent, what -v says between the refresh request and the
        // new refresh token)
        for (fault, resent, middle) in [
            (
                Fault::status(502, "bad gateway"),
                false,
                format!(
                    "authtool: HTTP 502 ([SIZE] bytes)\n{}",
                    spent(&format!("{answer_url} answered HTTP 502: bad gateway"))
                ),
            ),
            (
                Fault::status(504, ""),
                false,
                format!(
                    "authtool: HTTP 504 ([SIZE] bytes)\n{}",
                    spent(&format!("{answer_url} {empty_504}"))
                ),
            ),
            (
                Fault::Drop,
                false,
                closed("client error (SendRequest): connection closed before message completed"),
            ),
            (
                Fault::truncated("{\"tok"),
                false,
                closed(
                    "request or response body error: error reading a body from connection: end of file before message length reached",
                ),
            ),
            (
                Fault::status(503, "busy"),
                true,
                retried("HTTP 503; retrying in [DELAY] (backing off)"),
            ),
            (
                Fault::RetryAfter(429, 0),
                true,
                retried("HTTP 429; retrying in [DURATION] (as Retry-After asks)"),
            ),
        ] {
            let what = format!("{p} / {fault:?}");
            case.fake.clear_requests();
            // Only the refresh request meets the fault.
            case.fake.script(vec![fault]);
            env.expire_cached_tokens();
            let ran = env
                .case(["token", "-v"])
                .filter_regex(r"\bretrying in \d+ms\b", "retrying in [DELAY]")
                .run();
            ran.token(case.fake.last_access_token().unwrap())
                .success()
                .stdout("[TOKEN]\n")
                .stderr(format!(
                    "authtool: profile '{p}': renewing: the cached token expired [DURATION] ago\n\
                     authtool: profile '{p}': using the refresh token\n\
                     authtool: {request} (attempt 1)\n\
                     {middle}\
                     authtool: profile '{p}': refresh token kept in the secret store\n"
                ));
            let refreshes = case
                .fake
                .requests()
                .iter()
                .filter(|r| r.path == refresh_path && is_refresh(&case, r))
                .count();
            let sent = if resent { 2 } else { 1 };
            assert_eq!(refreshes, sent, "{what}: refresh requests");
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
