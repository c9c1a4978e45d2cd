/* tmpdir.h - a temp directory per test for the unit tests that touch the disk:
 * fh_test_dir is made by tmpdir_setup and removed with everything in it by
 * tmpdir_teardown (cmocka setup/teardown functions). Header-only: tests are one file. */
#ifndef FH_TEST_TMPDIR_H
#define FH_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char fh_test_dir[64];

static int tmpdir_setup(void **state)
{
    (void)state;
    snprintf(fh_test_dir, sizeof fh_test_dir, "/tmp/fh-test-XXXXXX");
    return mkdtemp(fh_test_dir) ? 0 : -1;
}

static int tmpdir_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fh_test_dir);
    return system(cmd);
}

#endif
