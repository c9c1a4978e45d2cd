/* service.c - the service probe: are the host's own services up, and is its site intact?
 *
 * It watches what the [service] section names, nothing else: systemd units (units),
 * TCP ports (tcp, host:port) and web pages (http, http:// or https:// URLs). Each
 * interval_s, in the agent's worker (threaded: it runs systemctl and talks to the
 * network), it checks every target once, each check bounded by timeout_ms, so a round
 * takes at most (1 + tcp targets + http targets) * timeout_ms:
 *   - units: one run of `ROOT/SYSTEMCTL show --property=Id,LoadState,ActiveState,
 *     SubState,Result,NRestarts -- UNIT...` (output at most SVC_SHOW_MAX bytes); a unit
 *     is up when fh_svc_unit_up() says so;
 *   - tcp: a connect (service_net.c), up when it succeeds;
 *   - http: a GET (redirects not followed), up when a complete response with a status
 *     below 400 came. The body's SHA-256 (its first 4 MiB) of a 200 response is compared
 *     with the page's baseline: the line for the URL in baseline_file, else the first
 *     200 response's hash, learned (and appended to baseline_file when one is set; without
 *     it, baselines live in memory and are learned again at each start).
 * Each target has an outage state (service_parse.h). A transition emits a ServiceEvent
 * (KIND_SERVICE): up = false at the start of an outage (also when the target is down at
 * its first check), up = true at its end with duration_s. An event that cannot be
 * committed leaves the state as it was, so the next round tries again.
 * Detections (fh_detect_report, one repeat table, repeat_s):
 *   FF.SHF high      a target went down           key "down KIND TARGET"
 *   FF.SHF medium    a unit's NRestarts grew      key "restarts UNIT"
 *   IDI.IAI critical the page's hash differs      key "content URL"
 *   OI low           certificate within cert_warn_days of notAfter  key "cert URL"
 *   FF.SHF medium    certificate expired          key "cert-expired URL"
 * A differing page is reported every round it differs (repeats are counted). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "err.h"
#include "log.h"
#include "probe.h"
#include "probes.h"
#include "service_net.h"

#define SVC_LIST_MAX 256          /* a list key's value (an INI line is < 200 bytes) */
#define SVC_PATH_MAX 256
#define SVC_MAX_UNITS 16
#define SVC_MAX_TCP 16
#define SVC_MAX_HTTP 8
#define SVC_MAX_TARGETS (SVC_MAX_UNITS + SVC_MAX_TCP + SVC_MAX_HTTP)
#define SVC_SHOW_MAX (64 * 1024)  /* systemctl show output read */
#define SVC_BASELINE_MAX (64 * 1024) /* baseline_file read */
#define SVC_WARN_EVERY_S 600
#define SVC_PROPS "--property=Id,LoadState,ActiveState,SubState,Result,NRestarts"

struct svc_conf {
    char units[SVC_LIST_MAX];
    char tcp[SVC_LIST_MAX];
    char http[SVC_LIST_MAX];
    char baseline_file[SVC_PATH_MAX];
    char systemctl[SVC_PATH_MAX];
    char root[SVC_PATH_MAX];
    int64_t timeout_ms;
    int64_t interval_s;
    int64_t cert_warn_days;
    int64_t repeat_s;
};

enum svc_kind { SVC_UNIT, SVC_TCP, SVC_HTTP };
static const char *const kind_names[] = {"unit", "tcp", "http"};

struct svc_target {
    enum svc_kind kind;
    char name[FH_SVC_URL_MAX];
    struct fh_svc_outage outage;
    char reason[FH_SVC_REASON_MAX];   /* why it is down (or was, until the end event) */
    /* unit */
    struct fh_svc_unit unit;
    bool have_restarts;
    uint32_t restarts;
    /* tcp */
    char host[FH_SVC_HOST_MAX];
    uint16_t port;
    uint32_t latency_ms;
    /* http */
    struct fh_svc_url url;
    bool have_baseline;
    uint8_t baseline[32];
    struct fh_svc_fetch last;
};

struct svc_state {
    struct svc_conf conf;
    struct svc_target t[SVC_MAX_TARGETS];
    size_t n, nunits;
    SSL_CTX *tls;
    struct fh_repeats *repeats;
    struct fh_log_limit warn_limit, refused_limit;
    uint64_t refused;                 /* responses refused as malformed or oversized */
    int err;                          /* the round's first error */
    struct fh_svc_http http;          /* the response parser, reused */
    struct fh_svc_unit shown[SVC_MAX_UNITS];
    char show[SVC_SHOW_MAX];
};

/* ---- baselines ---- */

/* Read baseline_file ("URL HEX" lines) into the http targets. A missing file is empty. */
static int load_baselines(struct svc_state *st)
{
    FILE *f = fopen(st->conf.baseline_file, "re");
    char line[FH_SVC_URL_MAX + 80];
    size_t total = 0, bad = 0;

    if (!f)
        return errno == ENOENT ? 0 : FH_EIO;
    while (fgets(line, sizeof line, f) && (total += strlen(line)) <= SVC_BASELINE_MAX) {
        char url[FH_SVC_URL_MAX], hex[80];
        uint8_t sha[32];
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        if (sscanf(line, "%511s %79s", url, hex) != 2 || !fh_svc_parse_sha256(hex, sha)) {
            bad++;
            continue;
        }
        for (size_t i = 0; i < st->n; i++) {
            struct svc_target *t = &st->t[i];
            if (t->kind == SVC_HTTP && !t->have_baseline && strcmp(t->name, url) == 0) {
                memcpy(t->baseline, sha, sizeof sha);
                t->have_baseline = true;
            }
        }
    }
    fclose(f);
    if (bad || total > SVC_BASELINE_MAX)
        fh_log(FH_LOG_WARN, "service: %s: %zu malformed lines skipped%s", st->conf.baseline_file,
               bad, total > SVC_BASELINE_MAX ? ", the part past 64 KiB ignored" : "");
    return 0;
}

static void save_baseline(struct svc_state *st, const struct svc_target *t)
{
    char hex[65], line[FH_SVC_URL_MAX + 80];
    if (!st->conf.baseline_file[0])
        return;
    fh_svc_hex(t->baseline, hex);
    int n = snprintf(line, sizeof line, "%s %s\n", t->name, hex);
    int fd = open(st->conf.baseline_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0)
        fh_log_limited(&st->warn_limit, SVC_WARN_EVERY_S, FH_LOG_WARN,
                       "service: cannot append to %s: %s", st->conf.baseline_file,
                       strerror(errno));
    if (fd >= 0)
        close(fd);
}

/* ---- reporting ---- */

static void detect(struct svc_state *st, struct fh_probe_sink *sink, const char *cls,
                   Fh__Severity sev, const char *key, const char *summary,
                   const struct fh_detect_fact *facts, size_t nfacts, uint64_t now_us)
{
    struct fh_detect d = {.probe = "service", .class_code = cls, .severity = sev, .key = key,
                          .summary = summary, .facts = facts, .nfacts = nfacts};
    int rc = fh_detect_report(sink, st->repeats, &d, now_us);
    if (rc < 0 && !st->err)
        st->err = rc;
}

/* One check's result for t at now_us: the outage transition, if any, as an event. */
static void outcome(struct svc_state *st, struct fh_probe_sink *sink, struct svc_target *t,
                    bool up, const char *reason, uint64_t now_us)
{
    struct fh_svc_outage before = t->outage;
    uint64_t duration_s = 0;
    enum fh_svc_change ch = fh_svc_outage_step(&t->outage, up, now_us, &duration_s);
    if (ch == FH_SVC_SAME)
        return;
    if (ch == FH_SVC_WENT_DOWN)
        snprintf(t->reason, sizeof t->reason, "%s", reason);
    Fh__ServiceEvent ev = FH__SERVICE_EVENT__INIT;
    char hex[65] = "";
    ev.name = t->name;
    ev.up = ch == FH_SVC_CAME_UP;
    ev.since_us = now_us;
    ev.kind = (char *)kind_names[t->kind];
    ev.reason = t->reason;
    ev.down_since_us = ch == FH_SVC_CAME_UP ? before.down_since_us : now_us;
    ev.duration_s = duration_s;
    ev.restarts = t->restarts;
    ev.latency_ms = t->latency_ms;
    if (t->kind == SVC_HTTP) {
        ev.http_status = (uint32_t)t->last.status;
        ev.latency_ms = t->last.latency_ms;
        ev.cert_days_left = t->last.have_cert ? t->last.cert_days_left : 0;
        ev.tls_verify = t->last.tls_verify;
        if (t->last.status)
            fh_svc_hex(t->last.sha256, hex);
        ev.content_sha256 = hex;
    }
    int rc = sink->emit(sink, FH__KIND__KIND_SERVICE, &ev.base);
    if (rc != 0) {
        t->outage = before;   /* not told: the next round sees the transition again */
        if (!st->err)
            st->err = rc;
        return;
    }
    if (ev.up) {
        fh_log(FH_LOG_INFO, "service: %s %s is up again after %llu s down (%s)",
               kind_names[t->kind], t->name, (unsigned long long)duration_s, t->reason);
        return;
    }
    fh_log(FH_LOG_INFO, "service: %s %s is down: %s", kind_names[t->kind], t->name, t->reason);
    char key[FH_SVC_URL_MAX + 16], summary[FH_SVC_URL_MAX + FH_SVC_REASON_MAX + 32];
    snprintf(key, sizeof key, "down %s %s", kind_names[t->kind], t->name);
    snprintf(summary, sizeof summary, "%s %s is down: %s", kind_names[t->kind], t->name,
             t->reason);
    struct fh_detect_fact f[] = {{"kind", kind_names[t->kind]}, {"target", t->name},
                                 {"reason", t->reason}};
    detect(st, sink, "FF.SHF", FH__SEVERITY__SEVERITY_HIGH, key, summary, f, 3, now_us);
}

/* ---- units ---- */

static void check_units(struct svc_state *st, struct fh_probe_sink *sink, uint64_t now_us)
{
    char path[2 * SVC_PATH_MAX], *argv[SVC_MAX_UNITS + 6];
    size_t len = 0, n = 0, a = 0;
    int rc;

    if (st->nunits == 0)
        return;
    snprintf(path, sizeof path, "%s%s", st->conf.root, st->conf.systemctl);
    argv[a++] = path;
    argv[a++] = "show";
    argv[a++] = SVC_PROPS;
    argv[a++] = "--";
    for (size_t i = 0; i < st->nunits; i++)
        argv[a++] = st->t[i].name;
    argv[a] = NULL;
    rc = fh_svc_run(argv, (uint32_t)st->conf.timeout_ms, st->show, sizeof st->show, &len);
    if (rc == 0)
        rc = fh_svc_parse_show(st->show, len, st->shown, SVC_MAX_UNITS, &n);
    if (rc == 0 && n != st->nunits)
        rc = FH_EMALFORMED;
    if (rc != 0) {   /* the units' state is unknown this round: no transition */
        fh_log_limited(&st->warn_limit, SVC_WARN_EVERY_S, FH_LOG_WARN,
                       "service: %s show: %s (%zu of %zu units described)", path,
                       rc == FH_EAGAIN ? "timed out" : fh_strerror(rc), n, st->nunits);
        if (!st->err)
            st->err = rc;
        return;
    }
    for (size_t i = 0; i < st->nunits; i++) {
        struct svc_target *t = &st->t[i];
        const struct fh_svc_unit *u = &st->shown[i];
        char reason[FH_SVC_REASON_MAX];
        if (u->have_restarts && t->have_restarts && u->restarts > t->restarts) {
            char key[FH_SVC_URL_MAX + 16], summary[FH_SVC_URL_MAX + 96], was[16], now[16];
            snprintf(key, sizeof key, "restarts %s", t->name);
            snprintf(summary, sizeof summary, "unit %s restarted %u times since the last "
                     "check", t->name, u->restarts - t->restarts);
            snprintf(was, sizeof was, "%u", t->restarts);
            snprintf(now, sizeof now, "%u", u->restarts);
            struct fh_detect_fact f[] = {{"unit", t->name}, {"restarts_before", was},
                                         {"restarts", now}, {"active_state", u->active}};
            detect(st, sink, "FF.SHF", FH__SEVERITY__SEVERITY_MEDIUM, key, summary, f, 4,
                   now_us);
        }
        t->have_restarts = u->have_restarts;
        t->restarts = u->restarts;
        t->unit = *u;
        if (strcmp(u->load, "loaded") != 0)
            snprintf(reason, sizeof reason, "LoadState=%s", u->load);
        else
            snprintf(reason, sizeof reason, "ActiveState=%s SubState=%s Result=%s", u->active,
                     u->sub, u->result);
        outcome(st, sink, t, fh_svc_unit_up(u), reason, now_us);
    }
}

/* ---- tcp and http ---- */

static void check_tcp(struct svc_state *st, struct fh_probe_sink *sink, struct svc_target *t,
                      uint64_t now_us)
{
    char reason[FH_SVC_REASON_MAX] = "";
    t->latency_ms = 0;
    int rc = fh_svc_tcp_check(t->host, t->port, (uint32_t)st->conf.timeout_ms,
                              &t->latency_ms, reason);
    outcome(st, sink, t, rc == 0, reason, now_us);
}

static void check_cert(struct svc_state *st, struct fh_probe_sink *sink,
                       struct svc_target *t, uint64_t now_us)
{
    const struct fh_svc_fetch *r = &t->last;
    char key[FH_SVC_URL_MAX + 16], summary[FH_SVC_URL_MAX + 96], days[16];
    bool expired = r->cert_days_left < 0;

    if (!r->have_cert || r->cert_days_left >= st->conf.cert_warn_days)
        return;
    snprintf(key, sizeof key, "%s %s", expired ? "cert-expired" : "cert", t->name);
    snprintf(days, sizeof days, "%d", (int)r->cert_days_left);
    if (expired)
        snprintf(summary, sizeof summary, "the certificate of %s expired %d days ago",
                 t->name, -(int)r->cert_days_left);
    else
        snprintf(summary, sizeof summary, "the certificate of %s expires in %d days",
                 t->name, (int)r->cert_days_left);
    struct fh_detect_fact f[] = {{"url", t->name}, {"days_left", days},
                                 {"tls_verify", r->tls_verify}};
    detect(st, sink, expired ? "FF.SHF" : "OI",
           expired ? FH__SEVERITY__SEVERITY_MEDIUM : FH__SEVERITY__SEVERITY_LOW, key, summary,
           f, 3, now_us);
}

static void check_content(struct svc_state *st, struct fh_probe_sink *sink,
                          struct svc_target *t, uint64_t now_us)
{
    const struct fh_svc_fetch *r = &t->last;
    char key[FH_SVC_URL_MAX + 16], summary[FH_SVC_URL_MAX + 96], was[65], now[65], bytes[24];

    if (r->status != 200)
        return;
    if (!t->have_baseline) {
        memcpy(t->baseline, r->sha256, sizeof t->baseline);
        t->have_baseline = true;
        save_baseline(st, t);
        fh_svc_hex(t->baseline, now);
        fh_log(FH_LOG_INFO, "service: %s: baseline content sha256 %s learned", t->name, now);
        return;
    }
    if (memcmp(t->baseline, r->sha256, sizeof t->baseline) == 0)
        return;
    fh_svc_hex(t->baseline, was);
    fh_svc_hex(r->sha256, now);
    snprintf(bytes, sizeof bytes, "%llu%s", (unsigned long long)r->body_bytes,
             r->truncated ? "+" : "");
    snprintf(key, sizeof key, "content %s", t->name);
    snprintf(summary, sizeof summary, "the page %s changed (seen from outside): possible "
             "defacement", t->name);
    struct fh_detect_fact f[] = {{"url", t->name}, {"expected_sha256", was},
                                 {"content_sha256", now}, {"body_bytes", bytes}};
    detect(st, sink, "IDI.IAI", FH__SEVERITY__SEVERITY_CRITICAL, key, summary, f, 4, now_us);
}

static void check_http(struct svc_state *st, struct fh_probe_sink *sink, struct svc_target *t,
                       uint64_t now_us)
{
    struct fh_svc_fetch *r = &t->last;
    char reason[FH_SVC_REASON_MAX];
    int rc = fh_svc_http_fetch(st->tls, &t->url, (uint32_t)st->conf.timeout_ms,
                               (time_t)(now_us / 1000000u), &st->http, r);
    if (rc == FH_EMALFORMED || rc == FH_ETOOBIG) {
        st->refused++;
        fh_log_limited(&st->refused_limit, SVC_WARN_EVERY_S, FH_LOG_WARN,
                       "service: %s: response refused: %s; %llu refused in all", t->name,
                       r->reason, (unsigned long long)st->refused);
    }
    if (rc == 0 && r->status >= 400)
        snprintf(reason, sizeof reason, "HTTP status %d", r->status);
    else
        snprintf(reason, sizeof reason, "%s", r->reason);
    check_cert(st, sink, t, now_us);
    if (rc == 0)
        check_content(st, sink, t, now_us);
    outcome(st, sink, t, rc == 0 && r->status < 400, reason, now_us);
}

static int svc_collect(void *state, struct fh_probe_sink *sink)
{
    struct svc_state *st = state;
    st->err = 0;
    check_units(st, sink, fh_now_us());
    for (size_t i = st->nunits; i < st->n; i++) {
        if (st->t[i].kind == SVC_TCP)
            check_tcp(st, sink, &st->t[i], fh_now_us());
        else
            check_http(st, sink, &st->t[i], fh_now_us());
    }
    int rc = fh_repeats_flush(sink, st->repeats, fh_now_us());
    return st->err ? st->err : rc;
}

/* ---- config ---- */

/* Add the targets of one list key. Returns 0 or FH_ECONFIG (logged). */
static int add_list(struct svc_state *st, enum svc_kind kind, const char *key,
                    const char *text, size_t max)
{
    char items[SVC_MAX_UNITS * FH_SVC_URL_MAX];   /* the longest list */
    int n = fh_svc_split_list(text, items, FH_SVC_URL_MAX, max, false);
    if (n < 0) {
        fh_log(FH_LOG_ERROR, "service.%s: %s (at most %zu comma-separated items of printable "
               "characters)", key, n == FH_ETOOBIG ? "too many or too long" : "malformed",
               max);
        return FH_ECONFIG;
    }
    for (int i = 0; i < n; i++) {
        struct svc_target *t = &st->t[st->n];
        const char *item = items + (size_t)i * FH_SVC_URL_MAX;
        int rc = 0;
        t->kind = kind;
        memcpy(t->name, item, strlen(item) + 1);   /* < FH_SVC_URL_MAX: split checked */
        if (kind == SVC_UNIT)
            rc = item[0] == '-' || strspn(item, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                                                "QRSTUVWXYZ0123456789:_.@-\\") != strlen(item) ||
                 strlen(item) >= FH_SVC_UNIT_NAME_MAX ? FH_EMALFORMED : 0;
        else if (kind == SVC_TCP)
            rc = fh_svc_parse_hostport(item, t->host, &t->port);
        else
            rc = fh_svc_parse_url(item, &t->url);
        if (rc != 0) {
            fh_log(FH_LOG_ERROR, "service.%s: \"%s\" is not %s", key, item,
                   kind == SVC_UNIT ? "a unit name" : kind == SVC_TCP ? "host:port"
                                                                      : "an http(s):// URL");
            return FH_ECONFIG;
        }
        st->n++;
    }
    return 0;
}

static void svc_destroy(void *state)
{
    struct svc_state *st = state;
    if (!st)
        return;
    fh_repeats_free(st->repeats);
    SSL_CTX_free(st->tls);
    free(st);
}

static int svc_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct svc_conf *c = conf;
    struct svc_state *st;
    int rc;

    if (!c->units[0] && !c->tcp[0] && !c->http[0])
        return FH_ENOTFOUND;   /* nothing to watch: the probe is off */
    if (!(st = calloc(1, sizeof *st)))
        return FH_ENOMEM;
    st->conf = *c;
    if ((rc = add_list(st, SVC_UNIT, "units", c->units, SVC_MAX_UNITS)) != 0)
        goto fail;
    st->nunits = st->n;
    if ((rc = add_list(st, SVC_TCP, "tcp", c->tcp, SVC_MAX_TCP)) != 0 ||
        (rc = add_list(st, SVC_HTTP, "http", c->http, SVC_MAX_HTTP)) != 0)
        goto fail;
    if (st->nunits && c->systemctl[0] != '/') {
        fh_log(FH_LOG_ERROR, "service.systemctl: \"%s\" is not an absolute path", c->systemctl);
        rc = FH_ECONFIG;
        goto fail;
    }
    if (c->baseline_file[0] && (rc = load_baselines(st)) != 0) {
        fh_log(FH_LOG_ERROR, "service.baseline_file: cannot read %s", c->baseline_file);
        goto fail;
    }
    rc = FH_ENOMEM;
    if (!(st->tls = fh_svc_tls_ctx()) ||
        fh_repeats_new((uint32_t)c->repeat_s, 4 * SVC_MAX_TARGETS, &st->repeats) != 0)
        goto fail;
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
fail:
    svc_destroy(st);
    return rc;
}

#define K(name_, type_, field, def_, min_, max_, help_)                                      \
    {.section = "service", .name = name_, .type = type_,                                      \
     .offset = offsetof(struct svc_conf, field), .size = sizeof(((struct svc_conf *)0)->field),\
     .def = def_, .min = min_, .max = max_, .help = help_}
static const struct fh_config_key svc_keys[] = {
    K("units", FH_CONF_STRING, units, "", 0, 0,
      "systemd units to watch, comma-separated (at most 16), e.g. nginx.service,mysql"),
    K("tcp", FH_CONF_STRING, tcp, "", 0, 0,
      "TCP ports to connect to, comma-separated host:port (at most 16), e.g. 127.0.0.1:3306"),
    K("http", FH_CONF_STRING, http, "", 0, 0,
      "this host's own pages to fetch, comma-separated http:// or https:// URLs (at most 8)"),
    K("baseline_file", FH_CONF_STRING, baseline_file, "", 0, 0,
      "file of \"URL SHA256\" lines: the expected page hashes (learned ones are appended); "
      "empty: learned at each start, kept in memory"),
    K("systemctl", FH_CONF_STRING, systemctl, "/usr/bin/systemctl", 0, 0,
      "the systemctl program (under root)"),
    K("root", FH_CONF_STRING, root, "", 0, 0,
      "prefix of the systemctl path (a fixture tree in tests); empty: /"),
    K("timeout_ms", FH_CONF_INT, timeout_ms, "5000", 100, 60000,
      "time allowed to each check (systemctl run, connect, page fetch)"),
    K("interval_s", FH_CONF_INT, interval_s, "60", 1, 86400, "seconds between two rounds"),
    K("cert_warn_days", FH_CONF_INT, cert_warn_days, "14", 0, 365,
      "report an https certificate this many days before it expires; 0: only once expired"),
    K("repeat_s", FH_CONF_INT, repeat_s, "3600", 1, 30 * 86400,
      "the same detection again within this many seconds is only counted"),
};
#undef K

const struct fh_probe fh_probe_service = {
    .name = "service",
    .keys = svc_keys,
    .nkeys = sizeof svc_keys / sizeof svc_keys[0],
    .conf_size = sizeof(struct svc_conf),
    .init = svc_init,
    .collect = svc_collect,
    .destroy = svc_destroy,
    .threaded = true,
};
