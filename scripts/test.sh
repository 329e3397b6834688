#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build, run every test.
#   1. formatting (clang-format, the checked-in .clang-format)
#   2. Release build; Catch2 unit tests through CTest
#   3. the running binary driven by boto3 and by the AWS SDK for JavaScript v3
#   4. the event-stream codec cross-checked against @smithy/eventstream-codec
#   5. the unit tests and the boto3 suite again under AddressSanitizer + UndefinedBehaviorSanitizer
# Ends with one line "N passed, N failed" over the suites, and a non-zero exit on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh --with-tests || exit 1
jobs=$(nproc)

passed=0
failed=0
failures=()
suite() {  # suite NAME COMMAND...
  local name=$1
  shift
  echo
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

format_check() {
  local files
  mapfile -t files < <(git ls-files '*.c' '*.cc' '*.h')
  clang-format --dry-run --Werror "${files[@]}"
}

build() {  # build DIR CMAKE_ARGS...: quiet unless it fails
  local dir=$1
  shift
  if ! { cmake -S . -B "$dir" "$@" && cmake --build "$dir" -j"$jobs"; } >"$dir.log" 2>&1; then
    tail -n 60 "$dir.log"
    return 1
  fi
}

export BEDROCK_EMULATOR_BIN="$root/build/bedrock-emulator"
export EVENTSTREAM_TOOL="$root/build/tests/eventstream_tool"
export NODE_NO_WARNINGS=1

suite "clang-format" format_check
suite "model catalog doc in sync" python3 tools/gen_models_doc.py --check
suite "build (Release)" build build -DCMAKE_BUILD_TYPE=Release -DBEDROCK_EMULATOR_TESTS=ON
suite "unit tests (ctest)" ctest --test-dir build --output-on-failure
suite "boto3 tests" python3 tests/sdk/python/run_all.py -q
suite "JS SDK tests" bash -c 'cd tests/js && node --test sdk/'
suite "event-stream cross-check (@smithy/eventstream-codec)" bash -c 'cd tests/js && node --test wire/'
suite "third-party clients (Vercel AI SDK, LangChain, Anthropic Bedrock SDK)" \
  bash -c 'cd tests/js && node --test clients/'
suite "build (ASan+UBSan)" build build-sanitize -DCMAKE_BUILD_TYPE=Debug \
  -DBEDROCK_EMULATOR_SANITIZE=ON -DBEDROCK_EMULATOR_TESTS=ON
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
suite "unit tests under ASan+UBSan" ctest --test-dir build-sanitize --output-on-failure
suite "boto3 tests against the ASan+UBSan server" \
  env BEDROCK_EMULATOR_BIN="$root/build-sanitize/bedrock-emulator" python3 tests/sdk/python/run_all.py -q

echo
((failed)) && printf 'failed: %s\n' "${failures[@]}"
echo "suites: $passed passed, $failed failed"
((failed == 0))
