/* ctl_rollup.c - what rollups add to fenghuo-ctl's views (see ctl.h, rollup.h).
 *
 * Where health stays at the first collector (relay_policy keep), a tier above knows a
 * unit's hosts only as counts in the rollups it received. `units` shows, per unit, the
 * hosts known in detail here (health) plus the counts of the rollups, and the counters
 * kept here and below (detections by class, outages, patch state); `warning show` and
 * `advisory show` count a unit's hosts known only from rollups as not yet heard from. */
#include "ctl.h"

#include "fenghuo.pb-c.h"
#include "log.h"
#include "path.h"
#include "rollup.h"

struct merge {
    json_t *list;      /* the units view's array of units */
    json_t *index;     /* unit path -> its object in list (borrowed) */
    uint64_t now_us;
    int hosts, stale;
};

static json_t *rollup_json(const struct fh_rollup_unit *u, uint64_t now_us)
{
    if (!u->origins)
        return json_null();
    return json_pack("{s:I, s:I, s:I, s:I, s:f}", "hosts_total", (json_int_t)u->hosts_total,
                     "hosts_stale", (json_int_t)u->hosts_stale, "origins",
                     (json_int_t)u->origins, "newest_us", (json_int_t)u->newest_us,
                     "age_s", now_us > u->newest_us ? (double)(now_us - u->newest_us) / 1e6
                                                    : 0.0);
}

static int merge_unit(void *arg, const struct fh_rollup_unit *u)
{
    struct merge *m = arg;
    json_t *o = json_object_get(m->index, u->unit);
    if (!o) {
        o = json_pack("{s:s, s:I, s:I, s:[], s:{}}", "unit", u->unit, "hosts_total",
                      (json_int_t)0, "hosts_stale", (json_int_t)0, "hosts", "detections");
        json_array_append_new(m->list, o);
        json_object_set(m->index, u->unit, o);
    }
    json_int_t total = json_integer_value(json_object_get(o, "hosts_total")) + u->hosts_total;
    json_int_t stale = json_integer_value(json_object_get(o, "hosts_stale")) + u->hosts_stale;
    json_object_set_new(o, "hosts_total", json_integer(total));
    json_object_set_new(o, "hosts_stale", json_integer(stale));
    json_object_set_new(o, "hosts_online", json_integer(total - stale));
    json_object_set_new(o, "rollup", rollup_json(u, m->now_us));
    json_t *det = json_object_get(o, "detections");
    for (size_t i = 0; i < u->nclasses; i++)
        json_object_set_new(det, u->classes[i].code,
                            json_integer((json_int_t)u->classes[i].total));
    json_object_set_new(o, "outages", json_pack("{s:I, s:I, s:I, s:I}", "open",
                                                (json_int_t)u->outages_open, "started",
                                                (json_int_t)u->outages_started, "ended",
                                                (json_int_t)u->outages_ended, "outage_s",
                                                (json_int_t)u->outage_s));
    json_object_set_new(o, "patch", json_pack("{s:I, s:I, s:I}", "hosts_known",
                                              (json_int_t)u->hosts_patch_known,
                                              "hosts_security_pending",
                                              (json_int_t)u->hosts_security_pending,
                                              "hosts_reboot_required",
                                              (json_int_t)u->hosts_reboot_required));
    m->hosts += (int)u->hosts_total;
    m->stale += (int)u->hosts_stale;
    return 0;
}

void fh_ctl_units_rollups(struct fh_store *st, json_t *list, uint64_t now_us, int *hosts,
                          int *stale)
{
    struct merge m = {.list = list, .index = json_object(), .now_us = now_us};
    size_t i;
    json_t *o;
    /* every unit gets every key, whether or not a rollup speaks of it */
    json_array_foreach(list, i, o) {
        json_int_t t = json_integer_value(json_object_get(o, "hosts_total"));
        json_int_t s = json_integer_value(json_object_get(o, "hosts_stale"));
        json_object_set_new(o, "hosts_online", json_integer(t - s));
        json_object_set_new(o, "rollup", json_null());
        json_object_set_new(o, "detections", json_object());
        json_object_set_new(o, "outages", json_pack("{s:i, s:i, s:i, s:i}", "open", 0,
                                                    "started", 0, "ended", 0, "outage_s", 0));
        json_object_set_new(o, "patch", json_pack("{s:i, s:i, s:i}", "hosts_known", 0,
                                                  "hosts_security_pending", 0,
                                                  "hosts_reboot_required", 0));
        json_object_set(m.index, json_string_value(json_object_get(o, "unit")), o);
    }
    if (fh_rollup_each_unit(st, now_us, merge_unit, &m) != 0)
        fh_log(FH_LOG_WARN, "units: the rollups kept here cannot be read");
    json_decref(m.index);
    *hosts += m.hosts;
    *stale += m.stale;
}

struct hosts_walk {
    const char *scope;
    json_t *units;
};

static int add_hosts(void *arg, const struct fh_rollup_unit *u)
{
    struct hosts_walk *w = arg;
    if (u->hosts_total && (!w->scope || fh_path_within(w->scope, u->unit)))
        json_object_set_new(w->units, u->unit, json_integer((json_int_t)u->hosts_total));
    return 0;
}

json_t *fh_ctl_rollup_hosts(struct fh_store *st, const char *scope)
{
    struct hosts_walk w = {.scope = scope, .units = json_object()};
    if (fh_rollup_each_unit(st, fh_now_us(), add_hosts, &w) != 0)
        fh_log(FH_LOG_WARN, "the rollups kept here cannot be read");
    return w.units;
}
