//! Private keys made at test time for `client_auth = "private_key_jwt"`:
//! P-256 and Ed25519 with rcgen, RSA with `openssl` (ring, rcgen's
//! backend here, cannot generate RSA keys), and the other PEM forms of a
//! key (SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`) with `openssl`.
//! Each comes with its public JWK, which the fake servers and oidc-provider
//! verify signatures with.

use super::codec::base64url;
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

/// A private key (PEM) and its public JWK.
#[derive(Clone, Debug)]
pub struct TestKey {
    pub pem: String,
    pub jwk: Value,
}

/// Runs `openssl ARGS` with `input` on stdin; its stdout.
fn openssl(args: &[&str], input: &str) -> String {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl is installed (.ci/run installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

impl TestKey {
    /// A P-256 key, PKCS#8.
    pub fn p256() -> TestKey {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let point = pair.public_key_raw();
        TestKey {
            pem: pair.serialize_pem(),
            jwk: json!({
                "kty": "EC", "crv": "P-256",
                "x": base64url(&point[1..33]), "y": base64url(&point[33..65]),
            }),
        }
    }

    /// An Ed25519 key, PKCS#8.
    pub fn ed25519() -> TestKey {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        TestKey {
            pem: pair.serialize_pem(),
            jwk: json!({ "kty": "OKP", "crv": "Ed25519", "x": base64url(pair.public_key_raw()) }),
        }
    }

    /// A 2048-bit RSA key, PKCS#8.
    pub fn rsa() -> TestKey {
        let pem = openssl(
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ],
            "",
        );
        let modulus = openssl(&["rsa", "-noout", "-modulus"], &pem);
        let n = hex(modulus.trim().trim_start_matches("Modulus="));
        TestKey {
            pem,
            jwk: json!({ "kty": "RSA", "n": base64url(&n), "e": "AQAB" }),
        }
    }

    /// The same key in its traditional form: SEC1 `EC PRIVATE KEY` for
    /// P-256, PKCS#1 `RSA PRIVATE KEY` for RSA.
    pub fn traditional(&self) -> TestKey {
        let args: &[&str] = if self.jwk["kty"] == "RSA" {
            &["rsa", "-traditional"]
        } else {
            &["ec"]
        };
        TestKey {
            pem: openssl(args, &self.pem),
            jwk: self.jwk.clone(),
        }
    }

    /// The JWK with `kid` and `alg` (as a client's `jwks` lists it).
    pub fn jwk_with(&self, kid: &str, alg: &str) -> Value {
        let mut jwk = self.jwk.clone();
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!(alg);
        jwk
    }
}
