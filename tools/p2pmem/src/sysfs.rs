// SPDX-License-Identifier: GPL-2.0

//! Where the files are and how they are read and written: sysfs, debugfs, procfs and the
//! device nodes below the roots given with `--sysfs`, `--proc` and `--dev`, so tests can point
//! the tool at a fake tree.

use std::{
    fs,
    io::{
        self,
        Read,
        Write, //
    },
    path::{
        Path,
        PathBuf, //
    },
};

use anyhow::{
    anyhow,
    Context,
    Result, //
};
use p2pmem_policy::pci_addr::PciAddr;

use crate::kmsg;

/// The roots of the file systems the tool reads.
#[derive(Clone, Debug)]
pub struct Roots {
    /// Where sysfs is mounted (`/sys`); debugfs is expected at `kernel/debug` below it.
    pub sys: PathBuf,
    /// Where procfs is mounted (`/proc`).
    pub proc: PathBuf,
    /// Where the device nodes are (`/dev`).
    pub dev: PathBuf,
}

impl Roots {
    /// `bus/pci/devices`: one link per PCI function, named by its address.
    pub fn pci_devices(&self) -> PathBuf {
        self.sys.join("bus/pci/devices")
    }

    /// The sysfs directory of a PCI function (a link into `devices/`).
    pub fn pci_device(&self, addr: PciAddr) -> PathBuf {
        self.pci_devices().join(addr.to_string())
    }

    /// `class/p2pmem`: the module's class, present while it is loaded.
    pub fn class_dir(&self) -> PathBuf {
        self.sys.join("class/p2pmem")
    }

    /// A file of the class directory (`wrap`, `unwrap`, `host_bridge_allow`, `flush`).
    pub fn class_file(&self, name: &str) -> PathBuf {
        self.class_dir().join(name)
    }

    /// The module's debugfs query file.
    pub fn query_file(&self) -> PathBuf {
        self.sys.join("kernel/debug/p2pmem/query")
    }

    /// The module's debugfs view of its verdict cache.
    pub fn cache_file(&self) -> PathBuf {
        self.sys.join("kernel/debug/p2pmem/cache")
    }

    /// `cpuinfo` in procfs.
    pub fn cpuinfo(&self) -> PathBuf {
        self.proc.join("cpuinfo")
    }

    /// The kernel log, `/dev/kmsg`.
    pub fn kmsg(&self) -> PathBuf {
        self.dev.join("kmsg")
    }
}

/// Reads a text attribute, without its trailing newline; errors name the file.
pub fn read_attr(path: &Path) -> Result<String> {
    let s = fs::read_to_string(path).with_context(|| path.display().to_string())?;
    Ok(s.strip_suffix('\n').unwrap_or(&s).to_string())
}

/// Reads a text file whose absence is an answer (`None`), not an error.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| path.display().to_string()),
    }
}

/// The driver bound to the PCI function whose sysfs directory is `dev_dir`: the name its
/// `driver` link points to; `None` when none is bound.
pub fn driver(dev_dir: &Path) -> Result<Option<String>> {
    let link = dev_dir.join("driver");
    match fs::read_link(&link) {
        Ok(target) => Ok(target
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| link.display().to_string()),
    }
}

/// What a read of a `config` file gave: the bytes, and the file's size as sysfs reports it.
/// Reads by users without CAP_SYS_ADMIN stop at 64 bytes whatever the size says.
#[derive(Clone, Debug)]
pub struct ConfigRead {
    /// The bytes read.
    pub bytes: Vec<u8>,
    /// The file size (`dev->cfg_size` on real sysfs: 256 or 4096).
    pub file_len: u64,
}

/// Reads a function's config space file.
pub fn read_config(dev_dir: &Path) -> io::Result<ConfigRead> {
    let mut f = fs::File::open(dev_dir.join("config"))?;
    let file_len = f.metadata()?.len();
    let mut bytes = Vec::with_capacity(4096);
    f.read_to_end(&mut bytes)?;
    Ok(ConfigRead { bytes, file_len })
}

/// The symbolic name of the errno values a control file returns, for messages.
fn errno_name(code: i32) -> Option<&'static str> {
    Some(match code {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        12 => "ENOMEM",
        13 => "EACCES",
        16 => "EBUSY",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        28 => "ENOSPC",
        30 => "EROFS",
        95 => "EOPNOTSUPP",
        _ => return None,
    })
}

/// An I/O error as "strerror text (ENAME)", e.g. "Device or resource busy (EBUSY)".
pub fn errno_text(e: &io::Error) -> String {
    let text = e.to_string();
    let Some(code) = e.raw_os_error() else {
        return text;
    };
    let suffix = format!(" (os error {code})");
    let base = text.strip_suffix(&suffix).unwrap_or(&text);
    match errno_name(code) {
        Some(name) => format!("{base} ({name})"),
        None => format!("{base} (errno {code})"),
    }
}

/// The error for a write the kernel refused: the file, the errno, and the lines the module
/// logged for the write (`log`: the kernel log watched from before it; `None` when the log
/// cannot be read).
fn refused(
    path: &Path,
    e: &io::Error,
    log: Option<kmsg::Watch>,
    tid: Option<u32>,
) -> anyhow::Error {
    let base = format!("{}: {}", path.display(), errno_text(e));
    if e.raw_os_error().is_none() {
        return anyhow!("{base}");
    }
    let Some(mut log) = log else {
        return anyhow!("{base}; dmesg has the kernel's reason");
    };
    let lines = kmsg::reasons(&log.records(), tid);
    match &lines[..] {
        [] => anyhow!(
            "{base}; the kernel log has no p2pmem line for this write (refusals are \
             rate-limited; see dmesg)"
        ),
        [line] => anyhow!("{base}; kernel log: {line}"),
        _ => anyhow!("{base}; kernel log:\n  {}", lines.join("\n  ")),
    }
}

/// Writes `text` to a control file in one `write()`, as sysfs stores need. The error names the
/// file and the errno; a missing file means the module is not loaded. A write the kernel
/// refuses is reported with the lines the module logged for it (read from `/dev/kmsg`, when
/// this user may).
pub fn write_control(roots: &Roots, path: &Path, text: &str) -> Result<()> {
    let mut f = fs::OpenOptions::new().write(true).open(path).map_err(|e| {
        let hint = match e.kind() {
            io::ErrorKind::NotFound => "; is p2pmem.ko loaded?",
            io::ErrorKind::PermissionDenied => "; writing it needs root",
            _ => "",
        };
        anyhow!("{}: {}{hint}", path.display(), errno_text(&e))
    })?;
    let log = kmsg::Watch::start(&roots.kmsg());
    let n = f
        .write(text.as_bytes())
        .map_err(|e| refused(path, &e, log, kmsg::thread_id(&roots.proc)))?;
    if n != text.len() {
        return Err(anyhow!(
            "{}: short write ({n} of {} bytes)",
            path.display(),
            text.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_texts_name_the_errno() {
        let e = io::Error::from_raw_os_error(16);
        assert_eq!(errno_text(&e), "Device or resource busy (EBUSY)");
        let e = io::Error::from_raw_os_error(22);
        assert_eq!(errno_text(&e), "Invalid argument (EINVAL)");
        let e = io::Error::from_raw_os_error(71);
        assert!(errno_text(&e).ends_with("(errno 71)"), "{}", errno_text(&e));
        let e = io::Error::other("plain");
        assert_eq!(errno_text(&e), "plain");
    }
}
