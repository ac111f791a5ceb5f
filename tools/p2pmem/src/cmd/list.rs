// SPDX-License-Identifier: GPL-2.0

//! `p2pmem list`: the providers.

use std::io::{
    self,
    Write, //
};

use anyhow::Result;
use serde::Serialize;

use crate::{
    output::{
        size_text,
        table,
        Out,
        Render, //
    },
    providers::{
        self,
        Provider, //
    },
    sysfs::Roots,
};

/// `list --json`: `{"providers": [...]}`.
#[derive(Debug, Serialize)]
pub struct List {
    /// The providers, by number.
    pub providers: Vec<Provider>,
}

impl Render for List {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        if self.providers.is_empty() {
            return Ok(());
        }
        let mut rows = vec![[
            "NAME",
            "FUNCTION",
            "BAR",
            "OFFSET",
            "SIZE",
            "AVAILABLE",
            "PUBLISHED",
            "ALLOCATIONS",
            "PEAK",
            "FAILURES",
            "BUS_OFFSET",
        ]
        .map(String::from)
        .to_vec()];
        for p in &self.providers {
            rows.push(vec![
                p.name.clone(),
                p.function.clone().unwrap_or_else(|| "-".into()),
                p.bar.to_string(),
                size_text(p.offset),
                size_text(p.size),
                size_text(p.available),
                if p.published { "yes" } else { "no" }.into(),
                p.allocations.to_string(),
                p.peak.to_string(),
                p.alloc_failures.to_string(),
                p.bus_offset.clone(),
            ]);
        }
        table(w, &rows)
    }
}

/// Lists the providers; exit status 0, also when the module is not loaded.
pub fn run(roots: &Roots, out: &mut Out<'_>) -> Result<u8> {
    let providers = match providers::load(roots)? {
        Some(p) => {
            if p.is_empty() {
                out.note("no providers");
            }
            p
        }
        None => {
            out.note(format!(
                "no {}: the p2pmem module is not loaded, so there are no providers",
                roots.class_dir().display()
            ));
            Vec::new()
        }
    };
    out.emit(&List { providers })?;
    Ok(0)
}
