/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Input of the module's own bindgen step: headers whose declarations the kernel crate's
 * bindings lack.
 */
#include <linux/p2pmem.h>
#include "helpers.h"
