#!/usr/bin/env python3
"""The hardening suite (issue 13): hostile and oversized input against a running emulator.

Starts $BEDROCK_EMULATOR_BIN on 127.0.0.1 (a free port, a temporary --data-dir and
--scenarios folder), runs every case, and after each one asserts what no input may break:
  - the server is alive and answers /_emulator/health and a boto3 Converse within 1 s
    (from other clients, also every 0.25 s while the case runs);
  - VmRSS stays under 300 MB (sampled every 50 ms; cases with a server of their own check
    VmHWM, the peak, too); a server past 1.5 GB is killed so the machine stays healthy;
  - Threads stays under HARDENING_MAX_THREADS (300);
plus what the case itself asserts (a 4xx with the AWS error shape, or a closed connection;
nothing created by an incomplete request; SIGTERM exits within grace + 1 s; ...).

Prints `PASS name` or `FAIL name: reason` per case, then `N passed, N failed`; exits 1 on any
failure. Usage: run_hardening.py [--only REGEX] [--list] [-v]
"""
import argparse
import os
import re
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import server as srv  # noqa: E402
import registry  # noqa: E402
from payloads import SHARED_SCENARIOS  # noqa: E402
from registry import CASES, MAX_THREADS, PROBE_LIMIT_S, RSS_LIMIT_MB, SKIPPED, Context  # noqa: E402
from wire import Failure  # noqa: E402

import cases_input  # noqa: E402,F401  (each module registers its cases)
import cases_transport  # noqa: E402,F401
import cases_state  # noqa: E402,F401
import cases_websocket  # noqa: E402,F401
import cases_control_plane  # noqa: E402,F401
import cases_record_replay  # noqa: E402,F401
import cases_inspector  # noqa: E402,F401

SERVER_DEFAULTS = {"scenarios": SHARED_SCENARIOS, "extra_args": ("--async-complete-after-ms", "200")}


def start_server(kwargs):
    merged = {**SERVER_DEFAULTS, **kwargs}
    return srv.Server(**merged)


def bounded(fn, limit):
    """Runs fn in a thread and waits at most limit + 1 s; None when it succeeded within limit,
    else what went wrong (a client library's own timeouts do not always hold)."""
    outcome = {}

    def run():
        start = time.monotonic()
        try:
            fn()
        except Exception as e:
            outcome["error"] = f"{type(e).__name__}"
        outcome["took"] = time.monotonic() - start
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(limit + 1.0)
    if "took" not in outcome:
        return f"gave no answer within {limit + 1.0:.0f} s"
    if "error" in outcome:
        return f"failed after {outcome['took']:.2f} s ({outcome['error']})"
    if outcome["took"] > limit:
        return f"took {outcome['took']:.2f} s"
    return None


def after_checks(c, server, monitor):
    """What must hold after every case; a list of reasons."""
    problems = []
    if not server.alive():
        return [f"server {server.death()}; stderr: {server.stderr_tail(200)}"]
    for name, probe in (("health", server.probe_health), ("converse", server.probe_converse)):
        problem = bounded(lambda: probe(timeout=PROBE_LIMIT_S), PROBE_LIMIT_S)
        if problem:
            problems.append(f"{name} after the case {problem}")
    st = server.status() or {}
    rss, threads = st.get("VmRSS", 0), st.get("Threads", 0)
    peak = max(monitor.peak_rss, rss)
    if peak > RSS_LIMIT_MB:
        problems.append(f"VmRSS reached {peak:.0f} MB (limit {RSS_LIMIT_MB})")
    if c.fresh and st.get("VmHWM", 0) > RSS_LIMIT_MB:
        problems.append(f"VmHWM {st['VmHWM']:.0f} MB (limit {RSS_LIMIT_MB})")
    top = max(monitor.peak_threads, threads)
    if top > MAX_THREADS:
        problems.append(f"Threads reached {top} (limit {MAX_THREADS}; {threads} after)")
    return problems


def run_case(c, shared, verbose):
    """Runs one case; returns (passed, reason, shared server to keep or None)."""
    try:
        server = start_server(c.server_kwargs) if c.fresh else (shared or start_server({}))
    except Exception as e:
        return False, f"server did not start: {e}", shared
    if not c.fresh:
        shared = server
    monitor = srv.Monitor(server, probe=c.probe, limit_s=PROBE_LIMIT_S)
    ctx = Context(server, monitor)
    outcome = {}

    def body():
        try:
            c.fn(ctx)
        except Failure as e:
            outcome["fail"] = str(e)
        except Exception as e:
            outcome["fail"] = f"{type(e).__name__}: {e}"
            if verbose:
                traceback.print_exc()

    started = time.monotonic()
    worker = threading.Thread(target=body, daemon=True)
    worker.start()
    worker.join(c.timeout)
    monitor.stop()
    reasons = []
    if worker.is_alive():
        reasons.append(f"the case did not end within {c.timeout:.0f} s")
    elif "fail" in outcome:
        reasons.append(outcome["fail"])
    if server.killed_for_rss:
        reasons.insert(0, f"VmRSS passed {server.killed_for_rss:.0f} MB, server killed")
    if c.checks_after:
        reasons += [r for r in after_checks(c, server, monitor) if r not in reasons]
    if monitor.probe_errors:
        reasons.append(f"during the case: {monitor.probe_errors[0]}"
                       + (f" (+{len(monitor.probe_errors) - 1} more)" if len(monitor.probe_errors) > 1 else ""))
    if verbose:
        st = server.status() or {}
        print(f"  [{c.name}] {time.monotonic() - started:.1f} s; peak VmRSS {monitor.peak_rss:.0f} MB, "
              f"VmHWM {st.get('VmHWM', 0):.0f} MB, peak threads {monitor.peak_threads}, "
              f"{monitor.probes} probes, worst {monitor.worst_probe:.2f} s; {'; '.join(ctx.notes)}", flush=True)
    if not c.fresh:
        if reasons or not server.alive():
            server.close()  # a server a case broke or bloated is not reused
            shared = None
        else:
            try:
                server.reset()
            except Exception as e:
                reasons.append(f"reset after the case failed: {e}")
                server.close()
                shared = None
    else:
        server.close()
    return not reasons, "; ".join(reasons), shared


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="run the cases whose name matches this regular expression")
    parser.add_argument("--list", action="store_true", help="print the case names and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="figures per case")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.only or re.search(args.only, c.name)]
    if args.list:
        for c in cases:
            print(c.name)
        return 0
    srv.binary()
    passed = failed = 0
    shared = None
    for c in cases:
        ok, reason, shared = run_case(c, shared, args.verbose)
        if ok:
            passed += 1
            print(f"PASS {c.name}", flush=True)
        else:
            failed += 1
            print(f"FAIL {c.name}: {reason}", flush=True)
    if shared is not None:
        shared.close()
    if not cases:
        failed = 1
    skipped = [name for name in SKIPPED if not args.only or re.search(args.only, name)]
    for name in skipped:
        print(f"SKIP {name}: measures speed or memory given back, not meaningful under a sanitizer")
    print(f"{passed} passed, {failed} failed" + (f", {len(skipped)} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    assert registry.CASES is CASES
    sys.exit(main())
