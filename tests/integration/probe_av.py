#!/usr/bin/env python3
"""probe_av.py - the av probe end to end: a ClamAV "FOUND" line arrives at the collector
as an MI Detection.

A county collector and one agent on 127.0.0.1 in a temp dir; the agent's [av] probe has
root = a fixture tree (var/log/clamav/clamav.log, and var/lib/clamav with a fresh
daily.cld so the signature age is no finding), interval_s 1. Once the probe runs the test
appends a clamd line "-> /home/t/invoice.exe: Win.Trojan.Agent-1 FOUND"; within
DEADLINE_S the collector must hold a Detection of probe "av", class MI.THI, severity
high, path and signature as written. Exit status 0: pass, 1: fail.
"""
import json
import os
import sys
import time

from fhtest import AGENT, COLLECTOR, CTL, Run, free_ports, missing_binaries, wait_for

COUNTY = "320000/320100/320102"
HOST = COUNTY + "/3132000001/web01"
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 1000}
DEADLINE_S = 5.0
START_WAIT_S = 10.0
PATH = "/home/t/invoice.exe"
SIG = "Win.Trojan.Agent-1"


def detections(run, node):
    out = run.ctl(node.data_dir, "export", "--jsonl") or ""
    return [json.loads(l)["body"] for l in out.splitlines()
            if l.strip() and json.loads(l)["kind"] == "detection"]


def main():
    missing = missing_binaries([COLLECTOR, AGENT, CTL])
    if missing:
        print("missing binaries: %s" % ", ".join(missing))
        return 1
    run = Run("probe_av", RELAY)
    root = os.path.join(run.dir, "root")
    os.makedirs(os.path.join(root, "var/log/clamav"))
    os.makedirs(os.path.join(root, "var/lib/clamav"))
    log = os.path.join(root, "var/log/clamav/clamav.log")
    open(log, "w").close()
    open(os.path.join(root, "var/lib/clamav/daily.cld"), "w").close()
    codes = {}
    try:
        (cport,) = free_ports(1)
        county = run.collector("county", COUNTY, cport, None)
        agent = run.agent("agent", HOST, cport, [],
                          "\n[av]\nroot = %s\ninterval_s = 1\n" % root)
        county.start()
        wait_for(lambda: county.status(), START_WAIT_S, 0.05)
        agent.start()
        run.check(bool(wait_for(lambda: "probe av: every" in agent.log_text(),
                                START_WAIT_S, 0.05)), "the av probe runs")
        with open(log, "a") as f:
            f.write("%s -> %s: %s FOUND\n" % (time.strftime("%a %b %e %H:%M:%S %Y"), PATH, SIG))
        t0 = time.monotonic()
        run.note("a FOUND line appended to %s" % log)

        def found():
            return [d for d in detections(run, county) if d.get("probe") == "av"]

        got = wait_for(found, DEADLINE_S, 0.2)
        if run.check(bool(got), "the finding arrives at the collector within %.0f s (%.1f s)"
                     % (DEADLINE_S, time.monotonic() - t0)):
            d = got[0]
            run.check(d["class_code"] == "MI.THI" and d["severity"] == "SEVERITY_HIGH",
                      "it is MI.THI at high (got %s %s)" % (d["class_code"], d["severity"]))
            run.check(d.get("facts", {}).get("path") == PATH
                      and d["facts"].get("signature") == SIG, "with its path and signature")
            run.check(len(got) == 1, "and nothing else (the fresh database is no finding)")
        run.check(agent.alive(), "the agent is still running")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
