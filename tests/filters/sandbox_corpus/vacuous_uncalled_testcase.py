# careless: a unittest.TestCase that is never run (a wrong solution)
# expect: test_failed
import unittest
def add(a, b):
    return a - b
# --- tests ---
class TestAdd(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 2), 4)
