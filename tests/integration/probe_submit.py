#!/usr/bin/env python3
"""probe_submit.py - fenghuo-ctl submit over the agent's socket, end to end.

A county collector and one agent on 127.0.0.1 in a temp dir; the agent's [submit]
socket is in the temp dir. `fenghuo-ctl -c AGENT_CONFIG submit --class FF.PSFF
--summary 机房断电 --severity high --fact room=A-101` must print {"ok":true,"seq":N}, and
within DEADLINE_S `fenghuo-ctl -d COUNTY export --jsonl` must hold that Detection: probe
"submit", class FF.PSFF, severity high, seq N from the agent, submitted_by_uid the
test's uid. When the test runs as root, fenghuo-ctl run as nobody (65534; the socket is
0666 here so only the peer-credential check can refuse it) must get {"ok":false,...}
and exit 2, and nothing more may arrive. Exit status 0: pass, 1: fail.
"""
import json
import os
import shutil
import subprocess
import sys
import time

from fhtest import (CTL, CTL_TIMEOUT_S, PROBE_COUNTY, PROBE_RELAY, Run, collector_and_agent,
                    records, require_binaries, wait_for)

HOST = PROBE_COUNTY + "/3132000001/web01"
DEADLINE_S = 5.0
NOBODY = 65534


def submit(run, args, as_nobody=False, ctl=CTL):
    """Run fenghuo-ctl (ctl) submit; return (exit status, stdout, stderr)."""
    def drop():
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    try:
        r = subprocess.run([ctl] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=CTL_TIMEOUT_S,
                           preexec_fn=drop if as_nobody else None)
    except subprocess.TimeoutExpired:
        return None, "", "timed out"
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def main():
    if not require_binaries():
        return 1
    run = Run("probe_submit", PROBE_RELAY)
    codes = {}
    try:
        sock = os.path.join(run.dir, "agent.sock")
        county, agent = collector_and_agent(
            run, HOST, "\n[health]\nenabled = false\n"
            "\n[submit]\nsocket = %s\nmode = 0666\n" % sock)
        run.check(bool(wait_for(lambda: os.path.exists(sock), 5, 0.05)),
                  "the agent listens on its submit socket")
        cfg = os.path.join(run.dir, "agent.ini")
        rc, out, err = submit(run, ["-c", cfg, "submit", "--class", "FF.PSFF", "--summary",
                                    "机房断电", "--severity", "high", "--fact", "room=A-101"])
        reply = json.loads(out) if rc == 0 and out.strip() else {}
        run.check(rc == 0 and reply.get("ok") is True and reply.get("seq", 0) > 0,
                  "fenghuo-ctl submit gets ok and a seq (exit %s, %r %r)" % (rc, out, err))
        t0 = time.monotonic()

        def arrived():
            for r in records(run, county, "detection"):
                if r["body"].get("probe") == "submit":
                    return r
            return None

        r = wait_for(arrived, DEADLINE_S, 0.1)
        if run.check(bool(r), "the detection arrives at the collector within %.0f s "
                     "(%.2f s)" % (DEADLINE_S, time.monotonic() - t0)):
            b = r["body"]
            run.check(b["class_code"] == "FF.PSFF" and b["severity"] == "SEVERITY_HIGH"
                      and b["summary"] == "机房断电"
                      and b["facts"].get("room") == "A-101",
                      "class FF.PSFF, severity high, summary and facts as submitted")
            run.check(b["facts"].get("submitted_by_uid") == str(os.getuid()),
                      "submitted_by_uid is the submitter's uid %d" % os.getuid())
            run.check(r["origin"] == HOST and r["seq"] == reply.get("seq"),
                      "it is the agent's report seq %s, the one the reply named"
                      % reply.get("seq"))
        if os.getuid() == 0:
            os.chmod(run.dir, 0o755)   # nobody must reach the socket to be refused by it
            # ... and run fenghuo-ctl: the build dir may be under a home nobody cannot enter
            ctl = os.path.join(run.dir, "fenghuo-ctl")
            shutil.copy2(CTL, ctl)
            os.chmod(ctl, 0o755)
            rc, out, err = submit(run, ["submit", "--socket", sock, "--class", "MI",
                                        "--summary", "from nobody"], as_nobody=True, ctl=ctl)
            run.check(rc == 2 and '"ok":false' in out and "may not submit" in out,
                      "a uid not allowed is refused by its credentials (exit %s, %r %r)"
                      % (rc, out, err))
            time.sleep(0.5)
            n = len(records(run, county, "detection"))
            run.check(n == 1, "nothing from the refused submitter arrives (%d detections)"
                      % n)
        else:
            run.note("not root: the refusal by uid is covered by test_submit.c only")
        run.check(agent.alive(), "the agent is still running")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
