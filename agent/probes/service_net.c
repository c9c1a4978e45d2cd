/* service_net.c - the service probe's checks: programs, TCP connects, HTTP(S) fetches.
 *
 * Everything waits with poll() against one deadline per check, so no check outlives its
 * timeout_ms (name resolution aside, see service_net.h). Sockets are non-blocking; TLS
 * runs over them with OpenSSL, retrying on WANT_READ / WANT_WRITE. The handshake never
 * requires the chain to verify: an expired or self-signed certificate must still be
 * read for its notAfter, and the verification result is reported as a fact. The
 * response goes through the incremental parser (service_http.c) as it arrives. */
#include "service_net.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "log.h"
#include "run.h"

#define SVC_READ_CHUNK (16 * 1024)
#define SVC_REQUEST_MAX (FH_SVC_URL_MAX + FH_SVC_HOST_MAX + 256)

/* ms left until deadline_ms, at least 0, at most INT_MAX */
static int left_ms(uint64_t deadline_ms)
{
    uint64_t now = fh_mono_ms();
    if (now >= deadline_ms)
        return 0;
    return deadline_ms - now > INT_MAX ? INT_MAX : (int)(deadline_ms - now);
}

/* Wait for events on fd until the deadline. Returns 0, FH_EAGAIN or FH_EIO. */
static int wait_fd(int fd, short events, uint64_t deadline_ms)
{
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = events};
        int ms = left_ms(deadline_ms);
        if (ms == 0)
            return FH_EAGAIN;
        int r = poll(&pf, 1, ms);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return FH_EIO;
    }
}

/* ---- programs ---- */

struct collect {
    char *out;
    size_t max, *len;
};

static int collect(void *arg, const char *buf, size_t len)
{
    struct collect *c = arg;
    memcpy(c->out + *c->len, buf, len);   /* fh_probe_run keeps the total within max */
    *c->len += len;
    return 0;
}

int fh_svc_run(char *const argv[], uint32_t timeout_ms, char *out, size_t max, size_t *len)
{
    static char *const envp[] = {"LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                 "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0", NULL};
    struct collect c = {out, max, len};
    *len = 0;
    return fh_probe_run(argv, envp, timeout_ms, max, collect, &c);
}

/* ---- TCP ---- */

/* Connect a non-blocking socket to host:port before deadline_ms. Returns the fd or a
 * negative FH_E* with the reason. Every address of the name is tried in turn. */
static int connect_to(const char *host, uint16_t port, uint64_t deadline_ms,
                      char reason[FH_SVC_REASON_MAX])
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char service[8];
    int fd = -1, rc = FH_EIO;

    snprintf(service, sizeof service, "%u", (unsigned)port);
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        snprintf(reason, FH_SVC_REASON_MAX, "cannot resolve %s: %s", host, gai_strerror(gai));
        return FH_EIO;
    }
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0) {
            snprintf(reason, FH_SVC_REASON_MAX, "socket: %s", strerror(errno));
            continue;
        }
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS)
            soerr = errno;
        else if ((rc = wait_fd(fd, POLLOUT, deadline_ms)) == FH_EAGAIN)
            soerr = ETIMEDOUT;
        else if (rc != 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            soerr = soerr ? soerr : EIO;
        if (soerr == 0) {
            freeaddrinfo(res);
            return fd;
        }
        rc = soerr == ETIMEDOUT ? FH_EAGAIN : FH_EIO;
        snprintf(reason, FH_SVC_REASON_MAX, "connect: %s", strerror(soerr));
        close(fd);
        fd = -1;
        if (rc == FH_EAGAIN)
            break;
    }
    freeaddrinfo(res);
    return rc;
}

int fh_svc_tcp_check(const char *host, uint16_t port, uint32_t timeout_ms,
                     uint32_t *latency_ms, char reason[FH_SVC_REASON_MAX])
{
    uint64_t t0 = fh_mono_ms();
    int fd = connect_to(host, port, t0 + timeout_ms, reason);
    if (fd < 0)
        return fd;
    *latency_ms = (uint32_t)(fh_mono_ms() - t0);
    close(fd);
    return 0;
}

/* ---- HTTP(S) ---- */

SSL_CTX *fh_svc_tls_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_default_verify_paths(ctx);   /* no trust store: verification fails */
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF); /* we frame the response */
#endif
    return ctx;
}

struct conn {
    int fd;
    SSL *ssl;
    uint64_t deadline_ms;
};

/* Wait as the last SSL call asks. Returns 0, FH_EAGAIN, FH_EIO. */
static int ssl_wait(struct conn *c, int ret)
{
    int e = SSL_get_error(c->ssl, ret);
    if (e == SSL_ERROR_WANT_READ)
        return wait_fd(c->fd, POLLIN, c->deadline_ms);
    if (e == SSL_ERROR_WANT_WRITE)
        return wait_fd(c->fd, POLLOUT, c->deadline_ms);
    return FH_EIO;
}

static int conn_write(struct conn *c, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n;
        int rc;
        if (c->ssl) {
            int r = SSL_write(c->ssl, p, len > INT_MAX ? INT_MAX : (int)len);
            if (r <= 0) {
                if ((rc = ssl_wait(c, r)) != 0)
                    return rc;
                continue;
            }
            n = r;
        } else {
            n = send(c->fd, p, len, MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                if ((rc = wait_fd(c->fd, POLLOUT, c->deadline_ms)) != 0)
                    return rc;
                continue;
            }
            if (n < 0)
                return FH_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read some bytes: > 0 bytes read, 0 at the end of the stream, or a negative FH_E*. */
static ssize_t conn_read(struct conn *c, char *buf, size_t len)
{
    for (;;) {
        int rc;
        if (c->ssl) {
            int r = SSL_read(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
            if (r > 0)
                return r;
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
                return 0;
            if ((rc = ssl_wait(c, r)) != 0)
                return rc;
            continue;
        }
        ssize_t n = recv(c->fd, buf, len, 0);
        if (n >= 0)
            return n;
        if (errno != EAGAIN && errno != EINTR)
            return FH_EIO;
        if ((rc = wait_fd(c->fd, POLLIN, c->deadline_ms)) != 0)
            return rc;
    }
}

/* The TLS handshake on c->fd, then the certificate's facts into r. */
static int tls_start(SSL_CTX *ctx, struct conn *c, const struct fh_svc_url *u, time_t now,
                     struct fh_svc_fetch *r)
{
    unsigned char ip[16];
    bool literal = inet_pton(AF_INET, u->host, ip) == 1 || inet_pton(AF_INET6, u->host, ip) == 1;
    int rc;

    if (!(c->ssl = SSL_new(ctx)) || SSL_set_fd(c->ssl, c->fd) != 1)
        return FH_ENOMEM;
    if (!literal)
        SSL_set_tlsext_host_name(c->ssl, u->host);
    if (literal)
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), u->host);
    else
        SSL_set1_host(c->ssl, u->host);
    for (;;) {
        int ret = SSL_connect(c->ssl);
        if (ret == 1)
            break;
        if ((rc = ssl_wait(c, ret)) != 0) {
            unsigned long e = ERR_peek_last_error();
            snprintf(r->reason, sizeof r->reason, "TLS handshake: %s",
                     rc == FH_EAGAIN ? "timed out" : e ? ERR_reason_error_string(e) : "failed");
            ERR_clear_error();
            return rc;
        }
    }
    long v = SSL_get_verify_result(c->ssl);
    snprintf(r->tls_verify, sizeof r->tls_verify, "%s",
             v == X509_V_OK ? "ok" : X509_verify_cert_error_string(v));
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    X509 *cert = SSL_get1_peer_certificate(c->ssl);
#else
    X509 *cert = SSL_get_peer_certificate(c->ssl);
#endif
    if (cert && fh_svc_cert_days_left(cert, now, &r->cert_days_left) == 0)
        r->have_cert = true;
    X509_free(cert);
    return 0;
}

int fh_svc_http_fetch(SSL_CTX *ctx, const struct fh_svc_url *u, uint32_t timeout_ms,
                      time_t now, struct fh_svc_http *h, struct fh_svc_fetch *r)
{
    uint64_t t0 = fh_mono_ms();
    struct conn c = {.fd = -1, .deadline_ms = t0 + timeout_ms};
    char req[SVC_REQUEST_MAX], buf[SVC_READ_CHUNK];
    int rc;

    memset(r, 0, sizeof *r);
    memset(h, 0, offsetof(struct fh_svc_http, head));
    if ((rc = fh_svc_http_init(h)) != 0) {
        snprintf(r->reason, sizeof r->reason, "out of memory");
        goto out;
    }
    if ((c.fd = connect_to(u->host, u->port, c.deadline_ms, r->reason)) < 0) {
        rc = c.fd;
        goto out;
    }
    if (u->tls && (rc = tls_start(ctx, &c, u, now, r)) != 0)
        goto out;
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: fenghuo-agent/" FH_VERSION
                     "\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close"
                     "\r\n\r\n", u->path, u->host_header);
    if (n < 0 || (size_t)n >= sizeof req) {
        rc = FH_ETOOBIG;
        snprintf(r->reason, sizeof r->reason, "request over %d bytes", SVC_REQUEST_MAX);
        goto out;
    }
    if ((rc = conn_write(&c, req, (size_t)n)) != 0) {
        snprintf(r->reason, sizeof r->reason, "sending the request: %s",
                 rc == FH_EAGAIN ? "timed out" : "connection failed");
        goto out;
    }
    for (rc = 0; rc == 0;) {
        ssize_t got = conn_read(&c, buf, sizeof buf);
        if (got < 0) {
            rc = (int)got;
            snprintf(r->reason, sizeof r->reason, "reading the response: %s",
                     rc == FH_EAGAIN ? "timed out" : "connection failed");
            goto out;
        }
        rc = got == 0 ? fh_svc_http_eof(h) : fh_svc_http_feed(h, buf, (size_t)got);
    }
    if (rc < 0) {
        snprintf(r->reason, sizeof r->reason, "bad response: %s", h->why ? h->why : "?");
        goto out;
    }
    rc = 0;
    r->status = h->status;
    r->truncated = h->truncated;
    r->body_bytes = h->body_bytes;
    memcpy(r->sha256, h->sha256, sizeof r->sha256);
    r->latency_ms = (uint32_t)(fh_mono_ms() - t0);
out:
    if (c.ssl) {
        SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(c.ssl);
    }
    ERR_clear_error();
    if (c.fd >= 0)
        close(c.fd);
    fh_svc_http_free(h);
    return rc;
}
