#!/usr/bin/env python3
"""pressure.py - what an outbox does when its parent is away for long.

    python3 pressure.py urgent_first | coalesce

urgent_first: an agent piles up 3000 health samples while its county is down, then a
  detection is handed to it (fenghuo-ctl submit). When the tiers come back, the link from
  the agent runs through fh-proxy with a 150 ms delay, so draining the backlog takes
  seconds: the detection must reach the province while most health samples are still on
  their way (urgent lane first), and in the end every report arrives exactly once.
coalesce: an agent's outbox is bounded (store.outbox_max_mb = 1) and fills while its
  county is down: older health samples are coalesced, detections never. At the end the
  province holds every detection, and health samples stored + coalesced = generated;
  nothing is stored twice; the agent's coalesced count reaches the province in its drop
  notices (status drops_reported).

Real processes on 127.0.0.1 in a temp dir (fhtest.py). Every wait is bounded.
"""
import json
import os
import subprocess
import sys

from fhtest import (Run, endpoint, free_ports, missing_binaries, wait_for, COLLECTOR,
                    AGENT, CTL, RELAY_ALL)

PROXY = os.environ.get("FH_PROXY") or os.path.join(os.path.dirname(COLLECTOR), "..",
                                                   "tests", "fh-proxy")
AGENT_PATH = "320000/320100/320102/3132000001/web01"
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 1000}
DRAIN_S = 90


def tiers(run, ports):
    prov = run.collector("province", "320000", ports[0], None)
    city = run.collector("city", "320000/320100", ports[1], ports[0])
    county = run.collector("county", "320000/320100/320102", ports[2], ports[1])
    return prov, city, county


def kinds_at(run, node):
    """[(origin, seq, kind)] of node's export, or []."""
    out = run.ctl(node.data_dir, "export", "--jsonl")
    rows = []
    for line in (out or "").splitlines():
        if line.strip():
            r = json.loads(line)
            rows.append((r["origin"], r["seq"], r["kind"]))
    return rows


def submit(run, spool, cls, summary):
    r = subprocess.run([CTL, "--spool", spool, "submit", "--class", cls, "--summary",
                        summary, "--fact", "path=/var/www/html/index.html"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    run.check(r.returncode == 0, "fenghuo-ctl submit %s (%s)" % (cls, r.stdout.decode().strip()))


def agent_status(agent):
    return agent.status() or {"outbox_depth": 0, "counters": {}}


def scenario_urgent_first(run):
    ports = free_ports(4)
    spool = os.path.join(run.dir, "spool")
    prov, city, county = tiers(run, ports[:3])
    control = run.write("proxy.mode", "pass\n")
    proxy = run.tool("proxy", [PROXY, "--listen", "127.0.0.1:%d" % ports[3], "--target",
                               "127.0.0.1:%d" % ports[2], "--control", control])
    agent = run.agent("agent", AGENT_PATH, ports[3],
                      ["--interval-ms", "1", "--max-reports", "3000"],
                      "\n[spool]\ndir = %s\n" % spool)
    agent.start()
    proxy.start()
    made = wait_for(lambda: agent_status(agent)["outbox_depth"] >= 3000, 60, 0.1)
    run.check(bool(made), "the agent holds 3000 health samples while its county is down")
    submit(run, spool, "IDI.IAI", "首页被篡改")
    wait_for(lambda: agent_status(agent)["outbox_depth"] >= 3001, 10, 0.1)
    # batches of 64 through a delayed link: the backlog needs many round trips
    run.write("proxy.mode", "delay 150\n")
    for n in (prov, city, county):
        n.start()
    detection_at = wait_for(
        lambda: [r for r in kinds_at(run, prov) if r[2] == "detection"] and kinds_at(run, prov),
        DRAIN_S, 0.05)
    health_then = len([r for r in (detection_at or []) if r[2] == "health"])
    run.check(bool(detection_at), "the detection reached the province")
    run.check(health_then < 1500, "it arrived before most of the backlog: %d of 3000 health "
              "samples were at the province then" % health_then)
    run.write("proxy.mode", "pass\n")
    want = {(AGENT_PATH, s) for s in range(1, 3002)}

    def from_agent():   # the collectors' own reports (the incident they made) aside
        keys = run.export(prov)
        return None if keys is None else [k for k in keys if k[0] == AGENT_PATH]
    got = wait_for(lambda: (lambda k: k if k is not None and set(k) == want else None)(
        from_agent()), DRAIN_S, 0.5) or from_agent() or []
    run.check(set(got) == want and len(got) == len(want),
              "the province holds exactly the 3001 reports, each once (got %d, missing %d, "
              "extra %d)" % (len(got), len(want - set(got)), len(set(got) - want)))


def scenario_coalesce(run):
    ports = free_ports(3)
    spool = os.path.join(run.dir, "spool")
    prov, city, county = tiers(run, ports)
    agent = run.agent("agent", AGENT_PATH, ports[2],
                      ["--interval-ms", "1", "--max-reports", "6000"],
                      "\n[store]\noutbox_max_mb = 1\n\n[spool]\ndir = %s\n" % spool)
    agent.start()
    wait_for(lambda: agent_status(agent)["outbox_depth"] >= 500, 30, 0.1)
    submit(run, spool, "MI.CVI", "勒索病毒")
    # wait until the agent made all its health samples
    done = wait_for(lambda: "probes stop" in agent.log_text(), 90, 0.2)
    run.check(bool(done), "the agent made its 6000 health samples")
    submit(run, spool, "NAI.DOSAI", "拒绝服务攻击")
    wait_for(lambda: "NAI.DOSAI" in agent.log_text(), 10, 0.1)
    st = wait_for(lambda: (lambda s: s if s["counters"].get("coalesced", 0) > 0 else None)(
        agent_status(agent)), 10, 0.5) or agent_status(agent)
    run.check(st["counters"].get("coalesced", 0) > 0,
              "the agent's outbox went over 1 MiB and coalesced %d health samples"
              % st["counters"].get("coalesced", 0))
    for n in (prov, city, county):
        n.start()

    def drained():
        s = agent.status()
        return s if s and s["outbox_depth"] == 0 else None
    run.check(bool(wait_for(drained, DRAIN_S, 0.5)), "the agent's outbox drained")
    # the agent's counters reach its store every 5 s
    wait_for(lambda: False, 6, 1)
    ast = agent_status(agent)
    n_coalesced = ast["counters"].get("coalesced", 0)
    rows = wait_for(lambda: kinds_at(run, prov), 10, 0.5)
    keys = [(o, s) for o, s, _ in rows]
    run.check(len(keys) == len(set(keys)), "nothing stored twice at the province")
    health = [r for r in rows if r[2] == "health"]
    detections = [r for r in rows if r[2] == "detection"]
    notices = [r for r in rows if r[2] == "drop_notice"]
    run.check(len(detections) == 2, "both detections reached the province (%d)" % len(detections))
    # seqs 1..6000 are health samples but for the detections and notices among them
    made = 6000 - len([r for r in detections + notices if r[1] <= 6000])
    run.check(len(health) + n_coalesced == made,
              "health stored (%d) + coalesced (%d) = health made (%d)"
              % (len(health), n_coalesced, made))
    top = prov.status() or {}
    below = top.get("drops_reported", {})
    run.check(below.get("coalesced") == n_coalesced,
              "the province's status reports the %d coalesced samples (drops_reported %s)"
              % (n_coalesced, below.get("coalesced")))


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    scenarios = {"urgent_first": scenario_urgent_first, "coalesce": scenario_coalesce}
    if name not in scenarios:
        print("usage: pressure.py %s" % "|".join(scenarios))
        return 2
    missing = missing_binaries([COLLECTOR, AGENT, CTL, PROXY])
    if missing:
        print("missing binaries: %s" % missing)
        return 1
    relay = dict(RELAY)
    if name == "urgent_first":
        relay.update(batch_max=64, window=64)
    run = Run(name, relay, prefix="fh-pr-", relay_policy=RELAY_ALL)   # counted at the top
    try:
        scenarios[name](run)
    except Exception as e:  # a harness error is a failure with the logs shown
        run.check(False, "harness: %r" % e)
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main())
