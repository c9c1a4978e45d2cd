/* auth.c - the auth probe: password guessing and new privileged access.
 *
 * Every interval_s (threaded: it reads logs and hashes files) collect does three things:
 *   1. Logs. It follows each file of `logs` (auth.log on Debian/Ubuntu, secure on RHEL;
 *      whichever exist, under root) with tail.c, at most max_lines lines a file a round,
 *      and hands each line to auth_parse.c. Failures are counted per source address
 *      (auth_parse.c's tracker, on the time the line is read):
 *        - fail_count failures from one source within fail_window_s: brute force,
 *          NAI.ONAI (其他网络攻击: guessing is an attack that exploits no flaw yet),
 *          high, key "bruteforce SOURCE";
 *        - a login from a source with at least success_min_fails failures, the last of
 *          them less than success_window_s ago: a guessed password, possibly a
 *          compromise, NAI.VAI (漏洞攻击: a weak password is a configuration flaw,
 *          which GB/Z 20986 counts as a vulnerability), critical, key
 *          "login-after-failures SOURCE USER".
 *   2. Accounts. When passwd or group changed (inode, size, mtime) it lists the
 *      privileged accounts (uid 0; members of sudo_groups, also by primary gid) and
 *      reports each one the previous list did not hold as NAI.BDAI (后门攻击: a planted
 *      account is a back door for later), critical for uid 0 ("uid0 NAME"), high for a
 *      group ("group GROUP USER"). The first list after start is the baseline.
 *   3. authorized_keys. Each file the globs of `authorized_keys` match (under root; at
 *      most AUTH_MAX_KEYFILES) is hashed (SHA-256) when its inode, size or mtime moved.
 *      A change, or a file that appears after the first round, is NAI.BDAI: high when
 *      it added keys (their fingerprints, as ssh-keygen -l shows them, are facts),
 *      medium otherwise; key "authorized_keys PATH CONTENT-SHA256". A file that goes
 *      away is forgotten (logged).
 * Every sighting goes through one repeat table (repeat_window_s): a source guessing for
 * an hour is one report and one count, not thousands. Lines that look like sshd
 * messages but carry no valid source are counted as malformed and logged (limited);
 * lines over the tail's bound are counted by it. The journal (journalctl) is not read:
 * on hosts that keep sshd only in journald, point `logs` at a file rsyslog writes. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "auth_parse.h"
#include "detect.h"
#include "err.h"
#include "log.h"
#include "probes.h"
#include "tail.h"

#define AUTH_PATH_MAX 256             /* a configured path */
#define AUTH_LIST_MAX 1024            /* a configured list of paths or globs */
#define AUTH_GROUPS_MAX 256           /* the sudo_groups list */
#define AUTH_FULL_PATH_MAX (AUTH_PATH_MAX * 2)
#define AUTH_MAX_DB_BYTES (4u << 20)  /* passwd or group read */
#define AUTH_MAX_KEYFILES 256         /* authorized_keys files watched */
#define AUTH_MAX_KEYS_BYTES (256u << 10) /* bytes of one authorized_keys hashed */
#define AUTH_MAX_KEYS_PER_FILE 256    /* key fingerprints kept per file */
#define AUTH_ROUND_BYTES (8u << 20)   /* bytes of one log read per round */
#define AUTH_REPEATS_MAX 1024         /* fingerprints in the repeat table */
#define AUTH_WARN_EVERY_S 300

struct auth_conf {
    bool enabled;
    int64_t interval_s;
    char root[AUTH_PATH_MAX];
    char logs[AUTH_LIST_MAX];
    int64_t fail_count, fail_window_s, success_window_s, success_min_fails;
    char passwd[AUTH_PATH_MAX];
    char group[AUTH_PATH_MAX];
    char sudo_groups[AUTH_GROUPS_MAX];
    char authorized_keys[AUTH_LIST_MAX];
    char state_dir[AUTH_PATH_MAX];
    bool from_start;
    int64_t max_lines;
    int64_t repeat_window_s;
};

struct ident {                         /* has a file changed? */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

struct keyfile {
    char path[AUTH_FULL_PATH_MAX];     /* "" : a free slot */
    struct ident id;
    uint8_t sha[32];
    size_t nfp;
    char (*fp)[FH_AUTH_KEYFP_MAX];     /* its keys' fingerprints, sorted */
    bool seen;                         /* matched this round */
};

struct auth_state {
    struct auth_conf c;
    struct fh_tail_set logs;
    struct fh_auth_tracker *tr;
    struct fh_repeats *rep;
    struct fh_auth_priv *priv[2];      /* the previous list, the one being built */
    bool have_priv;
    struct ident passwd_id, group_id;
    struct keyfile keys[AUTH_MAX_KEYFILES];
    bool keys_baseline;                /* the first round's files are the baseline */
    /* this round */
    struct fh_probe_sink *sink;
    uint64_t now_us;
    int err;                           /* the first sink error */
    /* counters */
    uint64_t malformed, keyfiles_over;
    struct fh_log_limit warn;
};

static const char *rel(const struct auth_state *st, const char *path)
{
    return path + strlen(st->c.root); /* the path as on the host, without root */
}

static void report(struct auth_state *st, const char *cls, Fh__Severity sev, const char *key,
                   const char *summary, const char *evidence,
                   const struct fh_detect_fact *facts, size_t nfacts)
{
    struct fh_detect d = {.probe = "auth", .class_code = cls, .severity = sev, .key = key,
                          .summary = summary, .evidence = evidence, .facts = facts,
                          .nfacts = nfacts};
    int rc = fh_detect_report(st->sink, st->rep, &d, st->now_us);
    if (rc < 0 && st->err == 0)
        st->err = rc;
}

/* ---- logs ---- */

static int on_line(void *arg, char *line, size_t len)
{
    struct auth_state *st = arg;
    struct fh_auth_event ev;
    struct fh_auth_verdict v;
    char key[160], summary[400], n1[16], n2[16];
    int rc = fh_auth_parse_line(line, &ev);

    (void)len;
    if (rc == FH_EMALFORMED) {
        st->malformed++;
        fh_log_limited(&st->warn, AUTH_WARN_EVERY_S, FH_LOG_WARN,
                       "auth: a login line without a valid source address (%llu so far)",
                       (unsigned long long)st->malformed);
        return 0;
    }
    if (rc != 1)
        return 0;
    fh_auth_track(st->tr, &ev, st->now_us / 1000000u, &v);
    if (v.brute_force) {
        snprintf(n1, sizeof n1, "%u", v.in_window);
        snprintf(n2, sizeof n2, "%lld", (long long)st->c.fail_window_s);
        const struct fh_detect_fact f[] = {
            {"source", ev.source}, {"user", ev.user}, {"program", ev.program},
            {"method", ev.method}, {"failures", n1}, {"window_s", n2}};
        snprintf(key, sizeof key, "bruteforce %s", ev.source);
        snprintf(summary, sizeof summary,
                 "password guessing: %u failed logins from %s within %s s (last: %s by %s)",
                 v.in_window, ev.source, n2, ev.user[0] ? ev.user : "?", ev.program);
        report(st, "NAI.ONAI", FH__SEVERITY__SEVERITY_HIGH, key, summary, line, f, 6);
    }
    if (v.after_failures) {
        snprintf(n1, sizeof n1, "%u", v.failed_before);
        const struct fh_detect_fact f[] = {{"source", ev.source}, {"user", ev.user},
                                           {"method", ev.method}, {"failures_before", n1}};
        snprintf(key, sizeof key, "login-after-failures %s %s", ev.source, ev.user);
        snprintf(summary, sizeof summary,
                 "%s logged in from %s (%s) after %u failed attempts: possible compromise",
                 ev.user, ev.source, ev.method, v.failed_before);
        report(st, "NAI.VAI", FH__SEVERITY__SEVERITY_CRITICAL, key, summary, line, f, 4);
    }
    return st->err; /* a sink error stops the round: the line comes again */
}

/* ---- files ---- */

static bool same_ident(const struct ident *a, const struct stat *sb)
{
    return a->dev == sb->st_dev && a->ino == sb->st_ino && a->size == sb->st_size &&
           a->mtime.tv_sec == sb->st_mtim.tv_sec && a->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

static void set_ident(struct ident *a, const struct stat *sb)
{
    *a = (struct ident){sb->st_dev, sb->st_ino, sb->st_size, sb->st_mtim};
}

/* Read a regular file of at most max bytes into a NUL-terminated heap buffer (freed by
 * the caller). Returns 0, FH_ENOTFOUND, FH_ETOOBIG or FH_EIO. */
static int read_file(const char *path, size_t max, char **out, size_t *len, struct stat *sb)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), rc = 0;
    size_t n = 0;
    char *buf = NULL;

    if (fd < 0)
        return errno == ENOENT ? FH_ENOTFOUND : FH_EIO;
    if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode))
        rc = FH_EIO;
    else if ((size_t)sb->st_size > max)
        rc = FH_ETOOBIG;
    else if (!(buf = malloc(max + 1)))
        rc = FH_ENOMEM;
    while (rc == 0) {
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? FH_EIO : 0;
            break;
        }
        if ((n += (size_t)r) > max)
            rc = FH_ETOOBIG;
    }
    close(fd);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* ---- privileged accounts ---- */

static void on_new_priv(void *arg, const char *entry)
{
    struct auth_state *st = arg;
    char key[FH_AUTH_PRIV_ENTRY_MAX + 8], summary[300], a[FH_AUTH_NAME_MAX],
        b[FH_AUTH_NAME_MAX];
    bool uid0 = strncmp(entry, "uid0 ", 5) == 0;

    a[0] = b[0] = '\0';
    sscanf(entry + (uid0 ? 5 : 6), "%63s %63s", a, b);
    snprintf(key, sizeof key, "%s", entry);
    if (uid0) {
        const struct fh_detect_fact f[] = {{"user", a}, {"uid", "0"},
                                           {"file", st->c.passwd}};
        snprintf(summary, sizeof summary, "new account with uid 0 (root rights): %s", a);
        report(st, "NAI.BDAI", FH__SEVERITY__SEVERITY_CRITICAL, key, summary, entry, f, 3);
    } else {
        const struct fh_detect_fact f[] = {{"user", b}, {"group", a},
                                           {"file", st->c.group}};
        snprintf(summary, sizeof summary, "%s is new in the privileged group %s", b, a);
        report(st, "NAI.BDAI", FH__SEVERITY__SEVERITY_HIGH, key, summary, entry, f, 3);
    }
}

static int check_priv(struct auth_state *st)
{
    char pp[AUTH_FULL_PATH_MAX], gp[AUTH_FULL_PATH_MAX], *ptext = NULL, *gtext = NULL;
    struct stat psb, gsb;
    size_t len;
    int rc;

    snprintf(pp, sizeof pp, "%s%s", st->c.root, st->c.passwd);
    snprintf(gp, sizeof gp, "%s%s", st->c.root, st->c.group);
    if (st->have_priv && stat(pp, &psb) == 0 && stat(gp, &gsb) == 0 &&
        same_ident(&st->passwd_id, &psb) && same_ident(&st->group_id, &gsb))
        return 0;
    if ((rc = read_file(pp, AUTH_MAX_DB_BYTES, &ptext, &len, &psb)) != 0 ||
        (rc = read_file(gp, AUTH_MAX_DB_BYTES, &gtext, &len, &gsb)) != 0) {
        fh_log_limited(&st->warn, AUTH_WARN_EVERY_S, FH_LOG_WARN,
                       "auth: cannot read %s or %s: %s", pp, gp, fh_strerror(rc));
        goto out;
    }
    fh_auth_priv_build(ptext, gtext, st->c.sudo_groups, st->priv[1]);
    if (st->priv[1]->malformed || st->priv[1]->left_out)
        fh_log_limited(&st->warn, AUTH_WARN_EVERY_S, FH_LOG_WARN,
                       "auth: %zu malformed lines in %s and %s, %zu privileged entries over %d",
                       st->priv[1]->malformed, pp, gp, st->priv[1]->left_out,
                       FH_AUTH_MAX_PRIV);
    if (st->have_priv)
        fh_auth_priv_added(st->priv[0], st->priv[1], on_new_priv, st);
    if (st->err == 0) { /* reported (or nothing new): this list is the one to compare to */
        struct fh_auth_priv *t = st->priv[0];
        st->priv[0] = st->priv[1];
        st->priv[1] = t;
        st->have_priv = true;
        set_ident(&st->passwd_id, &psb);
        set_ident(&st->group_id, &gsb);
    }
out:
    free(ptext);
    free(gtext);
    return rc == FH_ENOTFOUND ? 0 : rc;
}

/* ---- authorized_keys ---- */

static int fp_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Hash the file at path and list its keys' fingerprints (sorted) into kf's sha, fp, nfp
 * (the old list is freed). Returns 0 or read_file's error (kf unchanged). */
static int load_keyfile(const char *path, struct keyfile *kf, struct stat *sb)
{
    char *text, (*fp)[FH_AUTH_KEYFP_MAX];
    size_t len, n = 0;
    int rc = read_file(path, AUTH_MAX_KEYS_BYTES, &text, &len, sb);

    if (rc != 0)
        return rc;
    if (!(fp = calloc(AUTH_MAX_KEYS_PER_FILE, sizeof *fp))) {
        free(text);
        return FH_ENOMEM;
    }
    EVP_Digest(text, len, kf->sha, NULL, EVP_sha256(), NULL);
    for (char *s = text, *e; *s && n < AUTH_MAX_KEYS_PER_FILE; s = e) {
        e = s + strcspn(s, "\n");
        if (*e)
            *e++ = '\0';
        if (fh_auth_key_fingerprint(s, fp[n]) == 0)
            n++;
    }
    free(text);
    qsort(fp, n, sizeof *fp, fp_cmp);
    free(kf->fp);
    kf->fp = fp;
    kf->nfp = n;
    return 0;
}

/* Report what changed in kf (now loaded) since the old fingerprints/sha. */
static void report_keys(struct auth_state *st, const struct keyfile *kf, bool is_new,
                        char (*old)[FH_AUTH_KEYFP_MAX], size_t nold)
{
    char added[FH_DETECT_MAX_FACT + 1] = "", key[AUTH_FULL_PATH_MAX + 96], sha[65],
        summary[AUTH_FULL_PATH_MAX + 96], nk[16], na[16];
    size_t nadd = 0, used = 0;

    for (size_t i = 0; i < kf->nfp; i++) {
        if (old && bsearch(kf->fp[i], old, nold, sizeof *old, fp_cmp))
            continue;
        nadd++;
        if (used + strlen(kf->fp[i]) + 2 < sizeof added)
            used += (size_t)snprintf(added + used, sizeof added - used, "%s%s",
                                     used ? "," : "", kf->fp[i]);
    }
    if (is_new && kf->nfp == 0)
        return; /* an empty new file grants nothing */
    for (int i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", kf->sha[i]);
    snprintf(nk, sizeof nk, "%zu", kf->nfp);
    snprintf(na, sizeof na, "%zu", nadd);
    snprintf(key, sizeof key, "authorized_keys %s %s", rel(st, kf->path), sha);
    if (is_new)
        snprintf(summary, sizeof summary, "new authorized_keys file %s with %zu keys",
                 rel(st, kf->path), kf->nfp);
    else
        snprintf(summary, sizeof summary, "authorized_keys %s changed: %zu keys added, %zu now",
                 rel(st, kf->path), nadd, kf->nfp);
    const struct fh_detect_fact f[] = {{"path", rel(st, kf->path)}, {"sha256", sha},
                                       {"keys", nk}, {"added", na}, {"added_keys", added}};
    report(st, "NAI.BDAI", nadd ? FH__SEVERITY__SEVERITY_HIGH : FH__SEVERITY__SEVERITY_MEDIUM,
           key, summary, nadd ? added : NULL, f, 5);
}

static void visit_keyfile(struct auth_state *st, const char *path)
{
    struct keyfile *kf = NULL, *free_slot = NULL, tmp;
    struct stat sb;
    bool is_new;
    int rc;

    for (size_t i = 0; i < AUTH_MAX_KEYFILES && !kf; i++) {
        if (!st->keys[i].path[0])
            free_slot = free_slot ? free_slot : &st->keys[i];
        else if (strcmp(st->keys[i].path, path) == 0)
            kf = &st->keys[i];
    }
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return;
    if (kf) {
        kf->seen = true;
        if (same_ident(&kf->id, &sb))
            return;
    }
    is_new = kf == NULL;
    if (is_new && !(kf = free_slot)) {
        st->keyfiles_over++;
        fh_log_limited(&st->warn, AUTH_WARN_EVERY_S, FH_LOG_WARN,
                       "auth: over %d authorized_keys files: %s not watched",
                       AUTH_MAX_KEYFILES, path);
        return;
    }
    tmp = *kf; /* the old sha and fingerprints, until the report is made */
    kf->fp = NULL;
    if ((rc = load_keyfile(path, kf, &sb)) != 0) {
        kf->fp = tmp.fp;
        fh_log_limited(&st->warn, AUTH_WARN_EVERY_S, FH_LOG_WARN, "auth: cannot read %s: %s",
                       path, rc == FH_ETOOBIG ? "over 256 KiB" : fh_strerror(rc));
        return;
    }
    snprintf(kf->path, sizeof kf->path, "%s", path);
    kf->seen = true;
    if (!(is_new && st->keys_baseline) && (is_new || memcmp(tmp.sha, kf->sha, 32) != 0))
        report_keys(st, kf, is_new, is_new ? NULL : tmp.fp, is_new ? 0 : tmp.nfp);
    if (st->err != 0 && is_new) { /* not reported: seen as new again next round */
        free(kf->fp);
        memset(kf, 0, sizeof *kf);
    } else if (st->err != 0) {    /* not reported: compared with the old again */
        free(kf->fp);
        kf->fp = tmp.fp;
        memcpy(kf->sha, tmp.sha, sizeof kf->sha);
        kf->nfp = tmp.nfp;
    } else {
        free(tmp.fp);
        set_ident(&kf->id, &sb);
    }
}

static void check_keys(struct auth_state *st)
{
    char pat[AUTH_FULL_PATH_MAX];
    const char *p = st->c.authorized_keys;

    for (size_t i = 0; i < AUTH_MAX_KEYFILES; i++)
        st->keys[i].seen = false;
    while (*p) {
        size_t n = strcspn(p, ","), b = 0;
        glob_t g;
        while (b < n && p[b] == ' ')
            b++;
        snprintf(pat, sizeof pat, "%s%.*s", st->c.root, (int)(n - b), p + b);
        while (pat[0] && pat[strlen(pat) - 1] == ' ')
            pat[strlen(pat) - 1] = '\0';
        if (n > b && glob(pat, GLOB_NOSORT, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc && st->err == 0; i++)
                if (strlen(g.gl_pathv[i]) < AUTH_FULL_PATH_MAX)
                    visit_keyfile(st, g.gl_pathv[i]);
            globfree(&g);
        }
        p += n + (p[n] == ',');
    }
    for (size_t i = 0; i < AUTH_MAX_KEYFILES && st->err == 0; i++) {
        struct keyfile *kf = &st->keys[i];
        if (kf->path[0] && !kf->seen) {
            fh_log(FH_LOG_INFO, "auth: %s is gone", rel(st, kf->path));
            free(kf->fp);
            memset(kf, 0, sizeof *kf);
        }
    }
    if (st->err == 0)
        st->keys_baseline = false;
}

/* ---- the probe ---- */

static int auth_collect(void *state, struct fh_probe_sink *sink)
{
    struct auth_state *st = state;
    int rc;

    st->sink = sink;
    st->err = 0;
    st->now_us = fh_now_us();
    rc = fh_tail_set_read(&st->logs, AUTH_ROUND_BYTES, (size_t)st->c.max_lines, on_line, st);
    if (rc == 0 && st->err == 0)
        rc = check_priv(st);
    if (rc == 0 && st->err == 0)
        check_keys(st);
    if (rc == 0 && st->err == 0)
        rc = fh_repeats_flush(sink, st->rep, st->now_us);
    return st->err ? st->err : rc;
}

static void auth_destroy(void *state)
{
    struct auth_state *st = state;
    if (!st)
        return;
    fh_tail_set_close(&st->logs);
    fh_auth_tracker_free(st->tr);
    fh_repeats_free(st->rep);
    free(st->priv[0]);
    free(st->priv[1]);
    for (size_t i = 0; i < AUTH_MAX_KEYFILES; i++)
        free(st->keys[i].fp);
    free(st);
}

static bool absolute_or_empty(const char *s, bool empty_ok)
{
    return s[0] == '/' || (empty_ok && s[0] == '\0');
}

static int auth_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct auth_conf *c = conf;
    struct fh_auth_rules rules = {(uint32_t)c->fail_count, (uint32_t)c->fail_window_s,
                                  (uint32_t)c->success_window_s,
                                  (uint32_t)c->success_min_fails};
    struct fh_tail_opts to = {.from_start = c->from_start};
    struct auth_state *st;
    int rc;

    if (!c->enabled)
        return FH_ENOTFOUND;
    if (!absolute_or_empty(c->root, true) || !absolute_or_empty(c->passwd, false) ||
        !absolute_or_empty(c->group, false) || !absolute_or_empty(c->state_dir, true)) {
        FH_ERROR("auth: root, passwd, group and state_dir must be absolute paths");
        return FH_ECONFIG;
    }
    if (!(st = calloc(1, sizeof *st)))
        return FH_ENOMEM;
    st->c = *c;
    st->keys_baseline = true;
    if ((rc = fh_tail_set_open(&st->logs, c->root, c->logs, c->state_dir, "auth", &to)) ||
        (rc = fh_auth_tracker_new(&rules, &st->tr)) ||
        (rc = fh_repeats_new((uint32_t)c->repeat_window_s, AUTH_REPEATS_MAX, &st->rep)))
        goto fail;
    if (!(st->priv[0] = calloc(1, sizeof *st->priv[0])) ||
        !(st->priv[1] = calloc(1, sizeof *st->priv[1]))) {
        rc = FH_ENOMEM;
        goto fail;
    }
    *state = st;
    *interval_s = (uint32_t)c->interval_s;
    return 0;
fail:
    if (rc == FH_ECONFIG)
        FH_ERROR("auth.logs: \"%s\": 1 to %d absolute paths, comma separated", c->logs,
                 FH_TAIL_SET_MAX);
    auth_destroy(st);
    return rc;
}

#define KEY(n, t, f, d, ...)                                                            \
    {.section = "auth", .name = n, .type = t, .offset = offsetof(struct auth_conf, f),  \
     .def = d, __VA_ARGS__}

static const struct fh_config_key auth_keys[] = {
    KEY("enabled", FH_CONF_BOOL, enabled, "true",
        .help = "watch logins (brute force), privileged accounts and authorized_keys"),
    KEY("interval_s", FH_CONF_INT, interval_s, "5", .min = 1, .max = 3600,
        .help = "seconds between two rounds (new log lines, passwd/group, keys)"),
    KEY("root", FH_CONF_STRING, root, "", .size = AUTH_PATH_MAX,
        .help = "prefix of every path read (tests use a fixture tree)"),
    KEY("logs", FH_CONF_STRING, logs, "/var/log/auth.log,/var/log/secure",
        .size = AUTH_LIST_MAX,
        .help = "comma separated logs to follow (those that exist; at most 8)"),
    KEY("fail_count", FH_CONF_INT, fail_count, "5", .min = 1, .max = FH_AUTH_MAX_FAIL_COUNT,
        .help = "brute force: this many failed logins from one source ..."),
    KEY("fail_window_s", FH_CONF_INT, fail_window_s, "60", .min = 1, .max = 86400,
        .help = "... within this many seconds"),
    KEY("success_window_s", FH_CONF_INT, success_window_s, "3600", .min = 1,
        .max = 7 * 86400,
        .help = "a login within this many seconds of its source's last failure is suspect"),
    KEY("success_min_fails", FH_CONF_INT, success_min_fails, "3", .min = 1, .max = 1000000,
        .help = "... when the source failed at least this often (gaps under the window)"),
    KEY("passwd", FH_CONF_STRING, passwd, "/etc/passwd", .size = AUTH_PATH_MAX,
        .help = "the passwd file: new uid 0 accounts"),
    KEY("group", FH_CONF_STRING, group, "/etc/group", .size = AUTH_PATH_MAX,
        .help = "the group file: new members of sudo_groups"),
    KEY("sudo_groups", FH_CONF_STRING, sudo_groups, "sudo,wheel,admin",
        .size = AUTH_GROUPS_MAX, .help = "comma separated groups that grant root rights"),
    KEY("authorized_keys", FH_CONF_STRING, authorized_keys,
        "/root/.ssh/authorized_keys,/home/*/.ssh/authorized_keys", .size = AUTH_LIST_MAX,
        .help = "comma separated files or globs hashed each round (at most 256 files)"),
    KEY("state_dir", FH_CONF_STRING, state_dir, "", .size = AUTH_PATH_MAX,
        .help = "directory where log positions are kept across restarts; empty: not kept"),
    KEY("from_start", FH_CONF_BOOL, from_start, "false",
        .help = "read the logs from their beginning at the first start (else from the end)"),
    KEY("max_lines", FH_CONF_INT, max_lines, "10000", .min = 1, .max = 1000000,
        .help = "lines read from each log per round (the rest waits for the next round)"),
    KEY("repeat_window_s", FH_CONF_INT, repeat_window_s, "3600", .min = 1, .max = 86400,
        .help = "repeats of one detection within this many seconds are one report"),
};

const struct fh_probe fh_probe_auth = {
    .name = "auth",
    .keys = auth_keys,
    .nkeys = sizeof auth_keys / sizeof auth_keys[0],
    .conf_size = sizeof(struct auth_conf),
    .init = auth_init,         /* read its [auth] section, open the logs */
    .collect = auth_collect,   /* new log lines, passwd/group, authorized_keys */
    .destroy = auth_destroy,
    .threaded = true,          /* reads logs and hashes files */
};
