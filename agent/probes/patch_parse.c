/* patch_parse.c - inventory, version order and parsers of the patch probe.
 *
 * The inventory keeps its packages in one growing array and their strings in an arena
 * of 64 KiB blocks that a reset keeps for the next fill, so a probe that re-reads the
 * same package database every hour allocates nothing after its first round. Parsers are
 * line callbacks fed by fh_patch_lines, which hands over at most FH_PATCH_LINE_MAX - 1
 * bytes of a line (a 10 MB Description line costs nothing). Version comparison is dpkg's
 * verrevcmp on pointer ranges, so nothing is copied. */
#include "patch_parse.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"

#define BLOCK_BYTES (64 * 1024)

struct fh_patch_block {
    struct fh_patch_block *next;
    size_t used;
    char data[BLOCK_BYTES];
};

/* ---- version order ---- */

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_blank(int c) { return c == ' ' || c == '\t' || c == '\r'; }

/* dpkg's weight of a character outside a run of digits; the end of the string weighs 0 */
static int order(const char *p, const char *end)
{
    int c = p < end ? (unsigned char)*p : 0;

    if (c == 0 || is_digit(c))
        return 0;
    if (is_alpha(c))
        return c;
    if (c == '~')
        return -1;
    return c + 256;
}

static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
    while (a < ae || b < be) {
        int first_diff = 0;

        while ((a < ae && !is_digit(*a)) || (b < be && !is_digit(*b))) {
            int ac = order(a, ae), bc = order(b, be);
            if (ac != bc)
                return ac - bc;
            a++; /* equal weights: both are inside their strings */
            b++;
        }
        while (a < ae && *a == '0')
            a++;
        while (b < be && *b == '0')
            b++;
        while (a < ae && b < be && is_digit(*a) && is_digit(*b)) {
            if (!first_diff)
                first_diff = *a - *b;
            a++;
            b++;
        }
        if (a < ae && is_digit(*a))
            return 1;
        if (b < be && is_digit(*b))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
}

struct version {
    const char *epoch, *epoch_end, *up, *up_end, *rev, *rev_end;
};

static void version_split(const char *s, struct version *v)
{
    const char *end = s + strlen(s), *colon = strchr(s, ':'), *p, *hyphen;

    v->epoch = v->epoch_end = s;
    if (colon && colon > s) {
        for (p = s; p < colon && is_digit(*p); p++)
            ;
        if (p == colon) { /* all digits: an epoch */
            v->epoch_end = colon;
            s = colon + 1;
        }
    }
    while (v->epoch < v->epoch_end && *v->epoch == '0')
        v->epoch++;
    hyphen = memrchr(s, '-', (size_t)(end - s));
    v->up = s;
    v->up_end = hyphen ? hyphen : end;
    v->rev = hyphen ? hyphen + 1 : end;
    v->rev_end = end;
}

int fh_deb_version_cmp(const char *a, const char *b)
{
    struct version va, vb;
    size_t ea, eb;
    int c;

    version_split(a ? a : "", &va);
    version_split(b ? b : "", &vb);
    ea = (size_t)(va.epoch_end - va.epoch);
    eb = (size_t)(vb.epoch_end - vb.epoch);
    if (ea != eb) /* no leading zeros left: the longer number is the larger */
        return ea < eb ? -1 : 1;
    if ((c = ea ? memcmp(va.epoch, vb.epoch, ea) : 0) == 0 &&
        (c = verrevcmp(va.up, va.up_end, vb.up, vb.up_end)) == 0)
        c = verrevcmp(va.rev, va.rev_end, vb.rev, vb.rev_end);
    return (c > 0) - (c < 0);
}

/* ---- the inventory ---- */

void fh_patch_inv_init(struct fh_patch_inv *inv)
{
    memset(inv, 0, sizeof *inv);
}

void fh_patch_inv_reset(struct fh_patch_inv *inv)
{
    inv->n = 0, inv->fill = NULL; /* the blocks are reused from the first */
}

void fh_patch_inv_free(struct fh_patch_inv *inv)
{
    for (struct fh_patch_block *b = inv->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(inv->pkgs);
    free(inv->order);
    fh_patch_inv_init(inv);
}

static char *arena_copy(struct fh_patch_inv *inv, const char *s, size_t len)
{
    struct fh_patch_block *b = inv->fill;
    char *d;

    if (!b || BLOCK_BYTES - b->used < len + 1) {
        struct fh_patch_block *next = b ? b->next : inv->blocks;
        if (!next) {
            if (!(next = malloc(sizeof *next)))
                return NULL;
            next->next = NULL;
            if (b)
                b->next = next;
            else
                inv->blocks = next;
        }
        next->used = 0;
        inv->fill = b = next;
    }
    d = b->data + b->used;
    memcpy(d, s, len);
    d[len] = '\0';
    b->used += len + 1;
    return d;
}

/* printable ASCII, no blanks, shorter than max */
static bool valid_field(const char *s, size_t len, size_t max)
{
    if (len >= max)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

int fh_patch_inv_add(struct fh_patch_inv *inv, const char *name, size_t name_len,
                     const char *version, size_t version_len, const char *arch,
                     size_t arch_len)
{
    struct fh_patch_pkg *p;

    if (!name_len || !version_len || !valid_field(name, name_len, FH_PATCH_NAME_MAX) ||
        !valid_field(version, version_len, FH_PATCH_VERSION_MAX) ||
        !valid_field(arch, arch_len, FH_PATCH_ARCH_MAX))
        return FH_EMALFORMED;
    if (inv->n >= FH_PATCH_MAX_PACKAGES)
        return FH_ETOOBIG;
    if (inv->n == inv->cap) {
        size_t cap = inv->cap ? inv->cap * 2 : 1024;
        if (cap > FH_PATCH_MAX_PACKAGES)
            cap = FH_PATCH_MAX_PACKAGES;
        if (!(p = realloc(inv->pkgs, cap * sizeof *p)))
            return FH_ENOMEM;
        inv->pkgs = p;
        inv->cap = cap;
    }
    p = &inv->pkgs[inv->n];
    if (!(p->name = arena_copy(inv, name, name_len)) ||
        !(p->version = arena_copy(inv, version, version_len)) ||
        !(p->arch = arena_copy(inv, arch, arch_len)))
        return FH_ENOMEM;
    inv->n++;
    return 0;
}

/* the identity of a package: name, then arch */
static int key_cmp(const struct fh_patch_pkg *a, const struct fh_patch_pkg *b)
{
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->arch, b->arch);
}

static int pkg_cmp(const void *x, const void *y)
{
    const struct fh_patch_pkg *a = x, *b = y;
    int c = key_cmp(a, b);
    return c ? c : strcmp(a->version, b->version);
}

void fh_patch_inv_finish(struct fh_patch_inv *inv)
{
    size_t kept = 0;

    if (inv->n > 1)
        qsort(inv->pkgs, inv->n, sizeof inv->pkgs[0], pkg_cmp);
    for (size_t i = 0; i < inv->n; i++)
        if (kept == 0 || pkg_cmp(&inv->pkgs[kept - 1], &inv->pkgs[i]) != 0)
            inv->pkgs[kept++] = inv->pkgs[i];
    inv->n = kept;
}

/* "name version arch" lines in byte order: fields hold no byte below '!', so comparing
 * field by field orders the lines the same way */
static int line_cmp(const void *x, const void *y)
{
    const struct fh_patch_pkg *a = *(const struct fh_patch_pkg *const *)x;
    const struct fh_patch_pkg *b = *(const struct fh_patch_pkg *const *)y;
    int c = strcmp(a->name, b->name);
    if (!c)
        c = strcmp(a->version, b->version);
    return c ? c : strcmp(a->arch, b->arch);
}

int fh_patch_inv_sha256(struct fh_patch_inv *inv, uint8_t out[32])
{
    char line[FH_PATCH_NAME_MAX + FH_PATCH_VERSION_MAX + FH_PATCH_ARCH_MAX + 3];
    EVP_MD_CTX *ctx = NULL;
    unsigned int len = 0;
    int rc = FH_EIO;

    if (inv->n > inv->order_cap) {
        const struct fh_patch_pkg **o = realloc(inv->order, inv->n * sizeof *o);
        if (!o)
            return FH_ENOMEM;
        inv->order = o;
        inv->order_cap = inv->n;
    }
    for (size_t i = 0; i < inv->n; i++)
        inv->order[i] = &inv->pkgs[i];
    if (inv->n > 1)
        qsort(inv->order, inv->n, sizeof inv->order[0], line_cmp);
    if (!(ctx = EVP_MD_CTX_new()))
        return FH_ENOMEM;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    for (size_t i = 0; i < inv->n; i++) {
        const struct fh_patch_pkg *p = inv->order[i];
        int n = snprintf(line, sizeof line, "%s %s %s\n", p->name, p->version, p->arch);
        if (n < 0 || (size_t)n >= sizeof line || EVP_DigestUpdate(ctx, line, (size_t)n) != 1)
            goto out;
    }
    if (EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32)
        rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* end of the group (same name and arch) that starts at i */
static size_t group_end(const struct fh_patch_inv *inv, size_t i)
{
    size_t j = i + 1;
    while (j < inv->n && key_cmp(&inv->pkgs[i], &inv->pkgs[j]) == 0)
        j++;
    return j;
}

int fh_patch_inv_diff(const struct fh_patch_inv *old, const struct fh_patch_inv *cur,
                      fh_patch_pkg_fn changed, fh_patch_pkg_fn removed, void *arg)
{
    size_t i = 0, j = 0;
    int rc;

    while (i < cur->n || j < old->n) {
        size_t i2 = i < cur->n ? group_end(cur, i) : i;
        size_t j2 = j < old->n ? group_end(old, j) : j;
        int c = i == cur->n ? 1 : j == old->n ? -1 : key_cmp(&cur->pkgs[i], &old->pkgs[j]);
        bool same = c == 0 && i2 - i == j2 - j;

        for (size_t k = 0; same && k < i2 - i; k++)
            same = strcmp(cur->pkgs[i + k].version, old->pkgs[j + k].version) == 0;
        if (c > 0) {
            if ((rc = removed(arg, &old->pkgs[j])) != 0)
                return rc;
        } else if (!same) {
            for (size_t k = i; k < i2; k++)
                if ((rc = changed(arg, &cur->pkgs[k])) != 0)
                    return rc;
        }
        if (c <= 0)
            i = i2;
        if (c >= 0)
            j = j2;
    }
    return 0;
}

/* ---- lines ---- */

void fh_patch_lines_init(struct fh_patch_lines *l, fh_patch_line_fn fn, void *arg)
{
    l->fn = fn, l->arg = arg;
    l->len = 0, l->cut = false, l->stopped = 0;
}

static int emit_line(struct fh_patch_lines *l)
{
    l->buf[l->len] = '\0';
    l->stopped = l->fn(l->arg, l->buf, l->len, l->cut);
    l->len = 0;
    l->cut = false;
    return l->stopped;
}

int fh_patch_lines_feed(struct fh_patch_lines *l, const char *data, size_t n)
{
    while (!l->stopped && n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) : n, room = sizeof l->buf - 1 - l->len;

        memcpy(l->buf + l->len, data, take < room ? take : room);
        l->len += take < room ? take : room;
        l->cut |= take > room;
        if (!nl)
            break;
        emit_line(l);
        data = nl + 1;
        n -= take + 1;
    }
    return l->stopped;
}

int fh_patch_lines_end(struct fh_patch_lines *l)
{
    if (!l->stopped && (l->len > 0 || l->cut))
        emit_line(l);
    return l->stopped;
}

/* ---- package databases ---- */

void fh_patch_parse_begin(struct fh_patch_parse *p, struct fh_patch_inv *inv)
{
    memset(p, 0, sizeof *p);
    p->inv = inv;
}

/* Add a package, counting a malformed one; returns 0 or what stops the parse. */
static int take(struct fh_patch_parse *p, const char *name, size_t name_len,
                const char *version, size_t version_len, const char *arch, size_t arch_len)
{
    int rc = fh_patch_inv_add(p->inv, name, name_len, version, version_len, arch, arch_len);

    if (rc == FH_EMALFORMED) {
        p->malformed++;
        rc = 0;
    }
    return rc;
}

static int end_stanza(struct fh_patch_parse *p)
{
    int rc = 0;

    if (p->in_stanza && p->installed) {
        if (p->bad || !p->name_len || !p->version_len)
            p->malformed++;
        else
            rc = take(p, p->name, p->name_len, p->version, p->version_len, p->arch,
                      p->arch_len);
    }
    p->in_stanza = p->installed = p->bad = false;
    p->name_len = p->version_len = p->arch_len = 0;
    return rc;
}

/* Copy a field's value into dst[max]; too long (or cut) marks the stanza bad. */
static void field_copy(struct fh_patch_parse *p, char *dst, size_t *dst_len, size_t max,
                       const char *v, size_t len, bool cut)
{
    if (cut || len >= max) {
        p->bad = true;
        *dst_len = 0;
        return;
    }
    memcpy(dst, v, len);
    dst[len] = '\0';
    *dst_len = len;
}

/* Status: "want error state": installed when the third word is "installed" */
static bool status_installed(const char *v, size_t len)
{
    const char *end = v + len;

    for (int word = 0; word < 2; word++) {
        while (v < end && !is_blank(*v))
            v++;
        while (v < end && is_blank(*v))
            v++;
    }
    return (size_t)(end - v) == 9 && memcmp(v, "installed", 9) == 0;
}

int fh_patch_dpkg_line(void *parse, const char *line, size_t len, bool cut)
{
    struct fh_patch_parse *p = parse;
    const char *colon, *v, *end = line + len;
    size_t name_len, vlen, i = 0;

    while (i < len && is_blank(line[i]))
        i++;
    if (i == len && !cut)
        return end_stanza(p);
    if (line[0] == ' ' || line[0] == '\t')
        return 0; /* a continuation line (Description, Conffiles...) */
    p->in_stanza = true;
    if (!(colon = memchr(line, ':', len)))
        return 0; /* not a field: nothing we read */
    name_len = (size_t)(colon - line);
    for (v = colon + 1; v < end && is_blank(*v); v++)
        ;
    while (end > v && is_blank(end[-1]))
        end--;
    vlen = (size_t)(end - v);
    if (name_len == 7 && strncasecmp(line, "Package", 7) == 0)
        field_copy(p, p->name, &p->name_len, sizeof p->name, v, vlen, cut);
    else if (name_len == 7 && strncasecmp(line, "Version", 7) == 0)
        field_copy(p, p->version, &p->version_len, sizeof p->version, v, vlen, cut);
    else if (name_len == 12 && strncasecmp(line, "Architecture", 12) == 0)
        field_copy(p, p->arch, &p->arch_len, sizeof p->arch, v, vlen, cut);
    else if (name_len == 6 && strncasecmp(line, "Status", 6) == 0)
        p->installed = !cut && status_installed(v, vlen);
    return 0;
}

int fh_patch_rpm_line(void *parse, const char *line, size_t len, bool cut)
{
    struct fh_patch_parse *p = parse;
    const char *f[4], *fe[4];
    size_t n = 0, i = 0;

    while (n < 4) { /* up to 4 fields: a fourth makes the line malformed */
        while (i < len && is_blank(line[i]))
            i++;
        if (i == len)
            break;
        f[n] = line + i;
        while (i < len && !is_blank(line[i]))
            i++;
        fe[n++] = line + i;
    }
    if (n == 0 && !cut)
        return 0;
    if (n != 3 || cut) {
        p->malformed++;
        return 0;
    }
    return take(p, f[0], (size_t)(fe[0] - f[0]), f[1], (size_t)(fe[1] - f[1]), f[2],
                (size_t)(fe[2] - f[2]));
}

int fh_patch_parse_end(struct fh_patch_parse *p)
{
    return end_stanza(p);
}

/* ---- pending updates ---- */

void fh_patch_apt_reset(struct fh_patch_apt *a)
{
    a->pending = a->security = 0, a->nnames = a->text_len = 0;
}

int fh_patch_apt_line(void *apt, const char *line, size_t len, bool cut)
{
    struct fh_patch_apt *a = apt;
    const char *name, *name_end, *open, *close, *end = line + len;
    size_t name_len;

    (void)cut;
    if (len < 5 || memcmp(line, "Inst ", 5) != 0)
        return 0;
    if (a->pending < UINT32_MAX)
        a->pending++;
    for (name = line + 5; name < end && is_blank(*name); name++)
        ;
    for (name_end = name; name_end < end && !is_blank(*name_end); name_end++)
        ;
    name_len = (size_t)(name_end - name);
    if (!(open = memchr(name_end, '(', (size_t)(end - name_end))))
        return 0;
    if (!(close = memchr(open, ')', (size_t)(end - open))))
        close = end; /* a cut line: what there is of it */
    if (!memmem(open, (size_t)(close - open), "-security", 9) &&
        !memmem(open, (size_t)(close - open), "Debian-Security", 15))
        return 0;
    if (a->security < UINT32_MAX)
        a->security++;
    if (name_len && valid_field(name, name_len, FH_PATCH_NAME_MAX) &&
        a->nnames < FH_PATCH_MAX_SECURITY_NAMES &&
        sizeof a->text - a->text_len > name_len) {
        char *d = a->text + a->text_len;
        memcpy(d, name, name_len);
        d[name_len] = '\0';
        a->text_len += name_len + 1;
        a->names[a->nnames++] = d;
    }
    return 0;
}

/* ---- kernels ---- */

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

bool fh_patch_kernel_release(const struct fh_patch_pkg *p, bool rpm, char *out,
                             size_t out_len)
{
    const char *r = p->name;
    size_t len;
    int n;

    if (rpm) {
        if (strcmp(p->name, "kernel") != 0 && strcmp(p->name, "kernel-core") != 0)
            return false;
        n = snprintf(out, out_len, "%s%s%s", p->version, p->arch[0] ? "." : "", p->arch);
        return n > 0 && (size_t)n < out_len;
    }
    if (strncmp(r, "linux-image-", 12) != 0)
        return false;
    r += 12;
    if (strncmp(r, "unsigned-", 9) == 0)
        r += 9;
    len = strlen(r);
    if (!is_digit(*r) || has_suffix(r, len, "-dbg") || has_suffix(r, len, "-dbgsym"))
        return false;
    if (has_suffix(r, len, "-unsigned"))
        len -= 9;
    if (len >= out_len)
        return false;
    memcpy(out, r, len);
    out[len] = '\0';
    return true;
}

void fh_patch_newest_kernel(const struct fh_patch_inv *inv, bool rpm, const char *running,
                            char *out, size_t out_len)
{
    const struct fh_patch_pkg *best = NULL;
    char best_rel[FH_PATCH_RELEASE_MAX], rel[FH_PATCH_RELEASE_MAX];

    for (size_t i = 0; i < inv->n; i++) {
        const struct fh_patch_pkg *p = &inv->pkgs[i];
        int c;
        if (!fh_patch_kernel_release(p, rpm, rel, sizeof rel))
            continue;
        c = best ? fh_deb_version_cmp(p->version, best->version) : 1;
        if (c == 0 && running) /* same build: the running one wins */
            c = (strcmp(rel, running) == 0) - (strcmp(best_rel, running) == 0);
        if (c == 0)
            c = fh_deb_version_cmp(rel, best_rel);
        if (c > 0) {
            best = p;
            memcpy(best_rel, rel, sizeof rel);
        }
    }
    if (out_len > 0)
        snprintf(out, out_len, "%s", best && strlen(best_rel) < out_len ? best_rel : "");
}
