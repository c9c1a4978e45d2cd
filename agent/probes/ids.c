/* ids.c - the ids probe: Suricata's alerts as detections.
 *
 * Every interval_s (threaded: it reads a log that can grow by megabytes a minute)
 * collect follows `eve` (Suricata's EVE JSON log, under root) with tail.c, across
 * rotation and truncation, at most max_lines lines a round, lines of at most
 * IDS_MAX_LINE bytes (longer ones are skipped and counted). Each line is parsed with
 * jansson; only event_type "alert" matters:
 *   - alert.severity 1..min_severity (Suricata: 1 is the most severe) is a Detection:
 *     class by alert.category through category_map (defaults below: privilege gain and
 *     web attacks NAI.VAI, denial of service NAI.DOSAI, scans and information leaks
 *     NAI.NSEI, trojans and C2 MI.THI, anything else NAI.ONAI), severity 1 high, 2
 *     medium, 3 and more low; facts src_ip, dest_ip, dest_port, proto, signature,
 *     signature_id, category, severity; key "sid SID SOURCE"; evidence the line;
 *   - an alert of a less severe level is only counted (below_min).
 * Lines that are not JSON objects with an event_type, or alerts without signature and
 * signature_id, are counted as malformed and logged (limited). One repeat table
 * (repeat_window_s): a scanner tripping one rule a thousand times is one report.
 * The probe is off when the directory of eve does not exist under root at start. */
#include "ids.h"

#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "err.h"
#include "log.h"
#include "probes.h"
#include "tail.h"
#include "taxonomy.h"

#define IDS_PATH_MAX 256
#define IDS_MAP_TEXT_MAX 2048        /* the category_map key */
#define IDS_MAX_LINE (64 * 1024)     /* one eve.json line */
#define IDS_ROUND_BYTES (16u << 20)  /* bytes of eve.json read per round */
#define IDS_REPEATS_MAX 4096
#define IDS_WARN_EVERY_S 300

static const char *const ids_default_map[][2] = {
    {"Attempted Administrator Privilege Gain", "NAI.VAI"},
    {"Attempted User Privilege Gain", "NAI.VAI"},
    {"Successful Administrator Privilege Gain", "NAI.VAI"},
    {"Successful User Privilege Gain", "NAI.VAI"},
    {"Web Application Attack", "NAI.VAI"},
    {"Attempted Denial of Service", "NAI.DOSAI"},
    {"Denial of Service", "NAI.DOSAI"},
    {"Detection of a Network Scan", "NAI.NSEI"},
    {"Attempted Information Leak", "NAI.NSEI"},
    {"A Network Trojan was detected", "MI.THI"},
    {"Malware Command and Control Activity Detected", "MI.THI"},
    {"Potentially Bad Traffic", "NAI.ONAI"},
};

static int map_set(struct fh_ids_map *m, const char *cat, size_t clen, const char *cls,
                   size_t len, const char **why)
{
    char code[FH_IDS_CLASS_MAX];
    size_t i;
    if (clen == 0 || clen >= FH_IDS_CATEGORY_MAX || len >= sizeof code) {
        *why = "a category or class is empty or too long";
        return FH_ECONFIG;
    }
    memcpy(code, cls, len);
    code[len] = '\0';
    if (!fh_class_valid(code)) {
        *why = "a class is not a GB/Z 20986 code (e.g. NAI.VAI)";
        return FH_ECONFIG;
    }
    if (clen == 5 && memcmp(cat, "other", 5) == 0) {
        memcpy(m->other, code, len + 1);
        return 0;
    }
    for (i = 0; i < m->n; i++)
        if (strlen(m->e[i].category) == clen && memcmp(m->e[i].category, cat, clen) == 0)
            break;
    if (i == FH_IDS_MAX_MAP) {
        *why = "more than 64 categories";
        return FH_ECONFIG;
    }
    memcpy(m->e[i].category, cat, clen);
    m->e[i].category[clen] = '\0';
    memcpy(m->e[i].class_code, code, len + 1);
    m->n += i == m->n;
    return 0;
}

int fh_ids_map_parse(const char *text, struct fh_ids_map *m, const char **why)
{
    int rc;
    memset(m, 0, sizeof *m);
    strcpy(m->other, "NAI.ONAI");
    for (size_t i = 0; i < sizeof ids_default_map / sizeof ids_default_map[0]; i++)
        if ((rc = map_set(m, ids_default_map[i][0], strlen(ids_default_map[i][0]),
                          ids_default_map[i][1], strlen(ids_default_map[i][1]), why)))
            return rc;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ";"), b = 0, e = n;
        const char *eq = memchr(p, '=', n);
        while (b < n && p[b] == ' ')
            b++;
        while (e > b && p[e - 1] == ' ')
            e--;
        if (e > b) {
            size_t k = (size_t)(eq - p), v = k + 1, ke = k;
            if (!eq) {
                *why = "an item is not Category=CLASS";
                return FH_ECONFIG;
            }
            while (ke > b && p[ke - 1] == ' ')
                ke--;
            while (v < e && p[v] == ' ')
                v++;
            if ((rc = map_set(m, p + b, ke - b, p + v, e > v ? e - v : 0, why)))
                return rc;
        }
        p += n + (p[n] == ';');
    }
    return 0;
}

const char *fh_ids_map_class(const struct fh_ids_map *m, const char *category)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->e[i].category, category) == 0)
            return m->e[i].class_code;
    return m->other;
}

/* Copy the string member key of o into out[size] (cut), "" when missing. */
static void get_str(json_t *o, const char *key, char *out, size_t size)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(out, size, "%s", s ? s : "");
}

int fh_ids_parse_line(const char *line, size_t len, struct fh_ids_alert *a)
{
    json_error_t jerr;
    json_t *doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr), *al, *sid, *sev;
    const char *type;
    int rc = FH_EMALFORMED;

    memset(a, 0, sizeof *a);
    if (!doc)
        return FH_EMALFORMED;
    type = json_string_value(json_object_get(doc, "event_type"));
    if (!json_is_object(doc) || !type)
        goto out;
    if (strcmp(type, "alert") != 0) {
        rc = 0;
        goto out;
    }
    al = json_object_get(doc, "alert");
    sid = json_object_get(al, "signature_id");
    sev = json_object_get(al, "severity");
    if (!json_is_object(al) || !json_is_integer(sid) ||
        !json_is_string(json_object_get(al, "signature")))
        goto out;
    get_str(doc, "src_ip", a->src_ip, sizeof a->src_ip);
    get_str(doc, "dest_ip", a->dest_ip, sizeof a->dest_ip);
    get_str(doc, "proto", a->proto, sizeof a->proto);
    get_str(al, "signature", a->signature, sizeof a->signature);
    get_str(al, "category", a->category, sizeof a->category);
    a->signature_id = json_integer_value(sid);
    a->dest_port = json_integer_value(json_object_get(doc, "dest_port"));
    a->severity = json_is_integer(sev) ? json_integer_value(sev) : 3;
    rc = 1;
out:
    json_decref(doc);
    return rc;
}

/* ---- the probe ---- */

struct ids_conf {
    bool enabled;
    int64_t interval_s;
    char root[IDS_PATH_MAX];
    char eve[IDS_PATH_MAX];
    int64_t min_severity;
    char category_map[IDS_MAP_TEXT_MAX];
    char state_dir[IDS_PATH_MAX];
    bool from_start;
    int64_t max_lines;
    int64_t repeat_window_s;
};

struct ids_state {
    struct ids_conf c;
    struct fh_ids_map map;
    struct fh_tail_set eve;
    struct fh_repeats *rep;
    struct fh_probe_sink *sink;
    uint64_t now_us;
    int err;
    uint64_t alerts, below_min, malformed, other_events;
    struct fh_log_limit warn;
};

static Fh__Severity severity_of(int64_t suricata)
{
    return suricata <= 1 ? FH__SEVERITY__SEVERITY_HIGH
           : suricata == 2 ? FH__SEVERITY__SEVERITY_MEDIUM : FH__SEVERITY__SEVERITY_LOW;
}

static int on_line(void *arg, char *line, size_t len)
{
    struct ids_state *st = arg;
    struct fh_ids_alert a;
    char sid[24], port[24], sev[24], key[FH_IDS_ADDR_MAX + 32],
        summary[FH_IDS_SIGNATURE_MAX + FH_IDS_CATEGORY_MAX + 2 * FH_IDS_ADDR_MAX + 64];
    int rc = fh_ids_parse_line(line, len, &a);

    if (rc == FH_EMALFORMED) {
        st->malformed++;
        fh_log_limited(&st->warn, IDS_WARN_EVERY_S, FH_LOG_WARN,
                       "ids: %s: a line that is not an EVE event or a whole alert "
                       "(%llu so far)", st->c.eve, (unsigned long long)st->malformed);
        return 0;
    }
    if (rc == 0) {
        st->other_events++;
        return 0;
    }
    st->alerts++;
    if (a.severity > st->c.min_severity) {
        st->below_min++;
        return 0;
    }
    snprintf(sid, sizeof sid, "%lld", (long long)a.signature_id);
    snprintf(port, sizeof port, "%lld", (long long)a.dest_port);
    snprintf(sev, sizeof sev, "%lld", (long long)a.severity);
    snprintf(key, sizeof key, "sid %s %s", sid, a.src_ip);
    snprintf(summary, sizeof summary, "Suricata: %s (%s) %s -> %s:%s", a.signature,
             a.category[0] ? a.category : "no category", a.src_ip, a.dest_ip, port);
    const struct fh_detect_fact f[] = {
        {"src_ip", a.src_ip},       {"dest_ip", a.dest_ip},   {"dest_port", port},
        {"proto", a.proto},         {"signature", a.signature}, {"signature_id", sid},
        {"category", a.category},   {"severity", sev}};
    struct fh_detect d = {.probe = "ids", .class_code = fh_ids_map_class(&st->map, a.category),
                          .severity = severity_of(a.severity), .key = key,
                          .summary = summary, .evidence = line, .facts = f, .nfacts = 8};
    rc = fh_detect_report(st->sink, st->rep, &d, st->now_us);
    if (rc < 0 && st->err == 0)
        st->err = rc;
    return st->err;
}

static int ids_collect(void *state, struct fh_probe_sink *sink)
{
    struct ids_state *st = state;
    int rc;

    st->sink = sink;
    st->err = 0;
    st->now_us = fh_now_us();
    rc = fh_tail_set_read(&st->eve, IDS_ROUND_BYTES, (size_t)st->c.max_lines, on_line, st);
    if (rc == 0 && st->err == 0)
        rc = fh_repeats_flush(sink, st->rep, st->now_us);
    return st->err ? st->err : rc;
}

static void ids_destroy(void *state)
{
    struct ids_state *st = state;
    if (!st)
        return;
    fh_tail_set_close(&st->eve);
    fh_repeats_free(st->rep);
    free(st);
}

static int ids_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct ids_conf *c = conf;
    struct fh_tail_opts to = {.from_start = c->from_start, .max_line = IDS_MAX_LINE};
    char dir[2 * IDS_PATH_MAX];
    struct ids_state *st;
    const char *why = NULL;
    int rc;

    if (!c->enabled)
        return FH_ENOTFOUND;
    if ((c->root[0] && c->root[0] != '/') || c->eve[0] != '/' ||
        (c->state_dir[0] && c->state_dir[0] != '/')) {
        FH_ERROR("ids: root, eve and state_dir must be absolute paths");
        return FH_ECONFIG;
    }
    if (!(st = calloc(1, sizeof *st)))
        return FH_ENOMEM;
    st->c = *c;
    if ((rc = fh_ids_map_parse(c->category_map, &st->map, &why)) != 0) {
        FH_ERROR("ids.category_map: %s", why);
        goto fail;
    }
    snprintf(dir, sizeof dir, "%s%s", c->root, c->eve);
    if (access(dirname(dir), F_OK) != 0) {
        FH_INFO("ids: no %s: the ids probe is off", dir);
        rc = FH_ENOTFOUND;
        goto fail;
    }
    if ((rc = fh_tail_set_open(&st->eve, c->root, c->eve, c->state_dir, "ids", &to)) ||
        (rc = fh_repeats_new((uint32_t)c->repeat_window_s, IDS_REPEATS_MAX, &st->rep)))
        goto fail;
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
fail:
    ids_destroy(st);
    return rc;
}

#define KEY(n, t, f, d, ...)                                                            \
    {.section = "ids", .name = n, .type = t, .offset = offsetof(struct ids_conf, f),    \
     .def = d, __VA_ARGS__}

static const struct fh_config_key ids_keys[] = {
    KEY("enabled", FH_CONF_BOOL, enabled, "true",
        .help = "report Suricata alerts (off when the eve.json directory does not exist)"),
    KEY("interval_s", FH_CONF_INT, interval_s, "5", .min = 1, .max = 3600,
        .help = "seconds between two rounds"),
    KEY("root", FH_CONF_STRING, root, "", .size = IDS_PATH_MAX,
        .help = "prefix of every path read (tests use a fixture tree)"),
    KEY("eve", FH_CONF_STRING, eve, "/var/log/suricata/eve.json", .size = IDS_PATH_MAX,
        .help = "Suricata's EVE JSON log"),
    KEY("min_severity", FH_CONF_INT, min_severity, "2", .min = 1, .max = 255,
        .help = "the least severe Suricata severity reported (1 is the most severe); "
                "alerts past it are only counted"),
    KEY("category_map", FH_CONF_STRING, category_map, "", .size = IDS_MAP_TEXT_MAX,
        .help = "\"Category=CLASS;...\" on top of the defaults; \"other=CLASS\" for the rest"),
    KEY("state_dir", FH_CONF_STRING, state_dir, "", .size = IDS_PATH_MAX,
        .help = "directory where the eve.json position is kept across restarts; empty: not kept"),
    KEY("from_start", FH_CONF_BOOL, from_start, "false",
        .help = "read eve.json from its beginning at the first start (else from the end)"),
    KEY("max_lines", FH_CONF_INT, max_lines, "20000", .min = 1, .max = 1000000,
        .help = "lines of eve.json read per round"),
    KEY("repeat_window_s", FH_CONF_INT, repeat_window_s, "3600", .min = 1, .max = 86400,
        .help = "repeats of one detection within this many seconds are one report"),
};

const struct fh_probe fh_probe_ids = {
    .name = "ids",
    .keys = ids_keys,
    .nkeys = sizeof ids_keys / sizeof ids_keys[0],
    .conf_size = sizeof(struct ids_conf),
    .init = ids_init,         /* read its [ids] section, the category map, open eve.json */
    .collect = ids_collect,   /* new alerts */
    .destroy = ids_destroy,
    .threaded = true,         /* reads a busy log */
};
