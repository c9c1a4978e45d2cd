#!/usr/bin/env python3
"""rollup.py - with the built-in relay policy, what stays at the county reaches the
province counted, and every incident in detail.

    python3 rollup.py

province 320000 (top) <- city 320000/320100 <- county 320000/320100/320102 <- three
agents: two at school A (host-0, host-1), one at school B (host-2), each with a spool
dir (fenghuo-ctl submit) and health every second. Every collector runs the built-in
[relay_policy] (health, patch, detections, service events keep; the rest relay) with
[rollup] period_s = 1. With real processes on 127.0.0.1 in a temp dir it checks that:
  - `fenghuo-ctl units --json` at the province shows school A with 2 hosts online and
    school B with 1, from the county's rollups, within ROLLUP_DEADLINE_S;
  - after DETECTIONS are submitted, the province shows each school's detections by
    class exactly (MI.CVI and IDI.IAI counts), within ROLLUP_DEADLINE_S;
  - the province stores no health and no detection of any agent (its export), while
    the county holds them all; it holds the county's rollups;
  - every incident the county made from those detections is at the province in detail;
  - an agent killed (SIGKILL) shows as 1 stale host of its school at the province once
    its health is older than the stale time (3 intervals, at least 30 s), within
    STALE_DEADLINE_S.
"""
import json
import os
import subprocess
import sys
import time

from fhtest import AGENT, COLLECTOR, CTL, Run, free_ports, missing_binaries, wait_for

PROVINCE, CITY, COUNTY = "320000", "320000/320100", "320000/320100/320102"
SCHOOL_A, SCHOOL_B = COUNTY + "/3132000001", COUNTY + "/3132000002"
HOSTS = [(SCHOOL_A, "host-0"), (SCHOOL_A, "host-1"), (SCHOOL_B, "host-2")]
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 500}
# (host index, class): one submit each, every one a distinct detection (its summary)
DETECTIONS = [(0, "MI.CVI"), (0, "MI.CVI"), (0, "IDI.IAI"), (1, "MI.CVI"), (2, "MI.CVI"),
              (2, "IDI.IAI"), (2, "IDI.IAI")]
ROLLUP_DEADLINE_S = 15
STALE_DEADLINE_S = 50      # the 30 s stale floor, a rollup period, and the way up


def ctl(node, *args):
    r = subprocess.run([CTL, "-d", node.data_dir] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def units(node):
    rc, out, _ = ctl(node, "--json", "units")
    if rc != 0:
        return {}
    return {u["unit"]: u for u in json.loads(out)["units"]}


def exported(node):
    rc, out, _ = ctl(node, "export", "--jsonl")
    return [json.loads(line) for line in out.splitlines() if line.strip()] if rc == 0 else []


def incident_ids(node):
    rc, out, _ = ctl(node, "--json", "incident", "list")
    return {r["incident"]["id"] for r in json.loads(out)["incidents"]} if rc == 0 else set()


def expected_classes():
    want = {SCHOOL_A: {}, SCHOOL_B: {}}
    for i, cls in DETECTIONS:
        school = HOSTS[i][0]
        want[school][cls] = want[school].get(cls, 0) + 1
    return want


def main():
    missing = missing_binaries([COLLECTOR, AGENT, CTL])
    if missing:
        print("missing binaries: %s" % missing)
        return 1
    run = Run("rollup", RELAY, rollup_period_s=1)
    try:
        ports = free_ports(3)
        prov = run.collector("province", PROVINCE, ports[0], None)
        city = run.collector("city", CITY, ports[1], ports[0])
        county = run.collector("county", COUNTY, ports[2], ports[1])
        spools, agents = [], []
        for i, (school, host) in enumerate(HOSTS):
            spool = os.path.join(run.dir, "spool-%d" % i)
            spools.append(spool)
            agents.append(run.agent("agent-%d" % i, "%s/%s" % (school, host), ports[2],
                                    ["--interval-ms", "1000"],
                                    extra="[spool]\ndir = %s\ninterval_s = 1\n" % spool))
        for n in [prov, city, county] + agents:
            n.start()

        def online():
            u = units(prov)
            return u if (u.get(SCHOOL_A, {}).get("hosts_online") == 2 and
                         u.get(SCHOOL_B, {}).get("hosts_online") == 1) else None
        u = wait_for(online, ROLLUP_DEADLINE_S)
        run.check(u is not None, "the province shows school A with 2 hosts online, school B "
                  "with 1, from rollups (%s)" % {k: v.get("hosts_online") for k, v in
                                                 units(prov).items()})
        if u:
            run.check(all(u[s]["hosts"] == [] and u[s]["rollup"]["origins"] == 1
                          for s in (SCHOOL_A, SCHOOL_B)),
                      "no host in detail there, one rollup origin per school")

        for n, (i, cls) in enumerate(DETECTIONS):
            r = subprocess.run([CTL, "--spool", spools[i], "submit", "--class", cls,
                                "--summary", "rollup test detection %d" % n,
                                "--severity", "medium"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
            run.check(r.returncode == 0, "submitted %s at host-%d (%s)"
                      % (cls, i, r.stderr.decode().strip()))
        want = expected_classes()

        def counted():
            u = units(prov)
            got = {s: u.get(s, {}).get("detections") for s in want}
            return got if got == want else None
        t0 = time.monotonic()
        got = wait_for(counted, ROLLUP_DEADLINE_S)
        run.check(got is not None, "the province counts every school's detections by class "
                  "exactly, %.1f s after the submits (want %s, have %s)"
                  % (time.monotonic() - t0, want,
                     {s: units(prov).get(s, {}).get("detections") for s in want}))

        top = exported(prov)
        agent_paths = {"%s/%s" % h for h in HOSTS}
        leaked = [(r["origin"], r["kind"]) for r in top if r["origin"] in agent_paths]
        run.check(not leaked, "the province stores nothing of the agents themselves "
                  "(%d reports, e.g. %s)" % (len(leaked), leaked[:3]))
        run.check(any(r["kind"] == "rollup" and r["origin"] == COUNTY for r in top),
                  "the province holds the county's rollups")
        below = exported(county)
        run.check(sum(1 for r in below if r["kind"] == "detection") == len(DETECTIONS) and
                  any(r["kind"] == "health" for r in below),
                  "the county holds every detection and the health samples")

        made = {i for i in incident_ids(county) if i.startswith(COUNTY + "#")}
        run.check(bool(made) and wait_for(lambda: made <= incident_ids(prov), ROLLUP_DEADLINE_S),
                  "every incident the county made (%d) is at the province in detail"
                  % len(made))

        agents[1].kill()
        t0 = time.monotonic()

        def one_stale():
            a = units(prov).get(SCHOOL_A, {})
            return a if a.get("hosts_stale") == 1 and a.get("hosts_online") == 1 else None
        a = wait_for(one_stale, STALE_DEADLINE_S, interval_s=1.0)
        run.check(a is not None, "host-1 killed: school A shows 1 stale and 1 online host at "
                  "the province after %.0f s" % (time.monotonic() - t0))
        b = units(prov).get(SCHOOL_B, {})
        run.check(b.get("hosts_stale") == 0 and b.get("hosts_online") == 1,
                  "school B still has its host online")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
