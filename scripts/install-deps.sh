#!/usr/bin/env bash
# Installs what building and testing bedrock-emulator needs on Debian 12, and nothing that is
# already there: Debian packages (apt) and the JS test clients (npm, from the committed lock).
# Usage: scripts/install-deps.sh [--with-tests]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config libnghttp2-dev nlohmann-json3-dev
          libssl-dev zlib1g-dev libsqlite3-dev libre2-dev libcpp-httplib-dev)
if [[ "${1:-}" == "--with-tests" ]]; then
  packages+=(catch2 clang-format)
  # The sanitizer and fuzzing builds: clang 14, libFuzzer, and the sanitizer runtimes.
  packages+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev)
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
  python3 -c 'import boto3' 2>/dev/null || packages+=(python3 python3-boto3)
  python3 -c 'import yaml' 2>/dev/null || packages+=(python3-yaml)  # the README recipes' test
  # The inspector page's browser tests: Debian's Chromium, driven by playwright-core from npm.
  packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || command -v "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--with-tests" ]]; then
  # npm ci installs exactly what tests/js/package-lock.json records.
  if [[ ! -d tests/js/node_modules ]] || [[ tests/js/package-lock.json -nt tests/js/node_modules ]]; then
    (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
