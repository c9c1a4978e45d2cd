#!/usr/bin/env python3
"""incidents.py - detections become graded incidents; spread is correlated and reported
up on time, or marked 迟报 when it is not.

    python3 incidents.py

Two runs on 127.0.0.1, every collector with the education profile:

  on_time   province 320000 <- city 320000/320100 <- county 320000/320100/320102 <- three
            agents at three schools. The same virus (class MI.CVI, one fingerprint) is
            handed to each agent (fenghuo-ctl submit). The county makes one unit incident
            per school (grade Ⅳ) and one incident with spread "units" over the three,
            grade Ⅲ (education Ⅲ④ 多个单位), which reaches the province within
            SPREAD_DEADLINE_S and is not late there. A person moves it through its
            lifecycle at the county; closing it without the summary report is refused.
  missed    the county hides its incidents (FH_TEST_CONCEAL_INCIDENTS, test only); the
            city counts the schools' detections in the county's rollups, no incident
            comes, and after the grace it makes one per unit itself, marked 漏报.
  late      the same tree, but the city and the province run three hours ahead
            (FH_TEST_CLOCK_OFFSET_S): to them the county's report arrives three hours
            after it was due, as if the county's uplink had been cut that long. The
            incident is marked 迟报 at the city and at the province, with the delay.
"""
import json
import os
import subprocess
import sys
import time

from fhtest import CTL, Run, ctl, free_ports, require_binaries, wait_for

PROVINCE, CITY, COUNTY = "320000", "320000/320100", "320000/320100/320102"
SCHOOLS = ["3132000001", "3132000002", "3132000003"]
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 300}
SPREAD_DEADLINE_S = 2.0
WAIT_S = 15
THREE_HOURS_S = 3 * 3600
VIRUS = "WannaCry 变种 (样本 SHA-256 5ff4…e2a1) 在共享目录中被发现"


def incidents(node):
    rc, out, _ = ctl(node, "--json", "incident", "list")
    return [r for r in json.loads(out)["incidents"]] if rc == 0 else []


def spread_at(node, units=1):
    """The spread incident at node once it covers at least `units` units."""
    for r in incidents(node):
        if r["incident"]["spread_scope"] == "units" and len(r["incident"]["units"]) >= units:
            return r
    return None


def start_with(node, env):
    """Start node with env added to this process's environment for it alone."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        node.start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def tree(run, clock_offset_s=0, conceal=False, grace_s=None):
    """Start the tree; the city and the province run clock_offset_s ahead; conceal: the
    county makes no incidents (a tier that hides them); grace_s: [incidents]
    report_grace_s of every collector."""
    ports = free_ports(3)
    edu = "\n[incidents]\nprofile = education\n"
    if grace_s is not None:
        edu += "report_grace_s = %d\n" % grace_s
    prov = run.collector("province", PROVINCE, ports[0], None, extra=edu)
    city = run.collector("city", CITY, ports[1], ports[0], extra=edu)
    county = run.collector("county", COUNTY, ports[2], ports[1], extra=edu)
    spools, agents = [], []
    for i, school in enumerate(SCHOOLS):
        spool = os.path.join(run.dir, "spool-%d" % i)
        spools.append(spool)
        agents.append(run.agent("agent-%d" % i, "%s/%s/host-%d" % (COUNTY, school, i),
                                ports[2], ["--interval-ms", "1000"],
                                extra="[spool]\ndir = %s\ninterval_s = 1\n" % spool))
    for n in (prov, city):
        start_with(n, {"FH_TEST_CLOCK_OFFSET_S": str(clock_offset_s)})
    start_with(county, {"FH_TEST_CONCEAL_INCIDENTS": "1"} if conceal else {})
    for n in agents:
        n.start()
    return prov, city, county, spools


def submit_virus(run, spools):
    for spool in spools:
        r = subprocess.run([CTL, "--spool", spool, "submit", "--class", "MI.CVI",
                            "--summary", VIRUS, "--severity", "high"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
        run.check(r.returncode == 0, "submitted the virus at %s (%s)"
                  % (os.path.basename(spool), r.stderr.decode().strip()))


def on_time():
    run = Run("incidents-on-time", RELAY)
    try:
        prov, city, county, spools = tree(run)
        time.sleep(1.0)   # the agents are up and connected
        submit_virus(run, spools)
        t0 = time.monotonic()
        rec = wait_for(lambda: spread_at(prov, len(SCHOOLS)), WAIT_S, interval_s=0.05)
        took = time.monotonic() - t0
        run.check(rec is not None, "a spread incident over the %d schools reaches the province "
                  "(%.2f s after the last submit; the spool is read every 1 s)"
                  % (len(SCHOOLS), took))
        if rec:
            inc = rec["incident"]
            run.check(took <= SPREAD_DEADLINE_S + 1.0,
                      "within %.0f s of the spool being read (%.2f s)" % (SPREAD_DEADLINE_S, took))
            run.check(inc["grade"] == 3 and "education.III.4" in inc["rule"],
                      "graded Ⅲ by education Ⅲ④ (%s: %s)" % (inc["grade"], inc["rule"]))
            run.check(sorted(inc["units"]) == ["%s/%s" % (COUNTY, s) for s in SCHOOLS],
                      "its units are the three schools")
            run.check(inc["made_by"] == COUNTY and inc["has_duty"],
                      "made by the county, with a duty to report at once")
            run.check(not rec["late"], "not late at the province")
        units = [r for r in incidents(county) if r["incident"]["spread_scope"] == "unit"]
        run.check(len(units) == 3 and all(r["incident"]["grade"] == 4 for r in units),
                  "the county holds one unit incident (Ⅳ) per school")
        spread = [r for r in incidents(county) if r["incident"]["spread_scope"] == "units"]
        run.check(len(spread) == 1, "exactly one spread incident at the county")
        rc, _, err = ctl(city, "incident", "list")
        run.check(rc == 0, "incident list works at the city")
        if spread:
            iid = spread[0]["incident"]["id"]
            rc, _, err = ctl(county, "incident", "update", iid, "--state", "contained",
                             "--note", "隔离受感染主机, 关闭 445 端口", "--done", "1", "--done", "4")
            run.check(rc == 0, "the county marks it contained, playbook steps 1 and 4 done (%s)"
                      % err.strip())
            rc, out, _ = ctl(county, "--json", "incident", "show", iid)
            pb = json.loads(out).get("playbook", {}) if rc == 0 else {}
            run.check(pb.get("id") == "virus_outbreak" and
                      [s["done"] for s in pb["steps"]] == [True, False, False, True, False],
                      "the virus outbreak playbook (001 附件4) is attached, steps 1 and 4 "
                      "ticked off")
            rc, _, err = ctl(county, "incident", "update", iid, "--state", "reported")
            run.check(rc == 2, "an incident does not go back (%s)" % err.strip())
            rc, _, err = ctl(county, "incident", "close", iid)
            run.check(rc == 2 and "总结调查报告" in err,
                      "closing a Ⅲ without the summary report is refused (%s)" % err.strip())
            report = run.write("summary.json", json.dumps({
                "事件名称": "WannaCry 变种传播", "事件起因": "共享目录", "处置措施": "隔离, 打补丁",
                "改进措施": "关闭 445", "责任": "无"}, ensure_ascii=False))
            rc, _, err = ctl(county, "incident", "close", iid, "--summary-report", report)
            run.check(rc == 0, "closing with the summary report is accepted (%s)" % err.strip())
            run.check(wait_for(lambda: (spread_at(prov) or {}).get("incident", {})
                               .get("state") == "INCIDENT_STATE_CLOSED", WAIT_S),
                      "the province sees it closed")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


def late():
    run = Run("incidents-late", RELAY)
    try:
        prov, city, county, spools = tree(run, THREE_HOURS_S)
        time.sleep(1.0)
        submit_virus(run, spools)
        for node in (city, prov):
            rec = wait_for(lambda: spread_at(node), WAIT_S)
            run.check(rec is not None and rec["late"] and
                      THREE_HOURS_S - 900 <= rec["delay_s"] <= THREE_HOURS_S,
                      "marked 迟报 at the %s with its delay (%s s)"
                      % (node.name, rec and rec["delay_s"]))
        rec = spread_at(county)
        run.check(rec is not None and not rec["late"], "not late where it was made")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


def missed():
    run = Run("incidents-missed", RELAY, rollup_period_s=1)
    try:
        prov, city, county, spools = tree(run, conceal=True, grace_s=2)
        time.sleep(1.0)
        submit_virus(run, spools)

        def missed_at(node):
            recs = [r for r in incidents(node) if r["incident"].get("missed")]
            return recs if len(recs) == len(SCHOOLS) else None
        recs = wait_for(lambda: missed_at(city), WAIT_S)
        run.check(recs is not None, "the city marks 漏报 for each of the %d schools whose "
                  "detections its rollups count without an incident from below" % len(SCHOOLS))
        if recs:
            run.check(sorted(r["incident"]["units"][0] for r in recs) ==
                      ["%s/%s" % (COUNTY, s) for s in SCHOOLS] and
                      all(r["incident"]["class_code"] == "MI.CVI" and
                          r["incident"]["made_by"] == CITY for r in recs),
                      "made by the city, one per unit, class MI.CVI")
        run.check(not incidents(county), "the county (hiding them) made none")
        run.check(wait_for(lambda: missed_at(prov), WAIT_S) is not None,
                  "the province holds the city's 漏报 incidents")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    if not require_binaries():
        sys.exit(1)
    sys.exit(on_time() | late() | missed())
