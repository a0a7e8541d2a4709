//! layout.rs -- the object layout that movgc.h's inline accessors read (its
//! "internals of the inline paths" section, part of the library's ABI): the
//! only place this crate knows it, so that a layout change is one edit
//! here.  `tests::layout_matches_the_library` compares every accessor with
//! the library's out-of-line copy across the shapes that switch encodings.
//!
//! The 64-bit header word sits just before slot 0:
//!   bits 8..23 tag, bits 24..43 nrefs, bits 44..63 nbytes; an nrefs field
//!   of all ones (BIG) means both sizes sit in the two words before the
//!   header (nrefs at -3 words, nbytes at -2 words from slot 0).
//! Slot i is the pointer-sized word at slot 0 + 8 * i; the raw bytes start
//! right after the last slot.  Slot *writes* need the write barrier and go
//! through the library.
use std::os::raw::c_void;

const WORD: usize = 8;
const TAG_SHIFT: u32 = 8;
const TAG_MASK: u64 = 0xFFFF;
const NREFS_SHIFT: u32 = 24;
const NBYTES_SHIFT: u32 = 44;
const FIELD_MAX: u64 = 0xF_FFFF;
const BIG: u64 = FIELD_MAX;

#[inline]
unsafe fn word_before(obj: *const c_void, words: usize) -> u64 {
    *(obj as *const u64).sub(words)
}

/// The object's tag.  `obj` must be a current object address.
#[inline]
pub(crate) unsafe fn tag(obj: *const c_void) -> u16 {
    ((word_before(obj, 1) >> TAG_SHIFT) & TAG_MASK) as u16
}

/// The number of reference slots.
#[inline]
pub(crate) unsafe fn nrefs(obj: *const c_void) -> usize {
    let n = (word_before(obj, 1) >> NREFS_SHIFT) & FIELD_MAX;
    if n == BIG {
        word_before(obj, 3) as usize
    } else {
        n as usize
    }
}

/// The number of raw bytes.
#[inline]
pub(crate) unsafe fn nbytes(obj: *const c_void) -> usize {
    let hdr = word_before(obj, 1);
    if (hdr >> NREFS_SHIFT) & FIELD_MAX == BIG {
        word_before(obj, 2) as usize
    } else {
        (hdr >> NBYTES_SHIFT) as usize
    }
}

/// Slot `i` (unchecked: `i < nrefs(obj)`).
#[inline]
pub(crate) unsafe fn slot(obj: *const c_void, i: usize) -> *mut c_void {
    *(obj as *const *mut c_void).add(i)
}

/// The first raw byte.
#[inline]
pub(crate) unsafe fn data(obj: *const c_void) -> *mut u8 {
    (obj as *mut u8).add(WORD * nrefs(obj))
}

#[cfg(test)]
mod tests {
    use crate::sys;

    #[test]
    fn layout_matches_the_library() {
        let h = unsafe { sys::movgc_heap_new(std::ptr::null()) };
        assert!(!h.is_null());
        let sizes = [0usize, 1, 7, 8, 4095, 4096, 0xF_FFFE, 0xF_FFFF, 0x10_0000];
        for (k, &nrefs) in [0usize, 1, 3, 4096, 0xF_FFFF, 0x10_0001].iter().enumerate() {
            for &nbytes in sizes.iter() {
                let tag = (k * 9973 + nbytes) as u32 & 0xFFFF;
                unsafe {
                    let obj = sys::movgc_ffi_alloc(h, tag, nrefs, nbytes);
                    assert!(!obj.is_null());
                    assert_eq!(super::tag(obj) as u32, sys::movgc_ffi_tag(obj));
                    assert_eq!(super::nrefs(obj), sys::movgc_ffi_nrefs(obj));
                    assert_eq!(super::nbytes(obj), sys::movgc_ffi_nbytes(obj));
                    assert_eq!(super::data(obj) as *mut _, sys::movgc_ffi_data(obj));
                    if nrefs > 0 {
                        sys::movgc_ffi_set(h, obj, nrefs - 1, obj);
                        assert_eq!(super::slot(obj, nrefs - 1), obj);
                        assert_eq!(super::slot(obj, nrefs - 1), sys::movgc_ffi_get(obj, nrefs - 1));
                    }
                }
            }
        }
        unsafe { sys::movgc_heap_free(h) };
    }
}
