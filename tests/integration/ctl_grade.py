#!/usr/bin/env python3
"""ctl_grade.py - the real fenghuo-ctl grade binary against its contract (GRADING.md).

    python3 ctl_grade.py        (FH_BIN: the build root, default ../../build)

Runs fenghuo-ctl grade on JSON lines files in a temp dir, from another working
directory (the rules are embedded), and checks: one answer per input in order, exit 0
when all were graded, 2 when any was refused (that answer an {"error": ...} object), 1
on usage errors; the text form is one or two lines per answer; a pretty-printed single
object is one input; --rules FILE grades by that file and a broken rule file is a usage
error naming its line. No network, no nodes; every run has a timeout. Exit 0: pass.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(os.environ.get("FH_BIN") or os.path.join(HERE, "..", "..", "build"))
CTL = os.path.join(BIN, "collector", "fenghuo-ctl")
RULES = os.path.join(HERE, "..", "..", "common", "rules")
TIMEOUT_S = 10

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def ctl(args, stdin=None, cwd=None):
    p = subprocess.run([CTL] + args, input=stdin, capture_output=True, text=True,
                       timeout=TIMEOUT_S, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


LINES = [
    # (input, national grade or None when refused, education grade or None)
    ({"class": "NAI.DOSAI", "system": {"importance": "important"}, "outage_hours": 2,
      "people_affected": 1000000}, "I", "IV"),
    ({"class": "MI.CVI", "spread": {"scope": "units", "units": 4}}, "IV", "III"),
    ({"class": "IDI.LII", "economic_loss_cny": 10000000}, "II", "IV"),
    ({"class": "XX.YY"}, None, None),
    ({"class": "MI", "people_affected": -1}, None, None),
    ({"class": "MI", "colour": "red"}, None, None),
    ({"class": "OI", "edu": {"provincial_network_users_offline": "many"}}, "IV", "II"),
]


def main():
    if not os.access(CTL, os.X_OK):
        print("FAIL: no fenghuo-ctl at " + CTL)
        return 1
    with tempfile.TemporaryDirectory(prefix="fh-grade-") as tmp:
        jl = os.path.join(tmp, "in.jsonl")
        with open(jl, "w") as f:
            for obj, _, _ in LINES:
                f.write(json.dumps(obj, ensure_ascii=False) + "\n")
            f.write("{not json\n")
        for profile, col in (("national", 1), ("education", 2)):
            rc, out, err = ctl(["grade", "--profile", profile, "--json", jl], cwd=tmp)
            answers = [json.loads(line) for line in out.splitlines()]
            check(rc == 2, "%s: exit 2 when some inputs are refused (got %d)" % (profile, rc))
            check(len(answers) == len(LINES) + 1,
                  "%s: one answer per input (%d)" % (profile, len(answers)))
            for (obj, *grades), ans in zip(LINES, answers):
                want = grades[col - 1]
                if want is None:
                    check(set(ans) == {"error"}, "%s: %s refused with an error object"
                          % (profile, json.dumps(obj)))
                else:
                    check(ans.get("grade") == want, "%s: %s is grade %s (got %s)"
                          % (profile, json.dumps(obj), want, ans.get("grade")))
                    check(set(ans) == {"grade", "name", "warning", "response", "rules",
                                       "report", "summary_due_days"},
                          "%s: answer has the contract's fields" % profile)
            check("malformed JSON" in answers[-1].get("error", ""),
                  "%s: malformed JSON line refused in its place" % profile)
            # the text form: one or two lines per answer
            rc, out, err = ctl(["grade", "--profile", profile, jl], cwd=tmp)
            check(rc == 2 and 1 <= len(out.splitlines()) <= 2 * (len(LINES) + 1),
                  "%s: text form answers (%d lines)" % (profile, len(out.splitlines())))

        good = "\n".join(json.dumps(o) for o, n, e in LINES if n is not None) + "\n"
        rc, out, err = ctl(["grade", "--profile", "national", "--json", "-"], stdin=good)
        check(rc == 0 and [json.loads(l)["grade"] for l in out.splitlines()] ==
              [n for o, n, e in LINES if n is not None],
              "all graded from stdin: exit 0, grades in order")

        pretty = json.dumps({"class": "ICSI", "impact": "serious"}, indent=2)
        rc, out, err = ctl(["--json", "grade", "--profile", "education"], stdin=pretty)
        check(rc == 0 and len(out.splitlines()) == 1 and
              json.loads(out)["rules"][0]["id"] == "education.II.5",
              "a pretty-printed object is one input")

        rc, out, err = ctl(["grade", "--profile", "national"],
                           stdin='{"class": "MI.WI", "impact": "some"}\n')
        check(rc == 0 and "IV级 一般" in out and "national.IV" in out and
              len(out.splitlines()) == 2, "text answer is two lines")

        # bounds: a line over 16 KiB is refused in its place, an input over 4 MiB whole
        long_line = '{"class": "MI"' + " " * 17000 + "}\n"
        rc, out, err = ctl(["grade", "--profile", "national", "--json"],
                           stdin=long_line + '{"class": "OI"}\n')
        answers = [json.loads(l) for l in out.splitlines()]
        check(rc == 2 and len(answers) == 2 and "longer than" in answers[0]["error"] and
              answers[1]["grade"] == "IV", "an over-long line is refused, the next graded")
        rc, out, err = ctl(["grade", "--profile", "national", "--json"],
                           stdin=('{"class": "OI"}\n' * 300000))
        check(rc == 2 and out.count("\n") == 1 and "nothing graded" in out,
              "an input over the total bound is refused whole")

        for args, what in ((["grade"], "no --profile"),
                           (["grade", "--profile", "county"], "unknown profile"),
                           (["grade", "--profile", "national", "--bogus"], "unknown option"),
                           (["grade", "--profile", "national", os.path.join(tmp, "none")],
                            "missing input file")):
            rc, out, err = ctl(args, stdin="")
            check(rc == 1 and out == "", "usage error exits 1: " + what)

        # --rules: an audited copy grades; a broken one is refused naming file and line
        with open(os.path.join(RULES, "education.ini"), encoding="utf-8") as f:
            text = f.read()
        copy = os.path.join(tmp, "edu-copy.ini")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(text.replace("spread_units_ge = 2", "spread_units_ge = 5"))
        rc, out, err = ctl(["grade", "--profile", "education", "--rules", copy, "--json"],
                           stdin='{"class": "MI", "spread": {"units": 4}}')
        check(rc == 0 and json.loads(out)["grade"] == "IV", "--rules FILE grades by that file")
        broken = os.path.join(tmp, "broken.ini")
        with open(broken, "w", encoding="utf-8") as f:
            f.write(text.replace("impact_in = serious", "impacts_in = serious"))
        line = text[:text.index("impact_in = serious")].count("\n") + 1
        rc, out, err = ctl(["grade", "--profile", "education", "--rules", broken],
                           stdin='{"class": "MI"}')
        check(rc == 1 and ("broken.ini:%d:" % line) in err and "impacts_in" in err,
              "a broken rule file is a usage error naming its line (%s)" % err.strip())
        rc, out, err = ctl(["grade", "--profile", "national", "--rules", copy],
                           stdin='{"class": "MI"}')
        check(rc == 1, "--rules of another profile is refused")
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
