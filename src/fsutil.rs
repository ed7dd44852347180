//! Files written the safe way: private directories (0700), private files
//! (0600), atomic replacement (temp file in the same directory + rename),
//! and cross-process locks on a separate lock file.
//!
//! Every file authtool reads or locks is opened here, the same safe way:
//! never blocking (`O_NONBLOCK`), only regular files, and reads capped.
//! Its own files (cache, markers, locks, the `file` store) are also opened
//! without following a symbolic link (`O_NOFOLLOW`) and must be owned by
//! the user; its directories must not be writable by group or others (as
//! ssh does with `~/.ssh`): one the user owns is repaired, another refused.

use crate::error::{Error, Kind, Result};
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// The most authtool reads of one of its own files (cache, marker, store).
pub const MAX_OWN_FILE: u64 = 16 * 1024 * 1024;

/// Creates `dir` (and parents) with mode 0700 where it is created. An
/// existing `dir` must be owned by the user; one writable by group or
/// others is set back to 0700.
pub fn private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Error::internal(format!("cannot create directory {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = fs::metadata(dir)
            .map_err(|e| Error::internal(format!("cannot inspect {}: {e}", dir.display())))?;
        let me = euid();
        if meta.uid() != me {
            return Err(refuse(
                dir,
                &format!("it is owned by uid {}, not by you (uid {me})", meta.uid()),
            )
            .hint(format!(
                "remove it (`rm -r {}`): authtool creates it again, private",
                dir.display()
            )));
        }
        if meta.mode() & 0o022 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| {
                Error::config(format!(
                    "the directory {} is writable by others and cannot be made private: {e}",
                    dir.display()
                ))
                .hint(format!("run `chmod 700 {}`", dir.display()))
            })?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// authtool will not use `path`, for the reason `why` (exit 2).
fn refuse(path: &Path, why: &str) -> Error {
    Error::config(format!("refusing to use {}: {why}", path.display()))
}

/// What a file that is not a regular file is, in words.
fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Opens `path` with `options`, never blocking and, when `own`, never
/// following a symbolic link; then checks that it is a regular file and,
/// when `own`, that the user owns it (a file others may read is set back to
/// 0600). `Ok(None)`: it does not exist.
fn open_checked(
    path: &Path,
    options: &mut OpenOptions,
    own: bool,
    what: &str,
) -> Result<Option<(File, Metadata)>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if own { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    let remove_hint = || {
        format!(
            "remove it (`rm {}`): authtool creates its own files again",
            path.display()
        )
    };
    let verb = if what == "lock file " { "open" } else { "read" };
    let cannot = |e: &std::io::Error| {
        let kind = if own { Kind::Internal } else { Kind::Config };
        Error::new(kind, format!("cannot {verb} {what}{}: {e}", path.display()))
    };
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            // A link not followed (ELOOP), a FIFO without a reader (ENXIO)…
            if let Ok(meta) = fs::symlink_metadata(path) {
                let t = meta.file_type();
                if (own && t.is_symlink()) || !(t.is_file() || t.is_symlink() || t.is_dir()) {
                    let err = refuse(
                        path,
                        &format!("it is {}, not a regular file", kind_of(&meta)),
                    );
                    return Err(if own { err.hint(remove_hint()) } else { err });
                }
            }
            return Err(cannot(&e));
        }
    };
    let meta = file
        .metadata()
        .map_err(|e| Error::internal(format!("cannot inspect {what}{}: {e}", path.display())))?;
    // A directory fails as reading one always did (EISDIR).
    #[cfg(unix)]
    if meta.is_dir() {
        return Err(cannot(&std::io::Error::from_raw_os_error(libc::EISDIR)));
    }
    if !meta.is_file() {
        let err = refuse(
            path,
            &format!("it is {}, not a regular file", kind_of(&meta)),
        );
        return Err(if own { err.hint(remove_hint()) } else { err });
    }
    #[cfg(unix)]
    if own {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let me = euid();
        if meta.uid() != me {
            return Err(refuse(
                path,
                &format!("it is owned by uid {}, not by you (uid {me})", meta.uid()),
            )
            .hint(remove_hint()));
        }
        if meta.mode() & 0o077 != 0 {
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(|e| {
                    Error::internal(format!("cannot make {} private: {e}", path.display()))
                })?;
        }
    }
    Ok(Some((file, meta)))
}

/// Reads `path`, which may not exist (`Ok(None)`), at most `limit` bytes:
/// a regular file only, never blocking. `own`: one of authtool's own files
/// (see the module docs). `what` names it in errors (`"config file "`).
pub fn read_limited(path: &Path, limit: u64, own: bool, what: &str) -> Result<Option<Vec<u8>>> {
    match open_limited(path, limit, own, what)? {
        Some((file, meta)) => read_opened(path, file, &meta, limit, what).map(Some),
        None => Ok(None),
    }
}

/// Opens `path` for reading as [`read_limited`] does, without reading it:
/// the file and its metadata (a file over `limit` bytes is refused).
pub fn open_limited(
    path: &Path,
    limit: u64,
    own: bool,
    what: &str,
) -> Result<Option<(File, Metadata)>> {
    let Some((file, meta)) = open_checked(path, OpenOptions::new().read(true), own, what)? else {
        return Ok(None);
    };
    if meta.len() > limit {
        return Err(too_big(path, limit, what));
    }
    Ok(Some((file, meta)))
}

/// Reads a file [`open_limited`] opened, to its end (at most `limit` bytes).
pub fn read_opened(
    path: &Path,
    file: File,
    meta: &Metadata,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(meta.len() as usize + 1);
    file.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| Error::internal(format!("cannot read {what}{}: {e}", path.display())))?;
    if data.len() as u64 > limit {
        return Err(too_big(path, limit, what));
    }
    Ok(data)
}

fn too_big(path: &Path, limit: u64, what: &str) -> Error {
    refuse(
        path,
        &format!("it is larger than {limit} bytes, the most authtool reads"),
    )
    .hint(format!(
        "check that it is the {}you meant",
        if what.is_empty() { "file " } else { what }
    ))
}

/// Writes `data` to `path` atomically with mode 0600: a crash leaves
/// either the old file or the new one, never a mix.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::internal(format!("{} has no parent directory", path.display())))?;
    private_dir(dir)?;
    let fail = |e: std::io::Error| Error::internal(format!("cannot write {}: {e}", path.display()));
    // tempfile creates the file with mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(data).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    remove_stale_temps(dir);
    Ok(())
}

/// Replaces another program's file (`setup`: a tool's config) atomically,
/// keeping its permissions (a new file gets 0600). Unlike [`write_atomic`]
/// it leaves the modes of existing directories alone (the directory is the
/// user's, e.g. a workspace); missing ones are created 0700.
pub fn replace_file(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| Error::config(format!("cannot write {}: {e}", path.display()));
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(fail)?;
    }
    let old = fs::metadata(path).ok().filter(|m| m.is_file());
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(data).map_err(fail)?;
    if let Some(old) = old {
        tmp.as_file()
            .set_permissions(old.permissions())
            .map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// A temp file older than this was left by a writer that was killed: every
/// write finishes (or fails) within moments.
const STALE_TEMP: Duration = Duration::from_secs(60);

/// Removes `.tmp-*` files in `dir` left behind by killed writers, so they
/// cannot pile up. Best effort: a failure here costs nothing but disk.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(".tmp-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| now.duration_since(at).is_ok_and(|age| age > STALE_TEMP));
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Reads one of authtool's own files, which may legitimately not exist yet.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    read_limited(path, MAX_OWN_FILE, true, "")
}

/// Removes a file, ignoring "not found". Returns whether it existed.
pub fn remove_optional(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::internal(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}

/// An exclusive lock on a lock file, released when dropped (and by the OS
/// if the process dies: a killed holder never leaves a stale lock). The
/// file holds the holder's process id, for the message of a waiter that
/// gives up.
pub struct FileLock {
    _file: File,
}

/// What [`lock_or`] ended with.
pub enum Locked<T> {
    /// The lock is ours.
    Lock(FileLock),
    /// What the caller was waiting for happened without the lock.
    Ready(T),
}

/// Takes an exclusive lock on `path`, waiting at most `wait`; then fails
/// with exit 5 naming the process that holds it.
pub fn lock(path: &Path, wait: Duration) -> Result<FileLock> {
    match lock_or(path, wait, || Ok(None::<()>))? {
        Locked::Lock(lock) => Ok(lock),
        Locked::Ready(()) => unreachable!("the check never says ready"),
    }
}

/// Takes an exclusive lock on `path`, or returns what `ready` finds once
/// the holder lets go, whichever comes first; waits at most `wait`, then
/// fails with exit 5 naming the process that holds the lock.
///
/// No polling: a waiter sleeps in the kernel for a shared lock, which is
/// granted to every waiter at once the moment the holder lets go (it
/// writes what it renewed before that). Each waiter lets go of that shared
/// lock at once, asks `ready` (a lock-free read of what the holder wrote),
/// and only when that is not enough tries for the exclusive lock again. So
/// a hundred waiters see a renewal together, without taking turns at the
/// lock. The wait runs on a short-lived thread so that it can end at the
/// deadline; a thread still waiting then gives the lock up as soon as it
/// gets it.
pub fn lock_or<T>(
    path: &Path,
    wait: Duration,
    mut ready: impl FnMut() -> Result<Option<T>>,
) -> Result<Locked<T>> {
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let (file, _) = open_checked(path, &mut options, true, "lock file ")?
        .ok_or_else(|| Error::internal(format!("cannot open lock file {}", path.display())))?;
    let deadline = crate::timefmt::deadline(wait);
    loop {
        match file.try_lock() {
            Ok(()) => {
                // Who holds it, for waiters' messages; not needed for locking.
                let mut f = &file;
                let _ = f
                    .set_len(0)
                    .and_then(|()| writeln!(f, "{}", std::process::id()));
                return Ok(Locked::Lock(FileLock { _file: file }));
            }
            Err(fs::TryLockError::WouldBlock) => {}
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::internal(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )));
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(gave_up(path, wait));
        }
        wait_for_release(&file, left)
            .map_err(|e| Error::internal(format!("cannot lock {}: {e}", path.display())))?;
        if let Some(value) = ready()? {
            return Ok(Locked::Ready(value));
        }
    }
}

/// Sleeps until no process holds the lock on `file` exclusively, or
/// `timeout` passes.
fn wait_for_release(file: &File, timeout: Duration) -> std::io::Result<()> {
    let waiter = file.try_clone()?;
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("lock-wait".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            // Shared: granted to every waiter together when the holder
            // lets go, and let go of at once, so it never keeps anyone out.
            let got = waiter.lock_shared().and_then(|()| waiter.unlock());
            // A caller that gave up is gone: the clone closes, and with it
            // anything it held.
            let _ = tx.send(got);
        });
    if spawned.is_err() {
        // No thread to spare (a process limit): look again in a moment.
        std::thread::sleep(timeout.min(Duration::from_millis(20)));
        return Ok(());
    }
    match rx.recv_timeout(timeout) {
        Ok(got) => got,
        Err(_) => Ok(()),
    }
}

/// The error of a waiter that gave up: which process holds the lock.
fn gave_up(path: &Path, wait: Duration) -> Error {
    let holder = read_limited(path, 64, true, "")
        .ok()
        .flatten()
        .and_then(|t| String::from_utf8(t).ok())
        .and_then(|t| t.trim().parse::<u32>().ok());
    let who = holder.map_or("another authtool process".to_string(), |pid| {
        format!("authtool process {pid}")
    });
    let mut err = Error::network(format!(
        "gave up after waiting {} for {who}, which holds the lock {}",
        crate::timefmt::human_secs(wait.as_secs().max(1)),
        path.display()
    ))
    .hint("try again in a moment");
    if let Some(pid) = holder {
        err = err.hint(format!(
            "if it keeps happening, process {pid} may be hung: end it (`kill {pid}`); a lock dies with its holder"
        ));
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/file.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700);
        }
        // No temp files left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn lock_times_out_while_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = lock(&path, Duration::from_secs(1)).unwrap();
        let err = lock(&path, Duration::from_millis(50)).err().unwrap();
        assert_eq!(err.kind, crate::Kind::Network);
        let pid = std::process::id();
        assert!(
            err.message.contains(&format!(
                "gave up after waiting 1s for authtool process {pid}"
            )),
            "{}",
            err.message
        );
        assert!(err.hints.iter().any(|h| h.contains(&format!("kill {pid}"))));
        drop(held);
        lock(&path, Duration::from_millis(50)).unwrap();
    }

    /// A waiter sleeps until the holder lets go, then looks once: no polling.
    #[test]
    fn waiters_wake_when_the_holder_lets_go() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let renewed = Arc::new(AtomicBool::new(false));
        let held = lock(&path, Duration::from_secs(1)).unwrap();
        let holder = {
            let renewed = Arc::clone(&renewed);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                renewed.store(true, Ordering::SeqCst);
                drop(held);
            })
        };
        let mut looks = 0;
        let got = lock_or(&path, Duration::from_secs(20), || {
            looks += 1;
            Ok(renewed.load(Ordering::SeqCst).then_some("renewed"))
        })
        .unwrap();
        holder.join().unwrap();
        assert!(matches!(got, Locked::Ready("renewed")));
        assert_eq!(looks, 1);

        // Nothing renewed: the waiter takes the lock once it is free.
        let held = lock(&path, Duration::from_secs(1)).unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(held);
        });
        let mut looks = 0;
        let got = lock_or(&path, Duration::from_secs(20), || {
            looks += 1;
            Ok(None::<()>)
        })
        .unwrap();
        holder.join().unwrap();
        assert!(matches!(got, Locked::Lock(_)));
        assert_eq!(looks, 1);
    }

    #[test]
    fn stale_temp_files_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".tmp-killed");
        let fresh = dir.path().join(".tmp-writing");
        let other = dir.path().join("keep.json");
        for p in [&old, &fresh, &other] {
            fs::write(p, b"x").unwrap();
        }
        let long_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        for p in [&old, &other] {
            File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(long_ago)
                .unwrap();
        }
        write_atomic(&dir.path().join("file.json"), b"data").unwrap();
        assert!(!old.exists());
        assert!(fresh.exists());
        assert!(other.exists());
    }
}
