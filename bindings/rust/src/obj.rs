//! obj.rs -- rooted objects (`Obj`, `Weak`: movgc handles the collector
//! updates) and borrows of their contents (`ObjRef`, `ObjMut`), which
//! borrow the heap like HLock on a Classic Mac OS handle.

use std::fmt;
use std::os::raw::c_void;
use std::rc::Rc;
use std::slice;

use crate::heap::{Heap, Inner};
use crate::sys;

/// A rooted reference to a heap object: a strong movgc handle, so the
/// object stays alive and this value always finds it wherever collections
/// move it.  Cloning makes another handle; dropping frees this one.
pub struct Obj {
    inner: Rc<Inner>,
    hd: sys::movgc_handle,
}

impl Obj {
    /// A new handle on `addr` (null gives `None`; so does a full handle
    /// table, with the error left in `inner`).  Never collects.
    pub(crate) fn from_addr(inner: &Rc<Inner>, addr: *mut c_void) -> Option<Obj> {
        if addr.is_null() {
            return None;
        }
        let hd = unsafe { sys::movgc_handle_new(inner.raw(), addr) };
        if hd.id == 0 {
            return None;
        }
        Some(Obj {
            inner: inner.clone(),
            hd,
        })
    }

    pub(crate) fn inner(&self) -> &Rc<Inner> {
        &self.inner
    }

    /// The object's current address; valid until the next collection.
    pub(crate) fn addr(&self) -> *mut c_void {
        unsafe { sys::movgc_ffi_handle_get(self.inner.raw(), self.hd) }
    }

    /// The movgc handle id, for passing to C code that takes handles.
    pub fn handle_id(&self) -> u64 {
        self.hd.id
    }
}

impl Clone for Obj {
    fn clone(&self) -> Obj {
        Obj::from_addr(&self.inner, self.addr()).expect("movgc: handle table full")
    }
}

impl Drop for Obj {
    fn drop(&mut self) {
        unsafe { sys::movgc_handle_free(self.inner.raw(), self.hd) };
    }
}

/// Two `Obj`s are equal when they hold the same object.
impl PartialEq for Obj {
    fn eq(&self, other: &Obj) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner) && self.addr() == other.addr()
    }
}

impl Eq for Obj {}

impl fmt::Debug for Obj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Obj(handle {})", self.hd.id)
    }
}

/// A weak handle: `get` yields the object until a collection finds it
/// unreachable other than through weak handles, then `None`.
pub struct Weak {
    inner: Rc<Inner>,
    hd: sys::movgc_handle,
}

impl Weak {
    pub(crate) fn from_handle(inner: &Rc<Inner>, hd: sys::movgc_handle) -> Option<Weak> {
        if hd.id == 0 {
            None
        } else {
            Some(Weak {
                inner: inner.clone(),
                hd,
            })
        }
    }

    /// The object, rooted, or `None` once it is dead.  Never collects.
    pub fn get(&self) -> Option<Obj> {
        let addr = unsafe { sys::movgc_ffi_handle_get(self.inner.raw(), self.hd) };
        Obj::from_addr(&self.inner, addr)
    }
}

impl Drop for Weak {
    fn drop(&mut self) {
        unsafe { sys::movgc_handle_free(self.inner.raw(), self.hd) };
    }
}

/// Check slot index `i` of the object at `addr`.
unsafe fn check_index(addr: *const c_void, i: usize) {
    let n = sys::movgc_ffi_nrefs(addr);
    assert!(i < n, "movgc: slot {} of an object with {} slots", i, n);
}

/// Write `val` into slot `i` of the object at `addr`, with the barrier.
/// `addr` must be a current address of an object of `heap`.
pub(crate) unsafe fn set_slot(heap: &Heap, addr: *mut c_void, i: usize, val: Option<&Obj>) {
    check_index(addr, i);
    let v = match val {
        Some(obj) => {
            heap.check_owner(obj.inner());
            obj.addr()
        }
        None => std::ptr::null_mut(),
    };
    sys::movgc_ffi_set(heap.raw(), addr, i, v);
}

/// A read borrow of an object: its address is fixed for `'h` because the
/// heap is borrowed for `'h`, and only `&mut Heap` methods collect.
#[derive(Clone, Copy)]
pub struct ObjRef<'h> {
    heap: &'h Heap,
    addr: *mut c_void,
}

impl<'h> ObjRef<'h> {
    pub(crate) fn new(heap: &'h Heap, addr: *mut c_void) -> ObjRef<'h> {
        ObjRef { heap, addr }
    }

    /// The host's type tag.
    pub fn tag(&self) -> u16 {
        unsafe { sys::movgc_ffi_tag(self.addr) as u16 }
    }

    /// The number of reference slots.
    pub fn nrefs(&self) -> usize {
        unsafe { sys::movgc_ffi_nrefs(self.addr) }
    }

    /// The number of raw bytes.
    pub fn nbytes(&self) -> usize {
        unsafe { sys::movgc_ffi_nbytes(self.addr) }
    }

    /// The raw bytes, borrowed for as long as the heap is.
    pub fn bytes(&self) -> &'h [u8] {
        unsafe {
            let data = sys::movgc_ffi_data(self.addr) as *const u8;
            slice::from_raw_parts(data, self.nbytes())
        }
    }

    /// Slot `i`, borrowed like this object.  Panics if `i >= nrefs()`.
    pub fn slot(&self, i: usize) -> Option<ObjRef<'h>> {
        unsafe {
            check_index(self.addr, i);
            let val = sys::movgc_ffi_get(self.addr, i);
            if val.is_null() {
                None
            } else {
                Some(ObjRef::new(self.heap, val))
            }
        }
    }

    /// A rooted `Obj` for this object, to keep it past the borrow.
    pub fn root(&self) -> Obj {
        self.heap.root(self.addr).expect("movgc: handle table full")
    }

    /// The object's address now: changes when a collection moves it.
    pub fn addr(&self) -> usize {
        self.addr as usize
    }

    /// Whether `other` is the same object.
    pub fn same(&self, other: &ObjRef<'_>) -> bool {
        self.addr == other.addr
    }

    /// `movgc_identity_hash`: stable for the object's whole life.
    pub fn identity_hash(&self) -> u64 {
        unsafe { sys::movgc_identity_hash(self.heap.raw(), self.addr) }
    }
}

/// A write borrow of an object; it borrows the heap mutably.
pub struct ObjMut<'h> {
    heap: &'h mut Heap,
    addr: *mut c_void,
}

impl<'h> ObjMut<'h> {
    pub(crate) fn new(heap: &'h mut Heap, addr: *mut c_void) -> ObjMut<'h> {
        ObjMut { heap, addr }
    }

    /// A read view of the same object.
    pub fn as_ref(&self) -> ObjRef<'_> {
        ObjRef::new(self.heap, self.addr)
    }

    /// The raw bytes, readable.
    pub fn bytes(&self) -> &[u8] {
        self.as_ref().bytes()
    }

    /// The raw bytes, writable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        unsafe {
            let data = sys::movgc_ffi_data(self.addr) as *mut u8;
            slice::from_raw_parts_mut(data, sys::movgc_ffi_nbytes(self.addr))
        }
    }

    /// Store `val` in slot `i`.  Panics if `i` is out of range or `val`
    /// belongs to another heap.
    pub fn set(&mut self, i: usize, val: Option<&Obj>) {
        unsafe { set_slot(self.heap, self.addr, i, val) };
    }
}
