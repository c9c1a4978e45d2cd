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
SOURCE = "203.0.113.77"
LINE = ("%s web01 sshd[%d]: Failed password for root from " + SOURCE +
        " port %d ssh2\n")


def detections(run, node):
    out = run.ctl(node.data_dir, "export", "--jsonl") or ""
    return [json.loads(l)["body"] for l in out.splitlines()
            if l.strip() and json.loads(l)["kind"] == "detection"]


def put(root, rel, text, mode="w"):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)
    return path


def main():
    missing = missing_binaries([COLLECTOR, AGENT, CTL])
    if missing:
        print("missing binaries: %s" % ", ".join(missing))
        return 1
    run = Run("probe_auth", RELAY)
    root = os.path.join(run.dir, "root")
    log = put(root, "var/log/auth.log", "")
    put(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
    put(root, "etc/group", "root:x:0:\nsudo:x:27:\n")
    codes = {}
    try:
        (cport,) = free_ports(1)
        county = run.collector("county", COUNTY, cport, None)
        agent = run.agent("agent", HOST, cport, [],
                          "\n[auth]\nroot = %s\ninterval_s = 1\nfail_count = 5\n"
                          "fail_window_s = 60\n" % root)
        county.start()
        wait_for(lambda: county.status(), START_WAIT_S, 0.05)
        agent.start()
        run.check(bool(wait_for(lambda: "probe auth: every" in agent.log_text(),
                                START_WAIT_S, 0.05)), "the auth probe runs")
        stamp = time.strftime("%b %e %H:%M:%S")
        with open(log, "a") as f:
            for i in range(6):
                f.write(LINE % (stamp, 4000 + i, 50000 + i))
        t0 = time.monotonic()
        run.note("6 failed logins from %s appended to %s" % (SOURCE, log))

        def found():
            return [d for d in detections(run, county) if d.get("probe") == "auth"
                    and d.get("facts", {}).get("source") == SOURCE]

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
