/* ports.c - the ports probe: risky services listening on this host (advisory findings).
 *
 * Plan 001 附件4 asks schools to close 445, 139, 135 and 3389 and to avoid exposing
 * printer sharing and remote desktop. Every interval_s (threaded: it connects) collect:
 *   1. reads <root>/proc/net/tcp and tcp6 (each at most PORTS_MAX_FILE_BYTES; a longer
 *      one is cut after its last whole line, with a limited warning) and takes the
 *      LISTEN sockets, at most FH_PORTS_MAX_LISTENERS (fh_health_parse_listeners);
 *   2. reports each listener whose port is in `risky`, once per port and address: on a
 *      loopback address at severity info, elsewhere (0.0.0.0, ::, a real address) low.
 *      Ports in public_only_ports (databases) are reported only when bound to an
 *      address other than loopback;
 *   3. with check_auth, asks each risky port named redis or memcached on 127.0.0.1 a
 *      harmless question (PING / stats) within timeout_ms; an answer that needed no
 *      credentials is reported at medium (low when the service listens on loopback only).
 * Class OI (其他事件): an open port is a weakness, not an event of GB/Z 20986's other
 * classes; NAI.VAI would claim an exploitation that did not happen. Findings go through
 * the repeat table: reported once, then once per repeat_s while still seen (with the
 * count of rounds seen in between); a port that closed is forgotten. */
#include "ports.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detect.h"
#include "err.h"
#include "log.h"
#include "probe.h"
#include "probes.h"

#define PORTS_ROOT_MAX 256
#define PORTS_LIST_MAX 1024
#define PORTS_MAX_FILE_BYTES (1024 * 1024)   /* of one /proc/net/tcp{,6} */
#define PORTS_MAX_TRACKED 1024               /* fingerprints in the repeat table */
#define PORTS_KEY_MAX 128
#define PORTS_PLAYBOOK "close the port or bind it to 127.0.0.1, or filter it at the " \
                       "firewall; plan 001 附件4 asks to close 445, 139, 135, 3389 and " \
                       "other unneeded ports"

struct ports_conf {
    bool enabled;
    char root[PORTS_ROOT_MAX];
    char risky[PORTS_LIST_MAX];
    char public_only_ports[PORTS_LIST_MAX];
    bool check_auth;
    int64_t timeout_ms;
    int64_t interval_s;
    int64_t repeat_s;
};

struct ports_state {
    struct ports_conf conf;
    struct fh_ports_risky risky[FH_PORTS_MAX_RISKY];
    size_t nrisky;
    uint32_t public_only[FH_PORTS_MAX_RISKY];
    size_t npublic_only;
    struct fh_repeats *repeats;
    struct fh_health_listener listeners[FH_PORTS_MAX_LISTENERS];
    char *buf;                                 /* PORTS_MAX_FILE_BYTES + 1 */
    struct fh_log_limit read_log;
};

/* ---- the pure pieces (ports.h) ---- */

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* A port number at *p up to a delimiter in stop; advances *p. */
static bool parse_port(const char **p, const char *stop, uint32_t *port)
{
    const char *s = skip_space(*p);
    unsigned long v = 0;
    size_t digits = 0;
    while (isdigit((unsigned char)s[digits]) && digits < 6)
        v = v * 10 + (unsigned long)(s[digits++] - '0');
    if (!digits || v < 1 || v > 65535)
        return false;
    s = skip_space(s + digits);
    if (*s && !strchr(stop, *s))
        return false;
    *port = (uint32_t)v;
    *p = s;
    return true;
}

int fh_ports_parse_risky(const char *text, struct fh_ports_risky *out, size_t max, size_t *n,
                         const char **why)
{
    const char *p = skip_space(text);
    *n = 0;
    while (*p) {
        uint32_t port;
        if (!parse_port(&p, "=", &port) || *p != '=') {
            *why = "each item must be PORT=NAME with PORT 1..65535";
            return FH_ECONFIG;
        }
        p = skip_space(p + 1);
        size_t len = 0;
        while (isalnum((unsigned char)p[len]) || p[len] == '_' || p[len] == '-' || p[len] == '.')
            len++;
        if (!len || len >= FH_PORTS_NAME_MAX) {
            *why = "a NAME must be 1..31 letters, digits, '_', '-' or '.'";
            return FH_ECONFIG;
        }
        for (size_t i = 0; i < *n; i++)
            if (out[i].port == port) {
                *why = "a port is listed twice";
                return FH_ECONFIG;
            }
        if (*n >= max) {
            *why = "too many ports (at most 64)";
            return FH_ECONFIG;
        }
        out[*n].port = port;
        memcpy(out[*n].name, p, len);
        out[*n].name[len] = 0;
        (*n)++;
        p = skip_space(p + len);
        if (*p && *p != ',') {
            *why = "items are separated by ','";
            return FH_ECONFIG;
        }
        if (*p)
            p = skip_space(p + 1);
    }
    return 0;
}

int fh_ports_parse_list(const char *text, uint32_t *out, size_t max, size_t *n)
{
    const char *p = skip_space(text);
    *n = 0;
    while (*p) {
        uint32_t port;
        if (!parse_port(&p, ",", &port) || *n >= max)
            return FH_ECONFIG;
        out[(*n)++] = port;
        if (*p)
            p = skip_space(p + 1);
    }
    return 0;
}

bool fh_ports_is_loopback(const char *address)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, address, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, address, &a6) != 1)
        return false;
    if (IN6_IS_ADDR_LOOPBACK(&a6))
        return true;
    return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

enum fh_ports_service fh_ports_service_of(const char *name)
{
    if (strcasecmp(name, "redis") == 0)
        return FH_PORTS_REDIS;
    if (strcasecmp(name, "memcached") == 0)
        return FH_PORTS_MEMCACHED;
    return FH_PORTS_OTHER;
}

bool fh_ports_reply_open(enum fh_ports_service svc, const char *reply, size_t len)
{
    if (svc == FH_PORTS_REDIS)
        return len >= 5 && memcmp(reply, "+PONG", 5) == 0;
    if (svc == FH_PORTS_MEMCACHED)
        return len >= 5 && memcmp(reply, "STAT ", 5) == 0;
    return false;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait for fd to be ready for events until deadline_ms; true when it is. */
static bool wait_fd(int fd, short events, uint64_t deadline_ms)
{
    for (;;) {
        uint64_t now = mono_ms();
        if (now >= deadline_ms)
            return false;
        struct pollfd pfd = {.fd = fd, .events = events};
        int r = poll(&pfd, 1, (int)(deadline_ms - now));
        if (r < 0 && errno == EINTR)
            continue;
        return r > 0;
    }
}

int fh_ports_check_auth(enum fh_ports_service svc, uint32_t port, uint32_t timeout_ms)
{
    const char *ask = svc == FH_PORTS_REDIS ? "PING\r\n" : "stats\r\n";
    uint64_t deadline = mono_ms() + timeout_ms;
    char reply[FH_PORTS_MAX_REPLY];
    size_t got = 0;
    int rc = 0;
    if (svc == FH_PORTS_OTHER || port < 1 || port > 65535)
        return FH_EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FH_EIO;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        rc = FH_EIO;
        goto out;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (!wait_fd(fd, POLLOUT, deadline) ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr) {
        rc = FH_EIO;
        goto out;
    }
    if (send(fd, ask, strlen(ask), MSG_NOSIGNAL) != (ssize_t)strlen(ask))
        goto out;
    /* Read until the answer's first line is complete, the buffer is full, the peer
     * closes or the deadline passes. */
    while (got < sizeof reply && !memchr(reply, '\n', got) && wait_fd(fd, POLLIN, deadline)) {
        ssize_t r = recv(fd, reply + got, sizeof reply - got, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    rc = fh_ports_reply_open(svc, reply, got) ? 1 : 0;
out:
    close(fd);
    return rc;
}

/* ---- the probe ---- */

static int ports_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct ports_conf *c = conf;
    const char *why = NULL;
    if (!c->enabled)
        return FH_ENOTFOUND;
    struct ports_state *st = calloc(1, sizeof *st);
    if (!st)
        return FH_ENOMEM;
    st->conf = *c;
    int err = fh_ports_parse_risky(c->risky, st->risky, FH_PORTS_MAX_RISKY, &st->nrisky, &why);
    if (err) {
        fh_log(FH_LOG_ERROR, "ports.risky: \"%s\": %s", c->risky, why);
        goto fail;
    }
    if ((err = fh_ports_parse_list(c->public_only_ports, st->public_only, FH_PORTS_MAX_RISKY,
                                   &st->npublic_only))) {
        fh_log(FH_LOG_ERROR, "ports.public_only_ports: \"%s\" is not a list of ports 1..65535",
               c->public_only_ports);
        goto fail;
    }
    if (!(st->buf = malloc(PORTS_MAX_FILE_BYTES + 1)) ||
        (err = fh_repeats_new((uint32_t)c->repeat_s, PORTS_MAX_TRACKED, &st->repeats))) {
        err = err ? err : FH_ENOMEM;
        goto fail;
    }
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
fail:
    free(st->buf);
    free(st);
    return err;
}

static void ports_destroy(void *state)
{
    struct ports_state *st = state;
    fh_repeats_free(st->repeats);
    free(st->buf);
    free(st);
}

/* <root>/proc/<name> into st->buf, cut after its last whole line when longer than
 * PORTS_MAX_FILE_BYTES. Returns 0, FH_ENOTFOUND or FH_EIO. */
static int read_proc(struct ports_state *st, const char *name)
{
    char path[PORTS_ROOT_MAX + 32];
    size_t len = 0;
    struct stat sb;
    int rc = 0;
    snprintf(path, sizeof path, "%s/proc/%s", st->conf.root, name);
    st->buf[0] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return errno == ENOENT ? FH_ENOTFOUND : FH_EIO;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return FH_EIO;
    }
    while (len < PORTS_MAX_FILE_BYTES) {
        ssize_t r = read(fd, st->buf + len, PORTS_MAX_FILE_BYTES - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = FH_EIO;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    st->buf[len] = 0;
    if (!rc && len == PORTS_MAX_FILE_BYTES) {
        char *nl = strrchr(st->buf, '\n');
        if (nl)
            nl[1] = 0;
        fh_log_limited(&st->read_log, 3600, FH_LOG_WARN,
                       "ports: %s is over %d bytes: only its start is read", path,
                       PORTS_MAX_FILE_BYTES);
    }
    return rc;
}

static const struct fh_ports_risky *risky_of(const struct ports_state *st, uint32_t port)
{
    for (size_t i = 0; i < st->nrisky; i++)
        if (st->risky[i].port == port)
            return &st->risky[i];
    return NULL;
}

static bool public_only(const struct ports_state *st, uint32_t port)
{
    for (size_t i = 0; i < st->npublic_only; i++)
        if (st->public_only[i] == port)
            return true;
    return false;
}

static int report(struct ports_state *st, struct fh_probe_sink *sink, Fh__Severity sev,
                  const char *key, const char *summary, const struct fh_detect_fact *facts,
                  size_t nfacts)
{
    struct fh_detect d = {.probe = "ports", .class_code = "OI", .severity = sev, .key = key,
                          .summary = summary, .facts = facts, .nfacts = nfacts};
    int rc = fh_detect_report(sink, st->repeats, &d, fh_now_us());
    return rc < 0 ? rc : 0;
}

/* One risky listener, unless it is a database on loopback only. */
static int report_listener(struct ports_state *st, struct fh_probe_sink *sink,
                           const struct fh_health_listener *l, const struct fh_ports_risky *r)
{
    bool loop = fh_ports_is_loopback(l->address);
    if (loop && public_only(st, l->port))
        return 0;
    char key[PORTS_KEY_MAX], summary[256], port[8];
    snprintf(key, sizeof key, "listen %u %s", l->port, l->address);
    snprintf(summary, sizeof summary, "risky service %s listening on %s port %u", r->name,
             l->address, l->port);
    snprintf(port, sizeof port, "%u", l->port);
    struct fh_detect_fact facts[] = {
        {"port", port}, {"address", l->address}, {"proto", l->proto}, {"service", r->name},
        {"exposure", loop ? "loopback" : "network"}, {"playbook", PORTS_PLAYBOOK},
    };
    return report(st, sink, loop ? FH__SEVERITY__SEVERITY_INFO : FH__SEVERITY__SEVERITY_LOW,
                  key, summary, facts, sizeof facts / sizeof facts[0]);
}

/* Redis or Memcached on r->port answering without credentials. */
static int report_noauth(struct ports_state *st, struct fh_probe_sink *sink,
                         const struct fh_ports_risky *r, size_t nl)
{
    enum fh_ports_service svc = fh_ports_service_of(r->name);
    bool listening = false, network = false;
    for (size_t i = 0; i < nl; i++)
        if (st->listeners[i].port == r->port) {
            listening = true;
            network |= !fh_ports_is_loopback(st->listeners[i].address);
        }
    if (svc == FH_PORTS_OTHER || !listening ||
        fh_ports_check_auth(svc, r->port, (uint32_t)st->conf.timeout_ms) != 1)
        return 0;
    char key[PORTS_KEY_MAX], summary[256], port[8];
    snprintf(key, sizeof key, "noauth %s %u", r->name, r->port);
    snprintf(summary, sizeof summary, "%s on port %u answers without authentication",
             r->name, r->port);
    snprintf(port, sizeof port, "%u", r->port);
    struct fh_detect_fact facts[] = {
        {"port", port}, {"service", r->name}, {"auth", "none"},
        {"exposure", network ? "network" : "loopback"},
        {"playbook", "require a password (requirepass / SASL) and bind to 127.0.0.1"},
    };
    return report(st, sink,
                  network ? FH__SEVERITY__SEVERITY_MEDIUM : FH__SEVERITY__SEVERITY_LOW, key,
                  summary, facts, sizeof facts / sizeof facts[0]);
}

static int ports_collect(void *state, struct fh_probe_sink *sink)
{
    struct ports_state *st = state;
    static const char *const files[] = {"net/tcp", "net/tcp6"};
    size_t n = 0;
    int err = 0, read_ok = 0;
    for (int v6 = 0; v6 < 2; v6++)
        if (read_proc(st, files[v6]) == 0) {
            read_ok++;
            fh_health_parse_listeners(st->buf, v6, st->listeners, FH_PORTS_MAX_LISTENERS, &n);
        }
    if (!read_ok)
        return FH_EIO;   /* no socket table at all: logged by the agent, tried again */
    for (size_t i = 0; i < n && !err; i++) {
        const struct fh_ports_risky *r = risky_of(st, st->listeners[i].port);
        if (r)
            err = report_listener(st, sink, &st->listeners[i], r);
    }
    for (size_t i = 0; i < st->nrisky && st->conf.check_auth && !err; i++)
        err = report_noauth(st, sink, &st->risky[i], n);
    int ferr = fh_repeats_flush(sink, st->repeats, fh_now_us());
    return err ? err : ferr;
}

#define K(name_, type_, field, def_, min_, max_, help_)                                      \
    {.section = "ports", .name = name_, .type = type_,                                        \
     .offset = offsetof(struct ports_conf, field),                                            \
     .size = sizeof(((struct ports_conf *)0)->field), .def = def_, .min = min_, .max = max_, \
     .help = help_}

static const struct fh_config_key ports_keys[] = {
    K("enabled", FH_CONF_BOOL, enabled, "false", 0, 0,
      "report risky listening services (advisory, class OI)"),
    K("root", FH_CONF_STRING, root, "", 0, 0,
      "prefix of <root>/proc/net/tcp{,6} (tests point it at a fixture tree)"),
    K("risky", FH_CONF_STRING, risky,
      "445=smb,139=netbios,135=msrpc,3389=rdp,23=telnet,21=ftp,3306=mysql,5432=postgresql,"
      "6379=redis,11211=memcached", 0, 0,
      "PORT=NAME,... of services worth a finding when listening; NAME redis or memcached "
      "also gets the authentication check"),
    K("public_only_ports", FH_CONF_STRING, public_only_ports, "3306,5432", 0, 0,
      "risky ports reported only when bound to an address other than loopback"),
    K("check_auth", FH_CONF_BOOL, check_auth, "true", 0, 0,
      "ask redis (PING) and memcached (stats) on 127.0.0.1 whether they answer without "
      "authentication"),
    K("timeout_ms", FH_CONF_INT, timeout_ms, "500", 50, 10000,
      "the whole authentication check of one port, connect to answer"),
    K("interval_s", FH_CONF_INT, interval_s, "300", 1, 86400,
      "seconds between two looks at the listening sockets"),
    K("repeat_s", FH_CONF_INT, repeat_s, "86400", 1, 30 * 86400,
      "a port still open is reported again once this window closes"),
};

const struct fh_probe fh_probe_ports = {
    .name = "ports",
    .keys = ports_keys,
    .nkeys = sizeof ports_keys / sizeof ports_keys[0],
    .conf_size = sizeof(struct ports_conf),
    .init = ports_init,
    .collect = ports_collect,
    .destroy = ports_destroy,
    .threaded = true,   /* the authentication check connects and waits */
};
