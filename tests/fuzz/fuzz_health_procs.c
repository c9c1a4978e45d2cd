/* fuzz_health_procs.c - /proc/net/tcp{,6} and /proc/PID/stat parsers (health_procs.h).
 *
 * The first byte picks: bit 0 clear, the listeners parser (bit 1: tcp6), filled in two
 * passes into one array as health.c does for tcp then tcp6; bit 0 set, the pid stat
 * parser with a comm buffer of a length taken from the byte's upper bits. Checked: at
 * most max listeners, no two alike, ports of 16 bits, strings NUL-terminated; comm
 * printable ASCII. */
#include "fuzz.h"

#include <ctype.h>

#include "health_procs.h"
#include "utf8_check.h"

#define FUZZ_MAX_TEXT (64 * 1024) /* what health.c reads of one /proc file */

static void check_listeners(const char *text, bool v6)
{
    static struct fh_health_listener l[FH_HEALTH_MAX_LISTENERS];
    size_t n = 0;
    memset(l, 0, sizeof l);
    (void)fh_health_parse_listeners(text, false, l, FH_HEALTH_MAX_LISTENERS, &n);
    (void)fh_health_parse_listeners(text, v6, l, FH_HEALTH_MAX_LISTENERS, &n);
    if (n > FH_HEALTH_MAX_LISTENERS)
        abort();
    for (size_t i = 0; i < n; i++) {
        fuzz_check_string(l[i].proto, sizeof l[i].proto, true);
        fuzz_check_string(l[i].address, sizeof l[i].address, true);
        if (l[i].port > 0xffff)
            abort();
        for (size_t j = 0; j < i; j++)
            if (l[j].port == l[i].port && strcmp(l[j].address, l[i].address) == 0 &&
                strcmp(l[j].proto, l[i].proto) == 0)
                abort();
    }
}

static void check_pid_stat(const char *text, size_t comm_len)
{
    char comm[FH_HEALTH_COMM_MAX];
    uint64_t ticks = 0, rss = 0;
    memset(comm, 'x', sizeof comm);
    if (fh_health_parse_pid_stat(text, comm, comm_len, &ticks, &rss) != 0)
        return;
    fuzz_check_string(comm, comm_len, true);
    for (const char *c = comm; *c; c++)
        if (!isprint((unsigned char)*c))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > FUZZ_MAX_TEXT)
        return 0;
    char *text = fuzz_text(data + 1, size - 1);
    if (!text)
        return 0;
    if (data[0] & 1)
        check_pid_stat(text, (size_t)(data[0] >> 1) % FH_HEALTH_COMM_MAX + 1);
    else
        check_listeners(text, data[0] & 2);
    free(text);
    return 0;
}
