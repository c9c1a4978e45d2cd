/* auth_parse.c - log lines, failures per source, privileged accounts, key fingerprints
 * for the auth probe (auth_parse.h has the contract).
 *
 * Lines: the syslog header (time stamp, host, "prog[pid]:") is skipped by tokens, then
 * the message is matched against the few sshd and pam_unix phrases the probe uses. The
 * user name an attacker chooses may hold spaces and even " from ", so a message is cut
 * at its last " from " and the source must be a plain address or host name.
 *
 * Failures: a table of at most FH_AUTH_MAX_SOURCES sources, each with a ring of the
 * times of its last fail_count failures: when the ring is full and its oldest time is
 * within fail_window_s of the newest, fail_count failures happened within the window.
 * A new source takes a free slot or the one whose last activity is oldest. Lookups are
 * a linear scan: with the line budget of a round that is a few million comparisons at
 * worst, and the table stays a flat array with no allocation after start.
 *
 * Privileged accounts: group is read first to learn the privileged groups' gids and
 * members, then passwd for uid 0 and primary gids; entries are sorted so that two
 * snapshots compare by binary search. */
#include "auth_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"

/* ---- lines ---- */

static const char *skip_token(const char *p)
{
    while (*p == ' ')
        p++;
    while (*p && *p != ' ')
        p++;
    return p;
}

/* Copy [s, s+n) into out[size] with control bytes as '?'; cut with '~' when too long. */
static void copy_clean(char *out, size_t size, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n && i + 1 < size; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (i < n && i > 0)
        out[i - 1] = '~';
    out[i] = '\0';
}

/* A source: an IPv4/IPv6 address or a host name, 1..FH_AUTH_SOURCE_MAX-1 bytes. */
static bool source_ok(const char *s, size_t n)
{
    if (n == 0 || n >= FH_AUTH_SOURCE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr(".:-_%", s[i]))
            return false;
    return true;
}

/* The last occurrence of needle in [s, end). */
static const char *last_of(const char *s, const char *end, const char *needle)
{
    size_t nl = strlen(needle);
    for (const char *p = end - nl; p >= s; p--)
        if (memcmp(p, needle, nl) == 0)
            return p;
    return NULL;
}

/* "USER from SOURCE[ port N...]" in [s, end): fill user and source. */
static int user_from(const char *s, const char *end, struct fh_auth_event *ev)
{
    const char *from = last_of(s, end, " from ");
    const char *src, *src_end;
    if (!from)
        return FH_EMALFORMED;
    src = from + 6;
    src_end = src;
    while (src_end < end && *src_end != ' ')
        src_end++;
    if (!source_ok(src, (size_t)(src_end - src)))
        return FH_EMALFORMED;
    copy_clean(ev->user, sizeof ev->user, s, (size_t)(from - s));
    copy_clean(ev->source, sizeof ev->source, src, (size_t)(src_end - src));
    return 1;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* sshd's own messages. Returns 1, 0 or FH_EMALFORMED. */
static int parse_sshd(const char *msg, struct fh_auth_event *ev)
{
    const char *end = msg + strlen(msg), *p, *sp;
    bool failed = starts(msg, "Failed "), accepted = starts(msg, "Accepted ");
    if (failed || accepted) {
        p = msg + (failed ? 7 : 9);
        sp = strstr(p, " for ");
        if (!sp || sp == p)
            return 0;
        copy_clean(ev->method, sizeof ev->method, p, (size_t)(sp - p));
        p = sp + 5;
        if (failed && starts(p, "invalid user ")) {
            ev->invalid_user = true;
            p += 13;
        }
        ev->kind = failed ? FH_AUTH_FAILED : FH_AUTH_ACCEPTED;
        return user_from(p, end, ev);
    }
    if (starts(msg, "Invalid user ")) {
        ev->kind = FH_AUTH_INVALID_USER;
        snprintf(ev->method, sizeof ev->method, "none");
        return user_from(msg + 13, end, ev);
    }
    return 0;
}

/* "pam_unix(SERVICE:auth): authentication failure; ... rhost=S  user=U" */
static int parse_pam(const char *msg, struct fh_auth_event *ev)
{
    const char *p = msg + 9, *colon = strchr(p, ':'), *rhost, *user, *e;
    if (!colon || !strstr(colon, "): authentication failure;"))
        return 0;
    if (colon - p == 4 && memcmp(p, "sshd", 4) == 0)
        return 0; /* sshd logs "Failed password" for the same attempt */
    if (!(rhost = strstr(colon, " rhost=")))
        return 0;
    rhost += 7;
    for (e = rhost; *e && *e != ' '; e++)
        ;
    if (e == rhost)
        return 0; /* local (su, login on a console): no source to count against */
    if (!source_ok(rhost, (size_t)(e - rhost)))
        return FH_EMALFORMED;
    copy_clean(ev->source, sizeof ev->source, rhost, (size_t)(e - rhost));
    if ((user = strstr(e, " user=")) != NULL) {
        user += 6;
        copy_clean(ev->user, sizeof ev->user, user, strcspn(user, " "));
    }
    snprintf(ev->method, sizeof ev->method, "pam");
    ev->kind = FH_AUTH_FAILED;
    return 1;
}

int fh_auth_parse_line(const char *line, struct fh_auth_event *ev)
{
    const char *p = line, *tag, *colon, *msg, *br;
    int rc;

    memset(ev, 0, sizeof *ev);
    ev->count = 1;
    /* the time stamp: one RFC 3339 token, or "Mon DD HH:MM:SS" */
    p = skip_token(p);
    if (!isdigit((unsigned char)line[0]))
        p = skip_token(skip_token(p));
    p = skip_token(p); /* the host */
    while (*p == ' ')
        p++;
    tag = p;
    if (!(colon = strstr(tag, ": ")))
        return 0;
    msg = colon + 2;
    if (memchr(tag, ' ', (size_t)(colon - tag)))
        return 0; /* not "prog[pid]:" */
    br = memchr(tag, '[', (size_t)(colon - tag));
    copy_clean(ev->program, sizeof ev->program, tag, (size_t)((br ? br : colon) - tag));
    if (br)
        ev->pid = strtol(br + 1, NULL, 10);
    if (starts(msg, "message repeated ")) { /* rsyslog's "message repeated N times: [ M]" */
        char *e;
        long n = strtol(msg + 17, &e, 10);
        if (n < 1 || !starts(e, " times: [ "))
            return 0;
        ev->count = n > FH_AUTH_MAX_REPEAT ? FH_AUTH_MAX_REPEAT : (uint32_t)n;
        msg = e + 10;
    }
    if (starts(msg, "pam_unix("))
        rc = parse_pam(msg, ev);
    else if (!strcmp(ev->program, "sshd") || !strcmp(ev->program, "sshd-session"))
        rc = parse_sshd(msg, ev);
    else
        rc = 0;
    if (rc != 1) {
        uint32_t keep = ev->count;
        memset(ev, 0, sizeof *ev);
        ev->count = keep;
    }
    return rc;
}

/* ---- failures per source ---- */

struct source {
    char name[FH_AUTH_SOURCE_MAX];   /* "" : a free slot */
    uint64_t last_s;                 /* last activity: the one to forget is the oldest */
    uint32_t nring, head;            /* ring of failure times: how many, where next */
    uint32_t recent;                 /* failures with gaps under success_window_s */
    uint64_t last_fail_s;
    long invalid_pid;                /* the pid of a counted "Invalid user" line */
};

struct fh_auth_tracker {
    struct fh_auth_rules r;
    struct source src[FH_AUTH_MAX_SOURCES];
    uint64_t *ring;                  /* fail_count times per source */
};

int fh_auth_tracker_new(const struct fh_auth_rules *rules, struct fh_auth_tracker **out)
{
    struct fh_auth_tracker *tr;
    if (rules->fail_count < 1 || rules->fail_count > FH_AUTH_MAX_FAIL_COUNT ||
        rules->fail_window_s == 0 || rules->success_window_s == 0)
        return FH_EINVAL;
    if (!(tr = calloc(1, sizeof *tr)))
        return FH_ENOMEM;
    if (!(tr->ring = calloc((size_t)FH_AUTH_MAX_SOURCES * rules->fail_count,
                            sizeof *tr->ring))) {
        free(tr);
        return FH_ENOMEM;
    }
    tr->r = *rules;
    *out = tr;
    return 0;
}

void fh_auth_tracker_free(struct fh_auth_tracker *tr)
{
    if (tr)
        free(tr->ring);
    free(tr);
}

static struct source *find(struct fh_auth_tracker *tr, const char *name, bool make)
{
    struct source *victim = NULL; /* a free slot, else the least recently active */
    for (size_t i = 0; i < FH_AUTH_MAX_SOURCES; i++) {
        struct source *s = &tr->src[i];
        if (s->name[0]) {
            if (strcmp(s->name, name) == 0)
                return s;
            if (!victim || (victim->name[0] && s->last_s < victim->last_s))
                victim = s;
        } else if (!victim || victim->name[0]) {
            victim = s;
        }
    }
    if (!make)
        return NULL;
    memset(victim, 0, sizeof *victim);
    snprintf(victim->name, sizeof victim->name, "%s", name);
    return victim;
}

static void add_failure(struct fh_auth_tracker *tr, struct source *s, uint64_t now_s,
                        struct fh_auth_verdict *v)
{
    uint32_t fc = tr->r.fail_count;
    uint64_t *ring = tr->ring + (size_t)(s - tr->src) * fc;
    uint32_t in = 0;

    ring[s->head] = now_s;
    s->head = (s->head + 1) % fc;
    if (s->nring < fc)
        s->nring++;
    /* the ring's times from the newest back, while within the window */
    for (uint32_t k = 0; k < s->nring; k++) {
        uint64_t t = ring[(s->head + fc - 1 - k) % fc];
        if (t <= now_s && now_s - t >= tr->r.fail_window_s)
            break;
        in++;
    }
    v->in_window = in;
    v->brute_force = in >= fc;
    if (s->recent && now_s - s->last_fail_s >= tr->r.success_window_s)
        s->recent = 0; /* a quiet hour: earlier failures no longer count */
    s->recent++;
    s->last_fail_s = now_s;
}

void fh_auth_track(struct fh_auth_tracker *tr, const struct fh_auth_event *ev,
                   uint64_t now_s, struct fh_auth_verdict *v)
{
    struct source *s;
    memset(v, 0, sizeof *v);
    if (ev->kind == FH_AUTH_ACCEPTED) {
        if (!(s = find(tr, ev->source, false)))
            return;
        if (s->recent && now_s - s->last_fail_s < tr->r.success_window_s &&
            s->recent >= tr->r.success_min_fails) {
            v->after_failures = true;
            v->failed_before = s->recent;
        }
        s->recent = s->nring = s->head = 0;
        s->last_s = now_s;
        return;
    }
    if (ev->kind != FH_AUTH_FAILED && ev->kind != FH_AUTH_INVALID_USER)
        return;
    s = find(tr, ev->source, true);
    s->last_s = now_s;
    if (ev->kind == FH_AUTH_FAILED && ev->invalid_user && ev->pid &&
        ev->pid == s->invalid_pid) {
        s->invalid_pid = 0; /* the attempt "Invalid user" already counted */
        return;
    }
    if (ev->kind == FH_AUTH_INVALID_USER)
        s->invalid_pid = ev->pid;
    for (uint32_t i = 0; i < ev->count; i++) {
        struct fh_auth_verdict one;
        memset(&one, 0, sizeof one);
        add_failure(tr, s, now_s, &one);
        v->in_window = one.in_window;
        v->brute_force |= one.brute_force;
    }
}

/* ---- privileged accounts ---- */

#define FIELDS_MAX 8

/* Split the line [s, e) at ':' into at most FIELDS_MAX fields. Returns how many. */
static size_t split(const char *s, const char *e, const char *f[FIELDS_MAX],
                    size_t len[FIELDS_MAX])
{
    size_t n = 0;
    while (n < FIELDS_MAX) {
        const char *c = memchr(s, ':', (size_t)(e - s));
        f[n] = s;
        len[n] = (size_t)((c ? c : e) - s);
        n++;
        if (!c)
            break;
        s = c + 1;
    }
    return n;
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= FH_AUTH_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == ',')
            return false;
    return true;
}

static bool number(const char *s, size_t n, unsigned long *out)
{
    char buf[24], *e;
    if (n == 0 || n >= sizeof buf || !isdigit((unsigned char)s[0]))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtoul(buf, &e, 10);
    return *e == '\0';
}

static void add_entry(struct fh_auth_priv *out, const char *kind, const char *a, size_t alen,
                      const char *b, size_t blen)
{
    if (out->n >= FH_AUTH_MAX_PRIV) {
        out->left_out++;
        return;
    }
    if (b)
        snprintf(out->e[out->n++], FH_AUTH_PRIV_ENTRY_MAX, "%s %.*s %.*s", kind, (int)alen, a,
                 (int)blen, b);
    else
        snprintf(out->e[out->n++], FH_AUTH_PRIV_ENTRY_MAX, "%s %.*s", kind, (int)alen, a);
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The privileged groups found in group: their names and gids. */
struct priv_groups {
    size_t n;
    unsigned long gid[FH_AUTH_MAX_PRIV_GROUPS];
    const char *name[FH_AUTH_MAX_PRIV_GROUPS];
    size_t len[FH_AUTH_MAX_PRIV_GROUPS];
};

/* Is [s, s+n) one of the names of the comma separated list? */
static bool listed(const char *list, const char *s, size_t n)
{
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        if (l == n && memcmp(p, s, n) == 0)
            return true;
        p += l + (p[l] == ',');
    }
    return false;
}

static void group_line(const char *s, const char *e, const char *groups,
                       struct priv_groups *pg, struct fh_auth_priv *out)
{
    const char *f[FIELDS_MAX];
    size_t len[FIELDS_MAX];
    unsigned long gid;
    size_t n = split(s, e, f, len);

    if (n != 4 || !name_ok(f[0], len[0]) || !number(f[2], len[2], &gid)) {
        out->malformed++;
        return;
    }
    if (!listed(groups, f[0], len[0]) || pg->n >= FH_AUTH_MAX_PRIV_GROUPS)
        return;
    pg->gid[pg->n] = gid;
    pg->name[pg->n] = f[0];
    pg->len[pg->n++] = len[0];
    for (const char *m = f[3], *me = f[3] + len[3]; m < me;) {
        const char *c = memchr(m, ',', (size_t)(me - m));
        size_t ml = (size_t)((c ? c : me) - m);
        if (name_ok(m, ml))
            add_entry(out, "group", f[0], len[0], m, ml);
        m += ml + 1;
    }
}

static void passwd_line(const char *s, const char *e, const struct priv_groups *pg,
                        struct fh_auth_priv *out)
{
    const char *f[FIELDS_MAX];
    size_t len[FIELDS_MAX];
    unsigned long uid, gid;
    size_t n = split(s, e, f, len);

    if (n != 7 || !name_ok(f[0], len[0]) || !number(f[2], len[2], &uid) ||
        !number(f[3], len[3], &gid)) {
        out->malformed++;
        return;
    }
    if (uid == 0)
        add_entry(out, "uid0", f[0], len[0], NULL, 0);
    for (size_t i = 0; i < pg->n; i++)
        if (pg->gid[i] == gid)
            add_entry(out, "group", pg->name[i], pg->len[i], f[0], len[0]);
}

/* Loop over the lines [s, e) of text that are neither blank nor a comment. */
#define FOR_LINES(text, s, e)                                                             \
    for (const char *s = (text), *e; *s; s = *e ? e + 1 : e)                              \
        if ((e = s + strcspn(s, "\n")), e > s && *s != '#')

void fh_auth_priv_build(const char *passwd, const char *group, const char *groups,
                        struct fh_auth_priv *out)
{
    struct priv_groups pg = {0};
    size_t w = 0;

    out->n = out->left_out = out->malformed = 0;
    FOR_LINES(group, s, e)
        group_line(s, e, groups, &pg, out);
    FOR_LINES(passwd, s, e)
        passwd_line(s, e, &pg, out);
    qsort(out->e, out->n, sizeof out->e[0], entry_cmp);
    for (size_t i = 0; i < out->n; i++)
        if (w == 0 || strcmp(out->e[w - 1], out->e[i]) != 0)
            memmove(out->e[w++], out->e[i], FH_AUTH_PRIV_ENTRY_MAX);
    out->n = w;
}

size_t fh_auth_priv_added(const struct fh_auth_priv *prev, const struct fh_auth_priv *cur,
                          void (*fn)(void *arg, const char *entry), void *arg)
{
    size_t added = 0;
    for (size_t i = 0; i < cur->n; i++)
        if (!bsearch(cur->e[i], prev->e, prev->n, sizeof prev->e[0], entry_cmp)) {
            fn(arg, cur->e[i]);
            added++;
        }
    return added;
}

/* ---- authorized_keys ---- */

#define B64_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

static bool key_type(const char *s, size_t n)
{
    static const char *const types[] = {"ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (n > strlen(types[i]) && strncmp(s, types[i], strlen(types[i])) == 0)
            return true;
    return false;
}

int fh_auth_key_fingerprint(const char *line, char out[FH_AUTH_KEYFP_MAX])
{
    unsigned char raw[FH_AUTH_MAX_KEY_BLOB], digest[32], enc[48];
    const char *p = line;

    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '#' || *p == '\0')
        return FH_ENOTFOUND;
    /* the first token that names a key type, then the base64 blob (options come first
     * and may themselves hold spaces inside quotes: a blob that fails to decode moves
     * the search on) */
    for (;;) {
        size_t n = strcspn(p, " \t"), bn;
        const char *blob = p + n;
        int len;
        if (n == 0)
            return FH_ENOTFOUND;
        while (*blob == ' ' || *blob == '\t')
            blob++;
        bn = strcspn(blob, " \t");
        if (key_type(p, n) && bn >= 4 && bn % 4 == 0 && bn <= FH_AUTH_MAX_KEY_BLOB &&
            strspn(blob, B64_CHARS) >= bn &&
            (len = EVP_DecodeBlock(raw, (const unsigned char *)blob, (int)bn)) > 0) {
            len -= (blob[bn - 1] == '=') + (blob[bn - 2] == '=');
            EVP_Digest(raw, (size_t)len, digest, NULL, EVP_sha256(), NULL);
            len = EVP_EncodeBlock(enc, digest, sizeof digest);
            while (len > 0 && enc[len - 1] == '=')
                len--;
            snprintf(out, FH_AUTH_KEYFP_MAX, "SHA256:%.*s", len, (const char *)enc);
            return 0;
        }
        p = blob;
    }
}
