#!/usr/bin/env bash
# The HTTP teacher's client overhead, side by side with wrk, a bare libcurl-multi loop
# and the official OpenAI Node SDK, against one local nginx whose POST location returns
# a fixed ~1.2 KB chat.completion (with usage). Prints req/s and cores used for each,
# with ratios.
#
#   bench/http_bench.sh [--primer PATH] [--count 200000] [--concurrency 512]
#                       [--rounds 3] [--wrk-seconds 10] [--wrk-threads 2]
#                       [--sdk-requests 20000] [--port 18431]
#                       [--skip-wrk] [--skip-curl] [--skip-sdk] [--skip-primer]
#                       [--store-all]
#
# Installs what is missing (as root): nginx-light (or nginx), wrk, time and curl with apt-get;
# the npm package openai, pinned, into a scratch directory outside the repository
# ($PRIMER_BENCH_NODE_DIR, default ~/.cache/primer/http-bench-node). nginx runs on
# 127.0.0.1 from a temporary prefix and is stopped on exit.
#
# - wrk is the ceiling of the machine (C, LuaJIT script, POSTs the body primer sends).
# - The bare libcurl loop (bench/http_bench_curl.cc, built beside primer) is what libcurl
#   alone costs: `concurrency` easy handles on one multi, curl_multi_perform + poll, no
#   JSON, journal or filters.
# - The Node SDK runs `concurrency` workers awaiting chat.completions.create in a loop
#   (maxRetries 0); its cores are the process's CPU time while the clock ran.
# - primer is the whole `primer run` process: a generated config (kind = "openai",
#   max_in_flight = concurrency, truncation + exact_dedup, storage defaults; with
#   --store-all no filters, so every reply is stored and compressed); req/s is
#   count / wall time of the process (start-up, journal fdatasyncs, filters and
#   finalisation included), cores = (user + sys) / wall.
# - A VM's speed drifts by several percent within a minute: wrk, the bare loop and primer
#   run in alternating rounds and the table shows each one's median (the SDK, slow and
#   far from the target, runs once); each primer round is compared with the mean of the
#   bare-loop rounds before and after it (the bare loop runs once more at the end).
set -euo pipefail

SDK_VERSION=6.49.0  # the last major line that supports Node 20 (7.x needs Node >= 22)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PRIMER=""
COUNT=200000
CONC=512
WRK_SECONDS=10
WRK_THREADS=2
SDK_REQUESTS=20000
PORT=18431
ROUNDS=3
RUN_WRK=1 RUN_CURL=1 RUN_SDK=1 RUN_PRIMER=1
STORE_ALL=0

usage() { sed -n '2,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --primer) PRIMER="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --concurrency) CONC="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --wrk-seconds) WRK_SECONDS="$2"; shift 2 ;;
    --wrk-threads) WRK_THREADS="$2"; shift 2 ;;
    --sdk-requests) SDK_REQUESTS="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --skip-wrk) RUN_WRK=0; shift ;;
    --skip-curl) RUN_CURL=0; shift ;;
    --skip-sdk) RUN_SDK=0; shift ;;
    --skip-primer) RUN_PRIMER=0; shift ;;
    --store-all) STORE_ALL=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "http_bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "http_bench: $*" >&2; exit 1; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive whole number, not '$ROUNDS'"

# --- what is missing --------------------------------------------------------------
apt_install() {
  [[ $(id -u) -eq 0 ]] || die "missing $* and not root: install them (apt-get install $*) and rerun"
  echo "http_bench: installing $* (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [[ ! -x $NGINX ]]; then
  apt_install nginx-light || apt_install nginx
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
fi
[[ $RUN_WRK -eq 0 ]] || command -v wrk >/dev/null || apt_install wrk
[[ -x /usr/bin/time ]] || apt_install time
command -v curl >/dev/null || apt_install curl  # the check that nginx answers
if [[ $RUN_SDK -eq 1 ]]; then
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  NODE_DIR="${PRIMER_BENCH_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/primer/http-bench-node}"
  have=$(node -p "require('$NODE_DIR/node_modules/openai/package.json').version" 2>/dev/null || true)
  if [[ $have != "$SDK_VERSION" ]]; then
    echo "http_bench: installing openai@$SDK_VERSION (npm) into $NODE_DIR" >&2
    mkdir -p "$NODE_DIR"
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent "openai@$SDK_VERSION" >&2 ||
      die "npm install openai@$SDK_VERSION failed"
  fi
fi
if [[ $RUN_PRIMER -eq 1 && -z $PRIMER ]]; then
  for b in "$ROOT"/build/primer "$ROOT"/build-*/primer; do
    [[ $b == *asan* || $b == *sanitize* ]] && continue  # a sanitizer build measures the sanitizer
    [[ -x $b ]] && { PRIMER=$b; break; }
  done
  [[ -n $PRIMER ]] || die "no primer binary: build it (cmake --build build --target primer) or pass --primer PATH"
fi

# --- nginx with a fixed chat.completion -------------------------------------------
TMP=$(mktemp -d /tmp/primer-http-bench.XXXXXX)
chmod 755 "$TMP"
NGINX_PID=""
cleanup() {
  if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A real-looking reply: ~1.2 KB, no single quotes or dollars (nginx string syntax);
# nginx unescapes backslashes in quoted strings, so they are doubled in the config.
STORY='Once upon a time, there was a little girl named Lily. She had a cute red ball. Every day, she liked to hang her ball on a hook by the door so it would not get lost. One day, Lily saw that her ball was not on the hook. She looked under her bed and behind the big chair. \"Mom, where is my ball?\" she asked. Mom smiled and said, \"Let us look outside.\" They went out to the garden. The sun was warm and the grass was soft under their feet. Lily saw a small dog playing with something red. It was her ball! The dog wagged its tail and dropped the ball at her foot. Lily laughed and gave the dog a hug. From that day on, Lily and the dog played with the ball together every morning, and Lily always put it back on the hook at night. The end.'
BODY='{"id":"chatcmpl-bench0000000000000000000000000","object":"chat.completion","created":1718000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"'"$STORY"'","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":96,"completion_tokens":182,"total_tokens":278,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}},"system_fingerprint":"fp_0ba0d124f1"}'

mkdir -p "$TMP/nginx"
TEMP_PATHS=""
for m in client-body proxy fastcgi uwsgi scgi; do  # only the modules this build has
  if "$NGINX" -V 2>&1 | grep -q -- "--http-$m-temp-path"; then
    TEMP_PATHS+="    ${m/-/_}_temp_path $TMP/nginx/$m;"$'\n'
  fi
done
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
$TEMP_PATHS    keepalive_requests 100000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$PORT backlog=4096;
        location / {
            default_type application/json;
            return 200 '${BODY//\\/\\\\}';
        }
    }
}
EOF
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" ||
  die "nginx did not start (port $PORT taken? pass --port); see above"
for _ in $(seq 50); do [[ -s $TMP/nginx/nginx.pid ]] && break; sleep 0.1; done
NGINX_PID=$(cat "$TMP/nginx/nginx.pid")
URL="http://127.0.0.1:$PORT/v1/chat/completions"

# The request primer sends, for wrk and the check below.
REQ='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Write a short story (3-5 paragraphs) which only uses very simple words that a 3 year old child would likely understand. The story should use the verb \"hang\", the noun \"foot\" and the adjective \"cute\". The story should have the following features: the story should contain at least one dialogue. Remember to only use simple words!"}],"max_tokens":512,"temperature":1,"seed":12345}'
got=""
for _ in $(seq 50); do
  got=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$REQ" "$URL" 2>/dev/null || true)
  [[ -n $got ]] && break
  sleep 0.1
done
[[ $got == *'"chat.completion"'* ]] || die "nginx does not answer POST $URL with the chat.completion: $got"
if command -v jq >/dev/null; then
  [[ $(jq -r '.choices[0].message.content' <<<"$got" 2>/dev/null) == Once* ]] || die "the reply is not valid JSON: $got"
fi
REPLY_BYTES=${#got}

CORES=$(nproc)
echo "http_bench: nginx $("$NGINX" -v 2>&1 | sed 's|.*/||') on 127.0.0.1:$PORT, POST reply $REPLY_BYTES bytes, $CONC in flight, $CORES cores" >&2

# --- the runs ----------------------------------------------------------------------
# Each appends "req/s cores" to its file; the table takes the medians.
run_wrk() {
  /usr/bin/time -f '%e %U %S' -o "$TMP/wrk.time" \
    wrk -t"$WRK_THREADS" -c"$CONC" -d"${WRK_SECONDS}s" -s "$TMP/post.lua" "$URL" >"$TMP/wrk.out" 2>&1 ||
    { cat "$TMP/wrk.out" >&2; die "wrk failed"; }
  if grep -q "Non-2xx\|Socket errors" "$TMP/wrk.out"; then grep "Non-2xx\|Socket errors" "$TMP/wrk.out" >&2; fi
  local rps cores
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$TMP/wrk.out")
  cores=$(awk '{printf "%.2f", ($2 + $3) / $1}' "$TMP/wrk.time")
  echo "$rps $cores" >>"$TMP/wrk.results"
  echo "http_bench:   wrk: $rps req/s, $cores cores" >&2
}

run_curl() {
  "$CURL_LOOP" "$URL" "$COUNT" "$CONC" "$REQ" >"$TMP/curl.out" 2>&1 ||
    { cat "$TMP/curl.out" >&2; die "the bare libcurl loop failed"; }
  local rps cores
  read -r rps cores < <(tail -1 "$TMP/curl.out" | tr -d '{}",:' |
    awk '{ for (i = 1; i < NF; ++i) v[$i] = $(i + 1); printf "%.0f %.2f\n", v["rps"], v["cpu_seconds"] / v["seconds"] }')
  echo "$rps $cores" >>"$TMP/curl.results"
  echo "http_bench:   bare libcurl loop: $rps req/s, $cores cores" >&2
}

run_primer() {
  rm -rf "$TMP/primer/out"
  (cd "$ROOT" && /usr/bin/time -f '%e %U %S %M' -o "$TMP/primer.time" \
    "$PRIMER" run "$TMP/primer/bench.toml" --out "$TMP/primer/out" --quiet >"$TMP/primer.out" 2>&1) ||
    { cat "$TMP/primer.out" >&2; die "primer run failed"; }
  local replies p_wall p_user p_sys p_rss rps cores
  replies=$(grep -o '"replies": *[0-9]*' "$TMP/primer/out/manifest.json" | grep -o '[0-9]*$' || echo "?")
  [[ $replies == "$COUNT" ]] || { cat "$TMP/primer.out" >&2; die "primer got $replies replies of $COUNT"; }
  read -r p_wall p_user p_sys p_rss <"$TMP/primer.time"
  rps=$(awk -v n="$COUNT" -v w="$p_wall" 'BEGIN {printf "%.0f", n / w}')
  cores=$(awk -v w="$p_wall" -v u="$p_user" -v s="$p_sys" 'BEGIN {printf "%.2f", (u + s) / w}')
  echo "$rps $cores" >>"$TMP/primer.results"
  echo "http_bench:   primer: $COUNT replies in $p_wall s ($rps req/s), user $p_user s, sys $p_sys s, $cores cores, max RSS $((p_rss / 1024)) MB" >&2
}

# The row of file $1 ("req/s cores" per round) with the median req/s.
median_row() {
  sort -g -k1,1 "$1" | awk '{ rows[NR] = $0 } END { print rows[int((NR + 1) / 2)] }'
}

if [[ $RUN_CURL -eq 1 ]]; then
  CURL_LOOP=""
  for b in ${PRIMER:+"$(dirname "$PRIMER")/bench/http_bench_curl"} "$ROOT"/build/bench/http_bench_curl "$ROOT"/build-*/bench/http_bench_curl; do
    [[ $b == *asan* || $b == *sanitize* ]] && continue
    [[ -x $b ]] && { CURL_LOOP=$b; break; }
  done
  if [[ -z $CURL_LOOP ]]; then
    echo "http_bench: no bare libcurl loop binary (cmake --build build --target http_bench_curl): skipping that row" >&2
    RUN_CURL=0
  fi
fi
if [[ $RUN_WRK -eq 1 ]]; then
  # A JSON body in a Lua long string: no escaping needed.
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[%s]==]\n' "$REQ" \
    >"$TMP/post.lua"
fi
if [[ $RUN_PRIMER -eq 1 ]]; then
  mkdir -p "$TMP/primer"
  cat >"$TMP/primer/bench.toml" <<EOF
seed = 1
count = $COUNT

[teacher]
kind = "openai"
base_url = "http://127.0.0.1:$PORT/v1"
model = "gpt-4o-mini"
api_key_env = "PRIMER_HTTP_BENCH_NO_KEY"
max_in_flight = $CONC

EOF
  if [[ $STORE_ALL -eq 1 ]]; then
    { echo 'filters = []'; cat "$TMP/primer/bench.toml"; } >"$TMP/primer/bench.toml.new"
    mv "$TMP/primer/bench.toml.new" "$TMP/primer/bench.toml"
  else
    printf '\n[[filters]]\nkind = "truncation"\n\n[[filters]]\nkind = "exact_dedup"\n' >>"$TMP/primer/bench.toml"
  fi
fi

what=""
[[ $RUN_WRK -eq 0 ]] || what+=" wrk -t$WRK_THREADS -c$CONC -d${WRK_SECONDS}s (POST);"
[[ $RUN_CURL -eq 0 ]] || what+=" bare libcurl loop ($CURL_LOOP), $COUNT requests;"
[[ $RUN_PRIMER -eq 0 ]] || what+=" primer run ($PRIMER), $COUNT prompts, max_in_flight = $CONC;"
echo "http_bench: $ROUNDS rounds of${what%;}" >&2
for round in $(seq "$ROUNDS"); do
  echo "http_bench: round $round of $ROUNDS" >&2
  [[ $RUN_WRK -eq 0 ]] || run_wrk
  [[ $RUN_CURL -eq 0 ]] || run_curl
  [[ $RUN_PRIMER -eq 0 ]] || run_primer
done
# One more of the bare loop after primer's last round: each primer round then sits between
# two bare-loop rounds, and its ratio is against their mean (a VM that speeds up or slows
# down during the rounds moves both sides of a ratio alike).
if [[ $RUN_CURL -eq 1 && $RUN_PRIMER -eq 1 ]]; then
  echo "http_bench: the bare loop once more, after primer's last round" >&2
  run_curl
fi
WRK_RPS="" WRK_CORES="" CURL_RPS="" CURL_CORES="" PRIMER_RPS="" PRIMER_CORES=""
[[ $RUN_WRK -eq 0 ]] || read -r WRK_RPS WRK_CORES < <(median_row "$TMP/wrk.results")
[[ $RUN_CURL -eq 0 ]] || read -r CURL_RPS CURL_CORES < <(median_row "$TMP/curl.results")
[[ $RUN_PRIMER -eq 0 ]] || read -r PRIMER_RPS PRIMER_CORES < <(median_row "$TMP/primer.results")

# --- the official OpenAI Node SDK (once) -------------------------------------------
SDK_RPS="" SDK_CORES=""
if [[ $RUN_SDK -eq 1 ]]; then
  echo "http_bench: OpenAI Node SDK $SDK_VERSION (node $(node --version)), $SDK_REQUESTS requests ..." >&2
  node "$ROOT/bench/http_bench_node.mjs" "http://127.0.0.1:$PORT/v1" "$SDK_REQUESTS" "$CONC" "$NODE_DIR" \
    >"$TMP/sdk.out" 2>&1 || { cat "$TMP/sdk.out" >&2; die "the Node SDK run failed"; }
  line=$(tail -1 "$TMP/sdk.out")
  SDK_RPS=$(node -p "JSON.parse(process.argv[1]).rps.toFixed(0)" "$line")
  SDK_CORES=$(node -p "const j = JSON.parse(process.argv[1]); (j.cpu_seconds / j.seconds).toFixed(2)" "$line")
  sdk_errors=$(node -p "JSON.parse(process.argv[1]).errors" "$line")
  [[ $sdk_errors == 0 ]] || echo "http_bench: the SDK had $sdk_errors errors: $(node -p "JSON.parse(process.argv[1]).first_error" "$line")" >&2
fi

# --- the table ---------------------------------------------------------------------
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3gx", a / b}' || echo "-"; }
row() {  # name rps cores
  [[ -n $2 ]] || return 0
  printf '%-46s %10s %7s %9s %9s\n' "$1" "$(printf "%'.0f" "$2")" "$3" "$(ratio "$2" "$WRK_RPS")" "$(ratio "$2" "$SDK_RPS")"
}
med="medians of $ROUNDS rounds"
[[ $ROUNDS -gt 1 ]] || med="1 round"
echo
echo "HTTP client throughput: nginx, fixed ${REPLY_BYTES}-byte chat.completion, $CONC in flight, $CORES cores ($med)"
printf '%-46s %10s %7s %9s %9s\n' "client" "req/s" "cores" "vs wrk" "vs SDK"
row "wrk -t$WRK_THREADS (${WRK_SECONDS} s; the ceiling)" "$WRK_RPS" "$WRK_CORES"
row "bare libcurl-multi loop ($COUNT requests)" "$CURL_RPS" "$CURL_CORES"
row "OpenAI Node SDK $SDK_VERSION ($SDK_REQUESTS req, 1 round)" "$SDK_RPS" "$SDK_CORES"
row "primer run ($COUNT prompts, whole process)" "$PRIMER_RPS" "$PRIMER_CORES"
if [[ -n $PRIMER_RPS ]]; then
  # Round by round: primer against the wrk and bare-loop runs next to it.
  per_round() {  # file: the ratios primer / file, round by round, and their median
    # A file with one row more than primer's (the bare loop): the mean of the rounds
    # before and after each primer round.
    local ratios
    if [[ $(wc -l <"$1") -gt $(wc -l <"$TMP/primer.results") ]]; then
      ratios=$(paste -d' ' "$TMP/primer.results" <(head -n -1 "$1") <(tail -n +2 "$1") |
        awk '{ printf "%.3f\n", $1 / (($3 + $5) / 2) }')
    else
      ratios=$(paste -d' ' "$TMP/primer.results" "$1" | awk '{ printf "%.3f\n", $1 / $3 }')
    fi
    echo "$(tr '\n' ' ' <<<"$ratios")(median $(sort -g <<<"$ratios" | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }'))"
  }
  echo
  [[ -z $WRK_RPS ]] || echo "primer / wrk, round by round:               $(per_round "$TMP/wrk.results")"
  [[ -z $CURL_RPS ]] || echo "primer / bare libcurl loop (mean of the rounds before and after), round by round: $(per_round "$TMP/curl.results")"
  echo
  if [[ $STORE_ALL -eq 1 ]]; then
    echo "No filters: every reply is stored (journal, record, zstd shards with sha256), as a user's run does."
  else
    echo "Every reply is the same story, so exact_dedup keeps one record and the shards stay tiny:"
    echo "this measures the client (HTTP, JSON parse, journal with fdatasync, filters), not storage."
  fi
  # The target of issue 10: >= 0.25x wrk (>= 10x the SDK), within 1.5 cores.
  check() { awk -v a="$2" -v b="$3" "BEGIN {exit !($1)}" && echo yes || echo NO; }
  line="target: <= 1.5 cores: $(check 'a <= 1.5' "$PRIMER_CORES" 0)"
  [[ -z $SDK_RPS ]] || line+="; >= 10x the SDK: $(check 'a >= 10 * b' "$PRIMER_RPS" "$SDK_RPS")"
  [[ -z $WRK_RPS ]] || line+="; >= 0.25x wrk (medians): $(check 'a >= 0.25 * b' "$PRIMER_RPS" "$WRK_RPS")"
  echo "$line"
fi
