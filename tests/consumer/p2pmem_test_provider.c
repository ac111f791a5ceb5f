// SPDX-License-Identifier: GPL-2.0
/*
 * A PCI driver that registers its device's BAR with p2pmem through the exported driver API,
 * as a real provider driver (e.g. nvme for its CMB) would. It matches no ID: bind it with
 * driver_override. The provider is device-managed: it goes when the driver unbinds. It requests
 * no region of the BAR, so with size= the rest of it can still be wrapped (with force).
 */

#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>

static int bar = 2;
module_param(bar, int, 0444);
MODULE_PARM_DESC(bar, "the BAR to provide");

static ulong size;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "bytes of the BAR to provide, from its start (0: all of it)");

static int p2pmem_test_provider_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = p2pmem_add_resource(pdev, bar, size, 0);
	if (ret)
		return ret;
	p2pmem_publish(pdev, true);
	return 0;
}

static struct pci_driver p2pmem_test_provider_driver = {
	.name = "p2pmem_test_provider",
	.probe = p2pmem_test_provider_probe,
};
module_pci_driver(p2pmem_test_provider_driver);

MODULE_DESCRIPTION("Test provider driver for the p2pmem driver API");
MODULE_LICENSE("GPL");
