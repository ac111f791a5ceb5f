// SPDX-License-Identifier: GPL-2.0

//! `p2pmem allow-host-bridge`: front end of `/sys/class/p2pmem/host_bridge_allow`.

use std::io::{
    self,
    Write, //
};

use anyhow::{
    anyhow,
    Result, //
};
use p2pmem_policy::{
    host_bridge::{
        parse_changes,
        AllowChange, //
    },
    topology::PciId,
};
use serde::Serialize;

use crate::{
    hostbridge::{
        builtin_listing,
        parse_allow_list,
        ListedJson, //
    },
    output::{
        Out,
        Render, //
    },
    sysfs::{
        self,
        Roots, //
    },
};

/// `allow-host-bridge --list --json`.
#[derive(Clone, Debug, Serialize)]
pub struct AllowList {
    /// Whether the list came from the module (else the built-in list alone).
    pub module_loaded: bool,
    /// Runtime entries first, then the built-in ones, as the module lists them.
    pub entries: Vec<ListedJson>,
}

impl Render for AllowList {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        for e in &self.entries {
            let mut line = e.id.clone();
            if e.builtin {
                line += " builtin";
            }
            if e.same_host_bridge_only {
                line += " same-host-bridge";
            }
            writeln!(w, "{line}")?;
        }
        Ok(())
    }
}

/// `allow-host-bridge [--remove] --json`.
#[derive(Clone, Debug, Serialize)]
pub struct AllowChanged {
    /// `vvvv:dddd`.
    pub id: String,
    /// Whether it is now allowed (false after `--remove`).
    pub allowed: bool,
}

impl Render for AllowChanged {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        if self.allowed {
            writeln!(w, "host bridge {} allowed", self.id)
        } else {
            writeln!(w, "host bridge {} no longer allowed", self.id)
        }
    }
}

/// `allow-host-bridge --list`: the module's list, or the built-in list with a note when the
/// module is not loaded.
pub fn list(roots: &Roots, out: &mut Out<'_>) -> Result<u8> {
    let path = roots.class_file("host_bridge_allow");
    let (module_loaded, listed) = match sysfs::read_optional(&path)? {
        Some(text) => (
            true,
            parse_allow_list(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?,
        ),
        None => {
            out.note(format!(
                "no {}: the p2pmem module is not loaded; built-in entries only",
                path.display()
            ));
            (false, builtin_listing())
        }
    };
    out.emit(&AllowList {
        module_loaded,
        entries: listed.iter().map(ListedJson::from).collect(),
    })?;
    Ok(0)
}

/// `allow-host-bridge [--remove] VENDOR:DEVICE`.
pub fn change(roots: &Roots, id: PciId, remove: bool, out: &mut Out<'_>) -> Result<u8> {
    if id == PciId::new(0, 0) {
        return Err(anyhow!("0000:0000 is not a device"));
    }
    let line = if remove {
        format!("-{id}")
    } else {
        id.to_string()
    };
    // The module's own parser must take it.
    let parsed: Vec<_> = parse_changes(&line).collect();
    let expect = if remove {
        AllowChange::Remove(id)
    } else {
        AllowChange::Add(id)
    };
    if parsed != [Ok(expect)] {
        return Err(anyhow!("{line:?}: not vvvv:dddd"));
    }
    sysfs::write_control(
        roots,
        &roots.class_file("host_bridge_allow"),
        &format!("{line}\n"),
    )?;
    out.emit(&AllowChanged {
        id: id.to_string(),
        allowed: !remove,
    })?;
    Ok(0)
}
