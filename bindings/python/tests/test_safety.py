"""Ordinary Python code that must neither crash nor silently truncate:
buffers taken from pinned views, copying and pickling, threads, integers
out of range, truthiness, pins shared by wrappers of one object.  Each of
these crashed (segfault) or gave a wrong answer in an earlier binding."""
import copy
import ctypes
import gc
import os
import pickle
import threading
import unittest
import weakref

import movgc


def make_garbage_then(heap, data):
    """An old object holding data, with garbage below it so that the next
    full collection slides it down (compaction moves it)."""
    garbage = [heap.alloc(nbytes=2048) for _ in range(64)]
    heap.collect(full=True)
    obj = heap.alloc_bytes(data)
    heap.collect(full=True)
    del garbage
    return obj


class TestPinnedExports(unittest.TestCase):
    def setUp(self):
        self.heap = movgc.Heap()

    def tearDown(self):
        self.heap.close()

    def test_slice_outlives_block_and_keeps_the_pin(self):
        obj = make_garbage_then(self.heap, b"0123456789abcdef")
        with obj.pinned() as view:
            part = view[0:8]
        addr = obj._addr()
        for _ in range(3):
            self.heap.alloc(nbytes=4096)
            self.heap.collect(full=True)
        self.assertEqual(obj._addr(), addr, "pinned object moved")
        self.assertEqual(bytes(part), b"01234567")
        part[0:1] = b"X"
        self.assertEqual(obj.read(0, 2), b"X1")
        del part                           # the pin goes with the last export
        gc.collect()
        self.heap.alloc()
        self.heap.collect(full=True)
        self.assertNotEqual(obj._addr(), addr, "still pinned after release")
        self.assertEqual(obj.read(), b"X123456789abcdef")

    def test_ctypes_from_buffer_outlives_block(self):
        obj = make_garbage_then(self.heap, bytes(range(64)))
        with obj.pinned() as view:
            arr = (ctypes.c_char * 64).from_buffer(view)
        for _ in range(3):
            self.heap.alloc(nbytes=4096)
            self.heap.collect(full=True)
        self.assertEqual(arr.raw, bytes(range(64)))
        del arr

    def test_close_waits_for_exported_buffers(self):
        heap = movgc.Heap()
        obj = heap.alloc_bytes(b"still mapped")
        with obj.pinned() as view:
            kept = memoryview(view)[6:]
        heap.close()
        self.assertTrue(heap.closed)
        with self.assertRaises(movgc.HeapClosedError):
            obj.read()
        self.assertEqual(bytes(kept), b"mapped")
        del kept

    def test_view_released_on_exit_unpins_at_once(self):
        obj = make_garbage_then(self.heap, b"moves again")
        with obj.pinned():
            pass
        addr = obj._addr()
        self.heap.collect(full=True)
        self.assertNotEqual(obj._addr(), addr)


class TestCopyAndPickle(unittest.TestCase):
    def test_copy_is_a_second_owner(self):
        with movgc.Heap() as heap:
            obj = heap.alloc_bytes(b"shared")
            twin = copy.copy(obj)
            self.assertEqual(twin, obj)
            self.assertNotEqual(twin.handle_id, obj.handle_id)
            del obj
            gc.collect()
            heap.alloc(nbytes=64)
            heap.collect(full=True)
            self.assertEqual(twin.read(), b"shared")

    def test_copy_of_weak_and_ephemeron(self):
        with movgc.Heap() as heap:
            key, val = heap.alloc(), heap.alloc_bytes(b"v")
            w = copy.copy(heap.weak(key))
            e = copy.copy(heap.ephemeron(key, val))
            heap.collect()
            self.assertEqual(w.get(), key)
            self.assertEqual(e.value(), val)

    def test_deepcopy_and_pickle_refused(self):
        with movgc.Heap() as heap:
            obj = heap.alloc()
            for thing in (obj, heap.weak(obj), heap):
                with self.assertRaises(TypeError):
                    copy.deepcopy(thing)
                with self.assertRaises(TypeError):
                    pickle.dumps(thing)
            with self.assertRaises(TypeError):
                copy.copy(heap)


class TestThreads(unittest.TestCase):
    def test_threads_share_one_heap(self):
        """Calls are serialised: no crash, no lost node, no error."""
        heap = movgc.Heap(nursery_bytes=64 << 10)
        results, errors = {}, []

        def build(tag):
            try:
                head = None
                for i in range(1500):
                    node = heap.alloc(nrefs=1, nbytes=8, tag=tag)
                    node.write(i.to_bytes(8, "little"))
                    node[0] = head
                    head = node
                    if i % 500 == 0:
                        heap.collect(full=(i % 1000 == 0))
                seen, node = [], head
                while node is not None:
                    self.assertEqual(node.tag, tag)
                    seen.append(int.from_bytes(node.read(), "little"))
                    node = node[0]
                results[tag] = seen
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=build, args=(t,))
                   for t in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        heap.close()
        self.assertEqual(errors, [])
        for tag in range(1, 5):
            self.assertEqual(results[tag], list(range(1499, -1, -1)))

    def test_a_thread_reusing_an_ident_adopts_the_heap(self):
        """Threads run one after another usually get the same ident (glibc
        reuses the ended thread's); each must still adopt the heap, which
        the library tells apart from its previous owner."""
        heap = movgc.Heap()
        keep = heap.alloc(nrefs=1)
        idents, errors = [], []

        def use():
            idents.append(threading.get_ident())
            try:
                for _ in range(50):
                    keep[0] = heap.alloc(nbytes=16)
            except BaseException as exc:
                errors.append(exc)

        for _ in range(4):
            t = threading.Thread(target=use)
            t.start()
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(keep[0].nbytes, 16)   # the creating thread again
        heap.close()

    def test_finalizers_run_on_the_adopting_thread_and_may_allocate(self):
        """A finalizer set in one thread runs in the thread whose call
        collected, and its own heap calls need no further hand-over."""
        heap = movgc.Heap(nursery_bytes=64 << 10)
        ran, errors = [], []

        def fin(obj):
            ran.append((threading.get_ident(), obj.read()))
            heap.alloc(nbytes=16).write(b"from a finalizer")

        keep = [heap.alloc_bytes(b"%02d" % i) for i in range(20)]
        for obj in keep:
            heap.set_finalizer(obj, fin)
        # Dead now, and no call of this thread collects before the
        # worker's (under MOVGC_STRESS every allocation collects).
        del keep, obj

        def worker():
            try:
                for _ in range(200):
                    heap.alloc(nrefs=1, nbytes=32)
                heap.collect(full=True)
            except BaseException as exc:
                errors.append(exc)

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(r[1] for r in ran),
                         [b"%02d" % i for i in range(20)])
        self.assertEqual({r[0] for r in ran}, {t.ident})
        heap.alloc()                  # the creating thread takes it back
        heap.close()

    def test_close_and_unpin_from_other_threads(self):
        """The last view dropped, and close, in threads that do not own
        the heap: both hand it over instead of failing."""
        heap = movgc.Heap()
        obj = heap.alloc(nbytes=8)
        with obj.pinned() as view:
            keep = view[0:4]
        errors = []

        def drop_and_close():
            try:
                nonlocal keep
                del keep              # unpins: a handle queued to free
                heap.alloc()          # frees it, here
                heap.close()
            except BaseException as exc:
                errors.append(exc)

        t = threading.Thread(target=drop_and_close)
        t.start()
        t.join()
        self.assertEqual(errors, [])
        self.assertTrue(heap.closed)
        with self.assertRaises(movgc.HeapClosedError):
            obj.read()


class TestCloseInFinalizer(unittest.TestCase):
    """close() from a finalizer runs inside the library's call: the heap
    is closed at once and freed only when that call has returned."""

    def dying_with_finalizers(self, heap, ran):
        def closer(obj):
            ran.append(("closer", obj.read(), heap.closed,
                        heap._raw is not None))
            heap.close()
            ran.append(("closed", heap.closed, heap._raw is not None))

        objs = [heap.alloc_bytes(b"bye"), heap.alloc_bytes(b"too")]
        heap.set_finalizer(objs[0], closer)
        heap.set_finalizer(objs[1], closer)
        del objs
        gc.collect()

    def test_close_from_a_finalizer_during_collect(self):
        heap, ran = movgc.Heap(), []
        self.dying_with_finalizers(heap, ran)
        heap.collect(full=True)
        # One finalizer ran (the other not: the heap was closed); inside
        # it the heap was still allocated, after the call it is freed.
        self.assertEqual(len(ran), 2, ran)
        self.assertEqual(ran[0][0], "closer")
        self.assertIn(ran[0][1], (b"bye", b"too"))
        self.assertEqual(ran[0][2:], (False, True))
        self.assertEqual(ran[1], ("closed", True, True))
        self.assertTrue(heap.closed)
        self.assertIsNone(heap._raw, "the heap was not freed after the call")
        with self.assertRaises(movgc.HeapClosedError):
            heap.alloc()
        heap.close()                          # again: nothing to do

    def test_close_from_a_finalizer_during_alloc(self):
        heap, ran = movgc.Heap(nursery_bytes=64 << 10), []
        self.dying_with_finalizers(heap, ran)
        heap.stats()                          # frees the queued handles
        with self.assertRaises(movgc.HeapClosedError):
            for _ in range(100000):           # until one collects
                heap.alloc(nrefs=2, nbytes=64)
        self.assertEqual(ran[1], ("closed", True, True))
        self.assertIsNone(heap._raw, "the heap was not freed after the call")


class TestCycles(unittest.TestCase):
    def test_heap_in_a_cycle_through_a_finalizer_is_collected(self):
        """heap -> its finalizers -> a closure -> an Obj -> heap: Python's
        cycle collector frees the heap (wrappers are traversed)."""
        heap = movgc.Heap()
        obj = heap.alloc(nrefs=1)
        obj[0] = heap.alloc()
        heap.set_finalizer(obj, lambda o, keep=obj[0]: None)
        ref = weakref.ref(heap)
        del heap, obj
        gc.collect()
        self.assertIsNone(ref(), "the heap leaked in a reference cycle")


class TestRanges(unittest.TestCase):
    def setUp(self):
        self.heap = movgc.Heap()

    def tearDown(self):
        self.heap.close()

    def test_tag_out_of_range_raises(self):
        for tag in (2**32 + 5, 65536, 2**64):
            with self.assertRaises(movgc.MisuseError):
                self.heap.alloc(tag=tag)
        with self.assertRaises(movgc.MisuseError):
            self.heap.alloc_bytes(b"x", tag=2**32 + 5)
        self.assertEqual(self.heap.alloc(tag=65535).tag, 65535)

    def test_sizes_out_of_range_raise(self):
        with self.assertRaises(movgc.NoMemoryError):
            self.heap.alloc(nbytes=2**64)
        with self.assertRaises(movgc.NoMemoryError):
            self.heap.alloc(nrefs=2**64 + 1)
        with self.assertRaises(ValueError):
            self.heap.alloc(nbytes=-1)
        with self.assertRaises(TypeError):
            self.heap.alloc(nbytes=1.5)

    def test_indices_and_offsets_out_of_range_raise(self):
        obj = self.heap.alloc(nrefs=1, nbytes=4)
        obj[0] = obj
        for i in (1, 2**64, 2**64 + 0, -1, -2**64):
            with self.assertRaises(IndexError):
                obj[i]
            with self.assertRaises(IndexError):
                obj[i] = None
        self.assertEqual(obj[False], obj)   # an int all the same
        with self.assertRaises(TypeError):
            obj["0"]
        with self.assertRaises(movgc.MisuseError):
            obj.read(2, 3)
        with self.assertRaises(movgc.MisuseError):
            obj.write(b"abc", 2)
        with self.assertRaises(movgc.MisuseError):
            obj.read(2**64 + 1, 0)
        obj.write(b"ab", 2)
        self.assertEqual(obj.read(), b"\0\0ab")

    def test_large_read_sizes_are_range_errors(self):
        """A size beyond the object raises before any buffer of that size
        is made, whatever the size."""
        obj = self.heap.alloc(nbytes=5000)
        obj.write(b"end", 4997)
        self.assertEqual(obj.read(4990, 10)[-3:], b"end")
        self.assertEqual(len(obj.read(0, 5000)), 5000)
        self.assertEqual(obj.read(5000), b"")
        for off, size in ((0, 5001), (1, 5000), (0, 2**40), (0, 2**63),
                          (0, 2**64 - 1), (4999, 2**64 - 1)):
            with self.assertRaises(movgc.MisuseError):
                obj.read(off, size)


class TestTruthAndPins(unittest.TestCase):
    def test_objects_without_slots_are_true(self):
        with movgc.Heap() as heap:
            obj = heap.alloc()
            self.assertEqual(len(obj), 0)
            self.assertTrue(obj)
            weak = heap.weak(obj)
            self.assertTrue(weak.get())

    def test_pins_are_per_object(self):
        with movgc.Heap() as heap:
            obj = make_garbage_then(heap, b"abcd")
            other = copy.copy(obj)
            with obj.pinned() as view:
                view[0:1] = b"A"
                self.assertEqual(other.read(), b"Abcd")  # no pin needed
                with other.pinned() as second:
                    self.assertEqual(second.tobytes(), b"Abcd")
                addr = obj._addr()
                heap.collect(full=True)
                self.assertEqual(other._addr(), addr)


class TestTypesAndReprs(unittest.TestCase):
    def test_version_and_reprs(self):
        self.assertRegex(movgc.__version__, r"^\d+\.\d+\.\d+$")
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with open(os.path.join(here, "pyproject.toml")) as f:
            self.assertIn('version = "%s"' % movgc.__version__, f.read())
        with movgc.Heap() as heap:
            obj = heap.alloc(nrefs=2, nbytes=3, tag=9)
            self.assertIn("tag=9 nrefs=2 nbytes=3", repr(obj))
            self.assertIn("alive", repr(heap.weak(obj)))
            self.assertIn("movgc.Heap", repr(heap))
            self.assertIn("movgc.Ephemeron", repr(heap.ephemeron(obj, None)))
        self.assertIn("closed", repr(heap))
        self.assertIn("closed heap", repr(obj))

    def test_handle_set_retargets(self):
        with movgc.Heap() as heap:
            a, b = heap.alloc(tag=1), heap.alloc(tag=2)
            heap.handle_set(a, b)
            heap.collect()
            self.assertEqual(a.tag, 2)
            self.assertEqual(a, b)
            heap.handle_set(a, None)
            with self.assertRaises(movgc.MisuseError):
                a.tag
            self.assertIn("holding nothing", repr(a))

    def test_pinned_handle_cannot_be_set(self):
        with movgc.Heap() as heap:
            a = heap.alloc(nbytes=8)
            with a.pinned():
                heap.handle_set(a, a)    # a's own handle is not the pin's
            self.assertEqual(a.nbytes, 8)


class TestEphemerons(unittest.TestCase):
    def test_value_lives_while_key_does(self):
        with movgc.Heap() as heap:
            key = heap.alloc_bytes(b"key")
            eph = heap.ephemeron(key, heap.alloc_bytes(b"value"))
            heap.collect(full=True)
            self.assertEqual(eph.key(), key)
            self.assertEqual(eph.value().read(), b"value")
            del key
            gc.collect()
            heap.collect(full=True)
            self.assertIsNone(eph.key())
            self.assertIsNone(eph.value())

    def test_value_does_not_keep_its_key(self):
        with movgc.Heap() as heap:
            key = heap.alloc(nrefs=1)
            value = heap.alloc(nrefs=1)
            value[0] = key                  # the value refers to its key
            eph = heap.ephemeron(key, value)
            del key, value
            gc.collect()
            heap.collect(full=True)
            self.assertIsNone(eph.value())


class TestLibraryPath(unittest.TestCase):
    def test_error_names_every_place(self):
        import movgc._capi as capi
        saved = (dict(capi.os.environ), capi._pkg_config_libdir,
                 capi._source_build_tree, capi.ctypes.util.find_library)
        try:
            capi.os.environ.pop("MOVGC_LIBRARY", None)
            capi.os.environ["MOVGC_BUILDDIR"] = "/nonexistent/build"
            capi._pkg_config_libdir = lambda: None
            capi.ctypes.util.find_library = lambda name: None
            with self.assertRaises(ImportError) as cm:
                capi.library_path()
            msg = str(cm.exception)
            for part in ("MOVGC_LIBRARY", "/nonexistent/build", "pkg-config",
                         "search path"):
                self.assertIn(part, msg)
            capi.os.environ["MOVGC_LIBRARY"] = "/nonexistent/libmovgc.so"
            with self.assertRaises(ImportError) as cm:
                capi.library_path()
            self.assertIn("/nonexistent/libmovgc.so", str(cm.exception))
        finally:
            capi.os.environ.clear()
            capi.os.environ.update(saved[0])
            (capi._pkg_config_libdir, capi._source_build_tree,
             capi.ctypes.util.find_library) = saved[1:]


if __name__ == "__main__":
    unittest.main()
