/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p2pmem: peer-to-peer PCI memory, the C interface of p2pmem.ko.
 *
 * Consumers build against this header and p2pmem.ko's Module.symvers (KBUILD_EXTRA_SYMBOLS).
 * The provider, allocation and mapping API is declared here as it lands.
 */
#ifndef _LINUX_P2PMEM_H
#define _LINUX_P2PMEM_H

/* Name of the device class every p2pmem provider belongs to (/sys/class/p2pmem). */
#define P2PMEM_CLASS_NAME "p2pmem"

#endif /* _LINUX_P2PMEM_H */
