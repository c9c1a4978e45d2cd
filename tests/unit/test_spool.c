/* test_spool.c - the spool probe takes valid detections once, in name order, and moves
 * every malformed file aside without blocking the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "tmpdir.h"
#include "probes.h"

struct fake {
    struct fh_probe_sink sink;
    int calls;
    int fail;               /* emit returns this when set */
    char classes[8][16];
    char summaries[8][64];
    size_t facts[8];
};

static int fake_emit(struct fh_probe_sink *sink, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct fake *f = (struct fake *)sink;
    if (f->fail)
        return f->fail;
    assert_int_equal(kind, FH__KIND__KIND_DETECTION);
    const Fh__Detection *d = (const Fh__Detection *)body;
    snprintf(f->classes[f->calls], sizeof f->classes[0], "%s", d->class_code);
    snprintf(f->summaries[f->calls], sizeof f->summaries[0], "%s", d->summary);
    f->facts[f->calls] = d->n_facts;
    f->calls++;
    return 0;
}


static void put(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", fh_test_dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static bool exists(const char *rel)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", fh_test_dir, rel);
    return access(path, F_OK) == 0;
}

/* The probe configured on dir, from its key table's defaults. */
static void *start(void)
{
    char conf[1024] = {0};
    const struct fh_probe *p = &fh_probe_spool;
    assert_true(p->conf_size <= sizeof conf);
    snprintf(conf + p->keys[0].offset, p->keys[0].size, "%s", fh_test_dir);
    *(int64_t *)(conf + p->keys[1].offset) = 1;
    void *state = NULL;
    uint32_t iv = 0;
    assert_int_equal(p->init(conf, &state, &iv), 0);
    assert_int_equal(iv, 1);
    return state;
}

static void test_spool_takes_valid_detections_in_name_order(void **state)
{
    (void)state;
    put("2.json", "{\"kind\":\"detection\",\"class\":\"MI.CVI\",\"summary\":\"病毒\"}");
    put("1.json", "{\"kind\":\"detection\",\"class\":\"IDI.IAI\",\"summary\":\"首页被篡改\","
                  "\"facts\":{\"path\":\"/var/www/index.html\",\"sha256\":\"ab\"}}");
    put(".tmp-3", "{\"kind\":\"detection\"");   /* being written: not taken */
    void *st = start();
    struct fake f = {.sink.emit = fake_emit};
    assert_int_equal(fh_probe_spool.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);
    assert_string_equal(f.classes[0], "IDI.IAI");
    assert_int_equal(f.facts[0], 2);
    assert_string_equal(f.classes[1], "MI.CVI");
    assert_false(exists("1.json"));
    assert_false(exists("2.json"));
    assert_true(exists(".tmp-3"));
    assert_int_equal(fh_probe_spool.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);   /* taken once */
    fh_probe_spool.destroy(st);
}

static void test_spool_moves_malformed_files_aside_and_goes_on(void **state)
{
    (void)state;
    put("1.json", "not json");
    put("2.json", "{\"kind\":\"detection\",\"class\":\"XX.YY\",\"summary\":\"x\"}");
    put("3.json", "{\"kind\":\"health\",\"class\":\"MI\",\"summary\":\"x\"}");
    put("4.json", "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"\"}");
    put("5.json", "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"facts\":{\"a\":1}}");
    put("6.json", "{\"kind\":\"detection\",\"class\":\"NAI.DOSAI\",\"summary\":\"ok\"}");
    char *big = malloc(70 * 1024);
    memset(big, ' ', 70 * 1024 - 1);
    big[70 * 1024 - 1] = 0;
    put("7.json", big);
    free(big);
    void *st = start();
    struct fake f = {.sink.emit = fake_emit};
    assert_int_equal(fh_probe_spool.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.classes[0], "NAI.DOSAI");
    const char *bad[] = {"1.json", "2.json", "3.json", "4.json", "5.json", "7.json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "rejected/%s", bad[i]);
        assert_true(exists(rel));
        assert_false(exists(bad[i]));
    }
    fh_probe_spool.destroy(st);
}

static void test_spool_keeps_the_file_when_it_cannot_be_committed(void **state)
{
    (void)state;
    put("1.json", "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\"}");
    void *st = start();
    struct fake f = {.sink.emit = fake_emit, .fail = FH_EFULL};
    assert_int_equal(fh_probe_spool.collect(st, &f.sink), FH_EFULL);
    assert_true(exists("1.json"));
    f.fail = 0;
    assert_int_equal(fh_probe_spool.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);
    assert_false(exists("1.json"));
    fh_probe_spool.destroy(st);
}

static void test_spool_without_a_dir_is_off(void **state)
{
    (void)state;
    char conf[1024] = {0};
    void *st = NULL;
    uint32_t iv;
    assert_int_equal(fh_probe_spool.init(conf, &st, &iv), FH_ENOTFOUND);
    assert_null(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_spool_takes_valid_detections_in_name_order, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_spool_moves_malformed_files_aside_and_goes_on, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_spool_keeps_the_file_when_it_cannot_be_committed, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_spool_without_a_dir_is_off, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
