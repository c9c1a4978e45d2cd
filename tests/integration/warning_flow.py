#!/usr/bin/env python3
"""warning_flow.py - 预警 down the tree, receipts up, authority refused where it is lacking.

    python3 warning_flow.py   (not warnings.py: that would shadow the standard module)

The tree: province 320000 (top) <- city 320000/320100 <- counties .../320102 (three
schools, one agent each) and .../320104 (two schools). With real processes on
127.0.0.1 in a temp dir it checks that:
  - a county cannot issue orange (only a province can), nor yellow for the other county;
  - a yellow warning the city issues reaches every agent under it (each agent's store
    holds it), each agent confirms receipt at once, and `fenghuo-ctl warning show` at
    the city counts all five units acknowledged within ACK_DEADLINE_S; the province
    sees the warning and the receipts too (they travel up like any report);
  - a person's receipt given at a county shows at the city under that unit;
  - adjusting and lifting reach the agents as new revisions; a drill is marked a drill
    at the agents.
"""
import json
import os
import sys
import time

from fhtest import Run, ctl, free_ports, require_binaries, wait_for

PROVINCE, CITY = "320000", "320000/320100"
COUNTY_A, COUNTY_B = CITY + "/320102", CITY + "/320104"
SCHOOLS = [(COUNTY_A, "3132000001"), (COUNTY_A, "3132000002"), (COUNTY_A, "3132000003"),
           (COUNTY_B, "3132000101"), (COUNTY_B, "3132000102")]
# Heartbeats slower than the acknowledgement deadline: warnings are pushed down at once,
# not carried by the next heartbeat's ack.
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 30000}
ACK_DEADLINE_S = 5
SEEN_DEADLINE_S = 20


def ctl_json(node, *args):
    rc, out, _ = ctl(node, "--json", *args)
    return json.loads(out) if rc == 0 else None


def warning_at(node, wid):
    doc = ctl_json(node, "warning", "list")
    for w in (doc or {}).get("warnings", []):
        if w["id"] == wid:
            return w
    return None


def main():
    if not require_binaries():
        return 1
    # built-in relay policy: health stays at the counties, hosts reach the city as
    # rollup counts (every second here)
    run = Run("warnings", RELAY, rollup_period_s=1)
    try:
        ports = free_ports(4)
        prov = run.collector("province", PROVINCE, ports[0], None)
        city = run.collector("city", CITY, ports[1], ports[0])
        ca = run.collector("county-a", COUNTY_A, ports[2], ports[1])
        cb = run.collector("county-b", COUNTY_B, ports[3], ports[1])
        agents = []
        for i, (county, school) in enumerate(SCHOOLS):
            parent = ports[2] if county == COUNTY_A else ports[3]
            agents.append(run.agent("agent-%d" % i, "%s/%s/host-%d" % (county, school, i),
                                    parent, ["--interval-ms", "20000"]))
        for n in [prov, city, ca, cb] + agents:
            n.start()

        def hosts_at_city():
            doc = ctl_json(city, "units")
            return doc and doc.get("hosts_total") == len(SCHOOLS)
        run.check(wait_for(hosts_at_city, SEEN_DEADLINE_S),
                  "the city sees all %d hosts" % len(SCHOOLS))

        rc, _, err = ctl(ca, "warning", "issue", "--level", "orange", "--class", "MI.CVI",
                         "--watch", "勒索病毒")
        run.check(rc == 2 and "province" in err,
                  "a county issuing orange is refused (%d: %s)" % (rc, err.strip()))
        rc, _, err = ctl(ca, "warning", "issue", "--level", "yellow", "--scope", COUNTY_B,
                         "--class", "MI.CVI", "--watch", "x")
        run.check(rc == 2 and "region" in err,
                  "a county issuing for another county is refused (%d: %s)" % (rc, err.strip()))

        t0 = time.monotonic()
        rc, out, err = ctl(city, "--json", "warning", "issue", "--level", "yellow",
                           "--class", "MI.CVI", "--watch", "WannaCry 变种在本市多所学校出现",
                           "--measures", "关闭 445/139/135 端口,更新病毒库",
                           "--deadline", "24h", "--by", "市教育局网络安全应急办")
        res = json.loads(out) if rc == 0 else {}
        wid = res.get("id")
        run.check(bool(wid) and wid.startswith(CITY + "#"),
                  "the city issues a yellow warning: %s %s" % (wid, err.strip()))

        def all_acked():
            doc = ctl_json(city, "warning", "show", wid)
            return doc if doc and doc["units_acknowledged"] == len(SCHOOLS) else None
        doc = wait_for(all_acked, ACK_DEADLINE_S)
        run.check(bool(doc), "every unit under the city acknowledged within %d s (%.2f s)"
                  % (ACK_DEADLINE_S, time.monotonic() - t0))
        if doc:
            run.check(doc["units_total"] == len(SCHOOLS) and
                      all(u["hosts"] == 1 and not u["hosts_pending"] for u in doc["units"]),
                      "per unit: one host each, none pending")
        for i, a in enumerate(agents):
            w = warning_at(a, wid)
            run.check(w is not None and w["level"] == "yellow" and w["revision"] == 1,
                      "agent-%d holds the warning" % i)
        run.check(wait_for(lambda: warning_at(prov, wid), SEEN_DEADLINE_S) is not None,
                  "the province sees the city's warning")

        school = "%s/%s" % SCHOOLS[0]
        rc, _, err = ctl(ca, "warning", "ack", wid, "--by", "张老师", "--unit", school)
        run.check(rc == 0, "a person acknowledges at the county (%s)" % err.strip())

        def person_seen():
            doc = ctl_json(city, "warning", "show", wid)
            for u in (doc or {}).get("units", []):
                if u["unit"] == school and u["people"]:
                    return u["people"][0]["by"] == "张老师"
            return False
        run.check(wait_for(person_seen, ACK_DEADLINE_S),
                  "the person's receipt shows at the city under the unit")

        rc, _, err = ctl(city, "warning", "adjust", wid, "--level", "blue")
        run.check(rc == 0, "the city adjusts its warning to blue (%s)" % err.strip())
        rc, _, err = ctl(city, "warning", "lift", wid)
        run.check(rc == 0, "the city lifts its warning (%s)" % err.strip())
        rc, _, err = ctl(city, "warning", "lift", wid)
        run.check(rc == 2, "lifting it twice is refused (%s)" % err.strip())

        def lifted_everywhere():
            return all((warning_at(a, wid) or {}).get("state") == "lifted" and
                       warning_at(a, wid)["revision"] == 3 for a in agents)
        run.check(wait_for(lifted_everywhere, ACK_DEADLINE_S),
                  "every agent holds revision 3, lifted")

        rc, out, _ = ctl(city, "--json", "warning", "issue", "--level", "blue", "--drill",
                         "--class", "NAI.DOSAI", "--watch", "演练: DDoS 应急演练")
        did = json.loads(out)["id"] if rc == 0 else None
        run.check(did is not None and wait_for(
            lambda: all((warning_at(a, did) or {}).get("drill") for a in agents),
            ACK_DEADLINE_S), "a drill reaches every agent marked as a drill")
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
