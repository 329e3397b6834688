#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build, run every test.
#   1. formatting (clang-format, the checked-in .clang-format); includes against the layer order
#   2. Release build (g++) of the server and the event-stream tool
#   3. the running binary driven by boto3 and by the AWS SDK for JavaScript v3, its answers
#      compared with recorded real answer shapes (tests/conformance), and the hardening
#      suite's hostile input (tests/hardening)
#   4. the event-stream codec cross-checked against @smithy/eventstream-codec; the inspector
#      page driven in headless Chromium
#   5. one clang-14 AddressSanitizer + UndefinedBehaviorSanitizer build: the Catch2 unit tests
#      (CTest), the boto3 and hardening suites against its server, and the libFuzzer targets
#      (20 s each, scripts/fuzz.sh)
#   6. one clang-14 ThreadSanitizer build: the unit tests that start threads (ctest -L threads)
#      and the JS SDK suite against its server
# Budget: under 20 minutes on 2 cores. Compiling is most of it, so each unit test is compiled
# once, in the ASan build (the Release build makes only what the client suites need). The
# sanitizer builds are unity builds of only what they run, and each starts at idle priority
# while the suites before it run: the suites mostly wait on sockets, so the build takes the idle
# CPU. Every suite prints its time.
# Ends with one line "suites: N passed, N failed", and a non-zero exit on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh --with-tests || exit 1
jobs=$(nproc)
run_start=$SECONDS

passed=0
failed=0
failures=()
timings=()
record() {  # record NAME SECONDS STATUS
  timings+=("$(printf '%5d s  %s' "$2" "$1")")
  if (($3 == 0)); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$1")
  fi
}
suite() {  # suite NAME COMMAND...
  local name=$1 start=$SECONDS status
  shift
  echo
  echo "=== $name"
  "$@"
  status=$?
  echo "--- $name: $((SECONDS - start)) s"
  record "$name" $((SECONDS - start)) $status
}

format_check() {
  local files
  mapfile -t files < <(git ls-files '*.c' '*.cc' '*.h')
  clang-format --dry-run --Werror "${files[@]}"
}

# Build configurations: DIR, then cmake arguments, then -- and the targets it needs.
# A unity build, as the sanitizer builds are: nothing overlaps this build, and it takes a third
# less time than one translation unit per source (91 s against 137 s on 2 cores, cold).
release=(build -DCMAKE_BUILD_TYPE=Release -DCMAKE_UNITY_BUILD=ON -DBEDROCK_EMULATOR_TESTS=ON --
         bedrock-emulator eventstream_tool)
# Line tables are all a sanitizer report needs (file:line in every frame), at less compile time
# than full debug information.
clang_sanitizer=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS=-O1
                 -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -DCMAKE_UNITY_BUILD=ON
                 -DBEDROCK_EMULATOR_TESTS=ON)
asan=(build-sanitize "${clang_sanitizer[@]}" -DBEDROCK_EMULATOR_FUZZ=ON -- bedrock-emulator unit_tests
      fuzz_targets)
tsan=(build-tsan "${clang_sanitizer[@]}" -DBEDROCK_EMULATOR_SANITIZE=thread -- bedrock-emulator
      threaded_unit_tests)

build() {  # build DIR CMAKE_ARGS... [-- TARGETS...]: quiet unless it fails
  local dir=$1 args=() targets=()
  shift
  while (($#)) && [[ $1 != -- ]]; do args+=("$1"); shift; done
  (($#)) && shift
  for target in "$@"; do targets+=(--target "$target"); done
  if ! { cmake -S . -B "$dir" "${args[@]}" && cmake --build "$dir" -j"$jobs" "${targets[@]}"; } \
      >"$dir.log" 2>&1; then
    tail -n 60 "$dir.log"
    return 1
  fi
}

# start_build NAME DIR ...: the build runs in the background at the lowest priority;
# finish_build NAME waits for it and counts it as a suite (its time runs from its start).
declare -A build_pid build_start
start_build() {
  local name=$1
  shift
  build_start[$name]=$SECONDS
  # SCHED_IDLE where chrt has it (the suites' timers then preempt the compiler at once), else nice.
  (chrt --idle -p 0 "$BASHPID" 2>/dev/null || renice -n 19 -p "$BASHPID" >/dev/null
   build "$@") &
  build_pid[$name]=$!
}
finish_build() {
  local name=$1 status
  echo
  echo "=== $name (started in the background at $((build_start[$name] - run_start)) s)"
  wait "${build_pid[$name]}"
  status=$?
  echo "--- $name: $((SECONDS - build_start[$name])) s"
  record "$name" $((SECONDS - build_start[$name])) $status
  return $status
}

tsan_reports() {  # fails, with each report's summary, if ThreadSanitizer wrote any
  local reports=("$root"/build-tsan/tsan-report.*)
  [[ -e ${reports[0]} ]] || return 0
  grep -h -A12 '^WARNING: ThreadSanitizer' "${reports[@]}" | head -n 200
  echo "${#reports[@]} process(es) reported races; full reports: ${reports[*]}"
  return 1
}

export BEDROCK_EMULATOR_BIN="$root/build/bedrock-emulator"
export EVENTSTREAM_TOOL="$root/build/tests/eventstream_tool"
export NODE_NO_WARNINGS=1

suite "clang-format" format_check
suite "model catalog doc in sync" python3 tools/gen_models_doc.py --check
suite "includes follow the layer order (docs/architecture.md)" python3 scripts/check_layers.py
suite "build (Release)" build "${release[@]}"
start_build "build (clang ASan+UBSan+fuzz)" "${asan[@]}"
suite "boto3 tests" python3 tests/sdk/python/run_all.py -q
suite "conformance to recorded real answer shapes (tests/conformance)" \
  bash -c 'python3 tests/conformance/test_compare.py && python3 tests/conformance/run_conformance.py -q'
suite "JS SDK tests" bash -c 'cd tests/js && node --test sdk/'
suite "event-stream cross-check (@smithy/eventstream-codec)" bash -c 'cd tests/js && node --test wire/'
suite "third-party clients (Vercel AI SDK, LangChain, Anthropic Bedrock SDK)" \
  bash -c 'cd tests/js && node --test clients/'
suite "hardening suite (hostile input against the server)" python3 tests/hardening/run_hardening.py
suite "inspector page in headless Chromium (playwright-core)" \
  bash -c 'cd tests/js && node --test browser/'

asan_built=0
finish_build "build (clang ASan+UBSan+fuzz)" && asan_built=1
start_build "build (clang TSan)" "${tsan[@]}"
if ((asan_built)); then
  export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
  suite "unit tests (ctest) and fuzz corpora under ASan+UBSan" \
    ctest --test-dir build-sanitize -j"$jobs" --output-on-failure
  suite "boto3 tests against the ASan+UBSan server" \
    env BEDROCK_EMULATOR_BIN="$root/build-sanitize/bedrock-emulator" BEDROCK_EMULATOR_SANITIZER=address \
    python3 tests/sdk/python/run_all.py -q
  # Sanitizer runtimes are slower and hold freed memory in quarantine: wider probe and RSS bounds.
  # The probe bound is wider still because handlers run on their event loop: under ASan eight
  # concurrent listings of 8 MB of admin scenarios hold every loop for more than 3 s (in the
  # Release run above the same case answers the probe within 1 s).
  suite "hardening suite against the ASan+UBSan server" \
    env BEDROCK_EMULATOR_BIN="$root/build-sanitize/bedrock-emulator" HARDENING_PROBE_LIMIT_S=8 \
    HARDENING_RSS_LIMIT_MB=1200 HARDENING_SANITIZER=address python3 tests/hardening/run_hardening.py
  suite "fuzzing (libFuzzer, 20 s per target)" \
    env BEDROCK_FUZZ_BUILD="$root/build-sanitize" scripts/fuzz.sh 20
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if finish_build "build (clang TSan)"; then
  # Reports go to files (one per process, servers included) and are checked after the suites.
  rm -f "$root"/build-tsan/tsan-report.*
  export TSAN_OPTIONS="log_path=$root/build-tsan/tsan-report second_deadlock_stack=1"
  suite "threaded unit tests under TSan" \
    ctest --test-dir build-tsan -L threads -j"$jobs" --output-on-failure
  suite "JS SDK tests against the TSan server" \
    env BEDROCK_EMULATOR_BIN="$root/build-tsan/bedrock-emulator" bash -c 'cd tests/js && node --test sdk/'
  unset TSAN_OPTIONS
  suite "no ThreadSanitizer reports" tsan_reports
fi

echo
echo "timings (total $((SECONDS - run_start)) s):"
printf '  %s\n' "${timings[@]}"
((failed)) && printf 'failed: %s\n' "${failures[@]}"
echo "suites: $passed passed, $failed failed"
((failed == 0))
