/* _fast.c -- the Python binding's optional C extension: the hot operations
 * (allocation, slot read and write, byte read and write, wrapper death)
 * made directly on libmovgc, with the semantics of heap.py's ctypes code.
 *
 * Invariants (heap.py's module docstring names the binding's own):
 *  [fast.same-lib]  the library is the one ctypes loaded: setup() is given
 *                   its dlopen handle and every function is found there, so
 *                   both paths share one copy of libmovgc and its state.
 *  [fast.lock]      every library call on a heap is made holding the heap's
 *                   Lock (recursive: finalizers run Python code inside a
 *                   call, on the calling thread) by the thread recorded in
 *                   heap->owner, which adopts the heap first if it is not
 *                   the owner; the GIL stays held inside every call, as
 *                   with ctypes.PyDLL.  A thread that must wait for the
 *                   Lock releases the GIL while it waits.
 *  [fast.serial]    threads are named by a serial number of their own
 *                   (thread_serial), never by their ident: an ident is
 *                   reused by a thread started after another ended, which
 *                   would then pass for the heap's owner without being the
 *                   library's.
 *  [fast.slow]      anything unusual (a non-int argument, an int out of
 *                   range, an error the library reported, a closed heap)
 *                   is handed to heap.py's Python code, so errors and their
 *                   messages are the ctypes path's own.
 *  [fast.dead]      a wrapper that dies queues its handle id on heap->dead
 *                   (it may die inside a callback, while the library runs);
 *                   allocation frees queued ids in batches. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <dlfcn.h>
#include <stdint.h>

/* ==================================================== the library's entries */
/* The public prototypes of movgc.h's "entry points for bindings", repeated
 * so that the extension builds from Python's headers alone; a build that
 * can see movgc.h checks them against it (MOVGC_CHECK_PROTOTYPES). */
#ifdef MOVGC_CHECK_PROTOTYPES
#include "movgc.h"
#else
typedef struct movgc_heap movgc_heap;
#endif
struct shape {   /* movgc_shape */
    unsigned tag;
    size_t nrefs, nbytes;
};

typedef uint64_t alloc_handle_fn(movgc_heap *, unsigned, size_t, size_t);
typedef uint64_t handle_slot_fn(movgc_heap *, uint64_t, size_t);
typedef int handle_set_slot_fn(movgc_heap *, uint64_t, size_t, uint64_t);
typedef int handle_read_fn(movgc_heap *, uint64_t, size_t, void *, size_t);
typedef int handle_write_fn(movgc_heap *, uint64_t, size_t, const void *,
                            size_t);
typedef int handle_shape_fn(movgc_heap *, uint64_t, struct shape *);
typedef void handles_free_fn(movgc_heap *, const uint64_t *, size_t);
typedef void heap_adopt_fn(movgc_heap *);

static struct {
    alloc_handle_fn *alloc_handle;
    handle_slot_fn *handle_slot;
    handle_set_slot_fn *handle_set_slot;
    handle_read_fn *handle_read;
    handle_write_fn *handle_write;
    handle_shape_fn *handle_shape;
    handles_free_fn *handles_free;
    heap_adopt_fn *heap_adopt;
} lib;

#ifdef MOVGC_CHECK_PROTOTYPES
#define SAME_TYPE(fn, type) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&fn), type *), \
                   #fn " differs from movgc.h")
SAME_TYPE(movgc_alloc_handle, alloc_handle_fn);
SAME_TYPE(movgc_handle_slot, handle_slot_fn);
SAME_TYPE(movgc_handle_set_slot, handle_set_slot_fn);
SAME_TYPE(movgc_handle_read, handle_read_fn);
SAME_TYPE(movgc_handle_write, handle_write_fn);
_Static_assert(sizeof(struct shape) == sizeof(movgc_shape) &&
               offsetof(struct shape, nrefs) == offsetof(movgc_shape, nrefs) &&
               offsetof(struct shape, nbytes) == offsetof(movgc_shape, nbytes),
               "struct shape differs from movgc_shape");
SAME_TYPE(movgc_handles_free, handles_free_fn);
SAME_TYPE(movgc_heap_adopt, heap_adopt_fn);
#endif

enum {
    FREE_BATCH = 256,   /* dead wrappers' ids freed in one call */
    BIG_READ = 4096     /* explicit read sizes checked before the buffer */
};

/* Set by setup(): the Obj class to make, heap.py's argument checks. */
static PyTypeObject *obj_class;
static PyObject *check_tag, *check_size, *check_offset;
/* Interned names of heap.py methods reached on slow paths [fast.slow]. */
static PyObject *s_live, *s_raise, *s_flush_failed, *s_raise_slot, *s_after, *s_owns,
    *s_index, *s_nrefs, *s_nbytes, *s_tag, *s_offset,
    *s_size, *s_data, *s_what_alloc, *s_what_shape, *s_what_read, *s_what_write;

/* {======================================================= thread serials */
static _Thread_local unsigned long long my_serial;   /* 0: none yet */
static unsigned long long last_serial;               /* under the GIL */

/* This thread's serial number, unique for the life of the process
 * [fast.serial]. */
static unsigned long long thread_serial(void)
{
    if (my_serial == 0)
        my_serial = ++last_serial;
    return my_serial;
}
/* }======================================================= thread serials */

/* {============================================================ the Lock */
/* A reentrant lock, usable from Python like threading.RLock (acquire,
 * release, with) and taken by the C paths without a method call. */
typedef struct {
    PyObject_HEAD
    PyThread_type_lock os_lock;
    unsigned long long owner;   /* thread serial, valid while count > 0 */
    unsigned long count;
} Lock;

/* Take l, waiting (GIL released) if blocking; 1 taken, 0 not. */
static int lock_take(Lock *l, int blocking)
{
    unsigned long long me = thread_serial();
    if (l->count && l->owner == me) {
        l->count++;
        return 1;
    }
    if (!PyThread_acquire_lock(l->os_lock, NOWAIT_LOCK)) {
        int got;
        if (!blocking)
            return 0;
        Py_BEGIN_ALLOW_THREADS
        got = PyThread_acquire_lock(l->os_lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
        if (!got)
            return 0;
    }
    l->owner = me;
    l->count = 1;
    return 1;
}

/* Release one level of l, held by the calling thread. */
static void lock_give(Lock *l)
{
    if (--l->count == 0) {
        l->owner = 0;
        PyThread_release_lock(l->os_lock);
    }
}

static PyObject *Lock_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    Lock *l;
    if ((kw && PyDict_GET_SIZE(kw)) || PyTuple_GET_SIZE(args)) {
        PyErr_SetString(PyExc_TypeError, "Lock() takes no arguments");
        return NULL;
    }
    l = (Lock *)type->tp_alloc(type, 0);
    if (l == NULL)
        return NULL;
    l->os_lock = PyThread_allocate_lock();
    if (l->os_lock == NULL) {
        Py_DECREF(l);
        return PyErr_NoMemory();
    }
    return (PyObject *)l;
}

static void Lock_dealloc(Lock *l)
{
    if (l->os_lock) {
        if (l->count)
            PyThread_release_lock(l->os_lock);
        PyThread_free_lock(l->os_lock);
    }
    Py_TYPE(l)->tp_free((PyObject *)l);
}

static PyObject *Lock_acquire(Lock *l, PyObject *const *args, Py_ssize_t n)
{
    int blocking = 1;
    if (n > 1)
        return PyErr_Format(PyExc_TypeError,
                            "acquire() takes at most 1 argument");
    if (n == 1 && (blocking = PyObject_IsTrue(args[0])) < 0)
        return NULL;
    return PyBool_FromLong(lock_take(l, blocking));
}

static PyObject *Lock_release(Lock *l, PyObject *unused)
{
    (void)unused;
    if (!l->count || l->owner != thread_serial()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "cannot release un-acquired lock");
        return NULL;
    }
    lock_give(l);
    Py_RETURN_NONE;
}

static PyObject *Lock_enter(Lock *l, PyObject *unused)
{
    (void)unused;
    lock_take(l, 1);
    Py_RETURN_TRUE;
}

static PyObject *Lock_exit(Lock *l, PyObject *const *args, Py_ssize_t n)
{
    (void)args;
    (void)n;
    return Lock_release(l, NULL);
}

static PyObject *Lock_is_owned(Lock *l, PyObject *unused)
{
    (void)unused;
    return PyBool_FromLong(l->count && l->owner == thread_serial());
}

#define FASTCALL(fn) ((PyCFunction)(void (*)(void))(fn))

static PyMethodDef Lock_methods[] = {
    {"acquire", FASTCALL(Lock_acquire), METH_FASTCALL,
     "acquire(blocking=True): take the lock (again, if this thread holds "
     "it); True when taken."},
    {"release", (PyCFunction)Lock_release, METH_NOARGS,
     "Release one level of the lock."},
    {"__enter__", (PyCFunction)Lock_enter, METH_NOARGS, NULL},
    {"__exit__", FASTCALL(Lock_exit), METH_FASTCALL, NULL},
    {"_is_owned", (PyCFunction)Lock_is_owned, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject LockType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "movgc._fast.Lock",
    .tp_basicsize = sizeof(Lock),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A reentrant lock: a heap's lock, taken around its calls.",
    .tp_new = Lock_new,
    .tp_dealloc = (destructor)Lock_dealloc,
    .tp_methods = Lock_methods,
};
/* }============================================================ the Lock */

/* {=========================================================== the IdQueue */
/* The ids of dead wrappers' handles, waiting to be freed [fast.dead]: a
 * growable array (no int object per id), usable from Python as heap._dead
 * (append, clear, len). */
typedef struct {
    PyObject_HEAD
    uint64_t *ids;
    size_t n, cap;
} IdQueue;

/* Append id; 0, or -1 with MemoryError. */
static int queue_push(IdQueue *q, uint64_t id)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : FREE_BATCH;
        uint64_t *ids = PyMem_Realloc(q->ids, cap * sizeof *ids);
        if (ids == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        q->ids = ids;
        q->cap = cap;
    }
    q->ids[q->n++] = id;
    return 0;
}

static void IdQueue_dealloc(IdQueue *q)
{
    PyMem_Free(q->ids);
    Py_TYPE(q)->tp_free((PyObject *)q);
}

static PyObject *IdQueue_append(IdQueue *q, PyObject *idv)
{
    uint64_t id = PyLong_AsUnsignedLongLong(idv);
    if (id == (uint64_t)-1 && PyErr_Occurred())
        return NULL;
    if (queue_push(q, id) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *IdQueue_clear(IdQueue *q, PyObject *unused)
{
    (void)unused;
    q->n = 0;
    Py_RETURN_NONE;
}

static Py_ssize_t IdQueue_len(IdQueue *q)
{
    return (Py_ssize_t)q->n;
}

static PyMethodDef IdQueue_methods[] = {
    {"append", (PyCFunction)IdQueue_append, METH_O, "Queue a handle id."},
    {"clear", (PyCFunction)IdQueue_clear, METH_NOARGS, "Forget every id."},
    {NULL, NULL, 0, NULL}
};

static PySequenceMethods IdQueue_sequence = {
    .sq_length = (lenfunc)IdQueue_len,
};

static PyTypeObject IdQueueType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "movgc._fast.IdQueue",
    .tp_basicsize = sizeof(IdQueue),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Handle ids of dead wrappers, to be freed in batches.",
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)IdQueue_dealloc,
    .tp_methods = IdQueue_methods,
    .tp_as_sequence = &IdQueue_sequence,
};
/* }=========================================================== the IdQueue */

/* {======================================================== the heap base */
/* The state heap.py's Heap shares with the C paths; Heap subclasses it. */
typedef struct {
    PyObject_HEAD
    movgc_heap *h;        /* NULL once closed */
    Lock *lock;           /* [fast.lock] */
    unsigned long long owner;  /* the library's owner's thread serial */
    IdQueue *dead;        /* ids of dead wrappers [fast.dead] */
    PyObject *pending;    /* list of exceptions raised by finalizers */
    PyObject *errors;     /* dict: thread ident -> (code, message) */
} HeapBase;

static PyObject *HeapBase_new(PyTypeObject *type, PyObject *args,
                              PyObject *kw)
{
    HeapBase *self;
    (void)args;
    (void)kw;
    if (obj_class == NULL) {   /* every path to the library needs a heap */
        PyErr_SetString(PyExc_RuntimeError, "movgc._fast is used through "
                        "the movgc package, which binds it (setup)");
        return NULL;
    }
    self = (HeapBase *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->lock = (Lock *)PyObject_CallNoArgs((PyObject *)&LockType);
    self->dead = (IdQueue *)PyObject_CallNoArgs((PyObject *)&IdQueueType);
    self->pending = PyList_New(0);
    self->errors = PyDict_New();
    self->owner = thread_serial();
    if (!self->lock || !self->dead || !self->pending || !self->errors) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int HeapBase_traverse(HeapBase *self, visitproc visit, void *arg)
{
    Py_VISIT(self->pending);
    Py_VISIT(self->errors);
    return 0;
}

/* Empties (does not drop) the containers: the C paths use them without a
 * NULL check. */
static int HeapBase_clear(HeapBase *self)
{
    if (self->pending)
        PyList_SetSlice(self->pending, 0, PY_SSIZE_T_MAX, NULL);
    if (self->errors)
        PyDict_Clear(self->errors);
    return 0;
}

static void HeapBase_dealloc(HeapBase *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->lock);
    Py_CLEAR(self->dead);
    Py_CLEAR(self->pending);
    Py_CLEAR(self->errors);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* _h: the movgc_heap * as an int, None when closed. */
static PyObject *HeapBase_get_h(HeapBase *self, void *unused)
{
    (void)unused;
    if (self->h == NULL)
        Py_RETURN_NONE;
    return PyLong_FromVoidPtr(self->h);
}

static int HeapBase_set_h(HeapBase *self, PyObject *value, void *unused)
{
    void *h = NULL;
    (void)unused;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "_h cannot be deleted");
        return -1;
    }
    if (value != Py_None) {
        if (!PyLong_Check(value)) {
            PyErr_SetString(PyExc_TypeError, "_h must be an int or None");
            return -1;
        }
        h = PyLong_AsVoidPtr(value);
        if (h == NULL && PyErr_Occurred())
            return -1;
    }
    self->h = h;
    return 0;
}

/* Take the heap for a library call [fast.lock]: 0 with the Lock held, the
 * heap open and owned by this thread; -1 with an exception and no Lock. */
static int heap_enter(HeapBase *heap)
{
    lock_take(heap->lock, 1);
    if (heap->h == NULL) {   /* heap._live() raises HeapClosedError */
        PyObject *r = PyObject_CallMethodNoArgs((PyObject *)heap, s_live);
        Py_XDECREF(r);
        if (r != NULL)
            PyErr_SetString(PyExc_RuntimeError, "the heap is closed");
        lock_give(heap->lock);
        return -1;
    }
    if (heap->owner != heap->lock->owner) {
        lib.heap_adopt(heap->h);
        heap->owner = heap->lock->owner;
    }
    return 0;
}

/* Free the queued ids of dead wrappers; under the Lock, as the owner.
 * The array is taken out of the queue first: on_error (Python code, for a
 * stale id) may let wrappers die, which queue their ids meanwhile.  An
 * error the library reported is heap._flush_failed's to turn into a
 * warning: 0, or -1 with its exception (warnings made errors). */
static int heap_flush(HeapBase *heap)
{
    IdQueue *q = heap->dead;
    uint64_t *ids = q->ids;
    size_t n = q->n, cap = q->cap;
    Py_ssize_t errors = PyDict_GET_SIZE(heap->errors);
    if (n == 0)
        return 0;
    q->ids = NULL;
    q->n = q->cap = 0;
    lib.handles_free(heap->h, ids, n);
    if (q->ids == NULL) {   /* nothing queued meanwhile: keep the array */
        q->ids = ids;
        q->cap = cap;
    } else {
        PyMem_Free(ids);
    }
    if (PyDict_GET_SIZE(heap->errors) > errors) {
        PyObject *r = PyObject_CallMethodNoArgs((PyObject *)heap,
                                                s_flush_failed);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
    }
    return 0;
}

/* heap._flush(h): heap_flush for heap.py's slow paths. */
static PyObject *HeapBase_flush(HeapBase *self, PyObject *h)
{
    (void)h;
    unsigned long long me = thread_serial();
    if (self->h == NULL || self->lock->count == 0 || self->lock->owner != me ||
        self->owner != me) {
        PyErr_SetString(PyExc_RuntimeError,
                        "_flush needs the heap, locked and owned");
        return NULL;
    }
    if (heap_flush(self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* Call heap.<name>(args...) for its exception; always returns -1 with an
 * exception set. */
static int heap_fail(HeapBase *heap, PyObject *name, PyObject *arg1,
                     PyObject *arg2)
{
    PyObject *r = PyObject_CallMethodObjArgs((PyObject *)heap, name, arg1,
                                             arg2, NULL);
    if (r != NULL) {
        Py_DECREF(r);
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_RuntimeError, "movgc: %U failed", arg1);
    }
    return -1;
}

/* An exact int in 0..SIZE_MAX as a size_t (1), else 0 (no exception). */
static int as_size(PyObject *v, size_t *out)
{
    if (!PyLong_CheckExact(v))
        return 0;
    *out = PyLong_AsSize_t(v);
    if (*out == (size_t)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* v as a size_t, through the Python check fn(v, what) when it is not a
 * plain int in range [fast.slow]: 0, or -1 with fn's exception. */
static int checked_size(PyObject *v, PyObject *fn, PyObject *what,
                        size_t *out)
{
    PyObject *r;
    if (as_size(v, out))
        return 0;
    r = what ? PyObject_CallFunctionObjArgs(fn, v, what, NULL)
             : PyObject_CallOneArg(fn, v);
    if (r == NULL)
        return -1;
    if (!as_size(r, out)) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_TypeError, "movgc: a check returned a non-size");
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* A new Obj wrapper owning handle id; on failure id is queued to be
 * freed.  Called without the Lock. */
static PyObject *new_obj(HeapBase *heap, uint64_t id);

/* alloc(nrefs=0, nbytes=0, tag=0): heap.py's Heap.alloc. */
static PyObject *HeapBase_alloc(HeapBase *self, PyObject *const *args,
                                Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[3] = {NULL, NULL, NULL};   /* nrefs, nbytes, tag */
    PyObject *const names[3] = {s_nrefs, s_nbytes, s_tag};
    size_t nrefs = 0, nbytes = 0, tag = 0;
    uint64_t id;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;

    if (nargs > 3)
        return PyErr_Format(PyExc_TypeError,
                            "alloc() takes at most 3 arguments (%zd given)",
                            nargs);
    for (Py_ssize_t k = 0; k < nargs; k++)
        a[k] = args[k];
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        int j = 0;
        while (j < 3 && key != names[j] &&
               PyUnicode_Compare(key, names[j]) != 0)
            j++;
        if (j == 3)
            return PyErr_Format(PyExc_TypeError, "alloc() got an unexpected "
                                "keyword argument '%U'", key);
        if (a[j] != NULL)
            return PyErr_Format(PyExc_TypeError, "alloc() got multiple "
                                "values for argument '%U'", key);
        a[j] = args[nargs + k];
    }
    /* heap.py's order: the tag first, then the sizes [fast.slow]. */
    if (a[2] && (checked_size(a[2], check_tag, NULL, &tag) < 0))
        return NULL;
    if (tag > 0xFFFF) {   /* heap.py's _tag raises MisuseError */
        PyObject *r = PyObject_CallOneArg(check_tag, a[2]);
        Py_XDECREF(r);
        return NULL;
    }
    if ((a[0] && checked_size(a[0], check_size, s_nrefs, &nrefs) < 0) ||
        (a[1] && checked_size(a[1], check_size, s_nbytes, &nbytes) < 0))
        return NULL;

    if (heap_enter(self) < 0)
        return NULL;
    if (self->dead->n >= FREE_BATCH && heap_flush(self) < 0)
        goto fail;
    id = lib.alloc_handle(self->h, (unsigned)tag, nrefs, nbytes);
    if (id == 0) {
        heap_fail(self, s_raise, s_what_alloc, NULL);
        goto fail;
    }
    /* A finalizer closed the heap, or raised: heap._after() frees it now
     * that the library is done with it, or raises. */
    if (self->h == NULL || PyList_GET_SIZE(self->pending) > 0) {
        PyObject *r = PyObject_CallMethodNoArgs((PyObject *)self, s_after);
        if (r == NULL) {
            if (self->h) {
                PyObject *exc, *val, *tb;
                PyErr_Fetch(&exc, &val, &tb);
                if (queue_push(self->dead, id) < 0)
                    PyErr_Clear();
                PyErr_Restore(exc, val, tb);
            }
            goto fail;
        }
        Py_DECREF(r);
    }
    lock_give(self->lock);
    return new_obj(self, id);
fail:
    lock_give(self->lock);
    return NULL;
}

static PyMethodDef HeapBase_methods[] = {
    {"_flush", (PyCFunction)HeapBase_flush, METH_O,
     "_flush(h): free the handles of dead wrappers (under the heap's lock, "
     "as its owner)."},
    {"alloc", FASTCALL(HeapBase_alloc), METH_FASTCALL | METH_KEYWORDS,
     "alloc(nrefs=0, nbytes=0, tag=0): a new object with nrefs slots (all "
     "None) and nbytes zero bytes.  May collect.  Raises NoMemoryError when "
     "the heap limit cannot be met, MisuseError for a tag outside "
     "0..65535."},
    {NULL, NULL, 0, NULL}
};

static PyMemberDef HeapBase_members[] = {
    {"_lock", T_OBJECT, offsetof(HeapBase, lock), READONLY, NULL},
    {"_dead", T_OBJECT, offsetof(HeapBase, dead), READONLY, NULL},
    {"_pending", T_OBJECT, offsetof(HeapBase, pending), READONLY, NULL},
    {"_errors", T_OBJECT, offsetof(HeapBase, errors), READONLY, NULL},
    {"_owner", T_ULONGLONG, offsetof(HeapBase, owner), 0, NULL},
    {NULL, 0, 0, 0, NULL}
};

static PyGetSetDef HeapBase_getset[] = {
    {"_h", (getter)HeapBase_get_h, (setter)HeapBase_set_h,
     "the movgc_heap * as an int; None once closed", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject HeapBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "movgc._fast.HeapBase",
    .tp_basicsize = sizeof(HeapBase),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The state of a movgc.Heap its C fast paths use.",
    .tp_new = HeapBase_new,
    .tp_dealloc = (destructor)HeapBase_dealloc,
    .tp_traverse = (traverseproc)HeapBase_traverse,
    .tp_clear = (inquiry)HeapBase_clear,
    .tp_methods = HeapBase_methods,
    .tp_members = HeapBase_members,
    .tp_getset = HeapBase_getset,
};
/* }======================================================== the heap base */

/* {===================================================== the wrapper bases */
/* A wrapper owns one handle of one heap: (heap, id), set once. */
typedef struct {
    PyObject_HEAD
    HeapBase *heap;   /* NULL until __init__ */
    uint64_t id;
} Wrapper;

static int Wrapper_init(Wrapper *self, PyObject *args, PyObject *kw)
{
    PyObject *heap, *idv;
    unsigned long long id;
    static char *kwlist[] = {"heap", "hid", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!O!", kwlist, &HeapBaseType,
                                     &heap, &PyLong_Type, &idv))
        return -1;
    id = PyLong_AsUnsignedLongLong(idv);
    if (id == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    if (self->heap != NULL) {
        PyErr_SetString(PyExc_TypeError, "a movgc wrapper is made once");
        return -1;
    }
    Py_INCREF(heap);
    self->heap = (HeapBase *)heap;
    self->id = id;
    return 0;
}

static int Wrapper_traverse(Wrapper *self, visitproc visit, void *arg)
{
    Py_VISIT(self->heap);
    return 0;
}

/* Queue the id [fast.dead]; never raises (an exception being handled
 * survives). */
static void Wrapper_dealloc(Wrapper *self)
{
    HeapBase *heap = self->heap;
    PyObject_GC_UnTrack(self);
    if (heap != NULL && heap->h != NULL && self->id != 0 &&
        queue_push(heap->dead, self->id) < 0) {
        PyObject *exc, *val, *tb;   /* MemoryError: the handle stays */
        PyErr_Fetch(&exc, &val, &tb);
        PyErr_WriteUnraisable((PyObject *)self);
        PyErr_Restore(exc, val, tb);
    }
    Py_XDECREF(heap);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *new_obj(HeapBase *heap, uint64_t id)
{
    Wrapper *obj = (Wrapper *)obj_class->tp_alloc(obj_class, 0);
    if (obj == NULL) {
        PyObject *exc, *val, *tb;
        PyErr_Fetch(&exc, &val, &tb);
        if (queue_push(heap->dead, id) < 0)
            PyErr_Clear();   /* the handle lives until the heap is freed */
        PyErr_Restore(exc, val, tb);
        return NULL;
    }
    Py_INCREF(heap);
    obj->heap = heap;
    obj->id = id;
    return (PyObject *)obj;
}

static PyObject *Wrapper_get_heap(Wrapper *self, void *unused)
{
    (void)unused;
    if (self->heap == NULL)
        Py_RETURN_NONE;
    Py_INCREF(self->heap);
    return (PyObject *)self->heap;
}

static PyMemberDef Wrapper_members[] = {
    {"_id", T_ULONGLONG, offsetof(Wrapper, id), READONLY, NULL},
    {NULL, 0, 0, 0, NULL}
};

static PyGetSetDef Wrapper_getset[] = {
    {"_heap", (getter)Wrapper_get_heap, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject WrapperType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "movgc._fast.WrapperBase",
    .tp_basicsize = sizeof(Wrapper),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Owner of one movgc handle: (heap, handle id).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Wrapper_init,
    .tp_dealloc = (destructor)Wrapper_dealloc,
    .tp_traverse = (traverseproc)Wrapper_traverse,
    .tp_members = Wrapper_members,
    .tp_getset = Wrapper_getset,
};

/* The heap of a wrapper, or -1 with an exception for one never made. */
static HeapBase *heap_of(Wrapper *self)
{
    if (self->heap == NULL)
        PyErr_SetString(PyExc_TypeError, "an uninitialised movgc wrapper");
    return self->heap;
}

/* Slot index i as a size_t: a plain int is passed on (the library checks
 * it against nrefs), anything else goes through Obj._index [fast.slow]. */
static int slot_index(Wrapper *self, PyObject *i, size_t *out)
{
    PyObject *r;
    if (as_size(i, out))
        return 0;
    r = PyObject_CallMethodOneArg((PyObject *)self, s_index, i);
    if (r == NULL)
        return -1;
    if (!as_size(r, out)) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_TypeError, "movgc: _index returned a non-size");
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* The failure of a slot access: heap._raise_slot(obj, i). */
static int slot_fail(HeapBase *heap, Wrapper *self, size_t i)
{
    PyObject *iv = PyLong_FromSize_t(i);
    if (iv == NULL)
        return -1;
    heap_fail(heap, s_raise_slot, (PyObject *)self, iv);
    Py_DECREF(iv);
    return -1;
}

/* obj[i]: slot i as a new Obj, or None. */
static PyObject *Obj_getitem(Wrapper *self, PyObject *key)
{
    HeapBase *heap = heap_of(self);
    size_t i;
    uint64_t id;
    if (heap == NULL || slot_index(self, key, &i) < 0 || heap_enter(heap) < 0)
        return NULL;
    /* a loop of reads alone keeps the handle table bounded too */
    if (heap->dead->n >= FREE_BATCH && heap_flush(heap) < 0) {
        lock_give(heap->lock);
        return NULL;
    }
    id = lib.handle_slot(heap->h, self->id, i);
    if (id == 0) {
        if (PyDict_GET_SIZE(heap->errors) > 0) {
            slot_fail(heap, self, i);
            lock_give(heap->lock);
            return NULL;
        }
        lock_give(heap->lock);
        Py_RETURN_NONE;
    }
    lock_give(heap->lock);
    return new_obj(heap, id);
}

/* obj[i] = value: an Obj of the same heap, or None. */
static int Obj_setitem(Wrapper *self, PyObject *key, PyObject *value)
{
    HeapBase *heap = heap_of(self);
    size_t i;
    uint64_t val = 0;
    if (heap == NULL)
        return -1;
    if (value == NULL) {
        PyErr_Format(PyExc_TypeError, "'%s' object doesn't support item "
                     "deletion", Py_TYPE(self)->tp_name);
        return -1;
    }
    if (slot_index(self, key, &i) < 0)
        return -1;
    if (value != Py_None) {
        if (Py_TYPE(value) != obj_class ||
            ((Wrapper *)value)->heap != heap) {   /* heap._owns raises */
            PyObject *r = PyObject_CallMethodOneArg((PyObject *)heap, s_owns,
                                                    value);
            if (r == NULL)
                return -1;
            Py_DECREF(r);
            if (!PyObject_TypeCheck(value, obj_class)) {
                PyErr_SetString(PyExc_TypeError, "expected a movgc.Obj");
                return -1;
            }
        }
        val = ((Wrapper *)value)->id;
    }
    if (heap_enter(heap) < 0)
        return -1;
    if (lib.handle_set_slot(heap->h, self->id, i, val) != 0) {
        slot_fail(heap, self, i);
        lock_give(heap->lock);
        return -1;
    }
    lock_give(heap->lock);
    return 0;
}

/* The shape of the object, under the Lock held by the caller: 0, or -1
 * with heap._raise's exception. */
static int obj_shape(HeapBase *heap, Wrapper *self, struct shape *out)
{
    if (lib.handle_shape(heap->h, self->id, out) != 0)
        return heap_fail(heap, s_raise, s_what_shape, NULL);
    return 0;
}

/* One field of the shape: 0 tag, 1 nrefs, 2 nbytes. */
static PyObject *shape_field(Wrapper *self, int which)
{
    HeapBase *heap = heap_of(self);
    struct shape shape;
    int bad;
    if (heap == NULL || heap_enter(heap) < 0)
        return NULL;
    bad = obj_shape(heap, self, &shape);
    lock_give(heap->lock);
    if (bad)
        return NULL;
    return which == 0 ? PyLong_FromUnsignedLong(shape.tag)
         : PyLong_FromSize_t(which == 1 ? shape.nrefs : shape.nbytes);
}

static Py_ssize_t Obj_length(Wrapper *self)
{
    PyObject *n = shape_field(self, 1);
    Py_ssize_t len;
    if (n == NULL)
        return -1;
    len = PyLong_AsSsize_t(n);
    Py_DECREF(n);
    return len;
}

static PyObject *Obj_get_tag(Wrapper *self, void *unused)
{
    (void)unused;
    return shape_field(self, 0);
}

static PyObject *Obj_get_nrefs(Wrapper *self, void *unused)
{
    (void)unused;
    return shape_field(self, 1);
}

static PyObject *Obj_get_nbytes(Wrapper *self, void *unused)
{
    (void)unused;
    return shape_field(self, 2);
}

/* Positional-or-keyword arguments of read/write: up to two, named. */
static int two_args(const char *fn, PyObject *const *args, Py_ssize_t nargs,
                    PyObject *kwnames, PyObject *n0, PyObject *n1,
                    PyObject **a0, PyObject **a1)
{
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs > 2) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most 2 arguments", fn);
        return -1;
    }
    *a0 = nargs > 0 ? args[0] : NULL;
    *a1 = nargs > 1 ? args[1] : NULL;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        PyObject **slot = (key == n0 || PyUnicode_Compare(key, n0) == 0) ? a0
                        : (key == n1 || PyUnicode_Compare(key, n1) == 0) ? a1
                        : NULL;
        if (slot == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword "
                         "argument '%U'", fn, key);
            return -1;
        }
        if (*slot != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for "
                         "argument '%U'", fn, key);
            return -1;
        }
        *slot = args[nargs + k];
    }
    return 0;
}

/* read(offset=0, size=None): a copy of the raw bytes, one hold of the
 * Lock (the shape and the copy under it). */
static PyObject *Obj_read(Wrapper *self, PyObject *const *args,
                          Py_ssize_t nargs, PyObject *kwnames)
{
    HeapBase *heap = heap_of(self);
    PyObject *offv, *sizev, *out;
    size_t off = 0, size = 0;
    if (heap == NULL || two_args("read", args, nargs, kwnames, s_offset,
                                 s_size, &offv, &sizev) < 0)
        return NULL;
    if (offv && checked_size(offv, check_offset, s_offset, &off) < 0)
        return NULL;
    if (sizev == Py_None)
        sizev = NULL;
    if (sizev && checked_size(sizev, check_offset, s_size, &size) < 0)
        return NULL;
    if (heap_enter(heap) < 0)
        return NULL;
    if (sizev == NULL) {
        struct shape shape;
        if (obj_shape(heap, self, &shape) < 0)
            goto fail;
        size = shape.nbytes > off ? shape.nbytes - off : 0;
    }
    else if (size > BIG_READ) {   /* a range error raises, allocates no */
        struct shape shape;        /* buffer of the size asked for */
        if (obj_shape(heap, self, &shape) < 0)
            goto fail;
        if (off > shape.nbytes || size > shape.nbytes - off) {
            if (lib.handle_read(heap->h, self->id, off, NULL, size) == 0)
                PyErr_SetString(PyExc_RuntimeError, "movgc: no range error");
            else
                heap_fail(heap, s_raise, s_what_read, NULL);
            goto fail;
        }
    }
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (out == NULL)
        goto fail;
    if (lib.handle_read(heap->h, self->id, off, PyBytes_AS_STRING(out),
                        size) != 0) {
        Py_DECREF(out);
        heap_fail(heap, s_raise, s_what_read, NULL);
        goto fail;
    }
    lock_give(heap->lock);
    return out;
fail:
    lock_give(heap->lock);
    return NULL;
}

/* write(data, offset=0): copy data (bytes, or what bytes() makes of it)
 * into the raw bytes at offset. */
static PyObject *Obj_write(Wrapper *self, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames)
{
    HeapBase *heap = heap_of(self);
    PyObject *data, *offv;
    size_t off = 0;
    int rc;
    if (heap == NULL || two_args("write", args, nargs, kwnames, s_data,
                                 s_offset, &data, &offv) < 0)
        return NULL;
    if (data == NULL)
        return PyErr_Format(PyExc_TypeError, "write() missing required "
                            "argument 'data'");
    if (PyBytes_CheckExact(data))
        Py_INCREF(data);
    else if ((data = PyObject_CallOneArg((PyObject *)&PyBytes_Type, data))
             == NULL)
        return NULL;
    if (offv && checked_size(offv, check_offset, s_offset, &off) < 0)
        goto fail;
    if (heap_enter(heap) < 0)
        goto fail;
    rc = lib.handle_write(heap->h, self->id, off, PyBytes_AS_STRING(data),
                          (size_t)PyBytes_GET_SIZE(data));
    if (rc != 0)
        heap_fail(heap, s_raise, s_what_write, NULL);
    lock_give(heap->lock);
    Py_DECREF(data);
    if (rc != 0)
        return NULL;
    Py_RETURN_NONE;
fail:
    Py_DECREF(data);
    return NULL;
}

static PyMappingMethods Obj_mapping = {
    .mp_length = (lenfunc)Obj_length,
    .mp_subscript = (binaryfunc)Obj_getitem,
    .mp_ass_subscript = (objobjargproc)Obj_setitem,
};

static PyMethodDef Obj_methods[] = {
    {"read", FASTCALL(Obj_read), METH_FASTCALL | METH_KEYWORDS,
     "read(offset=0, size=None): a copy of size raw bytes from offset "
     "(default: to the end).  No pin needed.  Never collects."},
    {"write", FASTCALL(Obj_write), METH_FASTCALL | METH_KEYWORDS,
     "write(data, offset=0): copy data into the raw bytes at offset.  "
     "Never collects."},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Obj_getset[] = {
    {"tag", (getter)Obj_get_tag, NULL, "the object's tag", NULL},
    {"nrefs", (getter)Obj_get_nrefs, NULL, "its number of slots", NULL},
    {"nbytes", (getter)Obj_get_nbytes, NULL, "its number of raw bytes", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject ObjBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "movgc._fast.ObjBase",
    .tp_basicsize = sizeof(Wrapper),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The hot operations of movgc.Obj.",
    .tp_base = &WrapperType,
    .tp_traverse = (traverseproc)Wrapper_traverse,
    .tp_as_mapping = &Obj_mapping,
    .tp_methods = Obj_methods,
    .tp_getset = Obj_getset,
};
/* }===================================================== the wrapper bases */

/* {============================================================== module */
static void *find(void *dl, const char *name)
{
    void *fn = dlsym(dl, name);
    if (fn == NULL)
        PyErr_Format(PyExc_ImportError, "libmovgc lacks %s", name);
    return fn;
}

/* setup(dl_handle, Obj, check_tag, check_size, check_offset) */
static PyObject *fast_setup(PyObject *mod, PyObject *args)
{
    PyObject *handle, *cls, *ftag, *fsize, *foff;
    void *dl;
    (void)mod;
    if (!PyArg_ParseTuple(args, "OO!OOO", &handle, &PyType_Type, &cls, &ftag,
                          &fsize, &foff))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)cls, &ObjBaseType))
        return PyErr_Format(PyExc_TypeError, "Obj must derive from ObjBase");
    dl = PyLong_AsVoidPtr(handle);
    if (dl == NULL)
        return PyErr_Occurred() ? NULL
             : PyErr_Format(PyExc_ValueError, "a null library handle");
#define FIND(field, name) \
    if ((lib.field = (field##_fn *)find(dl, name)) == NULL) return NULL
    FIND(alloc_handle, "movgc_alloc_handle");
    FIND(handle_slot, "movgc_handle_slot");
    FIND(handle_set_slot, "movgc_handle_set_slot");
    FIND(handle_read, "movgc_handle_read");
    FIND(handle_write, "movgc_handle_write");
    FIND(handle_shape, "movgc_handle_shape");
    FIND(handles_free, "movgc_handles_free");
    FIND(heap_adopt, "movgc_heap_adopt");
#undef FIND
    Py_INCREF(cls);
    Py_XSETREF(obj_class, (PyTypeObject *)cls);
    Py_INCREF(ftag);
    Py_XSETREF(check_tag, ftag);
    Py_INCREF(fsize);
    Py_XSETREF(check_size, fsize);
    Py_INCREF(foff);
    Py_XSETREF(check_offset, foff);
    Py_RETURN_NONE;
}

static PyObject *fast_thread_serial(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    return PyLong_FromUnsignedLongLong(thread_serial());
}

static PyMethodDef fast_functions[] = {
    {"thread_serial", fast_thread_serial, METH_NOARGS,
     "thread_serial(): the calling thread's serial number, never reused "
     "(unlike threading.get_ident)."},
    {"setup", fast_setup, METH_VARARGS,
     "setup(dl_handle, Obj, check_tag, check_size, check_offset): bind to "
     "the libmovgc ctypes loaded (its dlopen handle), the class of the "
     "objects to make and heap.py's argument checks."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef fast_module = {
    PyModuleDef_HEAD_INIT, "movgc._fast",
    "C fast paths of the movgc binding (heap.py uses them when present).",
    -1, fast_functions, NULL, NULL, NULL, NULL
};

static int intern_all(void)
{
    struct { PyObject **p; const char *s; } names[] = {
        {&s_live, "_live"}, {&s_raise, "_raise"},
        {&s_flush_failed, "_flush_failed"},
        {&s_raise_slot, "_raise_slot"}, {&s_after, "_after"},
        {&s_owns, "_owns"}, {&s_index, "_index"},
        {&s_nrefs, "nrefs"},
        {&s_nbytes, "nbytes"}, {&s_tag, "tag"}, {&s_offset, "offset"},
        {&s_size, "size"}, {&s_data, "data"}, {&s_what_alloc, "movgc_alloc"},
        {&s_what_shape, "movgc_handle_shape"},
        {&s_what_read, "movgc_handle_read"},
        {&s_what_write, "movgc_handle_write"},
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if ((*names[k].p = PyUnicode_InternFromString(names[k].s)) == NULL)
            return -1;
    return 0;
}

PyMODINIT_FUNC PyInit__fast(void);

PyMODINIT_FUNC PyInit__fast(void)
{
    PyObject *m;
    if (intern_all() < 0 || PyType_Ready(&LockType) < 0 ||
        PyType_Ready(&IdQueueType) < 0 ||
        PyType_Ready(&HeapBaseType) < 0 || PyType_Ready(&WrapperType) < 0 ||
        PyType_Ready(&ObjBaseType) < 0)
        return NULL;
    m = PyModule_Create(&fast_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "API", 1) < 0 ||
        PyModule_AddObjectRef(m, "Lock", (PyObject *)&LockType) < 0 ||
        PyModule_AddObjectRef(m, "HeapBase", (PyObject *)&HeapBaseType) < 0 ||
        PyModule_AddObjectRef(m, "WrapperBase", (PyObject *)&WrapperType) < 0 ||
        PyModule_AddObjectRef(m, "ObjBase", (PyObject *)&ObjBaseType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
/* }============================================================== module */
