"""fhtest.py - what fenghuo's integration tests share: real processes on 127.0.0.1.

    from fhtest import Run, Node, free_ports, endpoint, wait_for, ...

The probe tests (probe_*.py) share more: require_binaries(), collector_and_agent(),
records() / bodies() / detections() of `fenghuo-ctl export --jsonl`, logged(); ctl()
runs fenghuo-ctl returning (exit status, stdout, stderr).

A Run is one test's temp dir, the nodes started in it (collectors, agents, helper
tools such as fh-proxy) and the checks made. A Node is one process with its argv, data
dir and log file; it can be started again after a SIGKILL with the same config and data
dir, and its log is appended to. Every wait has a deadline; every process is stopped by
its pid (SIGTERM, then SIGKILL after STOP_GRACE_S), always, by the caller's `finally`.

Security (docs/security.md): every node gets its own key directory made with
`fenghuo-ctl keygen`; when a node starts, its parent (the collector of the run whose scope
is the longest prefix of the node's path) gets its key registered (`fenghuo-ctl peers
add`, the static registration) and the node gets the parent's public key in its
parent.pub. So every link of every test is CURVE with ZAP, as in production. A node made
with auto_register=False is left to its test (enrolment with a token, revocation).

Environment: FH_BIN, the build root (default ../../build from this file); FH_KEEP_TMP=1
keeps a passing run's temp dir (logs, stores) too. Nothing here ever talks to anything
but 127.0.0.1.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(os.environ.get("FH_BIN") or os.path.join(HERE, "..", "..", "build"))
COLLECTOR = os.path.join(BIN, "collector", "fenghuo-collector")
CTL = os.path.join(BIN, "collector", "fenghuo-ctl")
AGENT = os.path.join(BIN, "agent", "fenghuo-agent")

STOP_GRACE_S = 3.0
RELAY_ALL = {"default": "relay"}   # [relay_policy] that sends every report to the top
CLEAN_STOP_S = 2.0            # a node must exit this soon after SIGTERM (issue: 2 s)
CTL_TIMEOUT_S = 10
LOG_TAIL_LINES = 40


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (held together while picked)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def endpoint(port):
    return "tcp://127.0.0.1:%d" % port


def wait_for(pred, timeout_s, interval_s=0.2):
    """Call pred() until it returns a true value or timeout_s passes; return the last
    value."""
    deadline = time.monotonic() + timeout_s
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval_s)


def missing_binaries(paths):
    """The paths in paths that are not executable files."""
    return [p for p in paths if not os.access(p, os.X_OK)]


class Failed(Exception):
    pass


class Node:
    """One process (a collector, an agent, a tool) with its config, data dir and log."""

    def __init__(self, run, name, argv, data_dir, path):
        self.run = run
        self.name = name
        self.argv = argv
        self.data_dir = data_dir
        self.path = path
        self.log_path = os.path.join(run.dir, name + ".log")
        self.proc = None
        self.key_dir = None          # set for collectors and agents (Run.keygen)
        self.role = None             # "agent" or "collector"
        self.auto_register = True    # register with the parent at start

    def start(self):
        if self.key_dir and self.auto_register:
            self.run.register(self)
        with open(self.log_path, "ab") as log:
            log.write(b"--- fenghuo test: starting %s\n" % " ".join(self.argv).encode())
            log.flush()
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=self.run.dir)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL, as a crash or a power cut would."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_GRACE_S)

    def terminate(self):
        """Send SIGTERM once (a second one during shutdown could hit the default action
        once the node has closed its signal handlers)."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)

    def reap(self, deadline):
        """Wait for the process until deadline (monotonic), then SIGKILL it. Returns the
        exit status (negative: the signal that ended it), or None when it never ran."""
        if self.proc is None:
            return None
        try:
            self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_GRACE_S)
            self.run.note("%s did not stop within %.0f s of SIGTERM: killed"
                          % (self.name, STOP_GRACE_S))
        return self.proc.returncode

    def stop(self):
        """SIGTERM, wait up to STOP_GRACE_S (then SIGKILL). Returns the exit status."""
        self.terminate()
        return self.reap(time.monotonic() + STOP_GRACE_S)

    def status(self):
        """`fenghuo-ctl --json status` of this node, or None (not there yet)."""
        out = self.run.ctl(self.data_dir, "--json", "status")
        try:
            return json.loads(out) if out else None
        except ValueError:
            return None

    def log_text(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Run:
    """A temp dir, the nodes started in it, and the checks made. relay: the [relay] keys
    every node's config gets. relay_policy: the [relay_policy] keys every collector's
    config gets (docs/collector.md "Relay policy and rollups"): RELAY_ALL for the tests
    that count every agent report at the top, None for the built-in policy (health,
    patch, detections and service events stay at the first collector, counted in
    rollups). rollup_period_s: [rollup] period_s of every collector (None: built-in)."""

    def __init__(self, name, relay, prefix="fh-it-", relay_policy=None, rollup_period_s=None):
        self.name = name
        self.relay = dict(relay)
        self.relay_policy = dict(relay_policy) if relay_policy else None
        self.rollup_period_s = rollup_period_s
        self.dir = tempfile.mkdtemp(prefix="%s%s-" % (prefix, name))
        self.nodes = []
        self.failures = []
        self.t0 = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.t0

    def note(self, msg):
        print("[%6.2f s] %s" % (self.elapsed(), msg), flush=True)

    def check(self, ok, msg):
        self.note(("ok    " if ok else "FAIL  ") + msg)
        if not ok:
            self.failures.append(msg)
        return ok

    def write(self, name, text):
        """Write text to name in the temp dir (a new file renamed over the old one, so a
        reader never sees half of it); return its path."""
        p = os.path.join(self.dir, name)
        with open(p + ".tmp", "w") as f:
            f.write(text)
        os.replace(p + ".tmp", p)
        return p

    def keygen(self, name):
        """A new key directory for name (fenghuo-ctl keygen); its path."""
        d = os.path.join(self.dir, name + "-keys")
        r = subprocess.run([CTL, "keygen", "--dir", d], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=CTL_TIMEOUT_S)
        if r.returncode != 0:
            raise Failed("fenghuo-ctl keygen --dir %s: %s" % (d, r.stdout.decode().strip()))
        return d

    def security_section(self, node):
        return "\n[security]\nkey_dir = %s\n" % node.key_dir

    def parent_of(self, path):
        """The collector of this run whose scope is the longest proper prefix of path."""
        best = None
        for n in self.nodes:
            if n.role != "collector" or n.path == path:
                continue
            if path.startswith(n.path + "/") and (best is None or len(n.path) > len(best.path)):
                best = n
        return best

    def register(self, node, parent=None, path=None, role=None):
        """Register node's key at parent (default: parent_of(node.path)) for path (default
        node.path) and give node the parent's public key. Returns the parent or None."""
        parent = parent or self.parent_of(node.path)
        if parent is None:
            return None
        r = subprocess.run([CTL, "-d", parent.data_dir, "peers", "add", "--key-dir",
                            node.key_dir, "--path", path or node.path, "--role",
                            role or node.role], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=CTL_TIMEOUT_S)
        if r.returncode != 0:
            raise Failed("fenghuo-ctl peers add at %s: %s" % (parent.name,
                                                              r.stdout.decode().strip()))
        shutil.copyfile(os.path.join(parent.key_dir, "curve.pub"),
                        os.path.join(node.key_dir, "parent.pub"))
        # the parent's signing key, pinned (what enrolment writes; docs/security.md)
        shutil.copyfile(os.path.join(parent.key_dir, "sign.pub"),
                        os.path.join(node.key_dir, "parent_sign.pub"))
        return parent

    def client_keys(self, name, parent, path, role="collector"):
        """Keys for a raw client (fh-inject) registered at parent for path: the
        environment that makes fh-inject use them."""
        holder = Node(self, name, [], None, path)
        holder.key_dir = self.keygen(name)
        self.register(holder, parent, path, role)
        return {"FH_INJECT_KEY_DIR": holder.key_dir}

    def relay_section(self):
        return "[relay]\n" + "".join("%s = %d\n" % kv for kv in self.relay.items())

    def policy_sections(self):
        """[relay_policy] and [rollup] of every collector, as the Run was made."""
        text = ""
        if self.relay_policy:
            text += "\n[relay_policy]\n" + "".join("%s = %s\n" % kv
                                                   for kv in self.relay_policy.items())
        if self.rollup_period_s:
            text += "\n[rollup]\nperiod_s = %d\n" % self.rollup_period_s
        return text

    def collector_conf(self, node, store=None):
        """(Re)write the config of collector node; store: the [store] keys, if any."""
        conf = ("[collector]\nscope = %s\nlisten = %s\n%sdata_dir = %s\n\n%s"
                % (node.path, endpoint(node.port),
                   "parent = %s\n" % endpoint(node.parent_port) if node.parent_port else "",
                   node.data_dir, self.relay_section()))
        if store:
            conf += "\n[store]\n" + "".join("%s = %s\n" % kv for kv in store.items())
        conf += self.policy_sections()
        conf += getattr(node, "extra", "")
        if node.key_dir:
            conf += self.security_section(node)
        return self.write(node.name + ".ini", conf)

    def collector(self, name, scope, port, parent_port, store=None, extra=""):
        """extra: more config text, appended as whole sections (a section may come
        twice, e.g. "[collector]\nenrol_listen = ...")."""
        data = os.path.join(self.dir, name)
        node = Node(self, name, [COLLECTOR, "-c", os.path.join(self.dir, name + ".ini")],
                    data, scope)
        node.port = port
        node.parent_port = parent_port
        node.role = "collector"
        node.key_dir = self.keygen(name)
        node.extra = extra
        self.collector_conf(node, store)
        self.nodes.append(node)
        return node

    def agent(self, name, path, parent_port, args, extra="", patch="enabled = false\n"):
        """An agent reporting to parent_port, started with args (e.g. --interval-ms,
        --max-reports); extra is appended to its config (probe sections); patch is the
        body of its [patch] section (off unless a test asks for it)."""
        data = os.path.join(self.dir, name)
        # Tests count every report an agent makes: only health (and what a test hands
        # the spool) — the patch probe's inventory reports are left out.
        key_dir = self.keygen(name)
        conf = ("[agent]\npath = %s\nparent = %s\ndata_dir = %s\n\n%s\n[patch]\n"
                "%s\n[security]\nkey_dir = %s\n%s"
                % (path, endpoint(parent_port), data, self.relay_section(), patch, key_dir,
                   extra))
        cfg = self.write(name + ".ini", conf)
        node = Node(self, name, [AGENT, "-c", cfg] + list(args), data, path)
        node.role = "agent"
        node.key_dir = key_dir
        self.nodes.append(node)
        return node

    def tool(self, name, argv):
        """A helper process (no store) that is stopped with the nodes."""
        node = Node(self, name, argv, None, None)
        self.nodes.append(node)
        return node

    def ctl(self, data_dir, *args, timeout_s=CTL_TIMEOUT_S):
        """stdout of fenghuo-ctl -d data_dir args, or None when it fails."""
        try:
            r = subprocess.run([CTL, "-d", data_dir] + list(args), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.note("fenghuo-ctl %s timed out" % " ".join(args))
            return None
        return r.stdout.decode(errors="replace") if r.returncode == 0 else None

    def export(self, node, timeout_s=CTL_TIMEOUT_S):
        """The (origin, seq) of every line of `export --jsonl`, in order, or None."""
        out = self.ctl(node.data_dir, "export", "--jsonl", timeout_s=timeout_s)
        if out is None:
            return None
        keys = []
        for line in out.splitlines():
            if line.strip():
                r = json.loads(line)
                if r.get("kind") == "key":
                    continue   # signing keys vouched for by a collector: bookkeeping
                keys.append((r["origin"], r["seq"]))
        return keys

    def stop_all(self):
        """Stop every node (all get SIGTERM first, so this takes at most ~3 s). Returns
        {name: exit status} of the nodes that were running; self.slowest_stop_s is the
        longest time one of them took to exit after its SIGTERM."""
        running = [n for n in self.nodes if n.alive()]
        t0 = time.monotonic()
        for n in running:
            n.terminate()
        deadline = t0 + STOP_GRACE_S
        codes = {}
        self.slowest_stop_s = 0.0
        for n in running:
            codes[n.name] = n.reap(deadline)
            self.slowest_stop_s = max(self.slowest_stop_s, time.monotonic() - t0)
        return codes

    def dump_logs(self, nodes=None, tail=LOG_TAIL_LINES):
        for n in nodes or self.nodes:
            lines = n.log_text().splitlines()
            print("----- %s (%s), last %d of %d lines -----"
                  % (n.name, n.log_path, min(tail, len(lines)), len(lines)))
            for line in lines[-tail:]:
                print("  " + line)

    def finish(self, codes):
        """After stop_all(): check every node exited 0, print the verdict (with the logs
        and the kept temp dir on failure, removing the temp dir on success). Returns the
        exit status of the test: 0 pass, 1 fail."""
        bad_exit = {k: v for k, v in codes.items() if v != 0}
        self.check(not bad_exit, "every node exits 0 on SIGTERM%s"
                   % (" (not: %s)" % bad_exit if bad_exit else ""))
        slowest = getattr(self, "slowest_stop_s", 0.0)
        self.check(slowest <= CLEAN_STOP_S, "every node stopped within %.0f s of SIGTERM "
                   "(the slowest: %.2f s)" % (CLEAN_STOP_S, slowest))
        if self.failures:
            self.dump_logs()
            print("%s FAILED (%d checks) in %.1f s; temp dir kept: %s"
                  % (self.name, len(self.failures), self.elapsed(), self.dir))
            return 1
        if os.environ.get("FH_KEEP_TMP"):
            print("%s passed in %.1f s; temp dir kept (FH_KEEP_TMP): %s"
                  % (self.name, self.elapsed(), self.dir))
            return 0
        shutil.rmtree(self.dir, ignore_errors=True)
        print("%s passed in %.1f s" % (self.name, self.elapsed()))
        return 0


def stored(node):
    s = node.status()
    return s["reports_stored"] if s else 0


def counters(node):
    s = node.status()
    return dict(s["counters"]) if s else {}


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


# ---- what the probe tests share: one collector and one agent, the records at the collector

PROBE_COUNTY = "320000/320100/320102"
PROBE_RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 1000}
START_WAIT_S = 10.0           # a node's start to its first answer (status, a log line)
CTL_SLOW_TIMEOUT_S = 20       # ctl(): commands that may wait on a busy store


def require_binaries(paths=None):
    """True when paths (default: the collector, the agent and fenghuo-ctl) are built;
    else print "missing binaries: ..." and return False (the test then exits 1)."""
    missing = missing_binaries(paths or [COLLECTOR, AGENT, CTL])
    if missing:
        print("missing binaries: %s" % ", ".join(missing))
    return not missing


def ctl(node, *args, timeout_s=CTL_SLOW_TIMEOUT_S):
    """(exit status, stdout, stderr) of fenghuo-ctl -d node's data dir args; unlike
    Run.ctl the failures are returned too, for tests that check refusals."""
    r = subprocess.run([CTL, "-d", node.data_dir] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout_s)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def records(run, node, kind=None):
    """The records of `fenghuo-ctl export --jsonl` at node (dicts: kind, origin, seq,
    body), only those of kind when it is given; [] while fenghuo-ctl fails."""
    out = run.ctl(node.data_dir, "export", "--jsonl") or ""
    recs = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [r for r in recs if kind is None or r.get("kind") == kind]


def bodies(run, node, kind):
    """The bodies of the records of kind ("detection", "service", "health"...) at node."""
    return [r["body"] for r in records(run, node, kind)]


def detections(run, node, probe=None, class_code=None):
    """The Detection bodies at node; only those of probe and of class_code when given."""
    return [d for d in bodies(run, node, "detection")
            if (probe is None or d.get("probe") == probe)
            and (class_code is None or d.get("class_code") == class_code)]


def logged(node, text, timeout_s=START_WAIT_S, interval_s=0.05):
    """True once text is in node's log, waiting up to timeout_s."""
    return bool(wait_for(lambda: text in node.log_text(), timeout_s, interval_s))


def collector_and_agent(run, host, extra, port=None, args=(), patch=None):
    """The one-collector-one-agent setup of the probe tests: collector "county" for
    PROBE_COUNTY on port (default: a free one) and agent "agent" at host reporting to it,
    with config text extra (its probe sections), argv args and [patch] body patch (None:
    Run.agent's default). Starts the collector, waits up to START_WAIT_S for it to
    answer, starts the agent. Returns (collector, agent)."""
    if port is None:
        (port,) = free_ports(1)
    county = run.collector("county", PROBE_COUNTY, port, None)
    more = {} if patch is None else {"patch": patch}
    agent = run.agent("agent", host, port, list(args), extra, **more)
    county.start()
    wait_for(lambda: county.status(), START_WAIT_S, 0.05)
    agent.start()
    return county, agent
