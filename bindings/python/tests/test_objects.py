"""Objects, slots, moving, pinning and statistics through the binding."""
import struct
import unittest

import movgc


def put_int(obj, value):
    with obj.pinned() as view:
        view[:8] = struct.pack("<q", value)


def get_int(obj):
    with obj.pinned():
        return struct.unpack("<q", obj.bytes()[:8])[0]


class TestObjects(unittest.TestCase):
    def setUp(self):
        self.heap = movgc.Heap()

    def tearDown(self):
        self.heap.close()

    def test_alloc_shape_and_zeroed(self):
        obj = self.heap.alloc(nrefs=3, nbytes=5, tag=42)
        self.assertEqual((obj.nrefs, obj.nbytes, obj.tag), (3, 5, 42))
        self.assertEqual(len(obj), 3)
        self.assertEqual([obj[i] for i in range(3)], [None] * 3)
        with obj.pinned():
            self.assertEqual(obj.bytes(), b"\0" * 5)

    def test_young_object_moves_and_wrapper_follows(self):
        obj = self.heap.alloc(nrefs=1, tag=3)
        obj[0] = self.heap.alloc_bytes(b"payload!")
        before = obj._addr()
        self.heap.collect(full=False)
        self.assertNotEqual(obj._addr(), before, "minor collection moved nothing")
        self.assertEqual(obj.tag, 3)
        with obj[0].pinned() as view:
            self.assertEqual(bytes(view), b"payload!")

    def test_compaction_moves_old_object_and_wrapper_follows(self):
        garbage = self.heap.alloc(nbytes=4000)
        self.heap.collect(full=True)
        obj = self.heap.alloc_bytes(b"old and moving")
        self.heap.collect(full=True)       # old: garbage, obj
        before = obj._addr()
        del garbage
        self.heap.collect(full=True)       # obj slides down
        self.assertNotEqual(obj._addr(), before, "compaction moved nothing")
        with obj.pinned() as view:
            self.assertEqual(bytes(view), b"old and moving")

    def test_linked_list_survives_collections(self):
        head = None
        for i in range(200):
            node = self.heap.alloc(nrefs=1, nbytes=8, tag=7)
            put_int(node, i)
            node[0] = head
            head = node
            if i % 50 == 0:
                self.heap.collect(full=bool(i % 100))
        self.heap.collect(full=True)
        seen, node = [], head
        while node is not None:
            self.assertEqual(node.tag, 7)
            seen.append(get_int(node))
            node = node[0]
        self.assertEqual(seen, list(range(199, -1, -1)))

    def test_slot_identity(self):
        a = self.heap.alloc(nrefs=2)
        b = self.heap.alloc(nbytes=16)
        a[0] = b
        a[1] = b
        self.heap.collect()
        self.assertEqual(a[0], b)
        self.assertEqual(a[0], a[1])
        self.assertNotEqual(a[0], a)
        self.assertEqual(hash(a[0]), hash(b))
        a[0] = None
        self.assertIsNone(a[0])

    def test_slot_index_checked(self):
        obj = self.heap.alloc(nrefs=2)
        with self.assertRaises(IndexError):
            obj[2]
        with self.assertRaises(IndexError):
            obj[-1] = None
        with self.assertRaises(TypeError):
            obj[0] = b"not an object"

    def test_bytes_copied_without_pin_view_released_on_exit(self):
        obj = self.heap.alloc(nbytes=4)
        self.assertEqual(obj.bytes(), b"\0\0\0\0")
        with obj.pinned() as view:
            view[:] = b"abcd"
            kept = view
        with self.assertRaises(ValueError):  # released on exit
            kept[0]
        self.heap.collect(full=True)
        self.assertEqual(obj.bytes(), b"abcd")

    def test_pinned_object_does_not_move(self):
        obj = self.heap.alloc_bytes(b"fixed")
        garbage = [self.heap.alloc(nbytes=64) for _ in range(100)]
        with obj.pinned() as view:
            addr = obj._addr()
            del garbage[:]
            for _ in range(3):
                self.heap.alloc(nbytes=1000)
                self.heap.collect(full=True)
            self.assertEqual(obj._addr(), addr)
            self.assertEqual(bytes(view), b"fixed")
            view[0:1] = b"F"
        self.heap.collect(full=True)
        with obj.pinned():
            self.assertEqual(obj.bytes(), b"Fixed")

    def test_nested_pins(self):
        obj = self.heap.alloc_bytes(b"x")
        with obj.pinned():
            with obj.pinned() as inner:
                self.assertEqual(bytes(inner), b"x")
            self.assertEqual(obj.bytes(), b"x")

    def test_dropped_wrappers_free_their_objects(self):
        keep = [self.heap.alloc(nbytes=1024) for _ in range(512)]
        self.heap.collect(full=True)
        held = self.heap.stats()["live_bytes"]
        self.assertGreaterEqual(held, 512 * 1024)
        del keep
        self.heap.collect(full=True)
        self.assertLess(self.heap.stats()["live_bytes"], held // 4)

    def test_stats_dict(self):
        before = self.heap.stats()
        self.heap.alloc(nbytes=100)
        self.heap.collect(full=True)
        after = self.heap.stats()
        for key in ("minor_collections", "full_collections",
                    "bytes_allocated", "bytes_promoted", "bytes_compacted",
                    "live_bytes", "heap_bytes", "total_pause_ns",
                    "max_pause_ns"):
            self.assertIsInstance(after[key], int, key)
        self.assertEqual(after["full_collections"],
                         before["full_collections"] + 1)
        self.assertGreater(after["bytes_allocated"],
                           before["bytes_allocated"])

    def test_heap_is_context_manager(self):
        with movgc.Heap() as heap:
            obj = heap.alloc(nbytes=8)
        self.assertTrue(heap.closed)
        with self.assertRaises(movgc.HeapClosedError):
            obj.nbytes

    def test_objects_of_another_heap_refused(self):
        with movgc.Heap() as other:
            stranger = other.alloc()
            obj = self.heap.alloc(nrefs=1)
            with self.assertRaises(movgc.MisuseError):
                obj[0] = stranger


if __name__ == "__main__":
    unittest.main()
