//! The `git_credential` fuzz target's body: it drives the protocol module
//! [`crate::gitcred`] (its request parser, answer writer, store keys and
//! records) as `authtool git-credential` does; the public entry point is
//! `crate::fuzzing::git_credential`.

use crate::error::Kind;
use crate::gitcred::{Answer, Key, Record, Request};

/// A request as git writes it on authtool's stdin. A second request may
/// follow the first after a blank line (where the parser stops); it is used
/// to check that two store keys share an account name only when they name
/// the same credential.
pub fn git_credential(data: &[u8]) {
    let first = match Request::parse(data) {
        Ok(r) => r,
        Err(e) => {
            assert_eq!(e.kind, Kind::Config, "{e}");
            assert!(!e.message.chars().any(char::is_control), "{e}");
            return;
        }
    };
    check(&first);
    let second = data
        .windows(2)
        .position(|w| w == b"\n\n")
        .and_then(|i| Request::parse(&data[i + 2..]).ok());
    if let Some(second) = second {
        check(&second);
        // An absent protocol or host is written like an empty one (git
        // always sends both); such keys replace each other in the store
        // (`Kept::put` replaces by account), so the index never holds two
        // entries for one secret. Every other difference tells them apart.
        let (a, b) = (first.key(), second.key());
        let same = |x: &Key, y: &Key| {
            let blank = |v: &Option<String>| v.clone().unwrap_or_default();
            blank(&x.protocol) == blank(&y.protocol)
                && blank(&x.host) == blank(&y.host)
                && x.path == y.path
                && x.username == y.username
        };
        assert_eq!(
            same(&a, &b),
            a.account_key() == b.account_key(),
            "{a:?} and {b:?}: account names {:?} and {:?}",
            a.account_key(),
            b.account_key()
        );
    }
}

/// One parsed request: its values hold no line break or NUL; written back
/// the way `get` answers, git reads exactly the same values; stored the
/// way `store` keeps it, it reads back the same; and the entry it would
/// store is found again by the same request.
fn check(r: &Request) {
    let texts = [&r.protocol, &r.host, &r.path, &r.username, &r.authtype];
    let secrets = [&r.password, &r.credential, &r.oauth_refresh_token];
    for value in texts
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(secrets.into_iter().flatten().map(|s| s.expose()))
    {
        assert!(!value.contains(['\n', '\r', '\0']), "{value:?}");
    }

    let mut a = Answer::default();
    if r.authtype_capable {
        a.attr("capability[]", "authtype").unwrap();
    }
    let texts = [
        ("protocol", &r.protocol),
        ("host", &r.host),
        ("path", &r.path),
        ("username", &r.username),
        ("authtype", &r.authtype),
    ];
    for (key, value) in texts {
        if let Some(v) = value {
            a.attr(key, v).unwrap();
        }
    }
    let secrets = [
        ("password", &r.password),
        ("credential", &r.credential),
        ("oauth_refresh_token", &r.oauth_refresh_token),
    ];
    for (key, value) in secrets {
        if let Some(v) = value {
            a.attr(key, v.expose()).unwrap();
        }
    }
    if let Some(at) = r.password_expiry_utc {
        a.attr("password_expiry_utc", &at.to_string()).unwrap();
    }
    if r.ephemeral {
        a.attr("ephemeral", "1").unwrap();
    }
    // Only whole `key=value` lines, each ended by one newline.
    assert!(a.0.is_empty() || a.0.ends_with('\n'));
    assert!(!a.0.contains("\n\n") && !a.0.starts_with('\n'));
    let back = Request::parse(a.0.as_bytes()).expect("git reads back what authtool wrote");
    assert_eq!(back.key(), r.key());
    assert_eq!(back.password, r.password);
    assert_eq!(back.credential, r.credential);
    assert_eq!(back.oauth_refresh_token, r.oauth_refresh_token);
    assert_eq!(back.authtype, r.authtype);
    assert_eq!(back.password_expiry_utc, r.password_expiry_utc);
    assert_eq!(back.ephemeral, r.ephemeral);
    assert_eq!(back.authtype_capable, r.authtype_capable);

    // `store` keeps a record and an index entry; `get` finds them again.
    let record = Record::of(r);
    let text = serde_json::to_string(&record).unwrap();
    let stored: Record = serde_json::from_str(&text).expect("a stored record reads back");
    assert_eq!(stored.password, record.password);
    assert_eq!(stored.credential, record.credential);
    assert_eq!(stored.oauth_refresh_token, record.oauth_refresh_token);
    assert_eq!(stored.authtype, record.authtype);
    assert_eq!(stored.password_expiry_utc, record.password_expiry_utc);
    let key = r.key();
    let index: Key = serde_json::from_str(&serde_json::to_string(&key).unwrap()).unwrap();
    assert_eq!(index, key);
    assert!(
        key.matched_by(r),
        "a stored entry matches the request that stored it"
    );
    // profile mode: which profile's `urls` would serve it.
    if let (Some(protocol), Some(host)) = (&r.protocol, &r.host) {
        let _ = crate::urlmatch::Target::from_git(protocol, host, r.path.as_deref());
    }
}
