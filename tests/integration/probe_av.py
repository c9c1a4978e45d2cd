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
import os
import sys
import time

from fhtest import (PROBE_COUNTY, PROBE_RELAY, Run, collector_and_agent, detections, logged,
                    require_binaries, wait_for)

HOST = PROBE_COUNTY + "/3132000001/web01"
DEADLINE_S = 5.0
PATH = "/home/t/invoice.exe"
SIG = "Win.Trojan.Agent-1"


def main():
    if not require_binaries():
        return 1
    run = Run("probe_av", PROBE_RELAY)
    root = os.path.join(run.dir, "root")
    os.makedirs(os.path.join(root, "var/log/clamav"))
    os.makedirs(os.path.join(root, "var/lib/clamav"))
    log = os.path.join(root, "var/log/clamav/clamav.log")
    open(log, "w").close()
    open(os.path.join(root, "var/lib/clamav/daily.cld"), "w").close()
    codes = {}
    try:
        county, agent = collector_and_agent(run, HOST,
                                            "\n[av]\nroot = %s\ninterval_s = 1\n" % root)
        run.check(logged(agent, "probe av: every"), "the av probe runs")
        with open(log, "a") as f:
            f.write("%s -> %s: %s FOUND\n" % (time.strftime("%a %b %e %H:%M:%S %Y"), PATH, SIG))
        t0 = time.monotonic()
        run.note("a FOUND line appended to %s" % log)

        got = wait_for(lambda: detections(run, county, "av"), DEADLINE_S, 0.2)
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
