// The built-in teacher's code data: one implementation per prompts::exercise_tasks()
// entry (solution body + assert cases, {f} standing for the function name) and the prose
// banks by audience. Included by builtin_code.cc only, which holds the writers that
// assemble replies from them.
#pragma once

#include <array>
#include <string_view>

namespace primer::generators::code_banks {
// Data, laid out by hand:
// clang-format off

struct TaskImpl {
  std::string_view key;
  std::string_view imports;  // import lines (with their newline) or empty
  std::string_view helpers;  // classes the function uses, ending with a blank line, or empty
  std::string_view body;     // the function body after the docstring, indented 4
  std::array<std::string_view, 6> cases;  // assert expressions; empty entries unused
};

// One implementation per prompts::exercise_tasks() entry; every case passes (tested).
constexpr TaskImpl kImpls[] = {
    {"celsius_to_fahrenheit",
     "",
     "",
     R"py(    return celsius * 9 / 5 + 32
)py",
     {R"py({f}(0) == 32)py", R"py({f}(100) == 212)py", R"py({f}(-40) == -40)py", R"py(abs({f}(37) - 98.6) < 1e-9)py", R"py(abs({f}(-17.5) - 0.5) < 1e-9)py"}},
    {"clamp",
     "",
     "",
     R"py(    if value < low:
        return low
    if value > high:
        return high
    return value
)py",
     {R"py({f}(5, 0, 10) == 5)py", R"py({f}(-3, 0, 10) == 0)py", R"py({f}(42, 0, 10) == 10)py", R"py({f}(7, 7, 7) == 7)py", R"py({f}(-5, -10, -1) == -5)py"}},
    {"seconds_to_hms",
     "",
     "",
     R"py(    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return (hours, minutes, secs)
)py",
     {R"py({f}(0) == (0, 0, 0))py", R"py({f}(59) == (0, 0, 59))py", R"py({f}(3600) == (1, 0, 0))py", R"py({f}(3661) == (1, 1, 1))py", R"py({f}(86399) == (23, 59, 59))py"}},
    {"count_vowels",
     "",
     "",
     R"py(    return sum(1 for ch in text.lower() if ch in "aeiou")
)py",
     {R"py({f}("hello") == 2)py", R"py({f}("") == 0)py", R"py({f}("AEIOU") == 5)py", R"py({f}("rhythm") == 0)py", R"py({f}("Programming in Python") == 5)py"}},
    {"reverse_words",
     "",
     "",
     R"py(    return " ".join(reversed(sentence.split()))
)py",
     {R"py({f}("hello world") == "world hello")py", R"py({f}("") == "")py", R"py({f}("one") == "one")py", R"py({f}("  spaced   out  words ") == "words out spaced")py", R"py({f}("a b c d") == "d c b a")py"}},
    {"is_palindrome",
     "",
     "",
     R"py(    letters = [ch.lower() for ch in text if ch.isalpha()]
    return letters == letters[::-1]
)py",
     {R"py({f}("racecar"))py", R"py({f}("A man, a plan, a canal: Panama"))py", R"py(not {f}("python"))py", R"py({f}(""))py", R"py(not {f}("ab"))py"}},
    {"caesar_shift",
     "",
     "",
     R"py(    result = []
    for ch in text:
        if "a" <= ch <= "z":
            result.append(chr((ord(ch) - ord("a") + shift) % 26 + ord("a")))
        elif "A" <= ch <= "Z":
            result.append(chr((ord(ch) - ord("A") + shift) % 26 + ord("A")))
        else:
            result.append(ch)
    return "".join(result)
)py",
     {R"py({f}("abc", 1) == "bcd")py", R"py({f}("xyz", 3) == "abc")py", R"py({f}("Hello, World!", 13) == "Uryyb, Jbeyq!")py", R"py({f}("abc", -1) == "zab")py", R"py({f}("", 5) == "")py", R"py({f}({f}("Round trip", 7), -7) == "Round trip")py"}},
    {"run_length_encode",
     "",
     "",
     R"py(    if not text:
        return ""
    parts = []
    current, count = text[0], 1
    for ch in text[1:]:
        if ch == current:
            count += 1
        else:
            parts.append(f"{current}{count}")
            current, count = ch, 1
    parts.append(f"{current}{count}")
    return "".join(parts)
)py",
     {R"py({f}("aaab") == "a3b1")py", R"py({f}("") == "")py", R"py({f}("abc") == "a1b1c1")py", R"py({f}("zzzzzzzzzzzz") == "z12")py", R"py({f}("aabbaa") == "a2b2a2")py"}},
    {"capitalize_words",
     "",
     "",
     R"py(    return " ".join(word[:1].upper() + word[1:] for word in sentence.split(" "))
)py",
     {R"py({f}("hello world") == "Hello World")py", R"py({f}("") == "")py", R"py({f}("python is fun") == "Python Is Fun")py", R"py({f}("already Capital") == "Already Capital")py", R"py({f}("a  b") == "A  B")py"}},
    {"fizzbuzz_word",
     "",
     "",
     R"py(    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)
)py",
     {R"py({f}(1) == "1")py", R"py({f}(3) == "Fizz")py", R"py({f}(10) == "Buzz")py", R"py({f}(30) == "FizzBuzz")py", R"py({f}(0) == "FizzBuzz")py", R"py([{f}(i) for i in range(1, 6)] == ["1", "2", "Fizz", "4", "Buzz"])py"}},
    {"classify_number",
     "",
     "",
     R"py(    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    else:
        return "positive"
)py",
     {R"py({f}(-5) == "negative")py", R"py({f}(0) == "zero")py", R"py({f}(7) == "positive")py", R"py({f}(-1) == "negative")py", R"py({f}(10**12) == "positive")py"}},
    {"sum_of_multiples",
     "",
     "",
     R"py(    total = 0
    for k in range(limit):
        if k % 3 == 0 or k % 5 == 0:
            total += k
    return total
)py",
     {R"py({f}(10) == 23)py", R"py({f}(0) == 0)py", R"py({f}(1) == 0)py", R"py({f}(16) == 60)py", R"py({f}(1000) == 233168)py"}},
    {"apply_n_times",
     R"py(from typing import Callable
)py",
     "",
     R"py(    for _ in range(n):
        value = func(value)
    return value
)py",
     {R"py({f}(lambda x: x + 1, 3, 0) == 3)py", R"py({f}(lambda x: x * 2, 10, 1) == 1024)py", R"py({f}(lambda x: x - 5, 0, 42) == 42)py", R"py({f}(abs, 1, -7) == 7)py", R"py({f}(lambda x: x * x, 2, 3) == 81)py"}},
    {"safe_divide",
     "",
     "",
     R"py(    if b == 0:
        return default
    return a / b
)py",
     {R"py({f}(10, 2) == 5)py", R"py({f}(1, 0) == 0.0)py", R"py({f}(1, 0, -1.0) == -1.0)py", R"py({f}(-9, 3) == -3)py", R"py(abs({f}(1, 3) - 1 / 3) < 1e-12)py"}},
    {"make_counter_total",
     "",
     "",
     R"py(    total = 0

    def add(step: int) -> None:
        nonlocal total
        total += step

    for step in steps:
        add(step)
    return total
)py",
     {R"py({f}([1, 2, 3]) == 6)py", R"py({f}([]) == 0)py", R"py({f}([-5, 5]) == 0)py", R"py({f}([10]) == 10)py", R"py({f}(list(range(101))) == 5050)py"}},
    {"running_sum",
     "",
     "",
     R"py(    totals = []
    total = 0
    for v in values:
        total += v
        totals.append(total)
    return totals
)py",
     {R"py({f}([1, 2, 3, 4]) == [1, 3, 6, 10])py", R"py({f}([]) == [])py", R"py({f}([5]) == [5])py", R"py({f}([3, -3, 3]) == [3, 0, 3])py", R"py({f}([0, 0, 0]) == [0, 0, 0])py"}},
    {"chunk_list",
     "",
     "",
     R"py(    return [items[i:i + size] for i in range(0, len(items), size)]
)py",
     {R"py({f}([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]])py", R"py({f}([], 3) == [])py", R"py({f}([1, 2, 3], 3) == [[1, 2, 3]])py", R"py({f}([1, 2, 3], 1) == [[1], [2], [3]])py", R"py({f}([1, 2], 5) == [[1, 2]])py"}},
    {"second_largest",
     "",
     "",
     R"py(    distinct = sorted(set(values))
    if len(distinct) < 2:
        return None
    return distinct[-2]
)py",
     {R"py({f}([3, 1, 4, 1, 5]) == 4)py", R"py({f}([7, 7, 7]) is None)py", R"py({f}([]) is None)py", R"py({f}([-2, -1]) == -2)py", R"py({f}([10, 9, 10]) == 9)py"}},
    {"remove_duplicates",
     "",
     "",
     R"py(    seen = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result
)py",
     {R"py({f}([1, 2, 1, 3, 2]) == [1, 2, 3])py", R"py({f}([]) == [])py", R"py({f}([5, 5, 5]) == [5])py", R"py({f}([3, 2, 1]) == [3, 2, 1])py", R"py({f}([0, -1, 0, -1, 2]) == [0, -1, 2])py"}},
    {"rotate_list",
     "",
     "",
     R"py(    if not items:
        return []
    k %= len(items)
    return items[-k:] + items[:-k] if k else list(items)
)py",
     {R"py({f}([1, 2, 3, 4, 5], 2) == [4, 5, 1, 2, 3])py", R"py({f}([], 3) == [])py", R"py({f}([1, 2, 3], 0) == [1, 2, 3])py", R"py({f}([1, 2, 3], 3) == [1, 2, 3])py", R"py({f}([1, 2, 3], 7) == [3, 1, 2])py"}},
    {"common_elements",
     "",
     "",
     R"py(    return sorted(set(a) & set(b))
)py",
     {R"py({f}([1, 2, 3], [2, 3, 4]) == [2, 3])py", R"py({f}([], [1, 2]) == [])py", R"py({f}([1, 1, 2], [1, 1]) == [1])py", R"py({f}([5, 4], [6, 7]) == [])py", R"py({f}([3, -1, 2], [2, 3, -1]) == [-1, 2, 3])py"}},
    {"min_max",
     "",
     "",
     R"py(    smallest = largest = values[0]
    for v in values[1:]:
        if v < smallest:
            smallest = v
        elif v > largest:
            largest = v
    return (smallest, largest)
)py",
     {R"py({f}([3, 1, 4, 1, 5]) == (1, 5))py", R"py({f}([7]) == (7, 7))py", R"py({f}([-2, -8, -3]) == (-8, -2))py", R"py({f}([0, 0]) == (0, 0))py", R"py({f}(list(range(1000, -1, -1))) == (0, 1000))py"}},
    {"count_distinct",
     "",
     "",
     R"py(    return len({item.lower() for item in items})
)py",
     {R"py({f}(["a", "A", "b"]) == 2)py", R"py({f}([]) == 0)py", R"py({f}(["Python", "python", "PYTHON"]) == 1)py", R"py({f}(["x", "y", "z"]) == 3)py", R"py({f}(["", ""]) == 1)py"}},
    {"word_frequencies",
     "",
     "",
     R"py(    counts: dict[str, int] = {}
    for word in text.lower().split():
        counts[word] = counts.get(word, 0) + 1
    return counts
)py",
     {R"py({f}("the cat the hat") == {"the": 2, "cat": 1, "hat": 1})py", R"py({f}("") == {})py", R"py({f}("A a A") == {"a": 3})py", R"py({f}("one") == {"one": 1})py", R"py({f}("x y\nx") == {"x": 2, "y": 1})py"}},
    {"invert_dict",
     "",
     "",
     R"py(    inverted: dict[int, list[str]] = {}
    for key, value in mapping.items():
        inverted.setdefault(value, []).append(key)
    for keys in inverted.values():
        keys.sort()
    return inverted
)py",
     {R"py({f}({"a": 1, "b": 2, "c": 1}) == {1: ["a", "c"], 2: ["b"]})py", R"py({f}({}) == {})py", R"py({f}({"z": 0}) == {0: ["z"]})py", R"py({f}({"b": 5, "a": 5}) == {5: ["a", "b"]})py"}},
    {"group_by_length",
     "",
     "",
     R"py(    groups: dict[int, list[str]] = {}
    for word in words:
        groups.setdefault(len(word), []).append(word)
    return groups
)py",
     {R"py({f}(["hi", "yo", "cat"]) == {2: ["hi", "yo"], 3: ["cat"]})py", R"py({f}([]) == {})py", R"py({f}(["", "a"]) == {0: [""], 1: ["a"]})py", R"py({f}(["dog", "cat", "ox"]) == {3: ["dog", "cat"], 2: ["ox"]})py"}},
    {"factorial",
     "",
     "",
     R"py(    if n <= 1:
        return 1
    return n * {f}(n - 1)
)py",
     {R"py({f}(0) == 1)py", R"py({f}(1) == 1)py", R"py({f}(5) == 120)py", R"py({f}(10) == 3628800)py", R"py({f}(20) == 2432902008176640000)py"}},
    {"fibonacci",
     "",
     "",
     R"py(    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
)py",
     {R"py({f}(0) == 0)py", R"py({f}(1) == 1)py", R"py({f}(2) == 1)py", R"py({f}(10) == 55)py", R"py({f}(90) == 2880067194370816120)py"}},
    {"flatten",
     "",
     "",
     R"py(    result = []
    for item in nested:
        if isinstance(item, list):
            result.extend({f}(item))
        else:
            result.append(item)
    return result
)py",
     {R"py({f}([1, [2, [3, 4]], 5]) == [1, 2, 3, 4, 5])py", R"py({f}([]) == [])py", R"py({f}([[[]]]) == [])py", R"py({f}(["a", ["b"]]) == ["a", "b"])py", R"py({f}([[1], [[2]], [[[3]]]]) == [1, 2, 3])py"}},
    {"sum_digits",
     "",
     "",
     R"py(    n = abs(n)
    if n < 10:
        return n
    return n % 10 + {f}(n // 10)
)py",
     {R"py({f}(0) == 0)py", R"py({f}(7) == 7)py", R"py({f}(1234) == 10)py", R"py({f}(-987) == 24)py", R"py({f}(10**20) == 1)py"}},
    {"binary_search",
     "",
     "",
     R"py(    low, high = 0, len(items) - 1
    while low <= high:
        mid = (low + high) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            low = mid + 1
        else:
            high = mid - 1
    return -1
)py",
     {R"py({f}([1, 3, 5, 7, 9], 7) == 3)py", R"py({f}([1, 3, 5, 7, 9], 4) == -1)py", R"py({f}([], 1) == -1)py", R"py({f}([2], 2) == 0)py", R"py({f}(list(range(0, 100000, 2)), 77778) == 38889)py"}},
    {"insertion_sort",
     "",
     "",
     R"py(    result = list(values)
    for i in range(1, len(result)):
        current = result[i]
        j = i - 1
        while j >= 0 and result[j] > current:
            result[j + 1] = result[j]
            j -= 1
        result[j + 1] = current
    return result
)py",
     {R"py({f}([3, 1, 2]) == [1, 2, 3])py", R"py({f}([]) == [])py", R"py({f}([5, -1, 5, 0]) == [-1, 0, 5, 5])py", R"py({f}([1, 2, 3]) == [1, 2, 3])py", R"py({f}(list(range(50, 0, -1))) == list(range(1, 51)))py"}},
    {"merge_sorted",
     "",
     "",
     R"py(    result = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            result.append(a[i])
            i += 1
        else:
            result.append(b[j])
            j += 1
    result.extend(a[i:])
    result.extend(b[j:])
    return result
)py",
     {R"py({f}([1, 4, 6], [2, 3, 7]) == [1, 2, 3, 4, 6, 7])py", R"py({f}([], [1, 2]) == [1, 2])py", R"py({f}([1, 2], []) == [1, 2])py", R"py({f}([], []) == [])py", R"py({f}([1, 1], [1]) == [1, 1, 1])py"}},
    {"gcd",
     "",
     "",
     R"py(    a, b = abs(a), abs(b)
    while b:
        a, b = b, a % b
    return a
)py",
     {R"py({f}(12, 18) == 6)py", R"py({f}(17, 5) == 1)py", R"py({f}(0, 9) == 9)py", R"py({f}(0, 0) == 0)py", R"py({f}(-24, 36) == 12)py"}},
    {"is_prime",
     "",
     "",
     R"py(    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True
)py",
     {R"py({f}(2))py", R"py({f}(97))py", R"py(not {f}(1))py", R"py(not {f}(91))py", R"py(not {f}(-7))py", R"py([k for k in range(20) if {f}(k)] == [2, 3, 5, 7, 11, 13, 17, 19])py"}},
    {"max_subarray_sum",
     "",
     "",
     R"py(    best = current = values[0]
    for v in values[1:]:
        current = max(v, current + v)
        best = max(best, current)
    return best
)py",
     {R"py({f}([-2, 1, -3, 4, -1, 2, 1, -5, 4]) == 6)py", R"py({f}([5]) == 5)py", R"py({f}([-3, -1, -2]) == -1)py", R"py({f}([1, 2, 3]) == 6)py", R"py({f}([2, -10, 3]) == 3)py"}},
    {"two_sum_indices",
     "",
     "",
     R"py(    seen: dict[int, int] = {}
    for j, v in enumerate(values):
        if target - v in seen:
            return (seen[target - v], j)
        seen.setdefault(v, j)
    return None
)py",
     {R"py({f}([2, 7, 11, 15], 9) == (0, 1))py", R"py({f}([3, 2, 4], 6) == (1, 2))py", R"py({f}([1, 2], 7) is None)py", R"py({f}([], 0) is None)py", R"py({f}([5, 5], 10) == (0, 1))py"}},
    {"min_coins",
     "",
     "",
     R"py(    best = [0] + [-1] * amount
    for total in range(1, amount + 1):
        options = [best[total - c] for c in coins if c <= total and best[total - c] >= 0]
        best[total] = min(options) + 1 if options else -1
    return best[amount]
)py",
     {R"py({f}([1, 2, 5], 11) == 3)py", R"py({f}([2], 3) == -1)py", R"py({f}([1], 0) == 0)py", R"py({f}([3, 7], 14) == 2)py", R"py({f}([1, 5, 10, 25], 63) == 6)py"}},
    {"balanced_brackets",
     "",
     "",
     R"py(    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack
)py",
     {R"py({f}("([]{})"))py", R"py({f}(""))py", R"py(not {f}("(]"))py", R"py(not {f}("(("))py", R"py({f}("a(b)c[d]"))py", R"py(not {f}(")("))py"}},
    {"josephus_last",
     R"py(from collections import deque
)py",
     "",
     R"py(    circle = deque(range(1, n + 1))
    while len(circle) > 1:
        circle.rotate(-(k - 1))
        circle.popleft()
    return circle[0]
)py",
     {R"py({f}(1, 3) == 1)py", R"py({f}(5, 2) == 3)py", R"py({f}(7, 3) == 4)py", R"py({f}(6, 1) == 6)py", R"py({f}(41, 3) == 31)py"}},
    {"transpose",
     "",
     "",
     R"py(    return [list(row) for row in zip(*matrix)]
)py",
     {R"py({f}([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]])py", R"py({f}([]) == [])py", R"py({f}([[7]]) == [[7]])py", R"py({f}([[1, 2]]) == [[1], [2]])py", R"py({f}({f}([[1, 2], [3, 4]])) == [[1, 2], [3, 4]])py"}},
    {"bfs_distance",
     R"py(from collections import deque
)py",
     "",
     R"py(    if start == goal:
        return 0
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        node, dist = queue.popleft()
        for nxt in graph.get(node, []):
            if nxt == goal:
                return dist + 1
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, dist + 1))
    return -1
)py",
     {R"py({f}({"a": ["b"], "b": ["c"], "c": []}, "a", "c") == 2)py", R"py({f}({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}, "a", "d") == 2)py", R"py({f}({"a": []}, "a", "a") == 0)py", R"py({f}({"a": ["b"], "b": []}, "b", "a") == -1)py", R"py({f}({"a": ["a"]}, "a", "z") == -1)py"}},
    {"pairwise_differences",
     "",
     "",
     R"py(    return [b - a for a, b in zip(values, values[1:])]
)py",
     {R"py({f}([1, 4, 9, 16]) == [3, 5, 7])py", R"py({f}([]) == [])py", R"py({f}([5]) == [])py", R"py({f}([3, 1]) == [-2])py", R"py({f}([0, 0, 0]) == [0, 0])py"}},
    {"take_evens",
     R"py(from itertools import islice
)py",
     "",
     R"py(    evens = (v for v in values if v % 2 == 0)
    return list(islice(evens, n))
)py",
     {R"py({f}([1, 2, 3, 4, 6, 8], 2) == [2, 4])py", R"py({f}([], 3) == [])py", R"py({f}([1, 3, 5], 2) == [])py", R"py({f}([2, 4], 0) == [])py", R"py({f}([-2, 0, 7, 10], 5) == [-2, 0, 10])py"}},
    {"sum_of_squares",
     "",
     "",
     R"py(    return sum(map(lambda v: v * v, values))
)py",
     {R"py({f}([1, 2, 3]) == 14)py", R"py({f}([]) == 0)py", R"py({f}([-4]) == 16)py", R"py({f}([0, 0]) == 0)py", R"py({f}(list(range(11))) == 385)py"}},
    {"filter_long_words",
     "",
     "",
     R"py(    return list(filter(lambda word: len(word) >= min_length, words))
)py",
     {R"py({f}(["a", "abc", "abcd"], 3) == ["abc", "abcd"])py", R"py({f}([], 2) == [])py", R"py({f}(["hi"], 0) == ["hi"])py", R"py({f}(["tiny", "enormous"], 10) == [])py", R"py({f}(["one", "three", "five"], 4) == ["three", "five"])py"}},
    {"compose_all",
     R"py(from functools import reduce
from typing import Callable
)py",
     "",
     R"py(    return reduce(lambda acc, func: func(acc), funcs, value)
)py",
     {R"py({f}([lambda x: x + 1, lambda x: x * 10], 2) == 30)py", R"py({f}([], 5) == 5)py", R"py({f}([abs], -3) == 3)py", R"py({f}([lambda x: x * 10, lambda x: x + 1], 2) == 21)py", R"py({f}([lambda x: x - 1] * 5, 0) == -5)py"}},
    {"bank_balance",
     "",
     R"py(class Account:
    def __init__(self) -> None:
        self.balance = 0

    def deposit(self, amount: int) -> None:
        self.balance += amount

    def withdraw(self, amount: int) -> bool:
        if amount > self.balance:
            return False
        self.balance -= amount
        return True

)py",
     R"py(    account = Account()
    for action, amount in operations:
        if action == "deposit":
            account.deposit(amount)
        elif action == "withdraw":
            account.withdraw(amount)
    return account.balance
)py",
     {R"py({f}([("deposit", 100), ("withdraw", 30)]) == 70)py", R"py({f}([]) == 0)py", R"py({f}([("withdraw", 5)]) == 0)py", R"py({f}([("deposit", 10), ("withdraw", 20), ("withdraw", 10)]) == 0)py", R"py({f}([("deposit", 1)] * 50) == 50)py"}},
    {"total_area",
     R"py(import math
)py",
     R"py(class Square:
    def __init__(self, side: float) -> None:
        self.side = side

    def area(self) -> float:
        return self.side * self.side


class Circle:
    def __init__(self, radius: float) -> None:
        self.radius = radius

    def area(self) -> float:
        return math.pi * self.radius ** 2

)py",
     R"py(    kinds = {"square": Square, "circle": Circle}
    return round(sum(kinds[kind](size).area() for kind, size in shapes), 2)
)py",
     {R"py({f}([("square", 2)]) == 4)py", R"py({f}([]) == 0)py", R"py({f}([("circle", 1)]) == 3.14)py", R"py({f}([("square", 1), ("circle", 2)]) == 13.57)py", R"py({f}([("square", 0.5)] * 4) == 1)py"}},
    {"safe_int",
     "",
     "",
     R"py(    try:
        return int(text)
    except ValueError:
        return default
)py",
     {R"py({f}("42") == 42)py", R"py({f}("-7") == -7)py", R"py({f}("abc") == 0)py", R"py({f}("", -1) == -1)py", R"py({f}(" 12 ") == 12)py", R"py({f}("3.5", 9) == 9)py"}},
    {"parse_key_values",
     "",
     "",
     R"py(    result: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            continue
        try:
            result[key.strip()] = int(value)
        except ValueError:
            continue
    return result
)py",
     {R"py({f}("a=1\nb=2") == {"a": 1, "b": 2})py", R"py({f}("") == {})py", R"py({f}("oops\nx=3\n=4\ny=z") == {"x": 3})py", R"py({f}(" size = 10 ") == {"size": 10})py", R"py({f}("k=1\nk=2") == {"k": 2})py"}},
    {"most_common_letter",
     R"py(from collections import Counter
)py",
     "",
     R"py(    counts = Counter(ch for ch in text.lower() if ch.isalpha())
    if not counts:
        return ""
    best = max(counts.values())
    return min(ch for ch, c in counts.items() if c == best)
)py",
     {R"py({f}("hello") == "l")py", R"py({f}("") == "")py", R"py({f}("abab") == "a")py", R"py({f}("Zz!y") == "z")py", R"py({f}("123 ...") == "")py"}},
    {"days_between",
     R"py(from datetime import date
)py",
     "",
     R"py(    return (date.fromisoformat(end) - date.fromisoformat(start)).days
)py",
     {R"py({f}("2024-01-01", "2024-01-31") == 30)py", R"py({f}("2024-03-01", "2024-03-01") == 0)py", R"py({f}("2024-02-28", "2024-03-01") == 2)py", R"py({f}("2023-02-28", "2023-03-01") == 1)py", R"py({f}("2024-01-10", "2024-01-01") == -9)py"}},
    {"extract_numbers",
     R"py(import re
)py",
     "",
     R"py(    return [int(m) for m in re.findall(r"-?\d+", text)]
)py",
     {R"py({f}("a1b22c333") == [1, 22, 333])py", R"py({f}("") == [])py", R"py({f}("no digits") == [])py", R"py({f}("-5 and 7") == [-5, 7])py", R"py({f}("x=10, y=-20") == [10, -20])py"}},
    {"save_and_count",
     "",
     "",
     R"py(    with open(filename, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
    with open(filename, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())
)py",
     {R"py({f}(["a", "b"], "notes.txt") == 2)py", R"py({f}([], "empty.txt") == 0)py", R"py({f}(["x", "", "y"], "gaps.txt") == 2)py", R"py({f}(["only"], "notes.txt") == 1)py"}},
    {"longest_line",
     "",
     "",
     R"py(    return max((len(line) for line in text.splitlines()), default=0)
)py",
     {R"py({f}("a\nabc\nab") == 3)py", R"py({f}("") == 0)py", R"py({f}("single") == 6)py", R"py({f}("\n\n") == 0)py", R"py({f}("x\n" * 100 + "y" * 50) == 50)py"}},
    {"is_sorted",
     "",
     "",
     R"py(    return all(a <= b for a, b in zip(values, values[1:]))
)py",
     {R"py({f}([1, 2, 2, 3]))py", R"py({f}([]))py", R"py({f}([5]))py", R"py(not {f}([2, 1]))py", R"py(not {f}([1, 3, 2, 4]))py"}},
    {"is_valid_username",
     "",
     "",
     R"py(    if not 3 <= len(name) <= 12 or not ("a" <= name[0] <= "z"):
        return False
    return all(ch.isdigit() or ch == "_" or "a" <= ch <= "z" for ch in name)
)py",
     {R"py({f}("alice"))py", R"py({f}("bob_42"))py", R"py(not {f}("al"))py", R"py(not {f}("1abc"))py", R"py(not {f}("Alice"))py", R"py(not {f}("averyveryverylongname"))py"}},
    {"is_perfect_square",
     R"py(import math
)py",
     "",
     R"py(    if n < 0:
        return False
    root = math.isqrt(n)
    return root * root == n
)py",
     {R"py({f}(0))py", R"py({f}(16))py", R"py(not {f}(15))py", R"py(not {f}(-4))py", R"py({f}(10**12))py"}},
    {"lcm",
     "",
     "",
     R"py(    a0, b0 = a, b
    while b:
        a, b = b, a % b
    return a0 // a * b0
)py",
     {R"py({f}(4, 6) == 12)py", R"py({f}(1, 9) == 9)py", R"py({f}(7, 7) == 7)py", R"py({f}(21, 6) == 42)py", R"py({f}(13, 17) == 221)py"}},
    {"median",
     "",
     "",
     R"py(    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
)py",
     {R"py({f}([3, 1, 2]) == 2)py", R"py({f}([4, 1, 3, 2]) == 2.5)py", R"py({f}([5]) == 5)py", R"py({f}([-1, -1]) == -1)py", R"py({f}([1.5, 2.5]) == 2.0)py"}},
    {"collatz_steps",
     "",
     "",
     R"py(    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps
)py",
     {R"py({f}(1) == 0)py", R"py({f}(2) == 1)py", R"py({f}(6) == 8)py", R"py({f}(7) == 16)py", R"py({f}(27) == 111)py"}},
    {"to_binary",
     "",
     "",
     R"py(    if n == 0:
        return "0"
    digits = []
    while n:
        n, bit = divmod(n, 2)
        digits.append(str(bit))
    return "".join(reversed(digits))
)py",
     {R"py({f}(0) == "0")py", R"py({f}(1) == "1")py", R"py({f}(5) == "101")py", R"py({f}(255) == "11111111")py", R"py({f}(1024) == "10000000000")py"}},
};

// ---- prose banks by audience: {title}, {name} are replaced ----
struct AudienceProse {
  std::string_view key;
  std::array<std::string_view, 3> intro;
  std::array<std::string_view, 2> explain;
  std::string_view edge;
};
constexpr AudienceProse kAudienceProse[] = {
    {"young_beginners",
     {"Imagine you have a big box of toys and you want the computer to help you with them. A computer needs clear "
      "steps, one at a time, and today our steps are about {title}.",
      "Let's learn something new today: {title}! We will write a tiny program together and look at it line by line.",
      "Programs are like recipes: they say exactly what to do, in order. This recipe is about {title}."},
     {"The line that starts with `def` gives our helper a name: `{name}`. The words between the triple quotes say "
      "what it does, and `return` hands the answer back to whoever asked.",
      "Read it slowly from the top. First Python learns the name `{name}`. Then, every time we use that name, it "
      "follows the steps inside and gives back an answer."},
     "What if there is nothing to work with, like an empty box? Try it! A good helper still gives a sensible answer."},
    {"high_school",
     {"In this section we study {title}. You have met similar ideas in maths class; here we write them as Python "
      "code and look at a mistake many students make.",
      "{title} comes up in almost every program you will write, from grade calculators to sports tables.",
      "Before writing any code, think about what goes in and what should come out. That is the whole idea behind "
      "this section on {title}."},
     {"Notice that `{name}` takes its input as parameters and returns a value instead of printing it. That makes it "
      "easy to reuse and to test.",
      "A common mistake is to print inside the function instead of returning. `{name}` returns its answer, so the "
      "caller decides what to do with it."},
     "Always test the edge cases: empty input, a single item, negative numbers. Many bugs live there."},
    {"university",
     {"This section treats {title} precisely: what the code computes, why it is correct, and what it costs.",
      "We study {title} with attention to the contract of the function, its invariants, and its complexity.",
      "{title} is a small topic with a precise specification; we state it, implement it, and argue correctness."},
     {"The docstring is the specification; the loop (or built-in) maintains the invariant that the partial result "
      "is correct for the prefix processed so far. The running time is linear in the input size unless noted.",
      "Correctness follows from the specification in the docstring. The time cost is proportional to the input "
      "size, and the extra space is at most linear."},
     "Edge cases follow from the specification: the empty input, a single element, duplicates, and extreme values "
     "must all be handled without special-casing the main path where possible."},
    {"professionals",
     {"If you come from another language, {title} in Python has a few idioms worth knowing. Here is the idiomatic "
      "form and the pitfalls.",
      "{title}: the short version for people who already program, with the standard-library way to do it.",
      "You have probably written this in another language. Python's take on {title} is shorter; here is why it is "
      "also safer."},
     {"This is the idiomatic form: type hints on the interface, a docstring for the contract, and built-ins where "
      "they exist. Prefer it to hand-rolled index loops.",
      "Note the type hints: they document the interface for readers and for tools like mypy, at no runtime cost."},
     "In production code, decide explicitly what happens on empty or malformed input; the function above documents "
     "its behaviour in the docstring so callers do not have to guess."},
};

// clang-format on
}  // namespace primer::generators::code_banks
