#!/usr/bin/env python3
"""probe_service.py - the service probe end to end: a defaced page, an outage's start and
its end arrive at the collector.

A county collector and one agent on 127.0.0.1 in a temp dir. The test serves a temp
directory over HTTP on a free port of 127.0.0.1 (python's http.server in a thread) and
gives the agent's [service] probe `http = http://127.0.0.1:PORT/index.html` with
interval_s = 1 (nothing else: no unit or port of this machine is named). Then:
  1. once the agent logged the page's learned baseline, index.html is rewritten: a
     Detection of probe "service", class IDI.IAI, severity critical, must be in
     `fenghuo-ctl -d COUNTY export --jsonl` within DEADLINE_S;
  2. the server is stopped: a ServiceEvent (kind "service") with up false for the URL
     must arrive within DEADLINE_S, and a FF.SHF detection beside it;
  3. after DOWN_S the server is started again on the same port: a ServiceEvent with up
     true, the same down_since_us and a duration_s of about DOWN_S must arrive within
     DEADLINE_S.
Exit status 0: pass, 1: fail.
"""
import functools
import http.server
import os
import sys
import threading
import time

from fhtest import (PROBE_COUNTY, PROBE_RELAY, Run, bodies, collector_and_agent, detections,
                    free_ports, require_binaries, wait_for)

HOST = PROBE_COUNTY + "/3132000001/web01"
DEADLINE_S = 5.0
LEARN_WAIT_S = 10.0           # agent start to the first fetch of the page
DOWN_S = 3.0                  # how long the site stays down
SERVE_JOIN_S = 5.0


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Site:
    """http.server on 127.0.0.1:port serving root, in a thread; stop() and start()."""

    def __init__(self, root, port):
        self.root, self.port = root, port
        self.httpd = self.thread = None

    def start(self):
        handler = functools.partial(Quiet, directory=self.root)
        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=SERVE_JOIN_S)
            self.httpd = None


def main():
    if not require_binaries():
        return 1
    run = Run("probe_service", PROBE_RELAY)
    www = os.path.join(run.dir, "www")
    os.mkdir(www)
    run.write("www/index.html", "<h1>Welcome to No. 1 Middle School</h1>\n")
    cport, wport = free_ports(2)
    url = "http://127.0.0.1:%d/index.html" % wport
    site = Site(www, wport)
    codes = {}
    try:
        site.start()
        county, agent = collector_and_agent(
            run, HOST, "\n[service]\nhttp = %s\ninterval_s = 1\ntimeout_ms = 1000\n"
            "repeat_s = 60\n" % url, port=cport)
        run.note("site on 127.0.0.1:%d, agent started" % wport)
        learned = wait_for(lambda: "baseline content sha256" in agent.log_text(),
                           LEARN_WAIT_S, 0.1)
        run.check(learned, "the agent learned the page's hash within %.0f s" % LEARN_WAIT_S)

        # 1. defacement
        run.write("www/index.html", "<h1>hacked</h1>\n")
        t0 = time.monotonic()

        def defaced():
            return detections(run, county, "service", "IDI.IAI")

        got = wait_for(defaced, DEADLINE_S, 0.2)
        if run.check(bool(got), "the changed page arrives as IDI.IAI within %.0f s (%.1f s)"
                     % (DEADLINE_S, time.monotonic() - t0)):
            d = got[0]
            run.check(d["severity"] == "SEVERITY_CRITICAL" and d["facts"].get("url") == url
                      and len(d["facts"].get("content_sha256", "")) == 64,
                      "it is critical and names the URL and the new hash")

        # 2. outage start
        site.stop()
        t_down = time.monotonic()

        def events(up):
            return [e for e in bodies(run, county, "service")
                    if e.get("name") == url and bool(e.get("up", False)) == up]

        start = wait_for(lambda: events(False), DEADLINE_S, 0.2)
        if run.check(bool(start), "the outage start arrives within %.0f s (%.1f s)"
                     % (DEADLINE_S, time.monotonic() - t_down)):
            e = start[0]
            run.check(e.get("kind") == "http" and e.get("down_since_us") == e.get("since_us")
                      and "connect" in e.get("reason", ""),
                      "it is an http outage since its first failed check: %s"
                      % e.get("reason"))
        down = wait_for(lambda: detections(run, county, class_code="FF.SHF"), DEADLINE_S, 0.2)
        run.check(bool(down), "the site down arrives as an FF.SHF detection")

        # 3. outage end
        time.sleep(max(0.0, DOWN_S - (time.monotonic() - t_down)))
        site.start()
        t_up = time.monotonic()
        end = wait_for(lambda: events(True), DEADLINE_S, 0.2)
        if run.check(bool(end), "the outage end arrives within %.0f s (%.1f s)"
                     % (DEADLINE_S, time.monotonic() - t_up)):
            e, s = end[0], start[0] if start else {}
            dur = int(e.get("duration_s", 0))
            run.check(e.get("down_since_us") == s.get("down_since_us")
                      and DOWN_S - 2 <= dur <= DOWN_S + 3,
                      "it has the outage's start and lasted %d s (down about %.0f s)"
                      % (dur, DOWN_S))
        run.check(agent.alive() and county.alive(), "the agent and the collector are still "
                  "running")
    finally:
        codes = run.stop_all()
        site.stop()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
