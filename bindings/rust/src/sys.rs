//! sys.rs -- the C API of libmovgc as used by this crate (movgc.h, and the
//! exported copies of its inline functions from movgc_ffi.h).
#![allow(non_camel_case_types)]
// The whole C API is declared; the inline paths (layout.rs) replace the
// out-of-line accessors, which its test still compares with.
#![allow(dead_code)]

use std::os::raw::{c_char, c_int, c_uint, c_void};

#[repr(C)]
pub struct movgc_heap {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct movgc_handle {
    pub id: u64,
}

pub type OnError = unsafe extern "C" fn(*mut movgc_heap, c_int, *const c_char, *mut c_void);
pub type Finalizer = unsafe extern "C" fn(*mut movgc_heap, *mut c_void, *mut c_void);

#[repr(C)]
pub struct movgc_config {
    pub nursery_bytes: usize,
    pub heap_limit: usize,
    pub growth: f64,
    pub flags: c_uint,
    pub on_error: Option<OnError>,
    pub ud: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct movgc_stats {
    pub minor_collections: u64,
    pub full_collections: u64,
    pub bytes_allocated: u64,
    pub bytes_promoted: u64,
    pub bytes_compacted: u64,
    pub live_bytes: usize,
    pub heap_bytes: usize,
    pub total_pause_ns: u64,
    pub max_pause_ns: u64,
}

pub const MOVGC_STRESS: c_uint = 1;
pub const MOVGC_VERIFY: c_uint = 2;
pub const MOVGC_VERBOSE: c_uint = 4;
pub const MOVGC_MINOR: c_int = 1;
pub const MOVGC_FULL: c_int = 2;

extern "C" {
    pub fn movgc_heap_new(cfg: *const movgc_config) -> *mut movgc_heap;
    pub fn movgc_heap_free(h: *mut movgc_heap);
    pub fn movgc_ffi_alloc(
        h: *mut movgc_heap,
        tag: c_uint,
        nrefs: usize,
        nbytes: usize,
    ) -> *mut c_void;
    pub fn movgc_ffi_nrefs(obj: *const c_void) -> usize;
    pub fn movgc_ffi_nbytes(obj: *const c_void) -> usize;
    pub fn movgc_ffi_tag(obj: *const c_void) -> c_uint;
    pub fn movgc_ffi_get(obj: *const c_void, i: usize) -> *mut c_void;
    pub fn movgc_ffi_set(h: *mut movgc_heap, obj: *mut c_void, i: usize, val: *mut c_void);
    pub fn movgc_ffi_data(obj: *mut c_void) -> *mut c_void;
    pub fn movgc_ffi_handle_get(h: *mut movgc_heap, hd: movgc_handle) -> *mut c_void;
    pub fn movgc_handle_new(h: *mut movgc_heap, obj: *mut c_void) -> movgc_handle;
    pub fn movgc_handle_free(h: *mut movgc_heap, hd: movgc_handle);
    pub fn movgc_weak_new(h: *mut movgc_heap, obj: *mut c_void) -> movgc_handle;
    pub fn movgc_set_finalizer(
        h: *mut movgc_heap,
        obj: *mut c_void,
        f: Option<Finalizer>,
        ud: *mut c_void,
    );
    pub fn movgc_identity_hash(h: *mut movgc_heap, obj: *mut c_void) -> u64;
    pub fn movgc_collect(h: *mut movgc_heap, kind: c_int);
    pub fn movgc_get_stats(h: *mut movgc_heap, out: *mut movgc_stats, size: usize);
    pub fn movgc_strerror(code: c_int) -> *const c_char;
    pub fn movgc_handle_set(h: *mut movgc_heap, hd: movgc_handle, obj: *mut c_void);
    pub fn movgc_ephemeron_new(
        h: *mut movgc_heap,
        key: *mut c_void,
        value: *mut c_void,
    ) -> movgc_handle;
    pub fn movgc_ephemeron_value(h: *mut movgc_heap, hd: movgc_handle) -> *mut c_void;
    pub fn movgc_pin(h: *mut movgc_heap, hd: movgc_handle) -> *mut c_void;
    pub fn movgc_unpin(h: *mut movgc_heap, hd: movgc_handle);
    pub fn movgc_ffi_prep(
        h: *mut movgc_heap,
        cif: *mut ffi_cif,
        nargs: c_uint,
        rtype: *mut ffi_type,
        atypes: *mut *mut ffi_type,
    ) -> c_int;
    pub fn movgc_ffi_call(
        h: *mut movgc_heap,
        cif: *mut ffi_cif,
        f: Option<unsafe extern "C" fn()>,
        rvalue: *mut c_void,
        avalue: *mut *mut c_void,
        pass: *const u8,
    ) -> c_int;
}

/// libffi's `ffi_type` (ffi.h); only the predefined instances are used.
#[repr(C)]
pub struct ffi_type {
    pub size: usize,
    pub alignment: u16,
    pub type_: u16,
    pub elements: *mut *mut ffi_type,
}

/// libffi's `ffi_cif` for the default ABI of x86-64 and AArch64 Linux
/// (no extra fields); filled by movgc_ffi_prep, never read here.
#[repr(C)]
pub struct ffi_cif {
    pub abi: c_uint,
    pub nargs: c_uint,
    pub arg_types: *mut *mut ffi_type,
    pub rtype: *mut ffi_type,
    pub bytes: c_uint,
    pub flags: c_uint,
    pub reserved: [u64; 4], // room for ports with more fields
}

pub const MOVGC_FFI_VALUE: u8 = 0;
pub const MOVGC_FFI_OBJ: u8 = 1;
pub const MOVGC_FFI_DATA: u8 = 2;

extern "C" {
    pub static mut ffi_type_void: ffi_type;
    pub static mut ffi_type_sint64: ffi_type;
    pub static mut ffi_type_double: ffi_type;
    pub static mut ffi_type_pointer: ffi_type;
}
