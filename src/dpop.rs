//! DPoP (RFC 9449): a profile's ES256 key and the proofs signed with it.
//!
//! The private key lives in the profile's secret store (entry
//! `<profile>/dpop_key`), never in the token cache; this module only turns
//! its stored form into proofs. Keys are made, signed with and
//! thumbprinted by [`crate::jose`] (`jsonwebtoken` over `ring`). Neither
//! [`Key`] nor [`Prover`] shows the private half in `Debug`.
//!
//! The stored form is `v1.<identity>.<PKCS#8 PEM>`: `<identity>` is a hash
//! of the profile's identity (its cache fingerprint), so a profile whose
//! token URL, client or scope changes gets a new key, and the same key is
//! never shown to two servers.

use crate::error::{Error, Result};
use crate::jose::{self, SigningKey};
use crate::secret::Secret;
use jsonwebtoken::Algorithm;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use url::Url;

/// The store entry of a profile's DPoP key.
pub const KEY_ENTRY: &str = "dpop_key";

/// The JWT `typ` of a DPoP proof (RFC 9449 §4.2).
pub const PROOF_TYPE: &str = "dpop+jwt";

/// The longest `DPoP-Nonce` authtool keeps.
const MAX_NONCE: usize = 1024;

/// A profile's ES256 key pair.
#[derive(Debug, Clone)]
pub struct Key {
    signing: Rc<SigningKey>,
    /// The stored form (holds the private key).
    stored: Secret,
    thumbprint: String,
}

impl Key {
    /// A new key pair for the identity `identity` (the profile's cache
    /// fingerprint).
    pub fn generate(identity: &str) -> Result<Key> {
        let (signing, pem) = SigningKey::generate_p256()
            .map_err(|why| Error::internal(format!("cannot make a DPoP key: {why}")))?;
        Ok(Key::new(signing, &identity_hash(identity), &pem))
    }

    /// The key kept in the store as `stored`, if it belongs to `identity`;
    /// `Ok(None)` for another identity's key; an error for a damaged entry.
    pub fn from_stored(stored: &Secret, identity: &str) -> Result<Option<Key>> {
        let damaged = || Error::store("the DPoP key in the secret store is damaged");
        let mut parts = stored.expose().splitn(3, '.');
        let (Some("v1"), Some(id), Some(pem)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(damaged());
        };
        if id != identity_hash(identity) {
            return Ok(None);
        }
        let signing = SigningKey::from_pem(pem).map_err(|_| damaged())?;
        if signing.kind() != jose::KeyType::P256 {
            return Err(damaged());
        }
        Ok(Some(Key::new(signing, id, &Secret::new(pem.to_string()))))
    }

    fn new(signing: SigningKey, identity: &str, pem: &Secret) -> Key {
        Key {
            thumbprint: signing.thumbprint(),
            signing: Rc::new(signing),
            stored: Secret::new(format!("v1.{identity}.{}", pem.expose())),
        }
    }

    /// What the secret store keeps (the private key: never print it).
    pub fn stored(&self) -> &Secret {
        &self.stored
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
        let mut claims = serde_json::json!({
            "jti": jose::random_id(),
            "htm": htm,
            "htu": target_uri(htu),
            "iat": crate::timefmt::now(),
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        if let Some(token) = access_token {
            claims["ath"] = crate::jose::sha256_b64(token.expose().as_bytes()).into();
        }
        self.signing
            .sign(Algorithm::ES256, PROOF_TYPE, None, true, &claims)
            .map_err(|why| Error::internal(format!("cannot sign a DPoP proof: {why}")))
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
        let again = Key::from_stored(key.stored(), "id-a").unwrap().unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
        assert!(Key::from_stored(key.stored(), "id-b").unwrap().is_none());
        assert!(Key::from_stored(&Secret::new("v1.x"), "id-a").is_err());
        let pem = key
            .stored()
            .expose()
            .splitn(3, '.')
            .nth(2)
            .unwrap()
            .to_string();
        assert!(pem.contains("PRIVATE KEY"));
        assert!(!format!("{key:?}").contains(&pem[30..60]));
        assert_ne!(
            Key::generate("id-a").unwrap().thumbprint(),
            key.thumbprint()
        );
    }

    #[test]
    fn proofs_carry_the_claims() {
        let key = Key::generate("id").unwrap();
        let url = Url::parse("https://a.example/p/t?x=1#f").unwrap();
        let token = Secret::new("tok");
        let proof = key.proof("POST", &url, Some("n1"), Some(&token)).unwrap();
        let crate::jwt::Jwt { header, claims, .. } = crate::jwt::decode(proof.expose()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert!(header["jwk"].get("d").is_none());
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://a.example/p/t");
        assert_eq!(claims["nonce"], "n1");
        assert_eq!(claims["ath"], crate::jose::sha256_b64(b"tok"));
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
