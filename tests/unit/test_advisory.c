/* test_advisory.c - tests of common/advisory.c and advisory_check.c: the advisory JSON
 * (what it accepts, every refusal naming its field, the bounds), the protobuf round
 * trip and the check of a host's inventory (affected, fixed, not installed, below
 * introduced, another manager, several installed versions, unparsable versions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advisory.h"
#include "err.h"

#define NOW_US 1764547200000000ull /* 2025-12-01T00:00:00Z */
#define DAY_US (86400ull * 1000000ull)

#define ADV_DPKG_RPM                                                                     \
    "{\"id\": \"CNVD-2024-1234\", \"title\": \"OpenSSH regreSSHion\","                  \
    " \"text\": \"升级 openssh。\\nRestart sshd.\", \"cves\": [\"cve-2024-6387\"],"     \
    " \"packages\": ["                                                                   \
    "  {\"name\": \"openssh-server\", \"manager\": \"dpkg\","                            \
    "   \"fixed\": \"1:9.2p1-2+deb12u3\", \"introduced\": \"1:8.5p1-1\"},"               \
    "  {\"name\": \"libssl3\", \"manager\": \"dpkg\", \"fixed\": \"3.0.13-1~deb12u1\"}," \
    "  {\"name\": \"openssh-server\", \"manager\": \"rpm\", \"fixed\": \"8.7p1-38.el9\"}," \
    "  {\"name\": \"openssl-libs\", \"manager\": \"rpm\", \"fixed\": \"1:3.0.7-27.el9\"}," \
    "  {\"name\": \"kernel-core\", \"manager\": \"rpm\","                                \
    "   \"fixed\": \"5.14.0-427.13.1.el9_4\"}]}"

static Fh__Advisory *parse_ok(const char *json)
{
    Fh__Advisory *a = NULL;
    char why[256] = "";
    int rc = fh_advisory_from_json(json, strlen(json), NOW_US, &a, why, sizeof why);
    if (rc)
        fail_msg("refused: %d %s", rc, why);
    assert_non_null(a);
    return a;
}

/* Refused with err, and the reason contains want. */
static void refused(const char *json, size_t len, int err, const char *want)
{
    Fh__Advisory *a = (Fh__Advisory *)1;
    char why[256] = "";
    int rc = fh_advisory_from_json(json, len, NOW_US, &a, why, sizeof why);
    if (rc != err || !strstr(why, want))
        fail_msg("%.80s: got %d \"%s\", want %d \"%s\"", json, rc, why, err, want);
    assert_null(a);
}

/* ---- JSON ---- */

static void test_json_full_advisory_parses(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    assert_string_equal(a->id, "CNVD-2024-1234");
    assert_string_equal(a->title, "OpenSSH regreSSHion");
    assert_non_null(strstr(a->text, "\n"));
    assert_int_equal(a->n_cves, 1);
    assert_string_equal(a->cves[0], "CVE-2024-6387"); /* stored upper case */
    assert_int_equal(a->n_packages, 5);
    assert_string_equal(a->packages[0]->introduced, "1:8.5p1-1");
    assert_string_equal(a->packages[1]->introduced, "");
    assert_int_equal(a->n_managers, 2); /* filled in from the packages */
    assert_string_equal(a->managers[0], "dpkg");
    assert_string_equal(a->managers[1], "rpm");
    assert_int_equal(a->issued_us, NOW_US);
    assert_int_equal(a->deadline_us, NOW_US + 7 * DAY_US); /* the default */
    assert_false(a->drill);
    assert_string_equal(a->issuer, "");
    fh_advisory_free(a);
}

static void test_json_deadline_forms(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok("{\"title\": \"t\", \"cves\": [\"CVE-2024-0001\"],"
                               " \"deadline_days\": 3, \"drill\": true}");
    assert_int_equal(a->deadline_us, NOW_US + 3 * DAY_US);
    assert_true(a->drill);
    assert_int_equal(a->n_managers, 2); /* CVE ids only: both managers */
    fh_advisory_free(a);
    a = parse_ok("{\"title\": \"t\", \"cves\": [\"CVE-2024-0001\"],"
                 " \"deadline\": \"2025-12-02T08:30:00Z\"}");
    assert_int_equal(a->deadline_us, NOW_US + DAY_US + 8 * 3600000000ull + 30 * 60000000ull);
    fh_advisory_free(a);
    /* the bounds of deadline_days: 1 and FH_ADVISORY_MAX_DEADLINE_DAYS pass */
    a = parse_ok("{\"title\": \"t\", \"cves\": [\"CVE-2024-0001\"], \"deadline_days\": 365}");
    fh_advisory_free(a);
    a = parse_ok("{\"title\": \"t\", \"cves\": [\"CVE-2024-0001\"], \"deadline_days\": 1}");
    fh_advisory_free(a);
}

struct refusal {
    const char *json;
    int err;
    const char *why;
};

static const struct refusal refusals[] = {
    {"not json", FH_EMALFORMED, "JSON, line 1"},
    {"[1, 2]", FH_EMALFORMED, "not a JSON object"},
    {"{\"title\": \"t\", \"cves\": [\"CVE-2024-0001\"], \"colour\": 1}", FH_EMALFORMED,
     "unknown key \"colour\""},
    {"{\"title\": \"t\", \"title\": \"u\", \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED,
     "duplicate"},
    {"{\"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED, "title: missing"},
    {"{\"title\": 5, \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED, "title: not a string"},
    {"{\"title\": \"a\\u0007b\", \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED, "title: not UTF-8"},
    {"{\"title\": \"t\", \"text\": \"a\\u001bb\", \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "text: not UTF-8"},
    {"{\"title\": \"t\", \"id\": \"has space\", \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "id: "},
    {"{\"title\": \"t\"}", FH_EMALFORMED, "cves, packages: neither"},
    {"{\"title\": \"t\", \"cves\": \"CVE-2024-0001\"}", FH_EMALFORMED, "cves: not an array"},
    {"{\"title\": \"t\", \"cves\": [\"CVE-24-1\"]}", FH_EMALFORMED, "cves[0]: \"CVE-24-1\""},
    {"{\"title\": \"t\", \"cves\": [\"CVE-2024-0001\", 7]}", FH_EMALFORMED, "cves[1]: not a string"},
    {"{\"title\": \"t\", \"cves\": [\"CVE-2024-0001\", \"cve-2024-0001\"]}", FH_EMALFORMED,
     "cves[1]: CVE-2024-0001 twice"},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a\", \"manager\": \"dpkg\"}]}",
     FH_EMALFORMED, "packages[0].fixed: missing"},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a\", \"manager\": \"dpkg\","
     " \"fixed_version\": \"1\"}]}",
     FH_EMALFORMED, "packages[0]: unknown key \"fixed_version\""},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a\", \"manager\": \"apk\", \"fixed\": \"1\"}]}",
     FH_EMALFORMED, "packages[0].manager: \"apk\""},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a b\", \"manager\": \"dpkg\", \"fixed\": \"1\"}]}",
     FH_EMALFORMED, "packages[0].name"},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a\", \"manager\": \"dpkg\", \"fixed\": \"1\"},"
     " {\"name\": \"b\", \"manager\": \"dpkg\", \"fixed\": \"1.0-\"}]}",
     FH_EMALFORMED, "packages[1].fixed: \"1.0-\" is not a valid Debian version"},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a\", \"manager\": \"rpm\", \"fixed\": \"1-2-3\"}]}",
     FH_EMALFORMED, "packages[0].fixed: \"1-2-3\" is not a valid RPM version"},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a\", \"manager\": \"dpkg\", \"fixed\": \"1.0\","
     " \"introduced\": \"1:0.1\"}]}",
     FH_EMALFORMED, "packages[0].introduced: not below fixed"},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a\", \"manager\": \"dpkg\", \"fixed\": \"1.0\","
     " \"introduced\": \"x:1\"}]}",
     FH_EMALFORMED, "packages[0].introduced: \"x:1\" is not a valid Debian version"},
    {"{\"title\": \"t\", \"packages\": [{\"name\": \"a\", \"manager\": \"dpkg\", \"fixed\": \"1\"},"
     " {\"name\": \"a\", \"manager\": \"dpkg\", \"fixed\": \"2\"}]}",
     FH_EMALFORMED, "packages[1]: \"a\" for dpkg is already packages[0]"},
    {"{\"title\": \"t\", \"managers\": [\"rpm\"], \"packages\": [{\"name\": \"a\","
     " \"manager\": \"dpkg\", \"fixed\": \"1\"}]}",
     FH_EMALFORMED, "packages[0].manager: \"dpkg\" is not among managers"},
    {"{\"title\": \"t\", \"managers\": [], \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED,
     "managers: empty"},
    {"{\"title\": \"t\", \"managers\": [\"rpm\", \"rpm\"], \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "managers[1]: rpm twice"},
    {"{\"title\": \"t\", \"managers\": [\"rpm\", \"dpkg\", \"rpm\"], \"cves\": [\"CVE-2024-0001\"]}",
     FH_ETOOBIG, "managers: more than 2"},
    {"{\"title\": \"t\", \"scope\": \"32x\", \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED,
     "scope: \"32x\""},
    {"{\"title\": \"t\", \"drill\": \"yes\", \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED,
     "drill: not true or false"},
    {"{\"title\": \"t\", \"deadline_days\": 0, \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED,
     "deadline_days"},
    {"{\"title\": \"t\", \"deadline_days\": 366, \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED,
     "deadline_days"},
    {"{\"title\": \"t\", \"deadline_days\": 2.5, \"cves\": [\"CVE-2024-0001\"]}", FH_EMALFORMED,
     "deadline_days"},
    {"{\"title\": \"t\", \"deadline\": \"2025-12-02T00:00:00Z\", \"deadline_days\": 2,"
     " \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "deadline, deadline_days: give one"},
    {"{\"title\": \"t\", \"deadline\": \"2025-11-30T00:00:00Z\", \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "deadline: not in the future"},
    {"{\"title\": \"t\", \"deadline\": \"2027-12-30T00:00:00Z\", \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "deadline: more than 365 days"},
    {"{\"title\": \"t\", \"deadline\": \"2026-02-30T00:00:00Z\", \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "deadline: not a UTC time"},
    {"{\"title\": \"t\", \"deadline\": \"2026-01-02 00:00:00\", \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "deadline: not a UTC time"},
    {"{\"title\": \"t\", \"deadline\": \"2026-01-02T00:00:00+08:00\", \"cves\": [\"CVE-2024-0001\"]}",
     FH_EMALFORMED, "deadline: not a UTC time"},
};

static void test_json_refusals_name_the_field(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        refused(refusals[i].json, strlen(refusals[i].json), refusals[i].err, refusals[i].why);
}

/* A JSON document with a string of n bytes of c as the value of key. */
static char *with_long(const char *key, size_t n, char c)
{
    char *s = malloc(n + 128);
    assert_non_null(s);
    int k = snprintf(s, 128, "{\"cves\": [\"CVE-2024-0001\"], \"title\": \"t\", \"%s\": \"", key);
    memset(s + k, c, n);
    strcpy(s + k + n, "\"}");
    return s;
}

static void test_json_bounds(void **state)
{
    (void)state;
    /* title: FH_ADVISORY_TITLE_MAX - 1 bytes pass, one more is refused */
    char *j = with_long("text", FH_ADVISORY_TEXT_MAX - 1, 'x');
    Fh__Advisory *a = parse_ok(j);
    fh_advisory_free(a);
    free(j);
    j = with_long("text", FH_ADVISORY_TEXT_MAX, 'x');
    refused(j, strlen(j), FH_ETOOBIG, "text: longer than 8191 bytes");
    free(j);
    j = with_long("id", FH_ADVISORY_ID_MAX, 'x');
    refused(j, strlen(j), FH_ETOOBIG, "id: longer than");
    free(j);
    /* the whole file */
    j = with_long("text", FH_ADVISORY_JSON_MAX, 'x');
    refused(j, strlen(j), FH_ETOOBIG, "over 262144");
    free(j);
    /* FH_ADVISORY_MAX_CVES ids pass, one more is refused */
    size_t cap = 64 + (FH_ADVISORY_MAX_CVES + 1) * 20;
    j = malloc(cap);
    assert_non_null(j);
    for (unsigned n = FH_ADVISORY_MAX_CVES; n <= FH_ADVISORY_MAX_CVES + 1; n++) {
        size_t k = (size_t)snprintf(j, cap, "{\"title\": \"t\", \"cves\": [");
        for (unsigned i = 0; i < n; i++)
            k += (size_t)snprintf(j + k, cap - k, "%s\"CVE-2024-%05u\"", i ? "," : "", i);
        snprintf(j + k, cap - k, "]}");
        if (n == FH_ADVISORY_MAX_CVES)
            fh_advisory_free(parse_ok(j));
        else
            refused(j, strlen(j), FH_ETOOBIG, "cves: more than 64");
    }
    free(j);
    /* FH_ADVISORY_MAX_PACKAGES packages pass, one more is refused */
    cap = 64 + (FH_ADVISORY_MAX_PACKAGES + 1) * 64;
    j = malloc(cap);
    assert_non_null(j);
    for (unsigned n = FH_ADVISORY_MAX_PACKAGES; n <= FH_ADVISORY_MAX_PACKAGES + 1; n++) {
        size_t k = (size_t)snprintf(j, cap, "{\"title\": \"t\", \"packages\": [");
        for (unsigned i = 0; i < n; i++)
            k += (size_t)snprintf(j + k, cap - k,
                                  "%s{\"name\":\"p%u\",\"manager\":\"rpm\",\"fixed\":\"1\"}",
                                  i ? "," : "", i);
        snprintf(j + k, cap - k, "]}");
        if (n == FH_ADVISORY_MAX_PACKAGES) {
            a = parse_ok(j);
            /* the largest advisory still packs far below an envelope's bound */
            assert_true(fh__advisory__get_packed_size(a) < 128 * 1024);
            fh_advisory_free(a);
        } else {
            refused(j, strlen(j), FH_ETOOBIG, "packages: more than 256");
        }
    }
    free(j);
}

/* ---- protobuf ---- */

static void test_pack_unpack_round_trip_and_refusals(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    size_t len = fh__advisory__get_packed_size(a);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    fh__advisory__pack(a, buf);
    Fh__Advisory *b = NULL;
    char why[256] = "";
    assert_int_equal(fh_advisory_unpack(buf, len, &b, why, sizeof why), 0);
    assert_string_equal(b->id, a->id);
    assert_string_equal(b->text, a->text);
    assert_int_equal(b->n_packages, 5);
    assert_string_equal(b->packages[3]->fixed, "1:3.0.7-27.el9");
    assert_int_equal(b->deadline_us, a->deadline_us);
    fh_advisory_free(b);
    /* garbage does not decode */
    assert_int_equal(fh_advisory_unpack((const uint8_t *)"\xff\xff\xff", 3, &b, why, sizeof why),
                     FH_EMALFORMED);
    assert_null(b);
    /* a received advisory needs an id; and its packages are validated like JSON's */
    a->id[0] = '\0';
    len = fh__advisory__get_packed_size(a);
    fh__advisory__pack(a, buf);
    assert_int_equal(fh_advisory_unpack(buf, len, &b, why, sizeof why), FH_EMALFORMED);
    assert_non_null(strstr(why, "id: missing"));
    free(buf);
    fh_advisory_free(a);

    Fh__Advisory m = FH__ADVISORY__INIT;
    Fh__AdvisoryPackage p = FH__ADVISORY_PACKAGE__INIT, *pp = &p;
    m.id = "x";
    m.title = "t";
    m.deadline_us = 2;
    m.issued_us = 1;
    m.n_packages = 1;
    m.packages = &pp;
    p.name = "bash";
    p.manager = "dpkg";
    p.fixed = "5.2-\x01";
    assert_int_equal(fh_advisory_validate(&m, why, sizeof why), FH_EMALFORMED);
    assert_non_null(strstr(why, "packages[0].fixed"));
    p.fixed = "5.2.15-2+b7";
    assert_int_equal(fh_advisory_validate(&m, why, sizeof why), 0);
    m.deadline_us = 1; /* not after issued_us */
    assert_int_equal(fh_advisory_validate(&m, why, sizeof why), FH_EMALFORMED);
    assert_non_null(strstr(why, "deadline"));
}

/* ---- the check ---- */

struct inv {
    const char *name, *version, *arch;
};

/* Check a against the inventory, fed forwards and backwards: both must agree. */
static struct fh_advisory_result check(const Fh__Advisory *a, const char *manager,
                                       const struct inv *inv, size_t n)
{
    struct fh_advisory_result r[2];
    for (int dir = 0; dir < 2; dir++) {
        struct fh_advisory_check c;
        assert_int_equal(fh_advisory_check_begin(&c, a, manager), 0);
        for (size_t i = 0; i < n; i++) {
            const struct inv *p = &inv[dir ? n - 1 - i : i];
            assert_int_equal(fh_advisory_check_add(&c, p->name, p->version, p->arch), 0);
        }
        fh_advisory_check_end(&c, &r[dir]);
    }
    assert_int_equal(r[0].verdict, r[1].verdict);
    assert_string_equal(r[0].package, r[1].package);
    assert_string_equal(r[0].installed, r[1].installed);
    return r[0];
}

#define V(x) FH__ADVISORY_VERDICT__ADVISORY_VERDICT_##x
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_check_dpkg_affected_fixed_not_installed(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    const struct inv affected[] = {{"bash", "5.2.15-2+b7", "amd64"},
                                   {"openssh-server", "1:9.2p1-2+deb12u2", "amd64"},
                                   {"libssl3", "3.0.13-1~deb12u1", "amd64"}};
    struct fh_advisory_result r = check(a, "dpkg", affected, N(affected));
    assert_int_equal(r.verdict, V(AFFECTED));
    assert_string_equal(r.package, "openssh-server");
    assert_string_equal(r.arch, "amd64");
    assert_string_equal(r.installed, "1:9.2p1-2+deb12u2");
    assert_string_equal(r.fixed, "1:9.2p1-2+deb12u3");

    const struct inv fixed[] = {{"openssh-server", "1:9.2p1-2+deb12u3", "amd64"},
                                {"libssl3", "3.0.15-1~deb12u1", "amd64"}};
    r = check(a, "dpkg", fixed, N(fixed));
    assert_int_equal(r.verdict, V(FIXED));
    assert_string_equal(r.package, "libssl3"); /* the first by name */

    const struct inv none[] = {{"bash", "5.2.15-2+b7", "amd64"},
                               {"openssh-client", "1:9.2p1-2+deb12u2", "amd64"}};
    r = check(a, "dpkg", none, N(none));
    assert_int_equal(r.verdict, V(NOT_AFFECTED));
    assert_string_equal(r.package, "");
    r = check(a, "dpkg", NULL, 0);
    assert_int_equal(r.verdict, V(NOT_AFFECTED));
    fh_advisory_free(a);
}

static void test_check_below_introduced_is_not_affected(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    const struct inv old[] = {{"openssh-server", "1:8.4p1-5+deb11u3", "amd64"}};
    struct fh_advisory_result r = check(a, "dpkg", old, 1);
    assert_int_equal(r.verdict, V(NOT_AFFECTED));
    assert_string_equal(r.package, "openssh-server");
    const struct inv at[] = {{"openssh-server", "1:8.5p1-1", "amd64"}};
    assert_int_equal(check(a, "dpkg", at, 1).verdict, V(AFFECTED));
    fh_advisory_free(a);
}

static void test_check_other_manager_is_not_affected(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok("{\"title\": \"t\", \"packages\": [{\"name\": \"openssh-server\","
                               " \"manager\": \"dpkg\", \"fixed\": \"1:9.2p1-2+deb12u3\"}]}");
    const struct inv inv[] = {{"openssh-server", "8.7p1-34.el9", "x86_64"}};
    struct fh_advisory_result r = check(a, "rpm", inv, 1);
    assert_int_equal(r.verdict, V(NOT_AFFECTED));
    assert_string_equal(r.package, "");
    assert_false(fh_advisory_covers_manager(a, "rpm"));
    assert_true(fh_advisory_covers_manager(a, "dpkg"));
    struct fh_advisory_check c;
    assert_int_equal(fh_advisory_check_begin(&c, a, "apk"), FH_EINVAL);
    assert_int_equal(fh_advisory_check_begin(&c, a, NULL), FH_EINVAL);
    fh_advisory_free(a);
}

static void test_check_cve_only_is_unknown_in_scope(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok("{\"title\": \"t\", \"cves\": [\"CVE-2024-0001\"]}");
    assert_int_equal(check(a, "dpkg", NULL, 0).verdict, V(UNKNOWN));
    assert_int_equal(check(a, "rpm", NULL, 0).verdict, V(UNKNOWN));
    fh_advisory_free(a);
    a = parse_ok("{\"title\": \"t\", \"managers\": [\"rpm\"], \"cves\": [\"CVE-2024-0001\"]}");
    assert_int_equal(check(a, "dpkg", NULL, 0).verdict, V(NOT_AFFECTED));
    assert_int_equal(check(a, "rpm", NULL, 0).verdict, V(UNKNOWN));
    fh_advisory_free(a);
}

static void test_check_rpm_releases_and_missing_epoch(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    const struct inv old[] = {{"openssh-server", "8.7p1-34.el9", "x86_64"}};
    struct fh_advisory_result r = check(a, "rpm", old, 1);
    assert_int_equal(r.verdict, V(AFFECTED));
    assert_string_equal(r.fixed, "8.7p1-38.el9");
    const struct inv z[] = {{"openssh-server", "8.7p1-38.el9_4.4", "x86_64"}};
    assert_int_equal(check(a, "rpm", z, 1).verdict, V(FIXED));
    /* fixed 1:3.0.7-27.el9; the patch probe's rpm versions have no epoch */
    const struct inv noep_old[] = {{"openssl-libs", "3.0.7-25.el9_3", "x86_64"}};
    assert_int_equal(check(a, "rpm", noep_old, 1).verdict, V(AFFECTED));
    const struct inv noep_new[] = {{"openssl-libs", "3.0.7-27.el9", "x86_64"}};
    assert_int_equal(check(a, "rpm", noep_new, 1).verdict, V(FIXED));
    const struct inv ep0[] = {{"openssl-libs", "0:3.0.7-28.el9", "x86_64"}};
    assert_int_equal(check(a, "rpm", ep0, 1).verdict, V(AFFECTED)); /* epoch 0 < 1 */
    fh_advisory_free(a);
}

static void test_check_several_kernels_judged_by_highest(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    const struct inv both[] = {{"kernel-core", "5.14.0-362.8.1.el9_3", "x86_64"},
                               {"kernel-core", "5.14.0-427.13.1.el9_4", "x86_64"},
                               {"kernel-core", "5.14.0-284.11.1.el9_2", "x86_64"}};
    struct fh_advisory_result r = check(a, "rpm", both, N(both));
    assert_int_equal(r.verdict, V(FIXED));
    assert_string_equal(r.installed, "5.14.0-427.13.1.el9_4");
    const struct inv olds[] = {{"kernel-core", "5.14.0-362.8.1.el9_3", "x86_64"},
                               {"kernel-core", "5.14.0-284.11.1.el9_2", "x86_64"}};
    r = check(a, "rpm", olds, N(olds));
    assert_int_equal(r.verdict, V(AFFECTED));
    assert_string_equal(r.installed, "5.14.0-362.8.1.el9_3");
    /* another arch is judged apart: an old i686 build keeps the host affected */
    const struct inv multi[] = {{"openssl-libs", "1:3.0.7-27.el9", "x86_64"},
                                {"openssl-libs", "1:3.0.7-24.el9", "i686"}};
    r = check(a, "rpm", multi, N(multi));
    assert_int_equal(r.verdict, V(AFFECTED));
    assert_string_equal(r.arch, "i686");
    fh_advisory_free(a);
}

static void test_check_unparsable_version_is_unknown(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    const struct inv bad[] = {{"libssl3", "3.0.13-", "amd64"}};
    struct fh_advisory_result r = check(a, "dpkg", bad, 1);
    assert_int_equal(r.verdict, V(UNKNOWN));
    assert_string_equal(r.installed, "3.0.13-");
    /* but an affected package still wins */
    const struct inv mixed[] = {{"libssl3", "3.0.13-", "amd64"},
                                {"openssh-server", "1:9.2p1-2", "amd64"}};
    assert_int_equal(check(a, "dpkg", mixed, N(mixed)).verdict, V(AFFECTED));
    /* and a valid version beside it of the same (name, arch) decides */
    const struct inv beside[] = {{"libssl3", "3.0.13-", "amd64"},
                                 {"libssl3", "3.0.13-1~deb12u1", "amd64"}};
    assert_int_equal(check(a, "dpkg", beside, N(beside)).verdict, V(FIXED));
    /* a version of FH_PKGVER_MAX bytes or more is invalid, not cut into a valid one */
    char longv[FH_PKGVER_MAX + 10];
    memset(longv, '9', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    const struct inv toolong[] = {{"libssl3", longv, "amd64"}};
    assert_int_equal(check(a, "dpkg", toolong, 1).verdict, V(UNKNOWN));
    fh_advisory_free(a);
}

static void test_check_bounds(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    struct fh_advisory_check c;
    char arch[FH_ADVISORY_ARCH_MAX + 4];
    /* an arch over its bound is skipped and counted */
    memset(arch, 'a', sizeof arch - 1);
    arch[sizeof arch - 1] = '\0';
    assert_int_equal(fh_advisory_check_begin(&c, a, "dpkg"), 0);
    assert_int_equal(fh_advisory_check_add(&c, "libssl3", "1.0", arch), 0);
    struct fh_advisory_result r;
    fh_advisory_check_end(&c, &r);
    assert_int_equal(r.skipped, 1);
    assert_int_equal(r.verdict, V(NOT_AFFECTED));
    /* FH_ADVISORY_MAX_SLOTS (package, arch) pairs fit, one more is FH_ETOOBIG */
    assert_int_equal(fh_advisory_check_begin(&c, a, "dpkg"), 0);
    for (unsigned i = 0; i < FH_ADVISORY_MAX_SLOTS; i++) {
        snprintf(arch, sizeof arch, "a%u", i);
        assert_int_equal(fh_advisory_check_add(&c, "libssl3", "1.0", arch), 0);
    }
    assert_int_equal(fh_advisory_check_add(&c, "libssl3", "1.0", "other"), FH_ETOOBIG);
    assert_int_equal(fh_advisory_check_add(&c, "libssl3", "2.0", "a7"), 0); /* a known pair */
    fh_advisory_check_end(&c, &r);
    assert_int_equal(r.verdict, V(AFFECTED));
    fh_advisory_free(a);
}

static void test_check_patch_state_and_answer(void **state)
{
    (void)state;
    Fh__Advisory *a = parse_ok(ADV_DPKG_RPM);
    enum { NPKG = 20000 };
    Fh__Package *pkgs = calloc(NPKG, sizeof *pkgs);
    Fh__Package **ptrs = calloc(NPKG, sizeof *ptrs);
    char (*names)[16] = calloc(NPKG, sizeof *names);
    assert_true(pkgs && ptrs && names);
    for (size_t i = 0; i < NPKG; i++) {
        fh__package__init(&pkgs[i]);
        snprintf(names[i], sizeof names[i], "pkg%05zu", i);
        pkgs[i].name = names[i];
        pkgs[i].version = "1.0-1";
        pkgs[i].arch = "amd64";
        ptrs[i] = &pkgs[i];
    }
    pkgs[NPKG / 2].name = "openssh-server";
    pkgs[NPKG / 2].version = "1:9.2p1-2+deb12u2";
    Fh__PatchState ps = FH__PATCH_STATE__INIT;
    ps.full = true;
    ps.installed = ptrs;
    ps.n_installed = NPKG;
    ps.package_count = NPKG;
    ps.package_manager = "dpkg";
    struct fh_advisory_result r;
    assert_int_equal(fh_advisory_check_state(a, &ps, &r), 0);
    assert_int_equal(r.verdict, V(AFFECTED));
    assert_string_equal(r.package, "openssh-server");

    Fh__AdvisoryAnswer ans;
    fh_advisory_answer_fill(&ans, a, &r, "dpkg", NOW_US + 5);
    uint8_t buf[1024];
    assert_true(fh__advisory_answer__get_packed_size(&ans) <= sizeof buf);
    size_t len = fh__advisory_answer__pack(&ans, buf);
    Fh__AdvisoryAnswer *back = fh__advisory_answer__unpack(NULL, len, buf);
    assert_non_null(back);
    assert_string_equal(back->advisory_id, "CNVD-2024-1234");
    assert_int_equal(back->verdict, V(AFFECTED));
    assert_string_equal(back->installed, "1:9.2p1-2+deb12u2");
    assert_string_equal(back->fixed, "1:9.2p1-2+deb12u3");
    assert_string_equal(back->manager, "dpkg");
    assert_int_equal(back->checked_us, NOW_US + 5);
    fh__advisory_answer__free_unpacked(back, NULL);
    assert_string_equal(fh_advisory_verdict_name(r.verdict), "affected");

    /* a chunk (or a change report) is not a whole inventory */
    ps.package_count = NPKG + 1;
    assert_int_equal(fh_advisory_check_state(a, &ps, &r), FH_EINVAL);
    ps.package_count = NPKG;
    ps.full = false;
    assert_int_equal(fh_advisory_check_state(a, &ps, &r), FH_EINVAL);
    ps.full = true;
    ps.package_manager = "";
    assert_int_equal(fh_advisory_check_state(a, &ps, &r), FH_EINVAL);
    free(pkgs);
    free(ptrs);
    free(names);
    fh_advisory_free(a);
}

/* Bounded mutation: 3000 damaged copies of a good JSON file and of its packed form are
 * each refused or accepted, never crash or leak (run under valgrind), and whatever is
 * accepted passes fh_advisory_validate. */
static void test_mutated_inputs_never_crash(void **state)
{
    (void)state;
    const char *good = ADV_DPKG_RPM;
    size_t len = strlen(good);
    char *buf = malloc(len + 1);
    Fh__Advisory *a = parse_ok(good);
    size_t plen = fh__advisory__get_packed_size(a);
    uint8_t *packed = malloc(plen), *damaged = malloc(plen);
    assert_true(buf && packed && damaged);
    fh__advisory__pack(a, packed);
    fh_advisory_free(a);
    uint32_t seed = 12345;
    char why[256];
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, good, len + 1);
        memcpy(damaged, packed, plen);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % len] = (char)(seed >> 16);
            damaged[(seed >> 4) % plen] = (uint8_t)(seed >> 20);
        }
        Fh__Advisory *out = NULL;
        if (fh_advisory_from_json(buf, len, NOW_US, &out, why, sizeof why) == 0) {
            assert_non_null(out);
            fh_advisory_free(out);
        }
        out = NULL;
        size_t cut = round % 7 == 0 ? (seed >> 3) % plen : plen;
        if (fh_advisory_unpack(damaged, cut, &out, why, sizeof why) == 0) {
            assert_int_equal(fh_advisory_validate(out, why, sizeof why), 0);
            struct fh_advisory_result r;
            struct fh_advisory_check c;
            assert_int_equal(fh_advisory_check_begin(&c, out, "dpkg"), 0);
            assert_int_equal(fh_advisory_check_add(&c, "openssh-server", "1:9.2p1-2", "amd64"), 0);
            fh_advisory_check_end(&c, &r);
            fh_advisory_free(out);
        }
    }
    free(buf);
    free(packed);
    free(damaged);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_full_advisory_parses),
        cmocka_unit_test(test_json_deadline_forms),
        cmocka_unit_test(test_json_refusals_name_the_field),
        cmocka_unit_test(test_json_bounds),
        cmocka_unit_test(test_pack_unpack_round_trip_and_refusals),
        cmocka_unit_test(test_check_dpkg_affected_fixed_not_installed),
        cmocka_unit_test(test_check_below_introduced_is_not_affected),
        cmocka_unit_test(test_check_other_manager_is_not_affected),
        cmocka_unit_test(test_check_cve_only_is_unknown_in_scope),
        cmocka_unit_test(test_check_rpm_releases_and_missing_epoch),
        cmocka_unit_test(test_check_several_kernels_judged_by_highest),
        cmocka_unit_test(test_check_unparsable_version_is_unknown),
        cmocka_unit_test(test_check_bounds),
        cmocka_unit_test(test_check_patch_state_and_answer),
        cmocka_unit_test(test_mutated_inputs_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
