// SPDX-License-Identifier: GPL-2.0

//! The commands, one per file. Each returns its exit status (0, or 1 for `check` when a
//! client cannot do P2P); errors become exit status 2 in `main.rs`.

pub mod allow;
pub mod cache;
pub mod check;
pub mod holders;
pub mod list;
pub mod matrix;
pub mod topo;
pub mod wrap;
pub mod wrappable;
