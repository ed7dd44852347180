//! DPoP (RFC 9449): a profile's ES256 key and the proofs signed with it.
//!
//! The private key lives in the profile's secret store (entry
//! `<profile>/dpop_key`), never in the token cache; this module only turns
//! its stored form into proofs. Keys are made with `ring` (already the TLS
//! crypto provider); proofs are JWTs signed with `jsonwebtoken`. Neither
//! `Key` nor [`Prover`] shows the private half in `Debug`.
//!
//! The stored form is `v1.<identity>.<base64url PKCS#8>`: `<identity>` is
//! a hash of the profile's identity (its cache fingerprint), so a profile
//! whose token URL, client or scope changes gets a new key, and the same
//! key is never shown to two servers.

use crate::error::{Error, Result};
use crate::secret::Secret;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde::Serialize;
use std::cell::RefCell;
use std::path::PathBuf;
use url::Url;

/// The store entry of a profile's DPoP key.
pub const KEY_ENTRY: &str = "dpop_key";

/// The JWT `typ` of a DPoP proof (RFC 9449 §4.2).
pub const PROOF_TYPE: &str = "dpop+jwt";

/// The longest `DPoP-Nonce` authtool keeps.
const MAX_NONCE: usize = 1024;

/// A profile's ES256 key pair. The private half is a [`Secret`].
#[derive(Debug, Clone)]
pub struct Key {
    /// The PKCS#8 document, base64url.
    pkcs8: Secret,
    identity: String,
    jwk: Jwk,
    thumbprint: String,
}

impl Key {
    /// A new key pair for the identity `identity` (the profile's cache
    /// fingerprint).
    pub fn generate(identity: &str) -> Result<Key> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| Error::internal("cannot make a DPoP key: no randomness"))?;
        Key::from_pkcs8(
            Secret::new(B64.encode(doc.as_ref())),
            identity_hash(identity),
        )
    }

    /// The key kept in the store as `stored`, if it belongs to `identity`;
    /// `Ok(None)` for another identity's key; an error for a damaged entry.
    pub fn from_stored(stored: &Secret, identity: &str) -> Result<Option<Key>> {
        let damaged = || Error::store("the DPoP key in the secret store is damaged");
        let mut parts = stored.expose().splitn(3, '.');
        let (Some("v1"), Some(id), Some(pkcs8)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(damaged());
        };
        if id != identity_hash(identity) {
            return Ok(None);
        }
        Key::from_pkcs8(Secret::new(pkcs8.to_string()), id.to_string())
            .map(Some)
            .map_err(|_| damaged())
    }

    fn from_pkcs8(pkcs8: Secret, identity: String) -> Result<Key> {
        let der = B64
            .decode(pkcs8.expose())
            .map_err(|_| Error::internal("a DPoP key that is not base64url"))?;
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &SystemRandom::new())
                .map_err(|_| Error::internal("a DPoP key that is not a P-256 PKCS#8 key"))?;
        // An uncompressed point: 0x04, x (32 bytes), y (32 bytes).
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 4 {
            return Err(Error::internal(
                "a DPoP public key that is not a P-256 point",
            ));
        }
        let (x, y) = (B64.encode(&point[1..33]), B64.encode(&point[33..]));
        let thumbprint = thumbprint(&x, &y);
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x,
                y,
            }),
        };
        Ok(Key {
            pkcs8,
            identity,
            jwk,
            thumbprint,
        })
    }

    /// What the secret store keeps (the private key: never print it).
    pub fn stored(&self) -> Secret {
        Secret::new(format!("v1.{}.{}", self.identity, self.pkcs8.expose()))
    }

    /// The RFC 7638 thumbprint of the public key (base64url SHA-256), as
    /// a DPoP-bound token's `cnf.jkt` names it.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for a request: `htm` the method, `htu` the URL (its query
    /// and fragment are left out), the server's `nonce` if it gave one, and
    /// `ath` (the hash of `access_token`) when the proof goes with a token
    /// to a resource server.
    pub fn proof(
        &self,
        htm: &str,
        htu: &Url,
        nonce: Option<&str>,
        access_token: Option<&Secret>,
    ) -> Result<Secret> {
        #[derive(Serialize)]
        struct Claims<'a> {
            jti: String,
            htm: &'a str,
            htu: String,
            iat: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            nonce: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            ath: Option<String>,
        }
        let mut jti = [0u8; 16];
        SystemRandom::new()
            .fill(&mut jti)
            .map_err(|_| Error::internal("cannot make a DPoP proof: no randomness"))?;
        let claims = Claims {
            jti: B64.encode(jti),
            htm,
            htu: target_uri(htu),
            iat: crate::timefmt::now(),
            nonce,
            ath: access_token.map(|t| sha256_b64(t.expose().as_bytes())),
        };
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some(PROOF_TYPE.to_string());
        header.jwk = Some(self.jwk.clone());
        let der = B64
            .decode(self.pkcs8.expose())
            .map_err(|_| Error::internal("a DPoP key that is not base64url"))?;
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&der))
            .map(Secret::new)
            .map_err(|e| Error::internal(format!("cannot sign a DPoP proof: {e}")))
    }
}

/// `htu`: the URL without its query and fragment (RFC 9449 §4.2).
pub fn target_uri(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// An HTTP method as `htm` takes it: a token of letters (upper-cased).
pub fn method(text: &str) -> Result<String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::config(format!(
            "`{}` is not an HTTP method",
            crate::log::sanitize_remote(text)
        ))
        .hint("give --method GET, POST, PUT, PATCH, DELETE, …"));
    }
    Ok(text.to_ascii_uppercase())
}

/// The URL of `--url`: an absolute http(s) URL.
pub fn request_url(text: &str) -> Result<Url> {
    let shown = || crate::providers::shown_url_text(text);
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.has_host() => Ok(url),
        Ok(_) => Err(
            Error::config(format!("--url `{}` is not an http(s) URL", shown()))
                .hint("give the full URL of the request, like https://api.example.com/v1/items"),
        ),
        Err(e) => Err(
            Error::config(format!("--url `{}` is not a valid URL: {e}", shown()))
                .hint("give the full URL of the request, like https://api.example.com/v1/items"),
        ),
    }
}

/// RFC 7638: SHA-256 of `{"crv","kty","x","y"}` in that order, no spaces.
fn thumbprint(x: &str, y: &str) -> String {
    sha256_b64(format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#).as_bytes())
}

fn sha256_b64(data: &[u8]) -> String {
    B64.encode(ring::digest::digest(&ring::digest::SHA256, data))
}

/// 16 hex digits of the SHA-256 of the identity.
fn identity_hash(identity: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, identity.as_bytes());
    digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `nonce` is one a server may send (RFC 9449 §8: `NQCHAR`s).
pub fn valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce.len() <= MAX_NONCE
        && nonce
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// Signs the proofs of one profile's token requests and keeps the
/// authorization server's latest `DPoP-Nonce` (in a file of the cache
/// directory, so the next process starts with it).
#[derive(Debug)]
pub struct Prover {
    key: Key,
    nonce: RefCell<Option<String>>,
    nonce_file: Option<PathBuf>,
}

impl Prover {
    /// A prover with `key`, starting with the nonce kept in `nonce_file`.
    pub fn new(key: Key, nonce_file: Option<PathBuf>) -> Prover {
        let nonce = nonce_file
            .as_deref()
            .and_then(|f| crate::fsutil::read_optional(f).ok().flatten())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| valid_nonce(s));
        Prover {
            key,
            nonce: RefCell::new(nonce),
            nonce_file,
        }
    }

    pub fn key(&self) -> &Key {
        &self.key
    }

    /// A proof for a token request to `url`, with the latest nonce.
    pub fn proof(&self, htm: &str, url: &Url) -> Result<Secret> {
        self.key
            .proof(htm, url, self.nonce.borrow().as_deref(), None)
    }

    /// Records the `DPoP-Nonce` a server sent; returns whether it is new.
    pub fn saw_nonce(&self, nonce: &str) -> bool {
        if !valid_nonce(nonce) || self.nonce.borrow().as_deref() == Some(nonce) {
            return false;
        }
        *self.nonce.borrow_mut() = Some(nonce.to_string());
        if let Some(file) = &self.nonce_file
            && let Err(e) = crate::fsutil::write_atomic(file, nonce.as_bytes())
        {
            crate::debug!("cannot keep the server's DPoP nonce: {}", e.message);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_the_store_form() {
        let key = Key::generate("id-a").unwrap();
        let again = Key::from_stored(&key.stored(), "id-a").unwrap().unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
        assert!(Key::from_stored(&key.stored(), "id-b").unwrap().is_none());
        assert!(Key::from_stored(&Secret::new("v1.x"), "id-a").is_err());
        assert!(!format!("{key:?}").contains(key.pkcs8.expose()));
        assert_ne!(
            Key::generate("id-a").unwrap().thumbprint(),
            key.thumbprint()
        );
    }

    /// RFC 9449's own example: the key of the proof in §4.1 and the
    /// `cnf.jkt` of the token bound to it in §6.1.
    #[test]
    fn thumbprints_follow_rfc7638() {
        let x = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
        let y = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";
        assert_eq!(
            thumbprint(x, y),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        );
    }

    #[test]
    fn proofs_carry_the_claims() {
        let key = Key::generate("id").unwrap();
        let url = Url::parse("https://a.example/p/t?x=1#f").unwrap();
        let token = Secret::new("tok");
        let proof = key.proof("POST", &url, Some("n1"), Some(&token)).unwrap();
        let parts: Vec<&str> = proof.expose().split('.').collect();
        let header: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert!(header["jwk"].get("d").is_none());
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://a.example/p/t");
        assert_eq!(claims["nonce"], "n1");
        assert_eq!(claims["ath"], sha256_b64(b"tok"));
        let other = key.proof("POST", &url, None, None).unwrap();
        assert_ne!(proof, other);
    }

    #[test]
    fn nonces_and_methods() {
        assert!(valid_nonce("eyJ7S_zG.Ux-7q~"));
        assert!(!valid_nonce("a b"));
        assert!(!valid_nonce("a\"b"));
        assert!(!valid_nonce(""));
        assert_eq!(method("get").unwrap(), "GET");
        assert!(method("GE T").is_err());
        assert!(request_url("ftp://x/").is_err());
        assert!(request_url("https://x/y?z").is_ok());
    }
}
