/* fh-inject.c - a raw sender of bad input, for the bad_input integration test.
 *
 *   fh-inject tcp://127.0.0.1:PORT MODE [SENDER_PATH]
 *
 * It speaks ZeroMQ (a DEALER, like a real child) but breaks one of fenghuo's rules per
 * run, so a test can check that the collector refuses the input, counts it under the
 * right reason and carries on serving its real children. The endpoint must be on
 * 127.0.0.1: this tool never talks to another host. SENDER_PATH is the path put in the
 * HELLO (default 320000/320100/320102/3132000001/web01; for `outside`
 * 320000/320200/320201/3132000001/web01). The modes, and what a collector should do:
 *
 *   random      valid HELLO + 8 parts of random bytes    each part: refused_malformed
 *   truncated   valid HELLO + a valid report cut in half refused_malformed
 *   version     valid HELLO + a report of version 2      refused_version
 *   scope       valid HELLO + a report from a sibling unit of the sender: refused_scope
 *   outside     HELLO from a sender outside the scope    refused_scope, no ack
 *   noheader    one report part, no HELLO                refused_hello, no ack
 *   toomany     valid HELLO + 600 valid reports          refused_too_many_parts, no ack
 *   huge        one 100 MB frame: libzmq (ZMQ_MAXMSGSIZE 4 MiB) drops the connection
 *   rawtcp      not ZeroMQ: 64 KiB of random bytes on a plain TCP connection. libzmq
 *               reads almost every such stream as ZMTP 1.0 (it has no signature), so
 *               the garbage arrives as messages (refused_hello) until the stream stops
 *               parsing and the connection drops
 *   badgreeting like rawtcp, but starting with a ZMTP 3.0 signature and an unknown
 *               security mechanism: a certain handshake failure (link_dropped)
 *
 * `random` starts with a valid HELLO on purpose: a message whose first part is garbage
 * is refused as a whole (refused_hello) before any report part is decoded, and the point
 * of `random` is to feed garbage to the report decoder.
 *
 * After sending it waits up to 2 s for a reply and prints what came back ("ack batch 1
 * verdicts: REFUSED x8", "no reply within 2000 ms"), then a line of what the transport
 * saw (the DEALER's monitor events; for the raw modes, what the peer did). Exit status:
 * 0 when the input was sent, 1 when it could not be (no connection), 2 on a usage
 * error. Every wait is bounded by a deadline. With FH_INJECT_KEY_DIR set (a key directory
 * with parent.pub, registered at the collector) it connects with CURVE, as a child does. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <zmq.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "keys.h"
#include "log.h"
#include "path.h"
#include "report.h"

#define DEFAULT_SENDER "320000/320100/320102/3132000001/web01"
#define DEFAULT_OUTSIDE "320000/320200/320201/3132000001/web01"
#define REPLY_WAIT_MS 2000
#define CONNECT_WAIT_MS 2000
#define RANDOM_PARTS 8
#define TOOMANY_PARTS 600
#define HUGE_BYTES (100u * 1024u * 1024u)
#define RAWTCP_BYTES (64u * 1024u)

struct inject {
    void *ctx;
    void *sock;             /* DEALER to the collector */
    void *mon;              /* PAIR receiving the DEALER's monitor events */
    char sender[FH_PATH_MAX];
    char events[512];       /* what the monitor saw, for the report line */
    uint64_t batch;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fh-inject tcp://127.0.0.1:PORT MODE [SENDER_PATH]\n"
               "modes: random truncated huge version scope outside noheader toomany rawtcp\n"
               "       badgreeting\n");
}

static void fill_random(uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    /* getrandom() cannot fail on Linux >= 3.17 for these sizes; fall back anyway. */
    for (; done < len; done++)
        buf[done] = (uint8_t)rand();
}

static uint32_t random_below(uint32_t n)
{
    uint32_t r;
    fill_random((uint8_t *)&r, sizeof r);
    return r % n;
}

static uint64_t mono_ms(void)
{
    return fh_mono_ms();
}

/* The port of "tcp://127.0.0.1:PORT", or -1. */
static int loopback_port(const char *endpoint)
{
    const char *prefix = "tcp://127.0.0.1:";
    if (strncmp(endpoint, prefix, strlen(prefix)) != 0)
        return -1;
    char *end;
    long port = strtol(endpoint + strlen(prefix), &end, 10);
    if (*end || port < 1 || port > 65535)
        return -1;
    return (int)port;
}

/* A HELLO envelope from sender for batch. *out is malloc'd. */
static int make_hello(const char *sender, uint64_t batch, uint8_t **out, size_t *len)
{
    Fh__Hello h = FH__HELLO__INIT;
    h.role = FH__ROLE__ROLE_AGENT;
    h.software = "fh-inject";
    h.hostname = "fh-inject";
    h.batch = batch;
    h.started_us = fh_now_us();
    return fh_report_encode(sender, 0, fh_now_us(), FH__KIND__KIND_HELLO, &h.base, out, len);
}

/* A valid health report of origin, with enough filesystems that its body is most of
 * the envelope (so cutting the envelope in half cuts the body). *out is malloc'd. */
static int make_report(const char *origin, uint64_t seq, uint8_t **out, size_t *len)
{
    Fh__Health h = FH__HEALTH__INIT;
    Fh__Filesystem fs[4], *fsp[4];
    static const char *const mounts[4] = {"/", "/var", "/home", "/srv"};
    for (int i = 0; i < 4; i++) {
        fh__filesystem__init(&fs[i]);
        fs[i].mount = (char *)mounts[i];
        fs[i].fstype = "ext4";
        fs[i].device = "/dev/fh-inject";
        fs[i].total_bytes = 1u << 30;
        fs[i].avail_bytes = 1u << 29;
        fsp[i] = &fs[i];
    }
    h.interval_s = 10;
    h.cpu_pct = 1.5;
    h.cpus = 1;
    h.hostname = "fh-inject";
    h.kernel = "fh-inject";
    h.os = "fh-inject";
    h.filesystems = fsp;
    h.n_filesystems = 4;
    return fh_report_encode(origin, seq, fh_now_us(), FH__KIND__KIND_HEALTH, &h.base, out,
                            len);
}

/* A report like make_report() but claiming protocol version 2. */
static int make_report_v2(const char *origin, uint8_t **out, size_t *len)
{
    uint8_t *buf;
    size_t n;
    int err = make_report(origin, 1, &buf, &n);
    if (err)
        return err;
    Fh__Envelope *env = fh__envelope__unpack(NULL, n, buf);
    free(buf);
    if (!env)
        return FH_EMALFORMED;
    env->version = FH_PROTO_VERSION + 1;
    *len = fh__envelope__get_packed_size(env);
    if ((*out = malloc(*len)))
        fh__envelope__pack(env, *out);
    fh__envelope__free_unpacked(env, NULL);
    return *out ? 0 : FH_ENOMEM;
}

/* A unit next to sender's: same path up to the unit segment, another unit code, host
 * web01. Returns FH_EINVAL when sender has no unit segment. */
static int sibling_unit(const char *sender, char *out, size_t out_len)
{
    struct fh_path p;
    if (fh_path_parse(sender, &p, NULL, 0) != 0)
        return FH_EINVAL;
    for (size_t i = 0; i < p.nseg; i++) {
        if (p.level[i] != FH_LEVEL_UNIT)
            continue;
        const char *unit = strncmp(p.text + p.off[i], "3132000002", p.len[i]) == 0 &&
                                   p.len[i] == 10
                               ? "3132000003"
                               : "3132000002";
        int n = snprintf(out, out_len, "%.*s%s/web01", (int)p.off[i], p.text, unit);
        return n > 0 && (size_t)n < out_len ? 0 : FH_ETOOBIG;
    }
    return FH_EINVAL;
}

static const char *event_name(int event)
{
    switch (event) {
    case ZMQ_EVENT_CONNECTED: return "connected";
    case ZMQ_EVENT_CONNECT_DELAYED: return "connect-delayed";
    case ZMQ_EVENT_CONNECT_RETRIED: return "connect-retried";
    case ZMQ_EVENT_CLOSED: return "closed";
    case ZMQ_EVENT_DISCONNECTED: return "disconnected";
    case ZMQ_EVENT_MONITOR_STOPPED: return "monitor-stopped";
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "handshake-failed-no-detail";
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "handshake-succeeded";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "handshake-failed-protocol";
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "handshake-failed-auth";
    default: return "other";
    }
}

/* Read every monitor event waiting (a bounded number) and append their names to
 * in->events. */
static void drain_monitor(struct inject *in)
{
    for (int guard = 0; guard < 64; guard++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, in->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        int event = -1;
        if (zmq_msg_size(&m) == 6) {
            uint16_t e;
            memcpy(&e, zmq_msg_data(&m), 2);
            event = e;
        }
        while (zmq_msg_more(&m)) {
            zmq_msg_close(&m);
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, in->mon, ZMQ_DONTWAIT) < 0)
                break;
        }
        zmq_msg_close(&m);
        if (event < 0)
            continue;
        size_t used = strlen(in->events);
        snprintf(in->events + used, sizeof in->events - used, "%s%s", used ? ", " : "",
                 event_name(event));
    }
}

/* FH_INJECT_KEY_DIR (a key dir of keys.h, with parent.pub): speak CURVE with those keys,
 * as a registered child would; the collector's links are CURVE unless its [security]
 * curve is off. */
static int use_curve(void *sock)
{
    const char *dir = getenv("FH_INJECT_KEY_DIR");
    if (!dir || !*dir)
        return 0;
    struct fh_keys k;
    char why[600], file[1024], server[FH_Z85_KEY_LEN + 1];
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_PARENT_PUBLIC);
    if (fh_keys_load(dir, &k, why, sizeof why) != 0 || fh_keys_read_public(file, server) != 0) {
        fprintf(stderr, "fh-inject: FH_INJECT_KEY_DIR %s: no usable keys\n", dir);
        return FH_ECONFIG;
    }
    int rc = zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k.curve_secret, FH_Z85_KEY_LEN) ||
             zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k.curve_public, FH_Z85_KEY_LEN) ||
             zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, FH_Z85_KEY_LEN);
    fh_keys_wipe(&k);
    return rc ? FH_ELINK : 0;
}

static int open_dealer(struct inject *in, const char *endpoint)
{
    int zero = 0, timeout_ms = REPLY_WAIT_MS;
    if (!(in->ctx = zmq_ctx_new()) || !(in->sock = zmq_socket(in->ctx, ZMQ_DEALER)))
        return FH_ELINK;
    zmq_setsockopt(in->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(in->sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
    if (use_curve(in->sock) != 0)
        return FH_ELINK;
    if (zmq_socket_monitor(in->sock, "inproc://fh-inject-monitor", ZMQ_EVENT_ALL) != 0 ||
        !(in->mon = zmq_socket(in->ctx, ZMQ_PAIR)) ||
        zmq_connect(in->mon, "inproc://fh-inject-monitor") != 0)
        return FH_ELINK;
    zmq_setsockopt(in->mon, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect(in->sock, endpoint) != 0)
        return FH_ELINK;
    /* Send only on a finished handshake, so "sent" means the collector got it. */
    uint64_t deadline = mono_ms() + CONNECT_WAIT_MS;
    while (mono_ms() < deadline) {
        zmq_pollitem_t it = {.socket = in->mon, .events = ZMQ_POLLIN};
        zmq_poll(&it, 1, 50);
        drain_monitor(in);
        if (strstr(in->events, "handshake-succeeded"))
            return 0;
    }
    fprintf(stderr, "fh-inject: no ZeroMQ connection to %s within %d ms\n", endpoint,
            CONNECT_WAIT_MS);
    return FH_ELINK;
}

static void close_dealer(struct inject *in)
{
    if (in->sock)
        zmq_socket_monitor(in->sock, NULL, 0);
    if (in->mon)
        zmq_close(in->mon);
    if (in->sock)
        zmq_close(in->sock);
    if (in->ctx)
        zmq_ctx_term(in->ctx);
}

/* Send parts[0..n) as one multipart message. */
static int send_parts(struct inject *in, uint8_t *const *parts, const size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (zmq_send(in->sock, parts[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0) < 0) {
            fprintf(stderr, "fh-inject: send part %zu: %s\n", i, zmq_strerror(zmq_errno()));
            return FH_ELINK;
        }
    return 0;
}

static void free_huge(void *data, void *hint)
{
    (void)hint;
    free(data);
}

static int send_huge(struct inject *in)
{
    uint8_t *buf = calloc(1, HUGE_BYTES);
    if (!buf)
        return FH_ENOMEM;
    buf[0] = 0x08;   /* looks like the start of an envelope; the rest is zeros */
    zmq_msg_t m;
    zmq_msg_init_data(&m, buf, HUGE_BYTES, free_huge, NULL);
    if (zmq_msg_send(&m, in->sock, 0) < 0) {
        fprintf(stderr, "fh-inject: send: %s\n", zmq_strerror(zmq_errno()));
        zmq_msg_close(&m);
        return FH_ELINK;
    }
    return 0;
}

static const char *verdict_name(int v)
{
    const ProtobufCEnumValue *ev =
        protobuf_c_enum_descriptor_get_value(&fh__verdict__descriptor, v);
    if (!ev)
        return "?";
    return strncmp(ev->name, "VERDICT_", 8) == 0 ? ev->name + 8 : ev->name;
}

/* Print one reply message (its first part, an envelope). */
static void print_reply(const zmq_msg_t *first, size_t nparts)
{
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    if (fh_report_decode(zmq_msg_data((zmq_msg_t *)first), zmq_msg_size((zmq_msg_t *)first),
                         &env, &why) != 0) {
        printf("reply: %zu parts, first does not decode (%s)\n", nparts,
               fh_counter_name(why));
        return;
    }
    if (env->kind != FH__KIND__KIND_ACK || fh_report_body(env, &body) != 0) {
        printf("reply: %zu parts, first is a %s envelope\n", nparts,
               fh_kind_name(env->kind));
        goto out;
    }
    const Fh__Ack *ack = (const Fh__Ack *)body;
    printf("ack batch %llu verdicts:", (unsigned long long)ack->batch);
    if (!ack->n_verdicts)
        printf(" (none)");
    /* Runs of equal verdicts as "NAME xN". */
    for (size_t i = 0; i < ack->n_verdicts;) {
        size_t j = i;
        while (j < ack->n_verdicts && ack->verdicts[j] == ack->verdicts[i])
            j++;
        printf(" %s x%zu", verdict_name(ack->verdicts[i]), j - i);
        i = j;
    }
    printf("\n");
out:
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    fh__envelope__free_unpacked(env, NULL);
}

/* Wait up to REPLY_WAIT_MS for a reply; print it (or "no reply") and the transport
 * events seen. */
static void await_reply(struct inject *in)
{
    bool got = false;
    uint64_t deadline = mono_ms() + REPLY_WAIT_MS;
    while (!got) {
        uint64_t now = mono_ms();
        if (now >= deadline)
            break;
        zmq_pollitem_t it[2] = {{.socket = in->sock, .events = ZMQ_POLLIN},
                                {.socket = in->mon, .events = ZMQ_POLLIN}};
        if (zmq_poll(it, 2, (long)(deadline - now)) < 0 && zmq_errno() != EINTR)
            break;
        drain_monitor(in);
        if (!(it[0].revents & ZMQ_POLLIN))
            continue;
        zmq_msg_t first, rest;
        zmq_msg_init(&first);
        if (zmq_msg_recv(&first, in->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&first);
            continue;
        }
        size_t nparts = 1;
        bool more = zmq_msg_more(&first);
        while (more && nparts < FH_MAX_PARTS + 1) {
            zmq_msg_init(&rest);
            if (zmq_msg_recv(&rest, in->sock, 0) < 0) {
                zmq_msg_close(&rest);
                break;
            }
            more = zmq_msg_more(&rest);
            zmq_msg_close(&rest);
            nparts++;
        }
        print_reply(&first, nparts);
        zmq_msg_close(&first);
        got = true;
    }
    if (!got)
        printf("no reply within %d ms\n", REPLY_WAIT_MS);
    /* Events that arrive just after the reply (a drop) are worth a last look. */
    zmq_pollitem_t it = {.socket = in->mon, .events = ZMQ_POLLIN};
    zmq_poll(&it, 1, 100);
    drain_monitor(in);
    printf("transport: %s\n", in->events[0] ? in->events : "no events");
}

/* A ZMTP 3.0 greeting (RFC 23) naming a security mechanism no peer knows. */
static void bad_greeting(uint8_t *g)
{
    memset(g, 0, 64);
    g[0] = 0xff;                     /* signature: 0xff, 8 bytes padding, 0x7f */
    g[9] = 0x7f;
    g[10] = 3;                       /* version 3.0 */
    memcpy(g + 12, "BOGUS", 5);      /* mechanism, 20 bytes zero padded */
}

/* rawtcp, badgreeting: garbage on a plain TCP connection, then see what the peer
 * does. */
static int run_raw(int port, bool greeting)
{
    int rc = 1, fd = -1;
    uint8_t *buf = malloc(RAWTCP_BYTES);
    if (!buf)
        goto out;
    fill_random(buf, RAWTCP_BYTES);
    if (greeting)
        bad_greeting(buf);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {.tv_sec = REPLY_WAIT_MS / 1000};
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "fh-inject: connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
        goto out;
    }
    size_t written = 0;
    const char *write_end = "all written";
    while (written < RAWTCP_BYTES) {
        ssize_t n = send(fd, buf + written, RAWTCP_BYTES - written, MSG_NOSIGNAL);
        if (n <= 0) {
            write_end = n < 0 ? strerror(errno) : "write returned 0";
            break;
        }
        written += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    const char *read_end = "still open";
    uint64_t deadline = mono_ms() + REPLY_WAIT_MS;
    for (;;) {
        uint64_t now = mono_ms();
        if (now >= deadline)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(deadline - now)) <= 0)
            continue;
        ssize_t n = recv(fd, buf, RAWTCP_BYTES, 0);
        if (n == 0) {
            read_end = "closed by the peer";
            break;
        }
        if (n < 0) {
            read_end = strerror(errno);
            break;
        }
        got += (size_t)n;
    }
    printf("no reply (not ZeroMQ)\n");
    printf("transport: wrote %zu of %u bytes (%s); peer sent %zu bytes%s, then: %s\n",
           written, RAWTCP_BYTES, write_end, got, got ? " (its ZMTP greeting)" : "",
           read_end);
    rc = written ? 0 : 1;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* Build and send the message of mode (a ZeroMQ one). */
static int run_zmq(struct inject *in, const char *mode)
{
    enum { MAX_OUT = TOOMANY_PARTS + 1 };
    static uint8_t *parts[MAX_OUT];
    static size_t lens[MAX_OUT];
    size_t n = 0;
    int err = 0;
    char origin[FH_PATH_MAX];

    if (strcmp(mode, "huge") == 0)
        return send_huge(in);
    if (strcmp(mode, "noheader") != 0 &&
        (err = make_hello(in->sender, in->batch, &parts[n], &lens[n])) == 0)
        n++;
    if (err)
        goto out;
    if (strcmp(mode, "random") == 0) {
        for (int i = 0; i < RANDOM_PARTS; i++) {
            lens[n] = 64 + random_below(4032);
            if (!(parts[n] = malloc(lens[n]))) {
                err = FH_ENOMEM;
                goto out;
            }
            fill_random(parts[n], lens[n]);
            n++;
        }
    } else if (strcmp(mode, "truncated") == 0) {
        if ((err = make_report(in->sender, 1, &parts[n], &lens[n])))
            goto out;
        lens[n] /= 2;
        n++;
    } else if (strcmp(mode, "version") == 0) {
        if ((err = make_report_v2(in->sender, &parts[n], &lens[n])))
            goto out;
        n++;
    } else if (strcmp(mode, "scope") == 0) {
        if ((err = sibling_unit(in->sender, origin, sizeof origin)) ||
            (err = make_report(origin, 1, &parts[n], &lens[n])))
            goto out;
        n++;
    } else if (strcmp(mode, "outside") == 0 || strcmp(mode, "noheader") == 0) {
        if ((err = make_report(in->sender, 1, &parts[n], &lens[n])))
            goto out;
        n++;
    } else if (strcmp(mode, "toomany") == 0) {
        /* Valid reports: if the part bound failed they would be stored, and the test
         * would see an origin it never expected. */
        for (uint64_t seq = 1; seq <= TOOMANY_PARTS; seq++) {
            if ((err = make_report(in->sender, seq, &parts[n], &lens[n])))
                goto out;
            n++;
        }
    } else {
        err = FH_EINVAL;
        goto out;
    }
    err = send_parts(in, parts, lens, n);
out:
    if (err && err != FH_ELINK)
        fprintf(stderr, "fh-inject: %s: %s\n", mode, fh_strerror(err));
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    return err;
}

int main(int argc, char **argv)
{
    static const char *const modes[] = {"random", "truncated", "huge", "version", "scope",
                                        "outside", "noheader", "toomany", "rawtcp",
                                        "badgreeting"};
    if (argc < 3 || argc > 4) {
        usage(stderr);
        return 2;
    }
    const char *endpoint = argv[1], *mode = argv[2];
    int port = loopback_port(endpoint);
    bool known = false;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        known |= strcmp(mode, modes[i]) == 0;
    if (port < 0 || !known) {
        fprintf(stderr, "fh-inject: %s\n", port < 0 ? "ENDPOINT must be tcp://127.0.0.1:PORT"
                                                   : "unknown MODE");
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(mode, "rawtcp") == 0 || strcmp(mode, "badgreeting") == 0)
        return run_raw(port, strcmp(mode, "badgreeting") == 0);

    struct inject in = {.batch = 1};
    const char *sender = argc == 4 ? argv[3]
                                   : strcmp(mode, "outside") == 0 ? DEFAULT_OUTSIDE
                                                                  : DEFAULT_SENDER;
    if (!fh_path_valid(sender)) {
        fprintf(stderr, "fh-inject: \"%s\" is not a valid path\n", sender);
        return 2;
    }
    snprintf(in.sender, sizeof in.sender, "%s", sender);
    char sibling[FH_PATH_MAX];
    if (strcmp(mode, "scope") == 0 && sibling_unit(sender, sibling, sizeof sibling) != 0) {
        fprintf(stderr, "fh-inject: scope: SENDER_PATH needs a unit segment\n");
        return 2;
    }
    int rc = 1;
    if (open_dealer(&in, endpoint) != 0)
        goto out;
    if (run_zmq(&in, mode) != 0)
        goto out;
    printf("sent %s to %s as %s\n", mode, endpoint, in.sender);
    await_reply(&in);
    rc = 0;
out:
    fflush(stdout);
    close_dealer(&in);
    return rc;
}
