// SPDX-License-Identifier: GPL-2.0

//! Output: every command builds a value that prints as text for people or as JSON
//! (`--json`, field names documented in README.md). Notes and errors go to stderr.

use std::{
    fmt::Display,
    io::{
        self,
        Write, //
    },
};

use anyhow::Result;
use serde::Serialize;

/// A command's result, printable both ways.
pub trait Render: Serialize {
    /// The text form.
    fn text(&self, w: &mut dyn Write) -> io::Result<()>;
}

/// Where a command writes, and in which form.
pub struct Out<'a> {
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
    /// `--json` was given.
    pub json: bool,
}

impl Out<'_> {
    /// Prints a result as text or as JSON (pretty-printed, one trailing newline).
    pub fn emit<T: Render>(&mut self, value: &T) -> Result<()> {
        if self.json {
            serde_json::to_writer_pretty(&mut *self.out, value)?;
            writeln!(self.out)?;
        } else {
            value.text(self.out)?;
        }
        Ok(())
    }

    /// A note on stderr: `p2pmem: MESSAGE`.
    pub fn note(&mut self, msg: impl Display) {
        // Nothing sensible is left to do when stderr itself fails.
        let _ = writeln!(self.err, "p2pmem: {msg}");
    }
}

/// A byte count as `wrap` takes it: `64M`, `2G`, `4K` when exact, else plain bytes.
pub fn size_text(bytes: u64) -> String {
    for (shift, unit) in [(30, "G"), (20, "M"), (10, "K")] {
        if bytes != 0 && bytes % (1u64 << shift) == 0 {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// Writes rows as columns separated by two spaces, each as wide as its widest cell.
pub fn table(w: &mut dyn Write, rows: &[Vec<String>]) -> io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line += cell;
            } else {
                line += &format!("{cell:<width$}  ", width = widths[c]);
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(size_text(0), "0");
        assert_eq!(size_text(64 << 20), "64M");
        assert_eq!(size_text(2 << 30), "2G");
        assert_eq!(size_text(4096), "4K");
        assert_eq!(size_text(4097), "4097");
        assert_eq!(size_text(3 << 19), "1536K");
    }

    #[test]
    fn tables_align() {
        let mut v = Vec::new();
        table(
            &mut v,
            &[
                vec!["A".into(), "BB".into(), "C".into()],
                vec!["aaa".into(), "b".into(), "c".into()],
            ],
        )
        .unwrap();
        assert_eq!(String::from_utf8(v).unwrap(), "A    BB  C\naaa  b   c\n");
    }
}
