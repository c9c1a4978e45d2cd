/* fuzz_health_parse.c - the /proc text parsers of the health probe (health_parse.h).
 *
 * The first byte picks the parser, the rest is the file's text (cut at
 * FH_HEALTH_MAX_FILE_BYTES and at a NUL, as the probe reads it). Beyond "no crash" it
 * checks each parser's contract: counts within the caller's max, strings NUL-terminated
 * inside their arrays and pointed at by the message fields, UTF-8 after
 * fh_health_utf8_sanitize() (what health.c does before a report is encoded), a CPU share
 * within 0..100. */
#include "fuzz.h"

#include <math.h>

#include "health_parse.h"
#include "utf8_check.h"

enum { P_STAT, P_MEMINFO, P_LOADAVG, P_UPTIME, P_MOUNTS, P_MOUNTS_PSEUDO, P_NETDEV,
       P_OS_RELEASE, P_SANITIZE, P_COUNT };

static void check_stat(const char *text)
{
    struct fh_health_cpu cur, prev = {.busy = 7, .total = 100, .cpus = 1};
    if (fh_health_parse_stat(text, &cur) != 0)
        return;
    if (cur.busy > cur.total)
        abort();
    double a = fh_health_cpu_pct(NULL, &cur), b = fh_health_cpu_pct(&prev, &cur);
    if (!(a >= 0 && a <= 100) || !(b >= 0 && b <= 100))
        abort();
}

static void check_mounts(const char *text, bool pseudo)
{
    static struct fh_health_mount m[FH_HEALTH_MAX_FS];
    size_t n = 0;
    memset(m, 0, sizeof m);
    (void)fh_health_parse_mounts(text, pseudo, m, FH_HEALTH_MAX_FS, &n);
    if (n > FH_HEALTH_MAX_FS)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (m[i].fs.mount != m[i].mount || m[i].fs.fstype != m[i].fstype ||
            m[i].fs.device != m[i].device)
            abort();
        fuzz_check_string(m[i].mount, sizeof m[i].mount, false);
        fuzz_check_string(m[i].device, sizeof m[i].device, false);
        fuzz_check_string(m[i].fstype, sizeof m[i].fstype, false);
        if (!pseudo && fh_health_fs_is_pseudo(m[i].fstype))
            abort();
        fh_health_utf8_sanitize(m[i].mount);
        fh_health_utf8_sanitize(m[i].device);
        fh_health_utf8_sanitize(m[i].fstype);
        fuzz_check_string(m[i].mount, sizeof m[i].mount, true);
        fuzz_check_string(m[i].device, sizeof m[i].device, true);
        fuzz_check_string(m[i].fstype, sizeof m[i].fstype, true);
    }
}

static void check_netdev(const char *text)
{
    static struct fh_health_iface ifs[FH_HEALTH_MAX_IFACES];
    size_t n = 0;
    memset(ifs, 0, sizeof ifs);
    (void)fh_health_parse_netdev(text, ifs, FH_HEALTH_MAX_IFACES, &n);
    if (n > FH_HEALTH_MAX_IFACES)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (ifs[i].ni.name != ifs[i].name)
            abort();
        fuzz_check_string(ifs[i].name, sizeof ifs[i].name, false);
        fh_health_utf8_sanitize(ifs[i].name);
        fuzz_check_string(ifs[i].name, sizeof ifs[i].name, true);
    }
}

static void check_os_release(const char *text)
{
    char os[128];
    memset(os, 'x', sizeof os);
    int rc = fh_health_parse_os_release(text, os, sizeof os);
    if (rc != 0 && os[0] != 0)
        abort(); /* not found: "" */
    fuzz_check_string(os, sizeof os, false);
    fh_health_utf8_sanitize(os);
    fuzz_check_string(os, sizeof os, true);
    char one[1] = {'x'};
    (void)fh_health_parse_os_release(text, one, sizeof one);
    if (one[0] != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > FH_HEALTH_MAX_FILE_BYTES)
        return 0;
    int which = data[0] % P_COUNT;
    char *text = fuzz_text(data + 1, size - 1);
    if (!text)
        return 0;
    Fh__Health h = FH__HEALTH__INIT;
    switch (which) {
    case P_STAT:
        check_stat(text);
        break;
    case P_MEMINFO:
        (void)fh_health_parse_meminfo(text, &h);
        break;
    case P_LOADAVG:
        if (fh_health_parse_loadavg(text, &h) == 0 &&
            (!isfinite(h.load1) || !isfinite(h.load5) || !isfinite(h.load15)))
            abort();
        break;
    case P_UPTIME:
        (void)fh_health_parse_uptime(text, &h);
        break;
    case P_MOUNTS:
    case P_MOUNTS_PSEUDO:
        check_mounts(text, which == P_MOUNTS_PSEUDO);
        break;
    case P_NETDEV:
        check_netdev(text);
        break;
    case P_OS_RELEASE:
        check_os_release(text);
        break;
    case P_SANITIZE:
        fh_health_utf8_sanitize(text);
        if (!fuzz_utf8_ok(text))
            abort();
        break;
    }
    free(text);
    return 0;
}
