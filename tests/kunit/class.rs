// SPDX-License-Identifier: GPL-2.0

//! The `p2pmem` class is registered while the module is loaded.

use kernel::prelude::*;

#[kunit_tests(p2pmem_class)]
mod tests {
    use crate::ffi::class::is_registered;

    /// KUnit runs module suites once the module's init has returned, so the class is there.
    #[test]
    fn registered_while_loaded() {
        assert!(is_registered());
    }
}
