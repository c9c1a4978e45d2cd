/* ctl_warning.c - fenghuo-ctl warning: issue, adjust, lift, acknowledge and follow 预警.
 *
 *   warning issue --level red|orange|yellow|blue [--scope PATH] --class CODE --watch TEXT
 *                 [--measures TEXT] [--deadline TIME] [--by NAME] [--drill]
 *   warning adjust ID [--level L] [--watch T] [--measures T] [--deadline TIME] [--by N]
 *   warning lift ID [--by NAME]
 *   warning ack ID --by NAME [--unit PATH]        a person confirms for a unit
 *   warning list                                  every warning known at this node
 *   warning show ID                               who has acknowledged, who has not
 *
 * issue/adjust/lift/ack are requests the running collector carries out (control.h): it
 * checks its authority and scope. list/show read its store. TIME is "2026-12-01 18:00"
 * (this machine's local time), the same with a trailing Z for UTC, or "24h", "3d",
 * "90m" from now. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "log.h"
#include "notice.h"
#include "path.h"

static bool parse_time(const char *s, json_int_t *us)
{
    char *end;
    double n = strtod(s, &end);
    if (end != s && n >= 0 && end[0] && !end[1]) {
        double unit = end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : end[0] == 'd' ? 86400 : 0;
        if (!unit)
            return false;
        *us = (json_int_t)fh_now_us() + (json_int_t)(n * unit * 1e6);
        return true;
    }
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%d %H:%M", &tm);
    if (!rest)
        rest = strptime(s, "%Y-%m-%dT%H:%M", &tm);
    if (!rest || (rest[0] && strcmp(rest, "Z") != 0))
        return false;
    tm.tm_isdst = -1;
    time_t t = rest[0] == 'Z' ? timegm(&tm) : mktime(&tm);
    if (t < 0)
        return false;
    *us = (json_int_t)t * 1000000;
    return true;
}

/* The options of issue/adjust/lift/ack into req; returns 0 or 1 (message printed). */
static int options(json_t *req, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        static const char *const text[][2] = {{"--level", "level"}, {"--scope", "scope"},
                                              {"--class", "class"}, {"--watch", "watch"},
                                              {"--measures", "measures"}, {"--by", "by"},
                                              {"--unit", "unit"}};
        bool done = false;
        for (size_t k = 0; k < sizeof text / sizeof text[0] && !done; k++)
            if (strcmp(argv[i], text[k][0]) == 0 && i + 1 < argc) {
                json_object_set_new(req, text[k][1], json_string(argv[++i]));
                done = true;
            }
        if (done)
            continue;
        if (strcmp(argv[i], "--drill") == 0) {
            json_object_set_new(req, "drill", json_true());
        } else if (strcmp(argv[i], "--deadline") == 0 && i + 1 < argc) {
            json_int_t us;
            if (!parse_time(argv[++i], &us)) {
                fprintf(stderr, "fenghuo-ctl: --deadline: \"%s\" is not a time (use "
                                "\"2026-12-01 18:00\", a trailing Z for UTC, or 24h)\n", argv[i]);
                return 1;
            }
            json_object_set_new(req, "deadline_us", json_integer(us));
        } else {
            fprintf(stderr, "fenghuo-ctl: warning: unknown argument \"%s\"\n", argv[i]);
            return 1;
        }
    }
    return 0;
}

static const char *const actions[] = {"unspecified", "issued", "adjusted", "lifted"};

static json_t *warning_json(const Fh__Warning *w)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:i, s:b}",
                     "id", w->id, "level", fh_warning_level_name(w->level), "scope", w->scope,
                     "class", w->class_code, "watch", w->watch, "measures", w->measures,
                     "state", actions[w->action <= 3 ? w->action : 0],
                     "issued_us", (json_int_t)w->issued_us,
                     "deadline_us", (json_int_t)w->deadline_us, "issuer", w->issuer,
                     "issued_by", w->issued_by, "revision", (int)w->revision,
                     "drill", (int)w->drill);
}

static int add_warning(void *arg, const Fh__Warning *w)
{
    json_array_append_new(arg, warning_json(w));
    return 0;
}

static int list(const struct fh_ctl_opts *o)
{
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    json_t *arr = json_array();
    fh_notice_each_warning(st, add_warning, arr);
    fh_store_close(st);
    json_t *doc = json_pack("{s:o}", "warnings", arr);
    size_t i;
    json_t *w;
    if (o->json)
        fh_ctl_print_json(doc);
    else if (!json_array_size(arr))
        printf("no warnings\n");
    json_array_foreach(o->json ? NULL : arr, i, w)
        printf("%-32s %-6s %-8s %-9s %s%s\n", json_string_value(json_object_get(w, "id")),
               json_string_value(json_object_get(w, "level")),
               json_string_value(json_object_get(w, "state")),
               json_string_value(json_object_get(w, "class")),
               json_is_true(json_object_get(w, "drill")) ? "[演练 drill] " : "",
               json_string_value(json_object_get(w, "watch")));
    json_decref(doc);
    return 0;
}

/* ---- show: acknowledgement per unit ---- */

struct show {
    const char *scope;
    json_t *units;     /* unit path -> {hosts: {host: acked?}, person: [...]} */
};

static json_t *unit_of(struct show *s, const char *unit)
{
    json_t *u = json_object_get(s->units, unit);
    if (!u) {
        u = json_pack("{s:{}, s:[]}", "hosts", "people");
        json_object_set_new(s->units, unit, u);
    }
    return u;
}

static int add_host(const char *origin, uint64_t seq, const void *bytes, size_t len,
                    void *arg)
{
    struct show *s = arg;
    char unit[FH_PATH_MAX];
    if (fh_path_within(s->scope, origin) && fh_path_parent(origin, unit, sizeof unit) == 0 &&
        !json_object_get(json_object_get(unit_of(s, unit), "hosts"), origin))
        json_object_set_new(json_object_get(unit_of(s, unit), "hosts"), origin, json_null());
    return 0;
}

static int add_ack(void *arg, const Fh__WarningAck *a)
{
    struct show *s = arg;
    if (!a->unit || !fh_path_valid(a->unit))
        return 0;
    json_t *u = unit_of(s, a->unit);
    if (a->person)
        json_array_append_new(json_object_get(u, "people"),
                              json_pack("{s:s, s:I, s:i}", "by", a->by, "received_us",
                                        (json_int_t)a->received_us, "revision",
                                        (int)a->revision));
    else if (a->host && a->host[0])
        json_object_set_new(json_object_get(u, "hosts"), a->host,
                            json_pack("{s:I, s:i}", "received_us", (json_int_t)a->received_us,
                                      "revision", (int)a->revision));
    return 0;
}

static int show(const struct fh_ctl_opts *o, const char *id)
{
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    Fh__Warning *w = fh_notice_warning(st, id);
    if (!w) {
        fprintf(stderr, "fenghuo-ctl: no warning %s here\n", id);
        fh_store_close(st);
        return 1;
    }
    struct show s = {.scope = w->scope, .units = json_object()};
    fh_store_each_latest(st, FH__KIND__KIND_HEALTH, add_host, &s);
    fh_notice_each_ack(st, id, add_ack, &s);
    /* hosts known here only as counts in rollups (their health stays below) */
    json_t *counted = fh_ctl_rollup_hosts(st, w->scope), *cv;
    const char *cu;
    json_object_foreach(counted, cu, cv) unit_of(&s, cu);
    fh_store_close(st);
    /* Roll up: a unit has acknowledged when every host in it has, or a person did. */
    json_t *doc = warning_json(w), *units = json_array(), *u;
    const char *path;
    size_t acked = 0;
    json_object_foreach(s.units, path, u) {
        size_t hosts = 0, hosts_acked = 0;
        const char *h;
        json_t *hv;
        json_t *pending = json_array();
        json_object_foreach(json_object_get(u, "hosts"), h, hv) {
            hosts++;
            if (json_is_object(hv))
                hosts_acked++;
            else
                json_array_append_new(pending, json_string(h));
        }
        if ((size_t)json_integer_value(json_object_get(counted, path)) > hosts)
            hosts = (size_t)json_integer_value(json_object_get(counted, path));
        bool person = json_array_size(json_object_get(u, "people")) > 0;
        bool done = person || (hosts && hosts_acked == hosts);
        acked += done;
        json_array_append_new(units, json_pack("{s:s, s:b, s:I, s:I, s:o, s:O}", "unit", path,
                                               "acknowledged", done, "hosts", (json_int_t)hosts,
                                               "hosts_acknowledged", (json_int_t)hosts_acked,
                                               "hosts_pending", pending, "people",
                                               json_object_get(u, "people")));
    }
    json_object_set_new(doc, "units_total", json_integer((json_int_t)json_array_size(units)));
    json_object_set_new(doc, "units_acknowledged", json_integer((json_int_t)acked));
    json_object_set_new(doc, "units", units);
    if (o->json) {
        fh_ctl_print_json(doc);
    } else {
        printf("%s  %s%s warning, %s, for %s (%s): %s\n", w->id, w->drill ? "[演练 drill] " : "",
               fh_warning_level_name(w->level), actions[w->action <= 3 ? w->action : 0],
               w->scope, w->class_code, w->watch);
        printf("acknowledged by %zu of %zu units\n", acked, json_array_size(units));
        size_t i;
        json_array_foreach(units, i, u)
            printf("  %-40s %s  %lld/%lld hosts\n",
                   json_string_value(json_object_get(u, "unit")),
                   json_is_true(json_object_get(u, "acknowledged")) ? "ack    " : "PENDING",
                   (long long)json_integer_value(json_object_get(u, "hosts_acknowledged")),
                   (long long)json_integer_value(json_object_get(u, "hosts")));
    }
    json_decref(doc);
    json_decref(s.units);
    json_decref(counted);
    fh__warning__free_unpacked(w, NULL);
    return 0;
}

static int run(const struct fh_ctl_opts *o, int argc, char **argv)
{
    const char *sub = argc ? argv[0] : "";
    if (strcmp(sub, "list") == 0 && argc == 1)
        return list(o);
    if (strcmp(sub, "show") == 0 && argc == 2)
        return show(o, argv[1]);
    json_t *req = json_object();
    int first = 1;
    if (strcmp(sub, "issue") == 0) {
        json_object_set_new(req, "cmd", json_string("warning"));
        json_object_set_new(req, "action", json_string("issue"));
    } else if ((strcmp(sub, "adjust") == 0 || strcmp(sub, "lift") == 0) && argc >= 2) {
        json_object_set_new(req, "cmd", json_string("warning"));
        json_object_set_new(req, "action", json_string(sub));
        json_object_set_new(req, "id", json_string(argv[1]));
        first = 2;
    } else if (strcmp(sub, "ack") == 0 && argc >= 2) {
        json_object_set_new(req, "cmd", json_string("warning_ack"));
        json_object_set_new(req, "id", json_string(argv[1]));
        first = 2;
    } else {
        fprintf(stderr, "usage: fenghuo-ctl -c COLLECTOR_CONFIG warning "
                        "issue|adjust ID|lift ID|ack ID|list|show ID [options]\n");
        json_decref(req);
        return 1;
    }
    if (options(req, argc, argv, first)) {
        json_decref(req);
        return 1;
    }
    return fh_ctl_request_print(o, req);
}

const struct fh_ctl_cmd fh_ctl_cmd_warning = {
    "warning", run,
    "预警: issue --level L --class C --watch T [--scope P] [--measures T]\n"
    "                  [--deadline TIME] [--drill] | adjust ID | lift ID | ack ID --by NAME |\n"
    "                  list | show ID (who has acknowledged)"};
