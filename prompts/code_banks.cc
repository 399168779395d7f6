// The code prompt banks: areas, topics, audiences, styles, difficulties, exercise tasks.
// Curated by hand; tests/prompts/code_test.cc checks sizes, uniqueness and that every
// area has topics and exercise tasks.
#include "prompts/code.h"

namespace primer::prompts {
namespace {
// Data, laid out by hand:
// clang-format off

constexpr CodeArea kAreas[] = {
    {"basics", "Python basics"},
    {"strings", "Strings"},
    {"control_flow", "Control flow"},
    {"functions", "Functions"},
    {"lists", "Lists"},
    {"tuples_sets", "Tuples and sets"},
    {"dicts", "Dictionaries"},
    {"recursion", "Recursion"},
    {"searching_sorting", "Searching and sorting"},
    {"algorithms", "Algorithms"},
    {"data_structures", "Data structures"},
    {"iterators", "Iterators and generators"},
    {"functional", "Functional programming"},
    {"oop", "Object-oriented programming"},
    {"errors", "Errors and exceptions"},
    {"stdlib", "The standard library"},
    {"text_files", "Files and text processing"},
    {"testing", "Testing and debugging"},
    {"math", "Mathematics with Python"},
};

enum : uint16_t {
  kBasics, kStrings, kControl, kFunctions, kLists, kTuplesSets, kDicts, kRecursion, kSearchSort, kAlgorithms,
  kDataStructures, kIterators, kFunctional, kOop, kErrors, kStdlib, kTextFiles, kTesting, kMath
};

constexpr CodeTopic kTopics[] = {
    // Python basics
    {kBasics, "Variables and assignment"}, {kBasics, "Integers and floats"}, {kBasics, "Arithmetic operators"},
    {kBasics, "Integer division and remainders"}, {kBasics, "Operator precedence"}, {kBasics, "Booleans and truthiness"},
    {kBasics, "Comparison operators"}, {kBasics, "The print function and formatting output"},
    {kBasics, "Reading input and converting types"}, {kBasics, "Comments and readable names"},
    {kBasics, "None and the absence of a value"}, {kBasics, "Augmented assignment"},
    {kBasics, "Floating point rounding surprises"},
    // Strings
    {kStrings, "String literals and escape sequences"}, {kStrings, "Indexing and slicing strings"},
    {kStrings, "String methods for case and whitespace"}, {kStrings, "Splitting and joining strings"},
    {kStrings, "f-strings and format specifications"}, {kStrings, "Searching inside strings"},
    {kStrings, "Strings are immutable"}, {kStrings, "Iterating over characters"},
    {kStrings, "Palindromes and reversing text"}, {kStrings, "Counting characters"},
    {kStrings, "Unicode, bytes and encodings"}, {kStrings, "Simple ciphers"}, {kStrings, "Run-length encoding"},
    // Control flow
    {kControl, "if, elif and else"}, {kControl, "Nested conditions"}, {kControl, "while loops"},
    {kControl, "for loops and range"}, {kControl, "break and continue"}, {kControl, "Loop else clauses"},
    {kControl, "Accumulator patterns"}, {kControl, "Counting with loops"}, {kControl, "The match statement"},
    {kControl, "Conditional expressions"}, {kControl, "Loop invariants"}, {kControl, "FizzBuzz and friends"},
    // Functions
    {kFunctions, "Defining and calling functions"}, {kFunctions, "Parameters and return values"},
    {kFunctions, "Default arguments"}, {kFunctions, "Keyword arguments"}, {kFunctions, "*args and **kwargs"},
    {kFunctions, "Scope and the LEGB rule"}, {kFunctions, "Functions as values"}, {kFunctions, "Closures"},
    {kFunctions, "Docstrings"}, {kFunctions, "Type hints"}, {kFunctions, "Pure functions and side effects"},
    {kFunctions, "Mutable default argument pitfalls"},
    // Lists
    {kLists, "Creating and indexing lists"}, {kLists, "Appending, inserting and removing"},
    {kLists, "List slicing"}, {kLists, "List comprehensions"}, {kLists, "Nested lists and grids"},
    {kLists, "Copying lists: shallow and deep"}, {kLists, "Sorting lists with keys"},
    {kLists, "Finding the largest and smallest"}, {kLists, "Removing duplicates"}, {kLists, "Rotating and chunking"},
    {kLists, "Prefix sums"}, {kLists, "List aliasing"},
    // Tuples and sets
    {kTuplesSets, "Tuples and packing"}, {kTuplesSets, "Tuple unpacking"}, {kTuplesSets, "Named tuples"},
    {kTuplesSets, "Sets and membership"}, {kTuplesSets, "Set operations"}, {kTuplesSets, "Frozen sets"},
    {kTuplesSets, "Returning several values"}, {kTuplesSets, "Hashability"}, {kTuplesSets, "Counting distinct items"},
    {kTuplesSets, "Comparing tuples"},
    // Dictionaries
    {kDicts, "Creating and updating dictionaries"}, {kDicts, "Looping over keys and values"},
    {kDicts, "Counting with dictionaries"}, {kDicts, "Dictionary comprehensions"}, {kDicts, "get and setdefault"},
    {kDicts, "Grouping items by a key"}, {kDicts, "Inverting a dictionary"}, {kDicts, "Nested dictionaries"},
    {kDicts, "Merging dictionaries"}, {kDicts, "Dictionaries as lookup tables"}, {kDicts, "Word frequencies"},
    // Recursion
    {kRecursion, "Base cases and recursive cases"}, {kRecursion, "Factorials"}, {kRecursion, "Fibonacci numbers"},
    {kRecursion, "Recursion on lists"}, {kRecursion, "Flattening nested lists"}, {kRecursion, "Sum of digits"},
    {kRecursion, "Recursion depth and the call stack"}, {kRecursion, "Memoization"},
    {kRecursion, "Turning recursion into iteration"}, {kRecursion, "Divide and conquer"},
    {kRecursion, "Recursive string processing"},
    // Searching and sorting
    {kSearchSort, "Linear search"}, {kSearchSort, "Binary search"}, {kSearchSort, "Bubble sort"},
    {kSearchSort, "Insertion sort"}, {kSearchSort, "Selection sort"}, {kSearchSort, "Merge sort"},
    {kSearchSort, "Quicksort"}, {kSearchSort, "Merging sorted lists"}, {kSearchSort, "Stable sorting"},
    {kSearchSort, "The bisect module"}, {kSearchSort, "Sorting by several keys"}, {kSearchSort, "Counting sort"},
    // Algorithms
    {kAlgorithms, "Greatest common divisor"}, {kAlgorithms, "Prime numbers and trial division"},
    {kAlgorithms, "The sieve of Eratosthenes"}, {kAlgorithms, "Two pointers"}, {kAlgorithms, "Sliding windows"},
    {kAlgorithms, "Maximum subarray (Kadane's algorithm)"}, {kAlgorithms, "Greedy algorithms"},
    {kAlgorithms, "Dynamic programming basics"}, {kAlgorithms, "Coin change"}, {kAlgorithms, "Hashing for lookups"},
    {kAlgorithms, "Big-O notation"}, {kAlgorithms, "Brute force versus clever"}, {kAlgorithms, "Backtracking"},
    // Data structures
    {kDataStructures, "Stacks"}, {kDataStructures, "Queues and deques"}, {kDataStructures, "Linked lists"},
    {kDataStructures, "Binary trees"}, {kDataStructures, "Binary search trees"}, {kDataStructures, "Heaps and heapq"},
    {kDataStructures, "Graphs as adjacency lists"}, {kDataStructures, "Breadth-first search"},
    {kDataStructures, "Depth-first search"}, {kDataStructures, "Matrices as lists of lists"},
    {kDataStructures, "Balanced brackets with a stack"}, {kDataStructures, "Hash tables"},
    // Iterators and generators
    {kIterators, "The iterator protocol"}, {kIterators, "Generator functions and yield"},
    {kIterators, "Generator expressions"}, {kIterators, "Lazy evaluation"}, {kIterators, "enumerate and zip"},
    {kIterators, "itertools basics"}, {kIterators, "Infinite iterators"}, {kIterators, "Pairwise differences"},
    {kIterators, "Chaining iterables"}, {kIterators, "Taking the first n items"},
    // Functional programming
    {kFunctional, "map and filter"}, {kFunctional, "Lambda expressions"}, {kFunctional, "functools.reduce"},
    {kFunctional, "Higher-order functions"}, {kFunctional, "Function composition"}, {kFunctional, "Partial application"},
    {kFunctional, "Immutability"}, {kFunctional, "any and all"}, {kFunctional, "Sorting with key functions"},
    {kFunctional, "Decorators"},
    // Object-oriented programming
    {kOop, "Classes and instances"}, {kOop, "The __init__ method"}, {kOop, "Instance and class attributes"},
    {kOop, "Methods"}, {kOop, "Inheritance"}, {kOop, "Overriding methods"}, {kOop, "Polymorphism"},
    {kOop, "Special methods (__repr__, __eq__)"}, {kOop, "Properties"}, {kOop, "Dataclasses"},
    {kOop, "Composition over inheritance"}, {kOop, "Encapsulation"}, {kOop, "Abstract base classes"},
    // Errors and exceptions
    {kErrors, "Reading tracebacks"}, {kErrors, "try and except"}, {kErrors, "else and finally"},
    {kErrors, "Raising exceptions"}, {kErrors, "Custom exception classes"}, {kErrors, "Validating input"},
    {kErrors, "EAFP versus LBYL"}, {kErrors, "Context managers"}, {kErrors, "Parsing numbers safely"},
    {kErrors, "Defensive programming"},
    // The standard library
    {kStdlib, "collections.Counter"}, {kStdlib, "collections.defaultdict"}, {kStdlib, "collections.deque"},
    {kStdlib, "The math module"}, {kStdlib, "The random module"}, {kStdlib, "datetime and dates"},
    {kStdlib, "Regular expressions with re"}, {kStdlib, "The json module"}, {kStdlib, "The statistics module"},
    {kStdlib, "string constants"}, {kStdlib, "heapq"}, {kStdlib, "functools.lru_cache"}, {kStdlib, "The fractions module"},
    // Files and text processing
    {kTextFiles, "Opening and reading files"}, {kTextFiles, "Writing files"}, {kTextFiles, "The with statement"},
    {kTextFiles, "Reading line by line"}, {kTextFiles, "CSV data"}, {kTextFiles, "Paths with pathlib"},
    {kTextFiles, "Parsing key=value lines"}, {kTextFiles, "Counting lines and words"},
    {kTextFiles, "Text alignment and padding"}, {kTextFiles, "Simple log analysis"},
    // Testing and debugging
    {kTesting, "assert statements"}, {kTesting, "Writing test cases"}, {kTesting, "Edge cases"},
    {kTesting, "unittest basics"}, {kTesting, "doctest"}, {kTesting, "Debugging with print"},
    {kTesting, "Off-by-one errors"}, {kTesting, "Testing pure functions"}, {kTesting, "Property-based thinking"},
    {kTesting, "Refactoring safely"},
    // Mathematics with Python
    {kMath, "Perfect squares"}, {kMath, "Least common multiple"}, {kMath, "Mean, median and mode"},
    {kMath, "Number bases and binary"}, {kMath, "Digits of a number"}, {kMath, "Powers and exponents"},
    {kMath, "Triangular numbers"}, {kMath, "Collatz sequences"}, {kMath, "Pascal's triangle"},
    {kMath, "Simple geometry"}, {kMath, "Prime factorisation"}, {kMath, "Modular arithmetic"},
};

constexpr CodeRegister kAudiences[] = {
    {"young_beginners", "children aged 10 to 13 who are new to programming",
     "Use short sentences and everyday comparisons (toy boxes, recipes, games), introduce one idea at a time, keep "
     "every example under 12 lines with friendly variable names, and explain what each line does in plain words. "
     "Avoid jargon; when a technical word is unavoidable, define it right away."},
    {"high_school", "high school students in their first programming course",
     "Explain the idea, then show a short example, then point out one common mistake. Use examples from school "
     "life (grades, timetables, sports scores), name the concept precisely and connect it to maths they know. "
     "Examples may be up to 25 lines."},
    {"university", "university computer science students",
     "Be precise and concise: state definitions and invariants, give the time and space complexity of every "
     "algorithm, compare alternative approaches and discuss edge cases. Examples may use type hints, docstrings "
     "and several functions."},
    {"professionals", "working software engineers who already know another language",
     "Skip the basics of programming; focus on what is idiomatic in Python, pitfalls, performance and how the "
     "standard library already solves the problem. Use realistic data (log lines, records, configuration) and type "
     "hints, and compare with how other languages do it."},
};

constexpr CodeRegister kStyles[] = {
    {"narrative_textbook", "a narrative textbook section",
     "flowing explanatory prose in paragraphs that builds the idea step by step, with the code examples woven into "
     "the text and a short summary at the end; no bullet lists except in the summary."},
    {"worked_example", "a worked example",
     "state one concrete problem first, then solve it in small numbered steps, showing the code after each step "
     "and the final complete program, and finish by checking the result by hand."},
    {"tutorial", "a hands-on tutorial",
     "speak to the reader as 'you', tell them what to type and run, show the expected output after each snippet, "
     "and end with a 'Try it yourself' variation."},
    {"qa", "a set of questions and answers",
     "four to six questions a learner would really ask about the topic, each followed by a direct answer with a "
     "short code example; later questions go deeper than earlier ones."},
};

constexpr CodeRegister kDifficulties[] = {
    {"easy", "easy",
     "Easy: the solution needs one loop or one built-in and fits in 10 lines; the only edge case is empty input."},
    {"medium", "medium",
     "Medium: the solution combines two ideas (for example a loop and a dictionary) and must handle edge cases "
     "such as empty input, duplicates or negative numbers."},
    {"hard", "hard",
     "Hard: the solution needs a careful algorithm (state its time complexity in a comment), must handle every "
     "edge case and large inputs efficiently, and the tests must include a large case."},
};

constexpr ExerciseTask kTasks[] = {
    // basics
    {"celsius_to_fahrenheit", "basics", {"celsius_to_fahrenheit", "to_fahrenheit", "convert_c_to_f"},
     "celsius: float", "float", "Convert a temperature from degrees Celsius to degrees Fahrenheit."},
    {"clamp", "basics", {"clamp", "clamp_value", "limit_to_range"}, "value: int, low: int, high: int", "int",
     "Return value limited to the closed range [low, high] (low <= high)."},
    {"seconds_to_hms", "basics", {"seconds_to_hms", "format_duration", "split_seconds"}, "seconds: int",
     "tuple[int, int, int]", "Split a non-negative number of seconds into (hours, minutes, seconds)."},
    // strings
    {"count_vowels", "strings", {"count_vowels", "vowel_count", "number_of_vowels"}, "text: str", "int",
     "Return how many characters of text are vowels (a, e, i, o, u; upper or lower case)."},
    {"reverse_words", "strings", {"reverse_words", "reverse_word_order", "words_backwards"}, "sentence: str", "str",
     "Return the words of sentence in reverse order, joined by single spaces."},
    {"is_palindrome", "strings", {"is_palindrome", "reads_same_backwards", "check_palindrome"}, "text: str", "bool",
     "Return True if text reads the same backwards, ignoring case and non-letter characters."},
    {"caesar_shift", "strings", {"caesar_shift", "caesar_encrypt", "shift_letters"}, "text: str, shift: int", "str",
     "Shift every ASCII letter of text by shift places in the alphabet, keeping case; other characters stay."},
    {"run_length_encode", "strings", {"run_length_encode", "rle_encode", "compress_runs"}, "text: str", "str",
     "Encode runs of equal characters as the character followed by the run length, e.g. 'aaab' -> 'a3b1'."},
    {"capitalize_words", "strings", {"capitalize_words", "title_words", "capitalize_each_word"}, "sentence: str",
     "str", "Return sentence with the first letter of every space-separated word in upper case."},
    // control flow
    {"fizzbuzz_word", "control_flow", {"fizzbuzz_word", "fizz_buzz", "fizzbuzz_value"}, "n: int", "str",
     "Return 'FizzBuzz' if n is divisible by 3 and 5, 'Fizz' if by 3, 'Buzz' if by 5, else str(n)."},
    {"classify_number", "control_flow", {"classify_number", "sign_label", "describe_sign"}, "n: int", "str",
     "Return 'negative', 'zero' or 'positive' depending on the sign of n."},
    {"sum_of_multiples", "control_flow", {"sum_of_multiples", "multiples_sum", "sum_multiples_3_5"}, "limit: int",
     "int", "Return the sum of the natural numbers below limit that are multiples of 3 or 5."},
    // functions
    {"apply_n_times", "functions", {"apply_n_times", "repeat_apply", "iterate_function"},
     "func: Callable[[int], int], n: int, value: int", "int", "Apply func to value n times and return the result."},
    {"safe_divide", "functions", {"safe_divide", "divide_or_default", "checked_divide"},
     "a: float, b: float, default: float = 0.0", "float", "Return a / b, or default when b is zero."},
    {"make_counter_total", "functions", {"count_calls_total", "closure_counter_total", "tally_with_closure"},
     "steps: list[int]", "int", "Use a closure that adds each step to a running total and return the final total."},
    // lists
    {"running_sum", "lists", {"running_sum", "prefix_sums", "cumulative_sum"}, "values: list[int]", "list[int]",
     "Return the list of running totals of values."},
    {"chunk_list", "lists", {"chunk_list", "split_into_chunks", "batch_items"}, "items: list[int], size: int",
     "list[list[int]]", "Split items into consecutive chunks of length size (size >= 1); the last may be shorter."},
    {"second_largest", "lists", {"second_largest", "runner_up", "second_max"}, "values: list[int]", "int | None",
     "Return the second largest distinct value of values, or None if there is none."},
    {"remove_duplicates", "lists", {"remove_duplicates", "dedupe_keep_order", "unique_in_order"},
     "items: list[int]", "list[int]", "Return items without repeated values, keeping the first occurrence order."},
    {"rotate_list", "lists", {"rotate_list", "rotate_right", "shift_list"}, "items: list[int], k: int",
     "list[int]", "Rotate items to the right by k places (k may exceed the length; empty lists stay empty)."},
    // tuples and sets
    {"common_elements", "tuples_sets", {"common_elements", "shared_items", "intersection_sorted"},
     "a: list[int], b: list[int]", "list[int]", "Return the sorted list of values that appear in both a and b."},
    {"min_max", "tuples_sets", {"min_max", "extremes", "smallest_and_largest"}, "values: list[int]",
     "tuple[int, int]", "Return (smallest, largest) of a non-empty list in one pass."},
    {"count_distinct", "tuples_sets", {"count_distinct", "distinct_count", "number_of_unique"},
     "items: list[str]", "int", "Return how many different strings items holds, ignoring case."},
    // dicts
    {"word_frequencies", "dicts", {"word_frequencies", "count_words", "word_counts"}, "text: str", "dict[str, int]",
     "Return a dictionary mapping each lower-cased whitespace-separated word of text to its count."},
    {"invert_dict", "dicts", {"invert_dict", "swap_keys_values", "reverse_mapping"}, "mapping: dict[str, int]",
     "dict[int, list[str]]", "Map every value to the sorted list of keys that had it."},
    {"group_by_length", "dicts", {"group_by_length", "words_by_length", "bucket_by_length"}, "words: list[str]",
     "dict[int, list[str]]", "Group words by their length, keeping the input order inside each group."},
    // recursion
    {"factorial", "recursion", {"factorial", "fact", "compute_factorial"}, "n: int", "int",
     "Return n! for n >= 0, recursively."},
    {"fibonacci", "recursion", {"fibonacci", "fib", "nth_fibonacci"}, "n: int", "int",
     "Return the n-th Fibonacci number (fib(0) = 0, fib(1) = 1), fast enough for n = 90."},
    {"flatten", "recursion", {"flatten", "flatten_nested", "deep_flatten"}, "nested: list", "list",
     "Return all non-list items of an arbitrarily nested list, left to right."},
    {"sum_digits", "recursion", {"sum_digits", "digit_sum", "add_digits"}, "n: int", "int",
     "Return the sum of the decimal digits of abs(n), recursively."},
    // searching and sorting
    {"binary_search", "searching_sorting", {"binary_search", "find_sorted_index", "bisect_find"},
     "items: list[int], target: int", "int", "Return an index of target in the sorted list items, or -1."},
    {"insertion_sort", "searching_sorting", {"insertion_sort", "sort_by_insertion", "insert_sort"},
     "values: list[int]", "list[int]", "Return a new sorted list, using insertion sort."},
    {"merge_sorted", "searching_sorting", {"merge_sorted", "merge_two_sorted", "combine_sorted"},
     "a: list[int], b: list[int]", "list[int]", "Merge two sorted lists into one sorted list in linear time."},
    // algorithms
    {"gcd", "algorithms", {"gcd", "greatest_common_divisor", "euclid_gcd"}, "a: int, b: int", "int",
     "Return the greatest common divisor of a and b (non-negative; gcd(0, 0) = 0) by Euclid's algorithm."},
    {"is_prime", "algorithms", {"is_prime", "check_prime", "prime_test"}, "n: int", "bool",
     "Return True if n is a prime number, by trial division up to the square root."},
    {"max_subarray_sum", "algorithms", {"max_subarray_sum", "kadane", "best_contiguous_sum"}, "values: list[int]",
     "int", "Return the largest sum of a non-empty contiguous slice of values (non-empty list)."},
    {"two_sum_indices", "algorithms", {"two_sum_indices", "pair_with_sum", "find_two_sum"},
     "values: list[int], target: int", "tuple[int, int] | None",
     "Return indices (i, j), i < j, of the first pair summing to target (smallest j, then i), or None."},
    {"min_coins", "algorithms", {"min_coins", "coin_change", "fewest_coins"}, "coins: list[int], amount: int", "int",
     "Return the fewest coins that make amount, or -1 if impossible (dynamic programming)."},
    // data structures
    {"balanced_brackets", "data_structures", {"balanced_brackets", "brackets_match", "is_balanced"}, "text: str",
     "bool", "Return True if the brackets ()[]{} in text are balanced and properly nested."},
    {"josephus_last", "data_structures", {"josephus_last", "last_remaining", "circle_survivor"}, "n: int, k: int",
     "int", "People 1..n stand in a circle; every k-th is removed. Return the last one left (use a deque)."},
    {"transpose", "data_structures", {"transpose", "transpose_matrix", "flip_matrix"}, "matrix: list[list[int]]",
     "list[list[int]]", "Return the transpose of a rectangular matrix given as a list of rows."},
    {"bfs_distance", "data_structures", {"bfs_distance", "shortest_hops", "graph_distance"},
     "graph: dict[str, list[str]], start: str, goal: str", "int",
     "Return the number of edges on a shortest path from start to goal, or -1 (breadth-first search)."},
    // iterators
    {"pairwise_differences", "iterators", {"pairwise_differences", "consecutive_differences", "deltas"},
     "values: list[int]", "list[int]", "Return the differences values[i + 1] - values[i], using zip."},
    {"take_evens", "iterators", {"take_evens", "first_even_numbers", "leading_evens"},
     "values: list[int], n: int", "list[int]", "Return the first n even values, using a generator and itertools.islice."},
    // functional
    {"sum_of_squares", "functional", {"sum_of_squares", "squares_total", "square_sum"}, "values: list[int]", "int",
     "Return the sum of the squares of values, using map and sum."},
    {"filter_long_words", "functional", {"filter_long_words", "long_words", "words_longer_than"},
     "words: list[str], min_length: int", "list[str]", "Return the words with at least min_length characters, using filter."},
    {"compose_all", "functional", {"compose_all", "pipeline_apply", "apply_in_order"},
     "funcs: list[Callable[[int], int]], value: int", "int",
     "Apply the functions to value from first to last, using functools.reduce."},
    // oop
    {"bank_balance", "oop", {"bank_balance", "final_balance", "run_account"}, "operations: list[tuple[str, int]]",
     "int", "Apply ('deposit', n) and ('withdraw', n) operations to an Account class; refused withdrawals are skipped."},
    {"total_area", "oop", {"total_area", "sum_of_areas", "shapes_area"}, "shapes: list[tuple[str, float]]",
     "float", "Build Square or Circle objects from (kind, size) pairs and return the sum of their areas, rounded to 2 places."},
    // errors
    {"safe_int", "errors", {"safe_int", "parse_int_or_default", "to_int_safely"}, "text: str, default: int = 0",
     "int", "Return int(text), or default if text is not a valid integer."},
    {"parse_key_values", "errors", {"parse_key_values", "read_settings", "parse_config_lines"}, "text: str",
     "dict[str, int]", "Parse 'key=integer' lines; skip blank and malformed lines instead of failing."},
    // stdlib
    {"most_common_letter", "stdlib", {"most_common_letter", "top_letter", "frequent_letter"}, "text: str",
     "str", "Return the most common letter of text (lower-cased; ties: alphabetically first; '' if none)."},
    {"days_between", "stdlib", {"days_between", "date_difference", "count_days"}, "start: str, end: str", "int",
     "Return the number of days from start to end, both 'YYYY-MM-DD' dates (negative if end is earlier)."},
    {"extract_numbers", "stdlib", {"extract_numbers", "find_integers", "numbers_in_text"}, "text: str", "list[int]",
     "Return every integer in text (with an optional leading minus sign), using the re module."},
    // files and text
    {"save_and_count", "text_files", {"save_and_count", "write_lines_count", "store_and_count_lines"},
     "lines: list[str], filename: str", "int",
     "Write lines to filename (in the current directory), read the file back and return its number of non-empty lines."},
    {"longest_line", "text_files", {"longest_line", "widest_line", "max_line_length"}, "text: str", "int",
     "Return the length of the longest line of text (0 for empty text)."},
    // testing
    {"is_sorted", "testing", {"is_sorted", "check_sorted", "in_order"}, "values: list[int]", "bool",
     "Return True if values is in non-decreasing order."},
    {"is_valid_username", "testing", {"is_valid_username", "check_username", "valid_login_name"}, "name: str",
     "bool", "A username is 3 to 12 characters of lower-case letters, digits or '_' and starts with a letter."},
    // math
    {"is_perfect_square", "math", {"is_perfect_square", "perfect_square", "is_square_number"}, "n: int", "bool",
     "Return True if n is the square of an integer (negative numbers are not)."},
    {"lcm", "math", {"lcm", "least_common_multiple", "lowest_common_multiple"}, "a: int, b: int", "int",
     "Return the least common multiple of two positive integers."},
    {"median", "math", {"median", "middle_value", "find_median"}, "values: list[float]", "float",
     "Return the median of a non-empty list (the mean of the two middle values for even lengths)."},
    {"collatz_steps", "math", {"collatz_steps", "collatz_length", "steps_to_one"}, "n: int", "int",
     "Return how many Collatz steps (n/2 if even, 3n+1 if odd) take n >= 1 to 1."},
    {"to_binary", "math", {"to_binary", "binary_string", "int_to_binary"}, "n: int", "str",
     "Return the binary digits of n >= 0 without the '0b' prefix, computed with divmod."},
};

// clang-format on
}  // namespace

std::span<const CodeArea> code_areas() { return kAreas; }
std::span<const CodeTopic> code_topics() { return kTopics; }
std::span<const CodeRegister> code_audiences() { return kAudiences; }
std::span<const CodeRegister> code_styles() { return kStyles; }
std::span<const CodeRegister> code_difficulties() { return kDifficulties; }
std::span<const ExerciseTask> exercise_tasks() { return kTasks; }

const ExerciseTask* find_exercise_task(std::string_view function_name) {
  for (const auto& t : kTasks)
    for (auto n : t.names)
      if (n == function_name) return &t;
  return nullptr;
}

std::string topic_label(const CodeTopic& topic) {
  return std::string(kAreas[topic.area].title) + " > " + std::string(topic.title);
}

}  // namespace primer::prompts
