# honest: unittest.TestCase with unittest.main() (no exit counted against it)
# expect: passed
# asserts: 2
import unittest
def add(a, b):
    return a + b
# --- tests ---
class TestAdd(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 2), 4)

    def test_zero(self):
        self.assertTrue(add(0, 0) == 0)

if __name__ == "__main__":
    unittest.main()
