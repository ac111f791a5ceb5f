// SPDX-License-Identifier: GPL-2.0
/*
 * A PCI driver that does nothing with its device: it matches no ID (bind it with
 * driver_override) and touches no BAR, so it is what a foreign driver looks like to wrap's
 * driver check, without the region claim that nvme's probe would add (tests/vm/wrap-bind-race.sh).
 */

#include <linux/module.h>
#include <linux/pci.h>

static int p2pmem_stub_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	return 0;
}

static struct pci_driver p2pmem_stub_driver = {
	.name = "p2pmem_stub",
	.probe = p2pmem_stub_probe,
};
module_pci_driver(p2pmem_stub_driver);

MODULE_DESCRIPTION("A PCI driver that binds and does nothing, for p2pmem's VM tests");
MODULE_LICENSE("GPL");
