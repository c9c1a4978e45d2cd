/* spool.c - the spool probe: detections handed to the agent by local tools.
 *
 * `fenghuo-ctl submit` (or any local program: a web-root checker, an antivirus hook)
 * writes one JSON file per detection into the spool directory, atomically (a temporary
 * name starting with '.', then rename to NAME.json). Every interval_s the probe takes
 * the files in name order, at most SPOOL_MAX_FILES a round, and for each:
 *   - reads it (at most FH_SUBMITTED_MAX_BYTES), parses and checks it as every
 *     submitted detection is checked (submitted.h, shared with the submit socket):
 *       {"kind": "detection", "class": "IDI.IAI", "summary": "...",
 *        "severity": "high", "drill": false,
 *        "facts": {"path": "/var/www/index.html", ...}}
 *   - emits a Detection of probe "spool" (urgent lane) and deletes the file once it is
 *     committed;
 *   - or, when it is malformed, moves it to the rejected/ subdirectory with a logged,
 *     counted reason: nothing is silently lost, and a bad file never blocks the rest.
 * A file that cannot be committed (store error) stays for the next round. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "probe.h"
#include "probes.h"
#include "submitted.h"

#define SPOOL_DIR_MAX 512
#define SPOOL_MAX_FILES 64
#define SPOOL_MAX_FILE_BYTES FH_SUBMITTED_MAX_BYTES

struct spool_conf {
    char dir[SPOOL_DIR_MAX];
    int64_t interval_s;
};

struct spool_state {
    struct spool_conf conf;
    struct fh_log_limit rejected_log;
    uint64_t rejected;
    struct fh_submitted_body body;   /* the Detection being committed */
};

static int spool_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct spool_conf *c = conf;
    if (!c->dir[0])
        return FH_ENOTFOUND;   /* no spool configured: the probe is off */
    if (mkdir(c->dir, 0700) != 0 && errno != EEXIST) {
        fh_log(FH_LOG_ERROR, "spool: cannot create %s: %s", c->dir, strerror(errno));
        return FH_EIO;
    }
    struct spool_state *st = calloc(1, sizeof *st);
    if (!st)
        return FH_ENOMEM;
    st->conf = *c;
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
}

static void spool_destroy(void *state)
{
    free(state);
}

/* Read path into a NUL-terminated heap buffer of at most SPOOL_MAX_FILE_BYTES. */
static int read_small(const char *path, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return FH_EIO;
    char *buf = malloc(SPOOL_MAX_FILE_BYTES + 1);
    size_t n = 0;
    int err = 0;
    if (!buf) {
        close(fd);
        return FH_ENOMEM;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, SPOOL_MAX_FILE_BYTES + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = FH_EIO;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > SPOOL_MAX_FILE_BYTES) {
            err = FH_ETOOBIG;
            break;
        }
    }
    close(fd);
    if (err) {
        free(buf);
        return err;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}

static void reject(struct spool_state *st, const char *dir, const char *name, const char *why)
{
    char from[SPOOL_DIR_MAX + 300], to[SPOOL_DIR_MAX + 320];
    snprintf(from, sizeof from, "%s/%s", dir, name);
    snprintf(to, sizeof to, "%s/rejected", dir);
    mkdir(to, 0700);
    snprintf(to, sizeof to, "%s/rejected/%s", dir, name);
    if (rename(from, to) != 0)
        unlink(from);
    st->rejected++;
    fh_log_limited(&st->rejected_log, 60, FH_LOG_WARN,
                   "spool: rejected %s (moved to rejected/): %s; %llu rejected in all", name,
                   why, (unsigned long long)st->rejected);
}

/* Handle one spool file. Returns the emit error (the file stays) or 0. */
static int take(struct spool_state *st, const char *name, struct fh_probe_sink *sink)
{
    char path[SPOOL_DIR_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", st->conf.dir, name);
    char *text = NULL;
    size_t len;
    int err = read_small(path, &text, &len);
    if (err) {
        reject(st, st->conf.dir, name, err == FH_ETOOBIG ? "over 64 KiB" : "unreadable");
        return 0;
    }
    struct fh_submitted sub;
    const char *why;
    err = fh_submitted_parse(text, len, &sub, &why);
    free(text);
    if (err) {
        reject(st, st->conf.dir, name, why);
        return 0;
    }
    fh_submitted_detection(&sub, "spool", NULL, 0, fh_now_us(), &st->body);
    if ((err = sink->emit(sink, FH__KIND__KIND_DETECTION, &st->body.d.base)) == 0) {
        unlink(path);
        fh_log(FH_LOG_INFO, "spool: detection %s \"%s\" taken from %s", sub.class_code,
               sub.summary, name);
    }
    fh_submitted_free(&sub);
    return err;
}

static int wanted(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

static int spool_collect(void *state, struct fh_probe_sink *sink)
{
    struct spool_state *st = state;
    struct dirent **names;
    int n = scandir(st->conf.dir, &names, wanted, alphasort);
    if (n < 0)
        return FH_EIO;
    int err = 0;
    for (int i = 0; i < n; i++) {
        if (i < SPOOL_MAX_FILES && !err)
            err = take(st, names[i]->d_name, sink);
        free(names[i]);
    }
    free(names);
    return err;
}

static const struct fh_config_key spool_keys[] = {
    {.section = "spool", .name = "dir", .type = FH_CONF_STRING,
     .offset = offsetof(struct spool_conf, dir), .size = SPOOL_DIR_MAX, .def = "",
     .help = "directory where local tools (fenghuo-ctl submit) drop detections as JSON "
             "files; empty: no spool"},
    {.section = "spool", .name = "interval_s", .type = FH_CONF_INT,
     .offset = offsetof(struct spool_conf, interval_s), .def = "1", .min = 1, .max = 3600,
     .help = "seconds between two looks at the spool directory"},
};

const struct fh_probe fh_probe_spool = {
    .name = "spool",
    .keys = spool_keys,
    .nkeys = sizeof spool_keys / sizeof spool_keys[0],
    .conf_size = sizeof(struct spool_conf),
    .init = spool_init,
    .collect = spool_collect,
    .destroy = spool_destroy,
    .on_demand = true,
};
