/* test_config.c - unit tests of common/config.c: values land in the right struct,
 * defaults apply, and every refusal names file, line and key in the documented form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "path.h"

struct agent_conf {
    char name[8];
    char path[FH_PATH_MAX];
    char upstream[64];
    int64_t interval_s;
    bool health;
};

struct probe_conf {
    bool enabled;
    int64_t max_files;
    char name[8]; /* agent.name again: never set, the agent table owns it */
};

#define A(field) offsetof(struct agent_conf, field)
#define P(field) offsetof(struct probe_conf, field)

static const struct fh_config_key agent_keys[] = {
    {"agent", "name", FH_CONF_STRING, A(name), sizeof ((struct agent_conf *)0)->name,
     false, "agent", 0, 0, "a short name for logs"},
    {"agent", "path", FH_CONF_PATH, A(path), FH_PATH_MAX, true, NULL, 0, 0,
     "this node's path"},
    {"agent", "upstream", FH_CONF_ENDPOINT, A(upstream), 64, false, "tcp://127.0.0.1:7700",
     0, 0, "the collector"},
    {"health", "interval_s", FH_CONF_INT, A(interval_s), 0, false, "30", 1, 3600,
     "seconds between samples"},
    {"health", "enabled", FH_CONF_BOOL, A(health), 0, false, "yes", 0, 0, NULL},
};

static const struct fh_config_key probe_keys[] = {
    {"fim", "enabled", FH_CONF_BOOL, P(enabled), 0, false, "false", 0, 0, "watch files"},
    {"fim", "max_files", FH_CONF_INT, P(max_files), 0, false, "1000", 1, 100000, NULL},
    {"agent", "name", FH_CONF_STRING, P(name), 8, false, NULL, 0, 0, NULL},
};

static struct agent_conf ac;
static struct probe_conf pc;
static char err[256];

static const struct fh_config_table tables[] = {
    {agent_keys, sizeof agent_keys / sizeof agent_keys[0], &ac},
    {probe_keys, sizeof probe_keys / sizeof probe_keys[0], &pc},
};

static int reset(void **state)
{
    (void)state;
    memset(&ac, 0, sizeof ac);
    memset(&pc, 0, sizeof pc);
    memset(err, 0, sizeof err);
    return 0;
}

/* Load text as "t.ini" with the two tables; "[agent]\npath = ..." comes first (2 lines)
 * so that every line number in the tests is that of text's line + 2. */
static int load(const char *text)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "[agent]\npath = 320000/320100/320102/3132000001\n%s", text);
    return fh_config_load_string("t.ini", buf, tables, 2, err, sizeof err);
}

static void assert_refused(const char *text, const char *message)
{
    assert_int_equal(load(text), FH_ECONFIG);
    assert_string_equal(err, message);
}

static void test_config_loads_every_type_into_struct(void **state)
{
    (void)state;
    assert_int_equal(load("name = web01\nupstream = ipc:///run/fenghuo/agent.sock\n"
                          "[health]\ninterval_s = 3600\nenabled = OFF\n"), 0);
    assert_string_equal(ac.name, "web01");
    assert_string_equal(ac.path, "320000/320100/320102/3132000001");
    assert_string_equal(ac.upstream, "ipc:///run/fenghuo/agent.sock");
    assert_int_equal(ac.interval_s, 3600);
    assert_false(ac.health);
}

static void test_config_applies_defaults_for_absent_keys(void **state)
{
    (void)state;
    assert_int_equal(load(""), 0);
    assert_string_equal(ac.name, "agent");
    assert_string_equal(ac.upstream, "tcp://127.0.0.1:7700");
    assert_int_equal(ac.interval_s, 30);
    assert_true(ac.health);
    assert_false(pc.enabled);
    assert_int_equal(pc.max_files, 1000);
}

static void test_config_routes_keys_of_each_table_to_its_struct(void **state)
{
    (void)state;
    assert_int_equal(load("[fim]\nenabled = on\nmax_files = 5\n[health]\ninterval_s = 7\n"), 0);
    assert_true(pc.enabled);
    assert_int_equal(pc.max_files, 5);
    assert_int_equal(ac.interval_s, 7);
}

static void test_config_gives_shared_key_to_first_table_only(void **state)
{
    (void)state;
    assert_int_equal(load("name = db1\n"), 0);
    assert_string_equal(ac.name, "db1");
    assert_string_equal(pc.name, "");
}

static void test_config_names_file_line_key_for_int_below_minimum(void **state)
{
    (void)state;
    assert_refused("[health]\n\ninterval_s = 0\n",
                   "t.ini:5: health.interval_s: \"0\" is below the minimum 1");
}

static void test_config_refuses_int_above_maximum(void **state)
{
    (void)state;
    assert_refused("[fim]\nmax_files = 100001\n",
                   "t.ini:4: fim.max_files: \"100001\" is above the maximum 100000");
}

static void test_config_refuses_int_that_is_not_plain_decimal(void **state)
{
    (void)state;
    const char *bad[] = {"12x", "0x10", "+5", " ", "1e3", "--1", "-"};
    char text[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "[health]\ninterval_s = %s\n", bad[i]);
        assert_int_equal(load(text), FH_ECONFIG);
        assert_non_null(strstr(err, "t.ini:4: health.interval_s: "));
    }
    assert_refused("[health]\ninterval_s = 12x\n",
                   "t.ini:4: health.interval_s: \"12x\" is not a decimal integer");
}

static void test_config_refuses_int_overflowing_64_bits(void **state)
{
    (void)state;
    assert_refused("[health]\ninterval_s = 9223372036854775808\n",
                   "t.ini:4: health.interval_s: \"9223372036854775808\" is out of range"
                   " for a 64-bit integer");
    assert_refused("[health]\ninterval_s = -9223372036854775808\n",
                   "t.ini:4: health.interval_s: \"-9223372036854775808\" is below the"
                   " minimum 1");
}

static void test_config_names_unknown_key(void **state)
{
    (void)state;
    assert_refused("[health]\ninterval = 5\n", "t.ini:4: health.interval: unknown key");
}

static void test_config_names_unknown_section(void **state)
{
    (void)state;
    assert_refused("[helth]\ninterval_s = 5\n", "t.ini:4: helth.interval_s: unknown section");
}

static void test_config_names_malformed_bool(void **state)
{
    (void)state;
    assert_refused("[fim]\nenabled = maybe\n",
                   "t.ini:4: fim.enabled: \"maybe\" is not a boolean (true/false, yes/no,"
                   " on/off, 1/0)");
}

static void test_config_refuses_string_too_long_for_its_array(void **state)
{
    (void)state;
    assert_refused("name = 12345678\n",
                   "t.ini:3: agent.name: the value is 8 characters, the limit is 7");
    assert_int_equal(load("name = 1234567\n"), 0);
    assert_string_equal(ac.name, "1234567");
}

static void test_config_names_missing_required_key_without_line(void **state)
{
    (void)state;
    assert_int_equal(fh_config_load_string("t.ini", "[health]\ninterval_s = 5\n", tables, 2,
                                           err, sizeof err), FH_ECONFIG);
    assert_string_equal(err, "t.ini: agent.path: required key is missing");
}

static void test_config_refuses_invalid_path_with_its_reason(void **state)
{
    (void)state;
    assert_int_equal(fh_config_load_string("t.ini", "[agent]\npath = 320000/320200x\n",
                                           tables, 2, err, sizeof err), FH_ECONFIG);
    assert_string_equal(err, "t.ini:2: agent.path: \"320000/320200x\" is not a node path:"
                             " segment 2 \"320200x\": a city code is 6 digits");
}

static void test_config_accepts_tcp_and_ipc_endpoints(void **state)
{
    (void)state;
    const char *good[] = {"tcp://*:7700", "tcp://collector.example.cn:1", "tcp://[::1]:65535",
                          "tcp://10.0.0.1:7700", "ipc://@fenghuo"};
    char text[128];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(text, sizeof text, "upstream = %s\n", good[i]);
        if (load(text) != 0)
            fail_msg("%s refused: %s", good[i], err);
        assert_string_equal(ac.upstream, good[i]);
    }
}

static void test_config_refuses_malformed_endpoints(void **state)
{
    (void)state;
    const char *bad[] = {"tcp://host", "tcp://:7700", "tcp://host:0", "tcp://host:65536",
                         "tcp://host:", "tcp://host:77x", "tcp://::1:7700", "tcp://a b:1",
                         "udp://host:7700", "ipc://", "127.0.0.1:7700", "tcp://host:-1"};
    char text[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "upstream = %s\n", bad[i]);
        if (load(text) != FH_ECONFIG || !strstr(err, "t.ini:3: agent.upstream: "))
            fail_msg("%s: %s", bad[i], err);
    }
    assert_refused("upstream = tcp://host:0\n", "t.ini:3: agent.upstream: \"tcp://host:0\""
                   " is not an endpoint: the port is a number 1..65535");
}

static void test_config_refuses_key_set_twice(void **state)
{
    (void)state;
    assert_refused("name = a\nname = b\n",
                   "t.ini:4: agent.name: set again (first set on line 3)");
}

static void test_config_explains_indented_line_read_as_continuation(void **state)
{
    (void)state;
    assert_refused("[health]\nenabled = no\n  interval_s = 5\n",
                   "t.ini:5: health.enabled: an indented line continues the value set on"
                   " line 4; do not indent keys");
    assert_int_equal(load("[health]\n  interval_s = 5\n"), 0); /* first in its section */
    assert_int_equal(ac.interval_s, 5);
}

static void test_config_names_line_of_syntax_error(void **state)
{
    (void)state;
    assert_refused("[health\ninterval_s = 0\n",
                   "t.ini:3: not a [section] header or a key = value line");
    assert_refused("\n; fine\njust words\n",
                   "t.ini:5: not a [section] header or a key = value line");
}

static void test_config_reports_first_of_value_and_syntax_errors(void **state)
{
    (void)state;
    assert_refused("[health]\ninterval_s = 0\nbroken\n",
                   "t.ini:4: health.interval_s: \"0\" is below the minimum 1");
}

static void test_config_refuses_line_longer_than_inih_buffer(void **state)
{
    (void)state;
    char text[400];
    int n = snprintf(text, sizeof text, "name = ");
    memset(text + n, 'x', 300);
    snprintf(text + n + 300, sizeof text - (size_t)n - 300, "\n");
    assert_int_equal(load(text), FH_ECONFIG);
    assert_non_null(strstr(err, "t.ini:3: the line is longer than "));
}

static void test_config_refuses_bad_default_naming_key(void **state)
{
    (void)state;
    const struct fh_config_key keys[] = {
        {"x", "n", FH_CONF_INT, 0, 0, false, "ten", 0, 0, NULL},
    };
    int64_t n;
    const struct fh_config_table t = {keys, 1, &n};
    assert_int_equal(fh_config_load_string("d.ini", "", &t, 1, err, sizeof err), FH_ECONFIG);
    assert_string_equal(err, "d.ini: x.n: bad default: \"ten\" is not a decimal integer");
}

static void test_config_int_without_bounds_takes_any_value(void **state)
{
    (void)state;
    const struct fh_config_key keys[] = {
        {"x", "n", FH_CONF_INT, 0, 0, false, NULL, 0, 0, NULL},
    };
    int64_t n = 1;
    const struct fh_config_table t = {keys, 1, &n};
    assert_int_equal(fh_config_load_string("d.ini", "[x]\nn = -9223372036854775808\n", &t, 1,
                                           err, sizeof err), 0);
    assert_true(n == INT64_MIN);
}

static void test_config_cuts_long_message_to_err_len_with_nul(void **state)
{
    (void)state;
    char small[20];
    memset(small, 'z', sizeof small);
    assert_int_equal(fh_config_load_string("t.ini", "[nope]\nkey = 1\n", tables, 2, small,
                                           sizeof small), FH_ECONFIG);
    assert_string_equal(small, "t.ini:2: nope.ke...");
    assert_int_equal(fh_config_load_string("t.ini", "[nope]\n", tables, 2, NULL, 0),
                     FH_ECONFIG);
}

static void test_config_load_reads_a_real_file(void **state)
{
    (void)state;
    char file[] = "/tmp/fh_test_config_XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("; agent config\r\n[agent]\r\npath = 320000/3132000001/web01\r\n"
          "[health]\r\ninterval_s = 0\r\n", f);
    fclose(f);
    assert_int_equal(fh_config_load(file, tables, 2, err, sizeof err), FH_ECONFIG);
    char want[128];
    snprintf(want, sizeof want, "%s:5: health.interval_s: \"0\" is below the minimum 1", file);
    assert_string_equal(err, want);
    assert_string_equal(ac.path, "320000/3132000001/web01");
    unlink(file);
}

static void test_config_load_reports_missing_file_as_eio(void **state)
{
    (void)state;
    assert_int_equal(fh_config_load("/nonexistent/fenghuo.ini", tables, 2, err, sizeof err),
                     FH_EIO);
    assert_string_equal(err,
                        "/nonexistent/fenghuo.ini: cannot open: No such file or directory");
}

static void test_config_print_writes_annotated_loadable_ini(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    fh_config_print(f, tables, 2);
    fclose(f);
    assert_non_null(strstr(text, "[agent]\n; a short name for logs\n"
                                 "; string of at most 7 characters\nname = agent\n"));
    assert_non_null(strstr(text, "; this node's path\n; node path, e.g. "
                                 "320000/320100/320102/3132000001; required\n;path =\n"));
    assert_non_null(strstr(text, "[health]\n; seconds between samples\n; integer 1..3600\n"
                                 "interval_s = 30\n"));
    assert_non_null(strstr(text, "[fim]\n"));
    assert_null(strstr(strstr(text, "[fim]"), "name")); /* agent.name printed once */
    /* What it prints parses; only the required key without default is missing. */
    assert_int_equal(fh_config_load_string("print", text, tables, 2, err, sizeof err),
                     FH_ECONFIG);
    assert_string_equal(err, "print: agent.path: required key is missing");
    free(text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, reset)
    const struct CMUnitTest tests[] = {
        T(test_config_loads_every_type_into_struct),
        T(test_config_applies_defaults_for_absent_keys),
        T(test_config_routes_keys_of_each_table_to_its_struct),
        T(test_config_gives_shared_key_to_first_table_only),
        T(test_config_names_file_line_key_for_int_below_minimum),
        T(test_config_refuses_int_above_maximum),
        T(test_config_refuses_int_that_is_not_plain_decimal),
        T(test_config_refuses_int_overflowing_64_bits),
        T(test_config_names_unknown_key),
        T(test_config_names_unknown_section),
        T(test_config_names_malformed_bool),
        T(test_config_refuses_string_too_long_for_its_array),
        T(test_config_names_missing_required_key_without_line),
        T(test_config_refuses_invalid_path_with_its_reason),
        T(test_config_accepts_tcp_and_ipc_endpoints),
        T(test_config_refuses_malformed_endpoints),
        T(test_config_refuses_key_set_twice),
        T(test_config_explains_indented_line_read_as_continuation),
        T(test_config_names_line_of_syntax_error),
        T(test_config_reports_first_of_value_and_syntax_errors),
        T(test_config_refuses_line_longer_than_inih_buffer),
        T(test_config_refuses_bad_default_naming_key),
        T(test_config_int_without_bounds_takes_any_value),
        T(test_config_cuts_long_message_to_err_len_with_nul),
        T(test_config_load_reads_a_real_file),
        T(test_config_load_reports_missing_file_as_eio),
        T(test_config_print_writes_annotated_loadable_ini),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
