#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz) for a bounded time from its committed seed corpus.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 20 s, every target)
# Builds build-sanitize (clang-14, address + undefined + fuzzer coverage) unless
# BEDROCK_FUZZ_BUILD names a build that already has the targets. Fails on any crash, leak,
# timeout (-timeout=5 s per input) or out-of-memory (-rss_limit_mb=1024); the failing input is
# kept under BUILD/fuzz-findings/ and the command that reproduces it is printed. New inputs found while
# fuzzing go to a scratch corpus, never into the committed one.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-20}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(eventstream_decoder request_framing input_reader scenario_parser
                                 sonic_input_decoder websocket_frames)

build=${BEDROCK_FUZZ_BUILD:-}
if [[ -z "$build" ]]; then
  build="$root/build-sanitize"
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_UNITY_BUILD=ON -DBEDROCK_EMULATOR_FUZZ=ON \
    -DBEDROCK_EMULATOR_TESTS=ON >/dev/null || exit 1
  cmake --build "$build" -j"$(nproc)" --target fuzz_targets >/dev/null || exit 1
fi

findings="$build/fuzz-findings"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$findings"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

failed=0
for target in "${targets[@]}"; do
  binary="$build/tests/fuzz/fuzz_$target"
  corpus="$root/tests/fuzz/corpus/$target"
  mkdir -p "$scratch/$target"
  start=$SECONDS
  if "$binary" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 \
      -artifact_prefix="$findings/$target-" \
      "$scratch/$target" "$corpus" >"$scratch/$target.log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$target.log" | grep -o '[0-9]*$')
    echo "fuzz $target: ok, ${runs:-?} runs in $((SECONDS - start)) s"
  else
    failed=1
    echo "fuzz $target: FAILED after $((SECONDS - start)) s"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written|^ *#[0-9]+ ' "$scratch/$target.log" | head -n 40
    for artifact in "$findings/$target-"*; do
      [[ -e "$artifact" ]] && echo "reproduce: $binary $artifact"
    done
  fi
done
exit "$failed"
