// SPDX-License-Identifier: GPL-2.0

//! Which processes map which files: `/proc/PID/maps` (one VMA per line, `START-END PERMS
//! OFFSET DEV INODE PATH`, the path followed by ` (deleted)` once the file was removed) and
//! `/proc/PID/comm`.

use std::{
    collections::BTreeMap,
    fs,
    io,
    path::Path, //
};

use anyhow::{
    Context,
    Result, //
};

/// One process's mappings of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapped {
    /// The process.
    pub pid: u32,
    /// Its command name, `?` when it could not be read.
    pub comm: String,
    /// The file, as the process's maps names it (without ` (deleted)`).
    pub path: String,
    /// The file was removed since it was mapped (a `/dev/p2pmemN` node is removed when its
    /// provider's teardown starts).
    pub deleted: bool,
    /// Its VMAs of the file.
    pub vmas: usize,
    /// Their total length, bytes.
    pub bytes: u64,
}

/// What a scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// The mappings of the files asked for, by pid, then path.
    pub mapped: Vec<Mapped>,
    /// Processes whose maps could not be read (another user's, without root).
    pub unreadable: usize,
}

/// One VMA of a maps line whose path is one of `paths`: (path, deleted, length).
fn vma<'a>(line: &str, paths: &'a [String]) -> Option<(&'a str, bool, u64)> {
    let mut f = line.splitn(6, ' ');
    let range = f.next()?;
    let name = f.nth(4)?.trim_start();
    let (name, deleted) = match name.strip_suffix(" (deleted)") {
        Some(n) => (n, true),
        None => (name, false),
    };
    let path = paths.iter().find(|p| p.as_str() == name)?;
    let (s, e) = range.split_once('-')?;
    let len = u64::from_str_radix(e, 16)
        .ok()?
        .checked_sub(u64::from_str_radix(s, 16).ok()?)?;
    Some((path, deleted, len))
}

/// Scans every process below `proc` for mappings of `paths`. Processes that exit meanwhile
/// are left out.
pub fn scan(proc: &Path, paths: &[String]) -> Result<Scan> {
    let mut out = Scan::default();
    let entries = fs::read_dir(proc).with_context(|| proc.display().to_string())?;
    let mut pids: Vec<u32> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let dir = proc.join(pid.to_string());
        let text = match fs::read_to_string(dir.join("maps")) {
            Ok(t) => t,
            // Gone (ESRCH while it exits).
            Err(e) if e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(3) => {
                continue;
            }
            Err(_) => {
                out.unreadable += 1;
                continue;
            }
        };
        let mut found: BTreeMap<(&str, bool), (usize, u64)> = BTreeMap::new();
        for (path, deleted, len) in text.lines().filter_map(|l| vma(l, paths)) {
            let e = found.entry((path, deleted)).or_default();
            e.0 += 1;
            e.1 += len;
        }
        if found.is_empty() {
            continue;
        }
        let comm = fs::read_to_string(dir.join("comm"))
            .map(|c| c.trim_end_matches('\n').to_string())
            .unwrap_or_else(|_| "?".to_string());
        for ((path, deleted), (vmas, bytes)) in found {
            out.mapped.push(Mapped {
                pid,
                comm: comm.clone(),
                path: path.to_string(),
                deleted,
                vmas,
                bytes,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vma_lines() {
        let paths = ["/dev/p2pmem0".to_string(), "/dev/p2pmem 1".to_string()];
        assert_eq!(
            vma(
                "7f0000000000-7f0000200000 rw-s 00000000 00:05 123                        \
                 /dev/p2pmem0",
                &paths
            ),
            Some(("/dev/p2pmem0", false, 2 << 20))
        );
        assert_eq!(
            vma(
                "7f0000000000-7f0000001000 rw-s 00000000 00:05 123 /dev/p2pmem0 (deleted)",
                &paths
            ),
            Some(("/dev/p2pmem0", true, 4096))
        );
        // Paths with spaces, and paths that only start the same.
        assert_eq!(
            vma("1000-2000 r--p 00000000 00:05 9   /dev/p2pmem 1", &paths),
            Some(("/dev/p2pmem 1", false, 4096))
        );
        assert_eq!(
            vma("1000-2000 r--p 00000000 00:05 9   /dev/p2pmem01", &paths),
            None
        );
        assert_eq!(vma("1000-2000 r--p 00000000 00:00 0 ", &paths), None);
        assert_eq!(vma("garbage", &paths), None);
    }
}
