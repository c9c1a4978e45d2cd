/* ctl_grade.c - fenghuo-ctl grade: what grade would these facts be? (GRADING.md)
 *
 *   fenghuo-ctl grade --profile national|education [--json] [--rules FILE] [FILE|-]
 *
 * Reads FILE (or standard input; at most GRADE_INPUT_MAX_BYTES): one JSON object, which
 * may span lines, or JSON lines, one object per line (at most FH_GRADE_INPUT_MAX_BYTES
 * each; blank lines are skipped). The whole input is tried as one JSON value first; when
 * it is not one, every line is one input. Each input gets one answer, in order: with
 * --json a compact JSON object per line (the result, or {"error": "..."}), otherwise one
 * or two lines of text. Exit 0 when every input was graded, 2 when any was refused, 1 on
 * usage errors (bad options, unknown profile, unreadable or invalid rule file, unreadable
 * input). --rules FILE grades by that rule file instead of the embedded one; its
 * [profile] name must be the --profile. No store is opened: this needs no -d. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "err.h"
#include "grading.h"

#define GRADE_INPUT_MAX_BYTES (4u << 20)  /* the whole input */

struct grade_run {
    const struct fh_grade_profile *p;
    bool json;
    unsigned graded, refused;
};

static void answer_error(struct grade_run *g, const char *why)
{
    g->refused++;
    if (g->json) {
        json_t *e = json_pack("{s:s}", "error", why);
        json_dumpf(e, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(e);
    } else {
        printf("refused: %s\n", why);
    }
}

/* Grade one parsed value; line 0 when the input was one object. */
static void answer(struct grade_run *g, const json_t *obj, int line)
{
    char why[FH_GRADE_WHY_MAX], msg[FH_GRADE_WHY_MAX + 32];
    struct fh_grade_input in;
    struct fh_grade_result r;
    if (fh_grade_input_parse(obj, &in, why, sizeof why) ||
        fh_grade_eval(g->p, &in, &r)) {
        if (line)
            snprintf(msg, sizeof msg, "line %d: %s", line, why);
        else
            snprintf(msg, sizeof msg, "%s", why);
        answer_error(g, msg);
        return;
    }
    g->graded++;
    if (g->json) {
        json_t *doc = fh_grade_result_json(&r);
        json_dumpf(doc, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(doc);
    } else {
        char text[4096];
        fh_grade_result_text(&r, text, sizeof text);
        fputs(text, stdout);
    }
}

static void grade_line(struct grade_run *g, const char *s, size_t n, int line)
{
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
        k++;
    if (k == n)
        return;  /* blank */
    char msg[FH_GRADE_WHY_MAX + 64];
    if (n > FH_GRADE_INPUT_MAX_BYTES) {
        snprintf(msg, sizeof msg, "line %d: longer than %d bytes", line,
                 FH_GRADE_INPUT_MAX_BYTES);
        answer_error(g, msg);
        return;
    }
    json_error_t jerr;
    json_t *v = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        snprintf(msg, sizeof msg, "line %d: malformed JSON at column %d: %s", line,
                 jerr.column, jerr.text);
        answer_error(g, msg);
        return;
    }
    answer(g, v, line);
    json_decref(v);
}

/* Read all of f into a new buffer (the caller frees), at most GRADE_INPUT_MAX_BYTES. */
static int read_all(FILE *f, char **out, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > GRADE_INPUT_MAX_BYTES)
                break;
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                break;
            *out = buf;
            *len = n;
            return n > GRADE_INPUT_MAX_BYTES ? FH_ETOOBIG : 0;
        }
    }
    int err = n > GRADE_INPUT_MAX_BYTES ? FH_ETOOBIG : buf ? FH_EIO : FH_ENOMEM;
    free(buf);
    return err;
}

static int usage(const char *msg)
{
    fprintf(stderr, "fenghuo-ctl grade: %s\n"
                    "usage: fenghuo-ctl grade --profile national|education [--json] "
                    "[--rules FILE] [FILE|-]\n", msg);
    return 1;
}

static int load_profile(const char *name, const char *rules, struct fh_grade_profile **p)
{
    char why[FH_GRADE_WHY_MAX];
    int err = rules ? fh_grade_profile_load_file(rules, p, why, sizeof why)
                    : fh_grade_profile_load(name, p, why, sizeof why);
    if (!err && strcmp(fh_grade_profile_name(*p), name) != 0) {
        snprintf(why, sizeof why, "%s is the rule file of profile \"%s\", not \"%s\"", rules,
                 fh_grade_profile_name(*p), name);
        fh_grade_profile_free(*p);
        *p = NULL;
        err = FH_ECONFIG;
    }
    if (err)
        fprintf(stderr, "fenghuo-ctl grade: %s\n", why);
    return err;
}

static int cmd_grade(const struct fh_ctl_opts *o, int argc, char **argv)
{
    const char *profile = NULL, *rules = NULL, *file = NULL;
    struct grade_run g = {.json = o->json};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
            profile = argv[++i];
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules = argv[++i];
        else if ((strcmp(argv[i], "-") == 0 || argv[i][0] != '-') && !file)
            file = argv[i];
        else
            return usage("unknown or repeated argument");
    }
    if (!profile)
        return usage("--profile is required");
    struct fh_grade_profile *p = NULL;
    if (load_profile(profile, rules, &p))
        return 1;
    g.p = p;
    FILE *f = !file || strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    char *buf = NULL;
    size_t len = 0;
    int rc = 1, err;
    if (!f) {
        fprintf(stderr, "fenghuo-ctl grade: %s: %s\n", file, strerror(errno));
        goto out;
    }
    err = read_all(f, &buf, &len);
    if (f != stdin)
        fclose(f);
    if (err == FH_ETOOBIG) {
        char msg[96];
        snprintf(msg, sizeof msg, "input over %u bytes; nothing graded",
                 GRADE_INPUT_MAX_BYTES);
        answer_error(&g, msg);
        rc = 2;
        goto out;
    }
    if (err) {
        fprintf(stderr, "fenghuo-ctl grade: cannot read the input: %s\n", fh_strerror(err));
        goto out;
    }
    json_t *whole = len <= FH_GRADE_INPUT_MAX_BYTES
                        ? json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL) : NULL;
    if (whole) {
        answer(&g, whole, 0);
        json_decref(whole);
    } else {
        int line = 0;
        for (size_t at = 0; at < len;) {
            const char *nl = memchr(buf + at, '\n', len - at);
            size_t n = (nl ? (size_t)(nl - buf) : len) - at;
            grade_line(&g, buf + at, n, ++line);
            at += n + 1;
        }
    }
    if (g.graded + g.refused == 0) {
        fprintf(stderr, "fenghuo-ctl grade: no JSON object in the input\n");
        goto out;
    }
    if (g.refused)
        fprintf(stderr, "fenghuo-ctl grade: %u of %u inputs refused\n", g.refused,
                g.graded + g.refused);
    rc = g.refused ? 2 : 0;
out:
    free(buf);
    fh_grade_profile_free(p);
    return rc;
}

const struct fh_ctl_cmd fh_ctl_cmd_grade = {
    "grade", cmd_grade,
    "--profile national|education [--rules FILE] [FILE|-]: grade incidents\n"
    "                  given as JSON (GRADING.md, docs/grading.md); no store needed"};
