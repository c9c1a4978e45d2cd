#!/usr/bin/env python3
"""run_integration.py - fenghuo end to end: real binaries on 127.0.0.1, in a temp dir.

    python3 run_integration.py SCENARIO      (delivery, kill_county, province_late,
                                              bad_input)

Environment: FH_BIN, the build root (default ../../build from this file); FH_INJECT,
the fh-inject tool (default FH_BIN/tests/fh-inject). meson runs one test per scenario.

Every scenario builds the same tree: province 320000 <- city 320000/320100 <- county
320000/320100/320102 <- five agents 320000/320100/320102/313200000N/host-N, each making
exactly health reports 1..200 (--interval-ms 10 --max-reports 200). It passes when
`fenghuo-ctl -d PROVINCE export --jsonl` holds exactly those 1000 (origin, seq) pairs,
each once, within DELIVERY_DEADLINE_S; the scenarios differ in what goes wrong on the
way:

    delivery       nothing
    kill_county    the county is SIGKILLed mid-delivery and restarted 1.5 s later
    province_late  the province starts only once half the reports were made
    bad_input      fh-inject throws every kind of bad input at the county meanwhile; the
                   county must refuse each under its reason, keep serving, and log each
                   reason at most a couple of times (one line per reason per minute)

Ports are picked free (bind port 0, read it, close). Each run has its own temp dir,
removed on success, kept (and its path printed with the tail of every log) on failure.
Processes log to files there and are stopped by pid, SIGTERM then SIGKILL after 3 s,
always, in a `finally`. Every wait has a deadline. Exit status 0: pass, 1: fail. The
machinery (Run, Node, ports, waits, fenghuo-ctl) is in fhtest.py, shared with chaos.py.
"""
import os
import subprocess
import sys
import time

from fhtest import (AGENT, BIN, COLLECTOR, CTL, RELAY_ALL, Run, counters, delta, endpoint,
                    free_ports, missing_binaries, stored, wait_for)

INJECT = os.path.abspath(os.environ.get("FH_INJECT")
                         or os.path.join(BIN, "tests", "fh-inject"))

PROVINCE, CITY, COUNTY = "320000", "320000/320100", "320000/320100/320102"
AGENTS = 5
REPORTS = 200                 # per agent: seq 1..REPORTS
AGENT_ARGS = ["--interval-ms", "10", "--max-reports", str(REPORTS)]
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 1000}

DELIVERY_DEADLINE_S = 90
INJECT_TIMEOUT_S = 20
COUNTER_WAIT_S = 5.0          # counters are saved at least once a second

# fh-inject modes, the counter each must raise at the county, and the reply expected:
# "ack", an ACK whose verdicts are all REFUSED; "none", no reply at all; None, not
# ZeroMQ, nothing to check.
INJECTIONS = [
    ("random", "refused_malformed", "ack"),
    ("truncated", "refused_malformed", "ack"),
    ("version", "refused_version", "ack"),
    ("scope", "refused_scope", "ack"),
    ("outside", "refused_scope", "none"),
    ("noheader", "refused_hello", "none"),
    ("toomany", "refused_too_many_parts", "none"),
    ("huge", "link_dropped", "none"),
    ("rawtcp", "link_dropped", None),
    ("badgreeting", "link_dropped", None),
]
# Modes whose counter the collector does not raise: their counter changes are printed,
# not asserted. Empty: the collector counts a connection the transport closed before it
# delivered a valid HELLO (an oversized frame, a bad greeting, raw garbage) as
# link_dropped. Put a mode here only with the reason written beside it.
KNOWN_GAPS = set()
RANDOM_REPEATS = 20           # `random` injections in all, for the log rate limit check
LOG_LINES_PER_REASON_MAX = 2  # one line per reason per minute; a run may straddle two


class Tree:
    """province <- city <- county <- AGENTS agents, none started yet."""

    def __init__(self, run):
        p_port, c_port, k_port = free_ports(3)
        self.province = run.collector("province", PROVINCE, p_port, None)
        self.city = run.collector("city", CITY, c_port, p_port)
        self.county = run.collector("county", COUNTY, k_port, c_port)
        self.agents = [run.agent("agent%d" % n, "%s/313200000%d/host-%d" % (COUNTY, n, n),
                                 k_port, AGENT_ARGS) for n in range(1, AGENTS + 1)]
        self.expected = {(a.path, seq) for a in self.agents for seq in range(1, REPORTS + 1)}

    def start(self, nodes):
        for n in nodes:
            n.start()

    def collectors(self):
        return [self.province, self.city, self.county]


def check_delivery(run, tree):
    """Wait for the province to hold exactly the expected set; check it, once more after
    a moment (nothing extra may trickle in late)."""
    t = time.monotonic()
    state = {"keys": None}

    def complete():
        keys = run.export(tree.province)
        if keys is None:
            return False
        state["keys"] = keys
        return tree.expected <= set(keys)

    wait_for(complete, DELIVERY_DEADLINE_S, 0.3)
    took = time.monotonic() - t
    if state["keys"] is not None and tree.expected <= set(state["keys"]):
        time.sleep(1.0)
        keys = run.export(tree.province)
        if keys is not None:
            state["keys"] = keys
    keys = state["keys"] or []
    got = set(keys)
    missing = tree.expected - got
    extra = got - tree.expected
    dups = len(keys) - len(got)
    run.note("province export: expected %d, got %d (%d lines), missing %d, extra %d, "
             "duplicates %d, complete after %.1f s"
             % (len(tree.expected), len(got), len(keys), len(missing), len(extra), dups,
                took))
    if missing:
        by_origin = {}
        for o, s in missing:
            by_origin.setdefault(o, []).append(s)
        for o, seqs in sorted(by_origin.items()):
            run.note("  missing from %s: %d seqs, first %s"
                     % (o, len(seqs), sorted(seqs)[:10]))
    if extra:
        run.note("  extra: %s" % sorted(extra)[:10])
    run.check(not missing and not extra and dups == 0,
              "the province holds exactly the %d expected reports, each once"
              % len(tree.expected))


def check_alive(run, nodes):
    for n in nodes:
        run.check(n.alive(), "%s is still running" % n.name)


def scenario_delivery(run, tree):
    tree.start(tree.collectors() + tree.agents)
    check_delivery(run, tree)
    check_alive(run, run.nodes)


def scenario_kill_county(run, tree):
    tree.start(tree.collectors() + tree.agents)
    n = wait_for(lambda: stored(tree.province) >= 200, 30, 0.05)
    run.check(bool(n), "the province holds >= 200 reports before the county is killed")
    run.note("province holds %d reports; SIGKILL county" % stored(tree.province))
    tree.county.kill()
    # While it is down, what waits where (ctl reads the dead county's store too).
    deepest = {}
    down_until = time.monotonic() + 1.5
    while time.monotonic() < down_until:
        for node in [tree.county] + tree.agents:
            s = node.status()
            if s:
                deepest[node.name] = max(deepest.get(node.name, 0), s["outbox_depth"])
        time.sleep(0.1)
    run.note("largest outbox_depth seen while the county was down: %s"
             % ", ".join("%s %d" % kv for kv in sorted(deepest.items())))
    run.note("restarting the county with the same config and data dir")
    tree.county.start()
    check_delivery(run, tree)
    check_alive(run, run.nodes)


def scenario_province_late(run, tree):
    tree.start([tree.city, tree.county] + tree.agents)
    half = len(tree.expected) // 2
    n = wait_for(lambda: stored(tree.county) >= half, 30, 0.05)
    run.check(bool(n), "the county holds >= %d reports before the province starts" % half)
    depth = wait_for(lambda: (tree.city.status() or {}).get("outbox_depth", 0), 10, 0.1)
    run.check(bool(depth), "the city has reports waiting to relay (outbox_depth %s) while "
              "the province is down" % depth)
    run.note("county holds %d; starting the province" % stored(tree.county))
    tree.province.start()
    check_delivery(run, tree)
    check_alive(run, run.nodes)


def inject_env(run, tree):
    """fh-inject's environment: keys registered at the county for the county's whole scope
    (like a child collector), so what it sends gets past the CURVE handshake and is judged
    by the pipeline. Made once per run."""
    if not hasattr(tree, "inject_env"):
        tree.inject_env = dict(os.environ, **run.client_keys("fh-inject", tree.county,
                                                             tree.county.path))
    return tree.inject_env


def inject(run, tree, mode):
    """Run fh-inject against the county; return its stdout (checked for exit 0)."""
    argv = [INJECT, endpoint(tree.county.port), mode]
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=INJECT_TIMEOUT_S,
                           env=inject_env(run, tree))
    except subprocess.TimeoutExpired:
        run.check(False, "fh-inject %s finished within %d s" % (mode, INJECT_TIMEOUT_S))
        return ""
    out = r.stdout.decode(errors="replace")
    run.check(r.returncode == 0, "fh-inject %s sent (exit %d)" % (mode, r.returncode))
    return out


def wait_counter_rise(node, name, before):
    """Wait until node's counter name exceeds its value in before; return the counters
    then, or None at the deadline."""
    def risen():
        c = counters(node)
        return c if c.get(name, 0) > before.get(name, 0) else None
    return wait_for(risen, COUNTER_WAIT_S, 0.2)


def scenario_bad_input(run, tree):
    tree.start(tree.collectors() + tree.agents)
    county = tree.county
    wait_for(lambda: county.status(), 10, 0.05)
    run.note("injecting bad input into the county while the agents deliver")
    for mode, counter, reply in INJECTIONS:
        before = counters(county)
        out = inject(run, tree, mode)
        for line in out.strip().splitlines():
            run.note("  fh-inject %s: %s" % (mode, line))
        if reply == "ack":
            acks = [l for l in out.splitlines() if l.startswith("ack ")]
            run.check(bool(acks) and all("REFUSED" in l and "STORED" not in l
                                         and "DUPLICATE" not in l for l in acks),
                      "%s: answered with an ack refusing every report" % mode)
        elif reply == "none":
            run.check("no reply" in out, "%s: not answered" % mode)
        if mode in KNOWN_GAPS:
            time.sleep(1.5)
            d = delta(before, counters(county))
            counted = d.get(counter, 0) > 0
            if counted:
                run.note("ok    %s: counted under %s (changes: %s); it is listed in "
                         "KNOWN_GAPS, remove it there" % (mode, counter, d))
            else:
                run.note("GAP   %s: not counted under %s (known gap, not asserted); "
                         "counter changes at the county: %s" % (mode, counter, d or "none"))
            continue
        after = wait_counter_rise(county, counter, before)
        d = delta(before, after or counters(county))
        run.check(bool(after), "%s: counted under %s at the county (changes: %s)"
                  % (mode, counter, d or "none"))
    for _ in range(RANDOM_REPEATS - 1):
        _quiet_inject(run, tree, "random")
    check_delivery(run, tree)
    check_alive(run, run.nodes)   # the county above all

    final = county.status() or {"counters": {}}
    c = final["counters"]
    run.note("county counters: %s; refused_total %s"
             % ({k: v for k, v in c.items() if v}, final.get("refused_total")))
    for name, least in [("refused_malformed", 2 + RANDOM_REPEATS - 1), ("refused_version", 1),
                        ("refused_scope", 2), ("refused_hello", 1),
                        ("refused_too_many_parts", 1)]:
        run.check(c.get(name, 0) >= least, "county %s = %d (>= %d)"
                  % (name, c.get(name, 0), least))
    run.check(c.get("stored", 0) >= len(tree.expected),
              "county stored the agents' %d reports (stored = %d)"
              % (len(tree.expected), c.get("stored", 0)))

    log = county.log_text().splitlines()
    reasons = {}
    for line in log:
        if "refused input (" in line:
            r = line.split("refused input (", 1)[1].split(")", 1)[0]
            reasons[r] = reasons.get(r, 0) + 1
    run.note("county log lines per refusal reason: %s" % reasons)
    m = reasons.get("refused_malformed", 0)
    run.check(1 <= m <= LOG_LINES_PER_REASON_MAX,
              "refused_malformed logged %d times for %d+ refusals (rate limited)"
              % (m, RANDOM_REPEATS))
    for r, k in sorted(reasons.items()):
        run.check(k <= LOG_LINES_PER_REASON_MAX, "%s logged %d times (<= %d)"
                  % (r, k, LOG_LINES_PER_REASON_MAX))


def _quiet_inject(run, tree, mode):
    """fh-inject without a line per check: only failures are reported."""
    try:
        r = subprocess.run([INJECT, endpoint(tree.county.port), mode],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=INJECT_TIMEOUT_S,
                           env=inject_env(run, tree))
        ok = r.returncode == 0
        out = r.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        ok, out = False, "timed out"
    if not ok:
        run.check(False, "fh-inject %s: %s" % (mode, out.strip()))


SCENARIOS = {
    "delivery": scenario_delivery,
    "kill_county": scenario_kill_county,
    "province_late": scenario_province_late,
    "bad_input": scenario_bad_input,
}


def main(argv):
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        print("usage: run_integration.py {%s}" % "|".join(SCENARIOS), file=sys.stderr)
        return 2
    scenario = argv[1]
    for exe in missing_binaries([COLLECTOR, CTL, AGENT]
                                + ([INJECT] if scenario == "bad_input" else [])):
        print("run_integration: %s is missing (FH_BIN=%s)" % (exe, BIN), file=sys.stderr)
        return 1
    run = Run(scenario, RELAY, relay_policy=RELAY_ALL)   # every report counted at the top
    run.note("%s: temp dir %s, binaries from %s" % (scenario, run.dir, BIN))
    try:
        tree = Tree(run)
        SCENARIOS[scenario](run, tree)
    except Exception as e:  # a harness error is a failure too, with the logs
        run.check(False, "harness: %s: %s" % (type(e).__name__, e))
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
