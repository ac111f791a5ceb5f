// SPDX-License-Identifier: GPL-2.0
/*
 * Real peer-to-peer DMA through the p2pmem map shim: a test driver for QEMU's edu device (a DMA
 * engine with a 4 KiB buffer at device address 0x40000). For a provider given by PCI address,
 * it fills p2pmem with a pattern, lets edu DMA it from the provider into its buffer and back
 * into other p2pmem, with the addresses p2pmem_map_sg() returned, and compares.
 *
 *   echo "PROVIDER LEN [OFFSET]" > /sys/bus/pci/drivers/p2pmem_edu/DEV/p2p_copy
 *
 * The write fails with the error of the first step that failed (-EILSEQ on a data mismatch);
 * dmesg names the step. Lengths are 1..4095 (QEMU 7.2's edu crashes at 4096).
 */

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>

#define EDU_ID			0x00
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_START		BIT(0)
#define EDU_DMA_TO_HOST		BIT(1)	/* edu buffer -> host address */
#define EDU_BUF			0x40000
#define EDU_MAX			4095

struct p2pmem_edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct mutex lock;	/* one copy at a time: one DMA engine */
};

static int edu_dma(struct p2pmem_edu *edu, u64 src, u64 dst, u32 len, u32 cmd)
{
	int i;

	/* edu takes these registers whole: 8-byte writes only. */
	writeq(src, edu->regs + EDU_DMA_SRC);
	writeq(dst, edu->regs + EDU_DMA_DST);
	writeq(len, edu->regs + EDU_DMA_COUNT);
	writel(cmd | EDU_DMA_START, edu->regs + EDU_DMA_CMD);
	/* The engine copies 100 ms (virtual time) after the start. */
	for (i = 0; i < 500; i++) {
		if (!(readl(edu->regs + EDU_DMA_CMD) & EDU_DMA_START))
			return 0;
		msleep(20);
	}
	return -ETIMEDOUT;
}

/* DMA between provider memory at @buf and the edu buffer, mapped through the shim. */
static int edu_p2p(struct p2pmem_edu *edu, void *buf, u32 len, bool to_edu)
{
	enum dma_data_direction dir = to_edu ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	struct device *dev = &edu->pdev->dev;
	struct p2pmem_map_state *state;
	struct scatterlist sg;
	int n, ret;

	sg_init_one(&sg, buf, len);
	n = p2pmem_map_sg(dev, &sg, 1, dir, 0, &state);
	if (n < 0) {
		dev_err(dev, "p2pmem_edu: map_sg failed: %d\n", n);
		return n;
	}
	if (n != 1 || sg_dma_len(&sg) != len) {
		dev_err(dev, "p2pmem_edu: map_sg gave %d entries\n", n);
		p2pmem_unmap_sg(dev, &sg, dir, 0, state);
		return -EINVAL;
	}
	dev_info(dev, "p2pmem_edu: %s %u bytes at bus %pad\n", to_edu ? "reading" : "writing", len,
		 &sg_dma_address(&sg));
	if (to_edu)
		ret = edu_dma(edu, sg_dma_address(&sg), EDU_BUF, len, 0);
	else
		ret = edu_dma(edu, EDU_BUF, sg_dma_address(&sg), len, EDU_DMA_TO_HOST);
	p2pmem_unmap_sg(dev, &sg, dir, 0, state);
	return ret;
}

static int edu_copy(struct p2pmem_edu *edu, struct pci_dev *provider, u32 len, u32 off)
{
	struct device *dev = &edu->pdev->dev;
	const size_t size = 2 * PAGE_SIZE;
	struct p2pmem_provider *p;
	u8 *src, *dst;
	u32 i;
	int ret;

	p = p2pmem_provider_get(provider);
	if (!p) {
		dev_err(dev, "p2pmem_edu: %s provides no p2pmem\n", pci_name(provider));
		return -ENODEV;
	}
	src = p2pmem_alloc(p, size);
	dst = p2pmem_alloc(p, size);
	if (!src || !dst) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < size; i++) {
		src[i] = (u8)(i * 7 + len);
		dst[i] = 0;
	}
	ret = edu_p2p(edu, src + off, len, true);
	if (!ret)
		ret = edu_p2p(edu, dst + off, len, false);
	if (ret)
		goto out;
	for (i = 0; i < size; i++) {
		u8 want = i >= off && i < off + len ? src[i] : 0;

		if (dst[i] != want) {
			dev_err(dev, "p2pmem_edu: byte %u is %#x, not %#x\n", i, dst[i], want);
			ret = -EILSEQ;
			goto out;
		}
	}
	dev_info(dev, "p2pmem_edu: %s: %u bytes at offset %u copied and verified\n",
		 pci_name(provider), len, off);
out:
	if (dst)
		p2pmem_free(p, dst, size);
	if (src)
		p2pmem_free(p, src, size);
	p2pmem_provider_put(p);
	return ret;
}

static ssize_t p2p_copy_store(struct device *dev, struct device_attribute *attr, const char *buf,
			      size_t count)
{
	struct p2pmem_edu *edu = dev_get_drvdata(dev);
	struct pci_dev *provider;
	struct device *pd;
	char name[32];
	u32 len, off = 0;
	int ret;

	if (sscanf(buf, "%31s %u %u", name, &len, &off) < 2)
		return -EINVAL;
	if (!len || len > EDU_MAX || off > PAGE_SIZE)
		return -EINVAL;
	pd = bus_find_device_by_name(&pci_bus_type, NULL, name);
	if (!pd)
		return -ENODEV;
	provider = to_pci_dev(pd);
	mutex_lock(&edu->lock);
	ret = edu_copy(edu, provider, len, off);
	mutex_unlock(&edu->lock);
	pci_dev_put(provider);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(p2p_copy);

static struct attribute *p2pmem_edu_attrs[] = {
	&dev_attr_p2p_copy.attr,
	NULL,
};
ATTRIBUTE_GROUPS(p2pmem_edu);

static int p2pmem_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct p2pmem_edu *edu;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	edu->regs = pcim_iomap_region(pdev, 0, "p2pmem_edu");
	if (IS_ERR(edu->regs))
		return PTR_ERR(edu->regs);
	if ((readl(edu->regs + EDU_ID) & 0xff) != 0xed)
		return -ENODEV;
	pci_set_master(pdev);
	mutex_init(&edu->lock);
	edu->pdev = pdev;
	pci_set_drvdata(pdev, edu);
	return 0;
}

static const struct pci_device_id p2pmem_edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, p2pmem_edu_ids);

static struct pci_driver p2pmem_edu_driver = {
	.name = "p2pmem_edu",
	.id_table = p2pmem_edu_ids,
	.probe = p2pmem_edu_probe,
	.dev_groups = p2pmem_edu_groups,
};
module_pci_driver(p2pmem_edu_driver);

MODULE_DESCRIPTION("Peer-to-peer DMA test through p2pmem's map shim with QEMU's edu device");
MODULE_LICENSE("GPL");
