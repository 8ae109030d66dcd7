//! Memory hints for the model's random-access hot loops: cache prefetch,
//! and transparent huge pages for large tables (fewer TLB misses).

/// Asks the CPU to start loading the cache line at `p`. A hint only: it
/// never faults, whatever `p` points to, and does nothing off x86-64.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint; it cannot fault or change program state,
    // and SSE is part of the x86-64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Types whose all-zero bit pattern is a valid value, so that memory from
/// `alloc_zeroed` may be used as values of the type without writing them.
///
/// # Safety
///
/// Implement only for types for which every byte being 0 is a valid,
/// initialised value: no references, no `NonZero*`, no enums without a
/// zero discriminant, no padding that must be initialised, and so on.
/// Only [`zeroed_huge_page_vec`] relies on it.
pub(crate) unsafe trait Zeroable: Copy {}

// SAFETY: every bit pattern of a primitive integer is a valid value, the
// all-zero one included (0). The trust table's slots are `u64` words.
unsafe impl Zeroable for u64 {}

/// A vector of `n` zero values of `T`, allocated zeroed (so the kernel
/// supplies zero pages lazily), whose memory the kernel is asked to back
/// with transparent huge pages when it is large (Linux). Random access
/// into a table of hundreds of megabytes otherwise pays a page walk on
/// almost every lookup.
///
/// Only for [`Zeroable`] types: all-zero bytes must be a valid `T`.
pub(crate) fn zeroed_huge_page_vec<T: Zeroable>(n: usize) -> Vec<T> {
    use std::alloc::{Layout, alloc_zeroed, handle_alloc_error};
    if n == 0 || std::mem::size_of::<T>() == 0 {
        return Vec::new();
    }
    let layout = Layout::array::<T>(n).expect("table size fits in memory");
    // SAFETY: the layout is non-zero-sized; the pointer is checked for null
    // and handed to a Vec with the same layout (capacity n, length n, the
    // global allocator), whose elements are all-zero bytes: a valid value
    // of T because T: Zeroable.
    let v = unsafe {
        let ptr = alloc_zeroed(layout) as *mut T;
        if ptr.is_null() {
            handle_alloc_error(layout);
        }
        Vec::from_raw_parts(ptr, n, n)
    };
    advise_huge_pages(v.as_ptr(), layout.size());
    v
}

/// How many firms ahead a walk over firm ids prefetches.
pub(crate) const FIRMS_AHEAD: usize = 8;

/// A vector with room for `n` values, whose memory the kernel is asked to
/// back with transparent huge pages (Linux) when it is large: for tables
/// read at random, such as the firms, that would otherwise miss the TLB.
/// The memory is untouched, so the advice applies when it is first written.
pub(crate) fn huge_page_vec_with_capacity<T>(n: usize) -> Vec<T> {
    let v = Vec::with_capacity(n);
    advise_huge_pages(v.as_ptr(), n * std::mem::size_of::<T>());
    v
}

/// Asks for transparent huge pages over the whole 2 MiB pages inside
/// `bytes` bytes from `start` (a hint; failure is harmless).
fn advise_huge_pages<T>(start: *const T, bytes: usize) {
    #[cfg(target_os = "linux")]
    {
        let page = 2 << 20;
        let start = start as usize;
        let aligned = start.div_ceil(page) * page;
        let end = (start + bytes) / page * page;
        if end > aligned {
            // SAFETY: the range lies inside one allocation of the caller's;
            // MADV_HUGEPAGE only changes how pages are backed, never their
            // contents, and a failure is harmless.
            unsafe {
                libc::madvise(
                    aligned as *mut libc::c_void,
                    end - aligned,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_vectors_hold_zeros_and_grow_like_any_vector() {
        // Large enough for the huge-page advice (over 2 MiB).
        let mut v: Vec<u64> = zeroed_huge_page_vec(600_000);
        assert_eq!(v.len(), 600_000);
        assert!(v.iter().all(|&w| w == 0));
        v.push(7);
        assert_eq!(v[600_000], 7);
        assert!(zeroed_huge_page_vec::<u64>(0).is_empty());
    }
}
