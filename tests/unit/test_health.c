/* test_health.c - tests of agent/probes/health.c, the health probe.
 *
 * The probe runs against a fixture proc root written to a temp dir (exact values) and
 * against the real /proc (plausible values), with a fake sink that packs what it is
 * given, so each test unpacks the report and proves it round-trips. The parsers have
 * their own tests (test_health_parse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "health_fixtures.h"
#include "health_parse.h"
#include "probe.h"
#include "probes.h"

struct fake_sink {
    struct fh_probe_sink sink; /* first: emit gets a pointer to it */
    int calls;
    int result;                /* what emit returns */
    Fh__Kind kind;
    uint8_t *packed;
    size_t len;
};

static int fake_emit(struct fh_probe_sink *s, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct fake_sink *f = (struct fake_sink *)s;
    f->calls++;
    f->kind = kind;
    if (body->descriptor != &fh__health__descriptor)
        return FH_EINVAL;
    free(f->packed);
    f->len = fh__health__get_packed_size((const Fh__Health *)body);
    f->packed = malloc(f->len + 1);
    assert_non_null(f->packed);
    assert_int_equal(fh__health__pack((const Fh__Health *)body, f->packed), f->len);
    return f->result;
}

/* The last report the fake sink packed, unpacked (free with fh__health__free_unpacked). */
static Fh__Health *last_report(const struct fake_sink *f)
{
    Fh__Health *h = fh__health__unpack(NULL, f->len, f->packed);
    assert_non_null(h);
    return h;
}

/* A config buffer for the probe with every key at its table default, the way the agent's
 * loader leaves it, then proc_root set (NULL: keep "/proc"). Free with free(). */
static void *probe_conf(const char *proc_root, bool enabled)
{
    const struct fh_probe *p = &fh_probe_health;
    char *conf = calloc(1, p->conf_size);
    assert_non_null(conf);
    for (size_t i = 0; i < p->nkeys; i++) {
        const struct fh_config_key *k = &p->keys[i];
        const char *v = k->def;
        if (proc_root && strcmp(k->name, "proc_root") == 0)
            v = proc_root;
        if (strcmp(k->name, "enabled") == 0)
            v = enabled ? "true" : "false";
        if (k->type == FH_CONF_BOOL)
            *(bool *)(conf + k->offset) = strcmp(v, "true") == 0;
        else if (k->type == FH_CONF_INT)
            *(int64_t *)(conf + k->offset) = strtoll(v, NULL, 10);
        else {
            assert_true(strlen(v) < k->size);
            strcpy(conf + k->offset, v);
        }
    }
    return conf;
}

static void test_key_table_is_complete_and_fits_conf(void **state)
{
    const struct fh_probe *p = &fh_probe_health;
    (void)state;
    assert_string_equal(p->name, "health");
    assert_int_equal(p->nkeys, 4);
    for (size_t i = 0; i < p->nkeys; i++) {
        assert_string_equal(p->keys[i].section, "health");
        assert_non_null(p->keys[i].def);
        assert_non_null(p->keys[i].help);
        assert_true(p->keys[i].offset + (p->keys[i].size ? p->keys[i].size : 1) <= p->conf_size);
    }
}

static void test_probe_list_holds_health_once(void **state)
{
    (void)state;
    int seen = 0;
    for (size_t i = 0; fh_probes[i]; i++)
        seen += fh_probes[i] == &fh_probe_health;
    assert_int_equal(seen, 1);
    assert_ptr_equal(fh_probes[0], &fh_probe_health);
}

static void test_init_disabled_is_notfound_and_bad_root_is_config_error(void **state)
{
    void *st = NULL, *off = probe_conf(NULL, false), *bad = probe_conf("/no/such/dir", true);
    uint32_t iv = 0;
    (void)state;
    assert_int_equal(fh_probe_health.init(off, &st, &iv), FH_ENOTFOUND);
    assert_int_equal(fh_probe_health.init(bad, &st, &iv), FH_ECONFIG);
    assert_null(st);
    free(off);
    free(bad);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_probe_reads_fixture_proc_root(void **state)
{
    static const char *const files[] = {"stat", "meminfo", "loadavg", "uptime",
                                        "self/mounts", "net/dev"};
    static const char *const dirs[] = {"self", "net", "1", "42"};
    char root[] = "/tmp/fh_health_XXXXXX", path[512];
    struct fake_sink f = {.sink = {.emit = fake_emit}};
    uint32_t iv = 0;
    void *st = NULL, *conf;
    Fh__Health *h;
    (void)state;
    assert_non_null(mkdtemp(root));
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        assert_int_equal(mkdir(path, 0700), 0);
    }
    write_file(root, "stat", STAT1);
    write_file(root, "meminfo", MEMINFO);
    write_file(root, "loadavg", LOADAVG);
    write_file(root, "uptime", UPTIME);
    write_file(root, "net/dev", NETDEV);
    write_file(root, "self/mounts", "/dev/root / ext4 rw 0 0\nproc /proc proc rw 0 0\n"
                                    "/dev/gone /no/such/fh/mount ext4 rw 0 0\n");
    conf = probe_conf(root, true);
    assert_int_equal(fh_probe_health.init(conf, &st, &iv), 0);
    assert_int_equal(iv, 10);

    assert_int_equal(fh_probe_health.collect(st, &f.sink), 0);
    h = last_report(&f);
    assert_int_equal(h->interval_s, 10);
    assert_float_equal(h->cpu_pct, 20.0, 1e-9); /* since boot */
    assert_int_equal(h->cpus, 2);
    assert_int_equal(h->mem_total_kb, 16318480);
    assert_int_equal(h->swap_free_kb, 2000000);
    assert_float_equal(h->load15, 1.59, 1e-9);
    assert_int_equal(h->uptime_s, 12345);
    assert_int_equal(h->procs, 2); /* dirs 1 and 42, not loadavg's 345 */
    assert_int_equal(h->n_filesystems, 1); /* proc is pseudo, the third fails statvfs */
    assert_string_equal(h->filesystems[0]->mount, "/");
    assert_true(h->filesystems[0]->total_bytes > 0);
    assert_int_equal(h->n_interfaces, 3);
    assert_string_equal(h->interfaces[2]->name, "wlp2s0");
    fh__health__free_unpacked(h, NULL);

    write_file(root, "stat", STAT2);
    assert_int_equal(fh_probe_health.collect(st, &f.sink), 0);
    h = last_report(&f);
    assert_float_equal(h->cpu_pct, 40.0, 1e-9); /* since the previous collect */
    fh__health__free_unpacked(h, NULL);

    /* every source gone: the report still goes, with zeros */
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, files[i]);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(fh_probe_health.collect(st, &f.sink), 0);
    h = last_report(&f);
    assert_int_equal(h->mem_total_kb, 0);
    assert_int_equal(h->n_filesystems, 0);
    assert_int_equal(h->n_interfaces, 0);
    assert_int_equal(f.calls, 3);
    fh__health__free_unpacked(h, NULL);

    fh_probe_health.destroy(st);
    for (size_t i = 4; i-- > 0;) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        assert_int_equal(rmdir(path), 0);
    }
    assert_int_equal(rmdir(root), 0);
    free(conf);
    free(f.packed);
}

static void test_probe_reports_real_proc_and_round_trips(void **state)
{
    struct fake_sink f = {.sink = {.emit = fake_emit}};
    void *st = NULL, *conf = probe_conf(NULL, true);
    uint32_t iv = 0;
    Fh__Health *h;
    (void)state;
    assert_int_equal(fh_probe_health.init(conf, &st, &iv), 0);
    assert_int_equal(fh_probe_health.collect(st, &f.sink), 0);
    assert_int_equal(fh_probe_health.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);
    assert_int_equal(f.kind, FH__KIND__KIND_HEALTH);
    h = last_report(&f);
    assert_true(h->mem_total_kb > 0);
    assert_true(h->mem_available_kb <= h->mem_total_kb);
    assert_true(h->cpus >= 1);
    assert_true(h->cpu_pct >= 0.0 && h->cpu_pct <= 100.0);
    assert_true(h->procs >= 1);
    assert_true(h->uptime_s > 0);
    /* A chroot or a container may show no real filesystem and only "lo": what is
     * reported must still be consistent. */
    for (size_t i = 0; i < h->n_filesystems; i++) {
        assert_true(h->filesystems[i]->mount[0] == '/');
        assert_true(h->filesystems[i]->avail_bytes <= h->filesystems[i]->total_bytes);
    }
    assert_true(h->n_interfaces >= 1);
    assert_true(h->hostname[0] != '\0');
    assert_true(h->kernel[0] != '\0');
    /* packing what was unpacked gives the same bytes */
    assert_int_equal(fh__health__get_packed_size(h), f.len);
    uint8_t *again = malloc(f.len + 1);
    assert_non_null(again);
    fh__health__pack(h, again);
    assert_memory_equal(again, f.packed, f.len);
    print_message("real /proc: cpu %.1f%% of %u, mem %llu/%llu kB, swap %llu/%llu kB, "
                  "load %.2f %.2f %.2f, up %llu s, %u procs, %zu fs (first %s %s), %zu ifaces, "
                  "host %s, kernel %s, os \"%s\", %zu bytes\n",
                  h->cpu_pct, h->cpus, (unsigned long long)h->mem_available_kb,
                  (unsigned long long)h->mem_total_kb, (unsigned long long)h->swap_free_kb,
                  (unsigned long long)h->swap_total_kb, h->load1, h->load5, h->load15,
                  (unsigned long long)h->uptime_s, h->procs, h->n_filesystems,
                  h->n_filesystems ? h->filesystems[0]->mount : "-",
                  h->n_filesystems ? h->filesystems[0]->fstype : "-", h->n_interfaces,
                  h->hostname, h->kernel, h->os, f.len);
    free(again);
    fh__health__free_unpacked(h, NULL);
    fh_probe_health.destroy(st);
    free(conf);
    free(f.packed);
}

static void test_collect_returns_the_sinks_error(void **state)
{
    struct fake_sink f = {.sink = {.emit = fake_emit}, .result = FH_EFULL};
    void *st = NULL, *conf = probe_conf(NULL, true);
    uint32_t iv;
    (void)state;
    assert_int_equal(fh_probe_health.init(conf, &st, &iv), 0);
    assert_int_equal(fh_probe_health.collect(st, &f.sink), FH_EFULL);
    fh_probe_health.destroy(st);
    free(conf);
    free(f.packed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_table_is_complete_and_fits_conf),
        cmocka_unit_test(test_probe_list_holds_health_once),
        cmocka_unit_test(test_init_disabled_is_notfound_and_bad_root_is_config_error),
        cmocka_unit_test(test_probe_reads_fixture_proc_root),
        cmocka_unit_test(test_probe_reports_real_proc_and_round_trips),
        cmocka_unit_test(test_collect_returns_the_sinks_error),
    };
    return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
