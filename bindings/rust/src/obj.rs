//! obj.rs -- rooted objects (`Obj`, `Weak`, `Ephemeron`: movgc handles the
//! collector updates) and borrows of their contents (`ObjRef`, `ObjMut`,
//! `Pinned`), which borrow the heap like HLock on a Classic Mac OS handle.
//! Contents are read inline (layout.rs); slot writes go through the
//! library's write barrier; a handle's current address comes from the
//! library (the handle table's layout is not part of the ABI).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};
use std::os::raw::c_void;
use std::rc::Rc;
use std::slice;

use crate::error::Error;
use crate::heap::{Heap, Inner};
use crate::layout;
use crate::sys;

/// A rooted reference to a heap object: a strong movgc handle, so the
/// object stays alive and this value always finds it wherever collections
/// move it.  Cloning makes another handle; dropping frees this one.
/// Equality is identity; the hash is the object's identity hash.
pub struct Obj {
    inner: Rc<Inner>,
    hd: sys::movgc_handle,
}

impl Obj {
    /// A new handle on `addr` (null gives `Ok(None)`).  Never collects.
    pub(crate) fn from_addr(inner: &Rc<Inner>, addr: *mut c_void) -> Result<Option<Obj>, Error> {
        if addr.is_null() {
            return Ok(None);
        }
        let hd = unsafe { sys::movgc_handle_new(inner.raw(), addr) };
        if hd.id == 0 {
            return Err(inner.take_error().unwrap_or_else(Error::no_handle));
        }
        Ok(Some(Obj {
            inner: inner.clone(),
            hd,
        }))
    }

    pub(crate) fn inner(&self) -> &Rc<Inner> {
        &self.inner
    }

    pub(crate) fn handle(&self) -> sys::movgc_handle {
        self.hd
    }

    /// The object's current address; valid until the next collection.
    pub(crate) fn addr(&self) -> *mut c_void {
        unsafe { sys::movgc_ffi_handle_get(self.inner.raw(), self.hd) }
    }

    /// The movgc handle id, for passing to C code that takes handles.
    pub fn handle_id(&self) -> u64 {
        self.hd.id
    }

    /// Another handle on the same object; fails only when the handle table
    /// cannot grow.  Never collects.
    pub fn try_clone(&self) -> Result<Obj, Error> {
        Obj::from_addr(&self.inner, self.addr())
            .map(|o| o.expect("movgc: a rooted object has an address"))
    }

    /// The object's identity hash (`movgc_identity_hash`), stable although
    /// the object moves.  Never collects.
    pub fn identity_hash(&self) -> u64 {
        unsafe { sys::movgc_identity_hash(self.inner.raw(), self.addr()) }
    }
}

/// Panics when the handle table cannot grow; see [`Obj::try_clone`].
impl Clone for Obj {
    fn clone(&self) -> Obj {
        self.try_clone().expect("movgc: handle table cannot grow")
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

impl Hash for Obj {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity_hash().hash(state);
    }
}

impl fmt::Debug for Obj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let addr = self.addr();
        let mut d = f.debug_struct("Obj");
        d.field("handle", &format_args!("{:#x}", self.hd.id));
        if !addr.is_null() {
            unsafe {
                d.field("tag", &layout::tag(addr))
                    .field("nrefs", &layout::nrefs(addr))
                    .field("nbytes", &layout::nbytes(addr));
            }
        }
        d.finish()
    }
}

/// A weak handle: `get` yields the object until a collection finds it
/// unreachable other than through weak handles, then `None`.
pub struct Weak {
    inner: Rc<Inner>,
    hd: sys::movgc_handle,
}

impl Weak {
    pub(crate) fn new(inner: &Rc<Inner>, hd: sys::movgc_handle) -> Weak {
        Weak {
            inner: inner.clone(),
            hd,
        }
    }

    /// The object, rooted, or `None` once it is dead.  Never collects.
    pub fn get(&self) -> Option<Obj> {
        let addr = unsafe { sys::movgc_ffi_handle_get(self.inner.raw(), self.hd) };
        Obj::from_addr(&self.inner, addr).ok().flatten()
    }
}

impl Drop for Weak {
    fn drop(&mut self) {
        unsafe { sys::movgc_handle_free(self.inner.raw(), self.hd) };
    }
}

impl fmt::Debug for Weak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alive = unsafe { !sys::movgc_ffi_handle_get(self.inner.raw(), self.hd).is_null() };
        f.debug_struct("Weak")
            .field("handle", &format_args!("{:#x}", self.hd.id))
            .field("alive", &alive)
            .finish()
    }
}

/// An ephemeron ([`Heap::ephemeron`]): holds its value while its key is
/// reachable other than through ephemeron values; once a collection
/// finds the key dead, `key` and `value` give `None`.
pub struct Ephemeron {
    inner: Rc<Inner>,
    hd: sys::movgc_handle,
}

impl Ephemeron {
    pub(crate) fn new(inner: &Rc<Inner>, hd: sys::movgc_handle) -> Ephemeron {
        Ephemeron {
            inner: inner.clone(),
            hd,
        }
    }

    /// The key, rooted, or `None` once it died.  Never collects.
    pub fn key(&self) -> Option<Obj> {
        let addr = unsafe { sys::movgc_ffi_handle_get(self.inner.raw(), self.hd) };
        Obj::from_addr(&self.inner, addr).ok().flatten()
    }

    /// The value, rooted, or `None` once the key died (or if it was
    /// `None`).  Never collects.
    pub fn value(&self) -> Option<Obj> {
        let addr = unsafe { sys::movgc_ephemeron_value(self.inner.raw(), self.hd) };
        Obj::from_addr(&self.inner, addr).ok().flatten()
    }
}

impl Drop for Ephemeron {
    fn drop(&mut self) {
        unsafe { sys::movgc_handle_free(self.inner.raw(), self.hd) };
    }
}

impl fmt::Debug for Ephemeron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ephemeron")
            .field("handle", &format_args!("{:#x}", self.hd.id))
            .field("key_alive", &self.key().is_some())
            .finish()
    }
}

/// Check slot index `i` of the object at `addr`.
#[inline]
fn check_index(addr: *const c_void, i: usize) -> Result<(), Error> {
    let n = unsafe { layout::nrefs(addr) };
    if i < n {
        Ok(())
    } else {
        Err(bad_index(i, n))
    }
}

#[cold]
#[inline(never)]
fn bad_index(i: usize, n: usize) -> Error {
    Error::misuse(format!("slot {} of an object with {} slots", i, n))
}

/// Write `val` into slot `i` of the object at `addr`, with the barrier.
/// `addr` must be a current address of an object of `heap`.
pub(crate) unsafe fn set_slot(
    heap: &Heap,
    addr: *mut c_void,
    i: usize,
    val: Option<&Obj>,
) -> Result<(), Error> {
    check_index(addr, i)?;
    let v = match val {
        Some(obj) => {
            heap.check_owner(obj.inner())?;
            obj.addr()
        }
        None => std::ptr::null_mut(),
    };
    sys::movgc_ffi_set(heap.raw(), addr, i, v);
    heap.inner.check()
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
    #[inline]
    pub fn tag(&self) -> u16 {
        unsafe { layout::tag(self.addr) }
    }

    /// The number of reference slots.
    #[inline]
    pub fn nrefs(&self) -> usize {
        unsafe { layout::nrefs(self.addr) }
    }

    /// The number of raw bytes.
    #[inline]
    pub fn nbytes(&self) -> usize {
        unsafe { layout::nbytes(self.addr) }
    }

    /// The raw bytes, borrowed for as long as the heap is.
    #[inline]
    pub fn bytes(&self) -> &'h [u8] {
        unsafe { slice::from_raw_parts(layout::data(self.addr), self.nbytes()) }
    }

    /// Slot `i`, borrowed like this object; `Err` (misuse) if
    /// `i >= nrefs()`.
    #[inline]
    pub fn slot(&self, i: usize) -> Result<Option<ObjRef<'h>>, Error> {
        check_index(self.addr, i)?;
        let val = unsafe { layout::slot(self.addr, i) };
        Ok(if val.is_null() {
            None
        } else {
            Some(ObjRef::new(self.heap, val))
        })
    }

    /// A rooted `Obj` for this object, to keep it past the borrow; fails
    /// only when the handle table cannot grow.
    pub fn root(&self) -> Result<Obj, Error> {
        Obj::from_addr(&self.heap.inner, self.addr).map(|o| o.expect("non-null"))
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

impl fmt::Debug for ObjRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjRef")
            .field("addr", &self.addr)
            .field("tag", &self.tag())
            .field("nrefs", &self.nrefs())
            .field("nbytes", &self.nbytes())
            .finish()
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
    #[inline]
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        unsafe {
            slice::from_raw_parts_mut(layout::data(self.addr), layout::nbytes(self.addr))
        }
    }

    /// Store `val` in slot `i`.  `Err` (misuse) if `i` is out of range or
    /// `val` belongs to another heap.
    pub fn set(&mut self, i: usize, val: Option<&Obj>) -> Result<(), Error> {
        unsafe { set_slot(self.heap, self.addr, i, val) }
    }
}

impl fmt::Debug for ObjMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

/// A pinned object's raw bytes ([`Heap::pin`]): the object does not move
/// while this guard lives, so [`Pinned::as_ptr`] may be handed to C code.
/// The guard holds a pinned handle of its own and borrows the heap.
pub struct Pinned<'h> {
    heap: &'h Heap,
    hd: sys::movgc_handle,
    data: *mut u8,
    len: usize,
}

impl<'h> Pinned<'h> {
    pub(crate) fn new(heap: &'h Heap, hd: sys::movgc_handle, addr: *mut c_void) -> Pinned<'h> {
        let (data, len) = unsafe { (layout::data(addr), layout::nbytes(addr)) };
        Pinned { heap, hd, data, len }
    }

    /// The first raw byte; stable while the guard lives.
    pub fn as_ptr(&self) -> *const u8 {
        self.data
    }
}

impl Deref for Pinned<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        unsafe { slice::from_raw_parts(self.data, self.len) }
    }
}

impl Drop for Pinned<'_> {
    fn drop(&mut self) {
        // Freeing the handle drops its pin.
        unsafe { sys::movgc_handle_free(self.heap.raw(), self.hd) };
    }
}

impl fmt::Debug for Pinned<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pinned")
            .field("data", &self.data)
            .field("len", &self.len)
            .finish()
    }
}

/// [`Pinned`] with write access; borrows the heap mutably.
pub struct PinnedMut<'h> {
    pinned: Pinned<'h>,
}

impl<'h> PinnedMut<'h> {
    pub(crate) fn new(pinned: Pinned<'h>) -> PinnedMut<'h> {
        PinnedMut { pinned }
    }

    /// The first raw byte; stable while the guard lives.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.pinned.data
    }
}

impl Deref for PinnedMut<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.pinned
    }
}

impl DerefMut for PinnedMut<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        unsafe { slice::from_raw_parts_mut(self.pinned.data, self.pinned.len) }
    }
}

impl fmt::Debug for PinnedMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pinned.fmt(f)
    }
}
