/* ctl_view.c - the JSON documents of fenghuo-ctl's commands (see ctl.h).
 *
 * A host is stale when its latest health is older than three of its own sampling
 * intervals, and at least 30 s (fh_rollup_stale, the rule rollups use too): the interval
 * travels in every Health report. */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "log.h"
#include "path.h"
#include "pbjson.h"
#include "report.h"
#include "rollup.h"

static json_t *meta_str(struct fh_store *st, const char *key)
{
    char buf[512];
    if (fh_store_meta_get(st, key, buf, sizeof buf) != 0)
        return json_null();
    return json_string(buf);
}

static uint64_t meta_u64(struct fh_store *st, const char *key)
{
    char buf[32];
    if (fh_store_meta_get(st, key, buf, sizeof buf) != 0)
        return 0;
    return strtoull(buf, NULL, 10);
}

static json_t *age(uint64_t now_us, uint64_t then_us)
{
    if (!then_us)
        return json_null();
    return json_real(now_us > then_us ? (double)(now_us - then_us) / 1e6 : 0.0);
}

static int add_child(const char *path, const struct fh_child *c, void *arg)
{
    json_t *arr = arg;
    uint64_t now = fh_now_us();
    json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:I}",
        "path", path,
        "role", c->role == FH__ROLE__ROLE_COLLECTOR ? "collector" : "agent",
        "software", c->software,
        "first_seen_us", (json_int_t)c->first_seen_us,
        "last_seen_us", (json_int_t)c->last_seen_us,
        "last_seen_age_s", age(now, c->last_seen_us),
        "reports_received", (json_int_t)c->reports,
        "outbox_depth", (json_int_t)c->outbox_depth,
        "dead_letters", (json_int_t)c->dead_letters));
    return 0;
}

struct drops {
    json_t *by_origin;
    uint64_t coalesced, refused;
};

/* Each origin's latest drop notice: what outboxes below had to coalesce or refuse. */
static int add_drop(const char *origin, uint64_t seq, const void *bytes, size_t len,
                    void *arg)
{
    struct drops *d = arg;
    Fh__Envelope *env;
    enum fh_counter why;
    ProtobufCMessage *body;
    (void)seq;
    if (fh_report_decode(bytes, len, &env, &why) != 0)
        return 0;
    if (fh_report_body(env, &body) == 0) {
        const Fh__DropNotice *dn = (const Fh__DropNotice *)body;
        d->coalesced += dn->coalesced;
        d->refused += dn->refused;
        json_object_set_new(d->by_origin, origin,
                            json_pack("{s:I, s:I, s:I}", "coalesced", (json_int_t)dn->coalesced,
                                      "refused", (json_int_t)dn->refused, "time_us",
                                      (json_int_t)env->time_us));
        protobuf_c_message_free_unpacked(body, NULL);
    }
    fh__envelope__free_unpacked(env, NULL);
    return 0;
}

json_t *fh_ctl_status(struct fh_store *st)
{
    char path[FH_PATH_MAX] = "";
    fh_store_meta_get(st, "path", path, sizeof path);
    struct fh_path p;
    const char *tier = "unknown";
    if (fh_path_parse(path, &p, NULL, 0) == 0)
        tier = fh_path_level_name(p.level[p.nseg - 1]);
    uint64_t ctr[FH_CTR_COUNT];
    fh_store_load_counters(st, ctr);
    json_t *counters = json_object();
    for (int i = 0; i < FH_CTR_COUNT; i++)
        json_object_set_new(counters, fh_counter_name((enum fh_counter)i),
                            json_integer((json_int_t)ctr[i]));
    json_t *children = json_array();
    fh_store_each_child(st, add_child, children);
    uint64_t now = fh_now_us(), ack = fh_store_parent_ack_us(st);
    uint64_t refused = 0;
    for (int i = FH_CTR_REFUSED_MALFORMED; i <= FH_CTR_LINK_DROPPED; i++)
        refused += ctr[i];
    refused += ctr[FH_CTR_REFUSED_KEY] + ctr[FH_CTR_REFUSED_REVOKED] +
               ctr[FH_CTR_REFUSED_KEY_SCOPE] + ctr[FH_CTR_REFUSED_TOKEN];   /* security.md */
    struct drops d = {.by_origin = json_object()};
    fh_store_each_latest(st, FH__KIND__KIND_DROP_NOTICE, add_drop, &d);
    uint64_t map_used, map_size;
    fh_store_map_use(st, &map_used, &map_size);
    json_t *space = json_pack("{s:I, s:I, s:I, s:f}", "outbox_bytes",
                              (json_int_t)fh_outbox_bytes(st), "map_used_bytes",
                              (json_int_t)map_used, "map_size_bytes", (json_int_t)map_size,
                              "map_used_pct", map_size ? 100.0 * (double)map_used /
                                                             (double)map_size : 0.0);
    json_t *below = json_pack("{s:I, s:I, s:o}", "coalesced", (json_int_t)d.coalesced,
                              "refused", (json_int_t)d.refused, "by_origin", d.by_origin);
    return json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:o, "
                     "s:o, s:o, s:o}",
        "path", path,
        "role", meta_str(st, "role"),
        "tier", tier,
        "listen", meta_str(st, "listen"),
        "parent", meta_str(st, "parent"),
        "started_us", json_integer((json_int_t)meta_u64(st, "started_us")),
        "parent_last_ack_us", (json_int_t)ack,
        "parent_last_ack_age_s", age(now, ack),
        "children", children,
        "outbox_depth", (json_int_t)fh_outbox_depth(st),
        "dead_letters", (json_int_t)fh_outbox_dead_count(st),
        "reports_stored", (json_int_t)fh_store_report_count(st),
        "refused_total", (json_int_t)refused,
        "counters", counters,
        "now_us", json_integer((json_int_t)now),
        "space", space,
        "drops_reported", below);
}

static double max_fs_use_pct(const Fh__Health *h)
{
    double m = 0;
    for (size_t i = 0; i < h->n_filesystems; i++) {
        const Fh__Filesystem *f = h->filesystems[i];
        if (f->total_bytes && f->avail_bytes <= f->total_bytes) {
            double used = 100.0 * (double)(f->total_bytes - f->avail_bytes) /
                          (double)f->total_bytes;
            if (used > m)
                m = used;
        }
    }
    return m;
}

struct units_walk {
    json_t *units;   /* unit path -> array of hosts */
    uint64_t now;
    int hosts, stale;
};

static int add_host(const char *origin, uint64_t seq, const void *bytes, size_t len,
                    void *arg)
{
    struct units_walk *w = arg;
    (void)seq;
    Fh__Envelope *env;
    enum fh_counter why;
    ProtobufCMessage *body;
    if (fh_report_decode(bytes, len, &env, &why) != 0)
        return 0;
    if (fh_report_body(env, &body) != 0) {
        fh__envelope__free_unpacked(env, NULL);
        return 0;
    }
    const Fh__Health *h = (const Fh__Health *)body;
    char unit[FH_PATH_MAX];
    fh_path_parent(origin, unit, sizeof unit);
    bool stale = fh_rollup_stale(env->time_us, h->interval_s, w->now);
    double mem_used = h->mem_total_kb && h->mem_available_kb <= h->mem_total_kb
                          ? 100.0 * (double)(h->mem_total_kb - h->mem_available_kb) /
                                (double)h->mem_total_kb
                          : 0;
    json_t *hosts = json_object_get(w->units, unit);
    if (!hosts) {
        hosts = json_array();
        json_object_set_new(w->units, unit, hosts);
    }
    json_array_append_new(hosts, json_pack(
        "{s:s, s:s, s:I, s:I, s:o, s:b, s:f, s:f, s:f, s:f, s:I, s:I}",
        "path", origin, "hostname", h->hostname ? h->hostname : "",
        "seq", (json_int_t)env->seq, "last_seen_us", (json_int_t)env->time_us,
        "last_seen_age_s", age(w->now, env->time_us), "stale", stale,
        "cpu_pct", h->cpu_pct, "mem_used_pct", mem_used, "disk_max_used_pct",
        max_fs_use_pct(h), "load1", h->load1, "procs", (json_int_t)h->procs,
        "uptime_s", (json_int_t)h->uptime_s));
    w->hosts++;
    w->stale += stale;
    protobuf_c_message_free_unpacked(body, NULL);
    fh__envelope__free_unpacked(env, NULL);
    return 0;
}

json_t *fh_ctl_units(struct fh_store *st)
{
    struct units_walk w = {.units = json_object(), .now = fh_now_us()};
    fh_store_each_latest(st, FH__KIND__KIND_HEALTH, add_host, &w);
    json_t *list = json_array();
    const char *unit;
    json_t *hosts;
    json_object_foreach(w.units, unit, hosts) {
        int stale = 0;
        size_t i;
        json_t *h;
        json_array_foreach(hosts, i, h) stale += json_is_true(json_object_get(h, "stale"));
        json_array_append_new(list, json_pack("{s:s, s:I, s:i, s:O}", "unit", unit,
                                              "hosts_total", (json_int_t)json_array_size(hosts),
                                              "hosts_stale", stale, "hosts", hosts));
    }
    json_decref(w.units);
    fh_ctl_units_rollups(st, list, w.now, &w.hosts, &w.stale);   /* hosts known as counts */
    char path[FH_PATH_MAX] = "";
    fh_store_meta_get(st, "path", path, sizeof path);
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:o}", "scope", path, "units_total",
                     (int)json_array_size(list), "hosts_total", w.hosts, "hosts_stale",
                     w.stale, "hosts_online", w.hosts - w.stale, "units", list);
}

struct export_walk {
    FILE *f;
    uint64_t bad;
};

static int export_one(const char *origin, uint64_t seq, const void *bytes, size_t len,
                      void *arg)
{
    struct export_walk *w = arg;
    Fh__Envelope *env;
    enum fh_counter why;
    ProtobufCMessage *body = NULL;
    if (fh_report_decode(bytes, len, &env, &why) != 0) {
        w->bad++;
        return 0;
    }
    json_t *jb = fh_report_body(env, &body) == 0 ? fh_pbjson(body) : json_null();
    json_t *line = json_pack("{s:s, s:I, s:s, s:I, s:o}", "origin", origin, "seq",
                             (json_int_t)seq, "kind", fh_kind_name(env->kind), "time_us",
                             (json_int_t)env->time_us, "body", jb);
    if (line) {
        json_dumpf(line, w->f, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
        fputc('\n', w->f);
        json_decref(line);
    }
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    fh__envelope__free_unpacked(env, NULL);
    return 0;
}

int fh_ctl_export(struct fh_store *st, FILE *f)
{
    struct export_walk w = {.f = f};
    int err = fh_store_each_report(st, export_one, &w);
    if (w.bad)
        fh_log(FH_LOG_WARN, "export: %llu stored reports do not decode",
               (unsigned long long)w.bad);
    return err;
}
