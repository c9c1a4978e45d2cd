/* webshell.c - the web shell heuristics of webshell.h.
 *
 * Each line of the buffer is handed to the rule functions of the table in order; each
 * returns the offset of its hit in the line or -1. Name searches are case-insensitive
 * substring searches that also check the byte before the name (an identifier boundary,
 * and for some names not a method call) and, for calls, the '(' after optional blanks.
 * "Argument text" is the rest of the line after that '(' up to FH_WEBSHELL_ARGS_MAX
 * bytes: crude, bounded, and enough for the one-line shells that make up most finds.
 * Work per buffer is linear in its length times the (fixed) number of names. */
#include "webshell.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"

#define NO_HIT ((long)-1)
#define SHORT_LINE_MIN 8    /* shorter lines cannot hold a rule's pattern */

enum boundary {
    ANY,        /* any byte before the name that is not part of an identifier */
    NO_ARROW,   /* ... and not "->" or "::" (PHP methods of database objects) */
    NO_METHOD,  /* ... and not '.', "->" or "::" (Python/Java methods) */
};

struct name {
    const char *s;
    enum boundary b;
};

static const struct name executors[] = {
    {"eval", ANY}, {"assert", NO_ARROW}, {"system", NO_ARROW}, {"exec", NO_ARROW},
    {"shell_exec", ANY}, {"passthru", ANY}, {"popen", NO_ARROW}, {"proc_open", ANY},
    {"pcntl_exec", ANY}, {"create_function", ANY}, {"call_user_func", ANY},
    {"call_user_func_array", ANY}, {"execute", NO_METHOD}, {"executeglobal", NO_METHOD},
    {NULL, ANY},
};

static const struct name evaluators[] = {
    {"eval", ANY}, {"assert", NO_ARROW}, {"create_function", ANY}, {"execute", NO_METHOD},
    {"executeglobal", NO_METHOD}, {"exec", NO_METHOD}, {NULL, ANY},
};

static const char *const request_inputs[] = {
    "$_get", "$_post", "$_request", "$_cookie", "$_files", "$_server[", "php://input",
    "$http_raw_post_data", "getparameter(", "request.form", "request.querystring",
    "request.item", "request(", "request[", "form.getvalue", "fieldstorage", "param(",
    NULL,
};

static const char *const decoders[] = {
    "base64_decode", "gzinflate", "gzuncompress", "gzdecode", "str_rot13", "hex2bin",
    "convert_uudecode", "strrev", "rawurldecode", "frombase64string", "b64decode",
    "atob(", "unescape(", NULL,
};

static const char *const signatures[] = {
    "c99shell", "r57shell", "b374k", "filesman", "wso_version", "weevely", "phpspy",
    "indoxploit", "e45e329feb5d925b", "antsword", "china chopper", NULL,
};

static const char *const callable_inputs[] = {"$_get[", "$_post[", "$_request[",
                                              "$_cookie[", NULL};

/* ---- small matchers over one line ---- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool ident(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$';
}

/* Case-insensitive search of the lower-case needle in s[from..len). */
static long find_ci(const char *s, size_t len, size_t from, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= len; i++) {
        if (lower((unsigned char)s[i]) != needle[0])
            continue;
        size_t k = 1;
        while (k < n && lower((unsigned char)s[i + k]) == needle[k])
            k++;
        if (k == n)
            return (long)i;
    }
    return NO_HIT;
}

static bool boundary_ok(const char *s, size_t at, enum boundary b)
{
    if (at == 0)
        return true;
    unsigned char c = (unsigned char)s[at - 1];
    if (ident(c))
        return false;
    if (b != ANY && at >= 2 && ((c == '>' && s[at - 2] == '-') || (c == ':' && s[at - 2] == ':')))
        return false;
    return !(b == NO_METHOD && c == '.');
}

/* The first call "name (" of a name in names on the line: returns the hit and sets
 * *args to the offset just after the '('. */
static long find_call(const char *s, size_t len, const struct name *names, size_t *args)
{
    long best = NO_HIT;
    for (const struct name *nm = names; nm->s; nm++) {
        size_t nlen = strlen(nm->s);
        for (long at = find_ci(s, len, 0, nm->s); at != NO_HIT;
             at = find_ci(s, len, (size_t)at + 1, nm->s)) {
            size_t p = (size_t)at + nlen;
            if (!boundary_ok(s, (size_t)at, nm->b) || (p < len && ident((unsigned char)s[p])))
                continue;
            while (p < len && (s[p] == ' ' || s[p] == '\t'))
                p++;
            if (p >= len || s[p] != '(')
                continue;
            if (best == NO_HIT || at < best) {
                best = at;
                *args = p + 1;
            }
            break;   /* later calls of the same name cannot come first */
        }
    }
    return best;
}

/* Whether one of words occurs in s[from .. from + FH_WEBSHELL_ARGS_MAX). */
static bool args_hold(const char *s, size_t len, size_t from, const char *const *words)
{
    size_t end = len - from > FH_WEBSHELL_ARGS_MAX ? from + FH_WEBSHELL_ARGS_MAX : len;
    for (const char *const *w = words; *w; w++)
        if (find_ci(s, end, from, *w) != NO_HIT)
            return true;
    return false;
}

/* ---- the rules: each returns the hit's offset in the line or NO_HIT ---- */

static long rule_exec_request(const char *s, size_t len)
{
    size_t args = 0;
    long at = find_call(s, len, executors, &args);
    return at != NO_HIT && args_hold(s, len, args, request_inputs) ? at : NO_HIT;
}

static long rule_request_function(const char *s, size_t len)
{
    for (const char *const *w = callable_inputs; *w; w++) {
        for (long at = find_ci(s, len, 0, *w); at != NO_HIT;
             at = find_ci(s, len, (size_t)at + 1, *w)) {
            size_t p = (size_t)at + strlen(*w), end = p + FH_WEBSHELL_ARGS_MAX;
            while (p < len && p < end && s[p] != ']')
                p++;
            for (p++; p < len && (s[p] == ' ' || s[p] == '\t'); p++)
                ;
            if (p < len && s[p] == '(')
                return at;
        }
    }
    return NO_HIT;
}

static long rule_signature(const char *s, size_t len)
{
    for (const char *const *w = signatures; *w; w++) {
        long at = find_ci(s, len, 0, *w);
        if (at != NO_HIT)
            return at;
    }
    return NO_HIT;
}

static long rule_eval_decoded(const char *s, size_t len)
{
    size_t args = 0;
    long at = find_call(s, len, evaluators, &args);
    return at != NO_HIT && args_hold(s, len, args, decoders) ? at : NO_HIT;
}

static bool hexdigit(int c)
{
    return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f');
}

static long rule_escaped_blob(const char *s, size_t len)
{
    size_t n = 0;
    long first = NO_HIT;
    for (size_t i = 0; i + 3 < len; i++) {
        if (s[i] == '\\' && lower((unsigned char)s[i + 1]) == 'x' &&
            hexdigit((unsigned char)s[i + 2]) && hexdigit((unsigned char)s[i + 3])) {
            if (first == NO_HIT)
                first = (long)i;
            if (++n >= FH_WEBSHELL_ESCAPES_MIN)
                return first;
            i += 3;
        }
    }
    return NO_HIT;
}

static bool b64char(int c)
{
    return ident(c) ? c != '$' : c == '+' || c == '/' || c == '=' || c == '-';
}

/* log2(x) for x >= 1, to about 1e-6: the integer part from the top bit, the fraction
 * bit by bit by squaring (no libm). */
static double log2_count(size_t x)
{
    int e = 0;
    while ((x >> e) > 1)
        e++;
    double m = (double)x / (double)((size_t)1 << e), frac = 0, bit = 0.5;
    for (int i = 0; i < 20; i++, bit /= 2) {
        m *= m;
        if (m >= 2) {
            m /= 2;
            frac += bit;
        }
    }
    return e + frac;
}

/* Shannon entropy of s[0..n) in hundredths of a bit per byte:
 * H = log2 n - (sum of c log2 c) / n over the byte counts c. */
static unsigned entropy_centibits(const char *s, size_t n)
{
    size_t count[256] = {0};
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        count[(unsigned char)s[i]]++;
    for (size_t c = 0; c < 256; c++)
        if (count[c] > 1)
            sum += (double)count[c] * log2_count(count[c]);
    double h = log2_count(n) - sum / (double)n;
    return h > 0 ? (unsigned)(h * 100.0) : 0;
}

static long rule_obfuscated_blob(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (!b64char((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t start = i;
        bool hex = true;
        while (i < len && b64char((unsigned char)s[i])) {
            hex = hex && hexdigit((unsigned char)s[i]);
            i++;
        }
        size_t n = i - start, back = start > 64 ? start - 64 : 0;
        if (n < FH_WEBSHELL_BLOB_MIN || find_ci(s, start, back, "data:") != NO_HIT)
            continue;
        if ((hex && n >= FH_WEBSHELL_HEX_MIN) ||
            entropy_centibits(s + start, n) >= FH_WEBSHELL_BLOB_CENTIBITS)
            return (long)start;
    }
    return NO_HIT;
}

/* ---- the table and the scan ---- */

const struct fh_webshell_rule fh_webshell_rules[] = {
    {"exec-request", "NAI.BDAI", FH__SEVERITY__SEVERITY_HIGH,
     "code or command execution on request input"},
    {"request-function", "NAI.BDAI", FH__SEVERITY__SEVERITY_HIGH,
     "request input called as a function"},
    {"shell-signature", "NAI.BDAI", FH__SEVERITY__SEVERITY_HIGH,
     "the marker of a known web shell"},
    {"eval-decoded", "MI.WBPI", FH__SEVERITY__SEVERITY_HIGH,
     "evaluation of decoded or decompressed text"},
    {"escaped-blob", "MI.WBPI", FH__SEVERITY__SEVERITY_MEDIUM,
     "a long run of \\x escapes (obfuscated code)"},
    {"obfuscated-blob", "MI.WBPI", FH__SEVERITY__SEVERITY_MEDIUM,
     "a long high-entropy encoded blob"},
    {NULL, NULL, 0, NULL},
};

static long (*const rule_fns[])(const char *, size_t) = {
    rule_exec_request, rule_request_function, rule_signature,
    rule_eval_decoded, rule_escaped_blob, rule_obfuscated_blob,
};

int fh_webshell_scan(const char *buf, size_t len, struct fh_webshell_match *m)
{
    if (!m || (!buf && len))
        return FH_EINVAL;
    if (len > FH_WEBSHELL_MAX_SCAN)
        return FH_ETOOBIG;
    size_t off = 0, line_no = 0;
    while (off < len) {
        const char *nl = memchr(buf + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
        line_no++;
        for (size_t r = 0; n >= SHORT_LINE_MIN && r < sizeof rule_fns / sizeof rule_fns[0];
             r++) {
            long at = rule_fns[r](buf + off, n);
            if (at != NO_HIT) {
                *m = (struct fh_webshell_match){&fh_webshell_rules[r], line_no, off, n,
                                                off + (size_t)at};
                return 1;
            }
        }
        off += n + 1;
    }
    return 0;
}

void fh_webshell_excerpt(const char *buf, size_t len, const struct fh_webshell_match *m,
                         char *out, size_t out_len)
{
    if (!out || out_len == 0)
        return;
    out[0] = '\0';
    if (!buf || !m || m->line_off > len || m->line_len > len - m->line_off || out_len < 8)
        return;
    size_t start = m->line_off, end = m->line_off + m->line_len, o = 0;
    while (start < end && (buf[start] == ' ' || buf[start] == '\t'))
        start++;
    while (end > start && (buf[end - 1] == '\r' || buf[end - 1] == ' '))
        end--;
    size_t room = out_len - 1;
    bool cut_front = false, cut_back = false;
    if (end - start > room) {
        room -= 6;   /* "..." at both ends */
        size_t hit = m->hit_off < start ? start : m->hit_off;
        size_t from = hit > start + room / 4 ? hit - room / 4 : start;
        if (from + room > end)
            from = end - room;
        cut_front = from > start;
        cut_back = from + room < end;
        start = from;
        end = from + room;
    }
    if (cut_front)
        o += (size_t)snprintf(out, out_len, "...");
    for (size_t i = start; i < end && o + 1 < out_len; i++) {
        unsigned char c = (unsigned char)buf[i];
        out[o++] = c >= 0x20 && c < 0x7f ? (char)c : c == '\t' ? ' ' : '?';
    }
    out[o] = '\0';
    if (cut_back && o + 3 < out_len)
        memcpy(out + o, "...", 4);
}

bool fh_webshell_ext_match(const char *name, const char *exts)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot || !dot[1] || !exts || strchr(dot, '/'))
        return false;
    size_t n = strlen(dot + 1);
    for (const char *p = exts; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t k = strcspn(p, ", ");
        if (k == n && k && strncasecmp(p, dot + 1, n) == 0)
            return true;
        p += k;
    }
    return false;
}
