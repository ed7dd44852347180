//! HTTP/1.1 framing for [`FakeServer`](super::fake::FakeServer): reads one
//! request (Content-Length or chunked body, `Expect: 100-continue`,
//! keep-alive) and writes one response. Written on `std::net` rather than a
//! server crate so faults can close a connection mid-exchange.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use super::codec::form_decode_lossy;
use super::fake::{Request, Response};

/// Limit on the request line plus headers.
const MAX_HEAD: usize = 64 * 1024;
/// Limit on a request body.
const MAX_BODY: usize = 8 * 1024 * 1024;

pub(super) enum ReadError {
    /// The client closed the connection between requests.
    Closed,
    Io(io::Error),
    /// Not HTTP we understand: answer 400 and close.
    Malformed(String),
    /// Over a size limit: answer 413 (or 431) and close.
    TooLarge(u16),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// A parsed request and whether the connection may carry another one.
pub(super) struct Incoming {
    pub request: Request,
    pub keep_alive: bool,
}

pub(super) fn read_request(
    reader: &mut BufReader<TcpStream>,
    out: &mut TcpStream,
) -> Result<Incoming, ReadError> {
    let mut budget = MAX_HEAD;

    // RFC 9112 §2.2: ignore empty lines before the request line.
    let request_line = loop {
        match read_line(reader, &mut budget)? {
            None => return Err(ReadError::Closed),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Malformed(format!(
            "bad request line `{request_line}`"
        )));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => {
            return Err(ReadError::Malformed(format!(
                "unsupported version `{version}`"
            )));
        }
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ReadError::Malformed(format!("bad method `{method}`")));
    }

    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, &mut budget)?
            .ok_or_else(|| ReadError::Malformed("connection closed inside the headers".into()))?;
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            return Err(ReadError::Malformed("obsolete header folding".into()));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| ReadError::Malformed(format!("bad header line `{line}`")))?;
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(ReadError::Malformed(format!("bad header name `{name}`")));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }

    let header = |name: &str| {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let has_token = |name: &str, token: &str| {
        header(name)
            .iter()
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };

    let chunked = match header("transfer-encoding").as_slice() {
        [] => false,
        [te] if te.trim().eq_ignore_ascii_case("chunked") => true,
        other => {
            return Err(ReadError::Malformed(format!(
                "unsupported Transfer-Encoding {other:?}"
            )));
        }
    };
    let lengths = header("content-length");
    let length = match lengths.as_slice() {
        [] => None,
        [first, rest @ ..] if rest.iter().all(|v| v == first) => Some(
            first
                .parse::<usize>()
                .map_err(|_| ReadError::Malformed(format!("bad Content-Length `{first}`")))?,
        ),
        _ => return Err(ReadError::Malformed("conflicting Content-Length".into())),
    };
    if chunked && length.is_some() {
        return Err(ReadError::Malformed(
            "both Transfer-Encoding and Content-Length".into(),
        ));
    }
    if length.is_some_and(|n| n > MAX_BODY) {
        return Err(ReadError::TooLarge(413));
    }

    let expects_body = chunked || length.is_some_and(|n| n > 0);
    if expects_body && has_token("expect", "100-continue") && !http10 {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        out.flush()?;
    }

    let body = if chunked {
        read_chunked(reader, &mut budget)?
    } else {
        let mut body = vec![0; length.unwrap_or(0)];
        reader.read_exact(&mut body)?;
        body
    };

    let keep_alive = if http10 {
        has_token("connection", "keep-alive")
    } else {
        !has_token("connection", "close")
    };

    // Absolute-form targets (`http://host/path`) are reduced to the path.
    let origin = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
        .map_or(target, |rest| rest.find('/').map_or("/", |i| &rest[i..]));
    let origin = origin.split_once('#').map_or(origin, |(before, _)| before);
    let (path, raw_query) = origin.split_once('?').unwrap_or((origin, ""));

    Ok(Incoming {
        request: Request {
            method: method.to_string(),
            target: target.to_string(),
            path: if path.is_empty() { "/" } else { path }.to_string(),
            raw_query: raw_query.to_string(),
            query: form_decode_lossy(raw_query),
            headers,
            body,
        },
        keep_alive,
    })
}

/// Reads one CRLF- (or LF-) terminated line within the head budget.
fn read_line(
    reader: &mut BufReader<TcpStream>,
    budget: &mut usize,
) -> Result<Option<String>, ReadError> {
    let mut buf = Vec::new();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX) + 1;
    let n = reader.by_ref().take(limit).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget {
        return Err(ReadError::TooLarge(431));
    }
    *budget -= n;
    if buf.pop() != Some(b'\n') {
        return Err(ReadError::Malformed("connection closed mid-line".into()));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| ReadError::Malformed("request head is not UTF-8".into()))
}

fn read_chunked(
    reader: &mut BufReader<TcpStream>,
    budget: &mut usize,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader, budget)?
            .ok_or_else(|| ReadError::Malformed("connection closed inside a chunk".into()))?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| ReadError::Malformed(format!("bad chunk size `{line}`")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while read_line(reader, budget)?.is_some_and(|l| !l.is_empty()) {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::TooLarge(413));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Malformed("chunk not followed by CRLF".into()));
        }
    }
}

/// Writes a complete response. `Content-Length` and `Connection` are always
/// set here; any the response carries are ignored.
pub(super) fn write_response(
    out: &mut TcpStream,
    response: &Response,
    keep_alive: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(256 + response.body.len());
    write!(
        buf,
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    )?;
    for (name, value) in &response.headers {
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("connection") {
            continue;
        }
        write!(buf, "{name}: {value}\r\n")?;
    }
    write!(buf, "Content-Length: {}\r\n", response.body.len())?;
    if !keep_alive {
        buf.extend_from_slice(b"Connection: close\r\n");
    }
    buf.extend_from_slice(b"\r\n");
    if !head_only {
        buf.extend_from_slice(&response.body);
    }
    out.write_all(&buf)?;
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}
