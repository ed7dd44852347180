//! People logging in: the browser (authorization code + PKCE on a loopback
//! redirect) and device flows of the `oauth2` provider, discovery from
//! `issuer`, and who may be asked. Against the real OpenID Certified server
//! (`oidc-provider`, tests named `oidc_provider_*`, ignored when node or its
//! modules are missing) and, for what a real server cannot be made to do,
//! against the strict fake.

use crate::support::oidc::{self, OidcServer};
use crate::support::*;

/// The test server itself: discovery names its issuer, and the person
/// script walks a device login to its end.
#[test]
#[ignore = "needs node and tests/oidc/node_modules (npm ci)"]
fn oidc_provider_test_server_and_person() {
    let op = OidcServer::start();
    let meta = curl(&[&format!("{}/.well-known/openid-configuration", op.issuer())]);
    assert_eq!(meta.field("issuer"), op.issuer());
    let device_auth = meta.field("device_authorization_endpoint");
    let answer = curl(&[
        "-d",
        "client_id=authtool-device",
        "-d",
        "scope=openid",
        &device_auth,
    ]);
    let (uri, code) = (answer.field("verification_uri"), answer.field("user_code"));
    if let Err(e) = oidc::confirm_device(&uri, &code) {
        panic!(
            "the person could not confirm the code: {e}\nserver: {:#?}",
            op.log()
        );
    }
    let token = curl(&[
        "-d",
        "grant_type=urn:ietf:params:oauth:grant-type:device_code",
        "-d",
        &format!("device_code={}", answer.field("device_code")),
        "-d",
        "client_id=authtool-device",
        &meta.field("token_endpoint"),
    ]);
    assert_eq!(token.status, 200, "{token:?}");
    let id_token = token.field("id_token");
    assert_eq!(jwt_claims(&id_token).expect("a JWT")["sub"], oidc::PERSON);
    assert_eq!(op.requests("POST /token"), 1, "{:?}", op.log());
}
