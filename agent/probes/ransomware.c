/* ransomware.c - the ransomware probe: bursts of files renamed to ransom extensions, and
 * ransom notes, in watched trees.
 *
 * Two ways of seeing, one way of reporting:
 *   - watches (live): a uv_fs_event on each directory of the trees (inotify is not
 *     recursive), at most max_watches. A name created or renamed into a watched
 *     directory is looked at on the loop: a ransom note (ransom_match.h) is a sighting
 *     at once; a file with a ransom extension is counted for its (tree, extension), and
 *     burst_count of them within burst_window_s is a burst. A new directory gets a
 *     watch while there is room; a watched directory that is removed loses its watch;
 *   - the scan (fallback, threaded collect every scan_interval_s): a bounded walk of
 *     the trees (ransom_scan.h) counting files with a ransom extension whose ctime is
 *     newer than the previous walk, and ransom notes. burst_count such files of one
 *     extension in a tree, or any note, is a sighting. The walk also lists the
 *     directories for the watches, so trees past the watch limit are still covered.
 *     The worker hands its result over under a mutex; the loop takes it on its tick.
 * Everything is reported from the loop (the tick, every RANSOM_TICK_MS), through one
 * repeat table: class MI.CVI (计算机病毒事件: plan 001 附件4 calls ransomware 勒索病毒 and
 * files it under 大规模病毒爆发事件), severity critical, key "ransom-ext TREE EXT" or
 * "ransom-note TREE", so an attack that goes on counts on one detection per repeat_s.
 * Facts: tree, extension or note, affected_count, sample_paths, source (watch, scan),
 * burst_window_s and playbook, the 附件4 measures in brief. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <uv.h>

#include "detect.h"
#include "err.h"
#include "log.h"
#include "probe.h"
#include "probes.h"
#include "ransom_match.h"
#include "ransom_scan.h"

#define RANSOM_TICK_MS 1000
#define RANSOM_ROOT_MAX 256
#define RANSOM_PATHS_MAX 2048
#define RANSOM_LIST_MAX 1024
#define RANSOM_MAX_KEYS 64             /* (tree, extension or note) counted on the loop */
#define RANSOM_MAX_TRACKED 256         /* fingerprints in the repeat table */
#define RANSOM_KEY_MAX (FH_RANSOM_PATH_MAX + 64)
#define RANSOM_SAMPLES_TEXT (FH_RANSOM_MAX_SAMPLES * 256)
#define RANSOM_PLAYBOOK                                                                    \
    "附件4(勒索病毒): 立即物理隔离本机(拔网线、禁用网卡和无线); 关闭445、139、135、3389等端口; " \
    "不要支付赎金, 保留现场和日志作为证据, 不要反复读写受感染的硬盘; 报告网信、公安部门, "     \
    "请专业机构查杀、修补漏洞、改强口令并尝试恢复文件"

struct ransom_conf {
    char paths[RANSOM_PATHS_MAX];
    char root[RANSOM_ROOT_MAX];
    char extensions[RANSOM_LIST_MAX];
    char note_names[RANSOM_LIST_MAX];
    int64_t burst_count;
    int64_t burst_window_s;
    int64_t max_watches;
    int64_t scan_interval_s;
    int64_t scan_max_entries;
    int64_t repeat_s;
};

struct ransom_state;

struct watch {
    uv_fs_event_t h;
    struct ransom_state *st;
    uint32_t tree;
    char *path;
};

/* One (tree, extension or note) seen by the watches. */
struct rkey {
    bool used, pending;
    uint32_t tree;
    int ext;                                 /* -1: notes */
    struct fh_ransom_burst burst;
    uint64_t total, last_us;
    size_t nsamples, sample_next;
    char samples[FH_RANSOM_MAX_SAMPLES][FH_RANSOM_PATH_MAX];
};

struct ransom_state {
    struct ransom_conf conf;
    struct fh_ransom_lists lists;
    char trees[FH_RANSOM_MAX_TREES][FH_RANSOM_PATH_MAX];
    size_t ntrees;
    /* the worker's */
    int64_t since_s;
    struct fh_log_limit scan_log;
    /* handed over */
    uv_mutex_t lock;
    struct fh_ransom_scan *ready;
    /* the loop's */
    uv_loop_t *loop;
    struct fh_probe_sink *sink;
    uv_timer_t tick;
    struct watch **watches;                  /* sorted by path */
    size_t nwatches;
    struct rkey keys[RANSOM_MAX_KEYS];
    struct fh_repeats *repeats;
    struct fh_log_limit watch_log, key_log;
    uint64_t keys_dropped;
};

/* ---- reporting (loop) ---- */

static void join_samples(char (*samples)[FH_RANSOM_PATH_MAX], size_t n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "\n" : "", samples[i]);
}

static int report(struct ransom_state *st, uint32_t tree, int ext, uint64_t count,
                  char (*samples)[FH_RANSOM_PATH_MAX], size_t nsamples, const char *source)
{
    char key[RANSOM_KEY_MAX], summary[FH_RANSOM_PATH_MAX + 128], cnt[24], win[24];
    char text[RANSOM_SAMPLES_TEXT];
    const char *t = st->trees[tree];
    const char *note = nsamples ? strrchr(samples[0], '/') : NULL;
    note = note ? note + 1 : "?";
    if (ext < 0) {
        snprintf(key, sizeof key, "ransom-note %s", t);
        snprintf(summary, sizeof summary, "ransom note %s under %s (%llu found)", note, t,
                 (unsigned long long)count);
    } else {
        snprintf(key, sizeof key, "ransom-ext %s %s", t, st->lists.exts[ext]);
        snprintf(summary, sizeof summary, "ransomware suspected: %llu files renamed to .%s "
                 "under %s", (unsigned long long)count, st->lists.exts[ext], t);
    }
    snprintf(cnt, sizeof cnt, "%llu", (unsigned long long)count);
    snprintf(win, sizeof win, "%lld", (long long)st->conf.burst_window_s);
    join_samples(samples, nsamples, text, sizeof text);
    struct fh_detect_fact facts[] = {
        {"tree", t}, {ext < 0 ? "note" : "extension", ext < 0 ? note : st->lists.exts[ext]},
        {"affected_count", cnt}, {"sample_paths", text}, {"source", source},
        {"burst_window_s", win}, {"playbook", RANSOM_PLAYBOOK},
    };
    struct fh_detect d = {.probe = "ransomware", .class_code = "MI.CVI",
                          .severity = FH__SEVERITY__SEVERITY_CRITICAL, .key = key,
                          .summary = summary, .evidence = text, .facts = facts,
                          .nfacts = sizeof facts / sizeof facts[0]};
    int rc = fh_detect_report(st->sink, st->repeats, &d, fh_now_us());
    return rc < 0 ? rc : 0;
}

/* What the last walk found: notes always, extensions from burst_count files on. */
static void report_scan(struct ransom_state *st, struct fh_ransom_scan *s)
{
    for (size_t i = 0; i < s->nhits; i++) {
        struct fh_ransom_hit *h = &s->hits[i];
        if (h->ext < 0 || h->count >= (uint64_t)st->conf.burst_count)
            report(st, h->tree, h->ext, h->count, h->samples, h->nsamples, "scan");
    }
}

static void report_pending(struct ransom_state *st)
{
    for (size_t i = 0; i < RANSOM_MAX_KEYS; i++) {
        struct rkey *k = &st->keys[i];
        if (k->used && k->pending &&
            report(st, k->tree, k->ext, k->total, k->samples, k->nsamples, "watch") == 0)
            k->pending = false;
    }
}

/* ---- watches (loop) ---- */

static size_t watch_pos(struct ransom_state *st, const char *path, bool *found)
{
    size_t lo = 0, hi = st->nwatches;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(st->watches[mid]->path, path);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static void on_watch_closed(uv_handle_t *h)
{
    struct watch *w = h->data;
    free(w->path);
    free(w);
}

static void on_fs_event(uv_fs_event_t *h, const char *name, int events, int status);

/* Watch path (a directory of tree) unless it is watched already or there is no room.
 * Returns false when no more can be added now. */
static bool add_watch(struct ransom_state *st, const char *path, uint32_t tree)
{
    bool found;
    size_t pos = watch_pos(st, path, &found);
    if (found)
        return true;
    if (st->nwatches >= (size_t)st->conf.max_watches) {
        fh_log_limited(&st->watch_log, 3600, FH_LOG_WARN,
                       "ransomware: %zu directories watched (max_watches): the others are "
                       "covered by the scan only", st->nwatches);
        return false;
    }
    struct watch *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return false;
    }
    w->st = st;
    w->tree = tree;
    uv_fs_event_init(st->loop, &w->h);
    w->h.data = w;
    int rc = uv_fs_event_start(&w->h, on_fs_event, path, 0);
    if (rc != 0) {
        fh_log_limited(&st->watch_log, 3600, FH_LOG_WARN,
                       "ransomware: cannot watch %s: %s (%zu watched)", path, uv_strerror(rc),
                       st->nwatches);
        uv_close((uv_handle_t *)&w->h, on_watch_closed);
        return rc != UV_ENOSPC && rc != UV_ENOMEM;
    }
    memmove(&st->watches[pos + 1], &st->watches[pos],
            (st->nwatches - pos) * sizeof *st->watches);
    st->watches[pos] = w;
    st->nwatches++;
    return true;
}

static void drop_watch(struct ransom_state *st, struct watch *w)
{
    bool found;
    size_t pos = watch_pos(st, w->path, &found);
    if (!found)
        return;
    memmove(&st->watches[pos], &st->watches[pos + 1],
            (st->nwatches - pos - 1) * sizeof *st->watches);
    st->nwatches--;
    uv_close((uv_handle_t *)&w->h, on_watch_closed);
}

/* The counter of (tree, ext); a free or stale slot when it has none. NULL when full. */
static struct rkey *key_of(struct ransom_state *st, uint32_t tree, int ext, uint64_t now)
{
    struct rkey *free_slot = NULL;
    uint64_t stale_before = now - (uint64_t)st->conf.burst_window_s * 1000000u;
    for (size_t i = 0; i < RANSOM_MAX_KEYS; i++) {
        struct rkey *k = &st->keys[i];
        if (k->used && k->tree == tree && k->ext == ext)
            return k;
        if (!free_slot && (!k->used || (!k->pending && k->last_us < stale_before)))
            free_slot = k;
    }
    if (!free_slot || (!free_slot->burst.ring &&
                       fh_ransom_burst_init(&free_slot->burst,
                                            (uint32_t)st->conf.burst_count) != 0)) {
        st->keys_dropped++;
        fh_log_limited(&st->key_log, 600, FH_LOG_WARN,
                       "ransomware: more than %d extensions and trees at once: %llu "
                       "sightings not counted", RANSOM_MAX_KEYS,
                       (unsigned long long)st->keys_dropped);
        return NULL;
    }
    struct fh_ransom_burst b = free_slot->burst;   /* reused: its times are all stale */
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->burst = b;
    free_slot->used = true;
    free_slot->tree = tree;
    free_slot->ext = ext;
    return free_slot;
}

static void sighting(struct ransom_state *st, uint32_t tree, int ext, const char *path)
{
    uint64_t now = fh_now_us();
    struct rkey *k = key_of(st, tree, ext, now);
    if (!k)
        return;
    k->total++;
    k->last_us = now;
    snprintf(k->samples[k->sample_next], FH_RANSOM_PATH_MAX, "%s", path);
    k->sample_next = (k->sample_next + 1) % FH_RANSOM_MAX_SAMPLES;
    if (k->nsamples < FH_RANSOM_MAX_SAMPLES)
        k->nsamples++;
    if (ext < 0 || fh_ransom_burst_add(&k->burst, now,
                                       (uint64_t)st->conf.burst_window_s * 1000000u))
        k->pending = true;
}

static void on_fs_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct watch *w = h->data;
    struct ransom_state *st = w->st;
    char path[FH_RANSOM_PATH_MAX];
    struct stat sb;
    if (status < 0 || !name || !(events & UV_RENAME) ||
        (size_t)snprintf(path, sizeof path, "%s/%s", w->path, name) >= sizeof path)
        return;
    if (lstat(path, &sb) != 0) {
        /* gone; or the watched directory itself went (its own name is reported) */
        const char *base = strrchr(w->path, '/');
        if (base && strcmp(base + 1, name) == 0 && lstat(w->path, &sb) != 0)
            drop_watch(st, w);
        return;
    }
    if (S_ISDIR(sb.st_mode)) {
        add_watch(st, path, w->tree);
        return;
    }
    if (!S_ISREG(sb.st_mode))
        return;
    if (fh_ransom_is_note(&st->lists, name)) {
        sighting(st, w->tree, -1, path);
        return;
    }
    int ext = fh_ransom_ext_of(&st->lists, name);
    if (ext >= 0)
        sighting(st, w->tree, ext, path);
}

static void on_tick(uv_timer_t *t)
{
    struct ransom_state *st = t->data;
    uv_mutex_lock(&st->lock);
    struct fh_ransom_scan *s = st->ready;
    st->ready = NULL;
    uv_mutex_unlock(&st->lock);
    if (s) {
        for (size_t i = 0; i < s->ndirs; i++)
            if (!add_watch(st, s->dirs[i], s->dir_tree[i]))
                break;
        report_scan(st, s);
        fh_ransom_scan_clear(s);
        free(s);
    }
    report_pending(st);
    fh_repeats_flush(st->sink, st->repeats, fh_now_us());
}

/* ---- the scan (worker) ---- */

static int ransom_collect(void *state, struct fh_probe_sink *sink)
{
    struct ransom_state *st = state;
    struct fh_ransom_scan *s = calloc(1, sizeof *s);
    if (!s)
        return FH_ENOMEM;
    int64_t started = (int64_t)time(NULL);
    s->lists = &st->lists;
    s->trees = (const char (*)[FH_RANSOM_PATH_MAX])st->trees;
    s->ntrees = st->ntrees;
    s->since_s = st->since_s;
    s->max_entries = (size_t)st->conf.scan_max_entries;
    s->max_dirs = (size_t)st->conf.max_watches;
    int err = fh_ransom_scan_run(s);
    if (err) {
        fh_ransom_scan_clear(s);
        free(s);
        return err;
    }
    st->since_s = started;
    if (s->truncated)
        fh_log_limited(&st->scan_log, 3600, FH_LOG_WARN,
                       "ransomware: the trees hold more than scan_max_entries (%lld) "
                       "entries: the scan saw only their first part",
                       (long long)st->conf.scan_max_entries);
    uv_mutex_lock(&st->lock);
    struct fh_ransom_scan *old = st->ready;
    st->ready = s;
    uv_mutex_unlock(&st->lock);
    if (old) {   /* the loop has not taken the previous walk: this one supersedes it */
        fh_ransom_scan_clear(old);
        free(old);
    }
    return 0;
}

/* ---- the probe ---- */

static int parse_trees(struct ransom_state *st)
{
    const char *p = st->conf.paths;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        while (len && p[len - 1] == ' ')
            len--;
        if (!len)
            break;
        if (p[0] != '/' || st->ntrees >= FH_RANSOM_MAX_TREES ||
            strlen(st->conf.root) + len >= FH_RANSOM_PATH_MAX)
            return FH_ECONFIG;
        snprintf(st->trees[st->ntrees++], FH_RANSOM_PATH_MAX, "%s%.*s", st->conf.root,
                 (int)len, p);
        p += len;
        while (*p == ' ')
            p++;
    }
    return st->ntrees ? 0 : FH_ECONFIG;
}

static int ransom_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct ransom_conf *c = conf;
    if (!c->paths[0])
        return FH_ENOTFOUND;
    struct ransom_state *st = calloc(1, sizeof *st);
    if (!st)
        return FH_ENOMEM;
    st->conf = *c;
    int err = FH_ECONFIG;
    if (parse_trees(st)) {
        fh_log(FH_LOG_ERROR, "ransomware.paths: \"%s\": at most %d absolute paths, comma "
               "separated", c->paths, FH_RANSOM_MAX_TREES);
        goto fail;
    }
    if (fh_ransom_parse_exts(c->extensions, &st->lists) || !st->lists.nexts) {
        fh_log(FH_LOG_ERROR, "ransomware.extensions: \"%s\": 1..%d extensions of letters, "
               "digits, '_', '-', '.'", c->extensions, FH_RANSOM_MAX_EXTS);
        goto fail;
    }
    if (fh_ransom_parse_notes(c->note_names, &st->lists)) {
        fh_log(FH_LOG_ERROR, "ransomware.note_names: \"%s\": at most %d names or patterns "
               "without '/'", c->note_names, FH_RANSOM_MAX_NOTES);
        goto fail;
    }
    err = FH_ENOMEM;
    if (!(st->watches = calloc((size_t)c->max_watches, sizeof *st->watches)) ||
        fh_repeats_new((uint32_t)c->repeat_s, RANSOM_MAX_TRACKED, &st->repeats) != 0 ||
        uv_mutex_init(&st->lock) != 0)
        goto fail;
    st->since_s = (int64_t)time(NULL) - c->scan_interval_s;
    *state = st;
    *interval_s = (uint32_t)c->scan_interval_s;
    return 0;
fail:
    fh_repeats_free(st->repeats);
    free(st->watches);
    free(st);
    return err;
}

static int ransom_start(void *state, struct uv_loop_s *loop, struct fh_probe_sink *sink)
{
    struct ransom_state *st = state;
    st->loop = loop;
    st->sink = sink;
    uv_timer_init(loop, &st->tick);
    st->tick.data = st;
    uv_timer_start(&st->tick, on_tick, RANSOM_TICK_MS, RANSOM_TICK_MS);
    return 0;
}

/* After the agent closed every handle: free the watches it closed and the rest. */
static void ransom_destroy(void *state)
{
    struct ransom_state *st = state;
    for (size_t i = 0; i < st->nwatches; i++) {
        free(st->watches[i]->path);
        free(st->watches[i]);
    }
    for (size_t i = 0; i < RANSOM_MAX_KEYS; i++)
        fh_ransom_burst_free(&st->keys[i].burst);
    if (st->ready) {
        fh_ransom_scan_clear(st->ready);
        free(st->ready);
    }
    uv_mutex_destroy(&st->lock);
    fh_repeats_free(st->repeats);
    free(st->watches);
    free(st);
}

#define K(name_, type_, field, def_, min_, max_, help_)                                      \
    {.section = "ransomware", .name = name_, .type = type_,                                   \
     .offset = offsetof(struct ransom_conf, field),                                           \
     .size = sizeof(((struct ransom_conf *)0)->field), .def = def_, .min = min_, .max = max_, \
     .help = help_}

static const struct fh_config_key ransom_keys[] = {
    K("paths", FH_CONF_STRING, paths, "", 0, 0,
      "trees to watch, absolute, comma separated (shares, home directories); empty: off"),
    K("root", FH_CONF_STRING, root, "", 0, 0, "prefix of every path (tests)"),
    K("extensions", FH_CONF_STRING, extensions,
      "locked,encrypted,crypt,crypted,crypto,enc,cry,wncry,wnry,wcry,locky,zepto,odin,thor,"
      "cerber,cerber3,lockbit,phobos,eking,devos,dharma,wallet,djvu,conti,ryk,makop,"
      "sodinokibi,revil,crab,gandcrab", 0, 0,
      "ransom extensions (case does not matter, the dot is optional)"),
    K("note_names", FH_CONF_STRING, note_names,
      "README_FOR_DECRYPT.txt,HOW_TO_DECRYPT*,HOW_TO_RECOVER*,_readme.txt,!!!READ_ME!!!.txt,"
      "DECRYPT_INSTRUCTIONS*,@Please_Read_Me@.txt,RESTORE_FILES*,*-DECRYPT.txt,"
      "*_HOW_TO_DECRYPT*,readme-warning.txt", 0, 0,
      "ransom note file names; '*' and '?' are wildcards, case does not matter"),
    K("burst_count", FH_CONF_INT, burst_count, "20", 1, FH_RANSOM_MAX_BURST,
      "this many files renamed to one ransom extension in one tree ..."),
    K("burst_window_s", FH_CONF_INT, burst_window_s, "10", 1, 3600,
      "... within this many seconds is a burst (a ransom note needs no burst)"),
    K("max_watches", FH_CONF_INT, max_watches, "4096", 1, 65536,
      "directories watched live (inotify); the others are covered by the scan"),
    K("scan_interval_s", FH_CONF_INT, scan_interval_s, "300", 5, 86400,
      "seconds between two walks of the trees (the fallback; also finds new directories)"),
    K("scan_max_entries", FH_CONF_INT, scan_max_entries, "200000", 100, 10000000,
      "directory entries one walk looks at, at most"),
    K("repeat_s", FH_CONF_INT, repeat_s, "3600", 1, 86400,
      "an attack that goes on is reported again once this window closes, with its count"),
};

const struct fh_probe fh_probe_ransomware = {
    .name = "ransomware",
    .keys = ransom_keys,
    .nkeys = sizeof ransom_keys / sizeof ransom_keys[0],
    .conf_size = sizeof(struct ransom_conf),
    .init = ransom_init,
    .collect = ransom_collect,   /* the walk, in the worker */
    .destroy = ransom_destroy,
    .start = ransom_start,       /* the tick; the watches follow the first walk */
    .threaded = true,
};
