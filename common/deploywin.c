/* deploywin.c - the deployment window file of deploywin.h.
 *
 * The file is read whole (it is small and bounded), split into lines, and each line is
 * parsed with strtoull and a few checks; a reason is kept as given minus control bytes.
 * Saving writes FILE.tmp.PID, fsyncs it, renames it over FILE and fsyncs the directory,
 * so neither a crash nor a concurrent reader sees half a file. */
#include "deploywin.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

#define PATH_BYTES 1024

static int parse_u64(const char **p, uint64_t *out)
{
    char *end;
    errno = 0;
    if (**p < '0' || **p > '9')
        return FH_EMALFORMED;
    unsigned long long v = strtoull(*p, &end, 10);
    if (errno || *end != ' ')
        return FH_EMALFORMED;
    *out = v;
    *p = end + 1;
    return 0;
}

/* One line (NUL-terminated, no newline) into w. */
static int parse_line(const char *line, struct fh_deploywin *w)
{
    uint64_t uid;
    const char *p = line;
    memset(w, 0, sizeof *w);
    if (parse_u64(&p, &w->opened_us) || parse_u64(&p, &w->end_us) || parse_u64(&p, &uid) ||
        uid > UINT32_MAX || w->end_us <= w->opened_us)
        return FH_EMALFORMED;
    w->uid = (uint32_t)uid;
    size_t n = strcspn(p, " ");
    if (n == 0 || n >= sizeof w->root || !(p[0] == '/' || (n == 1 && p[0] == '*')))
        return FH_EMALFORMED;
    memcpy(w->root, p, n);
    p += n;
    if (*p == ' ')
        p++;
    size_t k = 0;
    for (; *p && k + 1 < sizeof w->reason; p++)
        w->reason[k++] = (unsigned char)*p < 0x20 ? ' ' : *p;
    w->reason[k] = '\0';
    return 0;
}

int fh_deploywin_load(const char *dir, struct fh_deploywin_set *set, size_t *malformed)
{
    char path[PATH_BYTES];
    char *buf = NULL;
    size_t len = 0, bad = 0;
    int rc = 0;
    set->n = 0;
    if (malformed)
        *malformed = 0;
    snprintf(path, sizeof path, "%s/%s", dir, FH_DEPLOYWIN_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? 0 : FH_EIO;
    if (!(buf = malloc(FH_DEPLOYWIN_FILE_MAX + 1))) {
        rc = FH_ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, FH_DEPLOYWIN_FILE_MAX + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = FH_EIO;
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > FH_DEPLOYWIN_FILE_MAX) {
            rc = FH_ETOOBIG;
            goto out;
        }
    }
    buf[len] = '\0';
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line)
            continue;
        if (set->n < FH_DEPLOYWIN_MAX && parse_line(line, &set->w[set->n]) == 0)
            set->n++;
        else
            bad++;
    }
out:
    if (malformed)
        *malformed = bad;
    free(buf);
    close(fd);
    return rc;
}

int fh_deploywin_save(const char *dir, const struct fh_deploywin_set *set)
{
    char path[PATH_BYTES], tmp[PATH_BYTES + 32];
    snprintf(path, sizeof path, "%s/%s", dir, FH_DEPLOYWIN_FILE);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "we");
    if (!f)
        return FH_EIO;
    for (size_t i = 0; i < set->n && i < FH_DEPLOYWIN_MAX; i++) {
        const struct fh_deploywin *w = &set->w[i];
        fprintf(f, "%" PRIu64 " %" PRIu64 " %u %s ", w->opened_us, w->end_us, w->uid,
                w->root[0] ? w->root : "*");
        for (const char *p = w->reason; *p; p++)
            fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
        fputc('\n', f);
    }
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (ok)
        ok = chmod(tmp, 0644) == 0 && rename(tmp, path) == 0;
    if (!ok) {
        unlink(tmp);
        return FH_EIO;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

size_t fh_deploywin_prune(struct fh_deploywin_set *set, uint64_t now_us)
{
    size_t kept = 0, dropped = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (set->w[i].end_us > now_us)
            set->w[kept++] = set->w[i];
        else
            dropped++;
    }
    set->n = kept;
    return dropped;
}

const struct fh_deploywin *fh_deploywin_covering(const struct fh_deploywin_set *set,
                                                 const char *path, uint64_t now_us)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct fh_deploywin *w = &set->w[i];
        size_t n = strlen(w->root);
        if (w->end_us <= now_us || w->opened_us > now_us)
            continue;
        if (strcmp(w->root, "*") == 0 ||
            (strncmp(path, w->root, n) == 0 && (path[n] == '\0' || path[n] == '/')))
            return w;
    }
    return NULL;
}

int fh_deploywin_parse_duration(const char *s, uint64_t *out_s)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return FH_EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t unit = 1;
    if (*end == 'm')
        unit = 60;
    else if (*end == 'h')
        unit = 3600;
    else if (*end == 'd')
        unit = 86400;
    else if (*end != 's' && *end != '\0')
        return FH_EINVAL;
    if (*end && end[1])
        return FH_EINVAL;
    if (errno || v == 0 || v > FH_DEPLOYWIN_MAX_S / unit)
        return FH_EINVAL;
    *out_s = v * unit;
    return 0;
}
