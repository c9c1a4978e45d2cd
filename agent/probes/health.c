/* health.c - the health probe: CPU, memory, load, filesystems and interfaces of a host.
 *
 * Every interval_s, collect reads the kernel's text files under proc_root (stat, meminfo,
 * loadavg, uptime, self/mounts, net/dev) one after the other into one reused 64 KiB
 * buffer; a longer file is cut after its last whole line. The parsers of health_parse.c
 * turn that text into values. CPU % is the busy share of the ticks since the previous
 * collect (the first report: since boot). procs counts the numeric entries of proc_root,
 * or falls back to loadavg's task total. Filesystems come de-duplicated by mount point,
 * without pseudo ones unless include_pseudo_fs, at most FH_HEALTH_MAX_FS; each is
 * statvfs'd and one that fails is left out. The listening TCP sockets (net/tcp, tcp6)
 * and the top processes by CPU and by memory come from health_procs.c. Host name,
 * kernel release and PRETTY_NAME of /etc/os-release complete the report.
 *
 * A missing or malformed source is logged (rate-limited) and leaves its fields zero: the
 * report is still sent. The message and everything it points to live in the probe's
 * state, allocated once by init, so collect allocates nothing. Strings are made valid
 * UTF-8 before they go out.
 *
 * Known limit: statvfs() of a hung network mount blocks the agent's loop. */
#include "health_parse.h"
#include "health_procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "probe.h"
#include "probes.h"

#define HEALTH_PROC_ROOT_MAX 256
#define HEALTH_INTERVAL_MAX_S 86400
#define HEALTH_HOSTNAME_MAX 256
#define HEALTH_KERNEL_MAX 65 /* sizeof utsname.release on Linux */
#define HEALTH_OS_MAX 256
#define HEALTH_WARN_EVERY_S 3600
#define HEALTH_SLOW_EVERY_MS 10000 /* listeners and the process walk at most this often */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct health_conf {
    bool enabled;
    int64_t interval_s;
    char proc_root[HEALTH_PROC_ROOT_MAX];
    bool include_pseudo_fs;
};

struct health_state {
    struct health_conf conf;
    struct fh_health_cpu prev_cpu;     /* zero until the first sample */
    struct fh_log_limit warn_limit;
    char buf[FH_HEALTH_MAX_FILE_BYTES]; /* the file being parsed */
    struct fh_health_mount mounts[FH_HEALTH_MAX_FS];
    Fh__Filesystem *fs[FH_HEALTH_MAX_FS];
    struct fh_health_iface ifaces[FH_HEALTH_MAX_IFACES];
    Fh__NetInterface *ifs[FH_HEALTH_MAX_IFACES];
    struct fh_health_listener listeners[FH_HEALTH_MAX_LISTENERS];
    Fh__Listener lpb[FH_HEALTH_MAX_LISTENERS], *lp[FH_HEALTH_MAX_LISTENERS];
    struct fh_health_procs procs;
    struct fh_health_top top[2][FH_HEALTH_TOP];              /* by CPU, by RSS */
    size_t ntop[2], nlisteners;
    uint64_t slow_ms;           /* last refresh of listeners and top lists, monotonic */
    Fh__ProcessUsage upb[2][FH_HEALTH_TOP], *up[2][FH_HEALTH_TOP];
    char hostname[HEALTH_HOSTNAME_MAX];
    char kernel[HEALTH_KERNEL_MAX];
    char os[HEALTH_OS_MAX];
};

/* ---- reading the sources ---- */

/* Read dir/name into st->buf as a string (left "" on error). A file longer than the
 * buffer is cut after its last whole line. Returns 0, FH_ENOTFOUND, FH_EIO (also for
 * anything but a regular file) or FH_ETOOBIG (path too long); logged unless it is
 * FH_ENOTFOUND and missing_ok. */
static int read_source(struct health_state *st, const char *dir, const char *name,
                       bool missing_ok)
{
    char path[HEALTH_PROC_ROOT_MAX + 32];
    size_t len = 0, cap = sizeof st->buf - 1;
    struct stat sb;
    int fd = -1, rc = 0;
    char extra;

    st->buf[0] = '\0';
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        rc = FH_ETOOBIG;
        goto out;
    }
    /* O_NONBLOCK: a FIFO planted in a fixture root must not hang the loop */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        rc = errno == ENOENT ? FH_ENOTFOUND : FH_EIO;
        goto out;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = FH_EIO;
        goto out;
    }
    while (len < cap) {
        ssize_t r = read(fd, st->buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = FH_EIO;
            len = 0;
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len == cap && read(fd, &extra, 1) != 0) {
        const char *nl = memrchr(st->buf, '\n', len);
        len = nl ? (size_t)(nl - st->buf) + 1 : 0;
        fh_log_limited(&st->warn_limit, HEALTH_WARN_EVERY_S, FH_LOG_WARN,
                       "health: %s is over %zu bytes: read up to its last whole line",
                       path, cap);
    }
    st->buf[len] = '\0';
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0 && !(rc == FH_ENOTFOUND && missing_ok))
        fh_log_limited(&st->warn_limit, HEALTH_WARN_EVERY_S, FH_LOG_WARN,
                       "health: cannot read %s: %s", path, fh_strerror(rc));
    return rc;
}

/* Log a parser's complaint about source name; returns rc. */
static int parse_result(struct health_state *st, const char *name, int rc)
{
    if (rc < 0)
        fh_log_limited(&st->warn_limit, HEALTH_WARN_EVERY_S, FH_LOG_WARN,
                       "health: %s/%s: %s", st->conf.proc_root, name, fh_strerror(rc));
    return rc;
}

/* Numeric entries of the proc root (processes), at most FH_HEALTH_MAX_PROCS. */
static uint32_t count_procs(const char *root)
{
    DIR *d = opendir(root);
    struct dirent *e;
    uint32_t n = 0;

    if (!d)
        return 0;
    while (n < FH_HEALTH_MAX_PROCS && (e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        if (*s < '0' || *s > '9')
            continue;
        while (*s >= '0' && *s <= '9')
            s++;
        if (*s == '\0')
            n++;
    }
    closedir(d);
    return n;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    uint64_t r;

    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static void collect_filesystems(struct health_state *st, Fh__Health *h)
{
    size_t n = 0, kept = 0;
    int rc = read_source(st, st->conf.proc_root, "self/mounts", true);

    if (rc == FH_ENOTFOUND)
        rc = read_source(st, st->conf.proc_root, "mounts", false);
    if (rc < 0)
        return;
    parse_result(st, "self/mounts", fh_health_parse_mounts(st->buf,
                 st->conf.include_pseudo_fs, st->mounts, FH_HEALTH_MAX_FS, &n));
    for (size_t i = 0; i < n; i++) {
        struct fh_health_mount *m = &st->mounts[i];
        struct statvfs sv;
        if (statvfs(m->mount, &sv) != 0)
            continue; /* gone, or not ours to see */
        m->fs.total_bytes = mul_sat(sv.f_blocks, sv.f_frsize);
        m->fs.avail_bytes = mul_sat(sv.f_bavail, sv.f_frsize);
        m->fs.free_bytes = mul_sat(sv.f_bfree, sv.f_frsize);
        m->fs.files_total = sv.f_files;
        m->fs.files_free = sv.f_ffree;
        fh_health_utf8_sanitize(m->mount);
        fh_health_utf8_sanitize(m->device);
        fh_health_utf8_sanitize(m->fstype);
        st->fs[kept++] = &m->fs;
    }
    h->n_filesystems = kept;
    h->filesystems = st->fs;
}

static void collect_interfaces(struct health_state *st, Fh__Health *h)
{
    size_t n = 0;

    if (read_source(st, st->conf.proc_root, "net/dev", false) < 0)
        return;
    parse_result(st, "net/dev", fh_health_parse_netdev(st->buf, st->ifaces,
                                                       FH_HEALTH_MAX_IFACES, &n));
    for (size_t i = 0; i < n; i++) {
        fh_health_utf8_sanitize(st->ifaces[i].name);
        st->ifs[i] = &st->ifaces[i].ni;
    }
    h->n_interfaces = n;
    h->interfaces = st->ifs;
}

/* TCP sockets listening (IPv4 and IPv6): the ports a host exposes. */
static void collect_listeners(struct health_state *st, Fh__Health *h, bool walk)
{
    static const char *const files[] = {"net/tcp", "net/tcp6"};
    size_t n = st->nlisteners;
    if (walk) {
        n = 0;
        for (int v6 = 0; v6 < 2; v6++)
            if (read_source(st, st->conf.proc_root, files[v6], true) == 0)
                fh_health_parse_listeners(st->buf, v6, st->listeners,
                                          FH_HEALTH_MAX_LISTENERS, &n);
        st->nlisteners = n;
    }
    for (size_t i = 0; i < n; i++) {
        fh__listener__init(&st->lpb[i]);
        st->lpb[i].proto = st->listeners[i].proto;
        st->lpb[i].address = st->listeners[i].address;
        st->lpb[i].port = st->listeners[i].port;
        st->lp[i] = &st->lpb[i];
    }
    h->n_listeners = n;
    h->listeners = st->lp;
}

/* The processes using most CPU (since the previous walk) and most memory. */
static void collect_top(struct health_state *st, Fh__Health *h, bool walk)
{
    size_t *n = st->ntop;
    if (walk)
        fh_health_procs_sample(&st->procs, st->conf.proc_root, fh_mono_ms(), st->top[0],
                               &n[0], st->top[1], &n[1]);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < n[k]; i++) {
            Fh__ProcessUsage *u = &st->upb[k][i];
            fh__process_usage__init(u);
            fh_health_utf8_sanitize(st->top[k][i].name);
            u->pid = st->top[k][i].pid;
            u->name = st->top[k][i].name;
            u->cpu_pct = st->top[k][i].cpu_pct;
            u->rss_kb = st->top[k][i].rss_kb;
            st->up[k][i] = u;
        }
    h->n_top_cpu = n[0];
    h->top_cpu = st->up[0];
    h->n_top_rss = n[1];
    h->top_rss = st->up[1];
}

static void collect_identity(struct health_state *st, Fh__Health *h)
{
    struct utsname u;

    if (gethostname(st->hostname, sizeof st->hostname) != 0)
        st->hostname[0] = '\0';
    st->hostname[sizeof st->hostname - 1] = '\0';
    if (uname(&u) != 0 || snprintf(st->kernel, sizeof st->kernel, "%.*s",
                                   (int)strnlen(u.release, sizeof u.release), u.release) < 0)
        st->kernel[0] = '\0';
    /* os-release lives in /etc or, per its spec, /usr/lib; neither is required */
    if (read_source(st, "/etc", "os-release", true) == FH_ENOTFOUND)
        read_source(st, "/usr/lib", "os-release", true);
    fh_health_parse_os_release(st->buf, st->os, sizeof st->os);
    fh_health_utf8_sanitize(st->hostname);
    fh_health_utf8_sanitize(st->kernel);
    fh_health_utf8_sanitize(st->os);
    h->hostname = st->hostname;
    h->kernel = st->kernel;
    h->os = st->os;
}

/* ---- the probe ---- */

static int health_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct health_conf *c = conf;
    struct health_state *st;
    struct stat sb;

    if (!c->enabled)
        return FH_ENOTFOUND;
    if (c->interval_s < 1 || c->interval_s > HEALTH_INTERVAL_MAX_S || c->proc_root[0] == '\0'
        || !memchr(c->proc_root, '\0', sizeof c->proc_root))
        return FH_ECONFIG;
    if (stat(c->proc_root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        FH_ERROR("health.proc_root: \"%s\" is not a directory", c->proc_root);
        return FH_ECONFIG;
    }
    st = calloc(1, sizeof *st);
    if (!st)
        return FH_ENOMEM;
    st->conf = *c;
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
}

static int health_collect(void *state, struct fh_probe_sink *sink)
{
    struct health_state *st = state;
    const char *root = st->conf.proc_root;
    Fh__Health h = FH__HEALTH__INIT;
    struct fh_health_cpu cpu;
    uint32_t procs;

    h.interval_s = (uint32_t)st->conf.interval_s;
    if (read_source(st, root, "stat", false) == 0 &&
        parse_result(st, "stat", fh_health_parse_stat(st->buf, &cpu)) == 0) {
        h.cpu_pct = fh_health_cpu_pct(&st->prev_cpu, &cpu);
        h.cpus = cpu.cpus;
        st->prev_cpu = cpu;
    }
    if (read_source(st, root, "meminfo", false) == 0)
        parse_result(st, "meminfo", fh_health_parse_meminfo(st->buf, &h));
    if (read_source(st, root, "loadavg", false) == 0)
        parse_result(st, "loadavg", fh_health_parse_loadavg(st->buf, &h));
    if (read_source(st, root, "uptime", false) == 0)
        parse_result(st, "uptime", fh_health_parse_uptime(st->buf, &h));
    procs = count_procs(root);
    if (procs > 0)
        h.procs = procs;
    collect_filesystems(st, &h);
    collect_interfaces(st, &h);
    /* Listening sockets and the process walk cost the kernel a walk of its socket
     * tables and an open per process: they are refreshed at most every
     * HEALTH_SLOW_EVERY_MS; reports in between repeat the last lists. */
    uint64_t now = fh_mono_ms();
    bool walk = !st->slow_ms || now - st->slow_ms >= HEALTH_SLOW_EVERY_MS;
    if (walk)
        st->slow_ms = now;
    collect_listeners(st, &h, walk);
    collect_top(st, &h, walk);
    collect_identity(st, &h);
    return sink->emit(sink, FH__KIND__KIND_HEALTH, &h.base);
}

static void health_destroy(void *state)
{
    free(state);
}

static const struct fh_config_key health_keys[] = {
    {.section = "health", .name = "enabled", .type = FH_CONF_BOOL,
     .offset = offsetof(struct health_conf, enabled), .def = "true",
     .help = "send health reports (CPU, memory, load, filesystems, interfaces)"},
    {.section = "health", .name = "interval_s", .type = FH_CONF_INT,
     .offset = offsetof(struct health_conf, interval_s), .def = "10",
     .min = 1, .max = HEALTH_INTERVAL_MAX_S,
     .help = "seconds between health reports; a host is stale after 3 of them"},
    {.section = "health", .name = "proc_root", .type = FH_CONF_STRING,
     .offset = offsetof(struct health_conf, proc_root), .size = HEALTH_PROC_ROOT_MAX,
     .def = "/proc", .help = "where procfs is mounted (tests point it at a fixture)"},
    {.section = "health", .name = "include_pseudo_fs", .type = FH_CONF_BOOL,
     .offset = offsetof(struct health_conf, include_pseudo_fs), .def = "false",
     .help = "also report proc, sysfs, tmpfs, cgroup and other pseudo filesystems"},
};

const struct fh_probe fh_probe_health = {
    .name = "health",
    .keys = health_keys,
    .nkeys = ARRAY_LEN(health_keys),
    .conf_size = sizeof(struct health_conf),
    .init = health_init,        /* read its [health] section, check proc_root */
    .collect = health_collect,  /* one Health report per interval_s */
    .destroy = health_destroy,
};
