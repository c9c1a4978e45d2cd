/* test_patch.c - tests of agent/probes/patch.c and patch_parse.c, the patch probe.
 *
 * The parsers get fixture texts fed in odd-sized pieces (so lines cross every chunk
 * boundary); the probe runs on a fixture root tree in a temp dir (dpkg status, rpm -qa
 * output, osrelease, reboot-required, stand-in apt-get scripts) with a fake sink that
 * packs and unpacks every report, as the agent's worker sink packs them. Checksums are
 * recomputed here from the lines a receiver holds, apart from the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "log.h"
#include "path.h"
#include "patch_parse.h"
#include "probes.h"
#include "report.h"

/* ---- helpers ---- */

#define MAX_REPORTS 64
struct fake_sink {
    struct fh_probe_sink sink; /* first: emit gets a pointer to it */
    int result;                /* what emit returns */
    size_t n;
    Fh__PatchState *r[MAX_REPORTS];
    size_t len[MAX_REPORTS];
};

static int fake_emit(struct fh_probe_sink *s, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct fake_sink *f = (struct fake_sink *)s;
    size_t len = protobuf_c_message_get_packed_size(body);
    uint8_t *buf = malloc(len + 1);
    assert_true(kind == FH__KIND__KIND_PATCH && f->n < MAX_REPORTS && buf);
    protobuf_c_message_pack(body, buf);
    f->len[f->n] = len;
    assert_non_null(f->r[f->n++] = fh__patch_state__unpack(NULL, len, buf));
    free(buf);
    return f->result;
}

static void sink_clear(struct fake_sink *f)
{
    for (size_t i = 0; i < f->n; i++)
        fh__patch_state__free_unpacked(f->r[i], NULL);
    f->n = 0;
}

/* A config for the probe: table defaults, root (NULL: "") and one "key=value" (or NULL). */
static void *probe_conf(const char *root, const char *over)
{
    char *conf = calloc(1, fh_probe_patch.conf_size);
    assert_non_null(conf);
    for (size_t i = 0; i < fh_probe_patch.nkeys; i++) {
        const struct fh_config_key *k = &fh_probe_patch.keys[i];
        size_t n = strlen(k->name);
        const char *v = root && !strcmp(k->name, "root") ? root : k->def;
        if (over && !strncmp(over, k->name, n) && over[n] == '=')
            v = over + n + 1;
        if (k->type == FH_CONF_BOOL)
            *(bool *)(conf + k->offset) = strcmp(v, "true") == 0;
        else if (k->type == FH_CONF_INT)
            *(int64_t *)(conf + k->offset) = strtoll(v, NULL, 10);
        else if (strlen(v) < k->size)
            strcpy(conf + k->offset, v);
    }
    return conf;
}

/* Write root/name (making its directories) with text and mode. */
static void write_file(const char *root, const char *name, const char *text, int mode)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", root, name);
    for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/'))
        *s = '\0', mkdir(path, 0700), *s = '/';
    assert_non_null(f = fopen(path, "w"));
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, (mode_t)mode), 0);
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    return (void)sb, (void)type, (void)ftw, remove(path);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SHA-256 of "line\n" for each line, sorted in byte order (lines is sorted too) */
static void lines_sha(char **lines, size_t n, uint8_t out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    qsort(lines, n, sizeof *lines, str_cmp);
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; i < n; i++) {
        EVP_DigestUpdate(ctx, lines[i], strlen(lines[i]));
        EVP_DigestUpdate(ctx, "\n", 1);
    }
    EVP_DigestFinal_ex(ctx, out, NULL);
    EVP_MD_CTX_free(ctx);
}

/* A report in one line: "full|changes COUNT: +name version arch... -removed... pending
 * P/S names..." (pending only when there are some). */
static const char *describe(const Fh__PatchState *m)
{
    static char s[2048];
    int n = 0;
#define CAT(...) (n += snprintf(s + n, sizeof s - (size_t)n, __VA_ARGS__))
    CAT("%s %u:", m->full ? "full" : "changes", m->package_count);
    for (size_t i = 0; i < m->n_installed; i++)
        CAT(" +%s %s %s", m->installed[i]->name, m->installed[i]->version, m->installed[i]->arch);
    for (size_t i = 0; i < m->n_removed; i++)
        CAT(" -%s", m->removed[i]);
    if (m->pending_updates)
        CAT(" pending %u/%u", m->pending_updates, m->pending_security_updates);
    for (size_t i = 0; i < m->n_pending_security; i++)
        CAT(" %s", m->pending_security[i]);
#undef CAT
    assert_true((size_t)n < sizeof s);
    return s;
}

/* Feed text to fn in pieces of `step` bytes, then end. */
static int feed(const char *text, size_t step, fh_patch_line_fn fn, void *arg)
{
    struct fh_patch_lines *l = malloc(sizeof *l);
    size_t n = strlen(text);
    int rc = 0;
    fh_patch_lines_init(l, fn, arg);
    for (size_t i = 0; i < n && !rc; i += step)
        rc = fh_patch_lines_feed(l, text + i, n - i < step ? n - i : step);
    rc = rc ? rc : fh_patch_lines_end(l);
    free(l);
    return rc;
}

/* The probe on a fixture root holding dpkg status `status` (NULL: none). */
struct run {
    struct fake_sink f;
    char root[32];
    void *conf, *st;
};

static struct run *run_start(const char *status, const char *over)
{
    struct run *r = calloc(1, sizeof *r);
    uint32_t iv = 0;
    r->f.sink.emit = fake_emit;
    assert_non_null(mkdtemp(strcpy(r->root, "/tmp/fh_patch_XXXXXX")));
    if (status)
        write_file(r->root, "var/lib/dpkg/status", status, 0644);
    r->conf = probe_conf(r->root, over);
    assert_int_equal(fh_probe_patch.init(r->conf, &r->st, &iv), 0);
    assert_int_equal(iv, 3600);
    return r;
}

/* Collect once; returns the first report (all are in r->f). */
static Fh__PatchState *run_collect(struct run *r)
{
    sink_clear(&r->f);
    assert_int_equal(fh_probe_patch.collect(r->st, &r->f.sink), 0);
    assert_true(r->f.n >= 1);
    return r->f.r[0];
}

static void run_stop(struct run *r)
{
    sink_clear(&r->f);
    fh_probe_patch.destroy(r->st);
    free(r->conf);
    assert_int_equal(nftw(r->root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    free(r);
}

/* ---- the parsers ---- */

static void test_version_cmp_orders_like_dpkg(void **state)
{
    /* each checked with dpkg --compare-versions on Debian 12 */
    static const struct { const char *a, *b; int want; } t[] = {
        {"1.0", "1.0-1", -1}, {"1:0.9", "1.0", 1}, {"1.0~rc1", "1.0", -1},
        {"1.10", "1.9", 1}, {"2.0", "1.10", 1}, {"6.1.0-13", "6.1.0-18", -1},
        {"1.0", "1.0-0", 0}, {"0:1.0", "1.0", 0}, {"00:1.0", "1.0", 0},
        {"1.0~~", "1.0~", -1}, {"1.0~", "1.0", -1}, {"1.0a", "1.0", 1},
        {"1.0+b1", "1.0", 1}, {"1.0.1", "1.0+1", 1}, {"2:0", "1:99", 1},
        {"1.0-1~bpo1", "1.0-1", -1}, {"3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1},
        {"1.2.3-4-5", "1.2.3-4-4", 1}, {"1.01", "1.1", 0}, {"a", "1", 1},
        {"1.0-a", "1.0-9", 1}, {"10:1", "9:2", 1}, {"1.0-1", "1.0-1.1", -1},
        {"2.36-9+deb12u4", "2.36-9+deb12u10", -1}, {"1.0~rc1-1", "1.0-1", -1},
        {"1a", "1+", -1}, {"1~", "1", -1}, {"6.1.76-1", "6.1.55-1", 1},
        /* beyond dpkg: huge epochs, NULL, a prefix that is no epoch ("x:1" is upstream) */
        {"99999999999999999999:1", "99999999999999999998:2", 1}, {"", "", 0},
        {NULL, "0", 0}, {"x:1", "1", 1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int c = fh_deb_version_cmp(t[i].a, t[i].b), r = fh_deb_version_cmp(t[i].b, t[i].a);
        if (c != t[i].want || r != -t[i].want)
            fail_msg("%s vs %s: %d/%d, want %d", t[i].a, t[i].b, c, r, t[i].want);
    }
}

/* Real stanza layouts; the huge fields are made by dpkg_fixture(). */
static const char DPKG_HEAD[] =
    "Package: adduser\nStatus: install ok installed\nPriority: important\nArchitecture: all\n"
    "Version: 3.134\nDescription: add and remove users and groups\n This package has adduser.\n"
    " .\n Package: fake-in-description\n Status: install ok installed\n\n"
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\n"
    "Version: 2.36-9+deb12u4\n\nPackage: libc6\nStatus: install ok installed\n"
    "Architecture: i386\nVersion: 2.36-9+deb12u4\n\n"
    "Package: oldpkg\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\n\n"
    "Package: gone\nStatus: purge ok not-installed\nArchitecture: amd64\n\n"
    "Package: half\nStatus: install reinstreq half-installed\nVersion: 2.0\n\n"
    "Package: held\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 1:2.3~rc1-4\n"
    "  \t\n" /* a separator of blanks */
    "Package: noversion\nStatus: install ok installed\nArchitecture: amd64\n\n"
    "Status: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n"
    "Package: noarch\nstatus: install ok installed\nVERSION:  0.1  \n\n"
    "Package: bad name\nStatus: install ok installed\nVersion: 1\n\n"
    "Package: hugeversion\nStatus: install ok installed\nVersion: ";

/* DPKG_HEAD, a 300-byte version, a stanza with a 200 kB Description line and
 * continuation line, a last stanza without a newline. Free with free(). */
static char *dpkg_fixture(void)
{
    size_t big = 200000;
    char *s = malloc(sizeof DPKG_HEAD + 2 * big + 512), *p = stpcpy(s, DPKG_HEAD);
    p = (char *)memset(p, '1', 300) + 300;
    p = stpcpy(p, "\n\nPackage: hugedesc\nStatus: install ok installed\nArchitecture: "
                  "amd64\nVersion: 5.0\nDescription: ");
    p = stpcpy((char *)memset(p, 'x', big) + big, "\n ");
    p = (char *)memset(p, 'y', big) + big;
    strcpy(p, "\n\nPackage: last\nStatus: install ok installed\nArchitecture: arm64\n"
              "Version: 0.9");
    return s;
}

static void test_dpkg_status_gives_exact_installed_packages(void **state)
{
    static const char want[] = "adduser 3.134 all|held 1:2.3~rc1-4 amd64|hugedesc 5.0 amd64|"
        "last 0.9 arm64|libc6 2.36-9+deb12u4 amd64|libc6 2.36-9+deb12u4 i386|noarch 0.1 |";
    static const size_t steps[] = {1, 7, 4096, 1 << 20};
    char *text = dpkg_fixture();
    (void)state;
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        struct fh_patch_inv inv = {0};
        struct fh_patch_parse p;
        char got[sizeof want + 64] = "";
        size_t n = 0;
        fh_patch_parse_begin(&p, &inv);
        assert_int_equal(feed(text, steps[s], fh_patch_dpkg_line, &p), 0);
        assert_int_equal(fh_patch_parse_end(&p), 0);
        fh_patch_inv_finish(&inv);
        for (size_t i = 0; i < inv.n && n < sizeof got; i++)
            n += (size_t)snprintf(got + n, sizeof got - n, "%s %s %s|", inv.pkgs[i].name,
                                  inv.pkgs[i].version, inv.pkgs[i].arch);
        assert_string_equal(got, want);
        assert_int_equal(p.malformed, 4); /* noversion, no Package, bad name, hugeversion */
        fh_patch_inv_free(&inv);
    }
    free(text);
}

static void test_kernel_releases_of_dpkg_and_rpm(void **state)
{
    static const char *const t[][2] = {
        {"linux-image-6.1.0-18-amd64", "6.1.0-18-amd64"}, {"linux-image-amd64", NULL},
        {"linux-image-6.1.0-18-amd64-dbg", NULL}, {"linux-image-cloud-amd64", NULL},
        {"linux-image-6.1.0-18-amd64-unsigned", "6.1.0-18-amd64"},
        {"linux-image-unsigned-6.5.0-14-generic", "6.5.0-14-generic"},
        {"linux-image-6.5.0-14-generic-dbgsym", NULL}, {"linux-headers-6.1.0-18-amd64", NULL}};
    struct fh_patch_inv inv = {0};
    struct fh_patch_parse p;
    char out[FH_PATCH_RELEASE_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct fh_patch_pkg k = {t[i][0], "1", "amd64"};
        assert_int_equal(fh_patch_kernel_release(&k, false, out, sizeof out), t[i][1] != NULL);
        assert_true(!t[i][1] || strcmp(out, t[i][1]) == 0);
    }
    fh_patch_parse_begin(&p, &inv); /* rpm -qa lines, some malformed */
    assert_int_equal(feed("kernel-core 5.14.0-362.8.1.el9_3 x86_64\n\nbash 5.1.8-6.el9_1 x86_64\n"
                          "only two\nfour a b c\nkernel-core 5.14.0-284.11.1.el9_2 x86_64\n"
                          "\t bash  5.1.8-6.el9_1  x86_64", 5, fh_patch_rpm_line, &p), 0);
    fh_patch_inv_finish(&inv);
    assert_true(inv.n == 3 && p.malformed == 2); /* the second bash line is a duplicate */
    fh_patch_newest_kernel(&inv, true, NULL, out, sizeof out);
    assert_string_equal(out, "5.14.0-362.8.1.el9_3.x86_64");
    fh_patch_inv_free(&inv);
}

static const char APT_OUT[] =
    "NOTE: This is only a simulation!\nReading package lists...\nCalculating upgrade...\n"
    "The following packages will be upgraded:\n  base-files bash libgcrypt20\n"
    "7 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
    "Inst base-files [12.4+deb12u11] (12.4+deb12u15 Debian:12.15/oldstable [amd64])\n"
    "Inst bash [5.2.15-2+b8] (5.2.15-2+b13 Debian:12.15/oldstable [amd64])\n"
    "Inst libgcrypt20 [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, "
    "Debian-Security:12/oldstable-security [amd64])\n"
    "Inst liblzma5 [5.4.1-1] (5.4.1-1+deb12u2 Debian-Security:12/oldstable-security "
    "[amd64]) []\nInst libssl3:i386 [3.0.2-0ubuntu1.10] (3.0.2-0ubuntu1.12 "
    "Ubuntu:22.04/jammy-security [i386])\nInst newdep (1.0 Debian:12.15/oldstable [amd64])\n"
    "Inst weird-security [1] (2 Debian:12 [all])\n"
    "Conf libgcrypt20 (1.10.1-3+deb12u1 Debian-Security:12/oldstable-security [amd64])\n";

static void test_keys_list_and_init_refusals(void **state)
{
    static const char *const conf[][2] = {
        {NULL, "enabled=false"}, {"", NULL} /* an empty tree: no dpkg, no rpm */,
        {"/no/such/fh/dir", NULL}, {"", "dpkg_status=relative/status"}};
    static const int want[] = {FH_ENOTFOUND, FH_ENOTFOUND, FH_ECONFIG, FH_ECONFIG};
    char root[] = "/tmp/fh_patch_XXXXXX";
    size_t i = 0;
    void *st = NULL;
    uint32_t iv;
    (void)state;
    assert_true(!strcmp(fh_probe_patch.name, "patch") && fh_probe_patch.threaded);
    for (const struct fh_config_key *k = fh_probe_patch.keys;
         k < fh_probe_patch.keys + fh_probe_patch.nkeys; k++) {
        assert_true(!strcmp(k->section, "patch") && k->def && k->help);
        assert_true(k->offset + (k->size ? k->size : 1) <= fh_probe_patch.conf_size);
    }
    while (fh_probes[i] && fh_probes[i] != &fh_probe_patch)
        i++;
    assert_true(fh_probes[i] && i > 0 && fh_probes[i - 1] == &fh_probe_spool); /* after it */
    assert_non_null(mkdtemp(root));
    for (i = 0; i < 4; i++) {
        void *c = probe_conf(conf[i][0] && !conf[i][0][0] ? root : conf[i][0], conf[i][1]);
        assert_int_equal(fh_probe_patch.init(c, &st, &iv), want[i]);
        free(c);
    }
    assert_null(st);
    assert_int_equal(rmdir(root), 0);
}

#define STANZA(name, arch, version)                                                 \
    "Package: " name "\nStatus: install ok installed\nArchitecture: " arch "\nVersion: " \
    version "\n\n"
static const char V1[] = STANZA("a", "amd64", "1.0") STANZA("b", "amd64", "2.0")
    STANZA("c", "all", "1") STANZA("libc6", "amd64", "2.36-9") STANZA("libc6", "i386", "2.36-9");
static const char V2[] = STANZA("libc6", "amd64", "2.36-9") STANZA("d", "all", "0.1")
    STANZA("c", "all", "1") "Package: b\nStatus: deinstall ok config-files\n\n"
    STANZA("a", "amd64", "1.1");

static void test_first_collect_is_full_then_only_changes(void **state)
{
    struct run *r = run_start(V1, NULL);
    char *want1[] = {"a 1.0 amd64", "b 2.0 amd64", "c 1 all", "libc6 2.36-9 amd64",
                     "libc6 2.36-9 i386"};
    char *want2[] = {"a 1.1 amd64", "c 1 all", "d 0.1 all", "libc6 2.36-9 amd64"};
    Fh__PatchState *m = run_collect(r);
    uint8_t sha[32];
    (void)state;
    assert_int_equal(r->f.n, 1);
    assert_string_equal(describe(m), "full 5: +a 1.0 amd64 +b 2.0 amd64 +c 1 all "
                        "+libc6 2.36-9 amd64 +libc6 2.36-9 i386"); /* no apt-get in the tree */
    assert_string_equal(m->package_manager, "dpkg");
    lines_sha(want1, 5, sha);
    assert_int_equal(m->inventory_sha256.len, 32);
    assert_memory_equal(m->inventory_sha256.data, sha, 32);

    write_file(r->root, "var/lib/dpkg/status", V2, 0644);
    m = run_collect(r);
    assert_int_equal(r->f.n, 1);
    assert_string_equal(describe(m), "changes 4: +a 1.1 amd64 +d 0.1 all -b:amd64 -libc6:i386");
    lines_sha(want2, 4, sha); /* a receiver applying the changes has what is installed */
    assert_memory_equal(m->inventory_sha256.data, sha, 32);

    m = run_collect(r); /* nothing changed: a summary, still with the checksum */
    assert_string_equal(describe(m), "changes 4:");
    assert_memory_equal(m->inventory_sha256.data, sha, 32);
    assert_true(r->f.n == 1 && r->f.len[0] < 200);

    write_file(r->root, "var/lib/dpkg/status", V1, 0644); /* a failed emit: next is full */
    r->f.result = FH_EFULL;
    assert_int_equal(fh_probe_patch.collect(r->st, &r->f.sink), FH_EFULL);
    r->f.result = 0;
    m = run_collect(r);
    assert_true(r->f.n == 1 && m->full && m->n_installed == 5);
    run_stop(r);
}

static void test_kernel_and_reboot_from_root_tree(void **state)
{
    struct run *r = run_start(STANZA("linux-image-6.1.0-13-amd64", "amd64", "6.1.55-1")
        STANZA("linux-image-6.1.0-18-amd64", "amd64", "6.1.76-1")
        STANZA("linux-image-6.1.0-18-amd64-dbg", "amd64", "6.1.76-1")
        STANZA("linux-image-amd64", "amd64", "6.1.76-1")
        "Package: linux-image-6.1.0-99-amd64\nStatus: deinstall ok config-files\n"
        "Architecture: amd64\nVersion: 6.1.99-1\n", NULL);
    Fh__PatchState *m;
    char path[64];
    struct stat sb;
    (void)state;
    write_file(r->root, "proc/sys/kernel/osrelease", "6.1.0-13-amd64\n", 0644);
    assert_int_equal(stat(strcat(strcpy(path, r->root), "/var/lib/dpkg/status"), &sb), 0);
    m = run_collect(r);
    assert_string_equal(m->kernel_running, "6.1.0-13-amd64");
    assert_string_equal(m->kernel_installed, "6.1.0-18-amd64");
    assert_true(m->reboot_required);
    assert_int_equal(m->last_update_us, (uint64_t)sb.st_mtim.tv_sec * 1000000u +
                                            (uint64_t)sb.st_mtim.tv_nsec / 1000u);
    write_file(r->root, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n", 0644);
    assert_false(run_collect(r)->reboot_required);
    write_file(r->root, "var/run/reboot-required", "*** System restart required ***\n", 0644);
    assert_true(run_collect(r)->reboot_required);
    run_stop(r);
}

/* The number of full reports in f, after checking that each fits an envelope with the
 * longest origin and that together they are the whole inventory with its checksum. */
static size_t check_full_chunks(struct fake_sink *f, size_t want_count)
{
    char origin[FH_PATH_MAX] = {0}, **lines = malloc(want_count * sizeof *lines);
    uint8_t sha[32];
    size_t n = 0;
    memset(origin, 'o', sizeof origin - 1);
    for (size_t i = 0; i < f->n; i++) {
        Fh__PatchState *r = f->r[i];
        uint8_t *env = NULL, *body = malloc(f->len[i]);
        size_t len = 0;
        assert_true(r->full && r->package_count == want_count && r->n_removed == 0);
        assert_memory_equal(r->inventory_sha256.data, f->r[0]->inventory_sha256.data, 32);
        fh__patch_state__pack(r, body);
        assert_int_equal(fh_report_encode_bytes(origin, UINT64_MAX, UINT64_MAX,
                         FH__KIND__KIND_PATCH, body, f->len[i], &env, &len), 0);
        assert_true(len <= FH_MAX_ENVELOPE_BYTES);
        free(env), free(body);
        for (size_t j = 0; j < r->n_installed && n < want_count; j++)
            assert_true(asprintf(&lines[n++], "%s %s %s", r->installed[j]->name,
                                 r->installed[j]->version, r->installed[j]->arch) > 0);
    }
    assert_int_equal(n, want_count);
    lines_sha(lines, n, sha);
    assert_memory_equal(f->r[0]->inventory_sha256.data, sha, 32);
    while (n > 0)
        free(lines[--n]);
    free(lines);
    return f->n;
}

/* rpm -qa output of count packages; long: every field at its longest */
static void write_rpm_qa(const char *root, unsigned count, bool longest, const char *ver)
{
    char path[64];
    FILE *fp = fopen(strcat(strcpy(path, root), "/rpmqa"), "w");
    int pad = longest ? 1 : 0;
    for (unsigned i = 0; i < count; i++)
        fprintf(fp, "p%06u%0*d %s%0*d %s%0*d\n", i, 120 * pad, 0, ver, 124 * pad, 0,
                longest ? "a" : "x86_64", 30 * pad, 0);
    fclose(fp);
}

static void test_large_inventory_is_split_under_the_envelope_bound(void **state)
{
    struct run *r = run_start(NULL, "rpm_qa_file=/rpmqa");
    (void)state;
    write_rpm_qa(r->root, FH_PATCH_MAX_PACKAGES + 1, true, "1.1"); /* 20000 are kept */
    assert_string_equal(run_collect(r)->package_manager, "rpm");
    assert_int_equal(strlen(r->f.r[0]->installed[0]->name), FH_PATCH_NAME_MAX - 1);
    assert_int_equal(strlen(r->f.r[0]->installed[0]->version), FH_PATCH_VERSION_MAX - 1);
    assert_true(check_full_chunks(&r->f, FH_PATCH_MAX_PACKAGES) > 20);
    write_rpm_qa(r->root, 9000, false, "1.0-1"); /* small ones: at most 2000 a chunk */
    run_collect(r);
    assert_int_equal(check_full_chunks(&r->f, 9000), 5);
    write_rpm_qa(r->root, 9000, false, "1.0-2"); /* too many changes: a full one */
    run_collect(r);
    assert_int_equal(check_full_chunks(&r->f, 9000), 5);
    run_stop(r);
}

static void test_apt_get_stand_in_is_run_counted_or_killed(void **state)
{
    struct run *r = run_start(V1, "command_timeout_s=2");
    char script[sizeof APT_OUT + 64], args[256], want[256];
    uint64_t t0;
    FILE *fp;
    (void)state;
    snprintf(script, sizeof script, "#!/bin/sh\necho \"$@\" > \"$0.args\"\ncat <<'EOF'\n%sEOF\n",
             APT_OUT);
    write_file(r->root, "usr/bin/apt-get", script, 0755);
    assert_string_equal(describe(run_collect(r)), "full 5: +a 1.0 amd64 +b 2.0 amd64 +c 1 all "
                        "+libc6 2.36-9 amd64 +libc6 2.36-9 i386 pending 7/3 libgcrypt20 "
                        "liblzma5 libssl3:i386");
    assert_non_null(fp = fopen(strcat(strcpy(args, r->root), "/usr/bin/apt-get.args"), "r"));
    assert_non_null(fgets(args, sizeof args, fp));
    fclose(fp);
    snprintf(want, sizeof want, "-s -o Debug::NoLocking=1 -o Dir=%s upgrade\n", r->root);
    assert_string_equal(args, want);
    /* one that fails: no counts */
    write_file(r->root, "usr/bin/apt-get", "#!/bin/sh\necho 'Inst a [1] (2 x-security [all])'\n"
                                           "exit 100\n", 0755);
    assert_int_equal(run_collect(r)->pending_updates, 0);
    /* one that hangs (with a child): killed at the timeout, no counts */
    write_file(r->root, "usr/bin/apt-get", "#!/bin/sh\necho 'Inst a [1] (2 x-security [all])'\n"
                                           "sleep 60\necho done\n", 0755);
    t0 = fh_mono_ms();
    assert_int_equal(run_collect(r)->pending_updates, 0);
    assert_true(fh_mono_ms() - t0 >= 1900 && fh_mono_ms() - t0 < 10000);
    run_stop(r);
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 17, *s ^= *s << 5;
    return *s;
}

static int stop_sometimes(void *arg, const struct fh_patch_pkg *p)
{
    return (void)p, ++*(int *)arg % 97 == 0;
}

static void test_malformed_input_never_crashes(void **state)
{
    static const char abc[] = "Package: Status:Version:Architecture install ok installed\n\n\n"
                              " \t(-security)[]Inst :~-+.019az";
    char *base = dpkg_fixture(), *text = malloc(strlen(base) + 1), v[2][12] = {""}, rel[64];
    struct fh_patch_inv inv[2] = {{0}};
    struct fh_patch_apt *apt = malloc(sizeof *apt);
    uint32_t seed = 12345;
    struct run *r;
    (void)state;
    for (int round = 0; round < 200; round++) {
        struct fh_patch_parse p;
        uint8_t sha[32];
        int calls = 0;
        size_t len = round % 2 ? strlen(base) : rnd(&seed) % 4096;
        for (size_t i = 0; i < len; i++) /* mutate the fixture, or make up text */
            text[i] = round % 2 && rnd(&seed) % 50 ? base[i] : rnd(&seed) % 8
                      ? abc[rnd(&seed) % (sizeof abc - 1)] : (char)rnd(&seed);
        text[len] = '\0';
        fh_patch_inv_reset(&inv[round % 2]);
        fh_patch_parse_begin(&p, &inv[round % 2]);
        feed(text, 1 + rnd(&seed) % 5000, round % 3 ? fh_patch_dpkg_line : fh_patch_rpm_line, &p);
        fh_patch_parse_end(&p);
        fh_patch_inv_finish(&inv[round % 2]);
        assert_int_equal(fh_patch_inv_sha256(&inv[round % 2], sha), 0);
        fh_patch_inv_diff(&inv[0], &inv[1], stop_sometimes, stop_sometimes, &calls);
        fh_patch_newest_kernel(&inv[round % 2], round % 2, "x", rel, sizeof rel);
        fh_patch_apt_reset(apt);
        feed(text, 64, fh_patch_apt_line, apt);
        for (int k = 0; k < 100; k++) { /* versions of the last 12 characters of abc */
            for (size_t i = 0; i < sizeof v[0]; i++)
                v[k % 2][i] = abc[sizeof abc - 13 + rnd(&seed) % 12];
            v[k % 2][rnd(&seed) % sizeof v[0]] = v[k % 2][sizeof v[0] - 1] = '\0';
            assert_int_equal(fh_deb_version_cmp(v[0], v[1]), -fh_deb_version_cmp(v[1], v[0]));
            assert_int_equal(fh_deb_version_cmp(v[0], v[0]), 0);
        }
    }
    r = run_start(text, NULL); /* the probe on a garbage database and osrelease */
    write_file(r->root, "proc/sys/kernel/osrelease", "\xff\x01zz\n", 0644);
    assert_string_equal(run_collect(r)->kernel_running, "??zz");
    run_stop(r);
    fh_patch_inv_free(&inv[0]);
    fh_patch_inv_free(&inv[1]);
    free(apt);
    free(text);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_cmp_orders_like_dpkg),
        cmocka_unit_test(test_dpkg_status_gives_exact_installed_packages),
        cmocka_unit_test(test_kernel_releases_of_dpkg_and_rpm),
        cmocka_unit_test(test_keys_list_and_init_refusals),
        cmocka_unit_test(test_first_collect_is_full_then_only_changes),
        cmocka_unit_test(test_kernel_and_reboot_from_root_tree),
        cmocka_unit_test(test_large_inventory_is_split_under_the_envelope_bound),
        cmocka_unit_test(test_apt_get_stand_in_is_run_counted_or_killed),
        cmocka_unit_test(test_malformed_input_never_crashes),
    };
    return cmocka_run_group_tests_name("patch", tests, NULL, NULL);
}
