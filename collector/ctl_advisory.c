/* ctl_advisory.c - fenghuo-ctl advisory: issue 风险通报 and follow compliance.
 *
 *   advisory issue --file ADVISORY.json [--scope PATH] [--by NAME]
 *   advisory list                  every advisory known at this node
 *   advisory show ID               compliance per unit: each host's answer
 *
 * issue is carried out by the running collector (control.h); the JSON is described in
 * common/advisory.h and docs/advisories.md. show counts, per unit of the advisory's
 * scope, the hosts that answered affected, fixed, not affected or unknown and those that
 * have not answered; a unit complies when none is affected or silent, and is overdue when
 * it does not comply after the deadline. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "advisory.h"
#include "ctl.h"
#include "log.h"
#include "notice.h"
#include "path.h"

static json_t *advisory_json(const Fh__Advisory *a)
{
    json_t *cves = json_array();
    for (size_t i = 0; i < a->n_cves; i++)
        json_array_append_new(cves, json_string(a->cves[i]));
    return json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:s, s:b}", "id", a->id, "title",
                     a->title, "scope", a->scope, "cves", cves,
                     "issued_us", (json_int_t)a->issued_us,
                     "deadline_us", (json_int_t)a->deadline_us, "issuer", a->issuer,
                     "drill", (int)a->drill);
}

static int add_advisory(void *arg, const Fh__Advisory *a)
{
    json_array_append_new(arg, advisory_json(a));
    return 0;
}

static int list(const struct fh_ctl_opts *o)
{
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    json_t *arr = json_array();
    fh_notice_each_advisory(st, add_advisory, arr);
    fh_store_close(st);
    json_t *doc = json_pack("{s:o}", "advisories", arr), *a;
    size_t i;
    if (o->json)
        fh_ctl_print_json(doc);
    else if (!json_array_size(arr))
        printf("no advisories\n");
    json_array_foreach(o->json ? NULL : arr, i, a)
        printf("%-36s %s%s\n", json_string_value(json_object_get(a, "id")),
               json_is_true(json_object_get(a, "drill")) ? "[演练 drill] " : "",
               json_string_value(json_object_get(a, "title")));
    json_decref(doc);
    return 0;
}

/* ---- show ---- */

static const char *const verdicts[] = {"no_answer", "affected", "not_affected", "fixed",
                                       "unknown"};
#define NVERDICTS (sizeof verdicts / sizeof verdicts[0])

struct show {
    const char *scope;
    json_t *hosts;     /* host path -> verdict name */
};

static int add_host(const char *origin, uint64_t seq, const void *bytes, size_t len,
                    void *arg)
{
    struct show *s = arg;
    if (fh_path_within(s->scope, origin) && !json_object_get(s->hosts, origin))
        json_object_set_new(s->hosts, origin, json_string(verdicts[0]));
    return 0;
}

static int add_answer(void *arg, const Fh__AdvisoryAnswer *a)
{
    struct show *s = arg;
    if (a->host && fh_path_valid(a->host) && fh_path_within(s->scope, a->host))
        json_object_set_new(s->hosts, a->host,
                            json_string((unsigned)a->verdict < NVERDICTS ? verdicts[a->verdict]
                                                                         : "unknown"));
    return 0;
}

static int verdict_index(const char *v)
{
    for (size_t i = 0; i < NVERDICTS; i++)
        if (strcmp(verdicts[i], v) == 0)
            return (int)i;
    return 0;
}

static json_t *unit_entry(json_t *units, const char *unit)
{
    json_t *u = json_object_get(units, unit);
    if (!u) {
        u = json_object();
        for (size_t i = 0; i < NVERDICTS; i++)
            json_object_set_new(u, verdicts[i], json_integer(0));
        json_object_set_new(u, "hosts", json_object());
        json_object_set_new(units, unit, u);
    }
    return u;
}

/* Per unit: counts of each verdict, complies, overdue; totals too. counted: {unit:
 * hosts known here only as counts in rollups}; those without an answer are no_answer. */
static json_t *compliance(const Fh__Advisory *a, json_t *hosts, json_t *counted)
{
    json_t *units = json_object(), *totals = json_object(), *v;
    const char *host;
    for (size_t i = 0; i < NVERDICTS; i++)
        json_object_set_new(totals, verdicts[i], json_integer(0));
    json_object_foreach(hosts, host, v) {
        char unit[FH_PATH_MAX];
        if (fh_path_parent(host, unit, sizeof unit) != 0)
            snprintf(unit, sizeof unit, "%s", host);
        json_t *u = unit_entry(units, unit);
        const char *name = verdicts[verdict_index(json_string_value(v))];
        json_object_set_new(u, name, json_integer(json_integer_value(json_object_get(u, name)) + 1));
        json_object_set_new(totals, name,
                            json_integer(json_integer_value(json_object_get(totals, name)) + 1));
        json_object_set(json_object_get(u, "hosts"), host, v);
    }
    json_t *arr = json_array(), *u;
    const char *unit;
    json_object_foreach(counted, unit, v) {
        json_t *e = unit_entry(units, unit);
        json_int_t silent = json_integer_value(v) -
                            (json_int_t)json_object_size(json_object_get(e, "hosts"));
        if (silent > 0) {
            json_object_set_new(e, "no_answer", json_integer(
                json_integer_value(json_object_get(e, "no_answer")) + silent));
            json_object_set_new(totals, "no_answer", json_integer(
                json_integer_value(json_object_get(totals, "no_answer")) + silent));
        }
    }
    size_t complying = 0, overdue = 0;
    bool past = fh_now_us() > a->deadline_us;
    json_object_foreach(units, unit, u) {
        bool ok = !json_integer_value(json_object_get(u, "affected")) &&
                  !json_integer_value(json_object_get(u, "no_answer"));
        json_object_set_new(u, "unit", json_string(unit));
        json_object_set_new(u, "complies", json_boolean(ok));
        json_object_set_new(u, "overdue", json_boolean(!ok && past));
        complying += ok;
        overdue += !ok && past;
        json_array_append(arr, u);
    }
    json_decref(units);
    return json_pack("{s:o, s:o, s:I, s:I}", "units", arr, "hosts", totals,
                     "units_complying", (json_int_t)complying, "units_overdue",
                     (json_int_t)overdue);
}

static int show(const struct fh_ctl_opts *o, const char *id)
{
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    Fh__Advisory *a = fh_notice_advisory(st, id);
    if (!a) {
        fprintf(stderr, "fenghuo-ctl: no advisory %s here\n", id);
        fh_store_close(st);
        return 1;
    }
    struct show s = {.scope = a->scope, .hosts = json_object()};
    fh_store_each_latest(st, FH__KIND__KIND_HEALTH, add_host, &s);
    fh_notice_each_answer(st, id, add_answer, &s);
    json_t *counted = fh_ctl_rollup_hosts(st, a->scope);   /* health kept below */
    fh_store_close(st);
    json_t *doc = advisory_json(a);
    json_object_set_new(doc, "compliance", compliance(a, s.hosts, counted));
    json_decref(counted);
    if (o->json) {
        fh_ctl_print_json(doc);
    } else {
        json_t *c = json_object_get(doc, "compliance"), *u, *h = json_object_get(c, "hosts");
        printf("%s  %s\n", a->id, a->title);
        printf("hosts: %lld affected, %lld fixed, %lld not affected, %lld unknown, %lld no "
               "answer; units complying %lld, overdue %lld\n",
               (long long)json_integer_value(json_object_get(h, "affected")),
               (long long)json_integer_value(json_object_get(h, "fixed")),
               (long long)json_integer_value(json_object_get(h, "not_affected")),
               (long long)json_integer_value(json_object_get(h, "unknown")),
               (long long)json_integer_value(json_object_get(h, "no_answer")),
               (long long)json_integer_value(json_object_get(c, "units_complying")),
               (long long)json_integer_value(json_object_get(c, "units_overdue")));
        size_t i;
        json_array_foreach(json_object_get(c, "units"), i, u)
            printf("  %-40s %s%s\n", json_string_value(json_object_get(u, "unit")),
                   json_is_true(json_object_get(u, "complies")) ? "complies" : "NOT COMPLYING",
                   json_is_true(json_object_get(u, "overdue")) ? "  OVERDUE" : "");
    }
    json_decref(doc);
    json_decref(s.hosts);
    fh__advisory__free_unpacked(a, NULL);
    return 0;
}

static int issue(const struct fh_ctl_opts *o, int argc, char **argv)
{
    const char *file = NULL, *scope = NULL, *by = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "--scope") == 0 && i + 1 < argc)
            scope = argv[++i];
        else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
            by = argv[++i];
        else {
            fprintf(stderr, "fenghuo-ctl: advisory issue: unknown argument \"%s\"\n", argv[i]);
            return 1;
        }
    }
    json_error_t je;
    json_t *spec = file ? json_load_file(file, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!json_is_object(spec)) {
        fprintf(stderr, "fenghuo-ctl: advisory issue needs --file with a JSON object%s%s\n",
                file ? ": " : "", file ? je.text : "");
        json_decref(spec);
        return 1;
    }
    if (scope)
        json_object_set_new(spec, "scope", json_string(scope));
    json_t *req = json_pack("{s:s, s:o}", "cmd", "advisory", "advisory", spec);
    if (by)
        json_object_set_new(req, "by", json_string(by));
    return fh_ctl_request_print(o, req);
}

static int run(const struct fh_ctl_opts *o, int argc, char **argv)
{
    const char *sub = argc ? argv[0] : "";
    if (strcmp(sub, "list") == 0 && argc == 1)
        return list(o);
    if (strcmp(sub, "show") == 0 && argc == 2)
        return show(o, argv[1]);
    if (strcmp(sub, "issue") == 0)
        return issue(o, argc, argv);
    fprintf(stderr, "usage: fenghuo-ctl -c COLLECTOR_CONFIG advisory issue --file F "
                    "[--scope P] [--by NAME] | list | show ID\n");
    return 1;
}

const struct fh_ctl_cmd fh_ctl_cmd_advisory = {
    "advisory", run,
    "风险通报: issue --file ADVISORY.json [--scope P] [--by NAME] | list |\n"
    "                  show ID (compliance per unit, overdue units)"};
