"""run_tests.py -- run the Python binding's unittest suite and end with the
line `N passed, M failed, K skipped` that movgc's test harness reads."""
import os
import sys
import unittest

sys.dont_write_bytecode = True  # the source tree may be read-only
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    suite = unittest.defaultTestLoader.discover(
        os.path.join(HERE, "tests"), top_level_dir=HERE)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failed = (len(result.failures) + len(result.errors)
              + len(result.unexpectedSuccesses))
    skipped = len(result.skipped)
    for test, reason in result.skipped:
        print("SKIPPED %s: %s" % (test.id(), reason))
    passed = result.testsRun - failed - skipped
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed or not result.testsRun else 0


if __name__ == "__main__":
    sys.exit(main())
