/* tail.c - follow a log file by path in budgeted rounds (see tail.h for the contract).
 *
 * No partial line is kept in memory between rounds: the offset always sits at the start
 * of a line (or inside a line being skipped), and each round pread()s from it into one
 * buffer of 2 * max_line + 1 bytes. Whole lines in the buffer go to the callback; what
 * is left without a '\n' is either a line still being written (at most max_line bytes:
 * read again next round, so it is held back at the cost of re-reading it) or the head
 * of a line over max_line (skipping is set and the bytes are consumed up to its '\n').
 * Because the buffer is more than twice max_line, each pread either consumes bytes or
 * reaches the file's end, so a round always moves or stops.
 *
 * Rotation is noticed at the old file's end: when stat(path) names another inode, the
 * old file's last bytes (a line without '\n') are handed out too, the old fd closed and
 * the new file followed from 0 in the same round. A path that is gone keeps the old fd
 * open (the writer may still be appending to the renamed file) until a new file shows.
 *
 * The state file holds one line "fh-tail 1 DEV INO OFFSET"; anything else in it is
 * ignored (the follower starts as if it had none). */
#include "tail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define TAIL_STATE_MAX 128   /* bytes of a state file read */
#define TAIL_WARN_EVERY_S 300

struct budget {
    size_t bytes, lines;     /* left in this round */
};

/* Read the saved position into *dev, *ino, *off. Returns true when there is one. */
static bool load_state(const char *file, dev_t *dev, ino_t *ino, uint64_t *off)
{
    char text[TAIL_STATE_MAX + 1];
    unsigned long long d, i, o;
    ssize_t n;
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

    if (fd < 0)
        return false;
    n = read(fd, text, TAIL_STATE_MAX);
    close(fd);
    if (n <= 0)
        return false;
    text[n] = '\0';
    if (sscanf(text, "fh-tail 1 %llu %llu %llu", &d, &i, &o) != 3)
        return false;
    *dev = (dev_t)d;
    *ino = (ino_t)i;
    *off = o;
    return true;
}

int fh_tail_save(struct fh_tail *t)
{
    char tmp[FH_TAIL_PATH_MAX + 8], text[TAIL_STATE_MAX];
    int fd, len, rc = 0;

    if (!t->state_file[0] || !t->dirty || t->fd < 0)
        return 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", t->state_file);
    len = snprintf(text, sizeof text, "fh-tail 1 %llu %llu %llu\n",
                   (unsigned long long)t->dev, (unsigned long long)t->ino,
                   (unsigned long long)t->offset);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return FH_EIO;
    if (write(fd, text, (size_t)len) != len)
        rc = FH_EIO;
    if (close(fd) != 0)
        rc = FH_EIO;
    if (rc == 0 && rename(tmp, t->state_file) != 0)
        rc = FH_EIO;
    if (rc != 0)
        unlink(tmp);
    else
        t->dirty = false;
    return rc;
}

/* Open the path. at_start: the follower is being made (start at the end, or at the saved
 * position). Returns 0 (t->fd stays -1 when the file does not exist) or FH_EIO. */
static int open_file(struct fh_tail *t, bool at_start, bool from_start)
{
    struct stat sb;
    dev_t sdev;
    ino_t sino;
    uint64_t soff;
    int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : FH_EIO;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return FH_EIO;
    }
    t->fd = fd;
    t->dirty = true;
    if (t->ino != 0 && t->dev == sb.st_dev && t->ino == sb.st_ino) {
        /* the same file again (reopened after a read error): go on where we were */
    } else if (at_start && t->state_file[0] &&
               load_state(t->state_file, &sdev, &sino, &soff)) {
        /* the saved file, or one that replaced it while we were stopped: all new */
        t->offset = sdev == sb.st_dev && sino == sb.st_ino ? soff : 0;
        t->skipping = false;
    } else {
        t->offset = at_start && !from_start ? (uint64_t)sb.st_size : 0;
        t->skipping = false;
    }
    if (t->offset > (uint64_t)sb.st_size) { /* shorter than we knew: truncated */
        t->offset = 0;
        t->skipping = false;
    }
    t->dev = sb.st_dev;
    t->ino = sb.st_ino;
    return 0;
}

int fh_tail_open(struct fh_tail *t, const char *path, const struct fh_tail_opts *o)
{
    size_t max_line = o && o->max_line ? o->max_line : FH_TAIL_DEFAULT_MAX_LINE;
    const char *sf = o && o->state_file ? o->state_file : "";

    memset(t, 0, sizeof *t);
    t->fd = -1;
    if (max_line > FH_TAIL_MAX_LINE_LIMIT || !path || !path[0])
        return FH_EINVAL;
    if (strlen(path) >= sizeof t->path || strlen(sf) >= sizeof t->state_file)
        return FH_ETOOBIG;
    strcpy(t->path, path);
    strcpy(t->state_file, sf);
    t->max_line = max_line;
    t->buf_size = 2 * max_line + 2;
    if (!(t->buf = malloc(t->buf_size)))
        return FH_ENOMEM;
    (void)open_file(t, true, o && o->from_start); /* not there or unreadable: retried */
    return 0;
}

void fh_tail_close(struct fh_tail *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    free(t->buf);
    t->buf = NULL;
}

static void consume(struct fh_tail *t, struct budget *b, size_t n)
{
    t->offset += n;
    t->dirty = true;
    b->bytes = n < b->bytes ? b->bytes - n : 0;
}

/* Hand out the lines from the offset on. Returns 1 at the file's end, 0 when the budget
 * ran out, or a negative FH_E* (FH_EIO, or fn's code). */
static int drain(struct fh_tail *t, struct budget *b, fh_tail_line_fn fn, void *arg)
{
    for (;;) {
        ssize_t n;
        char *p, *end, *nl;

        if (b->bytes == 0 || b->lines == 0)
            return 0;
        n = pread(t->fd, t->buf, t->buf_size - 1, (off_t)t->offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FH_EIO;
        if (n == 0)
            return 1;
        p = t->buf;
        end = t->buf + n;
        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            size_t len = (size_t)(nl - p);
            if (t->skipping || len > t->max_line) {
                t->long_lines += !t->skipping;
                t->skipping = false;
            } else {
                int rc;
                if (b->lines == 0 || b->bytes == 0)
                    return 0;
                *nl = '\0';
                if (len > 0 && p[len - 1] == '\r')
                    p[--len] = '\0';
                if ((rc = fn(arg, p, len)) < 0)
                    return rc;
                t->lines++;
                b->lines--;
            }
            consume(t, b, (size_t)(nl - p) + 1); /* with its '\n' (and a stripped '\r') */
            p = nl + 1;
        }
        if (p < end) {
            size_t rest = (size_t)(end - p);
            if (!t->skipping && rest <= t->max_line) {
                /* a line still being written: held back. At the end of what pread got
                 * (a short read: the file's end) stop; else read on from its start */
                if ((size_t)n < t->buf_size - 1)
                    return 1;
                continue;
            }
            if (!t->skipping) {
                t->skipping = true;
                t->long_lines++;
            }
            consume(t, b, rest);
        } else if ((size_t)n < t->buf_size - 1) {
            return 1;
        }
    }
}

/* The old file of a rotation is at its end: hand out its last line without '\n' (a
 * writer that died mid-line), unless it is over max_line or being skipped. */
static int finish_old(struct fh_tail *t, struct budget *b, fh_tail_line_fn fn, void *arg)
{
    ssize_t n;
    int rc;

    if (t->skipping)
        return 0;
    do
        n = pread(t->fd, t->buf, t->max_line + 1, (off_t)t->offset);
    while (n < 0 && errno == EINTR);
    if (n <= 0 || (size_t)n > t->max_line || memchr(t->buf, '\n', (size_t)n))
        return 0; /* nothing, too long, or it grew meanwhile: drain takes it next round */
    t->buf[n] = '\0';
    if (n > 0 && t->buf[n - 1] == '\r')
        t->buf[--n] = '\0';
    if (n > 0 && (rc = fn(arg, t->buf, (size_t)n)) < 0)
        return rc;
    t->lines += n > 0;
    b->lines -= n > 0 && b->lines > 0;
    return 0;
}

int fh_tail_read(struct fh_tail *t, size_t max_bytes, size_t max_lines, fh_tail_line_fn fn,
                 void *arg)
{
    struct budget b = {max_bytes, max_lines};
    struct stat sb, now;
    int rc = 0;

    if (t->fd < 0 && (rc = open_file(t, false, false)) != 0)
        return rc;
    /* at most one rotation per round: the old file's end, then the new file */
    for (int file = 0; t->fd >= 0 && file < 2; file++) {
        if (fstat(t->fd, &sb) != 0) {
            rc = FH_EIO;
            break;
        }
        if ((uint64_t)sb.st_size < t->offset) {
            t->truncations++;
            t->offset = 0;
            t->skipping = false;
            t->dirty = true;
        }
        if ((rc = drain(t, &b, fn, arg)) <= 0)
            break; /* budget spent or an error */
        rc = 0;
        if (stat(t->path, &now) != 0 || (now.st_dev == t->dev && now.st_ino == t->ino))
            break; /* at the end; not rotated (or the new file is not there yet) */
        if ((rc = finish_old(t, &b, fn, arg)) != 0)
            break;
        close(t->fd);
        t->fd = -1;
        t->rotations++;
        if ((rc = open_file(t, false, false)) != 0)
            break;
    }
    if (rc == FH_EIO && t->fd >= 0) {
        close(t->fd); /* reopened next round */
        t->fd = -1;
    }
    if (fh_tail_save(t) != 0)
        fh_log_limited(&t->save_warn, TAIL_WARN_EVERY_S, FH_LOG_WARN,
                       "tail: cannot write %s: %s", t->state_file, strerror(errno));
    return rc;
}

int fh_tail_state_path(const char *state_dir, const char *tag, const char *path, char *out,
                       size_t len)
{
    int n;
    if (!state_dir[0]) {
        out[0] = '\0';
        return 0;
    }
    n = snprintf(out, len, "%s/%s-%s.pos", state_dir, tag, path);
    if (n < 0 || (size_t)n >= len)
        return FH_ETOOBIG;
    for (char *c = out + strlen(state_dir) + 1; *c; c++)
        if (*c == '/')
            *c = '_';
    return 0;
}

/* ---- sets ---- */

int fh_tail_set_open(struct fh_tail_set *s, const char *root, const char *paths,
                     const char *state_dir, const char *tag, const struct fh_tail_opts *o)
{
    char path[FH_TAIL_PATH_MAX], state[FH_TAIL_PATH_MAX];
    struct fh_tail_opts opts = o ? *o : (struct fh_tail_opts){0};
    int rc;

    memset(s, 0, sizeof *s);
    if (state_dir[0] && mkdir(state_dir, 0700) != 0 && errno != EEXIST)
        fh_log(FH_LOG_WARN, "%s: cannot make %s: %s: log positions not kept", tag, state_dir,
               strerror(errno));
    for (const char *p = paths; *p;) {
        size_t n = strcspn(p, ","), b = 0, e = n;
        while (b < e && p[b] == ' ')
            b++;
        while (e > b && p[e - 1] == ' ')
            e--;
        if (e > b) {
            if (p[b] != '/' || s->n >= FH_TAIL_SET_MAX)
                return FH_ECONFIG;
            if ((size_t)snprintf(path, sizeof path, "%s%.*s", root, (int)(e - b), p + b) >=
                sizeof path)
                return FH_ETOOBIG;
            if ((rc = fh_tail_state_path(state_dir, tag, path + strlen(root), state,
                                         sizeof state)) != 0)
                return rc;
            opts.state_file = state;
            if ((rc = fh_tail_open(&s->t[s->n++], path, &opts)) != 0)
                return rc;
        }
        p += n + (p[n] == ',');
    }
    return s->n ? 0 : FH_ECONFIG;
}

int fh_tail_set_read(struct fh_tail_set *s, size_t max_bytes, size_t max_lines,
                     fh_tail_line_fn fn, void *arg)
{
    int first = 0;
    for (size_t i = 0; i < s->n; i++) {
        int rc = fh_tail_read(&s->t[i], max_bytes, max_lines, fn, arg);
        if (rc != 0 && first == 0)
            first = rc;
        if (rc != 0 && rc != FH_EIO)
            break; /* fn's error (the sink): the next round tries again */
    }
    return first;
}

uint64_t fh_tail_set_long_lines(const struct fh_tail_set *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->t[i].long_lines;
    return n;
}

void fh_tail_set_close(struct fh_tail_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        fh_tail_close(&s->t[i]);
    s->n = 0;
}
