/* patch.c - the patch probe: installed packages, pending updates, kernel and reboot state.
 *
 * Plan 001 (附件4) wants high-risk vulnerabilities fixed within 7 days of a notice, so the
 * province needs every host's patch state. Each interval_s (threaded: it reads a package
 * database of megabytes and runs apt-get), collect:
 *   1. reads the inventory: rpm_qa_file when set (rpm -qa output), else root+dpkg_status,
 *      else, when that is missing and root/usr/bin/rpm exists, the output of
 *      `rpm -qa --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n'`. Files are streamed line
 *      by line (at most 64 MiB, FH_PATCH_MAX_PACKAGES packages: past either, what came
 *      first is kept and a warning logged). last_update_us is the database's mtime;
 *   2. counts pending updates on dpkg hosts with apt_check: `apt-get -s -o
 *      Debug::NoLocking=1 upgrade` (plus -o Dir=ROOT when root is set). It only knows the
 *      host's last `apt-get update`; when apt-get is missing or fails, both counts are 0
 *      and a warning is logged. RPM hosts report no pending counts;
 *   3. compares the running kernel (root/proc/sys/kernel/osrelease, else uname -r) with
 *      the newest installed kernel image; reboot_required when they differ or
 *      root/var/run/reboot-required exists.
 * Programs are run from under root too (root/usr/bin/apt-get), so a fixture tree can
 * hold stand-ins; they run with LC_ALL=C in their own process group, stdin and stderr on
 * /dev/null, and are killed (the whole group) past command_timeout_s or 16 MiB (64 MiB
 * for rpm) of output; this thread reads their output with poll() against that deadline.
 *
 * Reports (KIND_PATCH). Every collect emits at least one PatchState, and every one carries
 * the summary of the host now: inventory_sha256 (SHA-256 of the sorted "name version
 * arch\n" lines of the whole inventory), package_count, pending counts and names,
 * kernels, reboot_required, last_update_us, package_manager.
 *   - Full inventory: the first collect after start, every full_every_h, after an emit
 *     failed, and when the changes would not fit one report. The packages, sorted by
 *     name, arch, version, go out in chunks of at most PATCH_CHUNK_PKGS packages and
 *     PATCH_CHUNK_BYTES packed bytes, so each report stays far below
 *     FH_MAX_ENVELOPE_BYTES. Every chunk has full = true, no removed, the same summary.
 *     To reassemble, a receiver concatenates the installed lists of consecutive full
 *     reports of the origin (in seq order) with the same inventory_sha256 until it holds
 *     package_count packages, then checks their hash; a chunk lost shows as a count or
 *     hash that does not match, and it waits for the next full inventory. 0 packages is
 *     one chunk with none.
 *   - Changes (full = false): a package is known by name and arch; installed holds every
 *     package of each (name, arch) group that is new or differs (RPM keeps several
 *     kernel versions in one group), removed the groups gone, as "name:arch" ("name"
 *     when it had no arch). A receiver replaces each group named in installed, drops the
 *     removed ones, and compares its hash with inventory_sha256: if it differs (a report
 *     it missed), it waits for the next full inventory.
 *   - Nothing changed: the same with both lists empty, so the collector sees the state is
 *     current every interval_s (pending counts change when apt lists do).
 * The probe keeps the previous inventory to diff; reports point into its state (nothing
 * is allocated per report once the arenas have grown). */
#include "patch_advisory.h"
#include "patch_parse.h"
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "probe.h"
#include "probes.h"

#define PATCH_PATH_MAX 256                 /* a configured path with its NUL */
#define PATCH_FULL_PATH_MAX (2 * PATCH_PATH_MAX)
#define PATCH_INTERVAL_MAX_S (7 * 86400)
#define PATCH_FULL_MAX_H (30 * 24)
#define PATCH_TIMEOUT_MAX_S 3600
#define PATCH_MAX_DB_BYTES (64u << 20)      /* package database text read */
#define PATCH_MAX_APT_BYTES (16u << 20)     /* apt-get output read */
#define PATCH_CHUNK_PKGS 2000               /* installed + removed entries of one report */
#define PATCH_CHUNK_BYTES (160 * 1024)      /* and their packed bytes */
_Static_assert(PATCH_CHUNK_BYTES > 2 * (FH_PATCH_NAME_MAX + FH_PATCH_VERSION_MAX +
               FH_PATCH_ARCH_MAX), "a package always fits an empty chunk");
#define PATCH_BUF_BYTES (64 * 1024)
#define PATCH_WARN_EVERY_S 3600

struct patch_conf {
    bool enabled;
    int64_t interval_s;
    int64_t full_every_h;
    char dpkg_status[PATCH_PATH_MAX];
    char root[PATCH_PATH_MAX];
    bool apt_check;
    char rpm_qa_file[PATCH_PATH_MAX];
    int64_t command_timeout_s;
};

struct patch_state {
    struct patch_conf conf;
    struct fh_patch_inv inv[2];
    struct fh_patch_inv *prev, *cur; /* the last reported inventory, the one being read */
    bool have_prev, need_full;
    uint64_t last_full_ms;
    struct fh_log_limit warn_limit;
    struct fh_patch_parse parse;
    struct fh_patch_lines lines;
    struct fh_patch_apt apt;
    /* the report being built, pointing into the inventory and the arrays below */
    Fh__PatchState msg;
    size_t chunk_bytes;                 /* packed bytes of installed + removed */
    Fh__Package pk[PATCH_CHUNK_PKGS];
    Fh__Package *pkp[PATCH_CHUNK_PKGS];
    char *removed[PATCH_CHUNK_PKGS];
    size_t removed_len;
    char removed_text[PATCH_CHUNK_BYTES];
    uint8_t sha[32];
    char kernel_running[FH_PATCH_RELEASE_MAX], kernel_installed[FH_PATCH_RELEASE_MAX];
    char buf[PATCH_BUF_BYTES];
    struct fh_patch_answers *answers;   /* advisories answered (patch_advisory.h) */
};

/* ---- reading ---- */

/* root + path into out[PATCH_FULL_PATH_MAX] (fits: both are bounded by the config) */
static void root_path(const struct patch_state *st, const char *path, char *out)
{
    snprintf(out, PATCH_FULL_PATH_MAX, "%s%s", st->conf.root, path);
}

static uint64_t mtime_us(const struct stat *sb)
{
    return (uint64_t)sb->st_mtim.tv_sec * 1000000u + (uint64_t)sb->st_mtim.tv_nsec / 1000u;
}

/* Feed the regular file at path to st->lines, at most PATCH_MAX_DB_BYTES; *mtime gets its
 * mtime. Returns 0, FH_ENOTFOUND, FH_EIO, FH_ETOOBIG (over the bound: the lines up to it
 * were fed, not the last partial one) or what the line callback stopped with. */
static int read_lines(struct patch_state *st, const char *path, uint64_t *mtime)
{
    size_t total = 0;
    struct stat sb;
    int fd, rc = 0;

    /* O_NONBLOCK: a FIFO planted in a fixture root must not hang the probe */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0)
        return errno == ENOENT ? FH_ENOTFOUND : FH_EIO;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = FH_EIO;
        goto out;
    }
    *mtime = mtime_us(&sb);
    while (rc == 0) {
        ssize_t r = read(fd, st->buf, sizeof st->buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? FH_EIO : fh_patch_lines_end(&st->lines);
            break;
        }
        if ((size_t)r > PATCH_MAX_DB_BYTES - total)
            rc = FH_ETOOBIG;
        else
            rc = fh_patch_lines_feed(&st->lines, st->buf, (size_t)r);
        total += (size_t)r;
    }
out:
    close(fd);
    return rc;
}

static int feed_lines(void *arg, const char *buf, size_t len)
{
    struct patch_state *st = arg;
    return fh_patch_lines_feed(&st->lines, buf, len);
}

/* Run argv (argv[0]: a full path) and feed its stdout to st->lines: at most max_bytes
 * within command_timeout_s (run.h). Returns 0 when it exited 0, FH_ENOTFOUND (not an
 * executable), FH_EAGAIN (timed out), FH_ETOOBIG (too much output), FH_EIO (could not
 * run, or failed), or what the line callback stopped with. */
static int run_lines(struct patch_state *st, char *const argv[], size_t max_bytes)
{
    static char *const envp[] = {"LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    int rc = fh_probe_run(argv, envp, (uint64_t)st->conf.command_timeout_s * 1000u,
                          max_bytes, feed_lines, st);
    return rc ? rc : fh_patch_lines_end(&st->lines);
}

/* The running kernel's release into out: root/proc/sys/kernel/osrelease, else uname -r.
 * Bytes outside printable ASCII become '?' (it goes out as a proto string). */
static void read_running_kernel(const struct patch_state *st, char *out, size_t len)
{
    char path[PATCH_FULL_PATH_MAX];
    struct utsname u;
    FILE *f;

    root_path(st, "/proc/sys/kernel/osrelease", path);
    out[0] = '\0';
    if ((f = fopen(path, "re")) != NULL) {
        if (!fgets(out, (int)len, f))
            out[0] = '\0';
        fclose(f);
    }
    out[strcspn(out, "\r\n")] = '\0';
    if (out[0] == '\0' && uname(&u) == 0)
        snprintf(out, len, "%.*s", (int)strnlen(u.release, sizeof u.release), u.release);
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
            *c = '?';
}

/* Read the inventory into st->cur (finished). Returns 0 or a negative FH_E*. */
static int read_inventory(struct patch_state *st, bool *rpm, uint64_t *last_update_us)
{
    char path[PATCH_FULL_PATH_MAX], rpm_bin[PATCH_FULL_PATH_MAX], db[PATCH_FULL_PATH_MAX];
    char qf[] = "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\\n";
    const char *what = path;
    struct stat sb;
    int rc;

    fh_patch_inv_reset(st->cur);
    fh_patch_parse_begin(&st->parse, st->cur);
    *rpm = st->conf.rpm_qa_file[0] != '\0';
    root_path(st, *rpm ? st->conf.rpm_qa_file : st->conf.dpkg_status, path);
    fh_patch_lines_init(&st->lines, *rpm ? fh_patch_rpm_line : fh_patch_dpkg_line,
                        &st->parse);
    rc = read_lines(st, path, last_update_us);
    if (rc == FH_ENOTFOUND && !*rpm) {
        char *argv[] = {rpm_bin, "-qa", "--qf", qf, st->conf.root[0] ? "--root" : NULL,
                        st->conf.root, NULL};
        root_path(st, "/usr/bin/rpm", rpm_bin);
        *rpm = true;
        fh_patch_lines_init(&st->lines, fh_patch_rpm_line, &st->parse);
        rc = run_lines(st, argv, PATCH_MAX_DB_BYTES);
        root_path(st, "/var/lib/rpm/rpmdb.sqlite", db);
        if (stat(db, &sb) != 0)
            root_path(st, "/var/lib/rpm/Packages", db);
        *last_update_us = stat(db, &sb) == 0 ? mtime_us(&sb) : 0;
        if (rc != FH_ENOTFOUND)
            what = rpm_bin;
    }
    if (rc == 0)
        rc = fh_patch_parse_end(&st->parse);
    if (rc == FH_ETOOBIG) {
        fh_log_limited(&st->warn_limit, PATCH_WARN_EVERY_S, FH_LOG_WARN,
                       "patch: %s is over %u MiB or %u packages: %zu packages reported",
                       what, PATCH_MAX_DB_BYTES >> 20, FH_PATCH_MAX_PACKAGES, st->cur->n);
        rc = 0;
    }
    if (rc != 0) {
        fh_log_limited(&st->warn_limit, PATCH_WARN_EVERY_S, FH_LOG_WARN,
                       "patch: cannot read %s: %s", what, fh_strerror(rc));
        return rc;
    }
    if (st->parse.malformed)
        fh_log_limited(&st->warn_limit, PATCH_WARN_EVERY_S, FH_LOG_WARN,
                       "patch: %s: %zu malformed packages left out", what,
                       st->parse.malformed);
    fh_patch_inv_finish(st->cur);
    return 0;
}

static void collect_pending(struct patch_state *st, bool rpm)
{
    char apt[PATCH_FULL_PATH_MAX], dir[PATCH_PATH_MAX + 8];
    char *argv[] = {apt, "-s", "-o", "Debug::NoLocking=1", "upgrade", NULL, NULL, NULL};
    int rc;

    fh_patch_apt_reset(&st->apt);
    if (rpm || !st->conf.apt_check)
        return;
    root_path(st, "/usr/bin/apt-get", apt);
    if (st->conf.root[0]) { /* apt-get's state under root too */
        snprintf(dir, sizeof dir, "Dir=%s", st->conf.root);
        argv[4] = "-o";
        argv[5] = dir;
        argv[6] = "upgrade";
    }
    fh_patch_lines_init(&st->lines, fh_patch_apt_line, &st->apt);
    rc = run_lines(st, argv, PATCH_MAX_APT_BYTES);
    if (rc != 0 && rc != FH_ENOTFOUND)
        fh_log_limited(&st->warn_limit, PATCH_WARN_EVERY_S, FH_LOG_WARN,
                       "patch: %s -s upgrade: %s: pending updates not counted", apt,
                       rc == FH_EAGAIN ? "timed out" : fh_strerror(rc));
    if (rc != 0)
        fh_patch_apt_reset(&st->apt);
}

static void collect_kernel(struct patch_state *st, bool rpm, Fh__PatchState *m)
{
    char path[PATCH_FULL_PATH_MAX];

    read_running_kernel(st, st->kernel_running, sizeof st->kernel_running);
    fh_patch_newest_kernel(st->cur, rpm, st->kernel_running, st->kernel_installed,
                           sizeof st->kernel_installed);
    root_path(st, "/var/run/reboot-required", path);
    m->kernel_running = st->kernel_running;
    m->kernel_installed = st->kernel_installed;
    m->reboot_required = access(path, F_OK) == 0 ||
                         (st->kernel_installed[0] &&
                          strcmp(st->kernel_installed, st->kernel_running) != 0);
}

/* ---- reports ---- */

/* bytes of a length-delimited field of len bytes: tag, length varint, data */
static size_t field_bytes(size_t len)
{
    size_t n = 2;
    for (size_t v = len; v >= 0x80; v >>= 7)
        n++;
    return n + len;
}

static void chunk_reset(struct patch_state *st)
{
    st->msg.n_installed = st->msg.n_removed = 0;
    st->msg.installed = st->pkp;
    st->msg.removed = st->removed;
    st->chunk_bytes = st->removed_len = 0;
}

/* Add p to the report's installed; FH_ETOOBIG when the report is full. */
static int chunk_add(void *arg, const struct fh_patch_pkg *p)
{
    struct patch_state *st = arg;
    size_t n = st->msg.n_installed, bytes;
    Fh__Package *k = &st->pk[n];

    if (n + st->msg.n_removed >= PATCH_CHUNK_PKGS)
        return FH_ETOOBIG;
    fh__package__init(k);
    k->name = (char *)p->name;
    k->version = (char *)p->version;
    k->arch = (char *)p->arch;
    bytes = field_bytes(fh__package__get_packed_size(k));
    if (st->chunk_bytes + bytes > PATCH_CHUNK_BYTES)
        return FH_ETOOBIG;
    st->chunk_bytes += bytes;
    st->pkp[n] = k;
    st->msg.n_installed = n + 1;
    return 0;
}

/* Add "name:arch" of p to the report's removed; FH_ETOOBIG when the report is full. */
static int chunk_remove(void *arg, const struct fh_patch_pkg *p)
{
    struct patch_state *st = arg;
    size_t n = st->msg.n_removed, len = strlen(p->name), alen = strlen(p->arch);
    size_t bytes = field_bytes(len + (alen ? alen + 1 : 0));
    char *d = st->removed_text + st->removed_len;

    if (n + st->msg.n_installed >= PATCH_CHUNK_PKGS ||
        st->chunk_bytes + bytes > PATCH_CHUNK_BYTES ||
        st->removed_len + bytes > sizeof st->removed_text)
        return FH_ETOOBIG;
    snprintf(d, bytes, "%s%s%s", p->name, alen ? ":" : "", p->arch);
    st->removed_len += strlen(d) + 1;
    st->chunk_bytes += bytes;
    st->removed[n] = d;
    st->msg.n_removed = n + 1;
    return 0;
}

/* The whole inventory, in as many full reports as it takes. */
static int emit_full(struct patch_state *st, struct fh_probe_sink *sink)
{
    size_t i = 0;
    int rc;

    st->msg.full = true;
    do {
        chunk_reset(st);
        while (i < st->cur->n && chunk_add(st, &st->cur->pkgs[i]) == 0)
            i++;
        if ((rc = sink->emit(sink, FH__KIND__KIND_PATCH, &st->msg.base)) != 0)
            return rc;
    } while (i < st->cur->n);
    return 0;
}

static int patch_collect(void *state, struct fh_probe_sink *sink)
{
    struct patch_state *st = state;
    Fh__PatchState *m = &st->msg;
    uint64_t now_ms = fh_mono_ms();
    struct fh_patch_inv *t;
    bool rpm, full;
    int rc;

    fh__patch_state__init(m);
    if ((rc = read_inventory(st, &rpm, &m->last_update_us)) != 0 ||
        (rc = fh_patch_inv_sha256(st->cur, st->sha)) != 0)
        return rc;
    collect_pending(st, rpm);
    collect_kernel(st, rpm, m);
    m->inventory_sha256.data = st->sha;
    m->inventory_sha256.len = sizeof st->sha;
    m->package_count = (uint32_t)st->cur->n;
    m->pending_updates = st->apt.pending;
    m->pending_security_updates = st->apt.security;
    m->n_pending_security = st->apt.nnames;
    m->pending_security = st->apt.names;
    m->package_manager = rpm ? "rpm" : "dpkg";

    full = !st->have_prev || st->need_full ||
           now_ms - st->last_full_ms >= (uint64_t)st->conf.full_every_h * 3600000u;
    if (!full) {
        chunk_reset(st);
        rc = fh_patch_inv_diff(st->prev, st->cur, chunk_add, chunk_remove, st);
        if (rc == 0)
            rc = sink->emit(sink, FH__KIND__KIND_PATCH, &m->base);
        else
            full = true; /* the changes do not fit one report */
    }
    if (full)
        rc = emit_full(st, sink);
    /* this inventory is what the next collect compares with; after a failed emit the
     * receiver cannot follow the changes: the next report is a full one */
    t = st->prev, st->prev = st->cur, st->cur = t;
    st->have_prev = true, st->need_full = rc != 0;
    if (full && rc == 0)
        st->last_full_ms = now_ms;
    if (rc == 0)
        rc = fh_patch_answer_advisories(&st->answers, st->prev, rpm ? "rpm" : "dpkg", sink);
    return rc;
}

/* ---- the probe ---- */

static bool absolute_or_empty(const char *s, size_t size, bool empty_ok)
{
    return memchr(s, '\0', size) && (s[0] == '/' || (empty_ok && s[0] == '\0'));
}

static int patch_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct patch_conf *c = conf;
    char path[PATCH_FULL_PATH_MAX];
    struct patch_state *st;
    struct stat sb;

    if (!c->enabled)
        return FH_ENOTFOUND;
    if (c->interval_s < 60 || c->interval_s > PATCH_INTERVAL_MAX_S || c->full_every_h < 1 ||
        c->full_every_h > PATCH_FULL_MAX_H || c->command_timeout_s < 1 ||
        c->command_timeout_s > PATCH_TIMEOUT_MAX_S)
        return FH_ECONFIG;
    if (!absolute_or_empty(c->dpkg_status, sizeof c->dpkg_status, false) ||
        !absolute_or_empty(c->rpm_qa_file, sizeof c->rpm_qa_file, true) ||
        !absolute_or_empty(c->root, sizeof c->root, true)) {
        FH_ERROR("patch: dpkg_status, rpm_qa_file and root must be absolute paths");
        return FH_ECONFIG;
    }
    if (c->root[0] && (stat(c->root, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        FH_ERROR("patch.root: \"%s\" is not a directory", c->root);
        return FH_ECONFIG;
    }
    if (!(st = calloc(1, sizeof *st)))
        return FH_ENOMEM;
    st->conf = *c;
    /* no package database at all (a container, an appliance): nothing to watch */
    root_path(st, c->dpkg_status, path);
    if (!c->rpm_qa_file[0] && access(path, F_OK) != 0) {
        root_path(st, "/usr/bin/rpm", path);
        if (access(path, X_OK) != 0) {
            FH_INFO("patch: no %s%s and no %s: the patch probe is off", c->root,
                    c->dpkg_status, path);
            free(st);
            return FH_ENOTFOUND;
        }
    }
    st->prev = &st->inv[0]; /* calloc'd: empty inventories */
    st->cur = &st->inv[1];
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
}

static void patch_destroy(void *state)
{
    struct patch_state *st = state;

    fh_patch_inv_free(&st->inv[0]);
    fh_patch_inv_free(&st->inv[1]);
    fh_patch_answers_free(st->answers);
    free(st);
}

#define KEY(n, t, f, d, ...)                                                             \
    {.section = "patch", .name = n, .type = t, .offset = offsetof(struct patch_conf, f), \
     .def = d, __VA_ARGS__}

static const struct fh_config_key patch_keys[] = {
    KEY("enabled", FH_CONF_BOOL, enabled, "true",
        .help = "send patch state reports (installed packages, pending updates, kernel)"),
    KEY("interval_s", FH_CONF_INT, interval_s, "3600", .min = 60,
        .max = PATCH_INTERVAL_MAX_S,
        .help = "seconds between patch reports (only changes, or a summary, between full ones)"),
    KEY("full_every_h", FH_CONF_INT, full_every_h, "24", .min = 1, .max = PATCH_FULL_MAX_H,
        .help = "hours between full inventories (also sent at start)"),
    KEY("dpkg_status", FH_CONF_STRING, dpkg_status, "/var/lib/dpkg/status",
        .size = PATCH_PATH_MAX, .help = "dpkg's status file"),
    KEY("root", FH_CONF_STRING, root, "", .size = PATCH_PATH_MAX,
        .help = "prefix of every path read and program run (tests use a fixture tree)"),
    KEY("apt_check", FH_CONF_BOOL, apt_check, "true",
        .help = "count pending (security) updates with apt-get -s upgrade"),
    KEY("rpm_qa_file", FH_CONF_STRING, rpm_qa_file, "", .size = PATCH_PATH_MAX,
        .help = "read rpm -qa output (NAME VERSION-RELEASE ARCH lines) from this file"),
    KEY("command_timeout_s", FH_CONF_INT, command_timeout_s, "120", .min = 1,
        .max = PATCH_TIMEOUT_MAX_S,
        .help = "seconds apt-get or rpm may run before they are killed"),
};

const struct fh_probe fh_probe_patch = {
    .name = "patch",
    .keys = patch_keys,
    .nkeys = sizeof patch_keys / sizeof patch_keys[0],
    .conf_size = sizeof(struct patch_conf),
    .init = patch_init,         /* read its [patch] section, find the package database */
    .collect = patch_collect,   /* PatchState reports: full, changes or a summary */
    .destroy = patch_destroy,
    .threaded = true,           /* reads megabytes and runs apt-get */
    .checks_advisories = true,  /* answers 风险通报 from the inventory */
};
