"""The README's Python example runs and prints example.expected, the
output the README shows (bindings/check-readme.sh checks the README quotes
both)."""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class TestExample(unittest.TestCase):
    def test_example_output(self):
        env = dict(os.environ, PYTHONPATH=HERE, PYTHONDONTWRITEBYTECODE="1")
        out = subprocess.run([sys.executable, os.path.join(HERE, "example.py")],
                             env=env, stdout=subprocess.PIPE, check=True,
                             universal_newlines=True).stdout
        with open(os.path.join(HERE, "example.expected")) as f:
            self.assertEqual(out, f.read())


if __name__ == "__main__":
    unittest.main()
