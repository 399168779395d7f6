#!/usr/bin/env bash
# The dataset acceptance checks with the tools users have: every line of every shard is
# JSON with a string "text" (zstdcat | jq -e .text), the manifest's record counts equal
# the line counts, and its sha256 values match the files (sha256sum).
set -euo pipefail
primer=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/run.toml" <<TOML
seed = 5
count = 3000
[teacher]
noise = 0.2
[[filters]]
kind = "truncation"
[[filters]]
kind = "length"
min_words = 20
[[filters]]
kind = "exact_dedup"
[[filters]]
kind = "vocab"
max_oov_rate = 0.0
[storage]
shard_records = 700
validation_fraction = 0.05
TOML
"$primer" run "$work/run.toml" --out "$work/out" --quiet >"$work/summary.txt"
cd "$work/out"
shards=$(jq -r '.shards[].path' manifest.json)
[ -n "$shards" ] || { echo "FAIL: no shards in manifest.json"; exit 1; }
total=0
for s in $shards; do
  zstdcat "$s" | jq -e '.text | type == "string"' >/dev/null || { echo "FAIL: $s has a line without a string text"; exit 1; }
  lines=$(zstdcat "$s" | wc -l)
  want=$(jq -r --arg p "$s" '.shards[] | select(.path == $p) | .records' manifest.json)
  [ "$lines" -eq "$want" ] || { echo "FAIL: $s has $lines lines, manifest says $want"; exit 1; }
  sha=$(sha256sum "$s" | cut -d' ' -f1)
  want_sha=$(jq -r --arg p "$s" '.shards[] | select(.path == $p) | .sha256' manifest.json)
  [ "$sha" = "$want_sha" ] || { echo "FAIL: $s sha256 $sha, manifest says $want_sha"; exit 1; }
  total=$((total + lines))
done
kept=$(jq -r '.counts.kept' manifest.json)
[ "$total" -eq "$kept" ] || { echo "FAIL: $total lines in shards, manifest kept $kept"; exit 1; }
# Field order: "text" first.
first=$( { zstdcat "$(echo "$shards" | head -n 1)" || true; } | head -c 8)
[ "$first" = '{"text":' ] || { echo "FAIL: text is not the first field ($first)"; exit 1; }
grep -q "^kept" "$work/summary.txt" || { echo "FAIL: no summary printed"; exit 1; }
echo "ok: $(echo "$shards" | wc -l) shards, $total records"
