#!/usr/bin/env python3
"""chaos.py - nothing lost, nothing twice: delivery through four tiers under faults.

    python3 chaos.py                       (meson test chaos, suite integration)

Environment: FH_BIN, the build root; FH_PROXY, the fh-proxy tool (default
FH_BIN/tests/fh-proxy); FH_CHAOS_SEED, the seed of the fault schedule (default: a random
one, printed, so any run can be replayed); FH_CHAOS_MINUTES, the length of the chaos
phase in minutes (default 2; a soak: more minutes, proportionally more reports).

The tree, on 127.0.0.1 in a temp dir, every collector link through its own fh-proxy:

    province 320000
      ^ proxy-city
    city 320000/320100                    [store] map_size_mb = map_max_mb = 16, to fill
      ^ proxy-county
    county 320000/320100/320102           <- 15 agents, each in its own unit (unit codes
      ^ proxy-unit                           of 8, 10 and 18 characters)
    unit 320000/320100/320102/3132000001  <- 15 agents

Each agent runs `fenghuo-agent --interval-ms 20 --max-reports N` and so makes exactly
health reports 1..N (N = REPORTS_PER_MINUTE x minutes; the agents start at staggered
instants so traffic lasts through the chaos). Their health probe reports pseudo
filesystems too: bigger bodies, so the city's 16 MiB map (the least the config accepts)
fills during the run.

During the chaos phase, at instants drawn from the seeded RNG (the whole schedule is
printed first): every collector tier is SIGKILLed and restarted (at least once each);
some agents are SIGKILLed and restarted while they generate; every proxy is put in
blackhole, reset and delay for a few seconds each, then back to pass. Independently, a
watcher waits for the city's store to fill ("STORE FULL" in its log: it stops
acknowledging, its children keep their copies), holds it full for FULL_HOLD_S, then
rewrites its config with map_size_mb = 1024 and restarts it.

Then the chaos stops (every proxy to pass, every node up), everything drains (bounded
by DRAIN_DEADLINE_S) and the test passes when `fenghuo-ctl -d PROVINCE export --jsonl`
holds exactly the (origin, seq) pairs the agents made, each once, the city did fill, no
node died on its own and every node exits 0 on SIGTERM. It prints: generated, stored at
the top, retransmitted, duplicates refused, coalesced (n/a where no node has that
counter), store_full events. On a loss it says, per origin, which seqs are missing and
which tiers hold them.
"""
import os
import random
import sys
import time

from fhtest import (AGENT, BIN, COLLECTOR, CTL, RELAY_ALL, Run, free_ports, missing_binaries,
                    wait_for)

PROXY = os.path.abspath(os.environ.get("FH_PROXY") or os.path.join(BIN, "tests", "fh-proxy"))

PROVINCE, CITY, COUNTY = "320000", "320000/320100", "320000/320100/320102"
UNIT = COUNTY + "/3132000001"
AGENTS_PER_PARENT = 15
INTERVAL_MS = 20
DEFAULT_MINUTES = 2.0
REPORTS_PER_MINUTE = 300      # per agent: 600 each, 18000 in all, by default
RELAY = {"retry_min_ms": 200, "retry_max_ms": 2000, "heartbeat_ms": 1000}
AGENT_EXTRA = "\n[health]\ninclude_pseudo_fs = true\n"
CITY_SMALL_MAP_MB = 16        # the least [store] map_size_mb accepts
CITY_LARGE_MAP_MB = 1024

START_WAIT_S = 15             # for a collector's store to appear
START_WINDOW = 0.9            # agents are done generating by about this share of the chaos
GEN_SLACK = 1.3               # generating takes this much longer than N x interval (fsyncs)
COLLECTOR_DOWN_S = (0.3, 3.0)
AGENT_DOWN_S = (0.2, 2.0)
PROXY_FAULT_S = (2.0, 6.0)
PROXY_DELAY_MS = (50, 800)
FULL_HOLD_S = 5.0             # the city stays full at least this long before its restart,
FULL_STALL_S = 3.0            # and until its stored count has not moved for this long
FULL_HOLD_MAX_S = 30.0        # (or this long, whichever comes first)
TICK_S = 0.1
WATCH_EVERY_S = 1.0
PROGRESS_EVERY_S = 10.0
PROXY_ACK_S = 2.0             # the proxy logs a mode change within this (it polls 100 ms)
DRAIN_DEADLINE_S = 180
QUIET_AFTER_S = 20            # drain: top unchanged this long and no outbox holds anything
EXPORT_TIMEOUT_S = 120
FULL_MARK = "STORE FULL"


def unit_codes(n):
    """n unit codes of the three kinds the tree uses: a school's 10-digit 学校标识码,
    an 18-character 统一社会信用代码, an 8-character organisation code."""
    codes = []
    for i in range(2, n + 2):
        codes.append(["31320%05d" % i, "12320102MB%08d" % i, "3201%04d" % i][i % 3])
    return codes


class Proxy:
    """An fh-proxy between a child collector and its parent, driven by its control file."""

    def __init__(self, run, name, port, target_port):
        self.name = name
        self.port = port
        self.control = os.path.join(run.dir, name + ".ctl")
        self.run = run
        self.node = run.tool(name, [PROXY, "--listen", "127.0.0.1:%d" % port,
                                    "--target", "127.0.0.1:%d" % target_port,
                                    "--control", self.control])
        self.mode = "pass"

    def set_mode(self, word):
        """Write word to the control file and wait (bounded) for the proxy to log it."""
        before = self.node.log_text().count(" mode ")
        self.run.write(os.path.basename(self.control), word + "\n")
        self.mode = word
        ok = wait_for(lambda: self.node.log_text().count(" mode ") > before, PROXY_ACK_S, 0.05)
        if not ok:
            self.run.note("note: %s did not log mode %s within %.0f s"
                          % (self.name, word, PROXY_ACK_S))


class LogWatch:
    """New lines of a node's log that contain a marker, read incrementally."""

    def __init__(self, node, marker):
        self.node, self.marker, self.offset, self.hits = node, marker, 0, 0

    def poll(self):
        try:
            with open(self.node.log_path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return 0
        end = data.rfind(b"\n") + 1
        self.offset += end
        n = data[:end].decode(errors="replace").count(self.marker)
        self.hits += n
        return n


class Tree:
    """The four collectors, three proxies and thirty agents, none started yet."""

    def __init__(self, run, reports):
        ports = free_ports(7)
        p_port, c_port, k_port, u_port, xc, xk, xu = ports
        self.province = run.collector("province", PROVINCE, p_port, None)
        self.proxy_city = Proxy(run, "proxy-city", xc, p_port)
        self.city = run.collector("city", CITY, c_port, xc,
                                  store={"map_size_mb": CITY_SMALL_MAP_MB,
                                         "map_max_mb": CITY_SMALL_MAP_MB})
        self.proxy_county = Proxy(run, "proxy-county", xk, c_port)
        self.county = run.collector("county", COUNTY, k_port, xk)
        self.proxy_unit = Proxy(run, "proxy-unit", xu, k_port)
        self.unit = run.collector("unit", UNIT, u_port, xu)
        args = ["--interval-ms", str(INTERVAL_MS), "--max-reports", str(reports)]
        self.agents = []
        for i, code in enumerate(unit_codes(AGENTS_PER_PARENT), 1):
            self.agents.append(run.agent("agent-k%02d" % i, "%s/%s/host-%02d" % (COUNTY, code, i),
                                         k_port, args, AGENT_EXTRA))
        for i in range(1, AGENTS_PER_PARENT + 1):
            self.agents.append(run.agent("agent-u%02d" % i, "%s/pc-%02d" % (UNIT, i), u_port,
                                         args, AGENT_EXTRA))
        self.collectors = [self.province, self.city, self.county, self.unit]
        self.proxies = [self.proxy_city, self.proxy_county, self.proxy_unit]
        self.expected = {(a.path, s) for a in self.agents for s in range(1, reports + 1)}
        for n in self.collectors + self.agents + [p.node for p in self.proxies]:
            n.want_up = False


# ---- the schedule ----

def place(rng, n, t0, t1, dur):
    """n non-overlapping (start, end) windows inside [t0, t1], one in each of n equal
    slots, each lasting a random time in dur (shortened to fit its slot)."""
    slot = (t1 - t0) / n
    out = []
    for i in range(n):
        d = min(rng.uniform(*dur), slot * 0.8)
        s = t0 + i * slot + rng.uniform(0, slot - d)
        out.append((s, s + d))
    return out


def schedule(rng, tree, chaos_s, minutes, reports):
    """The fault schedule: a list of (start_s, end_s, kind, target, arg), where kind is
    'start' (an agent's first start; end_s == start_s), 'kill' (SIGKILL at start,
    restart at end) or 'proxy' (mode arg at start, pass at end)."""
    ev = []
    repeat = max(1, round(minutes / DEFAULT_MINUTES))
    gen_s = reports * INTERVAL_MS / 1000.0
    last_start = max(1.0, START_WINDOW * chaos_s - GEN_SLACK * gen_s)
    starts = {}
    for a in tree.agents:
        starts[a.name] = rng.uniform(0, last_start)
        ev.append((starts[a.name], starts[a.name], "start", a, None))
    for c in tree.collectors:
        for s, e in place(rng, repeat, 3.0, chaos_s - 3.0, COLLECTOR_DOWN_S):
            ev.append((s, e, "kill", c, None))
    for p in tree.proxies:
        faults = ["blackhole", "reset", "delay"] * repeat
        rng.shuffle(faults)
        for f, (s, e) in zip(faults, place(rng, len(faults), 2.0, chaos_s - 2.0,
                                           PROXY_FAULT_S)):
            arg = "delay %d" % rng.randint(*PROXY_DELAY_MS) if f == "delay" else f
            ev.append((s, e, "proxy", p, arg))
    # Agent kills while they generate: 6 per default run, spread over distinct agents.
    kills = max(4, round(6 * minutes / DEFAULT_MINUTES))
    order = list(tree.agents)
    rng.shuffle(order)
    per_agent = {}
    for i in range(kills):
        a = order[i % len(order)]
        per_agent[a.name] = per_agent.get(a.name, 0) + 1
    for a in order:
        k = per_agent.get(a.name, 0)
        if k:
            t0 = starts[a.name] + 0.2
            for s, e in place(rng, k, t0, t0 + max(1.0, gen_s), AGENT_DOWN_S):
                ev.append((s, e, "kill", a, None))
    ev.sort(key=lambda e: (e[0], e[3].name))
    return ev


def describe(e):
    s, end, kind, target, arg = e
    if kind == "kill":
        return "%7.2f s  SIGKILL %s, restart at %.2f s (down %.1f s)" % (s, target.name, end,
                                                                        end - s)
    return "%7.2f s  %s: %s until %.2f s (%.1f s)" % (s, target.name, arg, end, end - s)


# ---- running it ----

class Chaos:
    def __init__(self, run, tree, minutes):
        self.run, self.tree = run, tree
        self.chaos_s = minutes * 60.0
        self.city_full = LogWatch(tree.city, FULL_MARK)
        self.full_at = None           # run time the city's store was seen full
        self.full_stored = (None, 0.0)  # the city's stored count, and since when
        self.full_info = {}
        self.city_regrown = False
        self.next_watch = 0.0
        self.next_progress = 0.0
        self.crashes = 0

    def start_node(self, n):
        n.start()
        n.want_up = True

    def kill_node(self, n):
        n.want_up = False
        n.kill()

    def act(self, action, e):
        s, end, kind, target, arg = e
        if kind == "start":
            self.start_node(target)
        elif kind == "kill" and action == "begin":
            self.run.note("chaos: SIGKILL %s (back in %.1f s)" % (target.name, end - s))
            self.kill_node(target)
        elif kind == "kill":
            self.run.note("chaos: restart %s" % target.name)
            self.start_node(target)
        elif action == "begin":
            self.run.note("chaos: %s -> %s (for %.1f s)" % (target.name, arg, end - s))
            target.set_mode(arg)
        else:
            self.run.note("chaos: %s -> pass" % target.name)
            target.set_mode("pass")

    def watch(self, now):
        """Crashed nodes, the city's store, progress: called every tick."""
        t = self.run
        for n in self.tree.collectors + self.tree.agents + [p.node for p in self.tree.proxies]:
            if n.want_up and not n.alive():
                self.crashes += 1
                t.check(False, "%s exited on its own (status %s); restarting it"
                        % (n.name, n.proc.returncode))
                t.dump_logs([n], 15)
                n.start()
        if now >= self.next_watch:
            self.next_watch = now + WATCH_EVERY_S
            self.watch_city(now)
        if now >= self.next_progress:
            self.next_progress = now + PROGRESS_EVERY_S
            self.progress()

    def watch_city(self, now):
        """Once the city's store is full, hold it so until it stops storing (the children
        keep their copies), then give it a large map and restart it."""
        c = self.tree.city
        if self.city_regrown:
            return
        if self.full_at is None:
            if not self.city_full.poll():
                return
            st = c.status() or {}
            self.full_at = now
            self.full_stored = (st.get("reports_stored"), now)
            self.full_info["city_stored_at_full"] = st.get("reports_stored")
            self.run.note("city: its %d MiB store is full (\"%s\" in its log, %s reports "
                          "stored); holding it full until it stops storing"
                          % (CITY_SMALL_MAP_MB, FULL_MARK, st.get("reports_stored")))
            return
        self.city_full.poll()
        st = c.status() or {}
        n = st.get("reports_stored")
        if n != self.full_stored[0]:
            self.full_stored = (n, now)
        k = self.tree.county.status() or {}
        depth = k.get("outbox_depth") or 0
        self.full_info["county_outbox_max"] = max(self.full_info.get("county_outbox_max", 0),
                                                  depth)
        held = now - self.full_at
        stalled = now - self.full_stored[1]
        if held < FULL_HOLD_S or (stalled < FULL_STALL_S and held < FULL_HOLD_MAX_S):
            return
        self.run.note("city: full for %.0f s; it stores %s reports (%s when it filled), "
                      "unchanged for %.0f s; the county's outbox holds %s (at most %d seen "
                      "meanwhile). Restarting the city with map_size_mb = %d"
                      % (held, n, self.full_info["city_stored_at_full"], stalled, depth,
                         self.full_info["county_outbox_max"], CITY_LARGE_MAP_MB))
        self.full_info["stalled_s"] = stalled
        self.run.collector_conf(c, store={"map_size_mb": CITY_LARGE_MAP_MB})
        self.city_regrown = True
        if c.alive():
            c.want_up = False
            code = c.stop()
            self.run.note("city stopped (exit status %s); starting it again" % code)
            self.start_node(c)
        else:
            self.run.note("city is down (a chaos kill): it restarts with the new map")

    def progress(self):
        st = {c.name: c.status() or {} for c in self.tree.collectors}
        self.run.note("progress: top %s of %d; stored/outbox %s%s; proxies %s"
                      % (st["province"].get("reports_stored"), len(self.tree.expected),
                         " ".join("%s %s/%s" % (k, v.get("reports_stored"),
                                                v.get("outbox_depth"))
                                  for k, v in st.items() if k != "province"),
                         " (city full)" if self.full_at is not None and not self.city_regrown
                         else "",
                         " ".join("%s" % p.mode for p in self.tree.proxies)))

    def run_chaos(self, events):
        actions = []
        for i, e in enumerate(events):
            actions.append((e[0], i, "begin", e))
            if e[2] != "start":
                actions.append((e[1], i, "end", e))
        actions.sort(key=lambda a: (a[0], a[1]))
        t0 = time.monotonic()
        i = 0
        while True:
            now = time.monotonic() - t0
            while i < len(actions) and actions[i][0] <= now:
                self.act(actions[i][2], actions[i][3])
                i += 1
            self.watch(self.run.elapsed())
            if i == len(actions) and now >= self.chaos_s:
                return
            time.sleep(TICK_S)

    def heal(self):
        for p in self.tree.proxies:
            if p.mode != "pass":
                p.set_mode("pass")
        for n in self.tree.collectors + self.tree.agents:
            if not n.alive():
                self.run.note("heal: starting %s" % n.name)
                self.start_node(n)

    def outboxes(self):
        """{name: outbox_depth} of every collector and agent (None: unreadable)."""
        out = {}
        for n in self.tree.collectors + self.tree.agents:
            s = n.status()
            out[n.name] = s.get("outbox_depth") if s else None
        return out

    def drain(self):
        """Wait until the top holds every expected report, or nothing moves any more, or
        the deadline. Returns the top's last export (list of (origin, seq)) or None."""
        t = self.run
        want = len(self.tree.expected)
        deadline = time.monotonic() + DRAIN_DEADLINE_S
        last_n, last_change = -1, time.monotonic()
        keys = None
        next_export = 0.0
        while time.monotonic() < deadline:
            self.watch(t.elapsed())
            s = self.tree.province.status()
            n = s["reports_stored"] if s else -1
            if n != last_n:
                last_n, last_change = n, time.monotonic()
            if n >= want and time.monotonic() >= next_export:
                keys = t.export(self.tree.province, EXPORT_TIMEOUT_S)
                next_export = time.monotonic() + 10
                if keys is not None and self.tree.expected <= set(keys):
                    return keys
            if time.monotonic() - last_change > QUIET_AFTER_S:
                depths = self.outboxes()
                if not any(depths.values()) and (self.city_regrown or self.full_at is None):
                    t.note("drain: the top is at %d of %d and no outbox holds anything: "
                           "nothing more will come" % (n, want))
                    break
                last_change = time.monotonic()
                t.note("drain: the top is at %d of %d; outboxes: %s"
                       % (n, want, ", ".join("%s %s" % kv for kv in depths.items() if kv[1])))
            time.sleep(0.5)
        return t.export(self.tree.province, EXPORT_TIMEOUT_S)


def ranges(seqs):
    """[1, 2, 3, 7] -> '1-3,7'."""
    out, seqs = [], sorted(seqs)
    i = 0
    while i < len(seqs):
        j = i
        while j + 1 < len(seqs) and seqs[j + 1] == seqs[j] + 1:
            j += 1
        out.append("%d" % seqs[i] if i == j else "%d-%d" % (seqs[i], seqs[j]))
        i = j + 1
    return ",".join(out)


def diagnose(run, tree, missing):
    """Say per origin which seqs are missing at the top and which tiers hold them."""
    held = {}
    for c in tree.collectors:
        keys = run.export(c, EXPORT_TIMEOUT_S)
        held[c.name] = set(keys or [])
    by_origin = {}
    for o, s in missing:
        by_origin.setdefault(o, []).append(s)
    for o, seqs in sorted(by_origin.items()):
        where = ", ".join("%s %d/%d" % (c.name, sum((o, s) in held[c.name] for s in seqs),
                                        len(seqs)) for c in tree.collectors)
        run.note("  missing from %s: %d seqs (%s); held at: %s"
                 % (o, len(seqs), ranges(seqs)[:200], where))


def check_top(run, tree, keys):
    keys = keys or []
    got = set(keys)
    missing = tree.expected - got
    extra = got - tree.expected
    twice = len(keys) - len(got)
    run.note("top export: expected %d, got %d distinct (%d lines): missing %d, extra %d, "
             "stored twice %d" % (len(tree.expected), len(got), len(keys), len(missing),
                                  len(extra), twice))
    if missing:
        diagnose(run, tree, missing)
    if extra:
        run.note("  extra: %s" % sorted(extra)[:10])
    run.check(not missing and not extra and twice == 0,
              "the province holds exactly the %d reports the agents made, each once"
              % len(tree.expected))
    return len(got), len(missing), len(extra), twice


def totals(run, tree):
    """Sums of the counters of every collector and agent (read after they stopped, so
    what they flushed at exit is in)."""
    sums, has = {}, set()
    for n in tree.collectors + tree.agents:
        s = n.status()
        if not s:
            run.note("note: no status for %s" % n.name)
            continue
        for k, v in s.get("counters", {}).items():
            if isinstance(v, int):
                sums[k] = sums.get(k, 0) + v
                has.add(k)
    return sums, has


def main(argv):
    if len(argv) != 1:
        print("usage: chaos.py   (FH_CHAOS_SEED, FH_CHAOS_MINUTES in the environment)",
              file=sys.stderr)
        return 2
    for exe in missing_binaries([COLLECTOR, CTL, AGENT, PROXY]):
        print("chaos: %s is missing (FH_BIN=%s)" % (exe, BIN), file=sys.stderr)
        return 1
    seed = int(os.environ.get("FH_CHAOS_SEED") or random.SystemRandom().randrange(1, 2**31))
    minutes = float(os.environ.get("FH_CHAOS_MINUTES") or DEFAULT_MINUTES)
    reports = max(1, round(REPORTS_PER_MINUTE * minutes))
    run = Run("chaos", RELAY, relay_policy=RELAY_ALL)   # every report counted at the top
    run.note("chaos: seed %d, %.1f min of chaos, %d agents x %d reports; temp dir %s, "
             "binaries from %s" % (seed, minutes, 2 * AGENTS_PER_PARENT, reports, run.dir, BIN))
    run.note("replay: FH_CHAOS_SEED=%d FH_CHAOS_MINUTES=%g %s" % (seed, minutes, argv[0]))
    result = None
    chaos = None
    try:
        tree = Tree(run, reports)
        events = schedule(random.Random(seed), tree, minutes * 60.0, minutes, reports)
        run.note("schedule (seconds from the start of the chaos):")
        starts = [e[0] for e in events if e[2] == "start"]
        print("            agents start between %.1f s and %.1f s" % (min(starts), max(starts)))
        for e in events:
            if e[2] != "start":
                print("            " + describe(e))
        chaos = Chaos(run, tree, minutes)
        chaos.start_node(tree.province)
        for p in tree.proxies:
            chaos.start_node(p.node)
        for c in tree.collectors[1:]:
            chaos.start_node(c)
        for c in tree.collectors:
            run.check(bool(wait_for(c.status, START_WAIT_S, 0.1)), "%s is up" % c.name)
        t = run.elapsed()
        chaos.run_chaos(events)
        run.note("chaos over after %.0f s: every proxy to pass, every node up; draining"
                 % (run.elapsed() - t))
        chaos.heal()
        t = run.elapsed()
        keys = chaos.drain()
        run.note("drained in %.1f s" % (run.elapsed() - t))
        result = check_top(run, tree, keys)
        run.check(chaos.full_at is not None,
                  "the city's %d MiB store filled (\"%s\" in its log) and it was restarted "
                  "with %d MiB" % (CITY_SMALL_MAP_MB, FULL_MARK, CITY_LARGE_MAP_MB))
    except Exception as e:  # a harness error is a failure too, with the logs
        run.check(False, "harness: %s: %s" % (type(e).__name__, e))
    finally:
        codes = run.stop_all()
    if result is not None:
        sums, has = totals(run, tree)
        got, missing, extra, twice = result
        run.note("chaos summary: seed %d, %.1f min, %d agents x %d reports"
                 % (seed, minutes, len(tree.agents), reports))
        rows = [
            ("generated", len(tree.expected)),
            ("stored at top", "%d (missing %d, extra %d, stored twice %d)"
             % (got, missing, extra, twice)),
            ("retransmitted", sums.get("retransmitted", 0)),
            ("duplicates refused", sums.get("duplicate", 0)),
            ("coalesced", sums["coalesced"] if "coalesced" in has else "n/a"),
            ("store_full events", "%d (counters), %d \"%s\" log lines at the city"
             % (sums.get("store_full", 0), chaos.city_full.hits, FULL_MARK)),
            ("health sent back", sums.get("outbox_full_retry", 0)),
            ("dead letters", sums.get("dead_letter", 0)),
        ]
        for k, v in rows:
            print("            %-20s %s" % (k, v))
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
