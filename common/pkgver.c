/* pkgver.c - Debian and RPM version order (see pkgver.h for the rules).
 *
 * Written from Debian Policy §5.6.12 and rpm's documentation of version comparison.
 * Everything works on (pointer, length) pieces of the caller's strings: nothing is
 * copied or allocated, and no string is read past FH_PKGVER_MAX bytes. Digit runs are
 * compared as numbers by stripping leading zeros, then by count of digits, then
 * digit by digit, so "000123" == "123" and a run of 100 digits cannot overflow. The
 * public compare functions first check both strings are valid; the total order over
 * invalid strings is the small wrapper order_invalid(). Character classes are ASCII
 * only, never the C library's locale-dependent ones. */
#include "pkgver.h"

#include <stddef.h>
#include <string.h>

#include "err.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
static int sign(int v) { return (v > 0) - (v < 0); }

/* Length of s when it is shorter than FH_PKGVER_MAX, else FH_PKGVER_MAX. */
static size_t bounded_len(const char *s) { return strnlen(s, FH_PKGVER_MAX); }

/* Compare two runs of digits as numbers. */
static int cmp_digits(const char *a, size_t alen, const char *b, size_t blen)
{
    while (alen > 0 && *a == '0')
        a++, alen--;
    while (blen > 0 && *b == '0')
        b++, blen--;
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return sign(memcmp(a, b, alen));
}

/* Both a and b are invalid (or one valid): valid ones above, NULL lowest, else bytes. */
static int order_invalid(const char *a, bool va, const char *b, bool vb)
{
    if (va != vb)
        return va ? 1 : -1;
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return sign(strncmp(a, b, FH_PKGVER_MAX));
}

/* ---- Debian ---- */

struct deb_parts {
    const char *epoch, *upstream, *revision;
    size_t epoch_len, upstream_len, revision_len;
};

/* Split s at its first ':' and last '-'. Returns false when s is not a valid version. */
static bool deb_split(const char *s, struct deb_parts *p)
{
    if (!s)
        return false;
    size_t len = bounded_len(s);
    if (len == 0 || len >= FH_PKGVER_MAX)
        return false;
    const char *colon = memchr(s, ':', len);
    const char *end = s + len, *up = s;
    p->epoch = s;
    p->epoch_len = 0;
    if (colon) {
        p->epoch_len = (size_t)(colon - s);
        if (p->epoch_len == 0)
            return false;
        for (size_t i = 0; i < p->epoch_len; i++)
            if (!is_digit(s[i]))
                return false;
        up = colon + 1;
    }
    const char *dash = NULL;
    for (const char *c = up; c < end; c++)
        if (*c == '-')
            dash = c;
    p->upstream = up;
    p->upstream_len = (size_t)((dash ? dash : end) - up);
    p->revision = dash ? dash + 1 : end;
    p->revision_len = dash ? (size_t)(end - dash - 1) : 0;
    if (p->upstream_len == 0 || (dash && p->revision_len == 0))
        return false;
    for (size_t i = 0; i < p->upstream_len; i++) {
        char c = p->upstream[i];
        if (!is_alnum(c) && c != '.' && c != '+' && c != '~' && c != '-')
            return false;
    }
    for (size_t i = 0; i < p->revision_len; i++) {
        char c = p->revision[i];
        if (!is_alnum(c) && c != '.' && c != '+' && c != '~')
            return false;
    }
    return true;
}

bool fh_pkgver_valid_deb(const char *s)
{
    struct deb_parts p;
    return deb_split(s, &p);
}

/* The weight of a character of a non-digit run; 0 stands for the end of the run. */
static int deb_weight(char c)
{
    if (c == '~')
        return -1;
    if (is_alpha(c))
        return (unsigned char)c;
    return (unsigned char)c + 256;
}

/* Policy's comparison of one upstream_version or debian_revision. */
static int deb_cmp_part(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;
    while (i < alen || j < blen) {
        /* the non-digit runs, compared character by character */
        while ((i < alen && !is_digit(a[i])) || (j < blen && !is_digit(b[j]))) {
            int wa = i < alen && !is_digit(a[i]) ? deb_weight(a[i]) : 0;
            int wb = j < blen && !is_digit(b[j]) ? deb_weight(b[j]) : 0;
            if (wa != wb)
                return wa < wb ? -1 : 1;
            i++, j++; /* equal weights: both were in their run (no character weighs 0) */
        }
        /* the digit runs, as numbers (an empty run is 0) */
        size_t si = i, sj = j;
        while (i < alen && is_digit(a[i]))
            i++;
        while (j < blen && is_digit(b[j]))
            j++;
        int c = cmp_digits(a + si, i - si, b + sj, j - sj);
        if (c)
            return c;
    }
    return 0;
}

int fh_pkgver_cmp_deb(const char *a, const char *b)
{
    struct deb_parts pa, pb;
    bool va = deb_split(a, &pa), vb = deb_split(b, &pb);
    if (!va || !vb)
        return order_invalid(a, va, b, vb);
    int c = cmp_digits(pa.epoch, pa.epoch_len, pb.epoch, pb.epoch_len);
    if (!c)
        c = deb_cmp_part(pa.upstream, pa.upstream_len, pb.upstream, pb.upstream_len);
    if (!c) /* an absent revision is "" here, which compares equal to "0" */
        c = deb_cmp_part(pa.revision, pa.revision_len, pb.revision, pb.revision_len);
    return c;
}

/* ---- RPM ---- */

static bool rpm_char_ok(char c)
{
    return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '^';
}

int fh_pkgver_split_rpm(const char *evr, struct fh_pkgver_evr *out)
{
    if (!evr)
        return FH_EMALFORMED;
    size_t len = bounded_len(evr);
    if (len == 0 || len >= FH_PKGVER_MAX)
        return FH_EMALFORMED;
    const char *end = evr + len, *v = evr;
    const char *colon = memchr(evr, ':', len);
    out->epoch = evr;
    out->epoch_len = 0;
    if (colon) {
        out->epoch_len = (unsigned)(colon - evr);
        if (out->epoch_len == 0)
            return FH_EMALFORMED;
        for (unsigned i = 0; i < out->epoch_len; i++)
            if (!is_digit(evr[i]))
                return FH_EMALFORMED;
        v = colon + 1;
    }
    const char *dash = NULL;
    for (const char *c = v; c < end; c++) {
        if (*c == '-')
            dash = c;
        else if (!rpm_char_ok(*c))
            return FH_EMALFORMED;
    }
    out->version = v;
    out->version_len = (unsigned)((dash ? dash : end) - v);
    out->release = dash ? dash + 1 : NULL;
    out->release_len = dash ? (unsigned)(end - dash - 1) : 0;
    if (out->version_len == 0 || (dash && out->release_len == 0))
        return FH_EMALFORMED;
    if (dash && memchr(v, '-', out->version_len)) /* one '-' at most */
        return FH_EMALFORMED;
    return 0;
}

bool fh_pkgver_valid_rpm(const char *s)
{
    struct fh_pkgver_evr p;
    return fh_pkgver_split_rpm(s, &p) == 0;
}

/* rpmvercmp on two pieces: segments of digits or letters, separated by anything
 * else; '~' below everything, '^' above the end only. */
static int rpm_vercmp(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 0;
    size_t i = 0, j = 0;
    while (i < alen || j < blen) {
        while (i < alen && !is_alnum(a[i]) && a[i] != '~' && a[i] != '^')
            i++;
        while (j < blen && !is_alnum(b[j]) && b[j] != '~' && b[j] != '^')
            j++;
        bool ta = i < alen && a[i] == '~', tb = j < blen && b[j] == '~';
        if (ta || tb) {
            if (!ta)
                return 1;
            if (!tb)
                return -1;
            i++, j++;
            continue;
        }
        bool ca = i < alen && a[i] == '^', cb = j < blen && b[j] == '^';
        if (ca || cb) {
            if (i >= alen) /* the end sorts below a caret */
                return -1;
            if (j >= blen)
                return 1;
            if (!ca) /* anything else sorts above a caret */
                return 1;
            if (!cb)
                return -1;
            i++, j++;
            continue;
        }
        if (i >= alen || j >= blen)
            break;
        bool num = is_digit(a[i]);
        size_t si = i, sj = j;
        if (num) {
            while (i < alen && is_digit(a[i]))
                i++;
            while (j < blen && is_digit(b[j]))
                j++;
        } else {
            while (i < alen && is_alpha(a[i]))
                i++;
            while (j < blen && is_alpha(b[j]))
                j++;
        }
        if (j == sj) /* segments of different types: numeric is newer */
            return num ? 1 : -1;
        int c;
        if (num) {
            c = cmp_digits(a + si, i - si, b + sj, j - sj);
        } else {
            size_t la = i - si, lb = j - sj;
            c = sign(memcmp(a + si, b + sj, la < lb ? la : lb));
            if (!c && la != lb)
                c = la < lb ? -1 : 1;
        }
        if (c)
            return c;
    }
    if (i >= alen && j >= blen)
        return 0;
    return i >= alen ? -1 : 1; /* what is left is a segment: the longer one is newer */
}

int fh_pkgver_rpmvercmp(const char *a, const char *b)
{
    a = a ? a : "";
    b = b ? b : "";
    return rpm_vercmp(a, bounded_len(a), b, bounded_len(b));
}

int fh_pkgver_cmp_rpm(const char *a, const char *b)
{
    struct fh_pkgver_evr pa, pb;
    bool va = fh_pkgver_split_rpm(a, &pa) == 0, vb = fh_pkgver_split_rpm(b, &pb) == 0;
    if (!va || !vb)
        return order_invalid(a, va, b, vb);
    int c = cmp_digits(pa.epoch, pa.epoch_len, pb.epoch, pb.epoch_len);
    if (!c)
        c = rpm_vercmp(pa.version, pa.version_len, pb.version, pb.version_len);
    if (c)
        return c;
    if (!pa.release || !pb.release) /* an absent release sorts below every release */
        return (pa.release != NULL) - (pb.release != NULL);
    return rpm_vercmp(pa.release, pa.release_len, pb.release, pb.release_len);
}
