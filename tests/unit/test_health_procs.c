/* test_health_procs.c - listening sockets and top processes of the health probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "health_procs.h"

static const char tcp4[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
    "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n"
    "   2: 0100007F:0016 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1\n"
    "   3: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n"
    "   4: garbage\n";

static const char tcp6[] =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue\n"
    "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000\n"
    "   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000\n";

static void test_listeners_are_the_listen_sockets_once(void **state)
{
    (void)state;
    struct fh_health_listener l[8];
    size_t n = 0;
    int bad = fh_health_parse_listeners(tcp4, false, l, 8, &n);
    assert_int_equal(bad, 1);              /* the garbage line */
    assert_int_equal(n, 2);                /* the established one and the repeat are not */
    assert_string_equal(l[0].proto, "tcp");
    assert_string_equal(l[0].address, "127.0.0.1");
    assert_int_equal(l[0].port, 631);
    assert_string_equal(l[1].address, "0.0.0.0");
    assert_int_equal(l[1].port, 22);
    assert_int_equal(fh_health_parse_listeners(tcp6, true, l, 8, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(l[2].proto, "tcp6");
    assert_string_equal(l[2].address, "::");
    assert_int_equal(l[2].port, 80);
    assert_string_equal(l[3].address, "::1");
    assert_int_equal(l[3].port, 8080);
}

static void test_listeners_stop_at_the_bound(void **state)
{
    (void)state;
    struct fh_health_listener l[1];
    size_t n = 0;
    fh_health_parse_listeners(tcp4, false, l, 1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(fh_health_parse_listeners("", false, l, 1, &n), 0);
    assert_int_equal(fh_health_parse_listeners("header only", false, l, 1, &n), 0);
}

/* Found by tests/fuzz (health_procs): sscanf's %x took "-277" as 4294966665. */
static void test_listeners_refuse_a_signed_port(void **state)
{
    (void)state;
    struct fh_health_listener l[4];
    size_t n = 0;
    int bad = fh_health_parse_listeners(
        "header\n   0: 0100007F:-277 00000000:0000 0A 0\n"
        "   1: 0100007F:FFFF 00000000:0000 0A 0\n", false, l, 4, &n);
    assert_int_equal(bad, 1);
    assert_int_equal(n, 1);
    assert_int_equal(l[0].port, 65535);
}

static void test_pid_stat_reads_a_name_with_spaces_and_parens(void **state)
{
    (void)state;
    const char *line = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 "
                       "250 50 0 0 20 0 1 0 100 1000000 300 18446744073709551615\n";
    char comm[32];
    uint64_t ticks, rss;
    assert_int_equal(fh_health_parse_pid_stat(line, comm, sizeof comm, &ticks, &rss), 0);
    assert_string_equal(comm, "my (odd) name");
    assert_int_equal(ticks, 300);
    assert_int_equal(rss, 300);
    assert_int_equal(fh_health_parse_pid_stat("1234 (cut", comm, sizeof comm, &ticks, &rss),
                     FH_EMALFORMED);
    assert_int_equal(fh_health_parse_pid_stat("1 (x) S 1 2 3", comm, sizeof comm, &ticks, &rss),
                     FH_EMALFORMED);
}

static void test_top_processes_of_this_host_are_sorted(void **state)
{
    (void)state;
    struct fh_health_procs *ps = calloc(1, sizeof *ps);
    struct fh_health_top cpu[FH_HEALTH_TOP], rss[FH_HEALTH_TOP];
    size_t ncpu, nrss;
    fh_health_procs_sample(ps, "/proc", 1000, cpu, &ncpu, rss, &nrss);
    assert_int_equal(ncpu, 0);                /* no CPU % without a previous sample */
    assert_true(nrss >= 1);                   /* this test itself at least */
    /* Use some CPU: 50 ms of it (a few clock ticks), however loaded the machine is,
     * bounded by 10 s of wall time. */
    clock_t c0 = clock();
    time_t t0 = time(NULL);
    while (clock() - c0 < CLOCKS_PER_SEC / 20 && time(NULL) - t0 < 10)
        for (volatile unsigned long spin = 0; spin < 100000ul; spin++)
            ;
    fh_health_procs_sample(ps, "/proc", 1300, cpu, &ncpu, rss, &nrss);
    assert_true(nrss >= 1 && nrss <= FH_HEALTH_TOP);
    for (size_t i = 1; i < nrss; i++)
        assert_true(rss[i - 1].rss_kb >= rss[i].rss_kb);
    for (size_t i = 1; i < ncpu; i++)
        assert_true(cpu[i - 1].cpu_pct >= cpu[i].cpu_pct);
    /* The spinning test is in the list, or the list is full of processes at least as
     * busy (another busy process on a loaded machine). */
    bool me = false;
    for (size_t i = 0; i < ncpu; i++)
        me |= cpu[i].pid == (uint32_t)getpid() && cpu[i].cpu_pct > 0;
    assert_true(me || ncpu == FH_HEALTH_TOP);
    free(ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listeners_are_the_listen_sockets_once),
        cmocka_unit_test(test_listeners_stop_at_the_bound),
        cmocka_unit_test(test_listeners_refuse_a_signed_port),
        cmocka_unit_test(test_pid_stat_reads_a_name_with_spaces_and_parens),
        cmocka_unit_test(test_top_processes_of_this_host_are_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
