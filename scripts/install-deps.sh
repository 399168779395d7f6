#!/usr/bin/env bash
# Installs the Debian 12 packages primer needs, and only those that are missing.
# Idempotent; prints nothing when everything is present. Run as root (or with sudo).
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  clang clang-format libfuzzer-14-dev
  libtbb-dev libcurl4-openssl-dev libsimdjson-dev libre2-dev libicu-dev libzstd-dev libssl-dev
  libtomlplusplus-dev libcli11-dev libfmt-dev libxxhash-dev libsentencepiece-dev libcpp-httplib-dev
  doctest-dev libbenchmark-dev libmimalloc-dev libseccomp-dev bubblewrap
  libopenmpi-dev openmpi-bin
  zstd jq wordnet-base nodejs npm
  python3-numpy python3-sentencepiece python3-torch
  chromium fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  # Node.js installed another way (NodeSource ships npm inside its nodejs, and Debian's npm
  # then cannot be installed beside it): the commands are what the tests need.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then as_root=(sudo); else
    echo "primer setup: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "primer setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
