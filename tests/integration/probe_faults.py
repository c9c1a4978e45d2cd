#!/usr/bin/env python3
"""probe_faults.py - a probe that fails is reported upward, and the agent goes on.

    python3 probe_faults.py

One collector, one agent with the patch probe on a fixture dpkg status file. After the
first round the file is replaced by a directory and the agent restarted (the patch
probe's shortest interval is 60 s): its first round now fails, and an FF.SHF detection
"probe patch failing" from probe "agent" reaches the collector, while health keeps
flowing.
"""
import os
import sys
import time

from fhtest import (PROBE_COUNTY, PROBE_RELAY, Run, bodies, collector_and_agent,
                    detections, require_binaries, wait_for)

RELAY = dict(PROBE_RELAY, heartbeat_ms=300)


def main():
    if not require_binaries():
        return 1
    run = Run("probe_faults", RELAY)
    try:
        root = os.path.join(run.dir, "root")
        os.makedirs(os.path.join(root, "var/lib/dpkg"))
        status = run.write("root/var/lib/dpkg/status",
                           "Package: bash\nStatus: install ok installed\nVersion: 5.2\n\n")
        county, agent = collector_and_agent(
            run, PROBE_COUNTY + "/3132000001/web01", "", args=["--interval-ms", "300"],
            patch="enabled = true\nroot = %s\napt_check = false\n" % root)
        run.check(wait_for(lambda: bodies(run, county, "patch"), 10),
                  "the patch probe reports while its file is there")
        os.unlink(status)
        os.mkdir(status)   # there, but not readable as a file: the round fails
        agent.terminate()
        agent.reap(time.monotonic() + 3)
        agent.start()

        def fault():
            ds = detections(run, county, "agent", "FF.SHF")
            return ds[0] if ds else None
        b = wait_for(fault, 10)
        run.check(b is not None and "patch" in b.get("summary", ""),
                  "the failing probe is reported upward: %s" % (b and b.get("summary")))
        n = len(bodies(run, county, "health"))
        run.check(wait_for(lambda: len(bodies(run, county, "health")) > n + 2, 10),
                  "health keeps flowing while the patch probe fails")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
