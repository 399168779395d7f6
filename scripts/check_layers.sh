#!/usr/bin/env bash
# Checks that no folder includes a header of a folder above it. The layers, lowest first, are
# the order of the top CMakeLists.txt's add_subdirectory lines (each folder links only the
# libraries below it): a header of folder N may be included by folders N and above only.
# Prints each offending include and exits 1; exits 0 when the layering holds.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t layers < <(sed -n 's/^add_subdirectory(\([a-z_]*\))$/\1/p' CMakeLists.txt | grep -vx tests)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
bad=0
for folder in "${layers[@]}"; do
  while IFS=: read -r file line include; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$include")
    [ -n "${rank[$target]+x}" ] || continue
    if [ "${rank[$target]}" -gt "${rank[$folder]}" ]; then
      echo "$file:$line: $folder/ (layer ${rank[$folder]}) includes $target/ (layer ${rank[$target]}): ${include}"
      bad=1
    fi
  done < <(grep -rn --include='*.h' --include='*.cc' -E '^#include "[a-z_]+/' "$folder" || true)
done
if [ "$bad" -ne 0 ]; then
  echo "check_layers: a lower layer includes a higher one (layers, lowest first: ${layers[*]})" >&2
  exit 1
fi
echo "check_layers: ${#layers[@]} layers (${layers[*]}), no include from a higher one"
