"""Which implementation of the hot operations is in use (the C extension
or ctypes alone, as $MOVGC_PYTHON_EXT asks), and the parts of it that the
other tests do not reach: the heap's lock, wrappers made by hand."""
import os
import threading
import unittest

import movgc


class TestImplementation(unittest.TestCase):
    def test_the_requested_implementation_is_loaded(self):
        mode = os.environ.get("MOVGC_PYTHON_EXT", "")
        heap = movgc.Heap()
        obj = heap.alloc()
        bases = [c.__module__ for c in type(obj).__mro__]
        if mode == "1":
            self.assertIsNotNone(movgc.extension)
            self.assertIn("movgc._fast", bases)
        elif mode == "0":
            self.assertIsNone(movgc.extension)
            self.assertNotIn("movgc._fast", bases)
        heap.close()

    def test_heap_lock_is_reentrant_and_owned(self):
        heap = movgc.Heap()
        lock = heap._lock
        self.assertTrue(lock.acquire())
        with lock:                       # again, same thread
            heap.alloc()                 # and the heap's calls too
        got = []
        t = threading.Thread(target=lambda: got.append(lock.acquire(False)))
        t.start()
        t.join()
        self.assertEqual(got, [False], "another thread took a held lock")
        lock.release()
        with self.assertRaises(RuntimeError):
            lock.release()               # not held any more
        heap.close()

    def test_waiting_thread_gets_the_heap_after_release(self):
        heap = movgc.Heap()
        keep = heap.alloc(nrefs=1)
        heap._lock.acquire()
        done = threading.Event()

        def other():
            keep[0] = heap.alloc(nbytes=3)   # waits for the lock
            done.set()

        t = threading.Thread(target=other)
        t.start()
        self.assertFalse(done.wait(0.2), "ran while the lock was held")
        heap._lock.release()
        t.join()
        self.assertTrue(done.is_set())
        self.assertEqual(keep[0].nbytes, 3)
        heap.close()

    def test_wrapper_made_by_hand_is_an_error_not_a_crash(self):
        obj = movgc.Obj.__new__(movgc.Obj)   # no heap, no handle
        for use in (lambda: obj[0], lambda: obj.read(), lambda: len(obj),
                    lambda: obj.write(b"x"), lambda: obj.tag):
            with self.assertRaises((TypeError, AttributeError)):
                use()
        heap = movgc.Heap()
        with self.assertRaises(TypeError):
            movgc.Obj("not a heap", 1)
        forged = movgc.Obj(heap, 12345)      # no such handle: the library
        with self.assertRaises(movgc.StaleHandleError):   # says so
            forged.read()
        heap.close()

    def test_a_dead_wrapper_with_a_stale_handle_warns_once(self):
        """Freeing the handle of a wrapper made with a wrong id fails; that
        is a warning where the queue is freed, not an exception raised by
        that call or by a later, unrelated one."""
        heap = movgc.Heap()
        obj = heap.alloc(nrefs=1)
        forged = movgc.Obj(heap, 12345)
        del forged
        with self.assertWarnsRegex(RuntimeWarning, "could not be freed"):
            heap.collect()                   # frees the queued handles
        self.assertIsNone(obj[0])            # no error left behind
        heap.collect()
        heap.close()

    def test_copy_of_a_handle_holding_nothing_dies_quietly(self):
        import copy
        import warnings
        heap = movgc.Heap()
        obj = heap.alloc()
        heap.handle_set(obj, None)
        empty = copy.copy(obj)               # a wrapper with id 0
        self.assertEqual(empty.handle_id, 0)
        del empty
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            heap.collect()
            heap.alloc()
        heap.close()


if __name__ == "__main__":
    unittest.main()
