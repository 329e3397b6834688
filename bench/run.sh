#!/usr/bin/env bash
# bench/run.sh: builds bedrock-emulator (Release), starts it and its competitors, measures them
# side by side in one run and prints one table (see bench/README.md).
#
#   bench/run.sh                    # measure, print the table
#   bench/run.sh --write-results    # ... and write bench/RESULTS.md
#
# Environment: BENCH_DURATION (seconds per wrk/h2load figure, default 6), BENCH_BUILD_DIR
# (default build-bench), BENCH_KEEP=1 keeps the work folder (logs, raw outputs), BENCH_ONLY
# (sections to run, of "unary streams async allocs allocators competitors"; default all),
# BENCH_ALLOC_REQUESTS (Converse requests counted under heaptrack, default 2000).
#
# Every server it starts listens on 127.0.0.1 and is killed on exit (trap); every load loop is
# bounded in count and time.
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
BUILD=$(realpath -m "${BENCH_BUILD_DIR:-$ROOT/build-bench}")
D=${BENCH_DURATION:-6}
WRITE_RESULTS=0
[[ "${1:-}" == "--write-results" ]] && WRITE_RESULTS=1
MODEL='anthropic.claude-3-5-haiku-20241022-v1%3A0'
CONVERSE_PATH="/model/$MODEL/converse"
INVOKE_PATH="/model/$MODEL/invoke"
STREAM_PATH="/model/$MODEL/converse-stream"
# moto routes a request to bedrock-runtime by the credential scope of its Authorization header.
MOTO_AUTH='AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=0'

# The work folder holds the emulator's data dir, which fills with up to 100,000 async
# invocations (~150,000 small files): on tmpfs removing them takes a second, on this machine's
# ext4 (mounted with discard) it took minutes. SQLite in WAL mode with synchronous=NORMAL does not
# fsync per commit, so the async figures hardly depend on which it is.
TMPROOT=/tmp
if [[ -d /dev/shm && -w /dev/shm ]] && (($(df -Pk /dev/shm | awk 'NR == 2 {print $4}') > 3000000)); then
  TMPROOT=/dev/shm
fi
WORK=$(mktemp -d "$TMPROOT/bedrock-bench.XXXXXX")
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
PIDS=()
STARTED_AT=$(date +%s)

log() { printf '\n== [%3d s] %s\n' "$(($(date +%s) - STARTED_AT))" "$*" >&2; }
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # utime + stime

# ------------------------------------------------------------------ cleanup
stop_pid() {  # PID: SIGTERM, up to 3 s, then SIGKILL
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ install what is missing
log "checking tools"
apt_missing=()
for p in cmake g++ make pkg-config libcpp-httplib-dev libnghttp2-dev nlohmann-json3-dev libssl-dev libsqlite3-dev curl; do
  dpkg -s "$p" >/dev/null 2>&1 || apt_missing+=("$p")
done
command -v wrk >/dev/null || apt_missing+=(wrk)
command -v h2load >/dev/null || apt_missing+=(nghttp2-client)
command -v heaptrack >/dev/null || apt_missing+=(heaptrack)
# the allocators measured by LD_PRELOAD: Debian's shared libraries, not linked in
for p in libjemalloc2 libtcmalloc-minimal4; do dpkg -s "$p" >/dev/null 2>&1 || apt_missing+=("$p"); done
command -v npm >/dev/null || apt_missing+=(nodejs npm)
command -v java >/dev/null || apt_missing+=(default-jre-headless)
if ((${#apt_missing[@]})); then
  echo "apt-get install -y ${apt_missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${apt_missing[@]}" >/dev/null || echo "apt-get failed; going on with what is there" >&2
fi
if [[ ! -d "$BENCH/node_modules/@copilotkit/aimock" || ! -d "$BENCH/node_modules/wiremock" ||
      "$BENCH/package-lock.json" -nt "$BENCH/node_modules" ]]; then
  echo "npm ci (bench/)" >&2
  (cd "$BENCH" && npm ci --no-audit --no-fund --loglevel=error) || echo "npm ci failed" >&2
fi

# ------------------------------------------------------------------ build
log "building the emulator (Release) and the bench tools"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBEDROCK_EMULATOR_TESTS=OFF >/dev/null || exit 1
cmake --build "$BUILD" -j2 --target bedrock-emulator >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
EMU=$BUILD/bedrock-emulator
TOOLS=$BUILD/bench
mkdir -p "$TOOLS"
if [[ ! -x "$TOOLS/stream_bench" || "$BENCH/tools/stream_bench.cc" -nt "$TOOLS/stream_bench" ||
      "$BENCH/tools/bench_common.h" -nt "$TOOLS/stream_bench" ]]; then
  g++ -std=c++17 -O2 -Wall -Wextra -o "$TOOLS/stream_bench" "$BENCH/tools/stream_bench.cc" || exit 1
fi
if [[ ! -x "$TOOLS/bare_httplib" || "$BENCH/baseline/bare_httplib.cc" -nt "$TOOLS/bare_httplib" ]]; then
  # shellcheck disable=SC2046
  g++ -std=c++17 -O2 -o "$TOOLS/bare_httplib" "$BENCH/baseline/bare_httplib.cc" \
    $(pkg-config --cflags --libs cpp-httplib) -pthread || exit 1
fi
if [[ ! -x "$TOOLS/h2_stream_bench" || "$BENCH/tools/h2_stream_bench.cc" -nt "$TOOLS/h2_stream_bench" ||
      "$BENCH/tools/bench_common.h" -nt "$TOOLS/h2_stream_bench" ]]; then
  # shellcheck disable=SC2046
  g++ -std=c++17 -O2 -Wall -Wextra -o "$TOOLS/h2_stream_bench" "$BENCH/tools/h2_stream_bench.cc" \
    $(pkg-config --cflags --libs libnghttp2) || exit 1
fi
SB=$TOOLS/stream_bench
H2SB=$TOOLS/h2_stream_bench
REPORT=(python3 "$BENCH/tools/report.py")
# Servers start in the work folder: nothing they write to a relative path lands in the repo.
cd "$WORK" || exit 1

# 1,000 connections need 1,000+ descriptors on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
echo "ulimit -n $(ulimit -n)" >&2

# ------------------------------------------------------------------ helpers
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {  # URL [tries of 0.1 s]: true once it answers anything below 500
  local url=$1 tries=${2:-200} i code
  for ((i = 0; i < tries; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null)
    [[ "$code" =~ ^[1-4] ]] && return 0
    sleep 0.1
  done
  return 1
}

proc_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }

listen_overflows() { awk '/^TcpExt:/ {if (!h) {for (i=1;i<=NF;i++) n[i]=$i; h=1} else {for (i=1;i<=NF;i++) if (n[i]=="ListenOverflows") print $i}}' /proc/net/netstat; }

# Samples VmRSS and Threads of PID every 0.1 s until FILE.stop exists (at most 10 minutes);
# writes "rss_kb=MAX threads=MAX" to FILE.
start_sampler() {
  local pid=$1 file=$2
  (
    max=0 thr=0
    for ((n = 0; n < 6000; n++)); do
      [[ -e "$file.stop" ]] && break
      kill -0 "$pid" 2>/dev/null || break
      r=$(proc_field "$pid" VmRSS); t=$(proc_field "$pid" Threads)
      [[ -n "$r" && "$r" -gt "$max" ]] && max=$r
      [[ -n "$t" && "$t" -gt "$thr" ]] && thr=$t
      sleep 0.1
    done
    echo "rss_kb=$max threads=$thr" >"$file"
  ) &
  SAMPLER_PID=$!
  PIDS+=("$SAMPLER_PID")
}
stop_sampler() {  # FILE: stops the sampler, leaves "rss_kb=... threads=..." in FILE
  local i
  touch "$1.stop"
  for ((i = 0; i < 50; i++)); do [[ -s "$1" ]] && break; sleep 0.1; done
  wait "$SAMPLER_PID" 2>/dev/null
}

# wrk figure: ID SERVER LABEL PID PORT PATH BODY [AUTH]. Also the server's CPU time per request
# (utime + stime of PID over the run), a figure that other load on the machine skews less.
wrk_shown() {  # PATH BODY [AUTH]: the command as the table shows it
  echo "BENCH_BODY_FILE=bench/bodies/$(basename "$2")${3:+ BENCH_AUTH='...'} wrk -t2 -c16 -d${D}s --latency -s bench/lua/post.lua http://127.0.0.1:PORT$1"
}
wrk_into() {  # OUT PID PORT PATH BODY [AUTH]: one wrk run and the server's CPU time over it
  local out=$1 spid=$2 port=$3 path=$4 body=$5 auth=${6:-} t0
  t0=$(cpu_ticks "$spid")
  BENCH_BODY_FILE=$body BENCH_AUTH=$auth timeout $((D + 30)) \
    wrk -t2 -c16 -d"${D}s" --latency -s "$BENCH/lua/post.lua" "http://127.0.0.1:$port$path" >"$out" 2>&1
  echo "server_cpu_ticks=$(($(cpu_ticks "$spid") - t0)) clk_tck=$CLK_TCK" >>"$out"
}
run_wrk() {
  local id=$1 server=$2 label=$3 spid=$4 port=$5 path=$6 body=$7 auth=${8:-}
  local out=$WORK/$id.$server.wrk shown
  shown=$(wrk_shown "$path" "$body" "$auth")
  echo "   $label: $shown" >&2
  wrk_into "$out" "$spid" "$port" "$path" "$body" "$auth"
  "${REPORT[@]}" wrk "$RESULTS" "$id" "$server" "$label" "$shown" "$out" | sed 's/^/   /' >&2
}
# The emulator against bare cpp-httplib, the ratio the targets are about: ROUNDS alternating
# runs of each, and each server's median run by req/s. This machine's speed drifts by tens of
# percent over minutes (other guests share its host); measured minutes apart, the two would
# differ by the drift as much as by the servers.
ROUNDS=3
run_wrk_rounds() {  # ID PATH BODY SERVER:LABEL:PID:PORT...: ROUNDS alternating runs, each one's median
  local id=$1 path=$2 body=$3 shown r spec server label spid port median
  shift 3
  shown=$(wrk_shown "$path" "$body")
  echo "   $# servers, $ROUNDS rounds each, alternating: $shown" >&2
  for ((r = 1; r <= ROUNDS; r++)); do
    for spec in "$@"; do
      IFS=: read -r server label spid port <<<"$spec"
      wrk_into "$WORK/$id.$server.r$r.wrk" "$spid" "$port" "$path" "$body"
    done
  done
  for spec in "$@"; do
    IFS=: read -r server label spid port <<<"$spec"
    median=$(for f in "$WORK/$id.$server".r*.wrk; do
      echo "$(awk '/Requests\/sec/ {print $2}' "$f") $f"
    done | sort -g | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) {print $2}')
    "${REPORT[@]}" wrk "$RESULTS" "$id" "$server" "$label" "$shown  (median of $ROUNDS, alternating with the other servers)" \
      "$median" | sed 's/^/   /' >&2
  done
}
run_wrk_pair() {  # ID PATH BODY: the emulator and bare cpp-httplib
  run_wrk_rounds "$1" "$2" "$3" "emulator:emulator:$EMU_PID:$EMU_PORT" "bare:bare cpp-httplib:$BARE_PID:$BARE_PORT"
}
warm_wrk() {  # PORT PATH BODY SECONDS [AUTH]: unrecorded warm-up
  BENCH_BODY_FILE=$3 BENCH_AUTH=${5:-} timeout $(($4 + 30)) \
    wrk -t2 -c16 -d"$4s" -s "$BENCH/lua/post.lua" "http://127.0.0.1:$1$2" >/dev/null 2>&1
}
# h2load figure: ID SERVER LABEL PID PORT PATH BODY STREAMS
run_h2load() {
  local id=$1 server=$2 label=$3 spid=$4 port=$5 path=$6 body=$7 m=$8
  local out=$WORK/$id.$server.h2load t0
  local shown="h2load -c16 -t2 -m$m -D$D --warm-up-time=1 -d bench/bodies/$(basename "$body") -H 'content-type: application/json' --log-file=LOG http://127.0.0.1:PORT$path"
  echo "   $label: $shown" >&2
  t0=$(cpu_ticks "$spid")
  timeout $((D + 30)) h2load -c16 -t2 -m"$m" -D"$D" --warm-up-time=1 -d "$body" \
    -H 'content-type: application/json' --log-file="$out.log" "http://127.0.0.1:$port$path" >"$out" 2>&1
  # the 1 s warm-up's requests are not counted: scale the CPU time to the measured D seconds
  echo "server_cpu_ticks=$(($(cpu_ticks "$spid") - t0)) clk_tck=$CLK_TCK cpu_scale=$(awk -v d="$D" 'BEGIN {print d / (d + 1)}')" >>"$out"
  "${REPORT[@]}" h2load "$RESULTS" "$id" "$server" "$label" "$shown" "$out" "$out.log" | sed 's/^/   /' >&2
  rm -f "$out.log"
}
note() { "${REPORT[@]}" note "$RESULTS" "$1" "$2" "$3" "$4"; echo "   $3: $4" >&2; }

# BENCH_ONLY="unary streams ..." runs only those sections (see bench/README.md); unset: all.
want() { [[ -z "${BENCH_ONLY:-}" || " $BENCH_ONLY " == *" $1 "* ]]; }

emu_args() {  # NAME: EMU_ARGS for an emulator on its own data dir, port 0, no scenarios
  # The bodies pin Claude 3.5 Haiku and Nova Reel v1:0, since retired: serve them as live.
  EMU_ARGS=(--host 127.0.0.1 --port 0 --data-dir "$WORK/data-$1" --scenarios "$WORK/empty-scenarios" --log-level warn
            --serve-retired-models)
}
port_in() {  # FILE: the port of the first "http://127.0.0.1:PORT" FILE shows, waiting up to 10 s
  local i p
  for ((i = 0; i < 100; i++)); do
    p=$(grep -o 'http://127.0.0.1:[0-9]*' "$1" 2>/dev/null | head -1 | cut -d: -f3)
    [[ -n "$p" ]] && { echo "$p"; return 0; }
    sleep 0.1
  done
  return 1
}
start_emu() {  # NAME [VAR=VALUE...]: an emulator in that environment; sets STARTED_PID, STARTED_PORT
  local name=$1
  shift
  emu_args "$name"
  env "$@" "$EMU" "${EMU_ARGS[@]}" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  STARTED_PORT=$(port_in "$WORK/$name.out")
  if [[ -z "$STARTED_PORT" ]] || ! wait_http "http://127.0.0.1:$STARTED_PORT/_emulator/health" 50; then
    echo "the emulator ($name) did not start:" >&2
    cat "$WORK/$name.err" >&2
    return 1
  fi
}
shared_lib() { ldconfig -p | awk -v n="$1" '$1 == n {print $NF; exit}'; }  # NAME: its path

# SERVER COUNT: SERVER (emulator or bare) under heaptrack, ALLOC_WARMUP Converse requests and
# COUNT more on one keep-alive connection, SIGTERM; sets HEAPTRACK_CALLS to heaptrack's "calls to
# allocation functions" total, or to why there is none. Not run in $(...): the servers it starts
# must be in this shell's PIDS, for the exit trap.
heaptrack_calls() {
  local server=$1 count=$2 out=$WORK/heaptrack.$1.$2 health=/_emulator/health hpid child port i
  local cmd=("$EMU")
  if [[ $server == bare ]]; then
    cmd=("$TOOLS/bare_httplib" --port 0 "${BARE_ARGS[@]}") health=/health
  else
    emu_args "heaptrack-$count"
    cmd+=("${EMU_ARGS[@]}")
  fi
  HEAPTRACK_CALLS="did not start"
  heaptrack -o "$out" "${cmd[@]}" >"$out.log" 2>&1 &
  hpid=$!
  PIDS+=("$hpid")
  port=$(port_in "$out.log")
  # heaptrack's script runs the server as its child, next to heaptrack_interpret and zstd.
  child=$(ps -o pid=,args= --ppid "$hpid" | awk -v b="${cmd[0]}" '$2 == b {print $1; exit}')
  [[ -n "$child" ]] && PIDS+=("$child")
  if [[ -n "$port" && -n "$child" ]] && wait_http "http://127.0.0.1:$port$health" 100; then
    "$SB" unary --port "$port" --path "$CONVERSE_PATH" --body-file "$BENCH/bodies/converse.json" \
      --warmup "$ALLOC_WARMUP" --iterations "$count" >"$out.client" 2>&1
    HEAPTRACK_CALLS="client: $(cat "$out.client")"
  fi
  # SIGTERM to the server: it exits normally, heaptrack_interpret writes the rest and the script ends.
  [[ -n "$child" ]] && stop_pid "$child"
  for ((i = 0; i < 100; i++)); do kill -0 "$hpid" 2>/dev/null || break; sleep 0.1; done
  stop_pid "$hpid"
  if grep -q 'status=200' "$out.client" 2>/dev/null; then
    HEAPTRACK_CALLS=$(heaptrack_print -f "$out.zst" -p 0 -a 0 -T 0 2>/dev/null |
      awk '/^calls to allocation functions:/ {print $5}')
  fi
}

# ------------------------------------------------------------------ machine
MACHINE=$WORK/machine.json
python3 - "$MACHINE" "$D" <<'EOF'
import json, os, sys, datetime
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
mem = 0
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal:"):
        mem = int(line.split()[1])
json.dump({"cpu": cpu, "nproc": os.cpu_count(), "memory": "%.1f GiB" % (mem / 1048576),
           "loadavg": open("/proc/loadavg").read().split()[0],
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "duration": sys.argv[2]}, open(sys.argv[1], "w"))
EOF
LOAD=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOAD" 'BEGIN {exit !(l > 1.0)}'; then
  echo "warning: load average $LOAD at start: other work on this machine skews every figure" >&2
fi

# ------------------------------------------------------------------ the emulator
log "emulator: start-up"
mkdir -p "$WORK/empty-scenarios"
emu_args startup
startup_line=$("$SB" startup --runs 5 --path /_emulator/health -- "$EMU" "${EMU_ARGS[@]}" 2>/dev/null)
"${REPORT[@]}" kv "$RESULTS" startup emulator "start-up" \
  "stream_bench startup --runs 5 --path /_emulator/health -- build-bench/bedrock-emulator --port 0 ..." \
  "$startup_line" >/dev/null
echo "   $startup_line" >&2

start_emu emulator || exit 1
EMU_PID=$STARTED_PID
EMU_PORT=$STARTED_PORT
EMU_URL=http://127.0.0.1:$EMU_PORT
sleep 1
"${REPORT[@]}" kv "$RESULTS" idle_rss emulator "idle RSS" "grep VmRSS /proc/PID/status (1 s after start, no requests)" \
  "rss_kb=$(proc_field "$EMU_PID" VmRSS)" >/dev/null

# The emulator's own answers are what the bare server and WireMock send back.
curl -s -X POST "$EMU_URL$CONVERSE_PATH" -H 'content-type: application/json' \
  --data-binary @"$BENCH/bodies/converse.json" -o "$WORK/converse-answer.json"
curl -s -X POST "$EMU_URL$INVOKE_PATH" -H 'content-type: application/json' \
  --data-binary @"$BENCH/bodies/invoke.json" -o "$WORK/invoke-answer.json"
BARE_ARGS=(--converse "$WORK/converse-answer.json" --invoke "$WORK/invoke-answer.json")

if want unary; then
  # bare cpp-httplib (the ceiling) answers with the emulator's own bytes, measured in turns with it.
  BARE_PORT=$(free_port)
  "$TOOLS/bare_httplib" --port "$BARE_PORT" "${BARE_ARGS[@]}" >"$WORK/bare.log" 2>&1 &
  BARE_PID=$!
  PIDS+=("$BARE_PID")
  wait_http "http://127.0.0.1:$BARE_PORT/health" 50 || { echo "bare cpp-httplib did not start" >&2; exit 1; }

  log "emulator and bare cpp-httplib: unary HTTP/1.1, in turns"
  start_sampler "$EMU_PID" "$WORK/load-rss"
  warm_wrk "$EMU_PORT" "$CONVERSE_PATH" "$BENCH/bodies/converse.json" 2
  warm_wrk "$BARE_PORT" "$CONVERSE_PATH" "$BENCH/bodies/converse.json" 2
  run_wrk_pair h1_converse "$CONVERSE_PATH" "$BENCH/bodies/converse.json"
  run_wrk_pair h1_invoke "$INVOKE_PATH" "$BENCH/bodies/invoke.json"
  stop_pid "$BARE_PID"
  note h2_converse_m1 bare "bare cpp-httplib" "no HTTP/2 (cpp-httplib is HTTP/1.1 only)"

  log "emulator: unary HTTP/2"
  for m in 1 10 100; do
    run_h2load h2_converse_m$m emulator emulator "$EMU_PID" "$EMU_PORT" "$CONVERSE_PATH" "$BENCH/bodies/converse.json" $m
  done
  for m in 1 10 100; do
    run_h2load h2_invoke_m$m emulator emulator "$EMU_PID" "$EMU_PORT" "$INVOKE_PATH" "$BENCH/bodies/invoke.json" $m
  done
  stop_sampler "$WORK/load-rss"
  "${REPORT[@]}" kv "$RESULTS" load_rss emulator "RSS under load" "" "$(cat "$WORK/load-rss")" >/dev/null
fi

if want streams; then
  log "emulator: ConverseStream"
  for s in stream-1000 stream-slow; do
    curl -s -X POST "$EMU_URL/_emulator/scenarios" --data-binary @"$BENCH/scenarios/$s.json" -o /dev/null
  done
  line=$("$SB" ttfe --port "$EMU_PORT" --path "$STREAM_PATH" --body-file "$BENCH/bodies/stream-1000.json" --iterations 200 --warmup 10)
  echo "   $line" >&2
  "${REPORT[@]}" kv "$RESULTS" ttfe emulator "ConverseStream 1,000 deltas" \
    "stream_bench ttfe --port PORT --path $STREAM_PATH --body-file bench/bodies/stream-1000.json --iterations 200 --warmup 10  (scenario bench/scenarios/stream-1000.json)" \
    "$line" >/dev/null

  # 1,000 slow streams: over HTTP/1.1 (1,000 connections), then over HTTP/2 h2c as 10 connections
  # of 100 streams (the emulator allows 128 at once on a connection) and as 1,000 connections of
  # one stream. Each test resets VmHWM first (its own peak) and samples the thread count itself.
  SLOW_ARGS=(--path "$STREAM_PATH" --body-file "$BENCH/bodies/stream-slow.json" --events 50 --interval-ms 20 --timeout-s 20)
  SLOW_SHOWN="--path $STREAM_PATH --body-file bench/bodies/stream-slow.json --events 50 --interval-ms 20 --timeout-s 20"
  slow_streams() {  # ID LABEL SHOWN COMMAND...: one test against the emulator, recorded as ID
    local id=$1 label=$2 shown=$3 before line threads_before
    shift 3
    sleep 1  # the threads and sockets of the test before wind down
    echo 5 >"/proc/$EMU_PID/clear_refs" 2>/dev/null
    before=$(listen_overflows)
    threads_before=$(proc_field "$EMU_PID" Threads)
    line=$("$@" --port "$EMU_PORT" "${SLOW_ARGS[@]}" --server-pid "$EMU_PID")
    echo "   $label: $line" >&2
    "${REPORT[@]}" kv "$RESULTS" "$id" emulator "$label" \
      "ulimit -n 20000; $shown --port PORT $SLOW_SHOWN --server-pid PID  (scenario bench/scenarios/stream-slow.json)" \
      "$line" "peak_rss_kb=$(proc_field "$EMU_PID" VmHWM) listen_overflows=$(($(listen_overflows) - before)) threads_before=$threads_before" >/dev/null
  }
  slow_streams concurrent "1,000 slow streams, HTTP/1.1" "stream_bench concurrent --connections 1000" \
    "$SB" concurrent --connections 1000
  slow_streams h2_concurrent_10x100 "1,000 slow streams, HTTP/2, 10 x 100" "h2_stream_bench --connections 10 --streams 100" \
    "$H2SB" --connections 10 --streams 100
  slow_streams h2_concurrent_1000x1 "1,000 slow streams, HTTP/2, 1000 x 1" "h2_stream_bench --connections 1000 --streams 1" \
    "$H2SB" --connections 1000 --streams 1

  # The frames of one slow stream, for the bare cpp-httplib server to pace the same way.
  curl -s -X POST "$EMU_URL$STREAM_PATH" -H 'content-type: application/json' \
    --data-binary @"$BENCH/bodies/stream-slow.json" -o "$WORK/stream-slow-answer.bin"
fi

if want async; then
  log "emulator: async invocations"
  code=$(curl -s -o "$WORK/async-probe.json" -w '%{http_code}' -X POST "$EMU_URL/async-invoke" \
    -H 'content-type: application/json' --data-binary @"$BENCH/bodies/async-start.json")
  if [[ "$code" != 2* ]]; then
    why="not available (StartAsyncInvoke answered $code $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("message","")[:60])' "$WORK/async-probe.json" 2>/dev/null))"
    note async_start emulator "StartAsyncInvoke" "$why"
    note async_list emulator "ListAsyncInvokes" "not available"
  else
    line=$("$SB" fire --port "$EMU_PORT" --path /async-invoke --body-file "$BENCH/bodies/async-start.json" \
      --connections 8 --requests 100000 --max-seconds 30)
    echo "   $line" >&2
    "${REPORT[@]}" kv "$RESULTS" async_start emulator "StartAsyncInvoke" \
      "stream_bench fire --port PORT --path /async-invoke --body-file bench/bodies/async-start.json --connections 8 --requests 100000 --max-seconds 30" \
      "$line" >/dev/null
    LIST_PATH='/async-invoke?maxResults=1000'
    stored=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$line")
    stored=$((${stored:-0} + 1))  # and the probe
    curl -s "$EMU_URL$LIST_PATH" -o "$WORK/async-page.json"
    rows=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("asyncInvokeSummaries", [])))' "$WORK/async-page.json" 2>/dev/null || echo 0)
    line=$("$SB" unary --port "$EMU_PORT" --method GET --path "$LIST_PATH" --iterations 30 --warmup 3)
    echo "   $line rows=$rows stored=$stored" >&2
    "${REPORT[@]}" kv "$RESULTS" async_list emulator "ListAsyncInvokes" \
      "stream_bench unary --port PORT --method GET --path '$LIST_PATH' --iterations 30 --warmup 3" \
      "$line" "rows=$rows stored=$stored" >/dev/null
  fi
fi
"${REPORT[@]}" kv "$RESULTS" after_rss emulator "RSS at the end" "" \
  "rss_kb=$(proc_field "$EMU_PID" VmRSS) threads=$(proc_field "$EMU_PID" Threads)" >/dev/null
stop_pid "$EMU_PID"

# ------------------------------------------------------------------ bare cpp-httplib: streams
# The same 1,000 slow streams, paced by cpp-httplib's own means: a thread per connection that
# sleeps between frames (the frames are the emulator's, captured above).
if want streams; then
  log "bare cpp-httplib: 1,000 slow streams"
  port=$(free_port)
  "$TOOLS/bare_httplib" --port "$port" "${BARE_ARGS[@]}" \
    --stream "$WORK/stream-slow-answer.bin" --interval-ms 20 --threads 1100 >"$WORK/bare-stream.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if [[ -s "$WORK/stream-slow-answer.bin" ]] && wait_http "http://127.0.0.1:$port/health" 50; then
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null
    line=$("$SB" concurrent --port "$port" --connections 1000 "${SLOW_ARGS[@]}")
    echo "   $line" >&2
    "${REPORT[@]}" kv "$RESULTS" concurrent bare "bare cpp-httplib" \
      "ulimit -n 20000; bare_httplib --stream FRAMES --interval-ms 20 --threads 1100; stream_bench concurrent --port PORT --connections 1000 $SLOW_SHOWN" \
      "$line" "peak_rss_kb=$(proc_field "$pid" VmHWM)" >/dev/null
  else
    note concurrent bare "bare cpp-httplib" "did not start"
  fi
  stop_pid "$pid"
fi

# ------------------------------------------------------------------ allocations per request
# Each server under heaptrack twice: ALLOC_WARMUP Converse requests then ALLOC_REQUESTS more on
# one keep-alive connection, and the warm-up alone. The difference of the two totals of calls to
# allocation functions (malloc, calloc, realloc, operator new, ...), divided by ALLOC_REQUESTS,
# is what one request costs in steady state: start-up, warm-up and shutdown cancel out.
if want allocs; then
  log "allocations per Converse request (heaptrack)"
  ALLOC_REQUESTS=${BENCH_ALLOC_REQUESTS:-2000}
  ALLOC_WARMUP=200
  if ! command -v heaptrack >/dev/null || ! command -v heaptrack_print >/dev/null; then
    note allocs emulator emulator "not available (no heaptrack)"
  else
    for server in emulator bare; do
      heaptrack_calls "$server" 0
      a0=$HEAPTRACK_CALLS
      heaptrack_calls "$server" "$ALLOC_REQUESTS"
      a1=$HEAPTRACK_CALLS
      label=emulator
      [[ $server == bare ]] && label="bare cpp-httplib"
      if [[ "$a0" =~ ^[0-9]+$ && "$a1" =~ ^[0-9]+$ ]]; then
        line="requests=$ALLOC_REQUESTS warmup=$ALLOC_WARMUP calls_warmup_only=$a0 calls_with_requests=$a1 per_request=$(awk -v a="$a0" -v b="$a1" -v n="$ALLOC_REQUESTS" 'BEGIN {printf "%.1f", (b - a) / n}')"
        echo "   $label: $line" >&2
        "${REPORT[@]}" kv "$RESULTS" allocs "$server" "$label" \
          "heaptrack -o OUT SERVER --port 0 ...; stream_bench unary --port PORT --path $CONVERSE_PATH --body-file bench/bodies/converse.json --warmup $ALLOC_WARMUP --iterations $ALLOC_REQUESTS (and --iterations 0); heaptrack_print -f OUT.zst: (calls with requests - calls with warm-up only) / $ALLOC_REQUESTS" \
          "$line" >/dev/null
      else
        note allocs "$server" "$label" "heaptrack run failed ($a0 / $a1)"
      fi
    done
  fi
fi

# ------------------------------------------------------------------ allocators
# Whether another malloc pays: the same emulator binary with glibc's malloc, with jemalloc and with
# tcmalloc put in front of it by LD_PRELOAD (Debian's shared libraries; the link line is not
# touched), Converse over HTTP/1.1 in alternating rounds like the emulator and bare cpp-httplib.
if want allocators; then
  log "allocators: Converse HTTP/1.1 with glibc malloc, jemalloc, tcmalloc (LD_PRELOAD)"
  specs=()
  alloc_pids=()
  for allocator in glibc jemalloc tcmalloc; do
    lib="" label="glibc malloc"
    case $allocator in
      jemalloc) lib=$(shared_lib libjemalloc.so.2) label="jemalloc (LD_PRELOAD libjemalloc.so.2)" ;;
      tcmalloc) lib=$(shared_lib libtcmalloc_minimal.so.4) label="tcmalloc (LD_PRELOAD libtcmalloc_minimal.so.4)" ;;
    esac
    if [[ $allocator != glibc && -z "$lib" ]]; then
      note alloc_h1_converse "$allocator" "$label" "not available (no shared library)"
      continue
    fi
    if ! start_emu "alloc-$allocator" ${lib:+LD_PRELOAD=$lib}; then
      note alloc_h1_converse "$allocator" "$label" "did not start"
      continue
    fi
    alloc_pids+=("$STARTED_PID")
    if [[ -n "$lib" ]] && ! grep -q "$(basename "$lib")" "/proc/$STARTED_PID/maps"; then
      note alloc_h1_converse "$allocator" "$label" "not loaded (LD_PRELOAD ignored)"
      continue
    fi
    warm_wrk "$STARTED_PORT" "$CONVERSE_PATH" "$BENCH/bodies/converse.json" 2
    specs+=("$allocator:$label:$STARTED_PID:$STARTED_PORT")
  done
  ((${#specs[@]})) && run_wrk_rounds alloc_h1_converse "$CONVERSE_PATH" "$BENCH/bodies/converse.json" "${specs[@]}"
  for pid in "${alloc_pids[@]}"; do stop_pid "$pid"; done
fi

# ------------------------------------------------------------------ competitors
if want competitors; then
# ------------------------------------------------------------------ moto
  log "moto_server"
  MOTO=()
  if command -v moto_server >/dev/null 2>&1; then
    MOTO=(moto_server)
  elif python3 -c 'import moto.server' >/dev/null 2>&1; then
    MOTO=(python3 -m moto.server)
  fi
  if ((${#MOTO[@]} == 0)); then
    note h1_converse moto moto_server "not available (no moto_server, no python3 moto)"
    note h1_invoke moto moto_server "not available (no moto_server, no python3 moto)"
  else
    port=$(free_port)
    "${MOTO[@]}" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if wait_http "http://127.0.0.1:$port/moto-api/" 300; then
      # moto has InvokeModel (answers "{}") but no Converse: its Converse answers 500.
      code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port$CONVERSE_PATH" \
        -H 'content-type: application/json' -H "Authorization: $MOTO_AUTH" --data-binary @"$BENCH/bodies/converse.json")
      note h1_converse moto moto_server "no Converse in moto $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null) (answers $code)"
      warm_wrk "$port" "$INVOKE_PATH" "$BENCH/bodies/invoke.json" 2 "$MOTO_AUTH"
      run_wrk h1_invoke moto moto_server "$pid" "$port" "$INVOKE_PATH" "$BENCH/bodies/invoke.json" "$MOTO_AUTH"
    else
      note h1_invoke moto moto_server "did not start"
    fi
    stop_pid "$pid"
  fi

# ------------------------------------------------------------------ aimock
  log "aimock"
  AIMOCK_CLI=$BENCH/node_modules/@copilotkit/aimock/dist/cli.js
  if [[ -f "$AIMOCK_CLI" ]] && command -v node >/dev/null; then
    port=$(free_port)
    # -c 5: five characters per streamed delta, so its 1,000-word fixture streams 1,000 deltas too.
    node "$AIMOCK_CLI" -p "$port" -h 127.0.0.1 -f "$BENCH/competitors/aimock-fixtures.json" -c 5 --log-level warn \
      >"$WORK/aimock.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if wait_http "http://127.0.0.1:$port/health" 100; then
      warm_wrk "$port" "$CONVERSE_PATH" "$BENCH/bodies/converse.json" 2
      run_wrk h1_converse aimock aimock "$pid" "$port" "$CONVERSE_PATH" "$BENCH/bodies/converse.json"
      run_wrk h1_invoke aimock aimock "$pid" "$port" "$INVOKE_PATH" "$BENCH/bodies/invoke.json"
      note h2_converse_m1 aimock aimock "no HTTP/2 (node:http server)"
      line=$("$SB" ttfe --port "$port" --path "$STREAM_PATH" --body-file "$BENCH/bodies/stream-1000.json" --iterations 30 --warmup 3)
      echo "   aimock stream: $line" >&2
      if [[ "$line" == iterations=* ]]; then
        "${REPORT[@]}" kv "$RESULTS" ttfe aimock aimock \
          "stream_bench ttfe --port PORT --path $STREAM_PATH --body-file bench/bodies/stream-1000.json --iterations 30 --warmup 3  (fixture bench/competitors/aimock-fixtures.json, -c 5)" \
          "$line" >/dev/null
      fi
    else
      note h1_converse aimock aimock "did not start"
    fi
    stop_pid "$pid"
  else
    note h1_converse aimock aimock "not available (npm ci in bench/ failed)"
  fi

# ------------------------------------------------------------------ WireMock
  log "WireMock standalone"
  WIREMOCK_JAR=$(ls "$BENCH"/node_modules/wiremock/build/wiremock-standalone-*.jar 2>/dev/null | head -1)
  if [[ -n "$WIREMOCK_JAR" ]] && command -v java >/dev/null; then
    mkdir -p "$WORK/wiremock/mappings"
    python3 - "$WORK" <<'EOF'
import json, sys
work = sys.argv[1]
for name, pattern in (("converse", "/model/[^/]+/converse"), ("invoke", "/model/[^/]+/invoke")):
    body = open("%s/%s-answer.json" % (work, name)).read()
    stub = {"request": {"method": "POST", "urlPathPattern": pattern},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": body}}
    json.dump(stub, open("%s/wiremock/mappings/%s.json" % (work, name), "w"))
EOF
    port=$(free_port)
    java -jar "$WIREMOCK_JAR" --port "$port" --bind-address 127.0.0.1 --root-dir "$WORK/wiremock" \
      --disable-banner --max-request-journal-entries 1000 >"$WORK/wiremock.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if wait_http "http://127.0.0.1:$port/__admin/health" 300; then
      warm_wrk "$port" "$CONVERSE_PATH" "$BENCH/bodies/converse.json" 4  # the JIT warms up
      run_wrk h1_converse wiremock WireMock "$pid" "$port" "$CONVERSE_PATH" "$BENCH/bodies/converse.json"
      run_wrk h1_invoke wiremock WireMock "$pid" "$port" "$INVOKE_PATH" "$BENCH/bodies/invoke.json"
      run_h2load h2_converse_m10 wiremock WireMock "$pid" "$port" "$CONVERSE_PATH" "$BENCH/bodies/converse.json" 10
    else
      note h1_converse wiremock WireMock "did not start"
    fi
    stop_pid "$pid"
  else
    note h1_converse wiremock WireMock "not available (no jar or no java)"
  fi
fi

# ------------------------------------------------------------------ the table
log "results ($(($(date +%s) - STARTED_AT)) s)"
TABLE=$WORK/table.md
"${REPORT[@]}" render "$RESULTS" "$MACHINE" >"$TABLE"
cat "$TABLE"
if ((WRITE_RESULTS)); then
  {
    echo "# Benchmark results"
    echo
    echo "The last full run of \`bench/run.sh --write-results\` on this project's machine (see"
    echo "README.md in this folder for what each figure means and how it is measured)."
    echo
    cat "$TABLE"
  } >"$BENCH/RESULTS.md"
  echo "wrote bench/RESULTS.md" >&2
fi
