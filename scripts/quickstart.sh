#!/usr/bin/env bash
# Quickstart: install what is missing, build primer, and make a TinyStories-style
# dataset with the built-in offline teacher (examples/tinystories.toml → out/tinystories).
# Running it again resumes an interrupted run or reports that the dataset is complete.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target primer >/dev/null
./build/primer run examples/tinystories.toml "$@"
