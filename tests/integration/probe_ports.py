#!/usr/bin/env python3
"""probe_ports.py - the ports probe end to end: a risky service found listening arrives
at the collector as an OI detection, and so does its missing authentication.

A county collector and one agent on 127.0.0.1 in a temp dir. The test listens on a free
high port of 127.0.0.1 with a fake Redis (answers every question with +PONG), and gives
the agent's [ports] probe `risky = PORT=redis` (nothing else: no real service of this
machine is named, no privileged port is bound). Within DEADLINE_S of the agent's start,
`fenghuo-ctl -d COUNTY export --jsonl` must hold a Detection of probe "ports", class OI,
for the port listening (severity info, loopback) and one for "auth": "none".
Exit status 0: pass, 1: fail.
"""
import socket
import sys
import threading

from fhtest import (PROBE_COUNTY, PROBE_RELAY, Run, collector_and_agent, detections,
                    require_binaries, wait_for)

HOST = PROBE_COUNTY + "/3132000001/web01"
DEADLINE_S = 5.0
SERVE_MAX_S = 30.0            # the fake service's thread ends by then whatever happens


def fake_redis(lsock, stop):
    """Answer +PONG to whatever each connection sends, until stop is set."""
    lsock.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = lsock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        with c:
            c.settimeout(1.0)
            try:
                if c.recv(64):
                    c.sendall(b"+PONG\r\n")
            except OSError:
                pass


def main():
    if not require_binaries():
        return 1
    run = Run("probe_ports", PROBE_RELAY)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    port = lsock.getsockname()[1]
    stop = threading.Event()
    server = threading.Thread(target=fake_redis, args=(lsock, stop), daemon=True)
    server.start()
    codes = {}
    try:
        county, agent = collector_and_agent(
            run, HOST, "\n[ports]\nenabled = true\nrisky = %d=redis\n"
            "public_only_ports =\ntimeout_ms = 1000\n" % port)
        run.note("fake redis on 127.0.0.1:%d, agent started" % port)

        def found():
            ds = [d for d in detections(run, county, "ports")
                  if d.get("facts", {}).get("port") == str(port)]
            listen = [d for d in ds if "auth" not in d["facts"]]
            noauth = [d for d in ds if d["facts"].get("auth") == "none"]
            return (listen, noauth) if listen and noauth else None

        got = wait_for(found, DEADLINE_S, 0.2)
        if run.check(bool(got), "the listening port and its missing authentication arrive "
                     "at the collector within %.0f s" % DEADLINE_S):
            listen, noauth = got
            run.check(listen[0]["class_code"] == "OI"
                      and listen[0]["severity"] == "SEVERITY_INFO"
                      and listen[0]["facts"].get("exposure") == "loopback"
                      and listen[0]["facts"].get("service") == "redis",
                      "the listener is an OI finding at info, loopback, service redis")
            run.check(noauth[0]["class_code"] == "OI"
                      and noauth[0]["severity"] == "SEVERITY_LOW",
                      "the open redis is an OI finding at low")
        run.check(agent.alive(), "the agent is still running")
    finally:
        codes = run.stop_all()
        stop.set()
        lsock.close()
        server.join(timeout=SERVE_MAX_S)
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
