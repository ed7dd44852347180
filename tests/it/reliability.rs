//! Reliability under load and abuse (issue 6): storms of concurrent
//! processes, processes killed mid-renewal, lock hygiene, and what happens
//! to a refresh token whose answer was lost or that the server refused.
//!
//! Expiry is real: a fake issues tokens with a zero lifetime (already
//! expired when authtool next looks), then normal ones again.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant, SystemTime};

use crate::support::providers::{ERP_PASSWORD, ORG_PASSWORD, ORG_SECRET};
use crate::support::*;

/// Every process succeeded, printed the same thing and nothing at all on
/// stderr; returns that output.
fn all_agree(outputs: &[Output]) -> String {
    for out in outputs {
        assert!(out.status.success(), "{}", transcript(out));
        assert_eq!(text(&out.stderr), "", "{}", transcript(out));
    }
    let printed: BTreeSet<&[u8]> = outputs.iter().map(|o| o.stdout.as_slice()).collect();
    assert_eq!(printed.len(), 1, "different outputs: {printed:?}");
    String::from_utf8_lossy(&outputs[0].stdout).into_owned()
}

// ---------------------------------------------------------------------------
// Storms

const STORM: usize = 200;

/// Expires the cached token for real (one token with a zero lifetime),
/// then starts 200 processes at once with `args` against a slow server;
/// returns what they all printed.
fn storm(case: &ProviderCase, args: &[&str]) -> String {
    let env = case.env("");
    env.case(["token"]).run().success();
    env.expire_cached_tokens();
    // A slow answer keeps the race window open while all of them pile up.
    case.fake.set_delay(Duration::from_millis(300));
    let started = Instant::now();
    let outputs = env.run_concurrently(STORM, args);
    eprintln!(
        "{STORM} processes on an expired {} token: {:?}",
        case.provider,
        started.elapsed()
    );
    all_agree(&outputs)
}

#[test]
fn storm_of_200_on_an_expired_single_use_refresh_token_refreshes_exactly_once() {
    let case = ProviderCase::primaerp();
    let AnyFake::Primaerp(server) = &case.fake else {
        unreachable!()
    };
    let query = storm(&case, &["token", "--format", "query"]);
    assert_eq!(
        query,
        format!("token={}\n", server.last_access_token().unwrap())
    );
    let c = server.counters();
    assert_eq!(
        (c.logins, c.refresh_requests, c.refreshes, c.refresh_reuse),
        (1, 1, 1, 0),
        "{c:?}"
    );
}

#[test]
fn storm_of_200_on_an_expired_token_without_refresh_logs_in_exactly_once() {
    let case = ProviderCase::connect_enterprise();
    let AnyFake::Connect(server) = &case.fake else {
        unreachable!()
    };
    let header = storm(&case, &["header"]);
    assert_eq!(
        header,
        format!(
            "Authorization: Bearer {}\n",
            server.last_access_token().unwrap()
        )
    );
    let c = server.counters();
    assert_eq!((c.login_requests, c.logins), (2, 2), "{c:?}");
}

/// Issue 17, finding 5a: a `refresh_margin` as long as the lifetime cannot
/// be honoured; it is clamped (as for `renew_at`) instead of renewing on
/// every call.
#[test]
fn a_refresh_margin_as_long_as_the_lifetime_does_not_renew_every_call() {
    let server = FakeServer::start(org_fake().lifetime_secs(300));
    let env = org_env(&server, "refresh_margin = \"5m\"\n");
    let ran = env.case(["token"]).run();
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    let outputs = env.run_concurrently(30, &["token"]);
    assert_eq!(
        all_agree(&outputs),
        format!("{}\n", server.last_access_token().unwrap())
    );
    let c = server.counters();
    assert_eq!(
        (c.token_requests, c.logins, c.refreshes),
        (1, 1, 0),
        "{c:?}"
    );
}

/// Issue 17, finding 5b: a token expired on arrival (`expires_in: 0`, or
/// a JWT `exp` in the past) is an error with a clock hint, and the
/// processes that waited for that renewal do not renew again.
#[test]
fn a_token_expired_on_arrival_is_an_error_once_for_a_storm() {
    let server = FakeServer::start(
        org_fake()
            .lifetime_secs(0)
            .jwt_tokens(true)
            .issue_refresh_tokens(true),
    );
    let env = org_env(&server, "");
    // Long enough that all 50 wait for this one renewal even when a busy
    // machine (the whole suite in parallel) is slow to start them.
    server.set_delay(Duration::from_millis(1000));
    let outputs = env.run_concurrently(50, &["token"]);
    server.set_delay(Duration::ZERO);
    for out in &outputs {
        assert_eq!(out.status.code(), Some(5), "{}", transcript(out));
        assert_eq!(text(&out.stdout), "", "{}", transcript(out));
        assert!(
            text(&out.stderr)
                .contains("the server issued a token that had already expired on arrival"),
            "{}",
            transcript(out)
        );
    }
    let c = server.counters();
    assert_eq!(
        (c.token_requests, c.logins, c.refreshes),
        (1, 1, 0),
        "{c:?}"
    );

    env.case(["token"])
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: error: profile 'org': the server issued a token that had already expired on arrival (expired [DURATION] ago)\n\
            hint: check this machine's clock and the server's (a token with `expires_in` 0 or a JWT `exp` in the past)\n")
        .hides(&[ORG_SECRET]);
    // The cached, expired token was renewed once more (its refresh token).
    let c = server.counters();
    assert_eq!(
        (c.token_requests, c.logins, c.refreshes),
        (2, 1, 1),
        "{c:?}"
    );
}

// ---------------------------------------------------------------------------
// Crashes

/// A small deterministic generator (xorshift), seeded from the clock and
/// printed, so a failing run can be replayed with AUTHTOOL_TEST_SEED.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let seed = std::env::var("AUTHTOOL_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("random seed: AUTHTOOL_TEST_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Every `.json` file under the cache and data dirs parses.
fn assert_files_parse(env: &TestEnv) {
    let mut seen = 0;
    for dir in [env.cache_dir().join("tokens"), env.data_dir()] {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = fs::read(&path).unwrap();
                serde_json::from_slice::<serde_json::Value>(&text).unwrap_or_else(|e| {
                    panic!(
                        "{} does not parse ({e}): {}",
                        path.display(),
                        String::from_utf8_lossy(&text)
                    )
                });
                seen += 1;
            }
        }
    }
    assert!(seen >= 2, "expected the token cache and secrets.json");
}

/// How long one renewal takes here (the median of three).
fn renewal_time(env: &TestEnv) -> Duration {
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let t0 = Instant::now();
            // Renewals of tokens expired on arrival: exit 5, stored.
            env.case(["token"]).run().code(5);
            t0.elapsed()
        })
        .collect();
    times.sort();
    times[1]
}

/// Runs `renewals` renewals, `parallel` at a time, each killed (SIGKILL) at
/// a random moment between its start and 1.6 times the time a renewal
/// takes (so some finish); returns how many were killed.
fn renew_and_kill(env: &TestEnv, renewals: usize, parallel: usize, rng: &mut Rng) -> usize {
    let window = renewal_time(env).as_micros() as u64 * 16 / 10;
    let mut killed = 0;
    let mut started = 0;
    while started < renewals {
        let batch: Vec<(Child, Duration)> = (0..parallel.min(renewals - started))
            .map(|_| {
                let after = Duration::from_micros(rng.below(window));
                (env.spawn(&["token"]), after)
            })
            .collect();
        started += batch.len();
        let t0 = Instant::now();
        let mut batch = batch;
        batch.sort_by_key(|(_, after)| *after);
        for (child, after) in &mut batch {
            if let Some(wait) = after.checked_sub(t0.elapsed()) {
                std::thread::sleep(wait);
            }
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                killed += 1;
            }
        }
        for (child, _) in batch {
            let out = child.wait_with_output().unwrap();
            assert!(
                !String::from_utf8_lossy(&out.stderr).contains("panicked"),
                "{}",
                transcript(&out)
            );
        }
    }
    killed
}

/// Kills processes mid-renewal, then checks that every file parses, that
/// every later call works, that no refresh token was ever sent twice, and
/// that temp files left by killed writers are cleaned up.
fn survives_kills(case: &ProviderCase, reuse: impl Fn() -> u64) {
    case.fake.set_lifetime(0);
    let env = case.env("");
    // A token expired on arrival is an error, but stored (and renewed by
    // the next call).
    env.case(["token"]).run().code(5);
    // Every call renews; a slow answer leaves time to die mid-request.
    case.fake.set_delay(Duration::from_millis(25));
    let mut rng = Rng::new();
    let killed = renew_and_kill(&env, 200, 2, &mut rng);
    eprintln!("{}: killed {killed} of 200 renewals", case.provider);
    // Most die (two at a time share one lock); what matters is that the
    // kill timer really hits them at all stages.
    assert!(killed >= 20, "the kill timer missed: {killed} killed");
    case.fake.set_delay(Duration::ZERO);

    assert_files_parse(&env);
    case.fake.set_lifetime(3600);
    for _ in 0..5 {
        env.case(["token"]).run().success();
    }
    assert_files_parse(&env);
    assert_eq!(reuse(), 0, "a refresh token was sent twice");

    // Temp files of killed writers are removed once stale (a minute old).
    let dirs = [env.cache_dir().join("tokens"), env.data_dir()];
    let left: Vec<PathBuf> = dirs.iter().flat_map(|d| temp_files(d)).collect();
    eprintln!(
        "{}: {} temp files left by killed writers",
        case.provider,
        left.len()
    );
    let long_ago = SystemTime::now() - Duration::from_secs(3600);
    for path in &left {
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(long_ago).unwrap();
    }
    env.expire_cached_tokens();
    env.case(["token"]).run().success();
    for dir in &dirs {
        assert_eq!(temp_files(dir), Vec::<PathBuf>::new());
    }
    // And the renewed token is served from the cache.
    let before = case.fake.request_count();
    env.case(["token"]).run().success();
    assert_eq!(case.fake.request_count(), before);
}

#[test]
fn killing_primaerp_renewals_at_random_points_loses_nothing() {
    let case = ProviderCase::primaerp();
    let AnyFake::Primaerp(server) = &case.fake else {
        unreachable!()
    };
    survives_kills(&case, || server.counters().refresh_reuse);
}

#[test]
fn killing_oauth2_renewals_at_random_points_loses_nothing() {
    let case = ProviderCase::oauth2("basic");
    let AnyFake::OAuth2(server) = &case.fake else {
        unreachable!()
    };
    survives_kills(&case, || server.counters().refresh_reuse);
}

// ---------------------------------------------------------------------------
// Lock hygiene

#[test]
fn a_stuck_lock_holder_gets_a_bounded_wait_and_a_clear_error() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "timeout = \"1s\"\n");
    env.case(["token"]).run().success();
    env.expire_cached_tokens();
    // Another process holds the renewal lock and never lets go.
    let lock_path = env.cache_dir().join("tokens").join("org.lock");
    let holder = fs::File::options().write(true).open(&lock_path).unwrap();
    holder.lock().unwrap();
    fs::write(&lock_path, "4242\n").unwrap();

    let started = Instant::now();
    let ran = env
        .case(["token"])
        // Named before the standard filters show any pid as [PID].
        .filter("4242", "[HOLDER]")
        .run();
    let waited = started.elapsed();
    ran.code(5).stdout("").stderr("authtool: error: profile 'org': another authtool process is renewing its token: gave up after waiting 7s for authtool process [HOLDER], which holds the lock [ROOT]/cache/authtool/tokens/org.lock\n\
        hint: try again in a moment\n\
        hint: if it keeps happening, process [HOLDER] may be hung: end it (`kill [HOLDER]`); a lock dies with its holder\n").hides(&[ORG_SECRET]);
    // timeout 1s: one refresh + one login + 5s for the store.
    assert!(
        waited >= Duration::from_secs(7) && waited < Duration::from_secs(12),
        "waited {waited:?}"
    );
    assert_eq!(server.counters().token_requests, 1);

    // A fresh cached token is read without the lock, stuck holder or not.
    server.with_vendor(|v| v.lifetime_secs = 3600);
    holder.unlock().unwrap();
    let fresh = env.case(["token"]).run().success().stderr("").line();
    env.filter(&fresh, "[TOKEN]");
    holder.lock().unwrap();
    let started = Instant::now();
    env.case(["token"])
        .run()
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_lock_holder_that_dies_releases_the_lock() {
    let server = FakeServer::start(org_fake());
    let env = org_env(&server, "timeout = \"30s\"\n");
    // The first process takes the lock and hangs in its request.
    server.script(vec![Fault::Delay(Duration::from_secs(20))]);
    let mut holder = env.spawn(&["token"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.request_count() == 0 {
        assert!(Instant::now() < deadline, "the first process never asked");
        std::thread::sleep(Duration::from_millis(10));
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    // The lock died with its holder: the next call goes straight through.
    let started = Instant::now();
    let ran = env.case(["token"]).run();
    assert!(started.elapsed() < Duration::from_secs(3));
    ran.token(server.last_access_token().unwrap())
        .success()
        .stdout("[TOKEN]\n")
        .stderr("");
}

// ---------------------------------------------------------------------------
// Refresh tokens that are lost, dead or rotated elsewhere

/// An oauth2 profile with the password grant; the password in $ORG_PASSWORD.
fn password_env(server: &FakeServer<FakeOAuth2>) -> TestEnv {
    let mut env = org_env(
        server,
        "grant = \"password\"\nusername = \"alice\"\npassword_env = \"ORG_PASSWORD\"\n",
    );
    env.set_env("ORG_PASSWORD", ORG_PASSWORD);
    env
}

fn password_server() -> FakeServer<FakeOAuth2> {
    FakeServer::start(
        org_fake()
            .with_user("alice", ORG_PASSWORD)
            .lifetime_secs(600),
    )
}

#[test]
fn a_rejected_refresh_token_logs_in_again_when_it_can() {
    let server = password_server();
    let env = password_env(&server);
    env.case(["token"]).run().success();
    server.with_vendor(|v| v.refresh.revoke_all());
    env.case(["token", "--min-ttl", "1h", "-v"])
        .run()
        .success()
        .stderr("authtool: profile 'org': renewing: the cached token expires in [DURATION], less than --min-ttl 1h 0m\n\
            authtool: profile 'org': using the refresh token\n\
            authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)\n\
            authtool: HTTP 400 ([SIZE] bytes)\n\
            authtool: profile 'org': the refresh token was rejected (http://127.0.0.1:[PORT]/oauth2/token answered HTTP 400: invalid_grant (the refresh token is unknown or revoked))\n\
            authtool: profile 'org': logging in again\n\
            authtool: profile 'org': logging in at http://127.0.0.1:[PORT]/oauth2/token\n\
            authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)\n\
            authtool: HTTP 200 ([SIZE] bytes)\n\
            authtool: profile 'org': refresh token kept in the secret store\n\
            authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 1h 0m\n");
    let c = server.counters();
    assert_eq!(
        (c.logins, c.refreshes, c.refresh_unknown),
        (2, 0, 1),
        "{c:?}"
    );
}

#[test]
fn a_rejected_refresh_token_without_credentials_is_exit_3_and_never_sent_again() {
    let server = password_server();
    let mut env = password_env(&server);
    env.case(["token"]).run().success();
    let dead = server.last_refresh_token().unwrap();
    server.with_vendor(|v| v.refresh.revoke_all());
    env.remove_env("ORG_PASSWORD");
    env.case(["token", "--min-ttl", "1h"])
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': environment variable $ORG_PASSWORD (from `password_env`) is not set; the refresh token was not accepted either (http://127.0.0.1:[PORT]/oauth2/token answered HTTP 400: invalid_grant (the refresh token is unknown or revoked))\n\
            hint: export ORG_PASSWORD=… before running authtool\n")
        .hides(&[ORG_SECRET, ORG_PASSWORD, &dead]);
    // The dead refresh token is gone from the store: never sent again.
    let store = fs::read_to_string(env.data_dir().join("secrets.json")).unwrap();
    assert!(!store.contains(&dead));
    let before = server.counters().token_requests;
    env.case(["token", "--min-ttl", "1h"])
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'org': environment variable $ORG_PASSWORD (from `password_env`) is not set\n\
            hint: export ORG_PASSWORD=… before running authtool\n")
        .hides(&[ORG_SECRET, &dead]);
    assert_eq!(server.counters().token_requests, before);
    // With the password back, a login recovers.
    env.set_env("ORG_PASSWORD", ORG_PASSWORD);
    env.case(["token", "--min-ttl", "1h"]).run().success();
    assert_eq!(server.counters().logins, 2);
}

#[test]
fn a_refresh_rotated_by_another_authtool_meanwhile_is_picked_up_from_the_store() {
    // Two authtools share the secret store but not the cache dir (another
    // XDG_CACHE_HOME: a container, sudo), so not the renewal lock either.
    let server = password_server();
    let env_a = password_env(&server);
    env_a.case(["token"]).run().success();
    let mut env_b = password_env(&server);
    for (name, value) in env_a.env_vars() {
        if name == "XDG_DATA_HOME" || name == "AUTHTOOL_CONFIG" {
            env_b.set_env(name, value);
        }
    }
    let cache_a = env_a.cache_dir().join("tokens/org.json");
    let cache_b = env_b.cache_dir().join("tokens/org.json");
    fs::create_dir_all(cache_b.parent().unwrap()).unwrap();
    fs::copy(&cache_a, &cache_b).unwrap();

    // A sends the shared refresh token, slowly; B rotates it meanwhile.
    server.script(vec![Fault::Delay(Duration::from_millis(1500))]);
    let a = env_a.spawn(&["token", "--min-ttl", "1h", "-v"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.request_count() < 2 {
        assert!(Instant::now() < deadline, "A never asked");
        std::thread::sleep(Duration::from_millis(10));
    }
    env_b.case(["token", "--min-ttl", "1h"]).run().success();
    let a = a.wait_with_output().unwrap();
    assert!(a.status.success(), "{}", transcript(&a));
    assert_eq!(
        env_a.filtered(&a.stderr),
        "authtool: profile 'org': renewing: the cached token expires in [DURATION], less than --min-ttl 1h 0m\n\
         authtool: profile 'org': using the refresh token\n\
         authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)\n\
         authtool: HTTP 400 ([SIZE] bytes)\n\
         authtool: profile 'org': the refresh token was rejected (http://127.0.0.1:[PORT]/oauth2/token answered HTTP 400: invalid_grant (the refresh token was already used))\n\
         authtool: profile 'org': another process stored a newer refresh token meanwhile; using it\n\
         authtool: profile 'org': using the refresh token\n\
         authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)\n\
         authtool: HTTP 200 ([SIZE] bytes)\n\
         authtool: profile 'org': refresh token kept in the secret store\n\
         authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 1h 0m\n",
        "{}",
        transcript(&a)
    );
    let c = server.counters();
    // B's refresh, then A's with the token B stored; A's first try was
    // refused as a reuse; nobody had to log in again.
    assert_eq!((c.logins, c.refreshes, c.refresh_reuse), (1, 2, 1), "{c:?}");
}

#[test]
fn a_lost_single_use_refresh_answer_is_never_resent() {
    let case = ProviderCase::primaerp();
    let AnyFake::Primaerp(server) = &case.fake else {
        unreachable!()
    };
    let mut env = case.env("");
    env.case(["token"]).run().success();
    let first_rt = server.last_refresh_token().unwrap();

    // The refresh answer is lost (the connection drops): not retried,
    // logged in at once instead.
    case.fake
        .script_on("/v1/auth/refreshtoken", vec![Fault::Drop]);
    env.expire_cached_tokens();
    env.case(["token"]).run().success();
    let c = server.counters();
    assert_eq!(
        (c.logins, c.refresh_requests, c.refresh_reuse),
        (2, 0, 0),
        "{c:?}"
    );
    assert_eq!(server.requests_to("/v1/auth/refreshtoken").len(), 1);

    // Again, now with no password to log in with: exit 5, and the next
    // call does not send that refresh token again (it may be spent).
    case.fake
        .script_on("/v1/auth/refreshtoken", vec![Fault::Drop]);
    env.remove_env("ERP_PASSWORD");
    env.expire_cached_tokens();
    env.case(["token"])
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: error: request to http://127.0.0.1:[PORT]/v1/auth/refreshtoken?apikey=***&refresh_token=*** failed: the connection closed before the whole answer arrived (client error (SendRequest): connection closed before message completed)\n")
        .hides(&case.secret_values());
    let sent = server.requests_to("/v1/auth/refreshtoken").len();
    env.expire_cached_tokens();
    env.case(["token"])
        .run()
        .code(3)
        .stdout("")
        .stderr("authtool: error: profile 'erp': environment variable $ERP_PASSWORD (from `password_env`) is not set; the refresh token cannot be used either: an earlier refresh with it got no answer, so it may be spent, and it is valid only once\n\
            hint: export ERP_PASSWORD=… before running authtool\n")
        .hides(&case.secret_values());
    assert_eq!(server.requests_to("/v1/auth/refreshtoken").len(), sent);
    // A login recovers; its refresh token is used from then on.
    env.set_env("ERP_PASSWORD", ERP_PASSWORD);
    env.expire_cached_tokens();
    env.case(["token"]).run().success();
    env.expire_cached_tokens();
    env.case(["token"]).run().success();
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes, c.refresh_reuse), (3, 1, 0), "{c:?}");
    assert!(!server.with_vendor(|v| v.refresh.all().is_empty()));
    assert_ne!(server.last_refresh_token().unwrap(), first_rt);
}

#[test]
fn a_lost_oauth2_refresh_answer_is_tried_once_more_only_without_credentials() {
    let server = password_server();
    let mut env = password_env(&server);
    env.case(["token"]).run().success();
    // The answer to the refresh is lost, and there is no password to log
    // in with: exit 5, the refresh token kept.
    server.script(vec![Fault::Drop]);
    env.remove_env("ORG_PASSWORD");
    env.case(["token", "--min-ttl", "1h"])
        .run()
        .code(5)
        .stdout("")
        .stderr("authtool: error: request to http://127.0.0.1:[PORT]/oauth2/token failed: the connection closed before the whole answer arrived (client error (SendRequest): connection closed before message completed)\n")
        .hides(&[ORG_SECRET]);
    // Next time: still nothing to log in with, and an OAuth2 refresh token
    // is valid until used — the dropped request never reached the server —
    // so it is tried once more, and works.
    env.case(["token", "--min-ttl", "1h", "-v"])
        .run()
        .success()
        .stderr("authtool: profile 'org': renewing: the cached token expires in [DURATION], less than --min-ttl 1h 0m\n\
            authtool: profile 'org': an earlier refresh with this refresh token got no answer (a process was killed, or the answer was lost); it may be spent, so logging in instead of sending it again\n\
            authtool: profile 'org': logging in at http://127.0.0.1:[PORT]/oauth2/token\n\
            authtool: profile 'org': nothing to log in with; trying the refresh token once more (an unanswered refresh may never have reached the server)\n\
            authtool: profile 'org': using the refresh token\n\
            authtool: POST http://127.0.0.1:[PORT]/oauth2/token (attempt 1)\n\
            authtool: HTTP 200 ([SIZE] bytes)\n\
            authtool: profile 'org': refresh token kept in the secret store\n\
            authtool: warning: profile 'org': the server issues tokens valid for [DURATION], less than --min-ttl 1h 0m\n");
    let c = server.counters();
    assert_eq!((c.logins, c.refreshes, c.refresh_reuse), (1, 1, 0), "{c:?}");
}
