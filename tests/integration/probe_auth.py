#!/usr/bin/env python3
"""probe_auth.py - the auth probe end to end: password guessing written to auth.log
arrives at the collector as a brute-force Detection.

A county collector and one agent on 127.0.0.1 in a temp dir. The agent's [auth] probe
has root = a fixture tree in the temp dir (var/log/auth.log, etc/passwd, etc/group),
fail_count 5 within 60 s, interval_s 1. Once the probe runs, the test appends 6
"Failed password" lines from one address; within DEADLINE_S `fenghuo-ctl -d COUNTY
export --jsonl` must hold a Detection of probe "auth", class NAI.ONAI, severity high,
source that address. Nothing of this machine's /var/log or /etc is read.
Exit status 0: pass, 1: fail.
"""
import os
import sys
import time

from fhtest import (PROBE_COUNTY, PROBE_RELAY, Run, collector_and_agent, detections, logged,
                    require_binaries, wait_for)

HOST = PROBE_COUNTY + "/3132000001/web01"
DEADLINE_S = 5.0
SOURCE = "203.0.113.77"
LINE = ("%s web01 sshd[%d]: Failed password for root from " + SOURCE +
        " port %d ssh2\n")


def put(root, rel, text, mode="w"):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)
    return path


def main():
    if not require_binaries():
        return 1
    run = Run("probe_auth", PROBE_RELAY)
    root = os.path.join(run.dir, "root")
    log = put(root, "var/log/auth.log", "")
    put(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
    put(root, "etc/group", "root:x:0:\nsudo:x:27:\n")
    codes = {}
    try:
        county, agent = collector_and_agent(
            run, HOST, "\n[auth]\nroot = %s\ninterval_s = 1\nfail_count = 5\n"
            "fail_window_s = 60\n" % root)
        run.check(logged(agent, "probe auth: every"), "the auth probe runs")
        stamp = time.strftime("%b %e %H:%M:%S")
        with open(log, "a") as f:
            for i in range(6):
                f.write(LINE % (stamp, 4000 + i, 50000 + i))
        t0 = time.monotonic()
        run.note("6 failed logins from %s appended to %s" % (SOURCE, log))

        def found():
            return [d for d in detections(run, county, "auth")
                    if d.get("facts", {}).get("source") == SOURCE]

        got = wait_for(found, DEADLINE_S, 0.2)
        if run.check(bool(got), "the brute force arrives at the collector within %.0f s "
                     "(%.1f s)" % (DEADLINE_S, time.monotonic() - t0)):
            d = got[0]
            run.check(d["class_code"] == "NAI.ONAI" and d["severity"] == "SEVERITY_HIGH",
                      "it is NAI.ONAI at high (got %s %s)" % (d["class_code"], d["severity"]))
        run.check(agent.alive(), "the agent is still running")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
