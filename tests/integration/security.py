#!/usr/bin/env python3
"""security.py - each refusal of the link security (docs/security.md), one scenario each.

    python3 security.py SCENARIO

    unknown_key     an agent whose key no one registered: refused at the handshake,
                    counted (refused_key), nothing of it stored
    revoked_key     an agent delivering is revoked with `fenghuo-ctl revoke`: its
                    connection is dropped within 2 s, counted, nothing stored after, and
                    its reconnections are refused at the handshake
    expired_token   `fenghuo-agent enroll` with a token past its --ttl: refused, counted
                    (refused_token), no key registered
    reused_token    a second enrolment with a token already used: refused, counted; the
                    first one's registration stands and it delivers
    sibling_school  an agent enrolled for school 3132000001 reports as a host of its
                    sibling school 3132000002: refused, counted at its county
                    (refused_key_scope), and the county raises an IDI.IMI detection of its
                    own within 5 s; a report of a sibling school inside an otherwise valid
                    batch (fh-inject scope) gets the verdict REFUSED
    group_readable  a collector and an agent whose private key file is readable by their
                    group refuse to start, naming the file

Real processes on 127.0.0.1 in a temp dir (fhtest.py); every wait is bounded, every
process stopped by its pid. Exit status 0: pass, 1: fail.
"""
import json
import os
import subprocess
import sys
import time

from fhtest import (AGENT, BIN, COLLECTOR, CTL, Run, counters, endpoint, free_ports,
                    missing_binaries, wait_for)

INJECT = os.path.abspath(os.environ.get("FH_INJECT")
                         or os.path.join(BIN, "tests", "fh-inject"))
COUNTY = "320000/320100/320102"
SCHOOL, SIBLING = COUNTY + "/3132000001", COUNTY + "/3132000002"
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 500}
FAST = ["--interval-ms", "100"]
WAIT_S = 10
ENROL_TIMEOUT_S = 30
START_FAIL_S = 5


def county(run):
    """A top-tier county collector with an enrolment endpoint."""
    port, eport = free_ports(2)
    node = run.collector("county", COUNTY, port, None,
                         extra="\n[collector]\nenrol_listen = %s\n" % endpoint(eport))
    node.start()
    up = wait_for(lambda: node.status(), WAIT_S)
    run.check(bool(up), "the county is up")
    return node


def origins(run, node):
    out = run.ctl(node.data_dir, "export", "--jsonl") or ""
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def stored_from(run, node, path):
    return len([r for r in origins(run, node) if r["origin"] == path])


def counter_rises(node, name, before, timeout_s=WAIT_S):
    return wait_for(lambda: counters(node).get(name, 0) > before.get(name, 0), timeout_s)


def token(run, node, path, ttl="1h", role="agent"):
    out = run.ctl(node.data_dir, "token", "create", "--path", path, "--ttl", ttl, "--role",
                  role)
    run.check(bool(out and out.startswith("fh1_")), "token created for %s" % path)
    return (out or "").strip()


def enroll(run, agent, tok):
    """(exit status, output) of `fenghuo-agent enroll TOKEN -c CONFIG`."""
    cfg = agent.argv[agent.argv.index("-c") + 1]
    r = subprocess.run([AGENT, "enroll", tok, "-c", cfg], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=ENROL_TIMEOUT_S)
    out = r.stdout.decode(errors="replace").strip()
    run.note("enroll %s: exit %d: %s" % (agent.name, r.returncode, out))
    return r.returncode, out


def peer_paths(run, node):
    out = run.ctl(node.data_dir, "--json", "peers") or "[]"
    return [p["path"] for p in json.loads(out)]


def scenario_unknown_key(run):
    c = county(run)
    a = run.agent("stranger", SCHOOL + "/pc-01", c.port, FAST)
    a.auto_register = False
    # It knows the county's key (a stolen config), but its own key is registered nowhere.
    with open(os.path.join(c.key_dir, "curve.pub")) as f:
        pub = f.read()
    with open(os.path.join(a.key_dir, "parent.pub"), "w") as f:
        f.write(pub)
    before = counters(c)
    a.start()
    run.check(counter_rises(c, "refused_key", before),
              "the county refused the unknown key at the handshake (refused_key %d)"
              % counters(c).get("refused_key", 0))
    time.sleep(1.0)
    run.check(stored_from(run, c, a.path) == 0, "nothing of the unknown key's host is stored")
    run.check(a.alive(), "the refused agent keeps running (and retrying)")


def scenario_revoked_key(run):
    c = county(run)
    a = run.agent("school", SCHOOL + "/pc-01", c.port, FAST)
    a.start()
    run.check(bool(wait_for(lambda: stored_from(run, c, a.path) >= 5, WAIT_S)),
              "the registered agent delivers")
    before = counters(c)
    out = run.ctl(c.data_dir, "revoke", a.path)
    t0 = time.monotonic()
    run.check(bool(out), "fenghuo-ctl revoke %s: %s" % (a.path, (out or "failed").strip()))
    dropped = counter_rises(c, "refused_revoked", before, 2.0)
    run.check(dropped, "the county dropped the revoked key's connection within 2 s (%.2f s)"
              % (time.monotonic() - t0))
    run.check(counter_rises(c, "refused_key", before),
              "its reconnections are refused at the handshake")
    n = stored_from(run, c, a.path)
    time.sleep(2.0)
    m = stored_from(run, c, a.path)
    run.check(m == n, "nothing of it is stored after the revocation (%d then %d)" % (n, m))
    run.check(a.path not in peer_paths(run, c), "fenghuo-ctl peers no longer lists it")


def scenario_expired_token(run):
    c = county(run)
    tok = token(run, c, SCHOOL, ttl="1s")
    time.sleep(1.5)
    a = run.agent("late", SCHOOL + "/pc-01", c.port, FAST)
    a.auto_register = False
    before = counters(c)
    rc, out = enroll(run, a, tok)
    run.check(rc != 0 and "expired" in out, "enrolment with an expired token is refused")
    run.check(counter_rises(c, "refused_token", before), "and counted (refused_token)")
    run.check(SCHOOL not in peer_paths(run, c), "no key was registered")
    run.check(not os.path.exists(os.path.join(a.key_dir, "parent.pub")),
              "the agent got no parent key")


def scenario_reused_token(run):
    c = county(run)
    tok = token(run, c, SCHOOL)
    first = run.agent("first", SCHOOL + "/pc-01", c.port, FAST)
    second = run.agent("second", SCHOOL + "/pc-02", c.port, FAST)
    first.auto_register = second.auto_register = False
    rc, out = enroll(run, first, tok)
    run.check(rc == 0, "the first enrolment with the token succeeds")
    before = counters(c)
    rc, out = enroll(run, second, tok)
    run.check(rc != 0 and "already used" in out, "a second enrolment with it is refused")
    run.check(counter_rises(c, "refused_token", before), "and counted (refused_token)")
    run.check(peer_paths(run, c) == [SCHOOL], "one key registered, for the token's scope")
    first.start()
    run.check(bool(wait_for(lambda: stored_from(run, c, first.path) >= 3, WAIT_S)),
              "the enrolled agent delivers over CURVE")


def scenario_sibling_school(run):
    c = county(run)
    tok = token(run, c, SCHOOL)
    a = run.agent("school", SCHOOL + "/pc-01", c.port, FAST)
    a.auto_register = False
    rc, _ = enroll(run, a, tok)
    run.check(rc == 0, "the agent enrolled for school %s" % SCHOOL)
    # The host now claims to be a host of the sibling school (a forged config).
    cfg = a.argv[a.argv.index("-c") + 1]
    with open(cfg) as f:
        text = f.read()
    run.write(os.path.basename(cfg), text.replace(a.path, SIBLING + "/pc-01"))
    before = counters(c)
    a.start()
    run.check(counter_rises(c, "refused_key_scope", before),
              "the county refused the sibling school's reports and counted them "
              "(refused_key_scope %d)" % counters(c).get("refused_key_scope", 0))
    imi = wait_for(lambda: [r for r in origins(run, c) if r["kind"] == "detection" and
                            r["origin"] == COUNTY and
                            (r.get("body") or {}).get("class_code") == "IDI.IMI"], 5)
    run.check(bool(imi), "the county raised an IDI.IMI detection of its own within 5 s")
    if imi:
        facts = imi[0]["body"].get("facts", {})
        run.note("IDI.IMI facts: %s" % facts)
        run.check(facts.get("registered_scope") == SCHOOL and
                  facts.get("claimed_origin", "").startswith(SIBLING),
                  "it names the key's scope and the claimed origin")
    run.check(stored_from(run, c, SIBLING + "/pc-01") == 0, "nothing of the sibling is stored")
    # One forged report inside a batch of a host that is otherwise in its scope.
    if not os.access(INJECT, os.X_OK):
        run.note("fh-inject missing: per-report check skipped")
        return
    env = dict(os.environ, **run.client_keys("inject", c, SCHOOL))
    before = counters(c)
    r = subprocess.run([INJECT, endpoint(c.port), "scope"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    out = r.stdout.decode(errors="replace")
    acks = [l for l in out.splitlines() if l.startswith("ack ")]
    run.check(bool(acks) and all("REFUSED" in l and "STORED" not in l for l in acks),
              "a sibling school's report in a batch is answered REFUSED (%s)"
              % (acks or out.strip()))
    run.check(counter_rises(c, "refused_key_scope", before), "and counted")


def scenario_group_readable(run):
    port, = free_ports(1)
    c = run.collector("county", COUNTY, port, None)
    os.chmod(os.path.join(c.key_dir, "curve.key"), 0o640)
    c.start()
    code = wait_for(lambda: c.proc.poll() is not None, START_FAIL_S) and c.proc.returncode
    log = c.log_text()
    run.check(code == 1 and "curve.key" in log and "group or others" in log,
              "a collector whose curve.key is group-readable refuses to start (exit %s)"
              % code)
    a = run.agent("school", SCHOOL + "/pc-01", port, FAST)
    a.auto_register = False
    os.chmod(os.path.join(a.key_dir, "sign.key"), 0o640)
    a.start()
    code = wait_for(lambda: a.proc.poll() is not None, START_FAIL_S) and a.proc.returncode
    log = a.log_text()
    run.check(code == 1 and "sign.key" in log and "group or others" in log,
              "an agent whose sign.key is group-readable refuses to start (exit %s)" % code)


SCENARIOS = {
    "unknown_key": scenario_unknown_key,
    "revoked_key": scenario_revoked_key,
    "expired_token": scenario_expired_token,
    "reused_token": scenario_reused_token,
    "sibling_school": scenario_sibling_school,
    "group_readable": scenario_group_readable,
}


def main(argv):
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        print("usage: security.py {%s}" % "|".join(SCENARIOS), file=sys.stderr)
        return 2
    for exe in missing_binaries([COLLECTOR, CTL, AGENT]):
        print("security: %s is missing (FH_BIN=%s)" % (exe, BIN), file=sys.stderr)
        return 1
    run = Run(argv[1], RELAY, prefix="fh-sec-")
    run.note("%s: temp dir %s" % (argv[1], run.dir))
    try:
        SCENARIOS[argv[1]](run)
    except Exception as e:  # a harness error is a failure too, with the logs
        run.check(False, "harness: %s: %s" % (type(e).__name__, e))
    finally:
        codes = run.stop_all()
    if argv[1] == "group_readable":   # those two exit 1 on purpose
        codes = {}
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
