//! The parts of the config text that one profile needs, found without
//! parsing the rest: a cached `authtool token` with a config of a thousand
//! profiles parses one (docs/performance.md).
//!
//! A call for profile `NAME` needs the top of the file (before the first
//! table header: `default_profile`, and dotted keys that may define
//! anything), `[defaults]` and its sub-tables, `[profiles]` (whose keys may
//! define `NAME` too), and `[profiles.NAME]` with its sub-tables. Those
//! sections are cut out, in their order, and parsed as one document; the
//! others are skipped unread. That is the same as parsing the whole file
//! because a section's keys live under its header's path, so
//! `[profiles.OTHER…]` can define nothing of `NAME`.
//!
//! Only table headers are looked at: lines whose first character is `[`.
//! Such a line can be something else only inside a multi-line string or a
//! multi-line array. So the scan gives up (`None`: the caller parses the
//! whole file) on anything it is not sure of:
//!
//! - a multi-line string anywhere (`"""` or `'''` in the file);
//! - a header it cannot read plainly: an array of tables (`[[…]]`), an
//!   escape in a quoted key, a character no bare key has, anything after
//!   the `]` but a comment;
//! - a header outside `defaults` and `profiles` (the full parse reports
//!   it).
//!
//! A line inside a multi-line array that looks like a header (`["x"]` as
//! an element) either fails one of these checks, or cuts a section in two
//! so that the cut-out text does not parse: the caller then parses the
//! whole file too. The unit tests compare this selection with the full
//! parse on generated configs.

/// The sections of `source` that profile `name` needs, in their order, as
/// one TOML document; `None` when in doubt.
#[cfg(test)]
pub fn sections_for(source: &[u8], name: &str) -> Option<String> {
    join(source, &ranges_for(source, name)?)
}

/// Byte ranges of a config file, in order.
pub type Ranges = Vec<std::ops::Range<usize>>;

/// Where the sections that profile `name` needs are in `source`, in their
/// order; `None` when in doubt.
pub fn ranges_for(source: &[u8], name: &str) -> Option<Ranges> {
    let mut ranges = Vec::new();
    each_section(source, &mut |header, text| {
        let keep = match header {
            None => true,
            Some(h) => match (h.first, h.parts) {
                (b"defaults", _) => true,
                (b"profiles", 1) => true,
                (b"profiles", _) => h.second == name.as_bytes(),
                _ => return None,
            },
        };
        if keep {
            let start = text.as_ptr() as usize - source.as_ptr() as usize;
            ranges.push(start..start + text.len());
        }
        Some(())
    })?;
    Some(ranges)
}

/// The text of `ranges` of `source`, one TOML document (each section ends
/// with a newline), without its comment lines; `None` if it is not UTF-8.
///
/// A line whose first non-blank is `#` is a comment wherever it is in a
/// file without multi-line strings (`each_section` gives up on those):
/// dropping it changes nothing the parse returns, and spares the parser
/// the commented-out examples a config is full of. (The messages of a
/// parse that fails come from the whole file: the caller parses it again.)
pub fn join(source: &[u8], ranges: &[std::ops::Range<usize>]) -> Option<String> {
    let mut out = Vec::with_capacity(ranges.iter().map(|r| r.len() + 1).sum());
    for r in ranges {
        for line in source.get(r.clone())?.split_inclusive(|b| *b == b'\n') {
            let first = line.iter().find(|b| !matches!(b, b' ' | b'\t'));
            if first != Some(&b'#') {
                out.extend_from_slice(line);
            }
        }
        if out.last().is_some_and(|b| *b != b'\n') {
            out.push(b'\n');
        }
    }
    String::from_utf8(out).ok()
}

/// The sections of `source` that matching a URL against every profile's
/// `urls` needs: the top of the file, `[defaults]`, `[profiles]` and the
/// tables of each profile whose own tables mention `urls`; a profile that
/// never mentions it has none and cannot match. `None` when in doubt, and
/// when `urls` appears outside a profile's own tables (`[defaults]` gives
/// it to every profile; dotted keys may give it to any).
pub fn sections_for_urls(source: &[u8]) -> Option<String> {
    let mentions = |text: &[u8]| find::contains(b"urls", text);
    let mut with_urls: Vec<&[u8]> = Vec::new();
    each_section(source, &mut |header, text| {
        match header {
            Some(h) if h.first == b"profiles" && h.parts > 1 => {
                if mentions(text) && !with_urls.contains(&h.second) {
                    with_urls.push(h.second);
                }
            }
            _ => {
                if mentions(text) {
                    return None;
                }
            }
        }
        Some(())
    })?;
    let mut out = Vec::new();
    each_section(source, &mut |header, text| {
        let keep = match header {
            Some(h) if h.first == b"profiles" && h.parts > 1 => with_urls.contains(&h.second),
            _ => true,
        };
        if keep {
            out.extend_from_slice(text);
            if out.last().is_some_and(|b| *b != b'\n') {
                out.push(b'\n');
            }
        }
        Some(())
    })?;
    String::from_utf8(out).ok()
}

/// The top of the file, before the first table header; `None` when in
/// doubt.
pub fn root(source: &[u8]) -> Option<&str> {
    let mut root = None;
    each_section(source, &mut |header, text| {
        if header.is_none() {
            root = Some(text);
        }
        Some(())
    })?;
    std::str::from_utf8(root?).ok()
}

/// A plain table header: how many keys its path has, and the first two.
#[derive(Clone, Copy)]
struct Header<'a> {
    parts: usize,
    first: &'a [u8],
    second: &'a [u8],
}

/// Calls `each` with every section: its header (`None` for the top of the
/// file) and its text, header line included; `None` when in doubt.
///
/// One pass of `memchr` over the `[` of the file (a pass over its quotes
/// before it looks for multi-line strings): a `[` that is not the first
/// non-blank of its line costs a look at the bytes before it, a header a
/// look at its own line; the lines in between are never read.
fn each_section<'a>(
    source: &'a [u8],
    each: &mut dyn FnMut(Option<Header<'a>>, &'a [u8]) -> Option<()>,
) -> Option<()> {
    if find::contains(b"\"\"\"", source) || find::contains(b"'''", source) {
        return None;
    }
    let mut header = None;
    let mut start = 0;
    let mut done_to = 0;
    for i in find::iter(b'[', source) {
        if i < done_to {
            continue;
        }
        // Only a `[` that starts its line (after blanks) opens a header.
        let mut line_start = i;
        while line_start > 0 && matches!(source[line_start - 1], b' ' | b'\t') {
            line_start -= 1;
        }
        if line_start > 0 && source[line_start - 1] != b'\n' {
            continue;
        }
        let (next, len) = header_path(&source[i..])?;
        each(header.replace(next), &source[start..line_start])?;
        start = line_start;
        done_to = i + len;
    }
    each(header, &source[start..])
}

/// The key path of the plain table header at the start of `text`
/// (`[profiles."a b".login]  # note`), and the length of its line (without
/// the newline); `None` when it is not one.
fn header_path(text: &[u8]) -> Option<(Header<'_>, usize)> {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let skip_blanks = |s: &[u8]| -> usize { s.iter().take_while(|b| blank(b)).count() };
    let mut rest = text.strip_prefix(b"[")?;
    if rest.first() == Some(&b'[') {
        return None;
    }
    let mut header = Header {
        parts: 0,
        first: b"",
        second: b"",
    };
    loop {
        rest = &rest[skip_blanks(rest)..];
        let (key, after) = match rest.first()? {
            quote @ (b'"' | b'\'') => {
                let end = find::two(*quote, b'\n', &rest[1..])?;
                let key = &rest[1..1 + end];
                if (*quote == b'"' && key.contains(&b'\\'))
                    || key.iter().any(|&c| c < 0x20 || c == 0x7f)
                {
                    return None;
                }
                (key, &rest[end + 2..])
            }
            _ => {
                let end = rest
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-'))
                    .unwrap_or(rest.len());
                if end == 0 {
                    return None;
                }
                (&rest[..end], &rest[end..])
            }
        };
        match header.parts {
            0 => header.first = key,
            1 => header.second = key,
            _ => {}
        }
        header.parts += 1;
        rest = &after[skip_blanks(after)..];
        if let Some(after) = rest.strip_prefix(b".") {
            rest = after;
            continue;
        }
        let after = rest.strip_prefix(b"]")?;
        let after = &after[skip_blanks(after)..];
        let line = text.len() - after.len();
        return match after {
            [] | [b'\r'] | [b'\n', ..] => Some((header, line)),
            [b'\r', b'\n', ..] => Some((header, line + 1)),
            [b'#', ..] => Some((
                header,
                line + find::one(b'\n', after).unwrap_or(after.len()),
            )),
            _ => None,
        };
    }
}

/// Byte searches with `memchr`'s SSE2 code on x86-64, where SSE2 is part
/// of every CPU: the crate's own functions pick AVX2 when the CPU has it,
/// and finding out costs the first call eight `cpuid` instructions, each
/// of which traps to the hypervisor in a virtual machine (~55 µs in all
/// on the benchmark machine, a tenth of a cached `authtool token`,
/// docs/performance.md). A config file is short: SSE2's 16 bytes at a time
/// are plenty. Elsewhere the crate's functions (no detection there).
mod find {
    /// The first `a` in `hay`.
    pub fn one(a: u8, hay: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(s) = memchr::arch::x86_64::sse2::memchr::One::new(a) {
            return s.find(hay);
        }
        memchr::memchr(a, hay)
    }

    /// The first `a` or `b` in `hay`.
    pub fn two(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(s) = memchr::arch::x86_64::sse2::memchr::Two::new(a, b) {
            return s.find(hay);
        }
        memchr::memchr2(a, b, hay)
    }

    /// Whether `needle` (two bytes or more) is in `hay`.
    pub fn contains(needle: &[u8], hay: &[u8]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(f) = memchr::arch::x86_64::sse2::packedpair::Finder::new(needle) {
            return if hay.len() >= f.min_haystack_len() {
                f.find(hay, needle).is_some()
            } else {
                hay.windows(needle.len()).any(|w| w == needle)
            };
        }
        memchr::memmem::find(hay, needle).is_some()
    }

    /// Every `a` in `hay`, in order.
    pub fn iter(a: u8, hay: &[u8]) -> impl Iterator<Item = usize> + '_ {
        each(hay, move |rest| one(a, rest))
    }

    fn each<'a>(
        hay: &'a [u8],
        find: impl Fn(&[u8]) -> Option<usize> + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        let mut at = 0;
        std::iter::from_fn(move || {
            let i = at + find(hay.get(at..)?)?;
            at = i + 1;
            Some(i)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header's key count and first two keys, as text.
    fn path(line: &str) -> Option<(usize, String, String)> {
        header_path(line.as_bytes()).map(|(h, _)| {
            (
                h.parts,
                String::from_utf8_lossy(h.first).into_owned(),
                String::from_utf8_lossy(h.second).into_owned(),
            )
        })
    }

    #[test]
    fn finds_every_byte_asked_for() {
        // Longer than one 16-byte block, hits at both ends and across blocks.
        let hay = b"[a]\n# x = 'y'\n[profiles.\"b\"]\nk = \"v\"\n[";
        let naive = |set: &[u8]| -> Vec<usize> {
            (0..hay.len()).filter(|i| set.contains(&hay[*i])).collect()
        };
        assert_eq!(find::iter(b'[', hay).collect::<Vec<_>>(), naive(b"["));
        assert_eq!(find::one(b'\n', hay), naive(b"\n").first().copied());
        assert_eq!(find::two(b'k', b'#', hay), Some(4));
        assert_eq!(find::one(b'z', hay), None);
        assert_eq!(find::iter(b'[', b"").count(), 0);
        for (needle, hay, found) in [
            (&b"\"\"\""[..], &b"a = \"\"\"\nb\n\"\"\"\n"[..], true),
            (
                b"\"\"\"",
                b"a = \"\"\nb = \"x\"\n[profiles.a]\nc = ''\n",
                false,
            ),
            (b"'''", b"'''", true),
            (b"'''", b"''", false),
            (b"urls", b"[p]\nurls = []", true),
            (
                b"urls",
                b"[p]\nurl = 1\nrls = 2\n# lots of padding to be longer than a block",
                false,
            ),
        ] {
            assert_eq!(find::contains(needle, hay), found, "{hay:?}");
        }
    }

    #[test]
    fn headers() {
        assert_eq!(
            path("[profiles.a]"),
            Some((2, "profiles".into(), "a".into()))
        );
        assert_eq!(
            path("[ profiles . \"a.b\" . 'c' ]  # x\r"),
            Some((3, "profiles".into(), "a.b".into()))
        );
        assert_eq!(path("[defaults]"), Some((1, "defaults".into(), "".into())));
        for bad in [
            "[[profiles.a]]",
            "[profiles.\"a\\u0041\"]",
            "[profiles.a] x",
            "[profiles.]",
            "[\"a\", \"b\"]",
            "[1, 2]",
            "[profiles.a",
            "[profiles.é]",
            "[profiles.\"a\u{1}\"]",
        ] {
            assert_eq!(path(bad), None, "{bad}");
        }
    }

    #[test]
    fn keeps_what_the_profile_needs() {
        let src = "default_profile = \"b\"\n[defaults]\ntimeout = 1\n[profiles.a]\nx = 1\n[profiles.b]\ny = 2\n  [profiles.b.login]\nz = [\n  1,\n]\n[profiles.c]\n";
        let src = src.as_bytes();
        assert_eq!(
            sections_for(src, "b").unwrap(),
            "default_profile = \"b\"\n[defaults]\ntimeout = 1\n[profiles.b]\ny = 2\n  [profiles.b.login]\nz = [\n  1,\n]\n"
        );
        assert_eq!(root(src), Some("default_profile = \"b\"\n"));
        assert_eq!(
            sections_for(b"x = \"\"\"\n[profiles.a]\n\"\"\"\n", "a"),
            None
        );
        assert_eq!(sections_for(b"[other]\n", "a"), None);
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }
    }

    const NAMES: &[&str] = &["a", "b", "a.b", "c-d", "x y"];

    /// How a header names profile `name`: bare when it can, else quoted.
    fn key(rng: &mut Rng, name: &str) -> String {
        let bare = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        match rng.below(3) {
            0 if bare => name.to_string(),
            1 => format!("'{name}'"),
            _ => format!("\"{name}\""),
        }
    }

    /// A profile's body: valid keys, and now and then the unusual.
    /// `broken`: its `client_id` line is not TOML (the line count stays).
    fn body(rng: &mut Rng, name: &str, broken: bool) -> String {
        let mut s = String::new();
        if rng.chance(90) {
            s.push_str("provider = \"oauth2\"\ntoken_url = \"https://auth.example.com/t\"\n");
        }
        let eq = if broken { "= =" } else { "=" };
        s.push_str(&format!("client_id {eq} \"id-{}\"\n", rng.below(3)));
        let extras = [
            "timeout = \"7s\"\n".to_string(),
            "urls = [\n  \"https://git.example.com/\",\n  # [profiles.b]\n]\n".to_string(),
            "env = { T = \"token\" }\n".to_string(),
            format!("# [profiles.{name}]\n"),
            "\t# client_id = \"commented-out\"\r\n  #\n".to_string(),
            "scope = \"\"\"\n[profiles.a]\nclient_id = \"evil\"\n\"\"\"\n".to_string(),
            "scope = '''\n[profiles.b]\n'''\n".to_string(),
            "extra = [\n[\"a\"],\n]\n".to_string(),
            "extra = [\n  [\"profiles\"],\n]\n".to_string(),
            "extra.x = \"y\"\n".to_string(),
            "client_auth = \"body\"\n".to_string(),
            "refresh_margin = \"soon\"\n".to_string(),
        ];
        let mut used = Vec::new();
        for _ in 0..rng.below(3) {
            // The first five are usual; the rest, rarer, make doubts.
            let pick = if rng.chance(93) { 5 } else { extras.len() };
            let i = rng.below(pick);
            if !used.contains(&i) {
                used.push(i);
                s.push_str(&extras[i]);
            }
        }
        s
    }

    /// A config of random profiles, each in one of the forms TOML allows;
    /// the tables of profile `junk` hold a line that is not TOML.
    fn config(rng: &mut Rng, junk: Option<&str>) -> String {
        let mut root = String::new();
        let mut s = String::new();
        if rng.chance(40) {
            root.push_str(&format!(
                "default_profile = \"{}\"\n",
                NAMES[rng.below(NAMES.len())]
            ));
        }
        if rng.chance(3) {
            root.push_str("bogus = 1\n");
        }
        // Each profile once, in a random order; now and then one twice.
        let mut order: Vec<&str> = NAMES.to_vec();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        if rng.chance(5) {
            order.push(NAMES[rng.below(NAMES.len())]);
        }
        let plain = "provider = \"oauth2\", token_url = \"https://auth.example.com/t\"";
        for name in order {
            let k = key(rng, name);
            match rng.below(100) {
                0..75 => {
                    let pad = ["", " ", "\t"][rng.below(3)];
                    s.push_str(&format!("{pad}[profiles.{k}]{pad}\n"));
                    s.push_str(&body(rng, name, junk == Some(name)));
                    if rng.chance(15) {
                        s.push_str(&format!("[profiles.{k}.extra]\nk = \"v\"\n"));
                    }
                }
                75..83 => {
                    s.push_str(&format!(
                        "[profiles]\n{k}.provider = \"oauth2\"\n{k}.token_url = \"https://auth.example.com/t\"\n{k}.client_id = \"id-7\"\n"
                    ));
                    if rng.chance(50) {
                        // A sub-table of a table made by dotted keys.
                        s.push_str(&format!("[profiles.{k}.extra]\nk = \"v\"\n"));
                    }
                }
                83..90 => root.push_str(&format!(
                    "profiles.{k}.provider = \"oauth2\"\nprofiles.{k}.token_url = \"https://auth.example.com/t\"\nprofiles.{k}.client_id = \"id-8\"\n"
                )),
                90..95 => s.push_str(&format!(
                    "[profiles]\n{k} = {{ {plain}, client_id = \"id-9\" }}\n"
                )),
                _ => {}
            }
            match rng.below(100) {
                0..10 => s.push_str("[defaults]\ntimeout = \"9s\"\n"),
                10..13 => s.push_str("[defaults.env]\nX = \"token\"\n"),
                13 => s.push_str(&format!("[[profiles.{k}.list]]\nk = 1\n")),
                14 => s.push_str("[other]\nk = 1\n"),
                _ => {}
            }
            if rng.chance(20) {
                s.push_str("\n# a comment [profiles.a]\n\n");
            }
        }
        root + &s
    }

    /// What the full parse makes of profile `name` (or the default);
    /// `None` when the file does not parse at all.
    fn full(source: &str, name: Option<&str>) -> Option<String> {
        let path = std::path::Path::new("/c.toml");
        let config = crate::config::Config::parse(path, source.to_string()).ok()?;
        let result = config.select(name).and_then(|n| config.profile(&n));
        Some(format!("{:?}", result.map_err(|e| (e.message, e.hints))))
    }

    /// What the quick selection makes of it, when it is sure (an invalid
    /// profile is never its answer: the full parse words the error).
    fn quick(source: &str, name: Option<&str>) -> Option<String> {
        let path = std::path::Path::new("/c.toml");
        let ((_, profile), _) =
            crate::config::Config::parse_selected(path, source.as_bytes(), name.map(String::from))?;
        Some(format!("{:?}", Ok::<_, ()>(profile)))
    }

    /// Generated configs: wherever the quick selection answers, it answers
    /// what the full parse does, located error messages included; and a
    /// syntax error in another profile's table never changes its answer.
    /// (A file that does not parse as a whole because of how other
    /// profiles' tables clash is reported by `config check` and `status`;
    /// the quick selection may still serve the profile asked for, whose own
    /// tables are read the same.)
    #[test]
    fn agrees_with_the_full_parse() {
        let (mut quick_answers, mut with_junk, mut url_answers) = (0, 0, 0);
        for seed in 1..1500u64 {
            let start = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let source = config(&mut Rng(start), None);
            for name in NAMES.iter().map(|n| Some(*n)).chain([None]) {
                if let (Some(q), Some(f)) = (quick(&source, name), full(&source, name)) {
                    quick_answers += 1;
                    assert_eq!(q, f, "{name:?} in\n{source}");
                }
            }
            // Which profile serves a URL: the same with only the profiles
            // that mention `urls`, whenever the whole file validates.
            let path = std::path::Path::new("/c.toml");
            let target = crate::urlmatch::Target::parse("https://git.example.com/x.git").unwrap();
            let shown = |c: crate::error::Result<crate::config::Config>| {
                c.and_then(|c| c.profile_for_url(&target))
                    .map(|p| p.map(|p| format!("{p:?}")))
                    .map_err(|e| e.message)
            };
            let full_urls = shown(crate::config::Config::parse(path, source.clone()));
            if full_urls.is_ok() {
                url_answers += 1;
                let part = shown(crate::config::Config::parse_for_urls(path, source.clone()));
                assert_eq!(part, full_urls, "{source}");
            }
            // The same file with a broken line in one profile's tables.
            let junk = NAMES[(seed % NAMES.len() as u64) as usize];
            let broken = config(&mut Rng(start), Some(junk));
            for name in NAMES.iter().filter(|n| **n != junk) {
                if let (Some(q), Some(f)) = (quick(&broken, Some(name)), full(&source, Some(name)))
                {
                    with_junk += 1;
                    assert_eq!(q, f, "{name:?} in\n{broken}");
                }
            }
        }
        // The generator must exercise the quick path, not only the doubts.
        assert!(url_answers > 300, "{url_answers}");
        assert!(quick_answers > 3000, "{quick_answers}");
        assert!(with_junk > 2000, "{with_junk}");
    }
}

#[cfg(test)]
mod big {
    /// A config of a thousand profiles takes the quick path.
    #[test]
    fn a_thousand_profiles_take_the_quick_path() {
        let mut text = String::from("[defaults]\ntimeout = \"30s\"\n");
        for i in 0..1000 {
            if i == 500 {
                text.push_str("\n[profiles.bench]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:1/t\"\nclient_id = \"c\"\nurls = [\"https://bench.example.com/\"]\n");
            }
            text.push_str(&format!("\n# Team {i}'s API.\n[profiles.team-{i}]\nprovider = \"oauth2\"\ntoken_url = \"https://auth{i}.example.com/oauth2/token\"\nclient_id = \"team-{i}-client\"\nclient_secret_env = \"TEAM_{i}_SECRET\"\nscope = \"api.read api.write\"\ntimeout = \"20s\"\n"));
        }
        let part = super::sections_for(text.as_bytes(), "bench").unwrap();
        assert!(part.len() < 300, "{part}");
        let found = crate::config::Config::parse_selected(
            std::path::Path::new("c"),
            text.as_bytes(),
            Some("bench".to_string()),
        );
        assert!(found.is_some());
    }
}
