/* fh-proxy.c - a fault-injecting TCP proxy for one link, for the chaos test.
 *
 *   fh-proxy --listen 127.0.0.1:PORT --target 127.0.0.1:PORT --control PATH
 *            [--cap-bytes N]
 *
 * It accepts any number of connections on --listen and, for each, opens one to
 * --target and forwards bytes both ways. What it does to the bytes is its mode, one word
 * (optionally with an argument) read from the control file PATH:
 *
 *   pass        forward.
 *   blackhole   forward nothing in either direction and keep nothing: bytes read from
 *               either side are dropped. New connections are accepted and treated the
 *               same way (no connection to the target is made). A connection that was
 *               black-holed has lost bytes, so it stays a black hole after the mode
 *               changes back (a dead path: a middlebox that lost its state); its ends
 *               find out by their own heartbeats. When one end closes it, the other
 *               is closed too.
 *   reset       close every connection with a RST (SO_LINGER 0) on both sides; while in
 *               this mode new connections are accepted and reset at once.
 *   delay MS    forward each chunk read MS milliseconds after it was read, order kept.
 *               Going back to pass forwards what is queued first, still in order.
 *
 * The control file is checked every 100 ms (and at once on SIGHUP); a change of its
 * inode, size or mtime makes the proxy read it again, so writers should write a new file
 * and rename it over PATH. A missing file means pass. Each mode change is logged on
 * stderr with the number of open connections and byte counts.
 *
 * Memory is bounded: each direction of a connection queues at most --cap-bytes
 * (default 4 MiB) read and not yet written; past that the proxy stops reading that
 * side (TCP backpressure) until the queue is half empty. A connection's two sides and
 * two timers are libuv handles; it is freed when the last of them is closed.
 *
 * SIGTERM or SIGINT closes every connection and the listener and exits 0. Only
 * 127.0.0.x addresses are accepted: this tool never touches another host. It depends on
 * libuv alone, not on fenghuo's code, so it keeps working while that code changes; its
 * log lines have the format of common/log.c. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <uv.h>

#define CONTROL_POLL_MS 100
#define CONTROL_MAX_BYTES 64
#define READ_BUF_BYTES (64 * 1024)
#define DEFAULT_CAP_BYTES (4u * 1024u * 1024u)
#define DELAY_MAX_MS 600000

enum mode { MODE_PASS, MODE_BLACKHOLE, MODE_RESET, MODE_DELAY };
static const char *const mode_names[] = {"pass", "blackhole", "reset", "delay"};

struct chunk {
    uv_write_t req;
    struct chunk *next;
    struct dir *dir;
    uint64_t due_ms;
    size_t len;
    char data[];
};

struct conn;

/* One way through a connection: bytes read from src, queued, written to dst. */
struct dir {
    struct conn *c;
    uv_tcp_t *src, *dst;
    struct chunk *head, *tail; /* read, not yet handed to uv_write */
    size_t held;               /* bytes queued or being written */
    uint64_t last_due_ms;
    uv_timer_t timer;
    bool src_eof;              /* src sent EOF: shut dst down once everything is written */
    bool shut;                 /* uv_shutdown(dst) requested */
    bool paused;               /* reading src stopped for backpressure */
};

struct conn {
    struct conn *prev, *next;
    uv_tcp_t client, server;
    uv_connect_t connect_req;
    uv_shutdown_t shut_req[2];
    struct dir up, down;
    bool server_open;          /* server handle initialised */
    bool connected;            /* server connection established */
    bool poisoned;             /* black-holed: never forwards again */
    bool closing;
    int handles;               /* open libuv handles; freed at 0 */
};

static struct {
    uv_loop_t *loop;
    uv_tcp_t listener;
    struct sockaddr_in target;
    char listen_s[64], target_s[64];
    const char *control;
    size_t cap;
    enum mode mode;
    unsigned delay_ms;
    struct conn *conns;
    size_t nconns;
    uv_timer_t control_timer;
    uv_signal_t sigterm, sigint, sighup;
    struct stat control_st;
    bool control_seen;
    bool stopping;
    uint64_t accepted, resets, bytes_up, bytes_down, dropped;
    char readbuf[READ_BUF_BYTES];
} P;

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ INFO fh-proxy %s->%s: ", ts, (long)(tv.tv_usec / 1000),
            P.listen_s, P.target_s);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static uint64_t now_ms(void)
{
    return uv_now(P.loop);
}

/* ---- closing ---- */

static void conn_release(struct conn *c)
{
    if (--c->handles > 0)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        P.conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    P.nconns--;
    free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    conn_release(h->data); /* the two sides' data is their conn */
}

static void on_timer_closed(uv_handle_t *h)
{
    conn_release(((struct dir *)h->data)->c);
}

static void drop_queue(struct dir *d)
{
    while (d->head) {
        struct chunk *k = d->head;
        d->head = k->next;
        d->held -= k->len;
        P.dropped += k->len;
        free(k);
    }
    d->tail = NULL;
}

static void close_tcp(uv_tcp_t *t, bool rst)
{
    if (uv_is_closing((uv_handle_t *)t))
        return;
    /* uv_tcp_close_reset refuses a handle with a shutdown pending: close it plainly. */
    if (!rst || uv_tcp_close_reset(t, on_handle_closed) != 0)
        uv_close((uv_handle_t *)t, on_handle_closed);
}

/* Close both sides (with RST when rst) and the timers; the conn is freed when the last
 * handle's close callback runs. Writes still pending are cancelled by libuv. */
static void conn_close(struct conn *c, bool rst)
{
    if (c->closing)
        return;
    c->closing = true;
    drop_queue(&c->up);
    drop_queue(&c->down);
    uv_close((uv_handle_t *)&c->up.timer, on_timer_closed);
    uv_close((uv_handle_t *)&c->down.timer, on_timer_closed);
    close_tcp(&c->client, rst);
    if (c->server_open)
        close_tcp(&c->server, rst && c->connected);
}

/* ---- forwarding ---- */

static void start_reading(uv_tcp_t *t);

static void maybe_resume(struct dir *d)
{
    if (d->paused && d->held <= P.cap / 2 && !d->src_eof && !d->c->closing) {
        d->paused = false;
        start_reading(d->src);
    }
}

static void maybe_shutdown(struct dir *d);

static void on_written(uv_write_t *req, int status)
{
    struct chunk *k = (struct chunk *)req;
    struct dir *d = k->dir;
    d->held -= k->len;
    free(k);
    if (d->c->closing)
        return;
    if (status < 0) {
        conn_close(d->c, true);
        return;
    }
    maybe_resume(d);
    maybe_shutdown(d);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;
    if (c->closing)
        return;
    /* Both ways ended: the connection is over. */
    if (status < 0 || (c->up.shut && c->down.shut))
        conn_close(c, status < 0);
}

static void maybe_shutdown(struct dir *d)
{
    struct conn *c = d->c;
    if (!d->src_eof || d->shut || d->head || d->held || c->closing)
        return;
    if (d->dst == &c->server && !c->connected)
        return;
    d->shut = true;
    uv_shutdown_t *req = &c->shut_req[d == &c->up ? 0 : 1];
    req->data = c;
    if (uv_shutdown(req, (uv_stream_t *)d->dst, on_shutdown) != 0)
        conn_close(c, true);
}

static void on_due(uv_timer_t *t);

/* Hand every due chunk to uv_write, in order; arm the timer for the next one. */
static void dispatch(struct dir *d)
{
    struct conn *c = d->c;
    if (c->closing || (d->dst == &c->server && !c->connected))
        return;
    uint64_t now = now_ms();
    while (d->head && d->head->due_ms <= now) {
        struct chunk *k = d->head;
        d->head = k->next;
        if (!d->head)
            d->tail = NULL;
        uv_buf_t b = uv_buf_init(k->data, (unsigned)k->len);
        if (d == &c->up)
            P.bytes_up += k->len;
        else
            P.bytes_down += k->len;
        if (uv_write(&k->req, (uv_stream_t *)d->dst, &b, 1, on_written) != 0) {
            d->held -= k->len;
            free(k);
            conn_close(c, true);
            return;
        }
    }
    if (d->head)
        uv_timer_start(&d->timer, on_due, d->head->due_ms - now, 0);
    maybe_shutdown(d);
}

static void on_due(uv_timer_t *t)
{
    dispatch(t->data);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    /* One loop thread: the buffer is copied out in on_read before the next read. */
    *buf = uv_buf_init(P.readbuf, sizeof P.readbuf);
}

static struct dir *dir_from(uv_stream_t *s)
{
    struct conn *c = s->data;
    return (uv_tcp_t *)s == &c->client ? &c->up : &c->down;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct dir *d = dir_from(s);
    struct conn *c = d->c;
    (void)buf;
    if (c->closing || nread == 0)
        return;
    if (nread < 0) {
        uv_read_stop(s);
        if (nread != UV_EOF || c->poisoned) {
            /* A reset propagates as a reset; a dead path ends with its first close. */
            conn_close(c, nread != UV_EOF);
            return;
        }
        d->src_eof = true;
        maybe_shutdown(d);
        return;
    }
    if (c->poisoned || P.mode == MODE_BLACKHOLE) {
        P.dropped += (uint64_t)nread;
        return;
    }
    struct chunk *k = malloc(sizeof *k + (size_t)nread);
    if (!k) {
        conn_close(c, true);
        return;
    }
    memcpy(k->data, buf->base, (size_t)nread);
    k->len = (size_t)nread;
    k->next = NULL;
    k->dir = d;
    uint64_t due = now_ms() + (P.mode == MODE_DELAY ? P.delay_ms : 0);
    k->due_ms = due > d->last_due_ms ? due : d->last_due_ms; /* order is kept */
    d->last_due_ms = k->due_ms;
    if (d->tail)
        d->tail->next = k;
    else
        d->head = k;
    d->tail = k;
    d->held += k->len;
    if (d->held > P.cap) {
        uv_read_stop(s);
        d->paused = true;
    }
    dispatch(d);
}

static void start_reading(uv_tcp_t *t)
{
    int rc = uv_read_start((uv_stream_t *)t, on_alloc, on_read);
    if (rc != 0 && rc != UV_EALREADY)
        conn_close(((uv_handle_t *)t)->data, true);
}

static void on_connected(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    if (c->closing)
        return;
    if (status < 0) {
        /* The target is not there: the child sees its connection reset. */
        conn_close(c, true);
        return;
    }
    c->connected = true;
    start_reading(&c->server);
    if (!c->poisoned) /* black-holed while connecting: only read, to drop */
        dispatch(&c->up);
}

static void dir_init(struct conn *c, struct dir *d, uv_tcp_t *src, uv_tcp_t *dst)
{
    d->c = c;
    d->src = src;
    d->dst = dst;
    uv_timer_init(P.loop, &d->timer);
    d->timer.data = d;
    c->handles++;
}

static void on_accept(uv_stream_t *server, int status)
{
    if (status < 0 || P.stopping)
        return;
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    uv_tcp_init(P.loop, &c->client);
    c->client.data = c;
    c->handles = 1;
    c->next = P.conns;
    if (P.conns)
        P.conns->prev = c;
    P.conns = c;
    P.nconns++;
    dir_init(c, &c->up, &c->client, &c->server);   /* to the target */
    dir_init(c, &c->down, &c->server, &c->client); /* back */
    if (uv_accept(server, (uv_stream_t *)&c->client) != 0) {
        conn_close(c, false);
        return;
    }
    P.accepted++;
    uv_tcp_nodelay(&c->client, 1);
    if (P.mode == MODE_RESET) {
        P.resets++;
        conn_close(c, true);
        return;
    }
    if (P.mode == MODE_BLACKHOLE) {
        c->poisoned = true;
        start_reading(&c->client);
        return;
    }
    uv_tcp_init(P.loop, &c->server);
    c->server.data = c;
    c->server_open = true;
    c->handles++;
    uv_tcp_nodelay(&c->server, 1);
    c->connect_req.data = c;
    if (uv_tcp_connect(&c->connect_req, &c->server, (const struct sockaddr *)&P.target,
                       on_connected) != 0) {
        conn_close(c, true);
        return;
    }
    start_reading(&c->client);
}

/* ---- modes ---- */

static void apply_mode(enum mode m, unsigned delay_ms)
{
    P.mode = m;
    P.delay_ms = m == MODE_DELAY ? delay_ms : 0;
    size_t reset = 0, holed = 0;
    for (struct conn *c = P.conns, *next; c; c = next) {
        next = c->next;
        if (c->closing)
            continue;
        if (m == MODE_RESET) {
            conn_close(c, true);
            reset++;
        } else if (m == MODE_BLACKHOLE && !c->poisoned) {
            c->poisoned = true;
            holed++;
            drop_queue(&c->up);
            drop_queue(&c->down);
            /* Keep reading both sides so the bytes are dropped, not held by TCP. */
            c->up.paused = c->down.paused = false;
            if (!c->up.src_eof)
                start_reading(&c->client);
            if (c->connected && !c->down.src_eof && !c->closing)
                start_reading(&c->server);
        }
    }
    P.resets += reset;
    char arg[24] = "";
    if (m == MODE_DELAY)
        snprintf(arg, sizeof arg, " %u", delay_ms);
    say("mode %s%s (connections %zu, reset now %zu, black-holed now %zu; accepted %llu, "
        "forwarded up %llu B, down %llu B, dropped %llu B)",
        mode_names[m], arg, P.nconns, reset, holed, (unsigned long long)P.accepted,
        (unsigned long long)P.bytes_up, (unsigned long long)P.bytes_down,
        (unsigned long long)P.dropped);
}

/* Parse "pass", "blackhole", "reset" or "delay MS" (surrounding blanks allowed). */
static int parse_mode(const char *s, enum mode *m, unsigned *delay_ms)
{
    char word[16];
    long ms = 0;
    char extra[2];
    int n = sscanf(s, "%15s %ld %1s", word, &ms, extra);
    if (n < 1)
        return -1;
    if (strcmp(word, "delay") == 0) {
        if (n != 2 || ms < 0 || ms > DELAY_MAX_MS)
            return -1;
        *m = MODE_DELAY;
        *delay_ms = (unsigned)ms;
        return 0;
    }
    if (n != 1)
        return -1;
    for (int i = 0; i < MODE_DELAY; i++) {
        if (strcmp(word, mode_names[i]) == 0) {
            *m = (enum mode)i;
            *delay_ms = 0;
            return 0;
        }
    }
    return -1;
}

static void check_control(bool force)
{
    struct stat st;
    if (stat(P.control, &st) != 0) {
        if (P.control_seen && P.mode != MODE_PASS)
            apply_mode(MODE_PASS, 0);
        P.control_seen = false;
        return;
    }
    if (!force && P.control_seen && st.st_ino == P.control_st.st_ino &&
        st.st_size == P.control_st.st_size &&
        st.st_mtim.tv_sec == P.control_st.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == P.control_st.st_mtim.tv_nsec)
        return;
    P.control_st = st;
    P.control_seen = true;
    char buf[CONTROL_MAX_BYTES + 1];
    FILE *f = fopen(P.control, "r");
    if (!f)
        return;
    size_t n = fread(buf, 1, CONTROL_MAX_BYTES, f);
    fclose(f);
    buf[n] = 0;
    enum mode m;
    unsigned ms;
    if (parse_mode(buf, &m, &ms) != 0) {
        say("control file %s: \"%.*s\" is not pass, blackhole, reset or delay MS; "
            "mode unchanged", P.control, (int)strcspn(buf, "\n"), buf);
        return;
    }
    if (m != P.mode || ms != P.delay_ms || force)
        apply_mode(m, ms);
}

static void on_control_timer(uv_timer_t *t)
{
    (void)t;
    check_control(false);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)s;
    if (signum == SIGHUP) {
        check_control(true);
        return;
    }
    if (P.stopping)
        return;
    P.stopping = true;
    say("signal %d: stopping (accepted %llu, resets %llu, forwarded up %llu B, down %llu B, "
        "dropped %llu B)", signum, (unsigned long long)P.accepted,
        (unsigned long long)P.resets, (unsigned long long)P.bytes_up,
        (unsigned long long)P.bytes_down, (unsigned long long)P.dropped);
    for (struct conn *c = P.conns; c; c = c->next)
        conn_close(c, false);
    uv_close((uv_handle_t *)&P.listener, NULL);
    uv_close((uv_handle_t *)&P.control_timer, NULL);
    uv_close((uv_handle_t *)&P.sigterm, NULL);
    uv_close((uv_handle_t *)&P.sigint, NULL);
    uv_close((uv_handle_t *)&P.sighup, NULL);
}

/* ---- start ---- */

/* "127.0.0.x:PORT" into sa; port 1..65535. */
static int parse_loopback(const char *s, struct sockaddr_in *sa)
{
    char host[32];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host || strncmp(s, "127.", 4) != 0)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535)
        return -1;
    return uv_ip4_addr(host, (int)port, sa) == 0 ? 0 : -1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: fh-proxy --listen 127.0.0.1:PORT --target 127.0.0.1:PORT "
               "--control PATH [--cap-bytes N]\n"
               "control file words: pass | blackhole | reset | delay MS\n");
}

int main(int argc, char **argv)
{
    const char *listen_s = NULL, *target_s = NULL;
    P.cap = DEFAULT_CAP_BYTES;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--listen") == 0) {
            listen_s = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--target") == 0) {
            target_s = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--control") == 0) {
            P.control = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--cap-bytes") == 0) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || v < READ_BUF_BYTES || v > (1ull << 32)) {
                fprintf(stderr, "fh-proxy: --cap-bytes is %d..2^32\n", READ_BUF_BYTES);
                return 2;
            }
            P.cap = (size_t)v;
        } else {
            usage(stderr);
            return 2;
        }
    }
    struct sockaddr_in listen_sa;
    if (!listen_s || !target_s || !P.control || parse_loopback(listen_s, &listen_sa) != 0 ||
        parse_loopback(target_s, &P.target) != 0) {
        usage(stderr);
        fprintf(stderr, "fh-proxy: both addresses must be 127.0.0.x:PORT\n");
        return 2;
    }
    snprintf(P.listen_s, sizeof P.listen_s, "%s", listen_s);
    snprintf(P.target_s, sizeof P.target_s, "%s", target_s);
    signal(SIGPIPE, SIG_IGN);
    P.loop = uv_default_loop();
    uv_tcp_init(P.loop, &P.listener);
    int rc = uv_tcp_bind(&P.listener, (const struct sockaddr *)&listen_sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&P.listener, 128, on_accept);
    if (rc != 0) {
        fprintf(stderr, "fh-proxy: cannot listen on %s: %s\n", listen_s, uv_strerror(rc));
        return 1;
    }
    uv_timer_init(P.loop, &P.control_timer);
    uv_timer_start(&P.control_timer, on_control_timer, CONTROL_POLL_MS, CONTROL_POLL_MS);
    uv_signal_init(P.loop, &P.sigterm);
    uv_signal_init(P.loop, &P.sigint);
    uv_signal_init(P.loop, &P.sighup);
    uv_signal_start(&P.sigterm, on_signal, SIGTERM);
    uv_signal_start(&P.sigint, on_signal, SIGINT);
    uv_signal_start(&P.sighup, on_signal, SIGHUP);
    say("listening, control file %s, cap %zu B per direction", P.control, P.cap);
    check_control(false);
    uv_run(P.loop, UV_RUN_DEFAULT);
    uv_loop_close(P.loop);
    say("stopped");
    return 0;
}
