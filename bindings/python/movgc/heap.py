"""heap.py -- a movgc heap for Python: objects held by handles, pinned byte
views, weak handles, finalizers, statistics.

Invariants:
  [py.handle]  a Python wrapper (Obj, Weak) owns exactly one movgc handle,
               and never keeps a raw object address between two calls: it
               asks its handle for the current address each time.
  [py.defer]   a wrapper collected by Python does not free its handle
               itself (it may die inside a callback, or while the library
               runs); it queues the id, and the heap frees queued ids at
               the start of its next operation.
  [py.pin]     raw bytes are reachable from Python only through a view
               made by `with obj.pinned()`, released before the matching
               unpin.
A heap is used by one thread at a time (movgc's rule).
"""
import ctypes
import weakref

from . import _capi
from ._capi import Handle, lib
from .errors import (HeapClosedError, MisuseError, MovgcError,
                     NotPinnedError, from_code)

_NOT_IMPLEMENTED = ("not implemented", "unimplemented")


class Heap:
    """A movgc heap.  Use it as a context manager, or call close().

    Heap(nursery_bytes=0, heap_limit=0, growth=0.0, stress=False,
         verify=False, verbose=False); zeros mean movgc's defaults, and the
    MOVGC_* environment variables apply as in C.  Errors the library
    reports become MovgcError subclasses raised by the call that caused
    them, carrying the library's message."""

    def __init__(self, nursery_bytes=0, heap_limit=0, growth=0.0,
                 stress=False, verify=False, verbose=False):
        self._h = None
        self._errors = []      # (code, message) reported, not yet raised
        self._pending = []     # exceptions raised by finalizers
        self._dead = []        # handles whose wrappers Python collected
        self._finalizers = {}  # key -> (Python function, identity hash)
        self._fin_keys = {}    # identity hash -> key of its finalizer
        self._next_key = 1
        self._on_error, self._finalize = _callbacks(weakref.ref(self))
        flags = ((_capi.MOVGC_STRESS if stress else 0)
                 | (_capi.MOVGC_VERIFY if verify else 0)
                 | (_capi.MOVGC_VERBOSE if verbose else 0))
        cfg = _capi.Config(nursery_bytes, heap_limit, growth, flags,
                           self._on_error, None)
        h = lib.movgc_heap_new(ctypes.byref(cfg))
        if self._errors or not h:
            if h:
                lib.movgc_heap_free(h)
            self._check()
            raise MovgcError("movgc_heap_new failed")
        self._h = h

    # -------------------------------------------------------- life cycle
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Free the heap and all its objects (no finalizers run).  Wrappers
        that outlive it raise HeapClosedError when used."""
        if self._h:
            lib.movgc_heap_free(self._h)
            self._h = None
            self._dead.clear()
            self._finalizers.clear()
            self._fin_keys.clear()

    def __del__(self):
        self.close()

    @property
    def closed(self):
        return not self._h

    # ------------------------------------------------- internal plumbing
    def _live(self):
        """The C heap, after freeing the handles of dead wrappers."""
        if not self._h:
            raise HeapClosedError("the heap is closed")
        while self._dead:
            lib.movgc_handle_free(self._h, self._dead.pop())
        self._check()
        return self._h

    def _check(self):
        """Raise what the library or a finalizer reported since the last
        check: library errors first, then finalizer exceptions."""
        if self._errors:
            code, msg = self._errors[0]
            self._errors.clear()
            raise from_code(code, msg)
        if self._pending:
            exc = self._pending.pop(0)
            raise exc

    def _addr(self, hd):
        """The current address of hd's object (None for NULL).  Valid only
        until the next call that may collect."""
        return lib.movgc_ffi_handle_get(self._live(), hd)

    def _wrap(self, addr, cls=None):
        """A new wrapper with its own handle for the object at addr."""
        if not addr:
            return None
        hd = lib.movgc_handle_new(self._h, addr)
        if not hd.id:
            self._check()
            raise MovgcError("movgc_handle_new failed")
        return (cls or Obj)(self, hd)

    def _owns(self, obj):
        if not isinstance(obj, Obj):
            raise TypeError("expected a movgc.Obj, got %r" % type(obj))
        if obj._heap is not self:
            raise MisuseError("the object belongs to another heap",
                              _capi.MOVGC_E_MISUSE)

    # ------------------------------------------------------------ objects
    def alloc(self, nrefs=0, nbytes=0, tag=0):
        """A new object with nrefs slots (all None) and nbytes zero bytes.
        May collect.  Raises NoMemoryError when the heap limit cannot be
        met, MisuseError for a tag above 65535."""
        if nrefs < 0 or nbytes < 0 or tag < 0:
            raise ValueError("nrefs, nbytes and tag must not be negative")
        addr = lib.movgc_ffi_alloc(self._live(), tag, nrefs, nbytes)
        self._check()
        if not addr:
            raise MovgcError("movgc_alloc failed")
        return self._wrap(addr)

    def alloc_bytes(self, data, tag=0):
        """A new object with no slots whose raw bytes are a copy of data.
        May collect."""
        data = bytes(data)
        if tag < 0:
            raise ValueError("tag must not be negative")
        addr = lib.movgc_ffi_alloc(self._live(), tag, 0, len(data))
        self._check()
        if not addr:
            raise MovgcError("movgc_alloc failed")
        # Nothing collects between the allocation and this copy.
        ctypes.memmove(lib.movgc_ffi_data(addr), data, len(data))
        return self._wrap(addr)

    def collect(self, full=True):
        """Collect: full (mark and compact everything) or minor."""
        lib.movgc_collect(self._live(),
                          _capi.MOVGC_FULL if full else _capi.MOVGC_MINOR)
        self._check()

    def stats(self):
        """movgc_stats as a dict of field name to int."""
        st = _capi.Stats()
        lib.movgc_get_stats(self._live(), ctypes.byref(st),
                            ctypes.sizeof(st))
        return {name: getattr(st, name) for name, _ in st._fields_}

    # ------------------------------------------- weak handles, finalizers
    def weak(self, obj):
        """A weak handle on obj: Weak.get() returns obj until a collection
        finds it otherwise unreachable, then None.  Raises
        NotImplementedError when the library lacks weak handles."""
        self._owns(obj)
        fn = _optional("movgc_weak_new")
        addr = obj._addr()
        hd = fn(self._h, addr)
        self._check_optional("movgc_weak_new")
        if not hd.id:
            raise MovgcError("movgc_weak_new failed")
        return Weak(self, hd)

    def set_finalizer(self, obj, fn):
        """Call fn(obj) once after a collection finds obj unreachable (fn
        None removes it).  fn may allocate; an exception it raises is
        raised by the heap call during which it ran.  Raises
        NotImplementedError when the library lacks finalizers."""
        self._owns(obj)
        setter = _optional("movgc_set_finalizer")
        addr = obj._addr()
        ident = lib.movgc_identity_hash(self._h, addr)
        old = self._fin_keys.pop(ident, None)
        if fn is None:
            setter(self._h, addr, ctypes.cast(None, _capi.FINALIZER), None)
        else:
            key, self._next_key = self._next_key, self._next_key + 1
            setter(self._h, addr, self._finalize, key)
            self._finalizers[key] = (fn, ident)
            self._fin_keys[ident] = key
        if old is not None:
            self._finalizers.pop(old, None)
        self._check_optional("movgc_set_finalizer")

    def _check_optional(self, name):
        """Like _check, but a library that says the feature is not
        implemented raises NotImplementedError with its message."""
        if self._errors:
            msg = self._errors[0][1]
            if any(word in msg.lower() for word in _NOT_IMPLEMENTED):
                self._errors.clear()
                raise NotImplementedError("%s: %s" % (name, msg))
        self._check()

    def _run_finalizer(self, addr, key):
        entry = self._finalizers.pop(key, None)
        if entry is None or not self._h:
            return
        fn, ident = entry
        self._fin_keys.pop(ident, None)
        obj = self._wrap(addr)
        try:
            fn(obj)
        except BaseException as exc:  # raised later, from the heap call
            self._pending.append(exc)


def _callbacks(ref):
    """The C callbacks of a heap; they hold it weakly, so that a heap
    nobody uses any more is freed by reference counting alone."""
    def on_error(h, code, msg, ud):
        heap = ref()
        if heap is not None:
            text = msg.decode("utf-8", "replace") if msg else ""
            if not text:
                text = lib.movgc_strerror(code).decode()
            heap._errors.append((code, text))

    def finalize(h, addr, ud):
        heap = ref()
        if heap is not None:
            try:
                heap._run_finalizer(addr, ud)
            except BaseException as exc:
                heap._pending.append(exc)

    return _capi.ON_ERROR(on_error), _capi.FINALIZER(finalize)


def _optional(name):
    fn = getattr(lib, name, None)
    if fn is None:
        raise NotImplementedError("%s: not in this libmovgc" % name)
    return fn


class _Wrapper:
    """Owner of one handle [py.handle]; frees it through the heap's queue
    [py.defer]."""
    __slots__ = ("_heap", "_hd", "__weakref__")

    def __init__(self, heap, hd):
        self._heap = heap
        self._hd = hd

    def __del__(self):
        heap = getattr(self, "_heap", None)
        if heap is not None and heap._h:
            heap._dead.append(self._hd)

    def _addr(self):
        return self._heap._addr(self._hd)

    @property
    def heap(self):
        return self._heap


class Obj(_Wrapper):
    """A heap object, held by a strong movgc handle for as long as this
    wrapper lives.  Slots are obj[i]; raw bytes only inside
    `with obj.pinned() as view:`."""
    __slots__ = ("_pins",)

    def __init__(self, heap, hd):
        super().__init__(heap, hd)
        self._pins = 0

    @property
    def tag(self):
        return lib.movgc_ffi_tag(self._addr())

    @property
    def nrefs(self):
        return lib.movgc_ffi_nrefs(self._addr())

    @property
    def nbytes(self):
        return lib.movgc_ffi_nbytes(self._addr())

    def __len__(self):
        return self.nrefs

    def _slot(self, i):
        addr = self._addr()
        n = lib.movgc_ffi_nrefs(addr)
        if not isinstance(i, int):
            raise TypeError("slot index must be an int")
        if not 0 <= i < n:
            raise IndexError("slot %d of an object with %d slots" % (i, n))
        return addr

    def __getitem__(self, i):
        """Slot i as a new Obj, or None."""
        return self._heap._wrap(lib.movgc_ffi_get(self._slot(i), i))

    def __setitem__(self, i, value):
        """Store an Obj of the same heap, or None, in slot i."""
        if value is not None:
            self._heap._owns(value)
        addr = self._slot(i)
        val = value._addr() if value is not None else None
        lib.movgc_ffi_set(self._heap._h, addr, i, val)
        self._heap._check()

    def pinned(self):
        """A context manager that pins the object and gives a writable
        memoryview of its raw bytes, released on exit.  May collect (a
        young object first moves out of the nursery)."""
        return _Pinned(self)

    def bytes(self):
        """A copy of the raw bytes; only inside `with obj.pinned():`."""
        if not self._pins:
            raise NotPinnedError("raw bytes are readable only inside "
                                 "`with obj.pinned():`",
                                 _capi.MOVGC_E_MISUSE)
        addr = self._addr()
        return ctypes.string_at(lib.movgc_ffi_data(addr),
                                lib.movgc_ffi_nbytes(addr))

    def identity_hash(self):
        """movgc_identity_hash: stable for the object's whole life."""
        return lib.movgc_identity_hash(self._heap._live(), self._addr())

    def __hash__(self):
        return hash(self.identity_hash())

    def __eq__(self, other):
        """Same heap object (not same contents)."""
        if not isinstance(other, Obj) or other._heap is not self._heap:
            return NotImplemented
        return self._addr() == other._addr()

    def __repr__(self):
        if self._heap.closed:
            return "<movgc.Obj of a closed heap>"
        return "<movgc.Obj tag=%d nrefs=%d nbytes=%d>" % (
            self.tag, self.nrefs, self.nbytes)


class _Pinned:
    """`with obj.pinned() as view`: one movgc_pin / movgc_unpin pair."""

    def __init__(self, obj):
        self._obj = obj
        self._views = None

    def __enter__(self):
        obj, heap = self._obj, self._obj._heap
        addr = lib.movgc_pin(heap._live(), obj._hd)
        heap._check()
        if not addr:
            raise MovgcError("movgc_pin failed")
        obj._pins += 1
        n = lib.movgc_ffi_nbytes(addr)
        raw = (ctypes.c_ubyte * n).from_address(lib.movgc_ffi_data(addr))
        base = memoryview(raw)
        self._views = (base.cast("B"), base)
        return self._views[0]

    def __exit__(self, *exc):
        obj, heap = self._obj, self._obj._heap
        try:
            for view in self._views:
                view.release()
        except BufferError:
            raise MisuseError("a buffer taken from the pinned view is "
                              "still in use; the object stays pinned",
                              _capi.MOVGC_E_MISUSE)
        obj._pins -= 1
        if heap._h:
            lib.movgc_unpin(heap._h, obj._hd)
            heap._check()
        return False


class Weak(_Wrapper):
    """A weak movgc handle: get() (or calling it) returns a new Obj for
    the object, or None once a collection found it dead."""
    __slots__ = ()

    def get(self):
        return self._heap._wrap(self._addr())

    __call__ = get
