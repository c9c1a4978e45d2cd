#!/usr/bin/env python3
"""advisories.py - 风险通报 down the tree, checked against each host's inventory, and
the compliance rollup at the top exact.

    python3 advisories.py

province 320000 (top) <- city 320000/320100 <- county 320000/320100/320102 <- four
agents at four schools, each with the patch probe on a fixture dpkg status file:
  school 1: openssh-server 1:9.2p1-2+deb12u2   -> affected (fixed in ...deb12u3)
  school 2: openssh-server 1:9.2p1-2+deb12u3   -> fixed
  school 3: openssh-server 1:9.2p1-2+deb12u5   -> fixed
  school 4: no openssh-server                  -> not affected
The province issues the advisory. Every agent answers within ANSWER_DEADLINE_S, and
`fenghuo-ctl advisory show` at the province counts exactly 1 affected, 2 fixed, 1 not
affected, 3 of 4 units complying. Then school 1 installs the fix (its status file
changes); once its patch probe runs again (the advisory is re-checked every round; the
test restarts the agent to make the round come now) its answer turns to fixed and all 4
units comply. When school 2 goes back to a vulnerable version it is affected again,
and `advisory show` run eight days later (simulated clock) flags its unit overdue.
"""
import json
import os
import subprocess
import sys
import time

from fhtest import CTL, Run, ctl, free_ports, require_binaries, wait_for

PROVINCE, CITY, COUNTY = "320000", "320000/320100", "320000/320100/320102"
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 300}
SCHOOLS = [("3132000001", "1:9.2p1-2+deb12u2"), ("3132000002", "1:9.2p1-2+deb12u3"),
           ("3132000003", "1:9.2p1-2+deb12u5"), ("3132000004", None)]
ANSWER_DEADLINE_S = 15
ADVISORY = {
    "title": "OpenSSH regreSSHion 远程代码执行漏洞",
    "text": "请于期限内升级 openssh-server",
    "cves": ["CVE-2024-6387"],
    "packages": [{"name": "openssh-server", "manager": "dpkg", "fixed": "1:9.2p1-2+deb12u3"},
                 {"name": "openssh-server", "manager": "rpm", "fixed": "8.7p1-38.el9_4.1"}],
    "deadline_days": 7,
}


def status_file(version):
    pkgs = [("libc6", "2.36-9+deb12u7"), ("bash", "5.2.15-2+b7")]
    if version:
        pkgs.append(("openssh-server", version))
    return "".join("Package: %s\nStatus: install ok installed\nArchitecture: amd64\n"
                   "Version: %s\n\n" % p for p in pkgs)


def compliance(node, aid):
    rc, out, _ = ctl(node, "--json", "advisory", "show", aid)
    return json.loads(out)["compliance"] if rc == 0 else None


def main():
    if not require_binaries():
        return 1
    # built-in relay policy: health and patch state stay at the county, hosts reach the
    # province as rollup counts (every second here), answers in detail
    run = Run("advisories", RELAY, rollup_period_s=1)
    try:
        ports = free_ports(3)
        prov = run.collector("province", PROVINCE, ports[0], None)
        city = run.collector("city", CITY, ports[1], ports[0])
        county = run.collector("county", COUNTY, ports[2], ports[1])
        agents, roots = [], []
        for i, (school, version) in enumerate(SCHOOLS):
            root = os.path.join(run.dir, "root-%d" % i)
            os.makedirs(os.path.join(root, "var/lib/dpkg"))
            run.write("root-%d/var/lib/dpkg/status" % i, status_file(version))
            roots.append(root)
            agents.append(run.agent("agent-%d" % i, "%s/%s/host-%d" % (COUNTY, school, i),
                                    ports[2], ["--interval-ms", "500"],
                                    patch="enabled = true\nroot = %s\napt_check = false\n"
                                    "interval_s = 3600\n" % root))
        for n in [prov, city, county] + agents:
            n.start()
        run.check(wait_for(lambda: (json.loads(ctl(prov, "--json", "units")[1] or "{}")
                                    .get("hosts_total")) == len(SCHOOLS), 20),
                  "the province sees all %d hosts" % len(SCHOOLS))
        spec = run.write("advisory.json", json.dumps(ADVISORY, ensure_ascii=False))
        t0 = time.monotonic()
        rc, out, err = ctl(prov, "advisory", "issue", "--file", spec, "--by", "省教育厅网络安全应急办")
        aid = out.strip()
        run.check(rc == 0 and aid.startswith(PROVINCE + "#"), "the province issues the "
                  "advisory: %s %s" % (aid, err.strip()))

        def all_answered():
            c = compliance(prov, aid)
            return c if c and c["hosts"]["no_answer"] == 0 else None
        c = wait_for(all_answered, ANSWER_DEADLINE_S)
        run.check(c is not None, "every host answered within %d s (%.1f s)"
                  % (ANSWER_DEADLINE_S, time.monotonic() - t0))
        if c:
            h = c["hosts"]
            run.check((h["affected"], h["fixed"], h["not_affected"], h["unknown"]) == (1, 2, 1, 0),
                      "exactly 1 affected, 2 fixed, 1 not affected, 0 unknown at the top (%s)" % h)
            run.check(c["units_complying"] == 3 and c["units_overdue"] == 0,
                      "3 of 4 units comply, none overdue yet")
            bad = [u["unit"] for u in c["units"] if not u["complies"]]
            run.check(bad == ["%s/%s" % (COUNTY, SCHOOLS[0][0])], "the affected unit is "
                      "school 1 (%s)" % bad)
        # school 1 installs the fix; its patch probe runs at start: restart it
        run.write("root-0/var/lib/dpkg/status", status_file("1:9.2p1-2+deb12u3"))
        agents[0].terminate()
        agents[0].reap(time.monotonic() + 3)
        agents[0].start()
        c = wait_for(lambda: (lambda c: c if c and c["units_complying"] == 4 else None)(
            compliance(prov, aid)), ANSWER_DEADLINE_S)
        run.check(c is not None and c["hosts"]["affected"] == 0 and c["hosts"]["fixed"] == 3,
                  "after the fix every unit complies (%s)" % (c and c["hosts"]))
        # school 2 goes back to a vulnerable version: affected again, and once the
        # deadline has passed (ctl run 8 days ahead) its unit is flagged overdue
        run.write("root-1/var/lib/dpkg/status", status_file("1:9.2p1-2+deb12u1"))
        agents[1].terminate()
        agents[1].reap(time.monotonic() + 3)
        agents[1].start()
        c = wait_for(lambda: (lambda c: c if c and c["hosts"]["affected"] == 1 else None)(
            compliance(prov, aid)), ANSWER_DEADLINE_S)
        run.check(c is not None and c["units_overdue"] == 0,
                  "a host back on an affected version is affected again, not overdue yet")
        later = dict(os.environ, FH_TEST_CLOCK_OFFSET_S=str(8 * 86400))
        r = subprocess.run([CTL, "-d", prov.data_dir, "--json", "advisory", "show", aid],
                           stdout=subprocess.PIPE, env=later, timeout=20)
        c = json.loads(r.stdout)["compliance"] if r.returncode == 0 else {}
        over = [u["unit"] for u in c.get("units", []) if u["overdue"]]
        run.check(over == ["%s/%s" % (COUNTY, SCHOOLS[1][0])],
                  "8 days later its unit is flagged overdue (%s)" % over)
        past = dict(ADVISORY, deadline="2020-01-01T00:00:00Z")
        past.pop("deadline_days")
        spec2 = run.write("past.json", json.dumps(past, ensure_ascii=False))
        rc, out, err = ctl(prov, "advisory", "issue", "--file", spec2)
        run.check(rc == 2 and "deadline" in err,
                  "an advisory whose deadline has passed is refused (%s)" % err.strip())
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
