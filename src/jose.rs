//! JOSE signing, in one place: a private key read from PEM (RSA, P-256 or
//! Ed25519; PKCS#8, PKCS#1 or SEC1), its public JWK and RFC 7638
//! thumbprint, and compact JWS made with the `jsonwebtoken` crate.
//!
//! Used for the client assertions of `client_auth = "private_key_jwt"`
//! (RFC 7523 §2.2, OpenID Connect Core §9: [`client_assertion`]) and, with
//! an embedded `jwk` header, for DPoP proofs (RFC 9449: [`SigningKey::sign`]
//! with `embed_jwk`, [`SigningKey::generate_p256`]).
//!
//! Key material never leaves this module except as a [`Secret`] (the PEM of
//! a generated key) or a signature: messages describe a key, never show it,
//! and [`SigningKey`]'s `Debug` names only its type.

use crate::secret::Secret;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, KeyPair as _};
use serde_json::{Value, json};

/// What kind of key a [`SigningKey`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    P256,
    Ed25519,
}

impl KeyType {
    /// The algorithm used when the profile names none.
    pub fn default_alg(self) -> Algorithm {
        match self {
            KeyType::Rsa => Algorithm::RS256,
            KeyType::P256 => Algorithm::ES256,
            KeyType::Ed25519 => Algorithm::EdDSA,
        }
    }

    /// The algorithms this key can sign with.
    pub fn algs(self) -> &'static [Algorithm] {
        match self {
            KeyType::Rsa => &[
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::PS256,
                Algorithm::PS384,
                Algorithm::PS512,
            ],
            KeyType::P256 => &[Algorithm::ES256],
            KeyType::Ed25519 => &[Algorithm::EdDSA],
        }
    }

    /// "an RSA key", "a P-256 EC key", "an Ed25519 key".
    pub fn describe(self) -> &'static str {
        match self {
            KeyType::Rsa => "an RSA key",
            KeyType::P256 => "a P-256 EC key",
            KeyType::Ed25519 => "an Ed25519 key",
        }
    }
}

/// Every `signing_alg` authtool accepts, as written in the config.
pub const ALG_NAMES: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "EdDSA",
];

/// Parses a `signing_alg` value (one of [`ALG_NAMES`]).
pub fn parse_alg(name: &str) -> Option<Algorithm> {
    ALG_NAMES
        .contains(&name)
        .then(|| name.parse().ok())
        .flatten()
}

/// A private key that signs JWS, with its public half.
pub struct SigningKey {
    kind: KeyType,
    encoding: EncodingKey,
    /// The public JWK's required members (RFC 7638 §3.2), no `kid`/`alg`.
    public: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?}, <redacted>)", self.kind)
    }
}

/// Why a key cannot be used: a description without any key material.
pub type KeyError = String;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url (no padding) of the SHA-256 of `data`: PKCE's S256, a DPoP
/// proof's `ath`, a JWK thumbprint.
pub fn sha256_b64(data: &[u8]) -> String {
    b64(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

/// `n` random bytes from the system's generator, base64url (no padding):
/// `state`, `nonce`, a PKCE verifier.
pub fn random_b64(n: usize) -> crate::error::Result<String> {
    let mut bytes = vec![0u8; n];
    SystemRandom::new().fill(&mut bytes).map_err(|_| {
        crate::error::Error::internal("the system's random number generator failed")
    })?;
    Ok(b64(&bytes))
}

impl SigningKey {
    /// Reads the first private key in `text` (PEM): `PRIVATE KEY`
    /// (PKCS#8: RSA, P-256 or Ed25519), `RSA PRIVATE KEY` (PKCS#1) or
    /// `EC PRIVATE KEY` (SEC1, P-256). Other blocks (`EC PARAMETERS`,
    /// certificates) are skipped.
    pub fn from_pem(text: &str) -> Result<SigningKey, KeyError> {
        let blocks = pem::parse_many(text.trim().as_bytes())
            .map_err(|_| "it is not PEM text (`-----BEGIN PRIVATE KEY-----` …)".to_string())?;
        let block = blocks
            .iter()
            .find(|b| b.tag().ends_with("PRIVATE KEY"))
            .ok_or_else(|| {
                if blocks.is_empty() {
                    "it is not PEM text (`-----BEGIN PRIVATE KEY-----` …)".to_string()
                } else {
                    format!(
                        "it holds no private key (found: {})",
                        blocks
                            .iter()
                            .map(|b| b.tag())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            })?;
        let der = block.contents();
        match block.tag() {
            "PRIVATE KEY" => Self::from_pkcs8(der),
            "RSA PRIVATE KEY" => Self::rsa(
                signature::RsaKeyPair::from_der(der),
                EncodingKey::from_rsa_der(der),
            ),
            "EC PRIVATE KEY" => Self::from_pkcs8(&sec1_to_pkcs8(der)?),
            "ENCRYPTED PRIVATE KEY" => Err(
                "it is encrypted (`ENCRYPTED PRIVATE KEY`); give the decrypted key, e.g. with `private_key_command = \"openssl pkcs8 -in KEY.pem\"`"
                    .to_string(),
            ),
            other => Err(format!(
                "`{other}` keys are not supported; use a PKCS#8 `PRIVATE KEY` (RSA, P-256 or Ed25519)"
            )),
        }
    }

    /// A PKCS#8 key of any of the three types.
    fn from_pkcs8(der: &[u8]) -> Result<SigningKey, KeyError> {
        if let Ok(pair) = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            return Ok(SigningKey {
                kind: KeyType::Ed25519,
                encoding: EncodingKey::from_ed_der(der),
                public: json!({
                    "crv": "Ed25519",
                    "kty": "OKP",
                    "x": b64(pair.public_key().as_ref()),
                }),
            });
        }
        let rng = SystemRandom::new();
        match signature::EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            der,
            &rng,
        ) {
            Ok(pair) => return Ok(Self::p256(&pair, der)),
            Err(e) if e.to_string() == "WrongAlgorithm" => {}
            Err(e) if is_ec(der) => {
                return Err(format!(
                    "it is an EC key that cannot be used ({}); only P-256 (prime256v1) EC keys are supported",
                    e
                ));
            }
            Err(_) => {}
        }
        let rsa = signature::RsaKeyPair::from_pkcs8(der);
        if rsa.is_err() && is_ec(der) {
            return Err(
                "it is an EC key on a curve other than P-256; only P-256 (prime256v1) EC keys are supported"
                    .to_string(),
            );
        }
        // jsonwebtoken signs RSA with the PKCS#1 key inside.
        let pkcs1 = rsa.as_ref().ok().and_then(|_| pkcs8_inner(der));
        match pkcs1 {
            Some(pkcs1) => Self::rsa(rsa, EncodingKey::from_rsa_der(pkcs1)),
            None => Self::rsa(rsa, EncodingKey::from_rsa_der(der)),
        }
    }

    fn rsa(
        pair: Result<signature::RsaKeyPair, ring::error::KeyRejected>,
        encoding: EncodingKey,
    ) -> Result<SigningKey, KeyError> {
        let pair = pair.map_err(|e| match e.to_string().as_str() {
            "TooSmall" => {
                "it is an RSA key shorter than 2048 bits, too weak to sign with".to_string()
            }
            "WrongAlgorithm" | "InvalidEncoding" => {
                "it is not an RSA, P-256 or Ed25519 private key".to_string()
            }
            why => format!("it is not a usable private key ({why})"),
        })?;
        let public = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
        Ok(SigningKey {
            kind: KeyType::Rsa,
            encoding,
            public: json!({ "e": b64(&public.e), "kty": "RSA", "n": b64(&public.n) }),
        })
    }

    fn p256(pair: &signature::EcdsaKeyPair, pkcs8: &[u8]) -> SigningKey {
        // Uncompressed point: 0x04 || x || y.
        let point = pair.public_key().as_ref();
        SigningKey {
            kind: KeyType::P256,
            encoding: EncodingKey::from_ec_der(pkcs8),
            public: json!({
                "crv": "P-256",
                "kty": "EC",
                "x": b64(&point[1..33]),
                "y": b64(&point[33..65]),
            }),
        }
    }

    /// A new P-256 key (for DPoP) and its PKCS#8 PEM, to keep in the
    /// secret store.
    pub fn generate_p256() -> Result<(SigningKey, Secret), KeyError> {
        let rng = SystemRandom::new();
        let doc = signature::EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .map_err(|_| "cannot generate a P-256 key".to_string())?;
        let pem = Secret::new(pem::encode(&pem::Pem::new(
            "PRIVATE KEY",
            doc.as_ref().to_vec(),
        )));
        let key = SigningKey::from_pem(pem.expose())?;
        Ok((key, pem))
    }

    pub fn kind(&self) -> KeyType {
        self.kind
    }

    /// The algorithm to sign with: `configured` if this key can use it,
    /// else the key's default.
    pub fn alg(&self, configured: Option<Algorithm>) -> Result<Algorithm, KeyError> {
        match configured {
            None => Ok(self.kind.default_alg()),
            Some(alg) if self.kind.algs().contains(&alg) => Ok(alg),
            Some(alg) => Err(format!(
                "it is {}, which cannot sign {alg:?} (it signs {})",
                self.kind.describe(),
                self.kind
                    .algs()
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The public key as a JWK (RFC 7517): its required members only.
    pub fn public_jwk(&self) -> Value {
        self.public.clone()
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn thumbprint(&self) -> String {
        // serde_json's maps keep keys sorted: the members are already in
        // lexicographic order, and `to_string` writes no whitespace.
        let canonical = self.public.to_string();
        sha256_b64(canonical.as_bytes())
    }

    /// A compact JWS of `claims`, signed with `alg`, with `typ`, `kid` and,
    /// when `embed_jwk`, the public key in the `jwk` header (DPoP).
    pub fn sign(
        &self,
        alg: Algorithm,
        typ: &str,
        kid: Option<&str>,
        embed_jwk: bool,
        claims: &Value,
    ) -> Result<Secret, KeyError> {
        let mut header = Header::new(alg);
        header.typ = Some(typ.to_string());
        header.kid = kid.map(str::to_string);
        if embed_jwk {
            header.jwk = Some(
                serde_json::from_value(self.public.clone())
                    .map_err(|e| format!("cannot describe the public key: {e}"))?,
            );
        }
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map(Secret::new)
            .map_err(|e| format!("cannot sign with it ({e})"))
    }
}

/// A random identifier (`jti`): 128 bits, base64url.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // The system's random source does not fail on any supported platform;
    // should it, the time-based fallback still keeps jti values unique.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ u128::from(std::process::id())).to_be_bytes();
    }
    b64(&bytes)
}

/// How long a client assertion is valid: "exp within a minute".
pub const ASSERTION_LIFETIME_SECS: u64 = 60;

/// A client assertion (RFC 7523 §3, OpenID Connect Core §9): iss = sub =
/// `client_id`, aud = the token endpoint, a fresh `jti`, `iat` = `now`,
/// `exp` a minute later.
pub fn client_assertion(
    key: &SigningKey,
    alg: Algorithm,
    kid: Option<&str>,
    client_id: &str,
    audience: &str,
    now: u64,
) -> Result<Secret, KeyError> {
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": random_id(),
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECS,
    });
    key.sign(alg, "JWT", kid, false, &claims)
}

// ---------------------------------------------------------------------------
// The little DER a PEM key needs: wrap a SEC1 key in PKCS#8, find the key
// inside a PKCS#8 document, tell an EC key by its algorithm identifier.

/// id-ecPublicKey (1.2.840.10045.2.1), DER.
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 (1.2.840.10045.3.1.7), DER.
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

fn der_len(len: usize) -> Vec<u8> {
    match len {
        0..=0x7f => vec![len as u8],
        0x80..=0xff => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

/// PKCS#8 `PrivateKeyInfo` around a SEC1 `ECPrivateKey` on P-256 (ring
/// checks the curve named inside against the one named here).
fn sec1_to_pkcs8(sec1: &[u8]) -> Result<Vec<u8>, KeyError> {
    if sec1.len() > 0xffff - 64 {
        return Err("it is not a P-256 EC private key".to_string());
    }
    let alg = der(0x30, &[OID_EC_PUBLIC_KEY, OID_P256].concat());
    let body = [&[0x02, 0x01, 0x00][..], &alg, &der(0x04, sec1)].concat();
    Ok(der(0x30, &body))
}

/// One DER element at the start of `input`: (tag, content, rest).
fn der_next(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7f);
            let bytes = rest.get(..n)?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        }
        _ => return None,
    };
    let content = rest.get(..len)?;
    Some((tag, content, &rest[len..]))
}

/// (algorithm identifier, private key) of a PKCS#8 document.
fn pkcs8_parts(pkcs8: &[u8]) -> Option<(&[u8], &[u8])> {
    let (0x30, info, _) = der_next(pkcs8)? else {
        return None;
    };
    let (0x02, _version, rest) = der_next(info)? else {
        return None;
    };
    let (0x30, alg, rest) = der_next(rest)? else {
        return None;
    };
    let (0x04, key, _) = der_next(rest)? else {
        return None;
    };
    Some((alg, key))
}

/// The private key inside a PKCS#8 document (PKCS#1 for RSA).
fn pkcs8_inner(pkcs8: &[u8]) -> Option<&[u8]> {
    pkcs8_parts(pkcs8).map(|(_, key)| key)
}

/// Whether a PKCS#8 document holds an EC key (any curve).
fn is_ec(pkcs8: &[u8]) -> bool {
    pkcs8_parts(pkcs8).is_some_and(|(alg, _)| alg.starts_with(OID_EC_PUBLIC_KEY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, decode};

    fn p256_pem() -> String {
        let (_, pem) = SigningKey::generate_p256().unwrap();
        pem.expose().to_string()
    }

    #[test]
    fn p256_keys_sign_assertions_that_verify() {
        let key = SigningKey::from_pem(&p256_pem()).unwrap();
        assert_eq!(key.kind(), KeyType::P256);
        let alg = key.alg(None).unwrap();
        assert_eq!(alg, Algorithm::ES256);
        let jwt = client_assertion(&key, alg, Some("k1"), "cid", "https://as/token", 1000).unwrap();
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.public_jwk()).unwrap();
        let mut v = Validation::new(Algorithm::ES256);
        v.set_audience(&["https://as/token"]);
        v.validate_exp = false;
        let data =
            decode::<Value>(jwt.expose(), &DecodingKey::from_jwk(&jwk).unwrap(), &v).unwrap();
        assert_eq!(data.header.kid.as_deref(), Some("k1"));
        assert_eq!(data.claims["iss"], "cid");
        assert_eq!(data.claims["sub"], "cid");
        assert_eq!(data.claims["exp"], 1060);
        assert_eq!(data.claims["jti"].as_str().unwrap().len(), 22);
        assert!(format!("{key:?}").contains("redacted"));
    }

    #[test]
    fn sec1_keys_are_read() {
        let pem = p256_pem();
        let block = pem::parse(pem.as_bytes()).unwrap();
        let (_, sec1) = pkcs8_parts(block.contents()).unwrap();
        // ring's PKCS#8 carries the ECPrivateKey without parameters.
        let sec1 = pem::encode(&pem::Pem::new("EC PRIVATE KEY", sec1.to_vec()));
        let params =
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
        let key = SigningKey::from_pem(&format!("{params}{sec1}")).unwrap();
        assert_eq!(key.kind(), KeyType::P256);
        assert_eq!(
            key.thumbprint(),
            SigningKey::from_pem(&pem).unwrap().thumbprint()
        );
    }

    #[test]
    fn dpop_proofs_embed_the_public_key() {
        let (key, _) = SigningKey::generate_p256().unwrap();
        let proof = key
            .sign(
                Algorithm::ES256,
                "dpop+jwt",
                None,
                true,
                &json!({"htm": "POST"}),
            )
            .unwrap();
        let header = jsonwebtoken::decode_header(proof.expose()).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        let jwk = header.jwk.unwrap();
        assert_eq!(
            serde_json::to_value(&jwk).unwrap()["x"],
            key.public_jwk()["x"]
        );
        assert_eq!(key.thumbprint().len(), 43);
    }

    #[test]
    fn rfc7638_thumbprint_example() {
        // RFC 7638 §3.1.
        let key = SigningKey {
            kind: KeyType::Rsa,
            encoding: EncodingKey::from_secret(b"unused"),
            public: json!({
                "e": "AQAB",
                "kty": "RSA",
                "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            }),
        };
        assert_eq!(
            key.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn bad_keys_are_described_without_their_content() {
        for (text, want) in [
            ("hello", "not PEM"),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "no private key",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "not an RSA",
            ),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
                "encrypted",
            ),
        ] {
            let err = SigningKey::from_pem(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
            assert!(!err.contains("AAAA"), "{err}");
        }
        let key = SigningKey::from_pem(&p256_pem()).unwrap();
        assert!(
            key.alg(Some(Algorithm::RS256))
                .unwrap_err()
                .contains("cannot sign RS256")
        );
        assert_eq!(parse_alg("EdDSA"), Some(Algorithm::EdDSA));
        assert_eq!(parse_alg("HS256"), None);
    }
}
