#!/usr/bin/env bash
# The README's first command: install what is missing, build (Release), start the emulator.
# Extra arguments go to bedrock-emulator (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBEDROCK_EMULATOR_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target bedrock-emulator
exec build/bedrock-emulator "$@"
