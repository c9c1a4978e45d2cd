/* probe_fixture.h - a probe's unit tests on a fixture tree: fixture_put() writes a file
 * under fh_test_dir (tmpdir.h), making its directories; fixture_probe_start() starts a
 * probe with its section "[name]\nroot = fh_test_dir\ninterval_s = 1\n" plus the keys
 * of extra, checking init returns what the test expects. Header-only (tests are one
 * file); include after cmocka.h. Used by test_auth.c, test_av.c and test_ids.c. */
#ifndef FH_TEST_PROBE_FIXTURE_H
#define FH_TEST_PROBE_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "probe.h"
#include "tmpdir.h"

#define FIXTURE_PATH_MAX 512      /* a fixture file's full path */
#define FIXTURE_CONF_MAX 1024     /* a probe's config section text */
#define FIXTURE_ERR_MAX 256

/* Write (append: mode "a") text to fh_test_dir/rel_path, making its directories. */
static void fixture_put(const char *rel_path, const char *mode, const char *text)
{
    char path[FIXTURE_PATH_MAX];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", fh_test_dir, rel_path);
    for (char *s = strchr(path + strlen(fh_test_dir) + 1, '/'); s; s = strchr(s + 1, '/'))
        *s = '\0', mkdir(path, 0700), *s = '/';
    assert_non_null(f = fopen(path, mode));
    fputs(text, f);
    fclose(f);
}

/* Probe p on the fixture root with the keys of extra on top of its defaults: its state
 * (NULL when init fails, which must return expect); *interval_s (when not NULL) gets
 * the interval init chose. */
static void *fixture_probe_start(const struct fh_probe *p, const char *extra, int expect,
                                 uint32_t *interval_s)
{
    char text[FIXTURE_CONF_MAX], err[FIXTURE_ERR_MAX];
    void *conf = calloc(1, p->conf_size), *st = NULL;
    struct fh_config_table t = {p->keys, p->nkeys, conf};
    uint32_t iv = 0;
    snprintf(text, sizeof text, "[%s]\nroot = %s\ninterval_s = 1\n%s", p->name, fh_test_dir,
             extra);
    assert_int_equal(fh_config_load_string("test", text, &t, 1, err, sizeof err), 0);
    assert_int_equal(p->init(conf, &st, &iv), expect);
    free(conf);
    if (interval_s)
        *interval_s = iv;
    return st;
}

#endif
