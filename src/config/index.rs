//! Where one profile's sections sit in a large config file, remembered
//! between calls, so that a cached `authtool token` reads only those bytes:
//! the same cost with 1,000 profiles as with one (docs/performance.md).
//!
//! An entry (`{cache}/config-index/<hash of path and selection>`) records
//! its key (the path and the selection, in hex), the config file's identity — device, inode, size, mtime and ctime, to
//! the nanosecond — the selected profile's name and the byte ranges that
//! [`super::scan::ranges_for`] chose. It is used only while the file's
//! identity is exactly the recorded one, and written only for a file whose
//! mtime and ctime are both [`SETTLED`] in the past. That is git's answer
//! to "racy" files: a change within the same clock tick as the recording
//! could keep size and timestamps equal, but a file changed after the
//! recording gets a later ctime (the kernel sets it; no program can set it
//! back), so it cannot look the same. Anything unexpected (no entry, another
//! file, a damaged entry, a range past the end) and the caller scans the
//! whole file as before; the index can make a call faster, never different.

use std::fs::Metadata;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Below this size scanning the file costs no more than reading an entry.
pub const MIN_SIZE: u64 = 64 * 1024;

/// How old the file's last change must be before its sections are recorded.
pub const SETTLED: Duration = Duration::from_secs(2);

const MAGIC: &str = "authtool config index 2";

/// A config file's identity: device, inode, size, mtime and ctime (ns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp([i128; 5]);

impl Stamp {
    #[cfg(unix)]
    pub fn of(meta: &Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        Stamp([
            i128::from(meta.dev()),
            i128::from(meta.ino()),
            i128::from(meta.size()),
            ns(meta.mtime(), meta.mtime_nsec()),
            ns(meta.ctime(), meta.ctime_nsec()),
        ])
    }

    /// Whether the file last changed at least [`SETTLED`] before `now`.
    #[cfg(unix)]
    fn settled(&self, now: SystemTime) -> bool {
        let Ok(now) = now.duration_since(SystemTime::UNIX_EPOCH) else {
            return false;
        };
        let latest = self.0[3].max(self.0[4]);
        latest + (SETTLED.as_nanos() as i128) <= now.as_nanos() as i128
    }
}

/// The key of the entry for `config` and `selection` (the explicit profile
/// name, or empty for the config's `default_profile`), in hex.
fn key(config: &Path, selection: &str) -> String {
    let mut key = config.as_os_str().as_encoded_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(selection.as_bytes());
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the entry of `key` lives: named by its FNV-1a hash. Not SHA-256:
/// ring's first digest detects the CPU's features with `cpuid`
/// instructions, each a trap to the hypervisor in a virtual machine
/// (docs/performance.md); a name needs no cryptography, as an entry records
/// its whole key and serves only that key.
fn entry_path(cache: &Path, key: &str) -> PathBuf {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    cache.join("config-index").join(format!("{hash:016x}"))
}

/// The selected profile's name and its ranges, when an entry records
/// exactly this file.
pub fn lookup(
    cache: &Path,
    config: &Path,
    selection: &str,
    stamp: Stamp,
) -> Option<(String, super::scan::Ranges)> {
    let key = key(config, selection);
    let bytes =
        crate::fsutil::read_limited(&entry_path(cache, &key), 64 * 1024, true, "").ok()??;
    let (recorded_key, recorded, name, ranges) = parse(std::str::from_utf8(&bytes).ok()?)?;
    let size = usize::try_from(stamp.0[2]).ok()?;
    let fits = ranges.iter().all(|r| r.start <= r.end && r.end <= size);
    (recorded_key == key
        && recorded == stamp
        && fits
        && (selection.is_empty() || selection == name))
        .then_some((name, ranges))
}

/// Records the ranges of profile `name` for `selection` in `config`, when
/// the file has settled; a failure only loses the shortcut.
pub fn store(
    cache: &Path,
    config: &Path,
    selection: &str,
    stamp: Stamp,
    name: &str,
    ranges: &[Range<usize>],
) {
    #[cfg(unix)]
    if !stamp.settled(SystemTime::now()) {
        return;
    }
    let key = key(config, selection);
    let path = entry_path(cache, &key);
    let Some(dir) = path.parent() else { return };
    if crate::fsutil::private_dir(dir).is_ok() {
        let _ = crate::fsutil::write_atomic(&path, format(&key, stamp, name, ranges).as_bytes());
    }
}

fn format(key: &str, stamp: Stamp, name: &str, ranges: &[Range<usize>]) -> String {
    let [dev, ino, size, mtime, ctime] = stamp.0;
    let mut text =
        format!("{MAGIC}\nkey {key}\nstamp {dev} {ino} {size} {mtime} {ctime}\nname {name}\n");
    for r in ranges {
        text.push_str(&format!("range {} {}\n", r.start, r.end));
    }
    text
}

fn parse(text: &str) -> Option<(String, Stamp, String, super::scan::Ranges)> {
    let mut lines = text.lines();
    (lines.next()? == MAGIC).then_some(())?;
    let key = lines.next()?.strip_prefix("key ")?.to_string();
    let mut stamp = [0i128; 5];
    let mut fields = lines.next()?.strip_prefix("stamp ")?.split(' ');
    for slot in &mut stamp {
        *slot = fields.next()?.parse().ok()?;
    }
    fields.next().is_none().then_some(())?;
    let name = lines.next()?.strip_prefix("name ")?.to_string();
    let mut ranges = Vec::new();
    for line in lines {
        let (start, end) = line.strip_prefix("range ")?.split_once(' ')?;
        ranges.push(start.parse().ok()?..end.parse().ok()?);
    }
    Some((key, Stamp(stamp), name, ranges))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_and_damage_is_ignored() {
        let stamp = Stamp([1, 2, 300, 4, 5]);
        let text = format("2f00", stamp, "a b", &[0..10, 20..300]);
        assert_eq!(
            parse(&text),
            Some((
                "2f00".to_string(),
                stamp,
                "a b".to_string(),
                vec![0..10, 20..300]
            ))
        );
        for bad in [
            text.replace("index 2", "index 1"),
            text.replace("key ", "kee "),
            text.replace("stamp 1 ", "stamp x "),
            text.replace(" 5\n", " 5 6\n"),
            text.replace("range 0 10", "range 0"),
            text.replace("name ", "nom "),
            String::new(),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn only_a_settled_file_is_recorded() {
        let t = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let changed_at = |secs: i128| Stamp([0, 0, 0, secs * 1_000_000_000, 0]);
        assert!(changed_at(100).settled(t(102)));
        assert!(!changed_at(100).settled(t(101)));
        // A ctime later than the mtime (`touch -d` of an old date) counts.
        assert!(!Stamp([0, 0, 0, 0, 100_000_000_000]).settled(t(101)));
    }

    #[test]
    fn another_file_or_selection_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path();
        let config = Path::new("/home/u/.config/authtool/config.toml");
        let old = Stamp([1, 2, 300, 4, 5]);
        store(cache, config, "a", old, "a", &[0..10, 12..20]);
        assert_eq!(
            lookup(cache, config, "a", old),
            Some(("a".into(), vec![0..10, 12..20]))
        );
        // Another ctime: the file was written since.
        assert_eq!(lookup(cache, config, "a", Stamp([1, 2, 300, 4, 6])), None);
        assert_eq!(lookup(cache, config, "b", old), None);
        assert_eq!(lookup(cache, Path::new("/other.toml"), "a", old), None);
        // A range past the end of the file.
        store(cache, config, "c", old, "c", &[0..10, 12..301]);
        assert_eq!(lookup(cache, config, "c", old), None);
        // An entry found under the key's name serves only its own key (a
        // hash collision, or a file copied there).
        let other = Path::new("/home/v/config.toml");
        std::fs::copy(
            entry_path(cache, &key(config, "a")),
            entry_path(cache, &key(other, "a")),
        )
        .unwrap();
        assert_eq!(lookup(cache, other, "a", old), None);
        // The default selection records the name it chose.
        store(cache, config, "", old, "d", &[5..6, 7..8]);
        assert_eq!(
            lookup(cache, config, "", old),
            Some(("d".into(), vec![5..6, 7..8]))
        );
    }
}
