//! Running `curl` against a fake server: status, headers and body of the
//! final response.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// What `curl` got back.
#[derive(Clone, Debug)]
pub struct CurlOutput {
    /// The HTTP status, or 0 if there was no response (see `exit_code`).
    pub status: u16,
    /// Headers of the final response (after any `100 Continue`).
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// curl's own exit code: 0, or e.g. 52 (empty reply), 18 (partial body),
    /// 28 (timeout).
    pub exit_code: i32,
    /// curl's stderr.
    pub stderr: String,
}

impl CurlOutput {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; panics with the body if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("curl: body is not JSON ({e}): {self:?}"))
    }

    /// The string field `name` of the JSON body; panics if absent.
    pub fn field(&self, name: &str) -> String {
        self.json()[name]
            .as_str()
            .unwrap_or_else(|| panic!("curl: no string field `{name}` in {}", self.body))
            .to_string()
    }
}

/// Runs `curl -q -sS` with `args` (no proxy, no `.curlrc`, 20 s limit) and
/// returns the final response. Panics only if curl cannot be run.
pub fn curl(args: &[&str]) -> CurlOutput {
    curl_with_stdin(args, b"")
}

/// [`curl`] reading `stdin` (for `-H @-` or `-K -`: a credential never in
/// argv).
pub fn curl_with_stdin(args: &[&str], stdin: &[u8]) -> CurlOutput {
    let dir = tempfile::tempdir().expect("curl: temp dir");
    let headers_file = dir.path().join("headers");
    let body_file = dir.path().join("body");
    let mut output = Command::new("curl")
        .args(["-q", "-sS", "--noproxy", "*", "--max-time", "20"])
        .arg("--dump-header")
        .arg(&headers_file)
        .arg("--output")
        .arg(&body_file)
        .args(["--write-out", "%{http_code}"])
        .args(args)
        .env_remove("CURL_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl: cannot run `curl` (is it installed?)");
    // curl may be done before reading all of it (e.g. no `@-` in `args`).
    let _ = output.stdin.take().map(|mut pipe| pipe.write_all(stdin));
    let output = output.wait_with_output().expect("curl: wait");
    let status = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    let raw_headers = std::fs::read_to_string(&headers_file).unwrap_or_default();
    // The last header block is the final response's.
    let last_block = raw_headers
        .split("\r\n\r\n")
        .filter(|block| !block.trim().is_empty())
        .last()
        .unwrap_or("");
    let headers = last_block
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    CurlOutput {
        status,
        headers,
        body: String::from_utf8_lossy(&std::fs::read(&body_file).unwrap_or_default()).into_owned(),
        exit_code: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
