/* path.c - parse and compare node paths ([100000/]province/city/county/unit/host).
 *
 * fh_path_parse() walks the '/'-separated segments left to right with one piece of
 * state, the level of the previous segment, and decides each segment's level from its
 * shape and that state:
 *   - after a unit, the segment can only be a host name (RFC 1123);
 *   - six ASCII digits are a division code; its own level comes from its zero digits
 *     (PP0000 province, PPCC00 city, PPCCXX county) and must be the one level below the
 *     previous segment, with the previous code as its prefix (the nation 100000 only
 *     first);
 *   - 8..18 of [0-9A-Z] are a unit code, under any division (the nation included);
 *   - anything else is an error, worded after what the segment most looks like.
 * The first error stops the walk and its reason, naming the segment by number and
 * text, goes to why. fh_path_within() and fh_path_parent() parse their arguments and
 * work on the segment offsets, so "32010" never matches "320100" as a prefix. */
#include "path.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define HOST_MAX 253
#define LABEL_MAX 63
#define UNIT_MIN 8
#define UNIT_MAX 18
#define DIVISION_LEN 6
#define PROVINCE_MIN 11
#define PROVINCE_MAX 82

/* Write a reason into why (when given) and return err. */
__attribute__((format(printf, 4, 5)))
static int fail(char *why, size_t why_len, int err, const char *fmt, ...)
{
    if (why && why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return err;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return n > 0;
}

static bool is_unit_code(const char *s, size_t n)
{
    if (n < UNIT_MIN || n > UNIT_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]) && !is_upper(s[i]))
            return false;
    return true;
}

/* Check an RFC 1123 host name of n bytes. Returns NULL when valid, else a reason. */
static const char *host_problem(const char *s, size_t n)
{
    if (n > HOST_MAX)
        return "a host name is at most 253 characters";
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            char c = s[i];
            if (!is_digit(c) && !is_upper(c) && !is_lower(c) && c != '-')
                return "a host name holds only letters, digits, '-' and '.'";
            continue;
        }
        size_t label = i - start;
        if (label == 0)
            return "a host name has no empty label";
        if (label > LABEL_MAX)
            return "a host name label is at most 63 characters";
        if (s[start] == '-' || s[i - 1] == '-')
            return "a host name label does not start or end with '-'";
        start = i + 1;
    }
    return NULL;
}

static int two_digits(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* Level of a six-digit division code, or -1 with a reason. */
static int division_level(const char *s, const char **problem)
{
    if (memcmp(s, FH_NATION_CODE, DIVISION_LEN) == 0)
        return FH_LEVEL_NATION;
    int pp = two_digits(s), cc = two_digits(s + 2), xx = two_digits(s + 4);
    if (pp < PROVINCE_MIN || pp > PROVINCE_MAX) {
        *problem = "the first 2 digits of a division code are a province 11..82";
        return -1;
    }
    if (xx != 0 && cc == 0) {
        *problem = "a county code has a city part (digits 3-4 are not 00)";
        return -1;
    }
    return xx != 0 ? FH_LEVEL_COUNTY : cc != 0 ? FH_LEVEL_CITY : FH_LEVEL_PROVINCE;
}

/* Check the division code seg (segment i) after a segment of level prev (-1: none);
 * on success store its level in *lvl. prev_seg is the previous segment's text. */
static int check_division(const char *seg, int i, int prev, const char *prev_seg,
                          enum fh_path_level *lvl, char *why, size_t why_len)
{
    const char *problem = NULL;
    int got = division_level(seg, &problem);
    if (got < 0)
        return fail(why, why_len, FH_EINVAL, "segment %d \"%.6s\": %s", i, seg, problem);
    if (got == FH_LEVEL_NATION) { /* the caller refuses it past segment 1 */
        *lvl = FH_LEVEL_NATION;
        return 0;
    }
    if (prev == FH_LEVEL_COUNTY)
        return fail(why, why_len, FH_EINVAL,
                    "segment %d \"%.6s\": no division lies below a county", i, seg);
    int want = (prev == -1 || prev == FH_LEVEL_NATION) ? FH_LEVEL_PROVINCE : prev + 1;
    if (got != want) {
        if (want == FH_LEVEL_PROVINCE && prev == FH_LEVEL_NATION)
            return fail(why, why_len, FH_EINVAL, "segment %d \"%.6s\": the nation is"
                        " followed by a province code (PP0000)", i, seg);
        if (want == FH_LEVEL_PROVINCE)
            return fail(why, why_len, FH_EINVAL,
                        "segment %d \"%.6s\": a path starts with a province code (PP0000)"
                        " or the nation %s", i, seg, FH_NATION_CODE);
        if (got > want)
            return fail(why, why_len, FH_EINVAL,
                        "segment %d \"%.6s\": a %s needs its %s before it", i, seg,
                        fh_path_level_name((enum fh_path_level)got),
                        fh_path_level_name((enum fh_path_level)(got - 1)));
        return fail(why, why_len, FH_EINVAL, "segment %d \"%.6s\": a %s cannot follow a %s",
                    i, seg, fh_path_level_name((enum fh_path_level)got),
                    fh_path_level_name((enum fh_path_level)prev));
    }
    size_t shared = want == FH_LEVEL_CITY ? 2 : want == FH_LEVEL_COUNTY ? 4 : 0;
    if (shared && memcmp(seg, prev_seg, shared) != 0)
        return fail(why, why_len, FH_EINVAL,
                    "segment %d \"%.6s\": this %s is not in %s %.6s (the first %zu digits"
                    " differ)", i, seg, fh_path_level_name((enum fh_path_level)want),
                    fh_path_level_name((enum fh_path_level)prev), prev_seg, shared);
    *lvl = (enum fh_path_level)want;
    return 0;
}

/* Explain why seg (n bytes, segment i after level prev) is neither a division code
 * nor a unit code nor, after a unit, a host name. */
static int explain_bad(const char *seg, size_t n, int i, int prev, char *why, size_t why_len)
{
    int w = n > 64 ? 64 : (int)n;
    const char *dots = n > 64 ? "..." : "";
    if (n < UNIT_MIN && n > 0 && is_digit(seg[0]) && prev != FH_LEVEL_COUNTY) {
        const char *lvl = (prev == -1 || prev == FH_LEVEL_NATION) ? "province"
                          : prev == FH_LEVEL_PROVINCE ? "city" : "county";
        return fail(why, why_len, FH_EINVAL, "segment %d \"%.*s\": a %s code is 6 digits",
                    i, w, seg, lvl);
    }
    if (prev != -1 && host_problem(seg, n) == NULL) {
        bool hostlike = false;
        for (size_t k = 0; k < n; k++)
            hostlike |= is_lower(seg[k]) || seg[k] == '.' || seg[k] == '-';
        if (hostlike)
            return fail(why, why_len, FH_EINVAL,
                        "segment %d \"%.*s%s\": a host name needs a unit code above it", i,
                        w, seg, dots);
    }
    if (prev != -1)
        return fail(why, why_len, FH_EINVAL,
                    "segment %d \"%.*s%s\": a unit code is 8 to 18 digits and upper-case"
                    " letters", i, w, seg, dots);
    return fail(why, why_len, FH_EINVAL,
                "segment 1 \"%.*s%s\": a path starts with a province code (PP0000) or the"
                " nation %s", w, seg, dots, FH_NATION_CODE);
}

int fh_path_parse(const char *s, struct fh_path *out, char *why, size_t why_len)
{
    struct fh_path p;
    size_t n = 0;

    if (!s)
        return fail(why, why_len, FH_EINVAL, "no path given");
    while (n < FH_PATH_MAX && s[n] != '\0')
        n++;
    if (n >= FH_PATH_MAX)
        return fail(why, why_len, FH_ETOOBIG, "the path is longer than %d bytes",
                    FH_PATH_MAX - 1);
    if (n == 0)
        return fail(why, why_len, FH_EINVAL, "the path is empty");
    if (s[0] == '/')
        return fail(why, why_len, FH_EINVAL, "the path starts with '/'");
    if (s[n - 1] == '/')
        return fail(why, why_len, FH_EINVAL, "the path ends with '/'");

    memset(&p, 0, sizeof p);
    memcpy(p.text, s, n + 1);
    int prev = -1;
    size_t start = 0;
    for (int i = 1; start <= n; i++) {
        const char *seg = p.text + start;
        const char *slash = memchr(seg, '/', n - start);
        size_t len = slash ? (size_t)(slash - seg) : n - start;
        enum fh_path_level lvl = FH_LEVEL_NATION;
        int rc;

        if (len == 0)
            return fail(why, why_len, FH_EINVAL,
                        "segment %d is empty (a doubled '/')", i);
        if (p.nseg == FH_PATH_SEGMENTS || prev == FH_LEVEL_HOST)
            return fail(why, why_len, FH_EINVAL,
                        "segment %d: nothing may follow a host name", i);
        if (i > 1 && len == DIVISION_LEN && memcmp(seg, FH_NATION_CODE, len) == 0)
            return fail(why, why_len, FH_EINVAL,
                        "segment %d \"%s\": the nation code may only come first", i,
                        FH_NATION_CODE);
        if (prev == FH_LEVEL_UNIT) {
            const char *problem = host_problem(seg, len);
            if (problem)
                return fail(why, why_len, FH_EINVAL, "segment %d \"%.*s%s\": %s", i,
                            len > 64 ? 64 : (int)len, seg, len > 64 ? "..." : "", problem);
            lvl = FH_LEVEL_HOST;
        } else if (len == DIVISION_LEN && all_digits(seg, len)) {
            const char *prev_seg = prev == -1 ? "" : p.text + p.off[p.nseg - 1];
            rc = check_division(seg, i, prev, prev_seg, &lvl, why, why_len);
            if (rc < 0)
                return rc;
        } else if (is_unit_code(seg, len) && prev != -1) {
            lvl = FH_LEVEL_UNIT;
        } else {
            return explain_bad(seg, len, i, prev, why, why_len);
        }
        p.level[p.nseg] = lvl;
        p.off[p.nseg] = (unsigned short)start;
        p.len[p.nseg] = (unsigned short)len;
        p.nseg++;
        prev = (int)lvl;
        start += len + 1;
    }
    if (out)
        *out = p;
    if (why && why_len > 0)
        why[0] = '\0';
    return 0;
}

bool fh_path_valid(const char *s)
{
    return fh_path_parse(s, NULL, NULL, 0) == 0;
}

bool fh_path_within(const char *scope, const char *path)
{
    struct fh_path sc, pa;

    if (fh_path_parse(scope, &sc, NULL, 0) < 0 || fh_path_parse(path, &pa, NULL, 0) < 0)
        return false;
    if (sc.nseg > pa.nseg)
        return false;
    for (size_t i = 0; i < sc.nseg; i++) {
        if (sc.len[i] != pa.len[i] ||
            memcmp(sc.text + sc.off[i], pa.text + pa.off[i], sc.len[i]) != 0)
            return false;
    }
    return true;
}

const char *fh_path_level_name(enum fh_path_level level)
{
    switch (level) {
    case FH_LEVEL_NATION: return "nation";
    case FH_LEVEL_PROVINCE: return "province";
    case FH_LEVEL_CITY: return "city";
    case FH_LEVEL_COUNTY: return "county";
    case FH_LEVEL_UNIT: return "unit";
    case FH_LEVEL_HOST: return "host";
    }
    return "unknown";
}

int fh_path_parent(const char *path, char *out, size_t out_len)
{
    struct fh_path p;
    int rc = fh_path_parse(path, &p, NULL, 0);

    if (out && out_len > 0)
        out[0] = '\0';
    if (rc < 0)
        return rc;
    size_t keep = p.nseg > 1 ? p.off[p.nseg - 1] - 1u : 0;
    if (!out || keep + 1 > out_len)
        return FH_ETOOBIG;
    memcpy(out, p.text, keep);
    out[keep] = '\0';
    return 0;
}

bool fh_path_within_valid(const char *scope, const char *path)
{
    size_t n = strlen(scope);
    return strncmp(scope, path, n) == 0 && (path[n] == '/' || path[n] == '\0');
}
