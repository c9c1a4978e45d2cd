/* fuzz_patch_parse.c - the package database and apt parsers of the patch probe.
 *
 * The first byte picks the format (dpkg status, rpm -qa lines, apt-get -s upgrade) and
 * the size of the chunks the text is fed in (1..64 bytes, so lines cross chunk
 * boundaries as they do when patch.c reads a pipe). An inventory goes the probe's way:
 * finish, SHA-256, the newest kernel, and a diff against a second inventory made of
 * every other package of the first. Checked: the inventory is sorted and unique, its
 * fields are within their bounds and printable, version order is antisymmetric and
 * reflexive, the diff reports no more than there is, apt's counts are consistent. */
#include "fuzz.h"

#include "patch_parse.h"

#define FUZZ_MAX_TEXT (256 * 1024)

enum { F_DPKG, F_RPM, F_APT, F_COUNT };

static void feed(fh_patch_line_fn fn, void *arg, const char *text, size_t len, size_t chunk)
{
    static struct fh_patch_lines lines;
    fh_patch_lines_init(&lines, fn, arg);
    for (size_t off = 0; off < len; off += chunk)
        if (fh_patch_lines_feed(&lines, text + off, len - off < chunk ? len - off : chunk))
            break;
    (void)fh_patch_lines_end(&lines);
}

static bool field_ok(const char *s, size_t max, bool may_be_empty)
{
    size_t n = strnlen(s, max);
    if (n == max || (n == 0 && !may_be_empty))
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

static int count_fn(void *arg, const struct fh_patch_pkg *p)
{
    (void)p;
    (*(size_t *)arg)++;
    return 0;
}

static void check_inventory(struct fh_patch_inv *inv, bool rpm)
{
    fh_patch_inv_finish(inv);
    for (size_t i = 0; i < inv->n; i++) {
        const struct fh_patch_pkg *p = &inv->pkgs[i];
        if (!field_ok(p->name, FH_PATCH_NAME_MAX, false) ||
            !field_ok(p->version, FH_PATCH_VERSION_MAX, false) ||
            !field_ok(p->arch, FH_PATCH_ARCH_MAX, true))
            abort();
        if (fh_deb_version_cmp(p->version, p->version) != 0)
            abort();
        if (i > 0) {
            const struct fh_patch_pkg *q = &inv->pkgs[i - 1];
            int c = strcmp(q->name, p->name);
            if (!c)
                c = strcmp(q->arch, p->arch);
            if (!c)
                c = strcmp(q->version, p->version);
            if (c >= 0)
                abort(); /* not sorted, or a duplicate left */
            int ab = fh_deb_version_cmp(q->version, p->version);
            int ba = fh_deb_version_cmp(p->version, q->version);
            if ((ab > 0) != (ba < 0) || (ab == 0) != (ba == 0))
                abort();
        }
        char rel[FH_PATCH_RELEASE_MAX];
        if (fh_patch_kernel_release(p, rpm, rel, sizeof rel) && !memchr(rel, 0, sizeof rel))
            abort();
    }
    uint8_t sha[32];
    (void)fh_patch_inv_sha256(inv, sha);
    char newest[FH_PATCH_RELEASE_MAX];
    fh_patch_newest_kernel(inv, rpm, "6.1.0-13-amd64", newest, sizeof newest);
    if (!memchr(newest, 0, sizeof newest))
        abort();

    struct fh_patch_inv half;
    fh_patch_inv_init(&half);
    for (size_t i = 0; i < inv->n; i += 2) {
        const struct fh_patch_pkg *p = &inv->pkgs[i];
        const char *v = i % 4 ? "0" : p->version;
        if (fh_patch_inv_add(&half, p->name, strlen(p->name), v, strlen(v), p->arch,
                             strlen(p->arch)) != 0)
            abort(); /* it was valid in inv */
    }
    fh_patch_inv_finish(&half);
    size_t changed = 0, removed = 0;
    (void)fh_patch_inv_diff(&half, inv, count_fn, count_fn, &changed);
    (void)fh_patch_inv_diff(inv, &half, count_fn, count_fn, &removed);
    if (changed > inv->n + half.n || removed > inv->n + half.n)
        abort();
    fh_patch_inv_free(&half);
}

static void check_apt(const char *text, size_t len, size_t chunk)
{
    static struct fh_patch_apt apt;
    fh_patch_apt_reset(&apt);
    feed(fh_patch_apt_line, &apt, text, len, chunk);
    if (apt.security > apt.pending || apt.nnames > apt.security ||
        apt.nnames > FH_PATCH_MAX_SECURITY_NAMES || apt.text_len > sizeof apt.text)
        abort();
    for (size_t i = 0; i < apt.nnames; i++) {
        const char *s = apt.names[i];
        if (s < apt.text || s >= apt.text + apt.text_len ||
            !memchr(s, 0, (size_t)(apt.text + apt.text_len - s)))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > FUZZ_MAX_TEXT)
        return 0;
    int format = data[0] % F_COUNT;
    size_t chunk = (size_t)(data[0] / F_COUNT) % 64 + 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (format == F_APT) {
        check_apt(text, len, chunk);
        return 0;
    }
    struct fh_patch_inv inv;
    static struct fh_patch_parse parse;
    fh_patch_inv_init(&inv);
    fh_patch_parse_begin(&parse, &inv);
    feed(format == F_RPM ? fh_patch_rpm_line : fh_patch_dpkg_line, &parse, text, len, chunk);
    (void)fh_patch_parse_end(&parse);
    check_inventory(&inv, format == F_RPM);
    fh_patch_inv_free(&inv);
    return 0;
}
