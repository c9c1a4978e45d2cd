/* submit.c - the submit probe: people and local tools hand the agent a detection over a
 * Unix socket (`fenghuo-ctl submit`: 机房断电, a teacher's phone call, an antivirus hook).
 *
 * start() listens on <root><socket> (a stale socket file there is replaced; anything
 * else is an error) with the file mode `mode`. For each connection, on the loop:
 *   1. the peer's uid, gid and pid come from SO_PEERCRED; root, a uid in allow_uids or
 *      a primary gid in allow_gids may go on. Anyone else's document is read to its
 *      end and dropped, then it gets an error reply; the refusal is counted and logged
 *      (fh_log_limited);
 *   2. the peer writes one JSON document (submitted.h) and shuts its side down; at most
 *      FH_SUBMITTED_MAX_BYTES within read_timeout_ms, or it gets an error reply;
 *   3. the document is checked exactly as the spool checks its files
 *      (fh_submitted_parse) and emitted as a Detection of probe "submit" with the facts
 *      submitted_by_uid, submitted_by_user and submitted_by_pid (ahead of the submitted
 *      ones, which cannot override them);
 *   4. the reply, one line, is written only after emit returned, i.e. after the
 *      report was committed to the outbox: {"ok":true,"seq":N} or
 *      {"ok":false,"error":"..."}. Then the connection is closed.
 * At most SUBMIT_MAX_CONNS connections are served at once; more are answered "busy".
 * The user name is looked up with getpwuid_r on the loop (local files are quick; a
 * host with a slow remote directory would hold the loop for that lookup). */
#include "submit.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "err.h"
#include "log.h"
#include "probe.h"
#include "probes.h"
#include "submitted.h"

#define SUBMIT_SOCKET_MAX 108            /* sizeof sun_path */
#define SUBMIT_ROOT_MAX 256
#define SUBMIT_LIST_MAX 512
#define SUBMIT_MODE_MAX 8
#define SUBMIT_MAX_CONNS 16
#define SUBMIT_BACKLOG 16
#define SUBMIT_REPLY_MAX 512
#define SUBMIT_USER_MAX 64
#define SUBMIT_PW_BUF 4096

struct submit_conf {
    char socket[SUBMIT_SOCKET_MAX];
    char root[SUBMIT_ROOT_MAX];
    char allow_uids[SUBMIT_LIST_MAX];
    char allow_gids[SUBMIT_LIST_MAX];
    char mode[SUBMIT_MODE_MAX];
    int64_t read_timeout_ms;
};

struct submit_state;

struct conn {
    uv_pipe_t pipe;
    uv_timer_t timer;
    uv_write_t wr;
    struct submit_state *st;
    struct conn *next, **pprev;
    char *buf;                 /* FH_SUBMITTED_MAX_BYTES + 1, on the first read */
    size_t len;
    int open_handles;
    bool done;                 /* replied (or replying) */
    char refusal[96];          /* refused peer: its input is read and dropped, then this */
    struct ucred cred;
    char reply[SUBMIT_REPLY_MAX];
};

struct submit_state {
    struct submit_conf conf;
    struct fh_submit_acl acl;
    uint32_t mode;
    char path[SUBMIT_ROOT_MAX + SUBMIT_SOCKET_MAX];
    uv_pipe_t server;
    bool bound;
    struct fh_probe_sink *sink;
    struct conn *conns;
    size_t nconns;
    uint64_t refused, rejected, taken;
    struct fh_log_limit refused_log, rejected_log;
    struct fh_submitted_body body;   /* the Detection being committed */
};

/* ---- the pure pieces (submit.h) ---- */

int fh_submit_parse_ids(const char *text, uint32_t *out, size_t max, size_t *n)
{
    const char *p = text;
    *n = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return 0;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || *p == '-' || errno || v >= UINT32_MAX || *n >= max)
            return FH_ECONFIG;
        out[(*n)++] = (uint32_t)v;
        for (p = end; *p == ' ' || *p == '\t'; p++)
            ;
        if (*p == ',')
            p++;
        else if (*p)
            return FH_ECONFIG;
    }
}

bool fh_submit_peer_allowed(const struct fh_submit_acl *acl, uint32_t uid, uint32_t gid)
{
    if (uid == 0)
        return true;
    for (size_t i = 0; i < acl->nuids; i++)
        if (acl->uids[i] == uid)
            return true;
    for (size_t i = 0; i < acl->ngids; i++)
        if (acl->gids[i] == gid)
            return true;
    return false;
}

int fh_submit_parse_mode(const char *text, uint32_t *mode)
{
    char *end;
    if (!text[0] || text[0] == '-')
        return FH_ECONFIG;
    unsigned long v = strtoul(text, &end, 8);
    if (*end || v > 0777)
        return FH_ECONFIG;
    *mode = (uint32_t)v;
    return 0;
}

/* ---- connections ---- */

static void on_conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->open_handles > 0)
        return;
    *c->pprev = c->next;
    if (c->next)
        c->next->pprev = c->pprev;
    c->st->nconns--;
    free(c->buf);
    free(c);
}

static void conn_close(struct conn *c)
{
    uv_timer_stop(&c->timer);
    if (!uv_is_closing((uv_handle_t *)&c->pipe))
        uv_close((uv_handle_t *)&c->pipe, on_conn_closed);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

static void on_written(uv_write_t *w, int status)
{
    conn_close(w->data);
}

/* Reply doc (taken) on one line, then close. */
static void reply(struct conn *c, json_t *doc)
{
    if (c->done)
        goto out;
    c->done = true;
    uv_read_stop((uv_stream_t *)&c->pipe);
    uv_timer_stop(&c->timer);
    size_t n = doc ? json_dumpb(doc, c->reply, sizeof c->reply - 1, JSON_COMPACT) : 0;
    if (n == 0 || n >= sizeof c->reply - 1)
        n = (size_t)snprintf(c->reply, sizeof c->reply, "{\"ok\":false,\"error\":\"internal\"}");
    c->reply[n++] = '\n';
    uv_buf_t b = uv_buf_init(c->reply, (unsigned)n);
    c->wr.data = c;
    if (uv_write(&c->wr, (uv_stream_t *)&c->pipe, &b, 1, on_written) != 0)
        conn_close(c);
out:
    json_decref(doc);
}

static void reply_error(struct conn *c, const char *why)
{
    reply(c, json_pack("{s:b, s:s}", "ok", 0, "error", why));
}

static void reject(struct conn *c, const char *why)
{
    struct submit_state *st = c->st;
    st->rejected++;
    fh_log_limited(&st->rejected_log, 60, FH_LOG_WARN,
                   "submit: refused a document from uid %u (pid %d): %s; %llu refused in all",
                   (unsigned)c->cred.uid, (int)c->cred.pid, why,
                   (unsigned long long)st->rejected);
    reply_error(c, why);
}

/* The whole document is in: check it, commit it, answer. */
static void take(struct conn *c)
{
    struct submit_state *st = c->st;
    struct fh_submitted sub;
    const char *why;
    if (fh_submitted_parse(c->buf ? c->buf : "", c->len, &sub, &why) != 0) {
        reject(c, why);
        return;
    }
    char uid[16], pid[16], user[SUBMIT_USER_MAX], pwbuf[SUBMIT_PW_BUF];
    struct passwd pw, *found = NULL;
    snprintf(uid, sizeof uid, "%u", (unsigned)c->cred.uid);
    snprintf(pid, sizeof pid, "%d", (int)c->cred.pid);
    if (getpwuid_r(c->cred.uid, &pw, pwbuf, sizeof pwbuf, &found) == 0 && found)
        snprintf(user, sizeof user, "%s", found->pw_name);
    else
        snprintf(user, sizeof user, "uid %s", uid);
    const struct fh_detect_fact who[] = {
        {"submitted_by_uid", uid}, {"submitted_by_user", user}, {"submitted_by_pid", pid}};
    fh_submitted_detection(&sub, "submit", who, sizeof who / sizeof who[0], fh_now_us(),
                           &st->body);
    st->sink->last_seq = 0;
    int err = st->sink->emit(st->sink, FH__KIND__KIND_DETECTION, &st->body.d.base);
    if (err) {
        char msg[128];
        snprintf(msg, sizeof msg, "not committed: %s", fh_strerror(err));
        reply_error(c, msg);
    } else {
        st->taken++;
        fh_log(FH_LOG_INFO, "submit: detection %s \"%s\" from %s (uid %s), seq %llu",
               sub.class_code, sub.summary, user, uid, (unsigned long long)st->sink->last_seq);
        reply(c, json_pack("{s:b, s:I}", "ok", 1, "seq", (json_int_t)st->sink->last_seq));
    }
    fh_submitted_free(&sub);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    struct conn *c = h->data;
    if (c->refusal[0]) {   /* read into the reply buffer, unused until the answer */
        *b = uv_buf_init(c->reply, sizeof c->reply);
        return;
    }
    if (!c->buf)
        c->buf = malloc(FH_SUBMITTED_MAX_BYTES + 1);
    if (!c->buf || c->len > FH_SUBMITTED_MAX_BYTES) {
        *b = uv_buf_init(NULL, 0);   /* libuv reports UV_ENOBUFS */
        return;
    }
    *b = uv_buf_init(c->buf + c->len, (unsigned)(FH_SUBMITTED_MAX_BYTES + 1 - c->len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    struct conn *c = s->data;
    if (c->done)
        return;
    if (nread > 0) {
        c->len += (size_t)nread;
        if (c->len > FH_SUBMITTED_MAX_BYTES)
            reject(c, c->refusal[0] ? c->refusal : "over 64 KiB");
    } else if (nread == UV_EOF && c->refusal[0]) {
        reply_error(c, c->refusal);
    } else if (nread == UV_EOF) {
        take(c);
    } else if (nread == UV_ENOBUFS) {
        reject(c, "out of memory");
    } else if (nread < 0) {
        conn_close(c);   /* the peer is gone: nobody to answer */
    }
}

static void on_timeout(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->refusal[0])
        reply_error(c, c->refusal);
    else
        reject(c, "no complete document in time (write it, then shut down writing)");
}

static void on_connection(uv_stream_t *server, int status)
{
    struct submit_state *st = server->data;
    if (status < 0)
        return;
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return;   /* the connection waits in the backlog for the next try */
    c->st = st;
    uv_pipe_init(server->loop, &c->pipe, 0);
    uv_timer_init(server->loop, &c->timer);
    c->pipe.data = c->timer.data = c;
    c->open_handles = 2;
    c->next = st->conns;
    c->pprev = &st->conns;
    if (st->conns)
        st->conns->pprev = &c->next;
    st->conns = c;
    st->nconns++;
    if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
        conn_close(c);
        return;
    }
    uv_os_fd_t fd;
    socklen_t len = sizeof c->cred;
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) != 0) {
        c->cred.uid = (uid_t)-1;
        c->cred.pid = -1;
        reject(c, "the peer's credentials are unknown");
        return;
    }
    /* A refused peer's document is read to its end and dropped before the answer: an
     * answer while it still writes would reach it as a reset, not as the reason. */
    if (st->nconns > SUBMIT_MAX_CONNS) {
        st->refused++;
        fh_log_limited(&st->refused_log, 60, FH_LOG_WARN,
                       "submit: refused uid %u: over %d connections at once; %llu refused "
                       "in all", (unsigned)c->cred.uid, SUBMIT_MAX_CONNS,
                       (unsigned long long)st->refused);
        snprintf(c->refusal, sizeof c->refusal, "busy: too many submissions at once");
    } else if (!fh_submit_peer_allowed(&st->acl, c->cred.uid, c->cred.gid)) {
        st->refused++;
        fh_log_limited(&st->refused_log, 60, FH_LOG_WARN,
                       "submit: refused uid %u gid %u (pid %d): not in allow_uids or "
                       "allow_gids; %llu refused in all", (unsigned)c->cred.uid,
                       (unsigned)c->cred.gid, (int)c->cred.pid,
                       (unsigned long long)st->refused);
        snprintf(c->refusal, sizeof c->refusal, "uid %u may not submit here",
                 (unsigned)c->cred.uid);
    }
    uv_timer_start(&c->timer, on_timeout, (uint64_t)st->conf.read_timeout_ms, 0);
    if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) != 0)
        conn_close(c);
}

/* ---- the probe ---- */

static int submit_init(const void *conf, void **state, uint32_t *interval_s)
{
    const struct submit_conf *c = conf;
    if (!c->socket[0])
        return FH_ENOTFOUND;
    struct submit_state *st = calloc(1, sizeof *st);
    if (!st)
        return FH_ENOMEM;
    st->conf = *c;
    int n = snprintf(st->path, sizeof st->path, "%s%s", c->root, c->socket);
    if (n < 0 || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        fh_log(FH_LOG_ERROR, "submit.socket: \"%s%s\" is over %zu bytes", c->root, c->socket,
               sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
        goto fail;
    }
    if (fh_submit_parse_ids(c->allow_uids, st->acl.uids, FH_SUBMIT_MAX_IDS, &st->acl.nuids)) {
        fh_log(FH_LOG_ERROR, "submit.allow_uids: \"%s\" is not a list of at most %d uids",
               c->allow_uids, FH_SUBMIT_MAX_IDS);
        goto fail;
    }
    if (fh_submit_parse_ids(c->allow_gids, st->acl.gids, FH_SUBMIT_MAX_IDS, &st->acl.ngids)) {
        fh_log(FH_LOG_ERROR, "submit.allow_gids: \"%s\" is not a list of at most %d gids",
               c->allow_gids, FH_SUBMIT_MAX_IDS);
        goto fail;
    }
    if (fh_submit_parse_mode(c->mode, &st->mode)) {
        fh_log(FH_LOG_ERROR, "submit.mode: \"%s\" is not an octal mode such as 0660", c->mode);
        goto fail;
    }
    *state = st;
    *interval_s = 3600;   /* collect has nothing to do: the socket is served on the loop */
    return 0;
fail:
    free(st);
    return FH_ECONFIG;
}

static int submit_start(void *state, struct uv_loop_s *loop, struct fh_probe_sink *sink)
{
    struct submit_state *st = state;
    struct stat sb;
    st->sink = sink;
    if (lstat(st->path, &sb) == 0) {
        if (!S_ISSOCK(sb.st_mode)) {
            fh_log(FH_LOG_ERROR, "submit: %s exists and is not a socket", st->path);
            return FH_EIO;
        }
        unlink(st->path);   /* left by an agent that did not stop cleanly */
    }
    uv_pipe_init(loop, &st->server, 0);
    st->server.data = st;
    int rc = uv_pipe_bind(&st->server, st->path);
    if (rc == 0) {
        st->bound = true;
        if (chmod(st->path, st->mode) != 0)
            rc = uv_translate_sys_error(errno);
    }
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&st->server, SUBMIT_BACKLOG, on_connection);
    if (rc != 0) {
        fh_log(FH_LOG_ERROR, "submit: cannot listen on %s: %s", st->path, uv_strerror(rc));
        return FH_EIO;
    }
    fh_log(FH_LOG_INFO, "submit: listening on %s (mode %04o)", st->path, (unsigned)st->mode);
    return 0;
}

static int submit_collect(void *state, struct fh_probe_sink *sink)
{
    return 0;
}

/* After the agent closed every handle of the loop: free what the close left. */
static void submit_destroy(void *state)
{
    struct submit_state *st = state;
    for (struct conn *c = st->conns, *next; c; c = next) {
        next = c->next;
        free(c->buf);
        free(c);
    }
    if (st->bound)
        unlink(st->path);
    free(st);
}

#define K(name_, type_, field, def_, min_, max_, help_)                                       \
    {.section = "submit", .name = name_, .type = type_,                                        \
     .offset = offsetof(struct submit_conf, field),                                            \
     .size = sizeof(((struct submit_conf *)0)->field), .def = def_, .min = min_, .max = max_, \
     .help = help_}

static const struct fh_config_key submit_keys[] = {
    K("socket", FH_CONF_STRING, socket, "", 0, 0,
      "Unix socket for fenghuo-ctl submit, e.g. /run/fenghuo/agent.sock; empty: off"),
    K("root", FH_CONF_STRING, root, "", 0, 0, "prefix of the socket path (tests)"),
    K("allow_uids", FH_CONF_STRING, allow_uids, "", 0, 0,
      "uids that may submit, comma separated (root always may)"),
    K("allow_gids", FH_CONF_STRING, allow_gids, "", 0, 0,
      "primary gids whose users may submit, comma separated"),
    K("mode", FH_CONF_STRING, mode, "0660", 0, 0,
      "file mode of the socket, octal (who may connect at all)"),
    K("read_timeout_ms", FH_CONF_INT, read_timeout_ms, "5000", 100, 60000,
      "a submitter must have sent its whole document within this time"),
};

const struct fh_probe fh_probe_submit = {
    .name = "submit",
    .keys = submit_keys,
    .nkeys = sizeof submit_keys / sizeof submit_keys[0],
    .conf_size = sizeof(struct submit_conf),
    .init = submit_init,
    .collect = submit_collect,
    .destroy = submit_destroy,
    .start = submit_start,
    .on_demand = true,   /* it reports what it is handed: --max-reports spares it */
};
