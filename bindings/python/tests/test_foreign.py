"""Pinned bytes passed to native code through ctypes (itself on libffi),
with a Python callback that allocates and collects during the call."""
import ctypes
import ctypes.util
import unittest

import movgc

CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class TestForeign(unittest.TestCase):
    def test_qsort_pinned_bytes_while_callback_collects(self):
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.qsort.argtypes = [ctypes.c_void_p, ctypes.c_size_t,
                               ctypes.c_size_t, CMP]
        libc.qsort.restype = None
        data = bytes([7, 3, 9, 1, 8, 2, 6, 4, 5, 0]) * 3
        with movgc.Heap() as heap:
            garbage = heap.alloc(nbytes=4000)
            heap.collect()
            bystander = heap.alloc_bytes(b"bystander")
            heap.collect()
            obj = heap.alloc_bytes(data)
            heap.collect()                  # old: garbage, bystander, obj
            del garbage
            seen = []

            def compare(a, b):
                heap.alloc(nbytes=100)      # allocates during the call
                heap.collect()              # and moves what is not pinned
                seen.append(obj._addr())
                return (ctypes.c_ubyte.from_address(a).value
                        - ctypes.c_ubyte.from_address(b).value)

            with obj.pinned() as view:
                addr = obj._addr()
                start = ctypes.addressof(ctypes.c_char.from_buffer(view))
                before = bystander._addr()
                libc.qsort(start, len(view), 1, CMP(compare))
                self.assertEqual(bytes(view), bytes(sorted(data)))
            self.assertTrue(seen, "the comparator never ran")
            self.assertEqual(set(seen), {addr}, "the pinned object moved")
            self.assertNotEqual(bystander._addr(), before,
                                "the collections moved nothing")
            with bystander.pinned() as view:
                self.assertEqual(bytes(view), b"bystander")


if __name__ == "__main__":
    unittest.main()
