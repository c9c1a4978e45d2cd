#!/usr/bin/env python3
"""benchlib.py - the small measuring and reporting steps of tests/bench/run.

    benchlib.py proc PID                      one JSON line: VmRSS, VmHWM (KiB), CPU s
    benchlib.py stored CTL DIR                reports_stored of the node whose store is DIR
    benchlib.py status CTL DIR [KEY]          its `fenghuo-ctl --json status`, or one value
                                              of it (KEY like counters.generated)
    benchlib.py drain CTL DIR N WAIT_S T0     poll DIR's reports_stored until it reaches N
                                              (at most WAIT_S s); times relative to T0
                                              (a time.time() value): one JSON line
    benchlib.py busy                          CPU seconds the whole machine has been busy
                                              (all cores, /proc/stat: all but idle, iowait)
    benchlib.py syslog-feed PORT N BODY OUT WAIT_S
                                              send N syslog lines with BODY-byte
                                              messages over one TCP connection to
                                              127.0.0.1:PORT, poll the file OUT until it
                                              holds N lines (at most WAIT_S s): one JSON line
    benchlib.py summarize FIGURE RUNS OUT MACHINE PARAMS
                                              median/min/max of FIGURE's metrics over
                                              the runs (JSON lines in RUNS), written to
                                              OUT with the machine facts; prints the
                                              figure's rows of the table

Only the standard library: this runs wherever tests/run runs.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc(pid):
    """RSS, peak RSS (KiB) and CPU seconds of a live process: cpu_s from utime + stime
    (clock ticks, 10 ms each), cpu_sched_s from the scheduler's nanosecond run time of
    each of its threads (precise enough for an idle agent), runq_wait_s the time its
    threads were runnable but waiting for a CPU (schedstat's second field)."""
    out = {"pid": int(pid)}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key.lower() + "_kib"] = int(val.split()[0])
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    # fields[0] is field 3 (state): utime is field 14, stime field 15.
    out["cpu_s"] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    ns = wait = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                v = f.read().split()
            ns += int(v[0])
            wait += int(v[1])
        except (OSError, ValueError, IndexError):
            pass
    out["cpu_sched_s"] = ns / 1e9
    out["runq_wait_s"] = wait / 1e9   # runnable, waiting for a CPU (all its threads)
    out["time"] = time.time()
    return out


def stored(ctl, data_dir):
    r = subprocess.run([ctl, "-d", data_dir, "--json", "status"], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 0:
        return -1
    return int(json.loads(r.stdout)["reports_stored"])


def status(ctl, data_dir):
    r = subprocess.run([ctl, "-d", data_dir, "--json", "status"], capture_output=True,
                       text=True, timeout=30)
    return json.loads(r.stdout) if r.returncode == 0 else {}


def drain(ctl, data_dir, n, wait_s, t0):
    """Poll until the node has stored n reports; when the first and the last arrived."""
    deadline = time.time() + wait_s
    first = first_n = done = None
    samples = []
    while time.time() < deadline:
        got = stored(ctl, data_dir)
        now = time.time()
        samples.append([round(now - t0, 3), got])
        if first is None and got > 0:
            first, first_n = now, got
        if got >= n:
            done = now
            break
        time.sleep(0.2)
    out = {"reports": n, "stored_at_end": samples[-1][1] if samples else 0,
           "complete": done is not None, "samples": samples}
    if first is not None:
        out["first_seen_after_s"] = round(first - t0, 3)
    if done is not None:
        out["all_stored_after_s"] = round(done - t0, 3)
        out["drain_rate_per_s"] = round(n / (done - t0))
        if done > first:
            out["steady_rate_per_s"] = round((n - first_n) / (done - first))
    return out


def busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is inside user already)
    return round((sum(v[:8]) - v[3] - v[4]) / CLK_TCK, 2)


def syslog_feed(port, n, body_bytes, out_file, wait_s):
    """Figure 5's load for rsyslog: n RFC 5424 lines, each message (MSG) exactly
    body_bytes long and numbered ("seq=000000001 xxx..."), written as fast as TCP takes
    them over one connection into the bottom tier's imptcp input (LF-framed, no
    acknowledgements: what the bottom tier has read is all it is asked to keep). The
    lines are built before the clock starts. Meanwhile the top tier's output file is
    read every 2 ms from where the last read ended and its lines counted; the time of the
    poll that sees line n is the last arrival (late by at most one poll). Afterwards the
    file is checked for duplicates and gaps by the seq numbers."""
    hdr = b"<134>1 2026-11-25T00:00:00.000000Z fh-bench fhbench - - - "
    lines = []
    for i in range(1, n + 1):
        head = b"seq=%09d " % i
        lines.append(hdr + head + b"x" * max(0, body_bytes - len(head)) + b"\n")
    data = b"".join(lines)
    line_bytes = len(lines[0])
    del lines
    sock = socket.create_connection(("127.0.0.1", port), timeout=wait_s)
    sent = {}

    def send():
        view = memoryview(data)
        try:
            for off in range(0, len(data), 65536):
                sock.sendall(view[off:off + 65536])
        except OSError as e:
            sent["error"] = str(e)
        sent["t"] = time.time()

    cpu0 = time.process_time()
    t0 = time.time()
    th = threading.Thread(target=send, daemon=True)
    th.start()
    count, pos, first, last = 0, 0, None, None
    deadline = t0 + wait_s
    while time.time() < deadline:
        try:
            with open(out_file, "rb") as f:
                f.seek(pos)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        now = time.time()
        if chunk:
            pos += len(chunk)
            count += chunk.count(b"\n")
            if first is None:
                first = now
        if count >= n:
            last = now
            break
        time.sleep(0.002)
    th.join(timeout=5)
    cpu = time.process_time() - cpu0
    sock.close()
    end = last if last is not None else time.time()
    out = {"messages": n, "body_bytes": body_bytes, "line_bytes": line_bytes,
           "complete": last is not None, "arrived": count,
           "sent_after_s": round(sent["t"] - t0, 3) if "t" in sent else None,
           "first_arrival_s": round(first - t0, 3) if first is not None else None,
           "elapsed_s": round(end - t0, 3),
           "rate_per_s": round(count / (end - t0)) if end > t0 else 0,
           "feeder_cpu_s": round(cpu, 3),
           "feeder_total_cpu_s": round(time.process_time(), 3)}
    if "error" in sent:
        out["send_error"] = sent["error"]
    seqs = set()
    total = 0
    try:
        with open(out_file, "rb") as f:
            for m in re.finditer(rb"seq=(\d{9}) ", f.read()):
                seqs.add(int(m.group(1)))
                total += 1
    except FileNotFoundError:
        pass
    out["unique"] = len(seqs)
    out["duplicates"] = total - len(seqs)
    out["missing"] = n - len(seqs & set(range(1, n + 1)))
    return out


# ---- summaries ----

def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def per_case(runs, case):
    return [r for r in runs if r.get("case") == case]


def metric(label, unit, runs, fn, fmt="{:,.0f}"):
    vals = []
    for r in runs:
        try:
            v = fn(r)
        except (KeyError, TypeError, ZeroDivisionError):
            v = None
        if v is not None:
            vals.append(v)
    row = {"label": label, "unit": unit, "n": len(vals)}
    if vals:
        row.update(median=statistics.median(vals), min=min(vals), max=max(vals))
    row["fmt"] = fmt
    return row


def rows_ingest(runs, params):
    rows = []
    for case, title in params["cases"]:
        rs = per_case(runs, case)
        lg = lambda k: (lambda r: get(r, "loadgen." + k))
        rows.append(metric(f"1 ingest {title}", "reports/s", rs, lg("rate_acked_per_s")))
        rows.append(metric("    ack latency p50", "ms", rs, lg("ack_latency_ms.p50"),
                           "{:,.1f}"))
        rows.append(metric("    ack latency p99", "ms", rs, lg("ack_latency_ms.p99"),
                           "{:,.1f}"))
        rows.append(metric("    collector CPU per report", "us", rs,
                           lambda r: 1e6 * r["collector"]["cpu_s"] / r["top_reports_stored"],
                           "{:,.2f}"))
        rows.append(metric("    fh-loadgen CPU per report", "us", rs,
                           lambda r: 1e6 * r["loadgen"]["loadgen_cpu_s"] /
                           r["loadgen"]["planned"], "{:,.2f}"))
    return rows


def rows_latency(runs, params):
    w = lambda k: (lambda r: get(r, "loadgen.store_watch.latency_ms." + k))
    a = lambda k: (lambda r: get(r, "loadgen.ack_latency_ms." + k))
    return [
        metric("2 e2e 4 tiers: origin -> durable at top p50", "ms", runs, w("p50"),
               "{:,.1f}"),
        metric("    p99", "ms", runs, w("p99"), "{:,.1f}"),
        metric("    max", "ms", runs, w("max"), "{:,.1f}"),
        metric("    first hop (unit collector) ack p50", "ms", runs, a("p50"), "{:,.2f}"),
        metric("    first hop (unit collector) ack p99", "ms", runs, a("p99"), "{:,.2f}"),
        metric("    offered rate achieved", "reports/s", runs,
               lambda r: get(r, "loadgen.rate_acked_per_s")),
    ]


def rows_drain(runs, params):
    return [
        metric(f"3 drain {params['reports']:,} {params.get('kind', 'report')}s county -> city",
               "reports/s", runs,
               lambda r: r["drain"]["drain_rate_per_s"]),
        metric("    from first arrival (steady)", "reports/s", runs,
               lambda r: r["drain"]["steady_rate_per_s"]),
        metric("    city up -> first report stored", "s", runs,
               lambda r: r["drain"]["first_seen_after_s"], "{:,.2f}"),
        metric("    city up -> all stored", "s", runs,
               lambda r: r["drain"]["all_stored_after_s"], "{:,.2f}"),
        metric("    backlog load at county (parent down)", "reports/s", runs,
               lambda r: r["load"]["rate_acked_per_s"]),
    ]


def rows_agent(runs, params):
    n = [r for r in runs if r.get("phase") == "normal"]
    o = [r for r in runs if r.get("phase") == "outage"]
    win = params["window_s"]
    return [
        metric(f"4 agent RSS, 10 s interval, after {win} s", "MiB", n,
               lambda r: r["end"]["vmrss_kib"] / 1024, "{:,.1f}"),
        metric("    peak RSS (VmHWM)", "MiB", n, lambda r: r["end"]["vmhwm_kib"] / 1024,
               "{:,.1f}"),
        metric("    CPU share of one core (after its first second)", "%", n,
               lambda r: 100 * r["cpu_sched_s"] / r["wall_s"], "{:,.4f}"),
        metric("    CPU per health report", "ms", n,
               lambda r: 1000 * r["cpu_sched_s"] / r["reports_in_window"]
               if r["reports_in_window"] else None, "{:,.2f}"),
        metric(f"4 agent parent down, {params['outage_interval_ms']} ms interval, "
               f"{params['outage_s']} s: RSS at end", "MiB", o,
               lambda r: r["end"]["vmrss_kib"] / 1024, "{:,.1f}"),
        metric("    RSS at start (1 s)", "MiB", o, lambda r: r["start"]["vmrss_kib"] / 1024,
               "{:,.1f}"),
        metric("    peak RSS (VmHWM)", "MiB", o, lambda r: r["end"]["vmhwm_kib"] / 1024,
               "{:,.1f}"),
        metric("    reports waiting in the outbox", "reports", o,
               lambda r: r["outbox_depth"]),
        metric("    = hours of outage at the 10 s interval", "h", o,
               lambda r: r["outbox_depth"] * 10 / 3600, "{:,.1f}"),
        metric("    agent store on disk", "MiB", o, lambda r: r["store_kib"] / 1024,
               "{:,.1f}"),
    ]


def rows_compare(runs, params):
    n = params["messages"]
    sys_runs = {k: [r for r in runs if r.get("system") == k]
                for k in ("fenghuo", "rsyslog-tuned", "rsyslog-default")}
    rate = lambda r: r["rate_per_s"] if r["complete"] else None
    cpu = lambda r: 1e6 * sum(t["cpu_s"] for t in r["tiers"]) / r["arrived"]
    # Other processes: the machine's busy CPU time while the load ran, less the 4 tiers'
    # (counted from their start, so a little more than in that time) and the load's.
    others = lambda r: (r["machine"]["busy_cpu_s"] - sum(t["cpu_s"] for t in r["tiers"]) -
                        (r.get("load_total_cpu_s") or r["load_cpu_s"] or 0)) / \
        r["machine"]["wall_s"]
    titles = {"fenghuo": "fenghuo, durable",
              "rsyslog-tuned": "rsyslog tuned (window 4096)",
              "rsyslog-default": "rsyslog defaults (window 128)"}
    rows = []
    for k, title in titles.items():
        rs = sys_runs[k]
        rows.append(metric(f"5 4 tiers, {n // 1000:,}k x {params['body_bytes']} B: {title}",
                           "msgs/s", rs, rate))
        rows.append(metric("    CPU of the 4 tiers per message", "us", rs, cpu, "{:,.2f}"))
        rows.append(metric("    4 tiers' threads waiting for a CPU (mean number)", "threads",
                           rs, lambda r: sum(t["proc"]["runq_wait_s"] for t in r["tiers"]) /
                           r["elapsed_s"], "{:,.2f}"))
        rows.append(metric("    CPU of the load (incl. polling the top) per msg", "us", rs,
                           lambda r: 1e6 * r["load_cpu_s"] / r["arrived"], "{:,.2f}"))
        rows.append(metric("    CPU of other processes meanwhile (about)", "cores", rs, others,
                           "{:,.2f}"))
    med = {k: statistics.median(v) for k, v in
           ((k, [rate(r) for r in rs if rate(r)]) for k, rs in sys_runs.items()) if v}
    for k, title in (("rsyslog-tuned", "tuned"), ("rsyslog-default", "default")):
        row = {"label": f"    fenghuo / rsyslog {title} (medians; range: per run)",
               "unit": "x", "n": 0, "fmt": "{:,.2f}"}
        pairs = []
        for f in sys_runs["fenghuo"]:
            o = [r for r in sys_runs[k] if r["run"] == f["run"]]
            if o and rate(f) and rate(o[0]):
                pairs.append(rate(f) / rate(o[0]))
        if "fenghuo" in med and k in med and pairs:
            row.update(n=len(pairs), median=med["fenghuo"] / med[k], min=min(pairs),
                       max=max(pairs))
        rows.append(row)
    return rows


ROWS = {"ingest": rows_ingest, "latency": rows_latency, "drain": rows_drain,
        "agent": rows_agent, "compare": rows_compare}


def fmt_row(row):
    f = row["fmt"]
    if row["n"] == 0:
        return f"{row['label']:<58} {'-':>12}   {'(no data)':<25} {row['unit']}"
    rng = f"{f.format(row['min'])} .. {f.format(row['max'])}"
    note = "" if row["n"] >= 3 else f"  (n={row['n']})"
    return f"{row['label']:<58} {f.format(row['median']):>12}   {rng:<25} {row['unit']}{note}"


def summarize(figure, runs_file, out_file, machine_file, params_json):
    runs = []
    with open(runs_file) as f:
        for line in f:
            line = line.strip()
            if line:
                runs.append(json.loads(line))
    with open(machine_file) as f:
        machine = json.load(f)
    params = json.loads(params_json)
    rows = ROWS[figure](runs, params)
    doc = {"figure": figure, "timestamp": machine.get("timestamp"), "machine": machine,
           "params": params, "summary": [{k: v for k, v in r.items() if k != "fmt"}
                                         for r in rows], "runs": runs}
    with open(out_file, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    for r in rows:
        print(fmt_row(r))
    for line in params.get("notes", []):
        print(f"    {line}")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "proc" and len(argv) == 3:
        print(json.dumps(proc(argv[2])))
    elif cmd == "stored" and len(argv) == 4:
        print(stored(argv[2], argv[3]))
    elif cmd == "status" and len(argv) == 4:
        print(json.dumps(status(argv[2], argv[3])))
    elif cmd == "status" and len(argv) == 5:
        print(json.dumps(get(status(argv[2], argv[3]), argv[4])))
    elif cmd == "drain" and len(argv) == 7:
        print(json.dumps(drain(argv[2], argv[3], int(argv[4]), float(argv[5]),
                               float(argv[6]))))
    elif cmd == "busy" and len(argv) == 2:
        print(busy())
    elif cmd == "syslog-feed" and len(argv) == 7:
        print(json.dumps(syslog_feed(int(argv[2]), int(argv[3]), int(argv[4]), argv[5],
                                     float(argv[6]))))
    elif cmd == "summarize" and len(argv) == 7:
        summarize(*argv[2:7])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
