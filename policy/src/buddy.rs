// SPDX-License-Identifier: GPL-2.0

//! The page index of a provider's pool: a binary buddy allocator over page numbers.
//!
//! genalloc finds free space with a first-fit scan of its bitmap, so the cost of an allocation
//! grows with the pool and with its fragmentation (a 64 KiB allocation on a fragmented 1 GiB
//! pool scans half a million bits). Here every order has its own set of free blocks, kept as a
//! hierarchical bitmap (a bit per block, a summary bit per word, and so on up to one word), so
//! an allocation or a free touches a few words per order whatever the size and state of the pool.
//!
//! Blocks are naturally aligned powers of two pages. An allocation of `n` pages takes a block of
//! the next power of two and gives the tail back at once, so it holds exactly `n` pages. A
//! separate ownership bitmap (a bit per page) records what is allocated, so freeing a range that
//! is not wholly allocated is refused instead of corrupting the index.
//!
//! Nothing here allocates: the caller provides the words ([`Buddy::words_needed`]), zeroed.
//! Nothing here locks either: the kernel wraps the index in a spinlock.

use core::ops::DerefMut;

/// Orders the index tracks: pools of up to 2^32 pages (16 TiB of 4 KiB pages).
const MAX_ORDERS: usize = 33;

fn words_for(bits: usize) -> usize {
    bits.div_ceil(64)
}

/// Where one hierarchical bitmap lives in the word buffer: level 0 (a bit per item) at word
/// `off`, each level above it (a bit per word of the level below) right after it, up to a level
/// of one word. Kept small (8 bytes) so the index stays small on the kernel stack.
#[derive(Clone, Copy, Debug, Default)]
struct Hbits {
    off: u32,
    bits: u32,
}

impl Hbits {
    /// Lays out a hierarchical bitmap of `bits` bits at word `*at`, advancing `*at`.
    fn layout(bits: usize, at: &mut usize) -> Self {
        // CAST: `Buddy::new` refuses pools whose words or pages do not fit in `u32`.
        let h = Self {
            off: *at as u32,
            bits: bits.max(1) as u32,
        };
        let mut n = bits.max(1);
        loop {
            let words = words_for(n);
            *at += words;
            if words == 1 {
                return h;
            }
            n = words;
        }
    }

    /// The levels, from the bottom up.
    fn levels(&self) -> Levels {
        Levels {
            off: self.off as usize,
            bits: self.bits as usize,
            done: false,
        }
    }

    fn top(&self) -> usize {
        // A bitmap has at least one level, so `last()` is never `None`.
        self.levels()
            .last()
            .map_or(self.off as usize, |(off, _)| off)
    }

    fn is_empty(&self, w: &[u64]) -> bool {
        w[self.top()] == 0
    }

    fn test(&self, w: &[u64], i: usize) -> bool {
        w[self.off as usize + i / 64] & (1 << (i % 64)) != 0
    }

    fn set(&self, w: &mut [u64], mut i: usize) {
        for (off, _) in self.levels() {
            let word = &mut w[off + i / 64];
            let was_empty = *word == 0;
            *word |= 1 << (i % 64);
            if !was_empty {
                return;
            }
            i /= 64;
        }
    }

    fn clear(&self, w: &mut [u64], mut i: usize) {
        for (off, _) in self.levels() {
            let word = &mut w[off + i / 64];
            *word &= !(1 << (i % 64));
            if *word != 0 {
                return;
            }
            i /= 64;
        }
    }

    /// The lowest set bit, found from the top level down.
    fn first(&self, w: &[u64]) -> Option<usize> {
        let mut offs = [0usize; 8];
        let mut n = 0;
        for (off, _) in self.levels() {
            offs[n] = off;
            n += 1;
        }
        let mut i = 0;
        for &off in offs[..n].iter().rev() {
            let word = w[off + i];
            if word == 0 {
                return None;
            }
            i = i * 64 + word.trailing_zeros() as usize;
        }
        Some(i)
    }
}

/// The levels of an [`Hbits`]: (word offset, bits) from the bottom up.
struct Levels {
    off: usize,
    bits: usize,
    done: bool,
}

impl Iterator for Levels {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        if self.done {
            return None;
        }
        let item = (self.off, self.bits);
        let words = words_for(self.bits);
        if words == 1 {
            self.done = true;
        }
        self.off += words;
        self.bits = words;
        Some(item)
    }
}

/// Why [`Buddy::free`] refused a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeError {
    /// The range is empty or runs past the end of the pool.
    OutOfRange,
    /// Some page of the range is not allocated (a double free, or a range never handed out).
    NotAllocated,
}

/// A buddy allocator over page numbers `0..pages`.
///
/// # Invariants
///
/// - For every order `k`, bit `i` of `free[k]` is set iff pages `[i << k, (i + 1) << k)` form a
///   free block of order `k` whose buddy (if it exists) is not a free block of order `k`; free
///   blocks never overlap and together cover exactly the pages whose `owned` bit is clear.
/// - `nonempty` has bit `k` set iff `free[k]` has any bit set.
/// - `free_pages` is the number of pages whose `owned` bit is clear.
pub struct Buddy<W> {
    words: W,
    pages: usize,
    max_order: usize,
    free: [Hbits; MAX_ORDERS],
    owned: usize,
    nonempty: u64,
    free_pages: usize,
}

impl<W: DerefMut<Target = [u64]>> Buddy<W> {
    /// The highest order for a pool of `pages` pages, and the layout of its words.
    fn layout(pages: usize) -> (usize, [Hbits; MAX_ORDERS], usize, usize) {
        let pages = pages.min(u32::MAX as usize);
        let max_order = (usize::BITS - 1 - pages.max(1).leading_zeros()) as usize;
        let max_order = max_order.min(MAX_ORDERS - 1);
        let mut at = 0;
        let mut free = [Hbits::default(); MAX_ORDERS];
        for (k, h) in free.iter_mut().enumerate().take(max_order + 1) {
            *h = Hbits::layout(pages >> k, &mut at);
        }
        let owned = at;
        at += words_for(pages);
        (max_order, free, owned, at)
    }

    /// How many `u64` words an index of `pages` pages needs (about 3 bits per page).
    pub fn words_needed(pages: usize) -> usize {
        Self::layout(pages).3
    }

    /// An index of `pages` free pages, kept in `words`: at least [`Buddy::words_needed`] words,
    /// all zero. `None` if `pages` is 0 or `words` is too short or not zeroed.
    pub fn new(words: W, pages: usize) -> Option<Self> {
        let (max_order, free, owned, needed) = Self::layout(pages);
        if pages == 0
            || u32::try_from(pages).is_err()
            || u32::try_from(needed).is_err()
            || words.len() < needed
            || words[..needed].iter().any(|&w| w != 0)
        {
            return None;
        }
        let mut b = Self {
            words,
            pages,
            max_order,
            free,
            owned,
            nonempty: 0,
            free_pages: pages,
        };
        b.release(0, pages);
        Some(b)
    }

    /// Pages in the pool.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Pages not allocated.
    pub fn free_pages(&self) -> usize {
        self.free_pages
    }

    /// Allocates `n` contiguous pages and returns the first page number; `None` if no free block
    /// of `n.next_power_of_two()` pages exists.
    pub fn alloc(&mut self, n: usize) -> Option<usize> {
        if n == 0 || n > self.pages {
            return None;
        }
        let k = n.next_power_of_two().trailing_zeros() as usize;
        if k > self.max_order {
            return None;
        }
        let candidates = self.nonempty & (u64::MAX << k);
        if candidates == 0 {
            return None;
        }
        let mut j = candidates.trailing_zeros() as usize;
        // PANIC: `nonempty` says order `j` has a free block (type invariant).
        let mut i = self.free[j].first(&self.words)?;
        self.take(j, i);
        while j > k {
            j -= 1;
            i *= 2;
            self.put(j, i + 1);
        }
        let start = i << k;
        if n < 1 << k {
            self.release(start + n, (1 << k) - n);
        }
        self.set_owned(start, n, true);
        self.free_pages -= n;
        Some(start)
    }

    /// Frees pages `[start, start + n)`, which must all be allocated (by one or more calls of
    /// [`Buddy::alloc`]; a range may be freed in parts). On error nothing changes.
    pub fn free(&mut self, start: usize, n: usize) -> Result<(), FreeError> {
        match start.checked_add(n) {
            Some(end) if n > 0 && end <= self.pages => {}
            _ => return Err(FreeError::OutOfRange),
        }
        if !self.all_owned(start, n) {
            return Err(FreeError::NotAllocated);
        }
        self.set_owned(start, n, false);
        self.free_pages += n;
        self.release(start, n);
        Ok(())
    }

    /// Whether every page of `[start, start + n)` is allocated.
    pub fn is_allocated(&self, start: usize, n: usize) -> bool {
        start.checked_add(n).is_some_and(|end| end <= self.pages) && self.all_owned(start, n)
    }

    /// The largest block that one allocation can get now, in pages.
    pub fn largest_free(&self) -> usize {
        match self.nonempty {
            0 => 0,
            m => 1 << (63 - m.leading_zeros()),
        }
    }

    fn take(&mut self, k: usize, i: usize) {
        self.free[k].clear(&mut self.words, i);
        if self.free[k].is_empty(&self.words) {
            self.nonempty &= !(1 << k);
        }
    }

    fn put(&mut self, k: usize, i: usize) {
        self.free[k].set(&mut self.words, i);
        self.nonempty |= 1 << k;
    }

    /// Inserts free pages `[start, start + n)` as aligned blocks, merging each with free buddies.
    fn release(&mut self, start: usize, n: usize) {
        let end = start + n;
        let mut s = start;
        while s < end {
            let align = if s == 0 {
                self.max_order
            } else {
                s.trailing_zeros() as usize
            };
            let fits = (usize::BITS - 1 - (end - s).leading_zeros()) as usize;
            let k = align.min(fits).min(self.max_order);
            self.insert_merged(s >> k, k);
            s += 1 << k;
        }
    }

    fn insert_merged(&mut self, mut i: usize, mut k: usize) {
        while k < self.max_order {
            let buddy = i ^ 1;
            if (buddy + 1) << k > self.pages || !self.free[k].test(&self.words, buddy) {
                break;
            }
            self.take(k, buddy);
            i /= 2;
            k += 1;
        }
        self.put(k, i);
    }

    fn all_owned(&self, start: usize, n: usize) -> bool {
        OwnedSpans::new(start, n).all(|(w, mask)| self.words[self.owned + w] & mask == mask)
    }

    fn set_owned(&mut self, start: usize, n: usize, on: bool) {
        for (w, mask) in OwnedSpans::new(start, n) {
            let word = &mut self.words[self.owned + w];
            if on {
                *word |= mask;
            } else {
                *word &= !mask;
            }
        }
    }
}

/// The words of a bitmap that bits `[start, start + n)` fall in, with the mask in each.
struct OwnedSpans {
    at: usize,
    end: usize,
}

impl OwnedSpans {
    fn new(start: usize, n: usize) -> Self {
        Self {
            at: start,
            end: start + n,
        }
    }
}

impl Iterator for OwnedSpans {
    type Item = (usize, u64);

    fn next(&mut self) -> Option<(usize, u64)> {
        if self.at >= self.end {
            return None;
        }
        let bit = self.at % 64;
        let len = (64 - bit).min(self.end - self.at);
        let mask = if len == 64 {
            u64::MAX
        } else {
            ((1u64 << len) - 1) << bit
        };
        let word = self.at / 64;
        self.at += len;
        Some((word, mask))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: deterministic randomness without a crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn index(pages: usize) -> Buddy<Vec<u64>> {
        Buddy::new(vec![0; Buddy::<Vec<u64>>::words_needed(pages)], pages).unwrap()
    }

    /// Whether the model has a free, naturally aligned block of `1 << k` pages.
    fn model_has_block(model: &[bool], k: usize) -> bool {
        model
            .chunks_exact(1 << k)
            .any(|c| c.iter().all(|&owned| !owned))
    }

    #[test]
    fn whole_pool_then_empty() {
        for pages in [1, 2, 3, 5, 64, 65, 1000, 4096, 16384 + 7] {
            let mut b = index(pages);
            assert_eq!(b.free_pages(), pages);
            let mut got = Vec::new();
            while let Some(p) = b.alloc(1) {
                got.push(p);
            }
            got.sort_unstable();
            assert_eq!(got, (0..pages).collect::<Vec<_>>(), "{pages} pages");
            assert_eq!(b.free_pages(), 0);
            assert_eq!(b.largest_free(), 0);
            for p in got {
                b.free(p, 1).unwrap();
            }
            assert_eq!(b.free_pages(), pages);
            // Fully merged again: the largest aligned block is allocatable.
            let top = 1 << (usize::BITS - 1 - pages.leading_zeros());
            assert_eq!(b.largest_free(), top);
            assert_eq!(b.alloc(top), Some(0));
        }
    }

    #[test]
    fn exact_sizes_and_alignment() {
        let mut b = index(1024);
        let a = b.alloc(3).unwrap();
        assert_eq!(a % 4, 0);
        assert_eq!(b.free_pages(), 1021);
        // The tail page of the 4-page block is free again and is the next single page.
        assert_eq!(b.alloc(1), Some(a + 3));
        let big = b.alloc(256).unwrap();
        assert_eq!(big % 256, 0);
        assert!(b.is_allocated(big, 256));
        assert!(!b.is_allocated(big, 257));
    }

    #[test]
    fn bad_frees_change_nothing() {
        let mut b = index(128);
        let a = b.alloc(8).unwrap();
        assert_eq!(b.free(a, 9), Err(FreeError::NotAllocated));
        assert_eq!(b.free(a + 8, 1), Err(FreeError::NotAllocated));
        assert_eq!(b.free(127, 2), Err(FreeError::OutOfRange));
        assert_eq!(b.free(a, 0), Err(FreeError::OutOfRange));
        assert_eq!(b.free(usize::MAX, 2), Err(FreeError::OutOfRange));
        assert_eq!(b.free_pages(), 120);
        b.free(a, 8).unwrap();
        assert_eq!(b.free(a, 8), Err(FreeError::NotAllocated));
        assert_eq!(b.free_pages(), 128);
        assert_eq!(b.alloc(128), Some(0));
    }

    #[test]
    fn partial_frees_merge() {
        let mut b = index(64);
        let a = b.alloc(64).unwrap();
        b.free(a + 16, 16).unwrap();
        b.free(a, 1).unwrap();
        b.free(a + 32, 32).unwrap();
        b.free(a + 1, 15).unwrap();
        assert_eq!(b.alloc(64), Some(0));
    }

    #[test]
    fn refuses_what_cannot_fit() {
        let mut b = index(100);
        assert_eq!(b.alloc(0), None);
        assert_eq!(b.alloc(101), None);
        // 100 pages are blocks 64 + 32 + 4: 65 needs an order-7 block, which does not exist.
        assert_eq!(b.alloc(65), None);
        assert_eq!(b.alloc(64), Some(0));
        assert_eq!(b.alloc(33), None);
        assert_eq!(b.alloc(32), Some(64));
        assert_eq!(b.alloc(4), Some(96));
        assert_eq!(b.alloc(1), None);
    }

    #[test]
    fn new_checks_its_words() {
        type B = Buddy<Vec<u64>>;
        let need = B::words_needed(1000);
        assert!(B::new(vec![0; need - 1], 1000).is_none());
        let mut dirty = vec![0; need];
        dirty[need - 1] = 1;
        assert!(B::new(dirty, 1000).is_none());
        assert!(B::new(vec![0; 1], 0).is_none());
        // About three bits per page: two for the free sets of all orders, one of ownership.
        assert!(B::words_needed(1 << 18) * 64 < 4 * (1 << 18));
    }

    /// Random allocations and frees against a page-ownership model.
    #[test]
    fn matches_a_model() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for pages in [37, 512, 4099] {
            let mut b = index(pages);
            let mut model = vec![false; pages];
            let mut live: Vec<(usize, usize)> = Vec::new();
            for step in 0..20_000 {
                if live.is_empty() || rng.below(3) != 0 {
                    let max = if rng.below(4) == 0 { 300 } else { 8 };
                    let n = 1 + rng.below(max);
                    let k = n.next_power_of_two().trailing_zeros() as usize;
                    let possible = (1 << k) <= pages && model_has_block(&model, k);
                    match b.alloc(n) {
                        Some(s) => {
                            assert!(possible, "step {step}");
                            assert_eq!(s % (1 << k), 0);
                            assert!(model[s..s + n].iter().all(|&o| !o), "overlap, step {step}");
                            model[s..s + n].iter_mut().for_each(|o| *o = true);
                            live.push((s, n));
                        }
                        None => assert!(!possible, "alloc({n}) failed at step {step}"),
                    }
                } else {
                    let (s, n) = live.swap_remove(rng.below(live.len()));
                    // Free in one piece or in two.
                    if n > 1 && rng.below(2) == 0 {
                        let cut = 1 + rng.below(n - 1);
                        b.free(s + cut, n - cut).unwrap();
                        b.free(s, cut).unwrap();
                    } else {
                        b.free(s, n).unwrap();
                    }
                    model[s..s + n].iter_mut().for_each(|o| *o = false);
                }
                assert_eq!(b.free_pages(), model.iter().filter(|&&o| !o).count());
            }
            for (s, n) in live.drain(..) {
                b.free(s, n).unwrap();
            }
            assert_eq!(b.free_pages(), pages);
            let top = 1 << (usize::BITS - 1 - pages.leading_zeros());
            assert_eq!(b.alloc(top), Some(0));
        }
    }

    /// The search does not depend on the pool: on a pool whose every other page is held, a
    /// 16-page allocation looks at a few words per order, not at the held half.
    #[test]
    fn fragmented_large_pool() {
        let pages = 1 << 18; // 1 GiB of 4 KiB pages
        let mut b = index(pages);
        let held: Vec<usize> = (0..pages / 2).map(|_| b.alloc(1).unwrap()).collect();
        for p in held.iter().step_by(2) {
            b.free(*p, 1).unwrap();
        }
        let s = b.alloc(16).unwrap();
        assert!(s >= pages / 2);
        assert_eq!(b.alloc(1), Some(0));
    }
}
