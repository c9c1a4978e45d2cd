/* health_procs.c - listening sockets and top processes (see health_procs.h).
 *
 * /proc/net/tcp{,6} print each address as the kernel's in-memory words in hex (%08X of
 * each 32-bit word): storing the parsed words back as native integers gives the address
 * bytes in network order on any endianness, which inet_ntop then prints. State 0A is
 * LISTEN.
 *
 * /proc/PID/stat: the name is between the first '(' and the last ')' (it may hold
 * spaces and parentheses); after it, field 3 (state) onwards: utime and stime are fields
 * 14 and 15, rss field 24. CPU % is the growth of utime + stime since the previous
 * sample over the wall time between them, in % of one core. */
#include "health_procs.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

#define TCP_LISTEN 0x0A

static bool parse_hex32(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        int c = (unsigned char)s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* One line: "  0: 0100007F:0277 00000000:0000 0A ..." into l; false when not LISTEN
 * or malformed (*bad set for malformed). */
static bool parse_line(const char *line, bool v6, struct fh_health_listener *l, bool *bad)
{
    unsigned words = v6 ? 4 : 1;
    const char *p = strchr(line, ':');
    *bad = true;
    if (!p)
        return false;
    for (p++; *p == ' '; p++)
        ;
    uint32_t w[4];
    for (unsigned i = 0; i < words; i++, p += 8)
        if (!parse_hex32(p, &w[i]))
            return false;
    unsigned port, state;
    char rem[80];
    /* %x takes a sign: "-1" would read as 4294967295 */
    if (sscanf(p, ":%4x %79s %2x", &port, rem, &state) != 3 || port > 0xffff)
        return false;
    *bad = false;
    if (state != TCP_LISTEN)
        return false;
    if (v6) {
        struct in6_addr a;
        memcpy(&a, w, sizeof a);   /* the words as they were in the kernel's memory */
        inet_ntop(AF_INET6, &a, l->address, sizeof l->address);
    } else {
        struct in_addr a;
        a.s_addr = w[0];
        inet_ntop(AF_INET, &a, l->address, sizeof l->address);
    }
    snprintf(l->proto, sizeof l->proto, "%s", v6 ? "tcp6" : "tcp");
    l->port = port;
    return true;
}

int fh_health_parse_listeners(const char *text, bool v6, struct fh_health_listener *out,
                              size_t max, size_t *n)
{
    int bad_lines = 0;
    const char *line = strchr(text, '\n');   /* the first line is the header */
    while (line && *++line) {
        const char *end = strchr(line, '\n');
        char buf[256];
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len >= sizeof buf) {
            bad_lines++;
        } else {
            memcpy(buf, line, len);
            buf[len] = 0;
            struct fh_health_listener l;
            bool bad;
            if (parse_line(buf, v6, &l, &bad)) {
                bool seen = false;
                for (size_t i = 0; i < *n && !seen; i++)
                    seen = out[i].port == l.port && strcmp(out[i].address, l.address) == 0 &&
                           strcmp(out[i].proto, l.proto) == 0;
                if (!seen && *n < max)
                    out[(*n)++] = l;
            } else if (bad && len > 0) {
                bad_lines++;
            }
        }
        line = end;
    }
    return bad_lines;
}

int fh_health_parse_pid_stat(const char *text, char *comm, size_t comm_len,
                             uint64_t *ticks, uint64_t *rss_pages)
{
    const char *open = strchr(text, '('), *close = strrchr(text, ')');
    if (!open || !close || close < open || comm_len == 0)
        return FH_EMALFORMED;
    size_t n = (size_t)(close - open - 1);
    if (n >= comm_len)
        n = comm_len - 1;
    memcpy(comm, open + 1, n);
    comm[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (!isprint((unsigned char)comm[i]) || (unsigned char)comm[i] > 126)
            comm[i] = '?';
    /* tokens after ")": token k is field k + 3 */
    const char *p = close + 1;
    uint64_t utime = 0, stime = 0, rss = 0;
    for (int k = 0; k <= 21; k++) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            return FH_EMALFORMED;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (k == 11)
            utime = v;
        else if (k == 12)
            stime = v;
        else if (k == 21)
            rss = v;
        while (*p && *p != ' ' && *p != '\n')
            p++;
        (void)end;
    }
    *ticks = utime + stime;
    *rss_pages = rss;
    return 0;
}

static int by_pid(const void *a, const void *b)
{
    uint32_t x = ((const struct fh_health_pidticks *)a)->pid;
    uint32_t y = ((const struct fh_health_pidticks *)b)->pid;
    return x < y ? -1 : x > y;
}

/* Keep top[0..*n) sorted by key, largest first, at most FH_HEALTH_TOP long. */
static void offer(struct fh_health_top *top, size_t *n, const struct fh_health_top *t,
                  bool by_cpu)
{
    double key = by_cpu ? t->cpu_pct : (double)t->rss_kb;
    size_t i = *n;
    while (i > 0 && (by_cpu ? top[i - 1].cpu_pct : (double)top[i - 1].rss_kb) < key)
        i--;
    if (i >= FH_HEALTH_TOP)
        return;
    size_t last = *n < FH_HEALTH_TOP ? *n : FH_HEALTH_TOP - 1;
    memmove(&top[i + 1], &top[i], (last - i) * sizeof *top);
    top[i] = *t;
    if (*n < FH_HEALTH_TOP)
        (*n)++;
}

void fh_health_procs_sample(struct fh_health_procs *ps, const char *proc_root, uint64_t now_ms,
                            struct fh_health_top *top_cpu, size_t *ncpu,
                            struct fh_health_top *top_rss, size_t *nrss)
{
    *ncpu = *nrss = 0;
    DIR *d = opendir(proc_root);
    if (!d)
        return;
    long hz = sysconf(_SC_CLK_TCK), page_kb = sysconf(_SC_PAGESIZE) / 1024;
    double elapsed_s = ps->prev_ms && now_ms > ps->prev_ms ? (now_ms - ps->prev_ms) / 1e3 : 0;
    size_t ncur = 0;
    struct dirent *e;
    while ((e = readdir(d)) && ncur < FH_HEALTH_MAX_PIDS) {
        char *end;
        unsigned long pid = strtoul(e->d_name, &end, 10);
        if (*end || !isdigit((unsigned char)e->d_name[0]) || pid > UINT32_MAX)
            continue;
        char path[512], buf[1024];
        snprintf(path, sizeof path, "%s/%lu/stat", proc_root, pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;   /* gone meanwhile */
        ssize_t r = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (r <= 0)
            continue;
        buf[r] = 0;
        struct fh_health_top t = {.pid = (uint32_t)pid};
        uint64_t ticks, rss;
        if (fh_health_parse_pid_stat(buf, t.name, sizeof t.name, &ticks, &rss) != 0)
            continue;
        t.rss_kb = rss * (uint64_t)(page_kb > 0 ? page_kb : 4);
        struct fh_health_pidticks key = {.pid = t.pid}, *old = NULL;
        if (ps->nprev)
            old = bsearch(&key, ps->prev, ps->nprev, sizeof *ps->prev, by_pid);
        if (old && elapsed_s > 0 && ticks >= old->ticks && hz > 0)
            t.cpu_pct = 100.0 * (double)(ticks - old->ticks) / (double)hz / elapsed_s;
        ps->cur[ncur++] = (struct fh_health_pidticks){.pid = t.pid, .ticks = ticks};
        if (elapsed_s > 0 && t.cpu_pct > 0)
            offer(top_cpu, ncpu, &t, true);
        offer(top_rss, nrss, &t, false);
    }
    closedir(d);
    qsort(ps->cur, ncur, sizeof *ps->cur, by_pid);
    memcpy(ps->prev, ps->cur, ncur * sizeof *ps->cur);
    ps->nprev = ncur;
    ps->prev_ms = now_ms;
}
