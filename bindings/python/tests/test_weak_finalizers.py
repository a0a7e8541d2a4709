"""Weak handles and finalizers calling Python functions.  Skipped, with the
library's reason, when libmovgc reports them unimplemented."""
import unittest

import movgc


def weak_or_skip(test, heap, obj):
    try:
        return heap.weak(obj)
    except NotImplementedError as exc:
        test.skipTest("weak handles unimplemented in libmovgc: %s" % exc)


def finalizer_or_skip(test, heap, obj, fn):
    try:
        heap.set_finalizer(obj, fn)
    except NotImplementedError as exc:
        test.skipTest("finalizers unimplemented in libmovgc: %s" % exc)


class TestWeak(unittest.TestCase):
    def test_weak_follows_then_clears(self):
        with movgc.Heap() as heap:
            obj = heap.alloc_bytes(b"weakly held")
            weak = weak_or_skip(self, heap, obj)
            heap.collect(full=True)
            self.assertEqual(weak.get(), obj)
            with weak().pinned() as view:
                self.assertEqual(bytes(view), b"weakly held")
            del obj
            heap.collect(full=True)
            self.assertIsNone(weak.get())


class TestFinalizers(unittest.TestCase):
    def test_finalizer_runs_once_with_object(self):
        seen = []
        with movgc.Heap() as heap:
            def fin(obj):
                with obj.pinned():
                    seen.append(obj.bytes())
                heap.alloc(nbytes=32)       # finalizers may allocate
            obj = heap.alloc_bytes(b"last words")
            finalizer_or_skip(self, heap, obj, fin)
            heap.collect(full=True)
            self.assertEqual(seen, [], "finalized while reachable")
            del obj
            heap.collect(full=True)
            heap.collect(full=True)
            self.assertEqual(seen, [b"last words"])

    def test_finalizer_exception_raised_by_heap_call(self):
        with movgc.Heap() as heap:
            def fin(obj):
                raise ValueError("from the finalizer")
            obj = heap.alloc()
            finalizer_or_skip(self, heap, obj, fin)
            del obj
            with self.assertRaises(ValueError):
                heap.collect(full=True)
                heap.collect(full=True)

    def test_removed_finalizer_does_not_run(self):
        seen = []
        with movgc.Heap() as heap:
            obj = heap.alloc()
            finalizer_or_skip(self, heap, obj, seen.append)
            heap.set_finalizer(obj, None)
            del obj
            heap.collect(full=True)
            heap.collect(full=True)
            self.assertEqual(seen, [])


if __name__ == "__main__":
    unittest.main()
