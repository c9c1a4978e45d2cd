/* test_health_parse.c - tests of agent/probes/health_parse.c.
 *
 * The parsers get real /proc layouts (health_fixtures.h), then truncated, malformed and
 * oversized copies: a bad input gives an error or zero values, never a crash or a read
 * past the text (run under ASan/valgrind). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "health_fixtures.h"
#include "health_parse.h"

static void test_meminfo_fills_memory_and_swap(void **state)
{
    Fh__Health h = FH__HEALTH__INIT;
    (void)state;
    assert_int_equal(fh_health_parse_meminfo(MEMINFO, &h), 0);
    assert_int_equal(h.mem_total_kb, 16318480);
    assert_int_equal(h.mem_available_kb, 12000000);
    assert_int_equal(h.swap_total_kb, 2097148);
    assert_int_equal(h.swap_free_kb, 2000000);
}

static void test_meminfo_without_memtotal_is_malformed(void **state)
{
    Fh__Health h = FH__HEALTH__INIT;
    (void)state;
    assert_int_equal(fh_health_parse_meminfo("MemTotal: lots kB\nSwapFree: 5 kB\n", &h),
                     FH_EMALFORMED);
    assert_int_equal(h.mem_total_kb, 0);
    assert_int_equal(h.swap_free_kb, 5);
    assert_int_equal(fh_health_parse_meminfo("", &h), FH_EMALFORMED);
    assert_int_equal(fh_health_parse_meminfo("MemTotal: 99999999999999999999999 kB\n", &h),
                     FH_EMALFORMED);
}

static void test_stat_counts_cpus_and_leaves_out_guest_ticks(void **state)
{
    struct fh_health_cpu c;
    (void)state;
    assert_int_equal(fh_health_parse_stat(STAT1, &c), 0);
    assert_int_equal(c.cpus, 2);
    assert_int_equal(c.total, 1000);
    assert_int_equal(c.busy, 200);
}

static void test_cpu_pct_is_busy_share_between_two_samples(void **state)
{
    struct fh_health_cpu a, b;
    (void)state;
    assert_int_equal(fh_health_parse_stat(STAT1, &a), 0);
    assert_int_equal(fh_health_parse_stat(STAT2, &b), 0);
    assert_float_equal(fh_health_cpu_pct(&a, &b), 40.0, 1e-9);
}

/* Found by tests/fuzz (health_parse): 100 * busy / total rounded to just over 100. */
static void test_cpu_pct_never_exceeds_100_with_huge_counters(void **state)
{
    (void)state;
    struct fh_health_cpu prev = {.busy = 7, .total = 100},
                         cur = {.busy = 16251844674416790605u, .total = 16251844674416790610u};
    assert_true(fh_health_cpu_pct(&prev, &cur) <= 100.0);
    assert_true(fh_health_cpu_pct(NULL, &cur) <= 100.0);
}

static void test_cpu_pct_first_sample_or_reset_is_since_boot(void **state)
{
    struct fh_health_cpu zero = {0}, a, b;
    (void)state;
    fh_health_parse_stat(STAT1, &a);
    fh_health_parse_stat(STAT2, &b);
    assert_float_equal(fh_health_cpu_pct(NULL, &a), 20.0, 1e-9);
    assert_float_equal(fh_health_cpu_pct(&zero, &a), 20.0, 1e-9);
    assert_float_equal(fh_health_cpu_pct(&b, &a), 20.0, 1e-9); /* went backwards */
    assert_float_equal(fh_health_cpu_pct(&a, &a), 0.0, 1e-9);  /* within one tick */
}

static void test_stat_without_aggregate_line_is_malformed(void **state)
{
    struct fh_health_cpu c;
    (void)state;
    assert_int_equal(fh_health_parse_stat("", &c), FH_EMALFORMED);
    assert_int_equal(fh_health_parse_stat("cpu0 1 2 3 4\n", &c), FH_EMALFORMED);
    assert_int_equal(fh_health_parse_stat("cpu  12 3\n", &c), FH_EMALFORMED);
    assert_int_equal(fh_health_parse_stat("cpu  x y z w\n", &c), FH_EMALFORMED);
    /* four fields (old kernels) are enough */
    assert_int_equal(fh_health_parse_stat("cpu  1 2 3 4\ncpu0 1 2 3 4\n", &c), 0);
    assert_int_equal(c.total, 10);
    assert_int_equal(c.busy, 6);
}

static void test_stat_overflowing_ticks_are_malformed(void **state)
{
    struct fh_health_cpu c;
    (void)state;
    assert_int_equal(fh_health_parse_stat(
        "cpu  18446744073709551615 1 0 0\n", &c), FH_EMALFORMED);
}

static void test_loadavg_reads_three_loads_and_task_total(void **state)
{
    Fh__Health h = FH__HEALTH__INIT;
    (void)state;
    assert_int_equal(fh_health_parse_loadavg(LOADAVG, &h), 0);
    assert_float_equal(h.load1, 0.52, 1e-9);
    assert_float_equal(h.load5, 0.58, 1e-9);
    assert_float_equal(h.load15, 1.59, 1e-9);
    assert_int_equal(h.procs, 345);
}

static void test_loadavg_garbage_is_malformed_and_leaves_loads_zero(void **state)
{
    Fh__Health h = FH__HEALTH__INIT;
    (void)state;
    assert_int_equal(fh_health_parse_loadavg("0.5 0.6\n", &h), FH_EMALFORMED);
    assert_int_equal(fh_health_parse_loadavg("-1 0.6 0.7 1/2 3\n", &h), FH_EMALFORMED);
    assert_int_equal(fh_health_parse_loadavg("nan inf 1\n", &h), FH_EMALFORMED);
    assert_float_equal(h.load1, 0.0, 0.0);
    assert_int_equal(fh_health_parse_loadavg("0.1 0.2 0.3\n", &h), 0); /* no tasks field */
    assert_int_equal(h.procs, 0);
}

static void test_uptime_keeps_whole_seconds(void **state)
{
    Fh__Health h = FH__HEALTH__INIT;
    (void)state;
    assert_int_equal(fh_health_parse_uptime(UPTIME, &h), 0);
    assert_int_equal(h.uptime_s, 12345);
    assert_int_equal(fh_health_parse_uptime(" \n", &h), FH_EMALFORMED);
}

static void test_netdev_reads_three_interfaces(void **state)
{
    struct fh_health_iface ifs[8];
    size_t n = 99;
    (void)state;
    assert_int_equal(fh_health_parse_netdev(NETDEV, ifs, 8, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(ifs[0].ni.name, "lo");
    assert_string_equal(ifs[1].ni.name, "eth0");
    assert_int_equal(ifs[1].ni.rx_bytes, 28200893);
    assert_int_equal(ifs[1].ni.rx_packets, 768);
    assert_int_equal(ifs[1].ni.rx_errors, 1);
    assert_int_equal(ifs[1].ni.tx_bytes, 37329);
    assert_int_equal(ifs[1].ni.tx_packets, 413);
    assert_int_equal(ifs[1].ni.tx_errors, 2);
    assert_string_equal(ifs[2].ni.name, "wlp2s0");
    assert_int_equal(ifs[2].ni.tx_errors, 3);
}

static void test_netdev_short_line_is_skipped_and_reported(void **state)
{
    struct fh_health_iface ifs[8];
    size_t n;
    (void)state;
    assert_int_equal(fh_health_parse_netdev("eth0: 1 2 3\n: 1 2 3 4 5 6 7 8 9 10 11\n"
                                            "eth1: 1 2 3 4 5 6 7 8 9 10 11\n", ifs, 8, &n),
                     FH_EMALFORMED);
    assert_int_equal(n, 1);
    assert_string_equal(ifs[0].ni.name, "eth1");
}

static void test_netdev_caps_count_and_cuts_long_names(void **state)
{
    struct fh_health_iface ifs[2];
    char text[256];
    size_t n;
    (void)state;
    snprintf(text, sizeof text, "%s: 1 2 3 4 5 6 7 8 9 10 11\n",
             "averyveryveryveryverylonginterfacename");
    assert_int_equal(fh_health_parse_netdev(NETDEV, ifs, 2, &n), FH_ETOOBIG);
    assert_int_equal(n, 2);
    assert_int_equal(fh_health_parse_netdev(text, ifs, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(strlen(ifs[0].name), FH_HEALTH_IFNAME_MAX - 1);
}

static void test_mounts_skip_pseudo_dedup_and_decode_escapes(void **state)
{
    static struct fh_health_mount m[8];
    size_t n;
    (void)state;
    assert_int_equal(fh_health_parse_mounts(MOUNTS, false, m, 8, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(m[0].fs.mount, "/");
    assert_string_equal(m[0].fs.device, "/dev/sda1");
    assert_string_equal(m[0].fs.fstype, "ext4");
    assert_string_equal(m[1].fs.mount, "/mnt/my disk");
    assert_string_equal(m[2].fs.fstype, "overlay");
}

static void test_mounts_include_pseudo_when_asked(void **state)
{
    static struct fh_health_mount m[16];
    size_t n;
    (void)state;
    assert_int_equal(fh_health_parse_mounts(MOUNTS, true, m, 16, &n), 0);
    assert_int_equal(n, 8); /* nine lines, "/" twice */
    assert_string_equal(m[0].fs.fstype, "proc");
}

static void test_mounts_last_mount_on_a_point_wins(void **state)
{
    static struct fh_health_mount m[4];
    size_t n;
    (void)state;
    assert_int_equal(fh_health_parse_mounts("/dev/a /data ext4 rw 0 0\n"
                                            "/dev/c /data xfs rw 0 0\n", false, m, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].fs.device, "/dev/c");
    assert_string_equal(m[0].fs.fstype, "xfs");
    /* a pseudo filesystem mounted over a real one hides it */
    assert_int_equal(fh_health_parse_mounts("/dev/a /data ext4 rw 0 0\n/dev/b /b ext4 rw\n"
                                            "tmpfs /data tmpfs rw 0 0\n", false, m, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].fs.mount, "/b");
    assert_string_equal(m[0].fs.device, "/dev/b"); /* pointers follow the move */
}

static void test_mounts_cap_count_and_skip_too_long_points(void **state)
{
    static struct fh_health_mount m[2];
    static char text[FH_HEALTH_MOUNT_MAX + 128];
    size_t n;
    (void)state;
    assert_int_equal(fh_health_parse_mounts("/dev/a /a ext4\n/dev/b /b ext4\n/dev/c /c ext4\n"
                                            "/dev/z /a xfs\n", false, m, 2, &n), FH_ETOOBIG);
    assert_int_equal(n, 2);
    assert_string_equal(m[0].fs.fstype, "xfs"); /* over-mounted after the cap */
    memset(text, 'x', sizeof text);
    memcpy(text, "/dev/a /", 8);
    strcpy(text + FH_HEALTH_MOUNT_MAX + 8, " ext4\n/dev/b /b ext4\n");
    assert_int_equal(fh_health_parse_mounts(text, false, m, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].fs.mount, "/b");
}

static void test_mounts_odd_escapes_and_short_lines(void **state)
{
    static struct fh_health_mount m[4];
    size_t n;
    (void)state;
    assert_int_equal(fh_health_parse_mounts("/dev/a /a\\134b\\011c ext4\n/dev/b /z\\000\\04 ext4\n"
                                            "/dev/c /only-two\n", false, m, 4, &n),
                     FH_EMALFORMED);
    assert_int_equal(n, 2);
    assert_string_equal(m[0].fs.mount, "/a\\b\tc");
    assert_string_equal(m[1].fs.mount, "/z\\000\\04");
}

static void test_pseudo_fs_table(void **state)
{
    (void)state;
    assert_true(fh_health_fs_is_pseudo("cgroup2"));
    assert_true(fh_health_fs_is_pseudo("tmpfs"));
    assert_true(fh_health_fs_is_pseudo("squashfs"));
    assert_false(fh_health_fs_is_pseudo("overlay"));
    assert_false(fh_health_fs_is_pseudo("ext4"));
    assert_false(fh_health_fs_is_pseudo("cgrou"));
}

static void test_os_release_pretty_name_is_unquoted(void **state)
{
    char os[64], small[7];
    (void)state;
    assert_int_equal(fh_health_parse_os_release(OS_RELEASE, os, sizeof os), 0);
    assert_string_equal(os, "Debian GNU/Linux 12 (bookworm)");
    assert_int_equal(fh_health_parse_os_release("PRETTY_NAME=Plain Linux\n", os, sizeof os), 0);
    assert_string_equal(os, "Plain Linux");
    assert_int_equal(fh_health_parse_os_release("PRETTY_NAME=\"a \\\"q\\\"\n", os, sizeof os),
                     0);
    assert_string_equal(os, "a \"q\"");
    assert_int_equal(fh_health_parse_os_release(OS_RELEASE, small, sizeof small), 0);
    assert_string_equal(small, "Debian");
    assert_int_equal(fh_health_parse_os_release("ID=x\n", os, sizeof os), FH_ENOTFOUND);
    assert_string_equal(os, "");
}

static void test_utf8_sanitize_replaces_invalid_bytes_only(void **state)
{
    char s[] = "ok \xe7\x83\xbd\xe7\x81\xab \xff\xc0\xaf \xed\xa0\x80 \xe7\x83";
    (void)state;
    fh_health_utf8_sanitize(s);
    assert_string_equal(s, "ok 烽火 ??? ??? ??");
}

/* Every prefix of every fixture, in a buffer of exactly its size (ASan catches a read
 * past the NUL), through every parser: errors are fine, crashes and over-reads are not. */
static void test_parsers_survive_every_truncation(void **state)
{
    static const char *const fixtures[] = {MEMINFO, STAT1, LOADAVG, UPTIME, NETDEV, MOUNTS,
                                           OS_RELEASE};
    static struct fh_health_mount m[FH_HEALTH_MAX_FS];
    static struct fh_health_iface ifs[FH_HEALTH_MAX_IFACES];
    (void)state;
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        size_t len = strlen(fixtures[f]);
        for (size_t cut = 0; cut <= len; cut++) {
            char *t = malloc(cut + 1), os[32];
            Fh__Health h = FH__HEALTH__INIT;
            struct fh_health_cpu c;
            size_t n;
            assert_non_null(t);
            memcpy(t, fixtures[f], cut);
            t[cut] = '\0';
            fh_health_parse_meminfo(t, &h);
            fh_health_parse_stat(t, &c);
            fh_health_parse_loadavg(t, &h);
            fh_health_parse_uptime(t, &h);
            fh_health_parse_netdev(t, ifs, FH_HEALTH_MAX_IFACES, &n);
            assert_true(n <= FH_HEALTH_MAX_IFACES);
            fh_health_parse_mounts(t, true, m, FH_HEALTH_MAX_FS, &n);
            assert_true(n <= FH_HEALTH_MAX_FS);
            fh_health_parse_os_release(t, os, sizeof os);
            fh_health_utf8_sanitize(t);
            free(t);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meminfo_fills_memory_and_swap),
        cmocka_unit_test(test_meminfo_without_memtotal_is_malformed),
        cmocka_unit_test(test_stat_counts_cpus_and_leaves_out_guest_ticks),
        cmocka_unit_test(test_cpu_pct_is_busy_share_between_two_samples),
        cmocka_unit_test(test_cpu_pct_first_sample_or_reset_is_since_boot),
        cmocka_unit_test(test_cpu_pct_never_exceeds_100_with_huge_counters),
        cmocka_unit_test(test_stat_without_aggregate_line_is_malformed),
        cmocka_unit_test(test_stat_overflowing_ticks_are_malformed),
        cmocka_unit_test(test_loadavg_reads_three_loads_and_task_total),
        cmocka_unit_test(test_loadavg_garbage_is_malformed_and_leaves_loads_zero),
        cmocka_unit_test(test_uptime_keeps_whole_seconds),
        cmocka_unit_test(test_netdev_reads_three_interfaces),
        cmocka_unit_test(test_netdev_short_line_is_skipped_and_reported),
        cmocka_unit_test(test_netdev_caps_count_and_cuts_long_names),
        cmocka_unit_test(test_mounts_skip_pseudo_dedup_and_decode_escapes),
        cmocka_unit_test(test_mounts_include_pseudo_when_asked),
        cmocka_unit_test(test_mounts_last_mount_on_a_point_wins),
        cmocka_unit_test(test_mounts_cap_count_and_skip_too_long_points),
        cmocka_unit_test(test_mounts_odd_escapes_and_short_lines),
        cmocka_unit_test(test_pseudo_fs_table),
        cmocka_unit_test(test_os_release_pretty_name_is_unquoted),
        cmocka_unit_test(test_utf8_sanitize_replaces_invalid_bytes_only),
        cmocka_unit_test(test_parsers_survive_every_truncation),
    };
    return cmocka_run_group_tests_name("health_parse", tests, NULL, NULL);
}
