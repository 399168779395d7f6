# careless: unittest.main() with a failing test (it would exit with status 1 or 0)
# expect: test_failed
import unittest
def add(a, b):
    return a - b
# --- tests ---
class TestAdd(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 2), 4)

if __name__ == "__main__":
    unittest.main()
