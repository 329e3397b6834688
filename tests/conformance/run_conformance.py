#!/usr/bin/env python3
"""Replays every golden under tests/conformance/goldens/ against the emulator binary
($BEDROCK_EMULATOR_BIN, started on a random 127.0.0.1 port) and compares answer shapes.

A real shape difference (missing or unexpected key, wrong type, wrong enum value, status,
header, event sequence) fails, with one line per difference: golden, path, expected, got.
A difference that only depends on what the model chose to say (stop reason, which content
blocks) is listed apart as a model-choice note and does not fail.
Ends with a summary per family and operation, and exits non-zero on any failure.

Usage: run_conformance.py [-q] [-k SUBSTRING]   (-q: print only failures and the summary)
"""
import argparse
import collections
import glob
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "sdk", "python"))

import harness  # noqa: E402  (tests/sdk/python: starts and stops the binary)
from replay import send  # noqa: E402
from shapes import Result, check_sums, compare, keys_sorted  # noqa: E402
from streams import compare_stream  # noqa: E402

GOLDENS = os.path.join(HERE, "goldens")


def load_goldens(pattern=None):
    goldens = []
    for path in sorted(glob.glob(os.path.join(GOLDENS, "*", "*.json"))):
        name = os.path.relpath(path, GOLDENS)[:-len(".json")]
        if pattern and pattern not in name:
            continue
        with open(path, encoding="utf-8") as f:
            golden = json.load(f)
        golden["name"] = name
        goldens.append(golden)
    return goldens


def retired_model_ids():
    """Foundation model ids the catalog marks retired (lifecycle eol)."""
    with open(os.path.join(HERE, "..", "..", "emulator", "data", "models.json"), encoding="utf-8") as f:
        catalog = json.load(f)
    return {m["id"] for m in catalog["models"] if "lifecycle" in m}


def replays_retired_as_live(golden, retired):
    """A golden of a model retired since its recording (a 200 then, a 404 today) is replayed
    with retired models served as live: it records how the model answered while it was live.
    A golden of the end-of-life answer itself (status 404) is replayed against the lifecycle."""
    request = golden["request"]
    model_id = request.get("modelId") or request.get("body", {}).get("modelId")
    if not model_id:
        model_id = golden.get("setup", {}).get("startAsync", {}).get("modelId")
    if not model_id:
        return False  # no model: ApplyGuardrail, or a listing of what a setup started
    bare = model_id.split(".", 1)[1] if model_id.split(".", 1)[0] in PROFILE_PREFIXES else model_id
    return bare in retired and golden["expect"]["status"] != 404


# Cross-region inference profile prefixes ("us.<model id>").
PROFILE_PREFIXES = {"us", "eu", "apac", "global", "jp", "au", "ca", "us-gov"}


def compare_headers(spec, headers, result):
    for name in spec.get("present", []):
        if name.lower() not in headers:
            result.fail(f"header {name}", "present", "missing")
    for name in spec.get("absent", []):
        if name.lower() in headers:
            result.fail(f"header {name}", "absent", f"present ({headers[name.lower()]!r})")
    for prefix in spec.get("absentPrefix", []):
        for name in headers:
            if name.startswith(prefix.lower()):
                result.fail(f"header {name}", f"no {prefix}* header", "present")
    for name, shape in spec.get("values", {}).items():
        if name.lower() in headers:
            compare(shape, headers[name.lower()], f"header {name}", result)
        else:
            result.fail(f"header {name}", "present", "missing")


def judge(golden, reply):
    """Everything that differs between the golden's expectation and the reply."""
    expect = golden["expect"]
    result = Result()
    if reply.status != expect["status"]:
        body = reply.raw[:200].decode(errors="replace")
        result.fail("status", str(expect["status"]), f"{reply.status} {body}")
        return result
    compare_headers(expect.get("headers", {}), reply.headers, result)
    if "events" in expect:
        compare_stream(expect["events"], reply.events or [], result)
        return result
    body = reply.json()
    if body is None:
        result.fail("body", "a JSON document", repr(reply.raw[:120]))
        return result
    compare(expect["body"], body, "", result)
    check_sums(expect.get("sums"), body, result)
    if expect.get("sortedKeys"):
        for keys in keys_sorted(reply.raw.decode()):
            result.fail("body", "keys in alphabetical order", keys)
    return result


def apply_setup(emulator, golden):
    """Scripted answers the golden needs (an error the real service gave under load, a guardrail
    the recording's account had); every golden starts from a reset emulator."""
    emulator.request("POST", "/_emulator/reset")
    scenario = golden.get("setup", {}).get("scenario")
    if scenario:
        status, _, body = emulator.request("POST", "/_emulator/scenarios", scenario)
        if status != 200:
            raise RuntimeError(f"{golden['name']}: scenario not loaded: {status} {body[:200]!r}")


def with_started_invocation(port, golden, request):
    """setup.startAsync: a StartAsyncInvoke body sent first; "{invocationArn}" in the request
    then names the invocation it started (GetAsyncInvoke of a fresh invocation)."""
    start = golden.get("setup", {}).get("startAsync")
    if not start:
        return request
    reply = send(port, "StartAsyncInvoke", {"body": start})
    arn = (reply.json() or {}).get("invocationArn")
    if reply.status != 200 or not arn:
        raise RuntimeError(f"StartAsyncInvoke failed: {reply.status} {reply.raw[:200]!r}")
    return json.loads(json.dumps(request).replace("{invocationArn}", arn))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-q", action="store_true")
    parser.add_argument("-k", default=None)
    args = parser.parse_args()
    goldens = load_goldens(args.k)
    if not goldens:
        print("conformance: no goldens found")
        return 1

    started = time.monotonic()
    # Two servers: one that follows the model lifecycle (a retired model answers Bedrock's
    # end-of-life 404), and one that serves retired models as live, for goldens recorded while
    # their model was live (see replays_retired_as_live).
    retired = retired_model_ids()
    servers = {}

    def server_for(golden):
        live = replays_retired_as_live(golden, retired)
        if live not in servers:
            servers[live] = harness.Emulator(serve_retired_models=live).start()
        return servers[live]

    outcomes = []  # (golden, Result)
    as_live = [g["name"] for g in goldens if replays_retired_as_live(g, retired)]
    try:
        for golden in goldens:
            emulator = server_for(golden)
            apply_setup(emulator, golden)
            request = golden["request"]
            try:
                for _ in range(golden.get("setup", {}).get("warmup", 0)):  # e.g. a cache write before the read
                    send(emulator.port, golden["operation"], request)
                request = with_started_invocation(emulator.port, golden, request)
                reply = send(emulator.port, golden["operation"], request)
                result = judge(golden, reply)
            except Exception as error:  # a crash or a dropped connection is a failure, not an abort
                result = Result()
                result.fail("request", "an answer", f"{type(error).__name__}: {error}")
            outcomes.append((golden, result))
    finally:
        for server in servers.values():
            code = server.stop()
            if code not in (0, None):
                print(f"emulator exited with {code}")

    report(outcomes, args.q)
    if as_live:
        print(f"\nreplayed with retired models served as live (recorded before their end of life): "
              f"{', '.join(as_live)}")
    elapsed = time.monotonic() - started
    failed = sum(1 for _, r in outcomes if r.failures)
    print(f"conformance: {len(outcomes) - failed} passed, {failed} failed ({elapsed:.1f} s)")
    return 1 if failed else 0


def report(outcomes, quiet):
    for golden, result in outcomes:
        if result.failures:
            print(f"FAIL {golden['name']}")
            for path, expected, got in result.failures:
                print(f"     {path}: expected {expected}; got {got}")
        elif not quiet:
            print(f"ok   {golden['name']}")
    notes = [(g, c) for g, r in outcomes for c in r.choices]
    if notes:
        print("\nmodel-choice notes (differences in what the model chose to say; not failures):")
        for golden, (path, expected, got) in notes:
            print(f"     {golden['name']}: {path}: recorded {expected}; got {got}")

    table = collections.defaultdict(lambda: [0, 0])
    for golden, result in outcomes:
        cell = table[(golden["family"], golden["operation"])]
        cell[0 if not result.failures else 1] += 1
    print("\ngoldens per family and operation (passed/total):")
    for family in sorted({f for f, _ in table}):
        cells = [f"{op} {p}/{p + f}" for (fam, op), (p, f) in sorted(table.items()) if fam == family]
        print(f"     {family:<12} " + ", ".join(cells))


if __name__ == "__main__":
    sys.exit(main())
