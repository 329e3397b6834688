#!/usr/bin/env python3
"""Runs every tests/sdk/python/test_*.py and ends with one line: `python: N passed, N failed`.

Exit status is non-zero when anything failed (including setUpClass/tearDownClass errors).
Usage: python3 tests/sdk/python/run_all.py [-q]
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    sys.path.insert(0, HERE)
    verbosity = 1 if "-q" in sys.argv[1:] else 2
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stderr).run(suite)

    # A test with several failing subtests counts once; a failing setUpClass/tearDownClass
    # (an _ErrorHolder, not a test) counts as one more failure.
    failed_tests, fixture_errors = set(), set()
    for test in [t for t, _ in result.failures + result.errors] + list(result.unexpectedSuccesses):
        test = getattr(test, "test_case", test)  # a _SubTest -> its test
        (failed_tests if isinstance(test, unittest.TestCase) else fixture_errors).add(test.id())
    passed = result.testsRun - len(failed_tests) - len(result.skipped)
    failed = len(failed_tests) + len(fixture_errors)
    if result.testsRun == 0:
        failed = max(failed, 1)  # finding no tests at all is a failure
    print(f"python: {passed} passed, {failed} failed")
    return 1 if failed or not result.wasSuccessful() else 0


if __name__ == "__main__":
    sys.exit(main())
