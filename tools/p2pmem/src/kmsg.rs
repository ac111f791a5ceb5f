// SPDX-License-Identifier: GPL-2.0

//! The kernel log as `/dev/kmsg` gives it (the kernel's Documentation/ABI/testing/dev-kmsg), so
//! that a refused write to a control file can be reported with the line the module printed for
//! it: each refusal logs one line saying why (Documentation/ABI/testing/sysfs-class-p2pmem).
//!
//! The log is opened at its end before the write and read after it, so only records logged in
//! between are seen. Of those, the lines naming p2pmem are kept, and when the kernel says who
//! logged each record (`caller=T<tid>`, CONFIG_PRINTK_CALLER) only those of this thread, which is
//! the one the control file's store ran in.

use std::{
    fs,
    io::{
        self,
        Read,
        Seek,
        SeekFrom, //
    },
    os::unix::fs::OpenOptionsExt,
    path::Path,
};

/// One record of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Its sequence number.
    pub seq: u64,
    /// The level, 0 (emergency) to 7 (debug).
    pub level: u8,
    /// Who logged it (`T123` for a task, `C1` for a CPU), when the kernel says.
    pub caller: Option<String>,
    /// The message, unescaped.
    pub text: String,
}

/// Undoes the `\xNN` escapes /dev/kmsg writes for backslashes and unprintable bytes.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            let hex = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses what reads of /dev/kmsg return: `PRIO,SEQ,USEC,FLAGS[,caller=ID];TEXT` lines, each
/// followed by dictionary lines that start with a space (skipped). Malformed lines are skipped.
pub fn parse(text: &str) -> Vec<Record> {
    text.lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|line| {
            let (header, msg) = line.split_once(';')?;
            let mut fields = header.split(',');
            let prio: u32 = fields.next()?.parse().ok()?;
            let seq = fields.next()?.parse().ok()?;
            let _usec: u64 = fields.next()?.parse().ok()?;
            fields.next()?;
            let caller = fields
                .find_map(|f| f.strip_prefix("caller="))
                .map(str::to_string);
            Some(Record {
                seq,
                // CAST: the low 3 bits.
                level: (prio & 7) as u8,
                caller,
                text: unescape(msg),
            })
        })
        .collect()
}

/// The lines of `records` that say why a write by thread `tid` was refused: those naming
/// p2pmem, and of them only the ones `tid` logged when the records say who logged them.
pub fn reasons(records: &[Record], tid: Option<u32>) -> Vec<String> {
    let me = tid.map(|t| format!("T{t}"));
    records
        .iter()
        .filter(|r| r.text.contains("p2pmem"))
        .filter(|r| match (&r.caller, &me) {
            (Some(c), Some(me)) => c == me,
            _ => true,
        })
        .map(|r| r.text.clone())
        .collect()
}

/// The thread running this code, as procfs at `proc` names it (`thread-self` links to
/// `PID/task/TID`); `None` when it cannot be told.
pub fn thread_id(proc: &Path) -> Option<u32> {
    let target = fs::read_link(proc.join("thread-self")).ok()?;
    target.file_name()?.to_str()?.parse().ok()
}

/// The log opened at its end: what is logged from then on can be read back.
#[derive(Debug)]
pub struct Watch {
    file: fs::File,
}

/// At most this much is read back, in at most this many reads: a refusal logs a line or two.
const READ_LIMIT: usize = 1 << 20;
const READS_LIMIT: usize = 4096;

impl Watch {
    /// Opens the log at `path` and moves to its end; `None` when it cannot be read (no such
    /// file, or `dmesg_restrict` and no CAP_SYSLOG).
    pub fn start(path: &Path) -> Option<Self> {
        let mut file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .ok()?;
        match file.seek(SeekFrom::End(0)) {
            Ok(_) => {}
            // A pipe (tests) has no position: what is in it is new.
            Err(e) if e.raw_os_error() == Some(libc::ESPIPE) => {}
            Err(_) => return None,
        }
        Some(Self { file })
    }

    /// The records logged since [`Watch::start`]. Each read of /dev/kmsg returns one record,
    /// and `EAGAIN` once none is left; `EPIPE` says records were overwritten before they were
    /// read, and reading goes on with the next.
    pub fn records(&mut self) -> Vec<Record> {
        // A record is at most about 1 KiB of text and its dictionary; a shorter buffer gets
        // EINVAL.
        let mut buf = vec![0u8; 16 << 10];
        let mut data = Vec::new();
        for _ in 0..READS_LIMIT {
            if data.len() >= READ_LIMIT {
                break;
            }
            match self.file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => data.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => {}
                Err(_) => break,
            }
        }
        parse(&String::from_utf8_lossy(&data))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn records_parse() {
        let r = parse(
            "6,1234,5678,-;p2pmem: unwrap: 0000:03:00.0 has no wrapped BAR 2\n\
             4,1235,5679,-,caller=T812;nvme 0000:03:00.0: p2pmem: wrapping BAR 2 (force)\n \
             SUBSYSTEM=pci\n DEVICE=+pci:0000:03:00.0\n\
             garbage\n\
             6,x,1,-;no sequence\n\
             14,1236,5680,c;back\\x5cslash \\x1b[1m\\xzz\n",
        );
        assert_eq!(
            r,
            [
                Record {
                    seq: 1234,
                    level: 6,
                    caller: None,
                    text: "p2pmem: unwrap: 0000:03:00.0 has no wrapped BAR 2".into(),
                },
                Record {
                    seq: 1235,
                    level: 4,
                    caller: Some("T812".into()),
                    text: "nvme 0000:03:00.0: p2pmem: wrapping BAR 2 (force)".into(),
                },
                Record {
                    seq: 1236,
                    level: 6,
                    caller: None,
                    text: "back\\slash \u{1b}[1m\\xzz".into(),
                },
            ]
        );
    }

    #[test]
    fn reasons_are_the_p2pmem_lines_of_this_thread() {
        let r = parse(
            "6,1,0,-,caller=T7;p2pmem: flush: write 1 to forget the cached P2P verdicts\n\
             6,2,0,-,caller=T8;p2pmem: unwrap: 0000:03:00.0 has no wrapped BAR\n\
             6,3,0,-,caller=T7;usb 1-1: new high-speed USB device\n\
             6,4,0,-,caller=C1;p2pmem p2pmem0: teardown waits\n",
        );
        assert_eq!(
            reasons(&r, Some(7)),
            ["p2pmem: flush: write 1 to forget the cached P2P verdicts"]
        );
        // Who is asking is not known: every p2pmem line.
        assert_eq!(reasons(&r, None).len(), 3);
        // Records that do not say who logged them are all candidates.
        let r = parse("6,1,0,-;p2pmem: a\n6,2,0,-;other\n6,3,0,-;x p2pmem: b\n");
        assert_eq!(reasons(&r, Some(7)), ["p2pmem: a", "x p2pmem: b"]);
    }

    #[test]
    fn a_watch_sees_only_what_was_logged_after_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kmsg");
        fs::write(&path, "6,1,0,-;p2pmem: an old refusal\n").unwrap();
        let mut w = Watch::start(&path).unwrap();
        let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"6,2,0,-;p2pmem: the new one\n").unwrap();
        let r = w.records();
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].text, "p2pmem: the new one");
        assert!(w.records().is_empty());
        assert!(Watch::start(&dir.path().join("none")).is_none());
    }

    #[test]
    fn the_thread_comes_from_thread_self() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(thread_id(dir.path()), None);
        std::os::unix::fs::symlink("4242/task/4243", dir.path().join("thread-self")).unwrap();
        assert_eq!(thread_id(dir.path()), Some(4243));
        // The real one names this thread.
        assert!(thread_id(Path::new("/proc")).is_some());
    }
}
