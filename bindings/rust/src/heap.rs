//! heap.rs -- the heap: configuration, allocation, collection, error and
//! finalizer plumbing between libmovgc's callbacks and Rust.
//!
//! Invariants:
//! [rs.collect] every method that may collect takes `&mut self`; every
//!   borrow of object contents (`ObjRef`, `ObjMut`) borrows the `Heap`, so
//!   no raw address outlives a collection.
//! [rs.inner] `Inner` is shared (`Rc`) by the `Heap` and every `Obj` and
//!   `Weak`; the C heap is freed when the last of them goes.
//! [rs.unwind] no Rust panic crosses a C frame: callbacks catch it, and
//!   the heap call that ran the callback resumes it once C has returned.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use crate::error::{Error, ErrorKind};
use crate::obj::{Ephemeron, Obj, ObjMut, ObjRef, Pinned, PinnedMut, Weak};
use crate::sys;

/// Heap statistics, `movgc_stats`.
pub type Stats = sys::movgc_stats;

/// A finalizer: gets the heap (it may allocate) and the dying object,
/// rooted.
type FinalizerFn = Box<dyn FnOnce(&mut Heap, Obj)>;

/// What the C finalizer's `ud` points at: boxed, so its address is stable
/// while its entry sits in `Inner::finalizers`.
struct FinalizerKey {
    inner: *const Inner,
    key: usize,
}

/// A registered finalizer.
struct Finalizer {
    ud: Box<FinalizerKey>, // the C side's `ud`
    ident: u64,            // identity hash of the object
    f: FinalizerFn,
}

pub(crate) struct Inner {
    raw: Cell<*mut sys::movgc_heap>, // the C heap; null until created
    errors: RefCell<Vec<Error>>,     // reported, not yet returned
    panic: RefCell<Option<Box<dyn Any + Send>>>, // caught in a callback
    finalizers: RefCell<HashMap<usize, Finalizer>>, // by key
    by_ident: RefCell<HashMap<u64, usize>>, // identity hash -> finalizer key
    next_key: Cell<usize>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let raw = self.raw.get();
        if !raw.is_null() {
            unsafe { sys::movgc_heap_free(raw) };
        }
    }
}

impl Inner {
    pub(crate) fn raw(&self) -> *mut sys::movgc_heap {
        self.raw.get()
    }

    /// The first error reported since the last call, if any.
    pub(crate) fn take_error(&self) -> Option<Error> {
        let mut errors = self.errors.borrow_mut();
        if errors.is_empty() {
            None
        } else {
            let first = errors.remove(0);
            errors.clear();
            Some(first)
        }
    }

    /// After a call into C: resume a panic a callback caught
    /// [rs.unwind], else return the error the call reported.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let caught = self.panic.borrow_mut().take();
        if let Some(payload) = caught {
            panic::resume_unwind(payload);
        }
        match self.take_error() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

unsafe extern "C" fn on_error(
    _h: *mut sys::movgc_heap,
    code: c_int,
    msg: *const c_char,
    ud: *mut c_void,
) {
    let inner = &*(ud as *const Inner);
    let text = if msg.is_null() {
        sys::movgc_strerror(code)
    } else {
        msg
    };
    let message = if text.is_null() {
        String::new()
    } else {
        CStr::from_ptr(text).to_string_lossy().into_owned()
    };
    if let Ok(mut errors) = inner.errors.try_borrow_mut() {
        errors.push(Error {
            kind: ErrorKind::from_code(code),
            message,
        });
    }
}

unsafe extern "C" fn run_finalizer(_h: *mut sys::movgc_heap, obj: *mut c_void, ud: *mut c_void) {
    let fk = &*(ud as *const FinalizerKey);
    let inner_ptr = fk.inner;
    let entry = (*inner_ptr).finalizers.borrow_mut().remove(&fk.key);
    let Finalizer { ud: _ud, ident, f } = match entry {
        Some(entry) => entry, // `_ud` keeps `fk` alive until the end
        None => return,
    };
    (*inner_ptr).by_ident.borrow_mut().remove(&ident);
    // A second `Heap` on the same `Inner`: the heap call that runs this
    // finalizer holds `&mut Heap` and no contents borrow [rs.collect].
    Rc::increment_strong_count(inner_ptr);
    let mut heap = Heap {
        inner: Rc::from_raw(inner_ptr),
        primary: false,
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let dying = heap
            .root(obj)
            .expect("movgc: no handle for a finalized object");
        f(&mut heap, dying);
    }));
    if !ptr::eq(Rc::as_ptr(&heap.inner), inner_ptr) {
        // `f` swapped this `Heap` out (mem::swap): a second owner of the
        // heap could then alias the caller's borrows.  Stop first.
        eprintln!("movgc: a finalizer moved its &mut Heap out; aborting");
        std::process::abort();
    }
    if let Err(payload) = result {
        *heap.inner.panic.borrow_mut() = Some(payload);
    }
}

/// Settings for a new heap; zeros mean movgc's defaults (and the `MOVGC_*`
/// environment variables apply as in C).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Size of one nursery semispace in bytes.
    pub nursery_bytes: usize,
    /// Hard cap on bytes taken from the OS; 0 means none.
    pub heap_limit: usize,
    /// Old-space target = live * growth.
    pub growth: f64,
    /// Collect at every allocation (`MOVGC_STRESS`).
    pub stress: bool,
    /// Verify the heap around every collection (`MOVGC_VERIFY`).
    pub verify: bool,
    /// One line per collection on stderr (`MOVGC_VERBOSE`).
    pub verbose: bool,
}

/// A movgc heap.  Objects are reached through rooted [`Obj`] handles;
/// their contents through borrows ([`Heap::get`], [`Heap::get_mut`]) that
/// borrow the heap, so nothing that may collect can run meanwhile.
pub struct Heap {
    pub(crate) inner: Rc<Inner>,
    /// false for the stand-in a finalizer gets [rs.final]
    primary: bool,
}

/// [rs.final] Finalizers run only inside `&mut Heap` calls, so once the
/// user's `Heap` is gone none can run: their closures are dropped with it.
/// A closure holding an `Obj` or `Weak` of this heap (an `Rc` of `Inner`)
/// would otherwise keep the C heap alive forever, through itself.
impl Drop for Heap {
    fn drop(&mut self) {
        if self.primary {
            let closures = std::mem::take(&mut *self.inner.finalizers.borrow_mut());
            self.inner.by_ident.borrow_mut().clear();
            drop(closures); // outside the borrow: they may drop Objs
        }
    }
}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.stats();
        f.debug_struct("Heap")
            .field("heap_bytes", &st.heap_bytes)
            .field("minor_collections", &st.minor_collections)
            .field("full_collections", &st.full_collections)
            .finish()
    }
}

impl Heap {
    /// A heap with default settings.  Never collects.
    pub fn new() -> Result<Heap, Error> {
        Heap::with_config(&Config::default())
    }

    /// A heap with `cfg`.  Fails with `ErrorKind::Config` for a bad
    /// `MOVGC_*` variable, `ErrorKind::NoMemory` when the OS refuses.
    pub fn with_config(cfg: &Config) -> Result<Heap, Error> {
        let inner = Rc::new(Inner {
            raw: Cell::new(ptr::null_mut()),
            errors: RefCell::new(Vec::new()),
            panic: RefCell::new(None),
            finalizers: RefCell::new(HashMap::new()),
            by_ident: RefCell::new(HashMap::new()),
            next_key: Cell::new(1),
        });
        let flags = (if cfg.stress { sys::MOVGC_STRESS } else { 0 })
            | (if cfg.verify { sys::MOVGC_VERIFY } else { 0 })
            | (if cfg.verbose { sys::MOVGC_VERBOSE } else { 0 });
        let ccfg = sys::movgc_config {
            nursery_bytes: cfg.nursery_bytes,
            heap_limit: cfg.heap_limit,
            growth: cfg.growth,
            flags: flags as c_uint,
            on_error: Some(on_error),
            ud: Rc::as_ptr(&inner) as *mut c_void,
        };
        let raw = unsafe { sys::movgc_heap_new(&ccfg) };
        inner.raw.set(raw);
        let heap = Heap {
            inner,
            primary: true,
        };
        if let Some(err) = heap.inner.take_error() {
            return Err(err);
        }
        if raw.is_null() {
            return Err(Error {
                kind: ErrorKind::NoMemory,
                message: "movgc_heap_new failed".into(),
            });
        }
        Ok(heap)
    }

    pub(crate) fn raw(&self) -> *mut sys::movgc_heap {
        self.inner.raw()
    }

    /// A new rooted `Obj` for the object at `addr` (null gives `None`).
    /// Never collects.
    pub(crate) fn root(&self, addr: *mut c_void) -> Option<Obj> {
        Obj::from_addr(&self.inner, addr).ok().flatten()
    }

    pub(crate) fn check_owner(&self, inner: &Rc<Inner>) -> Result<(), Error> {
        if Rc::ptr_eq(&self.inner, inner) {
            Ok(())
        } else {
            Err(Error::misuse("an object of another heap".into()))
        }
    }

    /// Allocate an object tagged `tag` with `nrefs` slots (all `None`)
    /// and `nbytes` raw bytes (all zero).  May collect.  Fails with
    /// `ErrorKind::NoMemory` when the heap limit cannot be met.
    pub fn alloc(&mut self, tag: u16, nrefs: usize, nbytes: usize) -> Result<Obj, Error> {
        let addr = unsafe { sys::movgc_ffi_alloc(self.raw(), tag as c_uint, nrefs, nbytes) };
        self.inner.check()?;
        if addr.is_null() {
            return Err(Error {
                kind: ErrorKind::NoMemory,
                message: "movgc_alloc failed".into(),
            });
        }
        Obj::from_addr(&self.inner, addr).map(|o| o.expect("non-null"))
    }

    /// Allocate an object with no slots whose raw bytes are a copy of
    /// `data`.  May collect.
    pub fn alloc_bytes(&mut self, tag: u16, data: &[u8]) -> Result<Obj, Error> {
        let obj = self.alloc(tag, 0, data.len())?;
        self.get_mut(&obj)?.bytes_mut().copy_from_slice(data);
        Ok(obj)
    }

    /// Borrow `obj` for reading.  While the result (or anything taken from
    /// it) lives, the heap is borrowed: nothing that may collect compiles.
    /// Never collects.  `Err` (misuse) if `obj` belongs to another heap.
    pub fn get<'h>(&'h self, obj: &Obj) -> Result<ObjRef<'h>, Error> {
        self.check_owner(obj.inner())?;
        Ok(ObjRef::new(self, obj.addr()))
    }

    /// Borrow `obj` for writing its bytes and slots; borrows the heap
    /// mutably.  Never collects.  `Err` (misuse) if `obj` belongs to
    /// another heap.
    pub fn get_mut<'h>(&'h mut self, obj: &Obj) -> Result<ObjMut<'h>, Error> {
        self.check_owner(obj.inner())?;
        let addr = obj.addr();
        Ok(ObjMut::new(self, addr))
    }

    /// Slot `i` of `obj`, rooted.  Never collects.  `Err` (misuse) if `i`
    /// is out of range.
    pub fn slot(&self, obj: &Obj, i: usize) -> Result<Option<Obj>, Error> {
        match self.get(obj)?.slot(i)? {
            Some(r) => r.root().map(Some),
            None => Ok(None),
        }
    }

    /// Store `val` (an `Obj` of this heap, or `None`) in slot `i` of
    /// `obj`.  Never collects.  `Err` (misuse) if `i` is out of range or
    /// an object belongs to another heap.
    pub fn set(&self, obj: &Obj, i: usize, val: Option<&Obj>) -> Result<(), Error> {
        self.check_owner(obj.inner())?;
        unsafe { crate::obj::set_slot(self, obj.addr(), i, val) }
    }

    /// Pin `obj` and borrow its raw bytes in place: the object does not
    /// move until the guard drops, so its pointer may be given to C.  May
    /// collect (a young object first moves out of the nursery), which is
    /// why it takes `&mut self`; the guard then borrows the heap.
    pub fn pin<'h>(&'h mut self, obj: &Obj) -> Result<Pinned<'h>, Error> {
        let (hd, addr) = self.pin_handle(obj)?;
        Ok(Pinned::new(self, hd, addr))
    }

    /// [`Heap::pin`] with write access to the bytes.
    pub fn pin_mut<'h>(&'h mut self, obj: &Obj) -> Result<PinnedMut<'h>, Error> {
        let (hd, addr) = self.pin_handle(obj)?;
        Ok(PinnedMut::new(Pinned::new(self, hd, addr)))
    }

    /// A new handle on obj, pinned, and the object's stable address.
    fn pin_handle(&mut self, obj: &Obj) -> Result<(sys::movgc_handle, *mut c_void), Error> {
        self.check_owner(obj.inner())?;
        let own = obj.try_clone()?;
        let hd = own.handle();
        std::mem::forget(own); // the guard frees the handle
        let addr = unsafe { sys::movgc_pin(self.raw(), hd) };
        if let Err(err) = self.inner.check() {
            unsafe { sys::movgc_handle_free(self.raw(), hd) };
            return Err(err);
        }
        if addr.is_null() {
            unsafe { sys::movgc_handle_free(self.raw(), hd) };
            return Err(Error::misuse("movgc_pin gave no object".into()));
        }
        Ok((hd, addr))
    }

    /// An ephemeron holding `value` for as long as `key` is reachable
    /// other than through ephemeron values.  Never collects.
    pub fn ephemeron(&self, key: &Obj, value: Option<&Obj>) -> Result<Ephemeron, Error> {
        self.check_owner(key.inner())?;
        let vaddr = match value {
            Some(v) => {
                self.check_owner(v.inner())?;
                v.addr()
            }
            None => ptr::null_mut(),
        };
        let hd = unsafe { sys::movgc_ephemeron_new(self.raw(), key.addr(), vaddr) };
        self.inner.check()?;
        if hd.id == 0 {
            return Err(Error::no_handle());
        }
        Ok(Ephemeron::new(&self.inner, hd))
    }

    /// A full collection: mark, compact, return memory to the OS.  Every
    /// object may move.  Runs due finalizers (a finalizer's panic is
    /// resumed here).
    pub fn collect(&mut self) -> Result<(), Error> {
        unsafe { sys::movgc_collect(self.raw(), sys::MOVGC_FULL) };
        self.inner.check()
    }

    /// A minor collection: empty the nursery.  Young objects move.
    pub fn collect_minor(&mut self) -> Result<(), Error> {
        unsafe { sys::movgc_collect(self.raw(), sys::MOVGC_MINOR) };
        self.inner.check()
    }

    /// The heap's statistics.  Never collects.
    pub fn stats(&self) -> Stats {
        let mut st = Stats::default();
        unsafe { sys::movgc_get_stats(self.raw(), &mut st, std::mem::size_of::<Stats>()) };
        st
    }

    /// A weak handle on `obj`.  Never collects.  Fails (see
    /// `Error::is_unimplemented`) when the library lacks weak handles.
    pub fn weak(&self, obj: &Obj) -> Result<Weak, Error> {
        self.check_owner(obj.inner())?;
        let hd = unsafe { sys::movgc_weak_new(self.raw(), obj.addr()) };
        self.inner.check()?;
        if hd.id == 0 {
            return Err(Error::no_handle());
        }
        Ok(Weak::new(&self.inner, hd))
    }

    /// Run `f(heap, obj)` once after a collection finds `obj` unreachable
    /// (replacing any finalizer set before).  `f` may allocate.  `Obj`s
    /// and `Weak`s `f` captures stay alive until it runs, or until the
    /// `Heap` is dropped, which drops every finalizer not run yet.
    /// Never collects.
    pub fn set_finalizer<F>(&self, obj: &Obj, f: F) -> Result<(), Error>
    where
        F: FnOnce(&mut Heap, Obj) + 'static,
    {
        self.check_owner(obj.inner())?;
        let key = self.inner.next_key.get();
        self.inner.next_key.set(key + 1);
        let fk = Box::new(FinalizerKey {
            inner: Rc::as_ptr(&self.inner),
            key,
        });
        let ud = &*fk as *const FinalizerKey as *mut c_void;
        let addr = obj.addr();
        unsafe { sys::movgc_set_finalizer(self.raw(), addr, Some(run_finalizer), ud) };
        self.inner.check()?;
        let ident = self.forget_finalizer(addr, Some(key));
        let entry = Finalizer {
            ud: fk,
            ident,
            f: Box::new(f),
        };
        self.inner.finalizers.borrow_mut().insert(key, entry);
        Ok(())
    }

    /// Remove `obj`'s finalizer, if any.  Never collects.
    pub fn clear_finalizer(&self, obj: &Obj) -> Result<(), Error> {
        self.check_owner(obj.inner())?;
        let addr = obj.addr();
        unsafe { sys::movgc_set_finalizer(self.raw(), addr, None, ptr::null_mut()) };
        self.inner.check()?;
        self.forget_finalizer(addr, None);
        Ok(())
    }

    /// Drop the closure of the finalizer `addr` had, recording `new`;
    /// returns `addr`'s identity hash.
    fn forget_finalizer(&self, addr: *mut c_void, new: Option<usize>) -> u64 {
        let ident = unsafe { sys::movgc_identity_hash(self.raw(), addr) };
        let old = match new {
            Some(key) => self.inner.by_ident.borrow_mut().insert(ident, key),
            None => self.inner.by_ident.borrow_mut().remove(&ident),
        };
        if let Some(old) = old {
            let closure = self.inner.finalizers.borrow_mut().remove(&old);
            drop(closure); // outside the borrow: it may drop Objs
        }
        ident
    }
}
