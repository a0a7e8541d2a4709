"""movgc errors raised as Python exceptions carrying the library's message."""
import os
import unittest

import movgc


class TestErrors(unittest.TestCase):
    def test_nomem_raised_and_heap_usable(self):
        with movgc.Heap(heap_limit=4 << 20) as heap:
            with self.assertRaises(movgc.NoMemoryError) as cm:
                heap.alloc(nbytes=64 << 20)
            self.assertEqual(cm.exception.code, movgc.MOVGC_E_NOMEM)
            self.assertTrue(str(cm.exception), "empty message")
            self.assertIsInstance(cm.exception, MemoryError)
            obj = heap.alloc_bytes(b"still fine")
            heap.collect()
            with obj.pinned() as view:
                self.assertEqual(bytes(view), b"still fine")

    def test_misuse_raised_with_message(self):
        with movgc.Heap() as heap:
            with self.assertRaises(movgc.MisuseError) as cm:
                heap.alloc(tag=70000)
            self.assertEqual(cm.exception.code, movgc.MOVGC_E_MISUSE)
            self.assertTrue(str(cm.exception), "empty message")
            heap.alloc(tag=65535)

    def test_config_error_names_variable(self):
        saved = os.environ.get("MOVGC_NURSERY")
        os.environ["MOVGC_NURSERY"] = "lots"
        try:
            with self.assertRaises(movgc.ConfigError) as cm:
                movgc.Heap()
            self.assertIn("MOVGC_NURSERY", str(cm.exception))
        finally:
            if saved is None:
                del os.environ["MOVGC_NURSERY"]
            else:
                os.environ["MOVGC_NURSERY"] = saved


if __name__ == "__main__":
    unittest.main()
