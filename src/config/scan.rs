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
pub fn sections_for(source: &str, name: &str) -> Option<String> {
    let mut out = String::new();
    for (path, range) in sections(source)? {
        let keep = match path.as_slice() {
            [] => true,
            [first, ..] if first == "defaults" => true,
            [first] if first == "profiles" => true,
            [first, profile, ..] if first == "profiles" => profile == name,
            _ => return None,
        };
        if keep {
            out.push_str(&source[range]);
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    Some(out)
}

/// The top of the file, before the first table header; `None` when in
/// doubt.
pub fn root(source: &str) -> Option<&str> {
    sections(source)?
        .into_iter()
        .next()
        .map(|(_, range)| &source[range])
}

/// Every section: its header's key path (empty for the top of the file)
/// and its text, header line included.
fn sections(source: &str) -> Option<Vec<(Vec<String>, std::ops::Range<usize>)>> {
    if source.contains("\"\"\"") || source.contains("'''") {
        return None;
    }
    let bytes = source.as_bytes();
    let mut found = Vec::new();
    let mut path = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while let Some(i) = source[at..].find('[') {
        let i = at + i;
        at = i + 1;
        // Only a `[` that starts its line (after blanks) opens a header.
        let line_start = source[..i].rfind('\n').map_or(0, |n| n + 1);
        if !bytes[line_start..i]
            .iter()
            .all(|&b| b == b' ' || b == b'\t')
        {
            continue;
        }
        let line_end = source[i..].find('\n').map_or(source.len(), |n| i + n);
        let header = header_path(&source[i..line_end])?;
        found.push((std::mem::replace(&mut path, header), start..line_start));
        start = line_start;
        at = line_end;
    }
    found.push((path, start..source.len()));
    Some(found)
}

/// The key path of a plain table header line (`[profiles."a b".login]  #
/// note`), or `None`.
fn header_path(line: &str) -> Option<Vec<String>> {
    let mut rest = line.strip_prefix('[')?;
    if rest.starts_with('[') {
        return None;
    }
    let mut path = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        let (key, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"')?;
            let key = &quoted[..end];
            if key.contains('\\') {
                return None;
            }
            (key, &quoted[end + 1..])
        } else if let Some(quoted) = rest.strip_prefix('\'') {
            let end = quoted.find('\'')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            (&rest[..end], &rest[end..])
        };
        if key.chars().any(char::is_control) {
            return None;
        }
        path.push(key.to_string());
        rest = after.trim_start_matches([' ', '\t']);
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
            continue;
        }
        let after = rest.strip_prefix(']')?;
        let after = after.trim_start_matches([' ', '\t']).trim_end_matches('\r');
        return (after.is_empty() || after.starts_with('#')).then_some(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let p = |l: &str| header_path(l);
        assert_eq!(p("[profiles.a]"), Some(vec!["profiles".into(), "a".into()]));
        assert_eq!(
            p("[ profiles . \"a.b\" . 'c' ]  # x\r"),
            Some(vec!["profiles".into(), "a.b".into(), "c".into()])
        );
        for bad in [
            "[[profiles.a]]",
            "[profiles.\"a\\u0041\"]",
            "[profiles.a] x",
            "[profiles.]",
            "[\"a\", \"b\"]",
            "[1, 2]",
            "[profiles.a",
            "[profiles.é]",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn keeps_what_the_profile_needs() {
        let src = "default_profile = \"b\"\n[defaults]\ntimeout = 1\n[profiles.a]\nx = 1\n[profiles.b]\ny = 2\n  [profiles.b.login]\nz = [\n  1,\n]\n[profiles.c]\n";
        assert_eq!(
            sections_for(src, "b").unwrap(),
            "default_profile = \"b\"\n[defaults]\ntimeout = 1\n[profiles.b]\ny = 2\n  [profiles.b.login]\nz = [\n  1,\n]\n"
        );
        assert_eq!(root(src), Some("default_profile = \"b\"\n"));
        assert_eq!(
            sections_for("x = \"\"\"\n[profiles.a]\n\"\"\"\n", "a"),
            None
        );
        assert_eq!(sections_for("[other]\n", "a"), None);
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
            // The first four are usual; the rest, rarer, make doubts.
            let pick = if rng.chance(93) { 4 } else { extras.len() };
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

    /// What the quick selection makes of it, when it is sure.
    fn quick(source: &str, name: Option<&str>) -> Option<String> {
        let path = std::path::Path::new("/c.toml");
        let (config, n) = crate::config::Config::parse_selected(path, source, name)?;
        Some(format!(
            "{:?}",
            config.profile(&n).map_err(|e| (e.message, e.hints))
        ))
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
        let (mut quick_answers, mut with_junk) = (0, 0);
        for seed in 1..1500u64 {
            let start = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let source = config(&mut Rng(start), None);
            for name in NAMES.iter().map(|n| Some(*n)).chain([None]) {
                if let (Some(q), Some(f)) = (quick(&source, name), full(&source, name)) {
                    quick_answers += 1;
                    assert_eq!(q, f, "{name:?} in\n{source}");
                }
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
        assert!(quick_answers > 3000, "{quick_answers}");
        assert!(with_junk > 2000, "{with_junk}");
    }
}
