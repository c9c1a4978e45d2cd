#!/usr/bin/env python3
"""probe_ids.py - the ids probe end to end: Suricata alerts in eve.json arrive at the
collector as Detections, across a rotation of the file.

A county collector and one agent on 127.0.0.1 in a temp dir; the agent's [ids] probe has
root = a fixture tree (var/log/suricata/eve.json), interval_s 1. Once the probe runs the
test appends an alert (Web Application Attack, severity 1) from one address, then
rotates the file the way logrotate does without copytruncate (mv eve.json eve.json.1, a
new eve.json) and writes a second alert (A Network Trojan was detected) from another
address to the new file. Within DEADLINE_S both must be at the collector: NAI.VAI and
MI.THI, probe "ids". Exit status 0: pass, 1: fail.
"""
import json
import os
import sys
import time

from fhtest import (PROBE_COUNTY, PROBE_RELAY, Run, collector_and_agent, detections, logged,
                    require_binaries, wait_for)

HOST = PROBE_COUNTY + "/3132000001/web01"
DEADLINE_S = 5.0
ROTATE_GAP_S = 0.3            # the first alert is written a little before the rotation


def alert(sid, category, src):
    return json.dumps({
        "timestamp": "2025-11-25T10:00:00.000000+0800", "event_type": "alert",
        "src_ip": src, "src_port": 40000, "dest_ip": "10.1.2.3", "dest_port": 80,
        "proto": "TCP", "alert": {"action": "allowed", "signature_id": sid, "rev": 1,
                                  "signature": "test signature %d" % sid,
                                  "category": category, "severity": 1}}) + "\n"


def main():
    if not require_binaries():
        return 1
    run = Run("probe_ids", PROBE_RELAY)
    root = os.path.join(run.dir, "root")
    os.makedirs(os.path.join(root, "var/log/suricata"))
    eve = os.path.join(root, "var/log/suricata/eve.json")
    open(eve, "w").close()
    codes = {}
    try:
        county, agent = collector_and_agent(run, HOST,
                                            "\n[ids]\nroot = %s\ninterval_s = 1\n" % root)
        run.check(logged(agent, "probe ids: every"), "the ids probe runs")
        with open(eve, "a") as f:
            f.write(alert(2000001, "Web Application Attack", "203.0.113.1"))
        time.sleep(ROTATE_GAP_S)
        os.rename(eve, eve + ".1")
        with open(eve, "w") as f:
            f.write(alert(2000002, "A Network Trojan was detected", "203.0.113.2"))
        t0 = time.monotonic()
        run.note("one alert written, eve.json rotated, one alert in the new file")

        def found():
            ds = {d.get("facts", {}).get("src_ip"): d for d in detections(run, county, "ids")}
            return ds if "203.0.113.1" in ds and "203.0.113.2" in ds else None

        got = wait_for(found, DEADLINE_S, 0.2)
        if run.check(bool(got), "both alerts arrive at the collector within %.0f s (%.1f s)"
                     % (DEADLINE_S, time.monotonic() - t0)):
            run.check(got["203.0.113.1"]["class_code"] == "NAI.VAI"
                      and got["203.0.113.2"]["class_code"] == "MI.THI",
                      "the web attack is NAI.VAI, the trojan MI.THI")
            run.check(got["203.0.113.1"]["severity"] == "SEVERITY_HIGH",
                      "Suricata severity 1 is high")
        run.check(agent.alive(), "the agent is still running")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
