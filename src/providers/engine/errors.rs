//! Vendors' error bodies: the message a refusal carries, and the error a
//! failure answer becomes (exit 5 for a server problem, 6 for a rejection).

use crate::error::Error;
use crate::http::Response;
use crate::log::sanitize_remote;
use serde_json::Value;

/// Keys that carry a human-readable message in vendors' error bodies.
const MESSAGE_KEYS: &[&str] = &[
    "message",
    "Message",
    "error_description",
    "errorDescription",
    "errorMessage",
    "description",
    "detail",
    "title",
];

/// Keys that carry a machine-readable error code.
const CODE_KEYS: &[&str] = &["error", "errorCode", "error_code", "code"];

/// The message of a vendor's error body, terminal-safe: `code: message`
/// from the usual keys, looked for at the top level and inside `errors`,
/// `error` and `data` (objects, arrays or plain strings).
pub fn remote_message(body: &Value) -> Option<String> {
    let found = messages(body, 0);
    (!found.is_empty()).then(|| found.join("; "))
}

fn messages(value: &Value, depth: usize) -> Vec<String> {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(sanitize_remote(s)),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::String(_) => text(Some(value)).into_iter().collect(),
        Value::Array(items) if depth < 3 => items
            .iter()
            .take(5)
            .flat_map(|item| messages(item, depth + 1))
            .collect(),
        Value::Object(map) => {
            let message = MESSAGE_KEYS.iter().find_map(|k| text(map.get(*k)));
            // String codes only: a numeric one repeats the HTTP status.
            let code = CODE_KEYS
                .iter()
                .find_map(|k| text(map.get(*k).filter(|v| v.is_string())));
            match (code, message) {
                (Some(code), Some(message)) if code != message => {
                    vec![format!("{code}: {message}")]
                }
                (_, Some(message)) => vec![message],
                (code, None) => {
                    let nested: Vec<String> = if depth < 3 {
                        ["errors", "error", "data"]
                            .iter()
                            .filter_map(|k| map.get(*k))
                            .filter(|v| v.is_object() || v.is_array())
                            .flat_map(|v| messages(v, depth + 1))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    if nested.is_empty() {
                        code.into_iter().collect()
                    } else {
                        nested
                    }
                }
            }
        }
        _ => Vec::new(),
    }
}

/// Turns a vendor's failure answer into an error: 5xx is a server problem
/// (exit 5), 400/401/403 a rejection (exit 6, with `hint`), anything else
/// unexpected (exit 5). The server's `message` is shown when it sent one,
/// else an excerpt of the body.
pub(crate) fn vendor_error(
    resp: &Response,
    endpoint: &str,
    hint: &str,
    message: Option<String>,
) -> Error {
    let detail = message.or_else(|| (!resp.body.is_empty()).then(|| resp.excerpt()));
    let mut msg = format!("{endpoint} answered HTTP {}", resp.status);
    if let Some(detail) = detail {
        msg.push_str(&format!(": {detail}"));
    }
    match resp.status {
        500.. => Error::network(msg).hint("the server has a problem; try again later"),
        400 | 401 | 403 if hint.is_empty() => Error::rejected(msg),
        400 | 401 | 403 => Error::rejected(msg).hint(hint),
        _ => Error::network(msg).hint("check the URL in the profile"),
    }
}

/// An RFC 6749 failure answer: a 5xx with an excerpt of its body, else
/// the §5.2 error form (`error`, `error_description`) with a hint for the
/// error codes a profile can fix.
pub(crate) fn rfc6749_error(resp: &Response, endpoint: &str) -> Error {
    if resp.status >= 500 {
        return Error::network(format!(
            "{endpoint} answered HTTP {}: {}",
            resp.status,
            resp.excerpt()
        ))
        .hint("the server has a problem; try again later");
    }
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(|v| v.as_str())
            .map(sanitize_remote)
    };
    let code = field("error");
    let description = field("error_description");
    let mut msg = format!("{endpoint} answered HTTP {}", resp.status);
    if let Some(code) = &code {
        msg.push_str(&format!(": {code}"));
    }
    if let Some(d) = &description {
        msg.push_str(&format!(" ({d})"));
    }
    if code.is_none() && description.is_none() && !resp.body.is_empty() {
        msg.push_str(&format!(": {}", resp.excerpt()));
    }
    let rejected = matches!(resp.status, 400 | 401 | 403)
        && (code.is_some() || matches!(resp.status, 401 | 403));
    if !rejected {
        return Error::network(msg);
    }
    let err = Error::rejected(msg);
    match code.as_deref() {
        Some("invalid_client") | Some("unauthorized_client") => err
            .hint("the client id or client secret is wrong: check client_id and run `authtool login` to store the right secret"),
        Some("invalid_grant") => err.hint(
            "the password or refresh token was not accepted: run `authtool login` to store the right password",
        ),
        Some("invalid_scope") => err.hint("check `scope` in the profile"),
        Some("unsupported_grant_type") => err.hint("check `grant` in the profile"),
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// As a vendor without a message pointer reads a failure.
    fn vendor_error_of(resp: &Response, endpoint: &str, hint: &str) -> Error {
        let message = serde_json::from_slice::<Value>(&resp.body)
            .ok()
            .and_then(|v| remote_message(&v));
        vendor_error(resp, endpoint, hint, message)
    }

    #[test]
    fn vendor_error_messages() {
        let m = |v: serde_json::Value| remote_message(&v);
        assert_eq!(m(json!({"message": "nope"})).as_deref(), Some("nope"));
        assert_eq!(
            m(json!({"errorCode": "ACCOUNT_INACTIVE", "message": "inactive"})).as_deref(),
            Some("ACCOUNT_INACTIVE: inactive")
        );
        assert_eq!(
            m(json!({"data": null, "errors": [{"code": "E1", "message": "bad id"}, "bad \u{1b} secret"]}))
                .as_deref(),
            Some("E1: bad id; bad   secret")
        );
        assert_eq!(
            m(json!({"error": {"code": 401, "message": "Unauthorized"}})).as_deref(),
            Some("Unauthorized")
        );
        assert_eq!(
            m(json!({"error": "invalid_client"})).as_deref(),
            Some("invalid_client")
        );
        assert_eq!(m(json!({"errors": null})), None);
        assert_eq!(m(json!([])), None);

        let resp = crate::providers::test_response;
        let e = vendor_error_of(&resp(401, r#"{"message":"bad key"}"#), "E", "check it");
        assert_eq!(e.kind, crate::Kind::Rejected);
        assert_eq!(e.message, "E answered HTTP 401: bad key");
        assert_eq!(e.hints, ["check it"]);
        assert_eq!(
            vendor_error_of(&resp(503, "busy"), "E", "").kind,
            crate::Kind::Network
        );
        assert_eq!(
            vendor_error_of(&resp(404, ""), "E", "").kind,
            crate::Kind::Network
        );
        assert_eq!(
            vendor_error_of(&resp(404, ""), "E", "").message,
            "E answered HTTP 404"
        );
    }
}
