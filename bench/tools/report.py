#!/usr/bin/env python3
"""Results of bench/run.sh: parse what wrk, h2load and stream_bench print, keep one JSON object
per figure in a results file (JSON lines), and render the table with ratios and targets.

  report.py wrk     RESULTS ID SERVER LABEL CMD OUTFILE
  report.py h2load  RESULTS ID SERVER LABEL CMD OUTFILE LOGFILE
  report.py kv      RESULTS ID SERVER LABEL CMD "key=value key=value ..."
  report.py note    RESULTS ID SERVER LABEL "text"          (a figure that could not be measured)
  report.py render  RESULTS MACHINE_JSON                      (markdown on stdout)
"""
import json
import re
import sys

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text.strip())
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def append(path, obj):
    with open(path, "a") as f:
        f.write(json.dumps(obj) + "\n")


def parse_wrk(text):
    out = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else None
    for pct in ("50", "90", "99"):
        m = re.search(r"^\s+%s(?:\.0+)?%%\s+(\S+)" % pct, text, re.M)
        out["p%s_ms" % pct] = to_ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    out["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    non2xx = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    sock = sum(int(x) for x in m.groups()) if m else 0
    out["errors"] = non2xx + sock
    out["non2xx"] = non2xx
    out["socket_errors"] = sock
    return out


def parse_h2load(text, log_path):
    out = {}
    m = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text)
    out["rps"] = float(m.group(1)) if m else None
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", text)
    if m:
        out["requests"] = int(m.group(3))
        out["errors"] = int(m.group(5)) + int(m.group(6)) + int(m.group(7))
    m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    if m:
        out["non2xx"] = int(m.group(3)) + int(m.group(4))
        out["errors"] = out.get("errors", 0) + out["non2xx"]
    durations = []
    try:
        with open(log_path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    durations.append(int(parts[2]) / 1000.0)  # microseconds -> ms
    except OSError:
        pass
    durations.sort()
    if durations:
        for pct in (50, 90, 99):
            out["p%d_ms" % pct] = durations[min(len(durations) - 1, int(round(pct / 100.0 * (len(durations) - 1))))]
    return out


def add_cpu(out, text):
    """server_cpu_ticks / clk_tck appended by run.sh: the server's CPU time per request."""
    m = re.search(r"server_cpu_ticks=(-?\d+) clk_tck=(\d+)(?: cpu_scale=([\d.]+))?", text)
    if m and out.get("requests"):
        scale = float(m.group(3)) if m.group(3) else 1.0
        out["cpu_us_per_req"] = int(m.group(1)) * 1e6 / int(m.group(2)) * scale / out["requests"]
    return out


def parse_kv(text):
    out = {}
    for token in text.split():
        if "=" not in token:
            continue
        k, v = token.split("=", 1)
        try:
            out[k] = float(v) if re.match(r"^-?[\d.]+$", v) else v
        except ValueError:
            out[k] = v
    return out


# ---------------------------------------------------------------- render

def load(path):
    rows = {}
    order = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            key = (r["id"], r["server"])
            if key not in rows:
                order.append(key)
            rows[key] = r
    return rows, order


def num(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if digits == 0:
        return "{:,.0f}".format(v)
    return "{:,.{d}f}".format(v, d=digits)


def ms(v):
    if v is None:
        return "–"
    return "%.2f" % v if v < 10 else "%.1f" % v if v < 100 else "%.0f" % v


SERVERS = [("emulator", "emulator"), ("bare", "bare cpp-httplib"), ("moto", "moto_server"),
           ("aimock", "aimock"), ("wiremock", "WireMock")]


def render(results_path, machine_path):
    rows, order = load(results_path)
    machine = json.load(open(machine_path))
    commands = []

    def cref(r):
        if not r or not r.get("cmd"):
            return ""
        commands.append(r["cmd"])
        return "[%d]" % len(commands)

    def get(id_, server="emulator"):
        return rows.get((id_, server))

    def val(id_, field, server="emulator"):
        r = get(id_, server)
        return None if not r else r.get(field)

    lines = []
    targets = []  # (target text, value text, met)

    def target(text, value, met):
        targets.append((text, value, "n/a" if met is None else ("met" if met else "NOT met")))

    lines.append("Machine: %s · %s cores · %s · load average at start %s · %s" % (
        machine.get("cpu"), machine.get("nproc"), machine.get("memory"), machine.get("loadavg"),
        machine.get("date")))
    lines.append("")

    # ---- unary, HTTP/1.1, side by side
    lines.append("### Unary, HTTP/1.1 keep-alive (wrk, 2 threads, 16 connections, %ss each)" %
                 machine.get("duration"))
    lines.append("")
    lines.append("| operation | server | req/s | p50 ms | p99 ms | errors | server CPU µs/req | emulator ÷ this (req/s) | cmd |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for op_id, op in (("h1_converse", "Converse"), ("h1_invoke", "InvokeModel")):
        emu = val(op_id, "rps")
        for server, label in SERVERS:
            r = get(op_id, server)
            if not r:
                continue
            if r.get("note"):
                lines.append("| %s | %s | %s | | | | | | |" % (op, label, r["note"]))
                continue
            ratio = "" if server == "emulator" or not emu or not r.get("rps") else "%.2f×" % (emu / r["rps"])
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                op, label, num(r.get("rps")), ms(r.get("p50_ms")), ms(r.get("p99_ms")),
                num(r.get("errors")), num(r.get("cpu_us_per_req")), ratio, cref(r)))
    lines.append("")

    for op_id, op in (("h1_converse", "Converse"), ("h1_invoke", "InvokeModel")):
        emu = val(op_id, "rps")
        bare = val(op_id, "rps", "bare")
        moto = val(op_id, "rps", "moto")
        p99 = val(op_id, "p99_ms")
        if emu and bare:
            target("%s HTTP/1.1 req/s ≥ 1.0× bare cpp-httplib" % op, "%.2f× (%s vs %s)" % (emu / bare, num(emu), num(bare)), emu >= bare)
        if p99 is not None:
            target("%s HTTP/1.1 p99 < 2 ms" % op, "%s ms" % ms(p99), p99 < 2.0)
        if emu and moto:
            target("%s HTTP/1.1 req/s ≥ 50× moto" % op, "%.0f× (%s vs %s)" % (emu / moto, num(emu), num(moto)), emu >= 50 * moto)
        elif get(op_id, "moto"):
            target("%s HTTP/1.1 req/s ≥ 50× moto" % op, get(op_id, "moto").get("note", "moto not measured"), None)

    # ---- HTTP/2
    lines.append("### Unary, HTTP/2 h2c (h2load, 2 threads, 16 connections, %ss each)" % machine.get("duration"))
    lines.append("")
    lines.append("| operation | server | streams per connection | req/s | p50 ms | p99 ms | errors | server CPU µs/req | ÷ same server HTTP/1.1 | cmd |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for op_id, op in (("converse", "Converse"), ("invoke", "InvokeModel")):
        for server, label in SERVERS:
            h1 = val("h1_" + op_id, "rps", server)
            for m in (1, 10, 100):
                r = get("h2_%s_m%d" % (op_id, m), server)
                if not r:
                    continue
                if r.get("note"):
                    lines.append("| %s | %s | %d | %s | | | | | | |" % (op, label, m, r["note"]))
                    continue
                ratio = "%.2f×" % (r["rps"] / h1) if h1 and r.get("rps") else ""
                lines.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                    op, label, m, num(r.get("rps")), ms(r.get("p50_ms")), ms(r.get("p99_ms")),
                    num(r.get("errors")), num(r.get("cpu_us_per_req")), ratio, cref(r)))
                if server == "emulator" and h1 and r.get("rps"):
                    target("%s HTTP/2 -m %d ≥ 0.7× HTTP/1.1" % (op, m),
                           "%.2f× (%s vs %s)" % (r["rps"] / h1, num(r["rps"]), num(h1)), r["rps"] >= 0.7 * h1)
    lines.append("")

    # ---- streams and the rest (emulator only)
    lines.append("### Event streams, resources and async (emulator)")
    lines.append("")
    lines.append("| figure | value | cmd |")
    lines.append("|---|---|---|")

    r = get("ttfe")
    if r:
        if r.get("note"):
            lines.append("| ConverseStream, 1,000 deltas | %s | |" % r["note"])
        else:
            lines.append("| ConverseStream, 1,000 deltas, no latency: time to first event p50 / p99 | %s / %s ms | %s |" % (
                ms(r["ttfe_p50_us"] / 1000), ms(r["ttfe_p99_us"] / 1000), cref(r)))
            lines.append("| … time to last event p50 / p99 (%d events a stream, %d streams) | %s / %s ms | |" % (
                r["events_per_stream"], r["iterations"], ms(r["ttle_p50_us"] / 1000), ms(r["ttle_p99_us"] / 1000)))
            lines.append("| … events per second (one connection) | %s | |" % num(r["events_per_s"]))
            target("time to first event p50 < 1 ms", "%s ms" % ms(r["ttfe_p50_us"] / 1000),
                   r["ttfe_p50_us"] < 1000 and r.get("errors", 0) == 0)
    r = get("ttfe", "aimock")
    if r and not r.get("note"):
        lines.append("| aimock, same 1,000-delta answer: first / last event p50 | %s / %s ms | %s |" % (
            ms(r["ttfe_p50_us"] / 1000), ms(r["ttle_p50_us"] / 1000), cref(r)))

    def lateness_rows(r, prefix):
        lines.append("| %slateness against schedule p50 / p99 / max | %s / %s / %s ms | |" % (
            prefix, ms(r["lateness_p50_ms"]), ms(r["lateness_p99_ms"]), ms(r["lateness_max_ms"])))
        if r.get("first_event_lateness_p50_ms") is not None:
            lines.append("| %s… first event of a stream p50 / p99; last (50th) event p50 / p99 | %s / %s; %s / %s ms | |" % (
                prefix, ms(r["first_event_lateness_p50_ms"]), ms(r["first_event_lateness_p99_ms"]),
                ms(r["last_event_lateness_p50_ms"]), ms(r["last_event_lateness_p99_ms"])))

    nproc = int(machine.get("nproc") or 1)
    max_threads = 4 * nproc + 8

    def threads_target(r, what):
        if r.get("peak_threads") is None:
            return
        target("threads at peak during the 1,000 slow streams (%s) ≤ 4 × %d cores + 8 = %d" % (what, nproc, max_threads),
               num(r["peak_threads"]), r["peak_threads"] <= max_threads)

    r = get("concurrent")
    if r:
        if r.get("note"):
            lines.append("| 1,000 concurrent ConverseStream | %s | |" % r["note"])
        else:
            lines.append("| %s concurrent ConverseStream, 50 events 20 ms apart: completed / errors | %s / %s (%s) | %s |" % (
                num(r["connections"]), num(r["completed"]), num(r["errors"]), r.get("error_kinds", ""), cref(r)))
            lines.append("| … total wall time | %s ms | |" % num(r["wall_ms"]))
            lateness_rows(r, "… ")
            if r.get("peak_rss_kb") is not None:
                lines.append("| … server peak RSS (VmHWM) / threads at peak (just before the test) | %s MB / %s (%s) | |" % (
                    num(r["peak_rss_kb"] / 1024, 1), num(r.get("peak_threads")), num(r.get("threads_before"))))
            if r.get("listen_overflows") is not None:
                lines.append("| … kernel listen-queue overflows during the test (TcpExtListenOverflows) | %s | |" % num(r["listen_overflows"]))
            target("1,000 slow streams: zero errors", "%s errors" % num(r["errors"]), r["errors"] == 0)
            target("1,000 slow streams: p99 lateness < 10 ms", "%s ms" % ms(r["lateness_p99_ms"]), r["lateness_p99_ms"] < 10)
            threads_target(r, "HTTP/1.1")
    h1 = r if r and not r.get("note") else None
    for shape, text in (("10x100", "10 connections × 100 streams"), ("1000x1", "1,000 connections × 1 stream")):
        h2 = get("h2_concurrent_" + shape)
        if not h2:
            continue
        if h2.get("note"):
            lines.append("| 1,000 slow ConverseStream over HTTP/2 h2c, %s | %s | |" % (text, h2["note"]))
            continue
        lines.append("| 1,000 slow ConverseStream over HTTP/2 h2c, %s: completed / errors | %s / %s (%s) | %s |" % (
            text, num(h2["completed"]), num(h2["errors"]), h2.get("error_kinds", ""), cref(h2)))
        lines.append("| … (HTTP/2 %s) total wall time | %s ms | |" % (shape, num(h2["wall_ms"])))
        lateness_rows(h2, "… (HTTP/2 %s) " % shape)
        lines.append("| … (HTTP/2 %s) server peak RSS (VmHWM) / threads at peak (just before the test) | %s MB / %s (%s) | |" % (
            shape, num(h2.get("peak_rss_kb", 0) / 1024, 1), num(h2.get("peak_threads")), num(h2.get("threads_before"))))
        ratio = None
        if h1 and h1.get("lateness_p99_ms"):
            ratio = h2["lateness_p99_ms"] / max(h1["lateness_p99_ms"], 0.001)
            partial = "" if h2["errors"] == 0 else "; only %s of %s streams completed, so not comparable" % (num(h2["completed"]), num(h2["streams"]))
            lines.append("| … (HTTP/2 %s) p99 lateness, HTTP/2 ÷ HTTP/1.1 | %.2f× (%s vs %s ms%s) | |" % (
                shape, ratio, ms(h2["lateness_p99_ms"]), ms(h1["lateness_p99_ms"]), partial))
        target("1,000 slow streams over HTTP/2 (%s): zero errors" % text, "%s errors" % num(h2["errors"]), h2["errors"] == 0)
        if ratio is not None:
            target("1,000 slow streams over HTTP/2 (%s): p99 lateness ≤ HTTP/1.1's" % text,
                   "%.2f× (%s vs %s ms)%s" % (ratio, ms(h2["lateness_p99_ms"]), ms(h1["lateness_p99_ms"]),
                                             "" if h2["errors"] == 0 else "; %s errors" % num(h2["errors"])),
                   h2["errors"] == 0 and ratio <= 1.0)
        threads_target(h2, "HTTP/2 %s" % shape)
    b = get("concurrent", "bare")
    if b:
        if b.get("note"):
            lines.append("| bare cpp-httplib, the same 1,000 slow streams | %s | |" % b["note"])
        else:
            lines.append("| bare cpp-httplib (a thread per stream, sleeping between frames), the same streams: completed / errors / wall | %s / %s (%s) / %s ms | %s |" % (
                num(b["completed"]), num(b["errors"]), b.get("error_kinds", ""), num(b["wall_ms"]), cref(b)))
            lateness_rows(b, "… (bare) ")
            if b.get("peak_rss_kb") is not None:
                lines.append("| … (bare) peak RSS (VmHWM) | %s MB | |" % num(b["peak_rss_kb"] / 1024, 1))
            if r and not r.get("note") and b.get("lateness_p99_ms"):
                lines.append("| p99 lateness, bare ÷ emulator | %.1f× | |" % (b["lateness_p99_ms"] / max(r["lateness_p99_ms"], 0.001)))

    r = get("startup")
    if r:
        lines.append("| start-up to a healthy answer p50 (min–max, %d runs) | %s ms (%s–%s) | %s |" % (
            r["runs"], ms(r["startup_p50_ms"]), ms(r["startup_min_ms"]), ms(r["startup_max_ms"]), cref(r)))
        lines.append("| … of which until the listening line | %s ms | |" % ms(r["listening_p50_ms"]))
        target("start-up < 100 ms", "%s ms" % ms(r["startup_p50_ms"]), r["startup_p50_ms"] < 100)
    r = get("idle_rss")
    if r:
        lines.append("| idle RSS (after start, no requests) | %s MB | %s |" % (num(r["rss_kb"] / 1024, 1), cref(r)))
        target("idle RSS < 15 MB", "%s MB" % num(r["rss_kb"] / 1024, 1), r["rss_kb"] < 15 * 1024)
    r = get("load_rss")
    if r:
        lines.append("| RSS under unary load (max sampled during the HTTP/1.1 and HTTP/2 runs) | %s MB (threads: %s) | |" % (
            num(r.get("rss_kb", 0) / 1024, 1), num(r.get("threads"))))
    r = get("after_rss")
    if r:
        lines.append("| RSS at the end of the run | %s MB (threads: %s) | |" % (num(r["rss_kb"] / 1024, 1), num(r.get("threads"))))

    r = get("async_start")
    if r:
        if r.get("note"):
            lines.append("| StartAsyncInvoke per second, 8 connections | %s | %s |" % (r["note"], cref(r)))
            target("StartAsyncInvoke > 2,000/s", r["note"], None)
        else:
            lines.append("| StartAsyncInvoke per second, 8 connections (%s requests, p50 %s ms, p99 %s ms) | %s/s | %s |" % (
                num(r["requests"]), ms(r["p50_ms"]), ms(r["p99_ms"]), num(r["ok_per_s"]), cref(r)))
            target("StartAsyncInvoke > 2,000/s", "%s/s" % num(r["ok_per_s"]), r["ok_per_s"] > 2000)
    r = get("async_list")
    if r:
        if r.get("note"):
            lines.append("| ListAsyncInvokes, 1,000-row page | %s | %s |" % (r["note"], cref(r)))
            target("ListAsyncInvokes 1,000-row page < 20 ms", r["note"], None)
        else:
            lines.append("| ListAsyncInvokes, %s-row page over %s stored: p50 / p99 (%s bytes) | %s / %s ms | %s |" % (
                num(r.get("rows")), num(r.get("stored")), num(r.get("body_bytes")), ms(r["p50_ms"]), ms(r["p99_ms"]), cref(r)))
            target("ListAsyncInvokes 1,000-row page < 20 ms (p50)", "%s ms" % ms(r["p50_ms"]),
                   r["p50_ms"] < 20 and r.get("rows", 0) >= 1000)
    lines.append("")

    # ---- allocations and allocators
    alloc_rows = [get("allocs", server) for server in ("emulator", "bare")]
    glibc = get("alloc_h1_converse", "glibc")
    if any(alloc_rows) or glibc:
        lines.append("### Allocations and allocators (Converse, HTTP/1.1)")
        lines.append("")
        lines.append("| figure | server | value | cmd |")
        lines.append("|---|---|---:|---|")
    for r in alloc_rows:
        if not r:
            continue
        if r.get("note"):
            lines.append("| allocations per Converse request (heaptrack) | %s | %s | |" % (r["label"], r["note"]))
            continue
        lines.append("| allocations per Converse request (heaptrack: %s requests after %s warm-up; %s − %s calls) | %s | %s | %s |" % (
            num(r["requests"]), num(r["warmup"]), num(r["calls_with_requests"]), num(r["calls_warmup_only"]),
            r["label"], num(r["per_request"], 1), cref(r)))
        if r["server"] == "emulator":
            target("allocations per Converse request ≤ 135 (half of the earlier 270)", "%s" % num(r["per_request"], 1),
                   r["per_request"] <= 135)
    if glibc:
        base = None if glibc.get("note") else glibc.get("rps")
        for server in ("glibc", "jemalloc", "tcmalloc"):
            r = get("alloc_h1_converse", server)
            if not r:
                continue
            if r.get("note"):
                lines.append("| Converse HTTP/1.1 req/s | %s | %s | |" % (r["label"], r["note"]))
                continue
            ratio = ""
            if base and server != "glibc" and r.get("rps"):
                ratio = " (%.2f× glibc" % (r["rps"] / base)
                base_cpu, cpu = glibc.get("cpu_us_per_req"), r.get("cpu_us_per_req")
                if base_cpu and cpu:
                    ratio += "; CPU per request %.2f× glibc's" % (cpu / base_cpu)
                ratio += ")"
                target("Converse HTTP/1.1 with %s ÷ glibc malloc (informational: would linking it pay?)" % server,
                       "%.2f× (%s vs %s req/s)" % (r["rps"] / base, num(r["rps"]), num(base)), None)
            lines.append("| Converse HTTP/1.1 req/s, p99, server CPU µs/req | %s | %s%s, %s ms, %s µs | %s |" % (
                r["label"], num(r.get("rps")), ratio, ms(r.get("p99_ms")), num(r.get("cpu_us_per_req")), cref(r)))
    if any(alloc_rows) or glibc:
        lines.append("")

    # ---- targets
    lines.append("### Targets")
    lines.append("")
    lines.append("| target | measured | |")
    lines.append("|---|---|---|")
    for t in targets:
        lines.append("| %s | %s | %s |" % t)
    lines.append("")
    lines.append("### Commands")
    lines.append("")
    lines.append("PORT is the port each server was started on; bodies and scenarios are in bench/.")
    lines.append("")
    for i, c in enumerate(commands, 1):
        lines.append("- [%d] `%s`" % (i, c))
    print("\n".join(lines))


def main():
    cmd = sys.argv[1]
    if cmd == "render":
        render(sys.argv[2], sys.argv[3])
        return
    results, id_, server, label = sys.argv[2:6]
    base = {"id": id_, "server": server, "label": label}
    if cmd == "note":
        base["note"] = sys.argv[6]
        append(results, base)
        return
    base["cmd"] = sys.argv[6]
    if cmd == "wrk":
        text = open(sys.argv[7]).read()
        base.update(add_cpu(parse_wrk(text), text))
    elif cmd == "h2load":
        text = open(sys.argv[7]).read()
        base.update(add_cpu(parse_h2load(text, sys.argv[8]), text))
    elif cmd == "kv":
        base.update(parse_kv(sys.argv[7]))
        for extra in sys.argv[8:]:
            base.update(parse_kv(extra))
    append(results, base)
    print(json.dumps(base))


if __name__ == "__main__":
    main()
