/* health_parse.c - the text parsers of the health probe (health_parse.h).
 *
 * Each parser walks one NUL-terminated /proc text line by line with a few helpers that
 * stop at a newline or the NUL: read_u64() (decimal, overflow is a failure, never a
 * wrap), read_token() (one blank-separated field) and skip_line(). Nothing here opens
 * files, allocates or logs: the probe (health.c) reads the files and reports the errors,
 * the tests feed the parsers fixtures. Strings are copied into the fixed arrays of the
 * caller's structs, cut to fit, except mount points, which are skipped when too long
 * because a cut path would name another place. */
#include "health_parse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- text helpers: all stop at the NUL of the text ---- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Skip blanks, then read a decimal number into *v and advance *p past it. False, with
 * *p unchanged, when there is no digit or the number overflows. */
static bool read_u64(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t n = 0;

    while (is_blank(*s))
        s++;
    if (!is_digit(*s))
        return false;
    for (; is_digit(*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *p = s;
    *v = n;
    return true;
}

/* Skip blanks, point *tok at the token there (up to a blank, newline or NUL), advance *p
 * past it and return its length (0: no token on this line). */
static size_t read_token(const char **p, const char **tok)
{
    const char *s = *p;

    while (is_blank(*s))
        s++;
    *tok = s;
    while (*s && *s != '\n' && !is_blank(*s))
        s++;
    *p = s;
    return (size_t)(s - *tok);
}

/* Advance *p to the start of the next line (or the NUL). */
static void skip_line(const char **p)
{
    const char *nl = strchr(*p, '\n');

    *p = nl ? nl + 1 : *p + strlen(*p);
}

/* Copy n bytes of src into dst[dst_len] as a string, cutting what does not fit. */
static void copy_cut(char *dst, size_t dst_len, const char *src, size_t n)
{
    if (n >= dst_len)
        n = dst_len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- parsers (health_parse.h) ---- */

int fh_health_parse_stat(const char *text, struct fh_health_cpu *out)
{
    bool found = false;

    memset(out, 0, sizeof *out);
    for (const char *p = text; *p; skip_line(&p)) {
        if (strncmp(p, "cpu", 3) != 0)
            continue;
        if (is_digit(p[3])) {
            if (out->cpus < UINT32_MAX)
                out->cpus++;
            continue;
        }
        if (!is_blank(p[3]) || found)
            continue;
        const char *q = p + 3;
        uint64_t t[8] = {0}, total = 0;
        size_t n = 0;
        while (n < ARRAY_LEN(t) && read_u64(&q, &t[n]))
            n++;
        if (n < 4)
            return FH_EMALFORMED;
        for (size_t i = 0; i < n; i++)
            if (__builtin_add_overflow(total, t[i], &total))
                return FH_EMALFORMED;
        uint64_t idle = t[3] + t[4]; /* both <= total: no overflow */
        out->total = total;
        out->busy = total - idle;
        found = true;
    }
    return found ? 0 : FH_EMALFORMED;
}

double fh_health_cpu_pct(const struct fh_health_cpu *prev, const struct fh_health_cpu *cur)
{
    uint64_t busy = cur->busy, total = cur->total;

    if (prev && cur->total >= prev->total && cur->busy >= prev->busy) {
        busy -= prev->busy;
        total -= prev->total;
    }
    if (total == 0)
        return 0.0;
    if (busy > total) /* idle ticks that went backwards (a kernel quirk with iowait) */
        busy = total;
    return 100.0 * ((double)busy / (double)total); /* a ratio <= 1 first: never > 100 */
}

int fh_health_parse_meminfo(const char *text, Fh__Health *h)
{
    static const char *const keys[] = {"MemTotal:", "MemAvailable:", "SwapTotal:",
                                       "SwapFree:"};
    uint64_t *dst[] = {&h->mem_total_kb, &h->mem_available_kb, &h->swap_total_kb,
                       &h->swap_free_kb};
    bool have_total = false;

    for (const char *p = text; *p; skip_line(&p)) {
        for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
            size_t len = strlen(keys[i]);
            const char *q = p + len;
            if (strncmp(p, keys[i], len) != 0 || !read_u64(&q, dst[i]))
                continue;
            if (i == 0)
                have_total = true;
        }
    }
    return have_total ? 0 : FH_EMALFORMED;
}

int fh_health_parse_loadavg(const char *text, Fh__Health *h)
{
    double load[3];
    const char *p = text;
    uint64_t runnable, total;

    for (size_t i = 0; i < ARRAY_LEN(load); i++) {
        char *end;
        while (is_blank(*p))
            p++;
        if (!is_digit(*p))
            return FH_EMALFORMED;
        load[i] = strtod(p, &end);
        if (end == p || !isfinite(load[i]))
            return FH_EMALFORMED;
        p = end;
    }
    h->load1 = load[0];
    h->load5 = load[1];
    h->load15 = load[2];
    if (read_u64(&p, &runnable) && *p == '/') {
        p++;
        if (read_u64(&p, &total))
            h->procs = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
    }
    return 0;
}

int fh_health_parse_uptime(const char *text, Fh__Health *h)
{
    const char *p = text;
    uint64_t s;

    if (!read_u64(&p, &s))
        return FH_EMALFORMED;
    h->uptime_s = s;
    return 0;
}

/* Pseudo filesystem types; a trailing '*' matches any suffix. */
static const char *const pseudo_fs[] = {
    "autofs", "binfmt_misc", "bpf", "cgroup*", "configfs", "debugfs", "devpts",
    "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nfsd", "nsfs", "proc",
    "pstore", "ramfs", "rootfs", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs",
    "sysfs", "tmpfs", "tracefs",
};

bool fh_health_fs_is_pseudo(const char *fstype)
{
    for (size_t i = 0; i < ARRAY_LEN(pseudo_fs); i++) {
        size_t len = strlen(pseudo_fs[i]);
        if (pseudo_fs[i][len - 1] == '*' ? strncmp(fstype, pseudo_fs[i], len - 1) == 0
                                         : strcmp(fstype, pseudo_fs[i]) == 0)
            return true;
    }
    return false;
}

static bool is_octal(char c)
{
    return c >= '0' && c <= '7';
}

/* Decode the kernel's octal escapes of src[0..n) into dst[dst_len]. False when the
 * decoded path does not fit (or is empty). */
static bool unescape_mount(const char *src, size_t n, char *dst, size_t dst_len)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '\\' && n - i >= 4 && src[i + 1] >= '0' && src[i + 1] <= '3' &&
            is_octal(src[i + 2]) && is_octal(src[i + 3])) {
            unsigned v = (unsigned)(src[i + 1] - '0') * 64 +
                         (unsigned)(src[i + 2] - '0') * 8 + (unsigned)(src[i + 3] - '0');
            if (v != 0) { /* a NUL would cut the path: keep "\000" as it is */
                c = (char)v;
                i += 3;
            }
        }
        if (o + 1 >= dst_len)
            return false;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return o > 0;
}

int fh_health_parse_mounts(const char *text, bool include_pseudo,
                           struct fh_health_mount *out, size_t max, size_t *n)
{
    char point[FH_HEALTH_MOUNT_MAX], fstype[FH_HEALTH_FSTYPE_MAX];
    size_t count = 0;
    int rc = 0;

    for (const char *p = text; *p; skip_line(&p)) {
        const char *dev, *mnt, *type, *q = p;
        size_t dev_len = read_token(&q, &dev);
        size_t mnt_len = read_token(&q, &mnt);
        size_t type_len = read_token(&q, &type);
        if (dev_len == 0)
            continue; /* blank line */
        if (type_len == 0) {
            rc = FH_EMALFORMED;
            continue;
        }
        if (!unescape_mount(mnt, mnt_len, point, sizeof point))
            continue; /* a cut path would statvfs the wrong place */
        copy_cut(fstype, sizeof fstype, type, type_len);
        bool drop = !include_pseudo && fh_health_fs_is_pseudo(fstype);
        size_t i = 0;
        while (i < count && strcmp(out[i].mount, point) != 0)
            i++;
        if (i < count && drop) { /* hidden under a pseudo filesystem */
            memmove(&out[i], &out[i + 1], (count - i - 1) * sizeof out[0]);
            count--;
            continue;
        }
        if (drop)
            continue;
        if (i == count) {
            if (count == max) {
                rc = FH_ETOOBIG;
                continue; /* later lines may still over-mount a listed point */
            }
            count++;
        }
        memcpy(out[i].mount, point, strlen(point) + 1);
        copy_cut(out[i].device, sizeof out[i].device, dev, dev_len);
        memcpy(out[i].fstype, fstype, sizeof fstype);
    }
    for (size_t i = 0; i < count; i++) {
        out[i].fs = (Fh__Filesystem)FH__FILESYSTEM__INIT;
        out[i].fs.mount = out[i].mount;
        out[i].fs.device = out[i].device;
        out[i].fs.fstype = out[i].fstype;
    }
    *n = count;
    return rc;
}

int fh_health_parse_netdev(const char *text, struct fh_health_iface *out, size_t max,
                           size_t *n)
{
    size_t count = 0;
    int rc = 0;

    for (const char *p = text; *p; skip_line(&p)) {
        const char *eol = strchr(p, '\n');
        const char *colon = memchr(p, ':', eol ? (size_t)(eol - p) : strlen(p));
        if (!colon)
            continue; /* the two header lines */
        const char *name = p, *q = colon + 1;
        while (is_blank(*name))
            name++;
        uint64_t v[11]; /* rx: bytes packets errs drop fifo frame compressed multicast,
                           tx: bytes packets errs */
        size_t k = 0;
        while (k < ARRAY_LEN(v) && read_u64(&q, &v[k]))
            k++;
        if (name == colon || k < ARRAY_LEN(v)) {
            rc = FH_EMALFORMED;
            continue;
        }
        if (count == max) {
            rc = FH_ETOOBIG;
            break;
        }
        struct fh_health_iface *f = &out[count++];
        copy_cut(f->name, sizeof f->name, name, (size_t)(colon - name));
        f->ni = (Fh__NetInterface)FH__NET_INTERFACE__INIT;
        f->ni.name = f->name;
        f->ni.rx_bytes = v[0];
        f->ni.rx_packets = v[1];
        f->ni.rx_errors = v[2];
        f->ni.tx_bytes = v[8];
        f->ni.tx_packets = v[9];
        f->ni.tx_errors = v[10];
    }
    *n = count;
    return rc;
}

int fh_health_parse_os_release(const char *text, char *out, size_t out_len)
{
    static const char key[] = "PRETTY_NAME=";

    if (out_len == 0)
        return FH_EINVAL;
    out[0] = '\0';
    for (const char *p = text; *p; skip_line(&p)) {
        if (strncmp(p, key, sizeof key - 1) != 0)
            continue;
        const char *q = p + sizeof key - 1;
        char quote = (*q == '"' || *q == '\'') ? *q++ : '\0';
        size_t o = 0;
        for (; *q && *q != '\n' && (!quote || *q != quote); q++) {
            if (quote == '"' && *q == '\\' && q[1] && q[1] != '\n')
                q++;
            if (o + 1 < out_len)
                out[o++] = *q;
        }
        out[o] = '\0';
        return 0;
    }
    return FH_ENOTFOUND;
}

void fh_health_utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;

    while (*p) {
        unsigned char c = *p, lo = 0x80, hi = 0xBF; /* range of the second byte */
        size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
        else if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
        bool ok = len > 0;
        for (size_t i = 1; ok && i < len; i++) /* a NUL fails here: no read past it */
            ok = p[i] >= (i == 1 ? lo : 0x80) && p[i] <= (i == 1 ? hi : 0xBF);
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += len;
    }
}
