/* av.c - the av probe: what ClamAV found, and how old its signatures are.
 *
 * Every interval_s (threaded: it reads logs) collect
 *   1. follows the ClamAV logs of `logs` (clamd's LogFile and clamonacc's, under root;
 *      tail.c: rotation, truncation, bounded lines, at most max_lines a file a round)
 *      and reports each "PATH: SIGNATURE FOUND" line as a Detection: the class by the
 *      signature's name (fh_av_class: Trojan -> MI.THI, Worm -> MI.WI, ...; MI.CVI
 *      otherwise), severity high (PUA medium), facts path and signature, key
 *      "SIGNATURE PATH", evidence the line. An EICAR test file is a drill. Lines that end
 *      in FOUND but do not parse are counted and logged (limited);
 *   2. checks the signature database in db_dir: the newer of daily.cvd and daily.cld is
 *      its age; older than max_db_age_days (or neither there) is a low FF.SHF detection
 *      (软硬件自身故障: the update function has failed), key "clamav-db-stale DIR".
 * One repeat table (repeat_window_s) for both: a file found every scan, or a stale
 * database, is one report per window with its count.
 * The probe is off when neither a log nor db_dir exists under root at start (no ClamAV).
 * Not done: a clamdscan of the files FIM saw change. */
#include "av.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect.h"
#include "err.h"
#include "log.h"
#include "probes.h"
#include "tail.h"

#define AV_PATH_MAX 256             /* a configured path */
#define AV_LIST_MAX 1024            /* the logs list */
#define AV_FULL_PATH_MAX (2 * AV_PATH_MAX + 16)
#define AV_ROUND_BYTES (8u << 20)   /* bytes of one log read per round */
#define AV_REPEATS_MAX 1024
#define AV_WARN_EVERY_S 300
#define AV_DAY_S 86400u

static const struct {
    const char *word;
    const char *class_code;
    Fh__Severity sev;
} av_classes[] = {
    {"ransom", "MI.OMI", FH__SEVERITY__SEVERITY_HIGH},
    {"webshell", "MI.WBPI", FH__SEVERITY__SEVERITY_HIGH},
    {"backdoor", "NAI.BDAI", FH__SEVERITY__SEVERITY_HIGH},
    {"worm", "MI.WI", FH__SEVERITY__SEVERITY_HIGH},
    {"trojan", "MI.THI", FH__SEVERITY__SEVERITY_HIGH},
    {"botnet", "MI.BI", FH__SEVERITY__SEVERITY_HIGH},
    {"phish", "NAI.PI", FH__SEVERITY__SEVERITY_HIGH},
    {"pua.", "MI.OMI", FH__SEVERITY__SEVERITY_MEDIUM},
};

const char *fh_av_class(const char *sig, Fh__Severity *sev, int *drill)
{
    *drill = strcasestr(sig, "eicar") != NULL;
    for (size_t i = 0; i < sizeof av_classes / sizeof av_classes[0]; i++)
        if (strcasestr(sig, av_classes[i].word)) {
            *sev = av_classes[i].sev;
            return av_classes[i].class_code;
        }
    *sev = FH__SEVERITY__SEVERITY_HIGH;
    return "MI.CVI";
}

int fh_av_parse_found(const char *line, char path[FH_AV_PATH_MAX], char sig[FH_AV_SIG_MAX])
{
    size_t len = strlen(line);
    const char *p, *end, *colon = NULL;

    if (len < 6 || strcmp(line + len - 6, " FOUND") != 0)
        return 0;
    end = line + len - 6;
    if (!(p = memchr(line, '/', (size_t)(end - line))))
        return FH_EMALFORMED;
    for (const char *c = p; c + 1 < end; c++)
        if (c[0] == ':' && c[1] == ' ')
            colon = c;
    if (!colon || colon == p || (size_t)(colon - p) >= FH_AV_PATH_MAX ||
        end - (colon + 2) <= 0 || (size_t)(end - (colon + 2)) >= FH_AV_SIG_MAX)
        return FH_EMALFORMED;
    for (const char *c = colon + 2; c < end; c++)
        if (isspace((unsigned char)*c) || (unsigned char)*c < 0x20)
            return FH_EMALFORMED;
    for (const char *c = p; c < colon; c++)
        if ((unsigned char)*c < 0x20)
            return FH_EMALFORMED;
    memcpy(path, p, (size_t)(colon - p));
    path[colon - p] = '\0';
    memcpy(sig, colon + 2, (size_t)(end - (colon + 2)));
    sig[end - (colon + 2)] = '\0';
    return 1;
}

struct av_conf {
    bool enabled;
    int64_t interval_s;
    char root[AV_PATH_MAX];
    char logs[AV_LIST_MAX];
    char db_dir[AV_PATH_MAX];
    int64_t max_db_age_days;
    char state_dir[AV_PATH_MAX];
    bool from_start;
    int64_t max_lines;
    int64_t repeat_window_s;
};

struct av_state {
    struct av_conf c;
    struct fh_tail_set logs;
    struct fh_repeats *rep;
    struct fh_probe_sink *sink;
    uint64_t now_us;
    int err;
    uint64_t malformed;
    struct fh_log_limit warn;
};

static void report(struct av_state *st, const char *cls, Fh__Severity sev, int drill,
                   const char *key, const char *summary, const char *evidence,
                   const struct fh_detect_fact *f, size_t nf)
{
    struct fh_detect d = {.probe = "av", .class_code = cls, .severity = sev, .key = key,
                          .summary = summary, .evidence = evidence, .facts = f, .nfacts = nf,
                          .drill = drill};
    int rc = fh_detect_report(st->sink, st->rep, &d, st->now_us);
    if (rc < 0 && st->err == 0)
        st->err = rc;
}

static int on_line(void *arg, char *line, size_t len)
{
    struct av_state *st = arg;
    char path[FH_AV_PATH_MAX], sig[FH_AV_SIG_MAX], key[FH_AV_PATH_MAX + FH_AV_SIG_MAX + 2],
        summary[FH_AV_PATH_MAX + FH_AV_SIG_MAX + 64];
    Fh__Severity sev;
    int drill, rc = fh_av_parse_found(line, path, sig);

    (void)len;
    if (rc == FH_EMALFORMED) {
        st->malformed++;
        fh_log_limited(&st->warn, AV_WARN_EVERY_S, FH_LOG_WARN,
                       "av: a FOUND line without a path or signature (%llu so far)",
                       (unsigned long long)st->malformed);
    }
    if (rc != 1)
        return 0;
    const char *cls = fh_av_class(sig, &sev, &drill);
    const struct fh_detect_fact f[] = {{"path", path}, {"signature", sig}};
    snprintf(key, sizeof key, "%s %s", sig, path);
    snprintf(summary, sizeof summary, "ClamAV found %s in %s", sig, path);
    report(st, cls, sev, drill, key, summary, line, f, 2);
    return st->err;
}

static void check_db(struct av_state *st)
{
    static const char *const names[] = {"daily.cvd", "daily.cld"};
    char path[AV_FULL_PATH_MAX], key[AV_PATH_MAX + 32], summary[AV_PATH_MAX + 96],
        days[24];
    const char *newest_name = NULL;
    int64_t newest = -1, age_s;
    struct stat sb;

    snprintf(path, sizeof path, "%s%s", st->c.root, st->c.db_dir);
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return; /* no database directory: nothing to judge */
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s%s/%s", st->c.root, st->c.db_dir, names[i]);
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_mtim.tv_sec > newest) {
            newest = sb.st_mtim.tv_sec;
            newest_name = names[i];
        }
    }
    age_s = (int64_t)(st->now_us / 1000000u) - newest;
    if (newest >= 0 && age_s <= st->c.max_db_age_days * (int64_t)AV_DAY_S)
        return;
    snprintf(key, sizeof key, "clamav-db-stale %s", st->c.db_dir);
    if (newest < 0) {
        snprintf(days, sizeof days, "unknown");
        snprintf(summary, sizeof summary, "ClamAV has no daily signature database in %s",
                 st->c.db_dir);
    } else {
        snprintf(days, sizeof days, "%lld", (long long)(age_s / (int64_t)AV_DAY_S));
        snprintf(summary, sizeof summary,
                 "ClamAV signatures in %s are %s days old (freshclam not updating?)",
                 st->c.db_dir, days);
    }
    const struct fh_detect_fact f[] = {{"db_dir", st->c.db_dir}, {"age_days", days},
                                       {"file", newest_name ? newest_name : "none"}};
    report(st, "FF.SHF", FH__SEVERITY__SEVERITY_LOW, 0, key, summary, NULL, f, 3);
}

static int av_collect(void *state, struct fh_probe_sink *sink)
{
    struct av_state *st = state;
    int rc;

    st->sink = sink;
    st->err = 0;
    st->now_us = fh_now_us();
    rc = fh_tail_set_read(&st->logs, AV_ROUND_BYTES, (size_t)st->c.max_lines, on_line, st);
    if (rc == 0 && st->err == 0)
        check_db(st);
    if (rc == 0 && st->err == 0)
        rc = fh_repeats_flush(sink, st->rep, st->now_us);
    return st->err ? st->err : rc;
}

static void av_destroy(void *state)
{
    struct av_state *st = state;
    if (!st)
        return;
    fh_tail_set_close(&st->logs);
    fh_repeats_free(st->rep);
    free(st);
}

static int av_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct av_conf *c = conf;
    struct fh_tail_opts to = {.from_start = c->from_start};
    char path[AV_FULL_PATH_MAX];
    struct av_state *st;
    bool any = false;
    int rc;

    if (!c->enabled)
        return FH_ENOTFOUND;
    if ((c->root[0] && c->root[0] != '/') || c->db_dir[0] != '/' ||
        (c->state_dir[0] && c->state_dir[0] != '/')) {
        FH_ERROR("av: root, db_dir and state_dir must be absolute paths");
        return FH_ECONFIG;
    }
    if (!(st = calloc(1, sizeof *st)))
        return FH_ENOMEM;
    st->c = *c;
    if ((rc = fh_tail_set_open(&st->logs, c->root, c->logs, c->state_dir, "av", &to)) ||
        (rc = fh_repeats_new((uint32_t)c->repeat_window_s, AV_REPEATS_MAX, &st->rep))) {
        if (rc == FH_ECONFIG)
            FH_ERROR("av.logs: \"%s\": 1 to %d absolute paths, comma separated", c->logs,
                     FH_TAIL_SET_MAX);
        av_destroy(st);
        return rc;
    }
    for (size_t i = 0; i < st->logs.n; i++)
        any |= access(st->logs.t[i].path, F_OK) == 0;
    snprintf(path, sizeof path, "%s%s", c->root, c->db_dir);
    if (!any && access(path, F_OK) != 0) {
        FH_INFO("av: no ClamAV log and no %s: the av probe is off", path);
        av_destroy(st);
        return FH_ENOTFOUND;
    }
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
}

#define KEY(n, t, f, d, ...)                                                            \
    {.section = "av", .name = n, .type = t, .offset = offsetof(struct av_conf, f),      \
     .def = d, __VA_ARGS__}

static const struct fh_config_key av_keys[] = {
    KEY("enabled", FH_CONF_BOOL, enabled, "true",
        .help = "report ClamAV findings and a stale signature database (off without ClamAV)"),
    KEY("interval_s", FH_CONF_INT, interval_s, "5", .min = 1, .max = 3600,
        .help = "seconds between two rounds"),
    KEY("root", FH_CONF_STRING, root, "", .size = AV_PATH_MAX,
        .help = "prefix of every path read (tests use a fixture tree)"),
    KEY("logs", FH_CONF_STRING, logs, "/var/log/clamav/clamav.log,/var/log/clamav/clamonacc.log",
        .size = AV_LIST_MAX,
        .help = "comma separated ClamAV logs to follow: clamd LogFile, clamonacc (at most 8)"),
    KEY("db_dir", FH_CONF_STRING, db_dir, "/var/lib/clamav", .size = AV_PATH_MAX,
        .help = "freshclam's database directory (daily.cvd or daily.cld)"),
    KEY("max_db_age_days", FH_CONF_INT, max_db_age_days, "3", .min = 1, .max = 365,
        .help = "signatures older than this many days are reported (low)"),
    KEY("state_dir", FH_CONF_STRING, state_dir, "", .size = AV_PATH_MAX,
        .help = "directory where log positions are kept across restarts; empty: not kept"),
    KEY("from_start", FH_CONF_BOOL, from_start, "false",
        .help = "read the logs from their beginning at the first start (else from the end)"),
    KEY("max_lines", FH_CONF_INT, max_lines, "10000", .min = 1, .max = 1000000,
        .help = "lines read from each log per round"),
    KEY("repeat_window_s", FH_CONF_INT, repeat_window_s, "3600", .min = 1, .max = 86400,
        .help = "repeats of one detection within this many seconds are one report"),
};

const struct fh_probe fh_probe_av = {
    .name = "av",
    .keys = av_keys,
    .nkeys = sizeof av_keys / sizeof av_keys[0],
    .conf_size = sizeof(struct av_conf),
    .init = av_init,         /* read its [av] section, open the logs */
    .collect = av_collect,   /* FOUND lines, database age */
    .destroy = av_destroy,
    .threaded = true,        /* reads logs */
};
