/* fim_conf.c - the fim probe's lists (roots, exclude patterns, checked) and the text of
 * its facts (fim.h).
 *
 * web_roots and paths are comma lists of absolute, clean paths ("/var/www/html"); one
 * may not lie inside another (each tree is walked once). exclude is a comma list of
 * fnmatch patterns. The roots also give the baseline its identity (fim_conf_roots_id):
 * when it differs from the one the baseline was made for, the baseline is made again. */
#include "fim.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "detect.h"
#include "err.h"
#include "log.h"

/* Absolute, no "//", "/./", "/../" or trailing '/', not "/" itself. */
static bool clean_path(const char *p)
{
    size_t n = strlen(p);
    return p[0] == '/' && n > 1 && n < FIM_PATH_MAX && p[n - 1] != '/' && !strstr(p, "//") &&
           !strstr(p, "/./") && !strstr(p, "/../") && strcmp(p + n - 2, "/.") != 0 &&
           (n < 3 || strcmp(p + n - 3, "/..") != 0);
}

static bool overlap(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), m = la < lb ? la : lb;
    return strncmp(a, b, m) == 0 && (la == lb || (la < lb ? b[la] : a[lb]) == '/');
}

int fim_conf_roots(struct fim_scan *s, bool *web, const char *list, bool is_web,
                   const char *key)
{
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        if (s->nroots == FIM_ROOTS_MAX || n >= FIM_PATH_MAX) {
            fh_log(FH_LOG_ERROR, "fim.%s: at most %d paths of at most %d bytes", key,
                   FIM_ROOTS_MAX, FIM_PATH_MAX - 1);
            return FH_ECONFIG;
        }
        char *r = s->roots[s->nroots];
        memcpy(r, p, n);
        r[n] = '\0';
        if (!clean_path(r)) {
            fh_log(FH_LOG_ERROR, "fim.%s: \"%s\" is not an absolute path without \".\", "
                   "\"..\", \"//\" or a trailing '/' (nor \"/\")", key, r);
            return FH_ECONFIG;
        }
        for (size_t i = 0; i < s->nroots; i++) {
            if (overlap(s->roots[i], r)) {
                fh_log(FH_LOG_ERROR, "fim.%s: \"%s\" overlaps \"%s\": list each tree once",
                       key, r, s->roots[i]);
                return FH_ECONFIG;
            }
        }
        web[s->nroots++] = is_web;
        p += n;
    }
    return 0;
}

int fim_conf_excludes(struct fim_scan *s, const char *list)
{
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        if (s->nexcludes == FIM_EXCLUDES_MAX || n >= FIM_PATH_MAX) {
            fh_log(FH_LOG_ERROR, "fim.exclude: at most %d patterns of at most %d bytes",
                   FIM_EXCLUDES_MAX, FIM_PATH_MAX - 1);
            return FH_ECONFIG;
        }
        memcpy(s->excludes[s->nexcludes], p, n);
        s->excludes[s->nexcludes++][n] = '\0';
        p += n;
    }
    return 0;
}

void fim_conf_roots_id(const struct fim_scan *s, const bool *web, char *out, size_t len)
{
    char full[FIM_ROOTS_MAX * (FIM_PATH_MAX + 2)];
    size_t f = 0;
    for (size_t i = 0; i < s->nroots && f < sizeof full; i++)
        f += (size_t)snprintf(full + f, sizeof full - f, "%s%c%s", i ? "," : "",
                              web[i] ? 'w' : 's', s->roots[i]);
    if (f < len) {
        snprintf(out, len, "%s", full);
        return;
    }
    char fp[FH_DETECT_FINGERPRINT_LEN + 1];   /* too long to keep as is: its hash */
    fh_detect_fingerprint("fim", "roots", full, fp);
    snprintf(out, len, "#%s", fp);
}

/* ---- the text of facts ---- */

void fim_fmt_sha(const struct fim_rec *r, char out[FIM_SHA_TEXT_MAX])
{
    static const char digits[] = "0123456789abcdef";
    if (!r) {
        snprintf(out, FIM_SHA_TEXT_MAX, "-");
    } else if (r->flags & FIM_REC_HASHED) {
        for (size_t i = 0; i < FIM_SHA256_LEN; i++) {
            out[2 * i] = digits[r->sha256[i] >> 4];
            out[2 * i + 1] = digits[r->sha256[i] & 15];
        }
        out[2 * FIM_SHA256_LEN] = '\0';
    } else if (S_ISDIR(r->mode)) {
        snprintf(out, FIM_SHA_TEXT_MAX, "directory");
    } else {
        snprintf(out, FIM_SHA_TEXT_MAX, "%s", r->flags & FIM_REC_BIG ?
                 "not hashed (over max_file_bytes)" : "not hashed (unreadable)");
    }
}

void fim_fmt_time(int64_t ns, char *out, size_t len)
{
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void fim_fmt_owner(uint32_t uid, char *out, size_t len)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &res) == 0 && res)
        snprintf(out, len, "%s", res->pw_name);
    else
        snprintf(out, len, "%u", uid);
}
