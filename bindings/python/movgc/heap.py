"""heap.py -- a movgc heap for Python: objects held by handles, byte copies
and pinned byte views, weak handles, ephemerons, finalizers, statistics.

Invariants:
  [py.handle]  a wrapper (Obj, Weak, Ephemeron) owns exactly one movgc
               handle and names its object only by that handle's id: no raw
               address outlives the hold on the heap's lock it was read
               under, so no operation sees a stale one.
  [py.owner]   every library call on a heap is made holding heap._lock (a
               reentrant lock: finalizers and on_error run Python code, on
               the calling thread, inside a call) by the thread the library
               takes for the heap's owner: heap._owner is the serial number
               (_thread_serial) of the last thread that created or adopted
               the heap, and a thread that is not it calls movgc_heap_adopt
               first, under the same hold.  The GIL alone is not enough: a
               thread may switch between the adopt and the call, and during
               a callback.  Not threading.get_ident(): a thread started
               after another ended may get its ident, and would pass for
               the owner without being the library's.
  [py.defer]   a wrapper that dies does not free its handle itself (it may
               die inside a callback, while the library runs): it queues
               the id, and the heap frees queued ids in batches, at the
               latest at its next allocation, collection or pin; an
               allocation or slot read (which make handles) frees them once
               _FREE_BATCH are queued.
  [py.pin]     raw memory is reachable from Python only through a buffer
               exported by `obj.pinned()`, which owns its own pinned
               handle; that handle is freed (unpinning) only when the
               exporter dies, i.e. once every view, slice and ctypes object
               made from it was released.  The C heap is freed only when
               no such buffer is left.
  [py.range]   every integer reaches C in range: ctypes would silently
               truncate it.
  [py.close]   the C heap is never freed inside a library call of its own:
               close() from a finalizer (which runs inside one) only marks
               the heap closed, and the call frees it once the library has
               returned (_after).
  [py.fast]    the hot operations (Heap.alloc; Obj's slots, read, write,
               shape; a wrapper's death) live in a base class: the C
               extension movgc._fast when it loads (_extension.py), else
               the _Py* classes below, over ctypes.  Both keep the
               invariants above, raise the same errors (the extension hands
               every unusual case to this module's Python code) and share
               the heap state: _h, _lock, _owner, _dead, _pending, _errors.
"""
import array
import ctypes
import itertools
import threading
import warnings
import weakref
from typing import (Any, Callable, Dict, List, Optional, Tuple, Union)

from . import _capi, _extension
from ._capi import Handle, SIZE_MAX, TAG_MAX, lib
from .errors import (HeapClosedError, MisuseError, MovgcError, NoMemoryError,
                     from_code)

_alloc_handle = lib.movgc_alloc_handle
_alloc_bytes_handle = lib.movgc_alloc_bytes_handle
_handle_slot = lib.movgc_handle_slot
_handle_set_slot = lib.movgc_handle_set_slot
_handle_read = lib.movgc_handle_read
_handle_write = lib.movgc_handle_write
_handle_shape = lib.movgc_handle_shape
_handle_dup = lib.movgc_handle_dup
_handle_same = lib.movgc_handle_same
_handle_hash = lib.movgc_handle_hash
_handles_free = lib.movgc_handles_free
_heap_adopt = lib.movgc_heap_adopt

_FREE_BATCH = 256   # dead wrappers' handles freed in one call
_BIG_READ = 4096    # explicit read sizes checked before the buffer exists
_fast = _extension.load()   # None: the ctypes path [py.fast]
_Bytes = Union[bytes, bytearray, memoryview]
_serials = itertools.count(1)


class _ThisThread(threading.local):
    """.serial: the calling thread's serial number, never reused
    [py.owner] (given at the thread's first use of it)."""

    def __init__(self) -> None:
        self.serial = next(_serials)


_this_thread = _ThisThread()


def _py_thread_serial() -> int:
    return _this_thread.serial   # type: ignore[no-any-return]


# The ctypes path's twin of _fast.thread_serial: they share heap._owner.
_thread_serial: Callable[[], int] = (_fast.thread_serial if _fast
                                     else _py_thread_serial)


def _size(value: int, what: str) -> int:
    """value as a size_t, or an exception: never truncated [py.range]."""
    if value.__class__ is not int:
        value = _index_of(value, what)
    if value < 0:
        raise ValueError("%s must not be negative (got %d)" % (what, value))
    if value > SIZE_MAX:
        raise NoMemoryError("%s = %d cannot be represented in a size_t"
                            % (what, value), _capi.MOVGC_E_NOMEM)
    return value


def _index_of(value: Any, what: str) -> int:
    try:
        return value.__index__()
    except AttributeError:
        raise TypeError("%s must be an integer, not %s"
                        % (what, type(value).__name__)) from None


def _offset(value: int, what: str) -> int:
    """value as a byte offset or count: out of range is MisuseError, the
    library's answer to a range beyond the object [py.range]."""
    if value.__class__ is not int:
        value = _index_of(value, what)
    if not 0 <= value <= SIZE_MAX:
        raise MisuseError("%s %d out of range" % (what, value),
                          _capi.MOVGC_E_MISUSE)
    return value


def _tag(tag: int) -> int:
    if tag.__class__ is not int:
        tag = _index_of(tag, "tag")
    if not 0 <= tag <= TAG_MAX:
        raise MisuseError("tag %d outside 0..%d" % (tag, TAG_MAX),
                          _capi.MOVGC_E_MISUSE)
    return tag


class _PyHeapBase:
    """The heap state shared with the hot paths, and Heap.alloc, for the
    ctypes path [py.fast]; _fast.HeapBase is its C twin."""

    def __init__(self) -> None:
        self._h: Any = None               # the movgc_heap *, None if closed
        self._lock: Any = threading.RLock()   # held around library calls
        self._owner = _this_thread.serial   # the library's owner [py.owner]
        self._errors: Dict[int, Tuple[int, str]] = {}  # thread serial -> first
        self._pending: List[BaseException] = []  # raised by finalizers
        self._dead: List[int] = []        # handle ids of dead wrappers

    def alloc(self, nrefs: int = 0, nbytes: int = 0, tag: int = 0) -> "Obj":
        """A new object with nrefs slots (all None) and nbytes zero bytes.
        May collect.  Raises NoMemoryError when the heap limit cannot be
        met, MisuseError for a tag outside 0..65535."""
        if tag.__class__ is not int or not 0 <= tag <= TAG_MAX:
            tag = _tag(tag)
        if (nrefs.__class__ is not int or nbytes.__class__ is not int
                or not 0 <= nrefs <= SIZE_MAX or not 0 <= nbytes <= SIZE_MAX):
            nrefs, nbytes = _size(nrefs, "nrefs"), _size(nbytes, "nbytes")
        lock = self._lock   # acquire/release: half the cost of with
        lock.acquire()
        try:
            h = self._h
            if not h or self._owner != _this_thread.serial:
                h = self._live()   # raises if closed, else adopts
            if len(self._dead) >= _FREE_BATCH:
                self._flush(h)
            hid = _alloc_handle(h, tag, nrefs, nbytes)
            if not hid:
                self._raise("movgc_alloc")
            if self._pending or not self._h:
                self._after()
        finally:
            lock.release()
        obj = _new_obj(Obj)
        obj._heap = self
        obj._id = hid
        return obj

    def _flush(self, h: int) -> None:
        """Free dead wrappers' handles; under self._lock, as the owner."""
        dead = self._dead
        had_error = _thread_serial() in self._errors
        while dead:
            batch = dead[:]
            del dead[:len(batch)]   # ids queued meanwhile stay queued
            ids = array.array("Q", batch)   # no ctypes object per id
            _handles_free(h, (_capi.c_u64 * len(ids)).from_buffer(ids),
                          len(ids))
        if not had_error and self._errors:
            self._flush_failed()


_HeapBase: Any = _fast.HeapBase if _fast else _PyHeapBase
_ptr: Any = int if _fast else ctypes.c_void_p   # the form of Heap._h


class Heap(_HeapBase):
    """A movgc heap.  Use it as a context manager, or call close().

    Heap(nursery_bytes=0, heap_limit=0, growth=0.0, stress=False,
         verify=False, verbose=False); zeros mean movgc's defaults, and the
    MOVGC_* environment variables apply as in C.  Errors the library
    reports become MovgcError subclasses raised by the call that caused
    them, carrying the library's message.  A heap may be used from several
    threads: calls are serialised, and each thread adopts the heap (takes
    it over from the library's point of view) before its first call after
    another thread's [py.owner]."""

    def __init__(self, nursery_bytes: int = 0, heap_limit: int = 0,
                 growth: float = 0.0, stress: bool = False,
                 verify: bool = False, verbose: bool = False) -> None:
        _HeapBase.__init__(self)   # _h, _lock, _owner, _errors, ... [py.fast]
        self._raw: Any = None             # the movgc_heap * until freed
        self._in_callback = 0             # finalizers running [py.close]
        self._exports = 0                 # live pinned buffers [py.pin]
        self._finalizers: Dict[int, Tuple[Callable[["Obj"], Any], int]] = {}
        self._fin_keys: Dict[int, int] = {}  # identity hash -> key
        self._next_key = 1
        self._on_error, self._finalize = _callbacks(weakref.ref(self))
        flags = ((_capi.MOVGC_STRESS if stress else 0)
                 | (_capi.MOVGC_VERIFY if verify else 0)
                 | (_capi.MOVGC_VERBOSE if verbose else 0))
        cfg = _capi.Config(_size(nursery_bytes, "nursery_bytes"),
                           _size(heap_limit, "heap_limit"), growth, flags,
                           self._on_error, None)
        h = lib.movgc_heap_new(ctypes.byref(cfg))
        if self._errors or not h:
            if h:
                lib.movgc_heap_free(h)
            self._raise()
            raise MovgcError("movgc_heap_new failed")
        # ctypes path: a ctypes object, passed to C without a conversion.
        self._h = self._raw = _ptr(h)

    # -------------------------------------------------------- life cycle
    def __enter__(self) -> "Heap":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.close()
        return False

    def close(self) -> None:
        """Free the heap and all its objects (no finalizers run).  Wrappers
        that outlive it raise HeapClosedError when used.  Memory exported
        by pinned() stays mapped until the last such buffer is released.
        Called from a finalizer, it closes the heap at once and frees it
        when the heap call that ran the finalizer returns [py.close]."""
        with self._lock:
            if self._h:
                self._h = None
                self._dead.clear()
                self._finalizers.clear()
                self._fin_keys.clear()
                self._free_if_unexported()

    def _free_if_unexported(self) -> None:
        with self._lock:
            if (self._raw and not self._h and not self._exports
                    and not self._in_callback):
                if self._owner != _thread_serial():
                    self._adopt()
                raw, self._raw = self._raw, None
                lib.movgc_heap_free(raw)

    def __del__(self) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return not self._h

    def __repr__(self) -> str:
        if not self._h:
            return "<movgc.Heap closed>"
        st = self.stats()
        return ("<movgc.Heap heap_bytes=%d minor=%d full=%d>"
                % (st["heap_bytes"], st["minor_collections"],
                   st["full_collections"]))

    def __copy__(self) -> "Heap":
        raise TypeError("a movgc.Heap cannot be copied")

    def __deepcopy__(self, memo: Any) -> "Heap":
        raise TypeError("a movgc.Heap cannot be copied")

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("a movgc.Heap cannot be pickled")

    # ------------------------------------------------- internal plumbing
    def _adopt(self) -> None:
        """Make the calling thread the heap's owner; under self._lock
        [py.owner]."""
        _heap_adopt(self._raw)
        self._owner = _thread_serial()

    def _live(self) -> int:
        """The C heap, owned by this thread, after freeing the handles of
        dead wrappers.  Only under self._lock [py.owner]."""
        h = self._h
        if not h:
            raise HeapClosedError("the heap is closed", _capi.MOVGC_E_MISUSE)
        if self._owner != _thread_serial():
            self._adopt()
        if self._dead:
            self._flush(h)
        return h

    def _flush_failed(self) -> None:
        """Freeing queued ids reported an error: a wrapper owned a handle
        that C code freed, or was made by hand with a wrong id.  It is not
        the error of the call that flushed (nor of a later one), so it is
        a warning, not an exception."""
        err = self._errors.pop(_thread_serial(), None)
        if err is not None:
            warnings.warn("movgc: the handle of a dead wrapper could not be "
                          "freed: %s" % err[1], RuntimeWarning, stacklevel=4)

    def _raise(self, what: str = "") -> None:
        """Raise what the library reported to this thread, else what a
        finalizer raised, else (with what) a generic failure."""
        err = self._errors.pop(_thread_serial(), None)
        if err is not None:
            raise from_code(err[0], err[1])
        if self._pending:
            raise self._pending.pop(0)
        if what:
            raise MovgcError("%s failed" % what)

    def _after(self) -> None:
        """After a call that may collect (so may have run finalizers):
        free the heap if one closed it [py.close], raise the exception
        one raised."""
        if not self._h:
            self._free_if_unexported()
        if self._errors or self._pending:
            self._raise()

    def _closed(self) -> HeapClosedError:
        return HeapClosedError("the heap is closed", _capi.MOVGC_E_MISUSE)

    def _owns(self, obj: "Obj") -> None:
        if not isinstance(obj, Obj):
            raise TypeError("expected a movgc.Obj, got %s"
                            % type(obj).__name__)
        if obj._heap is not self:
            raise MisuseError("the object belongs to another heap",
                              _capi.MOVGC_E_MISUSE)

    def _addr(self, obj: "Obj") -> int:
        """obj's address: valid only until the next call that may collect,
        so used only right before a call that never collects, under the
        same hold on self._lock."""
        addr = lib.movgc_ffi_handle_get(self._live(), Handle(obj._id))
        if not addr:
            self._raise("movgc_handle_get")
            raise MisuseError("the handle holds no object",
                              _capi.MOVGC_E_MISUSE)
        return addr

    # ------------------------------------------------------------ objects
    def alloc_bytes(self, data: _Bytes, tag: int = 0) -> "Obj":
        """A new object with no slots whose raw bytes are a copy of data.
        May collect."""
        data = bytes(data)
        tag = _tag(tag)
        with self._lock:
            hid = _alloc_bytes_handle(self._live(), tag, data, len(data))
            if not hid:
                self._raise("movgc_alloc")
            self._after()
        return Obj(self, hid)

    def collect(self, full: bool = True) -> None:
        """Collect: full (mark and compact everything) or minor.  Runs due
        finalizers; the first exception one raised is raised here."""
        with self._lock:
            lib.movgc_collect(self._live(),
                              _capi.MOVGC_FULL if full else _capi.MOVGC_MINOR)
            self._after()

    def stats(self) -> Dict[str, int]:
        """movgc_stats as a dict of field name to int."""
        st = _capi.Stats()
        with self._lock:
            lib.movgc_get_stats(self._live(), ctypes.byref(st),
                                ctypes.sizeof(st))
        return {name: getattr(st, name) for name, _ in st._fields_}

    def handle_set(self, obj: "Obj", target: Optional["Obj"]) -> None:
        """Make obj's handle hold target's object (movgc_handle_set): obj
        then is target's object.  target None leaves obj holding nothing
        (any use but handle_set raises MisuseError).  A handle pinned by a
        live pinned() buffer cannot be set (MisuseError).
        Never collects."""
        self._owns(obj)
        if target is not None:
            self._owns(target)
        with self._lock:
            addr = None if target is None else self._addr(target)
            lib.movgc_handle_set(self._live(), Handle(obj._id), addr)
            if self._errors:
                self._raise()

    # ------------------------------------- weak handles, ephemerons, final
    def weak(self, obj: "Obj") -> "Weak":
        """A weak handle on obj: Weak.get() returns obj until a collection
        finds it otherwise unreachable, then None.  Never collects."""
        self._owns(obj)
        with self._lock:
            hd = lib.movgc_weak_new(self._h, self._addr(obj))
            if not hd.id:
                self._raise("movgc_weak_new")
        return Weak(self, hd.id)

    def ephemeron(self, key: "Obj", value: Optional["Obj"]) -> "Ephemeron":
        """An ephemeron: holds value for as long as key is reachable other
        than through ephemeron values (a weak-keyed table's entry); once a
        collection finds key dead, key() and value() return None.
        Never collects."""
        self._owns(key)
        if value is not None:
            self._owns(value)
        with self._lock:
            kaddr = self._addr(key)
            vaddr = None if value is None else self._addr(value)
            hd = lib.movgc_ephemeron_new(self._h, kaddr, vaddr)
            if not hd.id:
                self._raise("movgc_ephemeron_new")
        return Ephemeron(self, hd.id)

    def set_finalizer(self, obj: "Obj",
                      fn: Optional[Callable[["Obj"], Any]]) -> None:
        """Call fn(obj) once after a collection finds obj unreachable (fn
        None removes it).  fn may allocate; an exception it raises is
        raised by the heap call during which it ran.  Never collects."""
        self._owns(obj)
        with self._lock:
            ident = obj.identity_hash()
            addr = self._addr(obj)
            old = self._fin_keys.pop(ident, None)
            if fn is None:
                lib.movgc_set_finalizer(self._h, addr,
                                        ctypes.cast(None, _capi.FINALIZER),
                                        None)
            else:
                key, self._next_key = self._next_key, self._next_key + 1
                lib.movgc_set_finalizer(self._h, addr, self._finalize, key)
                self._finalizers[key] = (fn, ident)
                self._fin_keys[ident] = key
            if old is not None:
                self._finalizers.pop(old, None)
            if self._errors:
                self._raise()

    def _run_finalizer(self, addr: int, key: int) -> None:
        """Called by the library, inside a call of the owning thread that
        holds self._lock: fn's own heap calls re-enter the lock and need
        no adopt [py.owner]."""
        entry = self._finalizers.pop(key, None)
        if entry is None or not self._h:
            return
        fn, ident = entry
        self._fin_keys.pop(ident, None)
        hd = lib.movgc_handle_new(self._h, addr)
        if not hd.id:
            return
        self._in_callback += 1   # inside the library's call [py.close]
        try:
            fn(Obj(self, hd.id))
        except BaseException as exc:  # raised later, from the heap call
            self._pending.append(exc)
        finally:
            self._in_callback -= 1

    def _export_done(self, pin_id: int) -> None:
        """A pinned buffer's exporter died: unpin by freeing its handle
        [py.pin].  Runs on whichever thread drops the last view."""
        with self._lock:
            self._exports -= 1
            if self._h:
                self._dead.append(pin_id)
            else:
                self._free_if_unexported()


def _callbacks(ref: "weakref.ReferenceType[Heap]") -> Tuple[Any, Any]:
    """The C callbacks of a heap; they hold it weakly, so that a heap
    nobody uses any more is freed by reference counting alone."""
    def on_error(h: int, code: int, msg: bytes, ud: int) -> None:
        heap = ref()
        if heap is not None:
            text = msg.decode("utf-8", "replace") if msg else ""
            if not text:
                text = lib.movgc_strerror(code).decode()
            heap._errors.setdefault(_thread_serial(), (code, text))

    def finalize(h: int, addr: int, ud: int) -> None:
        heap = ref()
        if heap is not None:
            try:
                heap._run_finalizer(addr, ud)
            except BaseException as exc:
                heap._pending.append(exc)

    return _capi.ON_ERROR(on_error), _capi.FINALIZER(finalize)


class _PyWrapperBase:
    """Owner of one handle [py.handle]; frees it through the heap's queue
    [py.defer].  The ctypes path's twin of _fast.WrapperBase."""
    __slots__ = ("_heap", "_id")
    _heap: Heap
    _id: int

    def __init__(self, heap: Heap, hid: int) -> None:
        if not isinstance(heap, Heap) or hid.__class__ is not int:
            raise TypeError("a movgc wrapper is made of a Heap and an id")
        self._heap = heap
        self._id = hid

    def __del__(self) -> None:
        try:
            heap = self._heap
        except AttributeError:   # made by hand with __new__ alone
            return
        if heap._h and self._id:   # id 0: a copy of a handle holding none
            heap._dead.append(self._id)


_WrapperBase: Any = _fast.WrapperBase if _fast else _PyWrapperBase


class _Wrapper(_WrapperBase):
    """Owner of one handle (see _PyWrapperBase).  Copying makes a second
    handle; pickling is refused."""
    __slots__ = ()
    _heap: Heap
    _id: int

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("a movgc.%s cannot be pickled: it names an object "
                        "of one heap in this process" % type(self).__name__)

    def __deepcopy__(self, memo: Any) -> Any:
        raise TypeError("a movgc.%s cannot be deep-copied (copy.copy makes "
                        "another handle on the same object)"
                        % type(self).__name__)

    def _dup(self) -> int:
        """A new strong handle's id on this handle's object, or 0."""
        heap = self._heap
        with heap._lock:
            hid = _handle_dup(heap._live(), self._id)
            if not hid and heap._errors:
                heap._raise()
        return hid

    @property
    def heap(self) -> Heap:
        return self._heap

    @property
    def handle_id(self) -> int:
        """The movgc handle id (for C code that takes handles)."""
        return self._id


class _PyObjBase(_PyWrapperBase):
    """Obj's hot operations for the ctypes path; _fast.ObjBase is their
    C twin [py.fast]."""
    __slots__ = ()

    @property
    def tag(self) -> int:
        return self._shape().tag

    @property
    def nrefs(self) -> int:
        return self._shape().nrefs

    @property
    def nbytes(self) -> int:
        return self._shape().nbytes

    def __len__(self) -> int:
        return self._shape().nrefs

    def __getitem__(self, i: int) -> Optional["Obj"]:
        """Slot i as a new Obj, or None."""
        if i.__class__ is not int or not 0 <= i <= SIZE_MAX:
            i = self._index(i)
        heap = self._heap
        lock = heap._lock
        lock.acquire()
        try:
            h = heap._h
            if not h or heap._owner != _this_thread.serial:
                h = heap._live()
            if len(heap._dead) >= _FREE_BATCH:   # reads alone make handles
                heap._flush(h)
            hid = _handle_slot(h, self._id, i)
            if not hid:
                if heap._errors:
                    heap._raise_slot(self, i)
                return None
        finally:
            lock.release()
        obj = _new_obj(Obj)
        obj._heap = heap
        obj._id = hid
        return obj

    def __setitem__(self, i: int, value: Optional["Obj"]) -> None:
        """Store an Obj of the same heap, or None, in slot i."""
        if i.__class__ is not int or not 0 <= i <= SIZE_MAX:
            i = self._index(i)
        heap = self._heap
        if value is None:
            vid = 0
        elif value.__class__ is Obj and value._heap is heap:
            vid = value._id
        else:
            heap._owns(value)
            vid = value._id
        lock = heap._lock
        lock.acquire()
        try:
            h = heap._h
            if not h or heap._owner != _this_thread.serial:
                h = heap._live()
            if _handle_set_slot(h, self._id, i, vid):
                heap._raise_slot(self, i)
        finally:
            lock.release()

    def read(self, offset: int = 0, size: Optional[int] = None) -> bytes:
        """A copy of size raw bytes from offset (default: to the end).  No
        pin needed.  Never collects."""
        heap = self._heap
        offset = _offset(offset, "offset")
        if size is not None:
            size = _offset(size, "size")
        lock = heap._lock   # one hold for the shape and the copy
        lock.acquire()
        try:
            h = heap._h
            if not h or heap._owner != _this_thread.serial:
                h = heap._live()
            if size is None or size > _BIG_READ:
                shape = _capi.Shape()
                if _handle_shape(h, self._id, shape):
                    heap._raise("movgc_handle_shape")
                if size is None:
                    size = max(shape.nbytes - offset, 0)
                elif offset > shape.nbytes or size > shape.nbytes - offset:
                    _handle_read(h, self._id, offset, None, size)
                    heap._raise("movgc_handle_read")   # the range error
            buf = (ctypes.c_char * size)()   # array types cached by size
            if _handle_read(h, self._id, offset, buf, size):
                heap._raise("movgc_handle_read")
        finally:
            lock.release()
        return buf.raw

    def write(self, data: _Bytes, offset: int = 0) -> None:
        """Copy data into the raw bytes at offset.  Never collects."""
        if data.__class__ is not bytes:
            data = bytes(data)
        offset = _offset(offset, "offset")
        heap = self._heap
        lock = heap._lock
        lock.acquire()
        try:
            h = heap._h
            if not h or heap._owner != _this_thread.serial:
                h = heap._live()
            if _handle_write(h, self._id, offset, data, len(data)):
                heap._raise("movgc_handle_write")
        finally:
            lock.release()


_ObjBase: Any = _fast.ObjBase if _fast else _PyObjBase
_new_obj = object.__new__


class Obj(_ObjBase, _Wrapper):
    """A heap object, held by a strong movgc handle for as long as this
    wrapper lives.  Slots are obj[i]; raw bytes are copied with read() and
    write(), or reached in place inside `with obj.pinned() as view:`.
    Equality is identity of the heap object; hash() is its identity hash.
    copy.copy(obj) is another wrapper (another handle) on the same
    object."""
    __slots__ = ()

    def _shape(self) -> "_capi.Shape":
        heap = self._heap
        shape = _capi.Shape()   # per call: another thread may run between
        lock = heap._lock
        lock.acquire()
        try:
            h = heap._h
            if not h or heap._owner != _thread_serial():
                h = heap._live()
            if _handle_shape(h, self._id, shape):
                heap._raise("movgc_handle_shape")
        finally:
            lock.release()
        return shape

    def __bool__(self) -> bool:
        return True   # an object, whatever its number of slots

    def _index(self, i: Any) -> int:
        """i as a slot index: an integer in 0..nrefs-1, else IndexError
        (no indexing from the end: slot -1 is a mistake, not the last)."""
        i = _index_of(i, "slot index") if i.__class__ is not int else i
        n = self._shape().nrefs
        if not 0 <= i < n:
            raise IndexError("slot index %d out of range (%d slots)" % (i, n))
        return i

    def _addr(self) -> int:
        """The object's current address (for tests of moving): valid only
        until the next call that may collect."""
        heap = self._heap
        with heap._lock:
            return heap._addr(self)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def bytes(self) -> bytes:
        """A copy of all the raw bytes.  Never collects."""
        return self.read()

    def pinned(self) -> "_Pinned":
        """A context manager giving a writable memoryview of the raw bytes
        in place.  The object does not move while that view, or any slice,
        memoryview or ctypes object made from it, lives (even past the
        block).  May collect (a young object first moves out of the
        nursery)."""
        return _Pinned(self)

    def identity_hash(self) -> int:
        """movgc_identity_hash: stable for the object's whole life."""
        heap = self._heap
        with heap._lock:
            value = _handle_hash(heap._live(), self._id)
            if heap._errors:
                heap._raise()
        return value

    def __hash__(self) -> int:
        return hash(self.identity_hash())

    def __eq__(self, other: object) -> bool:
        """Same heap object (not same contents)."""
        if not isinstance(other, Obj) or other._heap is not self._heap:
            return NotImplemented
        heap = self._heap
        with heap._lock:
            same = _handle_same(heap._live(), self._id, other._id)
            if heap._errors:
                heap._raise()
        return bool(same)

    def __copy__(self) -> "Obj":
        return Obj(self._heap, self._dup())

    def __repr__(self) -> str:
        heap = self._heap
        shape = _capi.Shape()
        with heap._lock:
            if not heap._h:
                return "<movgc.Obj of a closed heap>"
            if _handle_shape(heap._live(), self._id, shape):
                heap._errors.pop(_thread_serial(), None)
                return "<movgc.Obj handle=%#x holding nothing>" % self._id
        return "<movgc.Obj tag=%d nrefs=%d nbytes=%d handle=%#x>" % (
            shape.tag, shape.nrefs, shape.nbytes, self._id)


def _raise_slot(heap: Heap, obj: Obj, i: int) -> None:
    """The error of a failed slot access: an IndexError for a bad index."""
    err = heap._errors.pop(_thread_serial(), None)
    if err is not None and err[0] == _capi.MOVGC_E_MISUSE and \
            "slots" in err[1]:
        raise IndexError("slot index %d out of range: %s" % (i, err[1]))
    if err is not None:
        raise from_code(err[0], err[1])
    heap._raise()


Heap._raise_slot = _raise_slot  # type: ignore[attr-defined]


class _Pinned:
    """`with obj.pinned() as view`: pins through a handle of its own that
    lives as long as the exported buffer [py.pin]."""

    def __init__(self, obj: Obj) -> None:
        self._obj = obj
        self._view: Optional[memoryview] = None

    def __enter__(self) -> memoryview:
        obj, heap = self._obj, self._obj._heap
        with heap._lock:
            pin_id = obj._dup()
            if not pin_id:
                raise MisuseError("the handle holds no object",
                                  _capi.MOVGC_E_MISUSE)
            addr = lib.movgc_pin(heap._live(), Handle(pin_id))
            if not addr:
                heap._dead.append(pin_id)
                heap._raise("movgc_pin")
            n = lib.movgc_ffi_nbytes(addr)
            data = lib.movgc_ffi_data(addr)
            raw = (ctypes.c_ubyte * n).from_address(data)
            heap._exports += 1
            weakref.finalize(raw, heap._export_done, pin_id)
            self._view = memoryview(raw).cast("B")
            heap._after()  # a finalizer's exception, once pinned is whole
        return self._view

    def __exit__(self, *exc: Any) -> bool:
        view, self._view = self._view, None
        if view is not None:
            view.release()   # unpins now unless a derived export lives
            heap = self._obj._heap
            with heap._lock:
                if heap._h and heap._dead:
                    heap._live()   # frees the pin's handle
        return False


class Weak(_Wrapper):
    """A weak movgc handle: get() (or calling it) returns a new Obj for
    the object, or None once a collection found it dead."""
    __slots__ = ()

    def get(self) -> Optional[Obj]:
        hid = self._dup()
        return Obj(self._heap, hid) if hid else None

    __call__ = get

    def __copy__(self) -> "Weak":
        heap = self._heap
        obj = self.get()
        if obj is None:
            raise MisuseError("cannot copy a cleared weak handle",
                              _capi.MOVGC_E_MISUSE)
        return heap.weak(obj)

    def __repr__(self) -> str:
        if not self._heap._h:
            return "<movgc.Weak of a closed heap>"
        alive = self.get() is not None
        return "<movgc.Weak handle=%#x %s>" % (
            self._id, "alive" if alive else "cleared")


class Ephemeron(_Wrapper):
    """An ephemeron (Heap.ephemeron): key() and value() give new Objs, or
    None once a collection found the key dead."""
    __slots__ = ()

    def key(self) -> Optional[Obj]:
        hid = self._dup()
        return Obj(self._heap, hid) if hid else None

    def value(self) -> Optional[Obj]:
        heap = self._heap
        with heap._lock:
            hid = lib.movgc_handle_value(heap._live(), self._id)
            if not hid and heap._errors:
                heap._raise()
        return Obj(heap, hid) if hid else None

    def __copy__(self) -> "Ephemeron":
        key = self.key()
        if key is None:
            raise MisuseError("cannot copy a dead ephemeron",
                              _capi.MOVGC_E_MISUSE)
        return self._heap.ephemeron(key, self.value())

    def __repr__(self) -> str:
        if not self._heap._h:
            return "<movgc.Ephemeron of a closed heap>"
        alive = self.key() is not None
        return "<movgc.Ephemeron handle=%#x %s>" % (
            self._id, "alive" if alive else "dead")


if _fast is not None:   # bind the extension to ctypes' copy of libmovgc
    _fast.setup(lib._handle, Obj, _tag, _size, _offset)

__all__ = ["Heap", "Obj", "Weak", "Ephemeron"]
