#!/usr/bin/env python3
"""probe_fim.py - the fim probe end to end: a changed page, a dropped web shell and a
deployment window, seen at the collector.

A county collector and one agent on 127.0.0.1 in a temp dir. The agent's [fim] probe
watches a fixture tree (root = TMP/fx): the web root /www (a few pages in two
directories) and the system path /etc/passwd, baseline in TMP/fimdb. Then:
  1. once the agent logged its baseline, /www/index.html is rewritten: a Detection of
     probe "fim", class IDI.IAI, severity critical, path /www/index.html and both hashes
     must be in `fenghuo-ctl -d COUNTY export --jsonl` within DEADLINE_S;
  2. a PHP web shell is dropped into /www/news/: a Detection of probe "webshell", class
     NAI.BDAI or MI.WBPI, whose evidence is the matching line, within DEADLINE_S;
  3. `fenghuo-ctl -c AGENT_INI deploy-window --open 10m --root /www` is run: its info
     Detection ("deployment window opened by uid N") arrives within DEADLINE_S; a page
     changed then raises no IDI.IAI alarm within QUIET_S; `--close` sends the closing
     info Detection counting that change.
Exit status 0: pass, 1: fail.
"""
import os
import subprocess
import sys
import time

from fhtest import (CTL, PROBE_COUNTY, PROBE_RELAY, Run, collector_and_agent, detections,
                    require_binaries, wait_for)

HOST = PROBE_COUNTY + "/3132000001/web01"
DEADLINE_S = 5.0
BASELINE_WAIT_S = 15.0
WATCH_SETTLE_S = 1.0          # the watches are applied within 0.25 s of the baseline
QUIET_S = 4.0
SHELL = "<?php\n// image upload helper\n@eval($_POST['cmd']);\n?>\n"


def ctl_c(run, ini, *args):
    r = subprocess.run([CTL, "-c", ini] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    run.note("fenghuo-ctl %s -> %d: %s" % (" ".join(args), r.returncode,
                                            r.stdout.decode(errors="replace").strip()))
    return r.returncode


def main():
    if not require_binaries():
        return 1
    run = Run("probe_fim", PROBE_RELAY)
    fx = os.path.join(run.dir, "fx")
    for d in ("www", "www/news", "etc"):
        os.makedirs(os.path.join(fx, d))
    run.write("fx/www/index.html", "<h1>No. 1 Middle School</h1>\n")
    run.write("fx/www/about.html", "<p>founded 1952</p>\n")
    run.write("fx/www/news/list.php", "<?php echo 'news'; ?>\n")
    run.write("fx/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
    codes = {}
    try:
        county, agent = collector_and_agent(
            run, HOST, "\n[fim]\nenabled = true\nroot = %s\nweb_roots = /www\n"
            "paths = /etc/passwd\ndb = %s\n" % (fx, os.path.join(run.dir, "fimdb")))
        ini = os.path.join(run.dir, "agent.ini")
        made = wait_for(lambda: "fim: baseline of" in agent.log_text(), BASELINE_WAIT_S, 0.1)
        run.check(made, "the agent made its baseline within %.0f s" % BASELINE_WAIT_S)
        time.sleep(WATCH_SETTLE_S)

        # 1. a page changed
        run.write("fx/www/index.html", "<h1>hacked by nobody</h1>\n")
        t0 = time.monotonic()

        def alarms(path):
            return [d for d in detections(run, county, "fim", "IDI.IAI")
                    if d.get("facts", {}).get("path") == path]

        got = wait_for(lambda: alarms("/www/index.html"), DEADLINE_S, 0.2)
        if run.check(bool(got), "the changed page arrives as IDI.IAI within %.0f s (%.1f s)"
                     % (DEADLINE_S, time.monotonic() - t0)):
            f = got[0]["facts"]
            run.check(got[0]["severity"] == "SEVERITY_CRITICAL" and
                      f.get("change") == "modified" and len(f.get("old_sha256", "")) == 64
                      and len(f.get("new_sha256", "")) == 64 and
                      f["old_sha256"] != f["new_sha256"],
                      "it is critical, 'modified', with the old and the new hash")

        # 2. a web shell dropped
        run.write("fx/www/news/up.php", SHELL)
        t0 = time.monotonic()
        shells = wait_for(lambda: detections(run, county, "webshell"), DEADLINE_S, 0.2)
        if run.check(bool(shells), "the web shell arrives within %.0f s (%.1f s)"
                     % (DEADLINE_S, time.monotonic() - t0)):
            d = shells[0]
            run.check(d["class_code"] in ("NAI.BDAI", "MI.WBPI") and
                      d.get("evidence") == "@eval($_POST['cmd']);" and
                      d.get("facts", {}).get("line") == "3",
                      "it is %s with the matching line 3: %r" % (d["class_code"],
                                                                d.get("evidence")))

        # 3. a deployment window
        rc = ctl_c(run, ini, "deploy-window", "--open", "10m", "--root", "/www",
                   "--reason", "term start release")
        run.check(rc == 0, "fenghuo-ctl deploy-window --open exits 0")

        def audit(word):
            return [d for d in detections(run, county, class_code="OI")
                    if ("deployment window " + word) in d.get("summary", "")]

        opened = wait_for(lambda: audit("opened"), DEADLINE_S, 0.2)
        run.check(bool(opened) and ("uid %d" % os.getuid()) in opened[0]["summary"],
                  "the window's opening arrives as an info detection with the uid")
        run.write("fx/www/about.html", "<p>founded 1952, rebuilt 2024</p>\n")
        time.sleep(QUIET_S)
        run.check(not alarms("/www/about.html"),
                  "a page changed inside the window raises no IDI.IAI within %.0f s"
                  % QUIET_S)
        rc = ctl_c(run, ini, "deploy-window", "--close")
        closed = wait_for(lambda: audit("for /www closed"), DEADLINE_S, 0.2)
        run.check(rc == 0 and bool(closed) and
                  closed[0].get("facts", {}).get("changes") == "1",
                  "closing it sends an info detection counting the 1 change inside it")
        run.check(agent.alive(), "the agent is still running")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
