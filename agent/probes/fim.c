/* fim.c - the fim probe: file integrity of web roots and system paths, and the web shell
 * heuristics on what changes in web roots.
 *
 * The baseline (fim_db.c) lives in an LMDB env of its own in [fim] db. collect is
 * threaded: every interval_s a round runs in the worker, in one LMDB transaction:
 *   1. deployment windows: [fim] db/deploy-window (written by `fenghuo-ctl
 *      deploy-window`) is read again when it changed; a window seen for the first time
 *      is reported (OI, info: "deployment window opened by uid N until T"), one that was
 *      closed or expired too, with the number of changes made inside it;
 *   2. live changes: the paths the watches (fim_watch.c, on the loop) marked dirty and
 *      that have rested FIM_SETTLE_MS are checked (fim_scan_path);
 *   3. the walk (fim_scan.c): a full walk of every root at start and every rescan_s,
 *      and the directories live events asked for, until hash_budget_ms of this round is
 *      spent; the rest waits for the next round.
 * So a write is reported within interval_s + FIM_SETTLE_MS + the round's work.
 *
 * What is reported (fh_detect_report, repeats counted for repeat_window_s):
 *   - nothing for the first full walk, which builds the baseline silently and ends with
 *     one info Detection (OI) "baseline of N files"; the same when the configured roots
 *     changed since the baseline was made (it is made again, silently);
 *   - a file added, modified, removed, or its mode or owner changed: IDI.IAI (信息篡改),
 *     critical in a web root, high in a system path; key "CHANGE PATH"; facts path,
 *     change, old_sha256, new_sha256, size, uid, owner, mtime, mode, root. A change in a
 *     web root inside an open deployment window is not reported: it is counted and the
 *     count goes out with the window's closing report;
 *   - a new or changed script in a web root (extension in [webshell] extensions) whose
 *     first max_scan_bytes match a heuristic of webshell.c: NAI.BDAI or MI.WBPI with the
 *     rule's severity, probe "webshell", the matching line as evidence; windows do not
 *     silence these. With [webshell] scan_baseline the first walk checks every script.
 * At most FIM_REPORTS_ROUND_MAX change and web shell reports go out a round; the rest
 * are summed up in one IDI.IAI report ("N more changes").
 *
 * The web shell heuristics ride on fim's walk and watches (one tree walk, one inotify
 * set), so [webshell] is not a probe of its own: its keys are in fim's key table under
 * their own section, and fim's init reads them. webshell.enabled without fim enabled is
 * logged and does nothing.
 *
 * Threads: collect runs in the worker and owns the scanner, the db, the repeats table
 * and the windows; the loop owns the watches (fim_watch.c hands over under its mutex). */
#include "fim.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "deploywin.h"
#include "detect.h"
#include "err.h"
#include "log.h"
#include "probe.h"
#include "probes.h"
#include "webshell.h"

#define FIM_LIST_MAX 4096            /* web_roots, paths, exclude, extensions */
#define FIM_DB_DIR_MAX 512
#define FIM_REPORTS_ROUND_MAX 64
#define FIM_REPEATS_MAX 4096
#define FIM_TAKE_BATCH 256           /* dirty paths taken at a time */
#define FIM_ROOTS_META_MAX 256       /* the roots' identity kept in meta */
#define FIM_RELEASE_AFTER 1024       /* entries looked at before memory is given back */

struct fim_conf {
    bool enabled;
    char web_roots[FIM_LIST_MAX];
    char paths[FIM_LIST_MAX];
    char db[FIM_DB_DIR_MAX];
    char root[FIM_PREFIX_MAX];
    char exclude[FIM_LIST_MAX];
    int64_t interval_s, rescan_s, max_files, max_file_bytes, hash_budget_ms;
    int64_t max_watches, map_size_mb, repeat_window_s;
    /* [webshell] */
    bool ws_enabled, ws_scan_baseline;
    char ws_extensions[FIM_LIST_MAX];
    int64_t ws_max_scan_bytes;
};

struct window_seen {
    struct fh_deploywin w;
    uint64_t changes;
};

struct fim_state {
    struct fim_conf conf;
    struct fim_scan scan;
    struct fim_db *db;
    struct fim_watch *watch;
    struct fh_repeats *repeats;
    bool web[FIM_ROOTS_MAX];
    bool baseline_done;
    char roots_id[FIM_ROOTS_META_MAX];
    uint64_t next_rescan_ms;
    uint64_t looked_at_release;      /* counts.looked when memory was last given back */
    /* the round */
    struct fh_probe_sink *sink;
    uint64_t now_us;
    int err;                         /* first emit or db error of the round */
    size_t reported;
    uint64_t over;                   /* changes past FIM_REPORTS_ROUND_MAX */
    Fh__Severity over_severity;
    /* deployment windows */
    struct fh_deploywin_set wins;
    struct stat wins_sb;
    struct window_seen seen[FH_DEPLOYWIN_MAX];
    size_t nseen;
    struct fh_log_limit win_log;
};

static const char *const change_names[] = {"added", "modified", "removed", "mode"};

/* ---- reporting ---- */

static void put_report(struct fim_state *st, const struct fh_detect *d)
{
    int rc = fh_detect_report(st->sink, st->repeats, d, st->now_us);
    if (rc < 0 && !st->err)
        st->err = rc;
}

static bool over_limit(struct fim_state *st, Fh__Severity sev)
{
    if (st->reported < FIM_REPORTS_ROUND_MAX) {
        st->reported++;
        return false;
    }
    st->over++;
    if (sev > st->over_severity)
        st->over_severity = sev;
    return true;
}

static void report_change(struct fim_state *st, const struct fim_change *c, int root)
{
    bool web = root >= 0 && st->web[root];
    Fh__Severity sev = web ? FH__SEVERITY__SEVERITY_CRITICAL : FH__SEVERITY__SEVERITY_HIGH;
    if (over_limit(st, sev))
        return;
    const struct fim_rec *r = c->cur ? c->cur : c->old;
    const char *what = change_names[c->kind];
    char old_sha[80], new_sha[80], size[24], uid[16], owner[64], mtime[32], mode[16];
    char key[FIM_PATH_MAX + 16], summary[FIM_PATH_MAX + 64], evidence[320];
    fim_fmt_sha(c->old, old_sha);
    fim_fmt_sha(c->cur, new_sha);
    snprintf(size, sizeof size, "%" PRIu64, r->size);
    snprintf(uid, sizeof uid, "%u", r->uid);
    fim_fmt_owner(r->uid, owner, sizeof owner);
    fim_fmt_time(r->mtime_ns, mtime, sizeof mtime);
    snprintf(mode, sizeof mode, "%04o", r->mode & 07777);
    snprintf(key, sizeof key, "%s %s", what, c->path);
    snprintf(summary, sizeof summary, "%s %s: %s", web ? "web page" : "system file", what,
             c->path);
    snprintf(evidence, sizeof evidence, "sha256 %.16s -> %.16s, size %" PRIu64 " -> %"
             PRIu64 ", mode %04o -> %04o, uid %u -> %u", old_sha, new_sha,
             c->old ? c->old->size : 0, c->cur ? c->cur->size : 0,
             c->old ? c->old->mode & 07777 : 0, c->cur ? c->cur->mode & 07777 : 0,
             c->old ? c->old->uid : 0, c->cur ? c->cur->uid : 0);
    struct fh_detect_fact facts[] = {
        {"path", c->path}, {"change", what}, {"old_sha256", old_sha},
        {"new_sha256", new_sha}, {"size", size}, {"uid", uid}, {"owner", owner},
        {"mtime", mtime}, {"mode", mode}, {"root", root >= 0 ? st->scan.roots[root] : "-"},
        {"web_root", web ? "true" : "false"},
    };
    struct fh_detect d = {.probe = "fim", .class_code = "IDI.IAI", .severity = sev,
                          .key = key, .summary = summary, .evidence = evidence,
                          .facts = facts, .nfacts = sizeof facts / sizeof facts[0]};
    put_report(st, &d);
}

static void check_webshell(struct fim_state *st, const struct fim_change *c)
{
    struct fh_webshell_match m;
    if (fh_webshell_scan(c->body, c->body_len, &m) != 1)
        return;
    if (over_limit(st, m.rule->severity))
        return;
    char excerpt[FH_WEBSHELL_EXCERPT_MAX], line[24], sha[80], size[24];
    char key[FIM_PATH_MAX + 32], summary[FIM_PATH_MAX + 128];
    fh_webshell_excerpt(c->body, c->body_len, &m, excerpt, sizeof excerpt);
    snprintf(line, sizeof line, "%zu", m.line_no);
    fim_fmt_sha(c->cur, sha);
    snprintf(size, sizeof size, "%" PRIu64, c->cur->size);
    snprintf(key, sizeof key, "%s %s", m.rule->id, c->path);
    snprintf(summary, sizeof summary, "web shell suspected in %s line %zu: %s", c->path,
             m.line_no, m.rule->what);
    struct fh_detect_fact facts[] = {
        {"path", c->path}, {"rule", m.rule->id}, {"line", line}, {"sha256", sha},
        {"size", size}, {"change", change_names[c->kind]},
    };
    struct fh_detect d = {.probe = "webshell", .class_code = m.rule->class_code,
                          .severity = m.rule->severity, .key = key, .summary = summary,
                          .evidence = excerpt, .facts = facts,
                          .nfacts = sizeof facts / sizeof facts[0]};
    put_report(st, &d);
}

static struct window_seen *seen_window(struct fim_state *st, const struct fh_deploywin *w)
{
    for (size_t i = 0; i < st->nseen; i++)
        if (st->seen[i].w.opened_us == w->opened_us && strcmp(st->seen[i].w.root, w->root) == 0)
            return &st->seen[i];
    return NULL;
}

static void on_change(void *arg, const struct fim_change *c)
{
    struct fim_state *st = arg;
    int root = fim_scan_root_of(&st->scan, c->path);
    bool web = root >= 0 && st->web[root];
    if (web && st->conf.ws_enabled && c->body && c->cur &&
        (st->baseline_done || st->conf.ws_scan_baseline) &&
        fh_webshell_ext_match(c->path, st->conf.ws_extensions))
        check_webshell(st, c);
    if (!st->baseline_done)
        return;   /* the first walk builds the baseline silently */
    const struct fh_deploywin *w =
        web ? fh_deploywin_covering(&st->wins, c->path, st->now_us) : NULL;
    if (w) {
        struct window_seen *s = seen_window(st, w);
        if (s)
            s->changes++;
        return;
    }
    report_change(st, c, root);
}

static void on_dir_seen(void *arg, const char *path)
{
    struct fim_state *st = arg;
    fim_watch_request(st->watch, path, true);
}

static void on_dir_gone(void *arg, const char *path)
{
    struct fim_state *st = arg;
    fim_watch_request(st->watch, path, false);
}

/* ---- deployment windows ---- */

static void report_window(struct fim_state *st, const struct window_seen *s, bool open,
                          const char *how)
{
    char until[32], uid[16], opened[24], changes[24], key[FH_DEPLOYWIN_ROOT_MAX + 64];
    char summary[FH_DEPLOYWIN_ROOT_MAX + FH_DEPLOYWIN_REASON_MAX + 128];
    fim_fmt_time((int64_t)(s->w.end_us * 1000), until, sizeof until);
    snprintf(uid, sizeof uid, "%u", s->w.uid);
    snprintf(opened, sizeof opened, "%" PRIu64, s->w.opened_us);
    snprintf(changes, sizeof changes, "%" PRIu64, s->changes);
    snprintf(key, sizeof key, "deploy-window %s %s %s", open ? "opened" : "closed",
             s->w.root, opened);
    if (open)
        snprintf(summary, sizeof summary, "deployment window opened by uid %u until %s "
                 "for %s%s%s", s->w.uid, until, s->w.root, s->w.reason[0] ? ": " : "",
                 s->w.reason);
    else
        snprintf(summary, sizeof summary, "deployment window for %s %s: %" PRIu64
                 " changes inside it", s->w.root, how, s->changes);
    struct fh_detect_fact facts[] = {
        {"root", s->w.root}, {"uid", uid}, {"until", until}, {"opened_us", opened},
        {"reason", s->w.reason}, {"changes", changes},
    };
    struct fh_detect d = {.probe = "fim", .class_code = "OI",
                          .severity = FH__SEVERITY__SEVERITY_INFO, .key = key,
                          .summary = summary, .facts = facts,
                          .nfacts = sizeof facts / sizeof facts[0] - (open ? 1 : 0)};
    fh_log(FH_LOG_INFO, "fim: %s", summary);
    put_report(st, &d);
}

static void windows_round(struct fim_state *st)
{
    char path[FIM_DB_DIR_MAX + 32];
    struct stat sb;
    size_t bad = 0;
    snprintf(path, sizeof path, "%s/%s", st->conf.db, FH_DEPLOYWIN_FILE);
    if (stat(path, &sb) != 0)
        memset(&sb, 0, sizeof sb);
    if (sb.st_ino != st->wins_sb.st_ino || sb.st_size != st->wins_sb.st_size ||
        sb.st_mtim.tv_sec != st->wins_sb.st_mtim.tv_sec ||
        sb.st_mtim.tv_nsec != st->wins_sb.st_mtim.tv_nsec) {
        st->wins_sb = sb;
        int rc = fh_deploywin_load(st->conf.db, &st->wins, &bad);
        if (rc || bad)
            fh_log_limited(&st->win_log, 600, FH_LOG_WARN, "fim: %s: %s; %zu lines skipped",
                           path, rc ? fh_strerror(rc) : "malformed lines", bad);
    }
    for (size_t i = 0; i < st->nseen;) {   /* closed early or expired */
        struct window_seen *s = &st->seen[i];
        bool listed = false;
        for (size_t k = 0; k < st->wins.n && !listed; k++)
            listed = st->wins.w[k].opened_us == s->w.opened_us &&
                     strcmp(st->wins.w[k].root, s->w.root) == 0;
        if (listed && s->w.end_us > st->now_us) {
            i++;
            continue;
        }
        report_window(st, s, false, s->w.end_us > st->now_us ? "closed" : "expired");
        st->seen[i] = st->seen[--st->nseen];
    }
    for (size_t k = 0; k < st->wins.n; k++) {   /* opened */
        const struct fh_deploywin *w = &st->wins.w[k];
        if (w->end_us <= st->now_us || seen_window(st, w) || st->nseen == FH_DEPLOYWIN_MAX)
            continue;
        st->seen[st->nseen] = (struct window_seen){*w, 0};
        report_window(st, &st->seen[st->nseen++], true, NULL);
    }
}

/* ---- the round ---- */

static void on_dirty(void *arg, const char *path)
{
    struct fim_state *st = arg;
    int rc = fim_scan_path(&st->scan, path);
    if (rc && !st->err)
        st->err = rc;
}

static void baseline_made(struct fim_state *st)
{
    char n[24], unread[24], over[24], summary[128];
    uint64_t files = fim_db_count_files(st->db);
    int rc = fim_db_meta_put(st->db, "baseline", "done");
    if (!rc)
        rc = fim_db_meta_put(st->db, "roots", st->roots_id);
    if (rc && !st->err)
        st->err = rc;
    st->baseline_done = true;
    snprintf(n, sizeof n, "%" PRIu64, files);
    snprintf(unread, sizeof unread, "%" PRIu64, st->scan.counts.unreadable);
    snprintf(over, sizeof over, "%" PRIu64, st->scan.counts.over_max_files);
    snprintf(summary, sizeof summary, "baseline of %" PRIu64 " files in %zu roots", files,
             st->scan.nroots);
    fh_log(FH_LOG_INFO, "fim: %s (%" PRIu64 " unreadable, %" PRIu64 " over max_files)",
           summary, st->scan.counts.unreadable, st->scan.counts.over_max_files);
    struct fh_detect_fact facts[] = {
        {"files", n}, {"unreadable", unread}, {"over_max_files", over}};
    struct fh_detect d = {.probe = "fim", .class_code = "OI",
                          .severity = FH__SEVERITY__SEVERITY_INFO, .key = "baseline",
                          .summary = summary, .facts = facts, .nfacts = 3};
    put_report(st, &d);
}

static void report_over(struct fim_state *st)
{
    char summary[160], n[24];
    if (!st->over)
        return;
    snprintf(n, sizeof n, "%" PRIu64, st->over);
    snprintf(summary, sizeof summary, "%" PRIu64 " more file changes this round, not "
             "reported one by one", st->over);
    struct fh_detect_fact facts[] = {{"changes", n}};
    struct fh_detect d = {.probe = "fim", .class_code = "IDI.IAI",
                          .severity = st->over_severity, .key = "many-changes",
                          .summary = summary, .facts = facts, .nfacts = 1};
    put_report(st, &d);
}

/* A full walk (or the re-listing of many directories) touched every page of the
 * baseline and left the heap fragmented by its listings: once the work is done, give
 * both back (the pages stay in the page cache; glibc's trim). */
static void release_memory(struct fim_state *st)
{
    fim_db_release_pages(st->db);
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

static int fim_collect(void *state, struct fh_probe_sink *sink)
{
    struct fim_state *st = state;
    uint64_t start = fh_mono_ms(), deadline = start + (uint64_t)st->conf.hash_budget_ms;
    st->sink = sink;
    st->now_us = fh_now_us();
    st->err = 0;
    st->reported = 0;
    st->over = 0;
    st->over_severity = FH__SEVERITY__SEVERITY_INFO;
    int err = fim_db_begin(st->db);
    if (err)
        return err;
    windows_round(st);
    if (fim_watch_overflowed(st->watch)) {
        fh_log(FH_LOG_WARN, "fim: more than %d paths changed at once: walking everything",
               FIM_DIRTY_MAX);
        fim_scan_full_start(&st->scan);
    }
    while (!st->err && fh_mono_ms() < deadline &&
           fim_watch_take(st->watch, fh_mono_ms(), FIM_TAKE_BATCH, on_dirty, st) > 0)
        ;
    if (!st->scan.full_active && start >= st->next_rescan_ms)
        fim_scan_full_start(&st->scan);
    int step = st->err ? 0 : fim_scan_step(&st->scan, deadline);
    if (step < 0 && !st->err)
        st->err = step;
    if (step == 1) {
        st->next_rescan_ms = fh_mono_ms() + (uint64_t)st->conf.rescan_s * 1000u;
        if (!st->baseline_done)
            baseline_made(st);
    }
    report_over(st);
    err = fh_repeats_flush(sink, st->repeats, st->now_us);
    if (err && !st->err)
        st->err = err;
    if (st->err == FH_ESTORE || st->err == FH_EFULL) {
        fim_db_abort(st->db);
        fh_log(FH_LOG_ERROR, "fim: the baseline in %s: %s", st->conf.db,
               fh_strerror(st->err));
        return st->err;
    }
    err = fim_db_commit(st->db);
    if (!err && !st->scan.full_active && st->scan.njobs == 0 &&
        st->scan.counts.looked - st->looked_at_release >= FIM_RELEASE_AFTER) {
        st->looked_at_release = st->scan.counts.looked;
        release_memory(st);
    }
    return err ? err : st->err;
}

/* ---- config ---- */

static void fim_destroy(void *state)
{
    struct fim_state *st = state;
    if (!st)
        return;
    fim_scan_free(&st->scan);
    fim_db_close(st->db);
    fim_watch_free(st->watch);
    fh_repeats_free(st->repeats);
    free(st);
}

static int fim_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct fim_conf *c = conf;
    char done[16] = "", roots[FIM_ROOTS_META_MAX] = "";
    int err = FH_ECONFIG;
    if (!c->enabled) {
        if (c->ws_enabled)
            FH_INFO("webshell: runs on what fim finds in web roots: off while fim is off");
        return FH_ENOTFOUND;
    }
    struct fim_state *st = calloc(1, sizeof *st);
    if (!st)
        return FH_ENOMEM;
    st->conf = *c;
    struct fim_scan *s = &st->scan;
    snprintf(s->prefix, sizeof s->prefix, "%s", c->root);
    for (size_t n = strlen(s->prefix); n > 0 && s->prefix[n - 1] == '/';)
        s->prefix[--n] = '\0';
    if (!c->db[0]) {
        fh_log(FH_LOG_ERROR, "fim.db: the baseline's directory is required when fim is on");
        goto fail;
    }
    if ((err = fim_conf_roots(s, st->web, c->web_roots, true, "web_roots")) ||
        (err = fim_conf_roots(s, st->web, c->paths, false, "paths")) ||
        (err = fim_conf_excludes(s, c->exclude)))
        goto fail;
    if (s->nroots == 0) {
        fh_log(FH_LOG_ERROR, "fim: web_roots and paths are both empty: nothing to watch");
        err = FH_ECONFIG;
        goto fail;
    }
    if (c->ws_enabled && !c->ws_extensions[0]) {
        fh_log(FH_LOG_ERROR, "webshell.extensions: empty while webshell is on");
        err = FH_ECONFIG;
        goto fail;
    }
    fim_conf_roots_id(s, st->web, st->roots_id, sizeof st->roots_id);
    s->max_files = (uint64_t)c->max_files;
    s->max_file_bytes = (uint64_t)c->max_file_bytes;
    s->body_max = c->ws_enabled ? (size_t)c->ws_max_scan_bytes : 0;
    s->hooks = (struct fim_scan_hooks){on_change, on_dir_seen, on_dir_gone, st};
    if ((err = fim_scan_init(s)) ||
        (err = fim_db_open(c->db, (uint64_t)c->map_size_mb, &st->db)) ||
        (err = fim_watch_new(s->prefix, (size_t)c->max_watches, &st->watch)) ||
        (err = fh_repeats_new((uint32_t)c->repeat_window_s, FIM_REPEATS_MAX, &st->repeats)))
        goto fail;
    s->db = st->db;
    fim_db_meta_get(st->db, "baseline", done, sizeof done);
    fim_db_meta_get(st->db, "roots", roots, sizeof roots);
    st->baseline_done = strcmp(done, "done") == 0 && strcmp(roots, st->roots_id) == 0;
    if (strcmp(done, "done") == 0 && !st->baseline_done)
        FH_INFO("fim: the roots changed since the baseline was made: making it again, "
                "silently");
    FH_INFO("fim: %zu roots, baseline %s, %" PRIu64 " records; webshell %s", s->nroots,
            st->baseline_done ? "kept" : "to be made", fim_db_count(st->db),
            c->ws_enabled ? "on" : "off");
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
fail:
    fim_destroy(st);
    return err;
}

static int fim_start(void *state, struct uv_loop_s *loop, struct fh_probe_sink *sink)
{
    struct fim_state *st = state;
    char parent[FIM_PATH_MAX];
    (void)sink;
    /* A root's parent too: a root that is a file (/etc/passwd) is replaced by editors
     * (a new inode under the same name), which only its directory's watch sees. */
    for (size_t i = 0; i < st->scan.nroots; i++) {
        snprintf(parent, sizeof parent, "%s", st->scan.roots[i]);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            fim_watch_request(st->watch, parent, true);
        }
    }
    return fim_watch_start(st->watch, loop);
}

#define KEY(sec, n, t, f, d, ...)                                                      \
    {.section = sec, .name = n, .type = t, .offset = offsetof(struct fim_conf, f),     \
     .def = d, __VA_ARGS__}
#define STR(sec, n, f, d, h)                                                           \
    KEY(sec, n, FH_CONF_STRING, f, d, .size = sizeof(((struct fim_conf *)0)->f), .help = h)
#define INT(sec, n, f, d, lo, hi, h) KEY(sec, n, FH_CONF_INT, f, d, .min = lo, .max = hi, .help = h)

static const struct fh_config_key fim_keys[] = {
    KEY("fim", "enabled", FH_CONF_BOOL, enabled, "false",
        .help = "watch the integrity of web_roots and paths"),
    STR("fim", "web_roots", web_roots, "",
        "web roots, comma-separated (a page changed outside a deployment window: "
        "IDI.IAI critical)"),
    STR("fim", "paths", paths, "",
        "system files or directories, comma-separated, e.g. /etc/passwd,/etc/ssh "
        "(IDI.IAI high)"),
    STR("fim", "db", db, "", "directory of the baseline's LMDB (required when enabled; "
        "fenghuo-ctl deploy-window writes here too)"),
    STR("fim", "root", root, "", "prefix of every watched path on disk (tests use a "
        "fixture tree)"),
    STR("fim", "exclude", exclude, "",
        "fnmatch patterns, comma-separated, matched on the path and on the name "
        "(e.g. *.log,*/cache/*)"),
    INT("fim", "interval_s", interval_s, "1", 1, 60,
        "seconds between rounds: live changes are reported within this plus ~0.3 s"),
    INT("fim", "rescan_s", rescan_s, "3600", 10, 7 * 86400,
        "seconds between full walks (what watches missed, directories past max_watches)"),
    INT("fim", "max_files", max_files, "200000", 1, 10000000,
        "most files and directories in the baseline; newer ones are not watched"),
    INT("fim", "max_file_bytes", max_file_bytes, "16777216", 0, INT64_C(1) << 40,
        "bigger files are compared by size and mtime only, not hashed"),
    INT("fim", "hash_budget_ms", hash_budget_ms, "200", 10, 10000,
        "milliseconds of walking and hashing a round may spend"),
    INT("fim", "max_watches", max_watches, "8192", 0, 1000000,
        "most directories watched live (inotify); beyond, the rescan only; 0: none"),
    INT("fim", "map_size_mb", map_size_mb, "256", 1, 65536,
        "the baseline LMDB's map size in MiB (about 200 bytes a file)"),
    INT("fim", "repeat_window_s", repeat_window_s, "300", 0, 86400,
        "seconds during which the same change of the same path is counted, not reported"),
    KEY("webshell", "enabled", FH_CONF_BOOL, ws_enabled, "true",
        .help = "check new or changed scripts in fim's web roots for web shells"),
    STR("webshell", "extensions", ws_extensions,
        "php,php3,php4,php5,phtml,jsp,jspx,asp,aspx,ashx,py,pl,cgi,sh",
        "file extensions checked, comma-separated"),
    INT("webshell", "max_scan_bytes", ws_max_scan_bytes, "262144", 1024, 4 << 20,
        "bytes of a script checked (its beginning)"),
    KEY("webshell", "scan_baseline", FH_CONF_BOOL, ws_scan_baseline, "true",
        .help = "also check every script once while fim builds its first baseline"),
};

const struct fh_probe fh_probe_fim = {
    .name = "fim",
    .keys = fim_keys,
    .nkeys = sizeof fim_keys / sizeof fim_keys[0],
    .conf_size = sizeof(struct fim_conf),
    .init = fim_init,         /* check the roots, open the baseline */
    .collect = fim_collect,   /* a round: windows, live changes, the walk */
    .destroy = fim_destroy,
    .start = fim_start,       /* the watches' timer on the loop */
    .threaded = true,         /* hashes files */
};
