#!/usr/bin/env python3
"""probe_ransomware.py - the ransomware probe end to end: renames to .locked in a watched
tree arrive at the collector as one critical MI.CVI detection with their count.

A county collector and one agent on 127.0.0.1 in a temp dir; the agent's [ransomware]
probe watches a temp tree (share/, with a subdirectory two levels down) with
burst_count 20, burst_window_s 10 and a scan only every hour (so the detection must come
from the watches). Once the agent watches the tree, the test renames FILES files in
the deepest directory to NAME.locked; within DEADLINE_S `fenghuo-ctl -d COUNTY export
--jsonl` must hold a Detection of probe "ransomware", class MI.CVI, severity critical,
extension locked, affected_count >= 20, with the 附件4 playbook. Exit status 0: pass,
1: fail.
"""
import os
import sys
import time

from fhtest import (PROBE_COUNTY, PROBE_RELAY, Run, collector_and_agent, detections, logged,
                    require_binaries, wait_for)

HOST = PROBE_COUNTY + "/3132000001/fs01"
FILES = 30
BURST = 20
DEADLINE_S = 5.0
WATCH_WAIT_S = 10.0


def main():
    if not require_binaries():
        return 1
    run = Run("probe_ransomware", PROBE_RELAY)
    codes = {}
    try:
        deep = os.path.join(run.dir, "tree", "share", "class1", "docs")
        os.makedirs(deep)
        for i in range(FILES):
            with open(os.path.join(deep, "homework%02d.docx" % i), "w") as f:
                f.write("作业 %d\n" % i)
        county, agent = collector_and_agent(
            run, HOST, "\n[health]\nenabled = false\n"
            "\n[ransomware]\nroot = %s\npaths = /share\nburst_count = %d\n"
            "burst_window_s = 10\nscan_interval_s = 3600\n"
            % (os.path.join(run.dir, "tree"), BURST))
        # The watches follow the first walk (at start) on the probe's next tick.
        watching = logged(agent, "probe ransomware: every", WATCH_WAIT_S, 0.1)
        run.check(bool(watching), "the agent started its ransomware probe")
        time.sleep(1.5)
        t0 = time.monotonic()
        for i in range(FILES):
            p = os.path.join(deep, "homework%02d.docx" % i)
            os.rename(p, p + ".locked")
        run.note("renamed %d files to .locked" % FILES)

        ds = wait_for(lambda: detections(run, county, "ransomware"), DEADLINE_S, 0.2)
        took = time.monotonic() - t0
        if run.check(bool(ds), "a ransomware detection arrives at the collector within "
                     "%.0f s (%.2f s)" % (DEADLINE_S, took)):
            d = ds[0]
            facts = d.get("facts", {})
            run.check(facts.get("source") == "watch", "seen by the watches (source %s)"
                      % facts.get("source"))
            run.check(d["class_code"] == "MI.CVI" and d["severity"] == "SEVERITY_CRITICAL",
                      "class MI.CVI, severity critical (%s, %s)"
                      % (d["class_code"], d["severity"]))
            run.check(facts.get("extension") == "locked"
                      and int(facts.get("affected_count", "0")) >= BURST,
                      "extension locked, affected_count %s >= %d"
                      % (facts.get("affected_count"), BURST))
            run.check("445" in facts.get("playbook", "") and facts.get("tree", "").endswith(
                "/share"), "the 附件4 playbook and the tree are in its facts")
        run.check(agent.alive(), "the agent is still running")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
