#!/usr/bin/env python3
"""signatures.py - origin signatures (docs/security.md, "Signatures"), one scenario each.

    python3 signatures.py SCENARIO

    tamper      a county that flips a bit of every report it relays (the test-only
                FH_TEST_TAMPER_RELAY=flip): the province refuses each altered report
                (refused_signature) and stores none of them
    resign      the same county also signs each altered report again with its own key:
                refused at the province all the same (a collector's key signs only its
                own reports)
    replay      a captured batch of a school's reports re-sent by another school's key
                (refused_key_scope), by a key of the same school (DUPLICATE: nothing new
                stored), re-numbered so dedup would not catch it (refused_signature), and
                a validly signed report timed an hour ahead (refused_replay)
    forged_red  a county's store is given a red warning claiming to come from the province
                but signed with the county's key (fh-forge warn); its agent refuses it
                (refused_signature) and keeps no such warning, while a blue warning the
                county really issued arrived before

Real processes on 127.0.0.1 in a temp dir (fhtest.py); every wait is bounded, every
process stopped by its pid. Exit status 0: pass, 1: fail.
"""
import json
import os
import subprocess
import sys
import time

from fhtest import (AGENT, BIN, COLLECTOR, CTL, RELAY_ALL, Run, counters, endpoint,
                    free_ports, missing_binaries, wait_for)

FORGE = os.path.abspath(os.environ.get("FH_FORGE") or os.path.join(BIN, "tests", "fh-forge"))
PROVINCE, COUNTY = "320000", "320000/320100/320102"
SCHOOL, SIBLING = COUNTY + "/3132000001", COUNTY + "/3132000002"
RELAY = {"retry_min_ms": 200, "retry_max_ms": 1000, "heartbeat_ms": 500}
REPORTS = 10
AGENT_ARGS = ["--interval-ms", "100", "--max-reports", str(REPORTS)]
WAIT_S = 15
TOOL_TIMEOUT_S = 20


def from_origin(run, node, path):
    return len([k for k in (run.export(node) or []) if k[0] == path])


def counter_reaches(node, name, n, timeout_s=WAIT_S):
    return wait_for(lambda: counters(node).get(name, 0) >= n, timeout_s)


def two_tiers(run, tamper=None):
    """province <- county (tampering when tamper is set) <- one agent."""
    p_port, k_port = free_ports(2)
    province = run.collector("province", PROVINCE, p_port, None)
    county = run.collector("county", COUNTY, k_port, p_port)
    agent = run.agent("agent", SCHOOL + "/pc-01", k_port, AGENT_ARGS)
    province.start()
    if tamper:
        os.environ["FH_TEST_TAMPER_RELAY"] = tamper
    try:
        county.start()
    finally:
        os.environ.pop("FH_TEST_TAMPER_RELAY", None)
    agent.start()
    return province, county, agent


def scenario_tamper(run, mode="flip"):
    province, county, agent = two_tiers(run, mode)
    run.check(bool(wait_for(lambda: from_origin(run, county, agent.path) >= REPORTS, WAIT_S)),
              "the county stored the agent's %d reports" % REPORTS)
    got = counter_reach = counter_reaches(province, "refused_signature", REPORTS)
    run.check(bool(got), "the province refused every altered report (refused_signature %d)"
              % counters(province).get("refused_signature", 0))
    time.sleep(1.0)
    run.check(from_origin(run, province, agent.path) == 0,
              "the province stored none of the agent's reports (all were altered)")
    run.check("ALTERS WHAT IT RELAYS" in county.log_text(), "the county said it tampers")
    c = counters(province)
    run.note("province counters: refused_signature %d, stored %d, retry_unknown_key %d"
             % (c.get("refused_signature", 0), c.get("stored", 0),
                c.get("retry_unknown_key", 0)))
    del counter_reach


def scenario_resign(run):
    scenario_tamper(run, "resign")
    province = [n for n in run.nodes if n.name == "province"][0]
    run.check("may not sign for it" in province.log_text(),
              "the province says the county's key may not sign for the agent")


def forge(run, args, env=None):
    r = subprocess.run([FORGE] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=TOOL_TIMEOUT_S,
                       env=dict(os.environ, **(env or {})))
    out = r.stdout.decode(errors="replace").strip()
    run.note("fh-forge %s: exit %d: %s" % (" ".join(args[:1] + args[5:]), r.returncode, out))
    return out


def key_env(run, name, county, path):
    d = run.client_keys(name, county, path)["FH_INJECT_KEY_DIR"]
    return {"FH_FORGE_KEY_DIR": d}


def scenario_replay(run):
    (k_port,) = free_ports(1)
    county = run.collector("county", COUNTY, k_port, None)
    agent = run.agent("agent", SCHOOL + "/pc-01", k_port, AGENT_ARGS)
    county.start()
    agent.start()
    run.check(bool(wait_for(lambda: from_origin(run, county, agent.path) >= REPORTS, WAIT_S)),
              "the county stored the agent's %d reports" % REPORTS)
    ep = endpoint(k_port)
    before = counters(county)

    other = key_env(run, "sibling", county, SIBLING)
    out = forge(run, ["send", ep, SIBLING + "/web01", county.data_dir, agent.path, "same"],
                other)
    run.check(out == "STORED 0 DUPLICATE 0 RETRY 0 REFUSED %d" % REPORTS,
              "re-sent by another school's key: every report refused")
    run.check(counters(county).get("refused_key_scope", 0) >=
              before.get("refused_key_scope", 0) + REPORTS, "counted as refused_key_scope")

    mate = key_env(run, "mate", county, SCHOOL)
    out = forge(run, ["send", ep, SCHOOL, county.data_dir, agent.path, "same"],
                mate)
    run.check(out == "STORED 0 DUPLICATE %d RETRY 0 REFUSED 0" % REPORTS,
              "re-sent by a key of the same school, byte for byte: duplicates, nothing new")
    out = forge(run, ["send", ep, SCHOOL, county.data_dir, agent.path, "reseq"],
                mate)
    run.check(out == "STORED 0 DUPLICATE 0 RETRY 0 REFUSED %d" % REPORTS,
              "re-sent re-numbered (dedup would not catch it): every report refused")
    sig = counters(county).get("refused_signature", 0) - before.get("refused_signature", 0)
    run.check(sig >= REPORTS, "counted as refused_signature (%d)" % sig)

    out = forge(run, ["send", ep, SCHOOL, county.data_dir, SCHOOL + "/web01",
                      "future"], mate)
    run.check(out == "STORED 0 DUPLICATE 0 RETRY 0 REFUSED 1",
              "a validly signed report timed an hour ahead: refused")
    rep = counters(county).get("refused_replay", 0) - before.get("refused_replay", 0)
    run.check(rep == 1, "counted as refused_replay (%d)" % rep)
    n = from_origin(run, county, agent.path)
    run.check(n == REPORTS, "the county still holds the agent's %d reports once (%d)"
              % (REPORTS, n))
    run.check(from_origin(run, county, SCHOOL + "/web01") == 0,
              "nothing of the forged origin is stored")


def ctl_json(node, *args):
    r = subprocess.run([CTL, "-d", node.data_dir, "--json"] + list(args),
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TOOL_TIMEOUT_S)
    try:
        return json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        return None


def warning_ids(node):
    doc = ctl_json(node, "warning", "list") or {}
    return [w["id"] for w in doc.get("warnings", [])]


def scenario_forged_red(run):
    province, county, agent = two_tiers(run)
    run.check(bool(wait_for(lambda: from_origin(run, county, agent.path) >= 1, WAIT_S)),
              "the agent delivers to the county")
    res = ctl_json(county, "warning", "issue", "--level", "blue", "--class", "MI.CVI",
                   "--watch", "a real blue warning of the county")
    wid = (res or {}).get("id")
    run.check(bool(wid), "the county issues a blue warning: %s" % wid)
    run.check(bool(wait_for(lambda: wid in warning_ids(agent), WAIT_S)),
              "the agent holds the county's real warning")
    before = counters(agent)
    county.stop()
    fid = forge(run, ["warn", county.data_dir, county.key_dir, PROVINCE, "red", COUNTY])
    run.check(fid == PROVINCE + "#900000", "a red warning forged with the county's key is in "
              "its down log")
    county.auto_register = False
    county.start()
    got = wait_for(lambda: counters(agent).get("refused_signature", 0) >
                   before.get("refused_signature", 0), WAIT_S)
    run.check(bool(got), "the agent refused it (refused_signature %d)"
              % counters(agent).get("refused_signature", 0))
    run.check(fid not in warning_ids(agent), "the agent keeps no such warning")
    run.check("not its issuer's" in agent.log_text(),
              "the agent says the signing key is not the claimed issuer's")


SCENARIOS = {"tamper": scenario_tamper, "resign": scenario_resign, "replay": scenario_replay,
             "forged_red": scenario_forged_red}


def main(argv):
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        print("usage: signatures.py {%s}" % "|".join(SCENARIOS), file=sys.stderr)
        return 2
    for exe in missing_binaries([COLLECTOR, CTL, AGENT, FORGE]):
        print("signatures: %s is missing (FH_BIN=%s)" % (exe, BIN), file=sys.stderr)
        return 1
    run = Run(argv[1], RELAY, prefix="fh-sig-", relay_policy=RELAY_ALL)
    run.note("%s: temp dir %s" % (argv[1], run.dir))
    try:
        SCENARIOS[argv[1]](run)
    except Exception as e:  # a harness error is a failure too, with the logs
        run.check(False, "harness: %s: %s" % (type(e).__name__, e))
    finally:
        codes = run.stop_all()
    return run.finish(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
