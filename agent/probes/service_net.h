/* service_net.h - the service probe's blocking checks, each bounded by a deadline:
 * run a program (systemctl) and capture its output, connect to a TCP port, fetch one
 * URL over HTTP or HTTPS. They run in the agent's worker thread (the probe is threaded),
 * never on its loop. Names are resolved with the system resolver (getaddrinfo), whose
 * own timeout (resolv.conf) applies before the deadline starts to bite. */
#ifndef FH_SERVICE_NET_H
#define FH_SERVICE_NET_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "service_parse.h"

#define FH_SVC_REASON_MAX 160   /* why a check failed, with its NUL */
#define FH_SVC_VERIFY_MAX 128   /* a TLS verification result, with its NUL */

/* Run argv (argv[0] a full path) with stdin and stderr on /dev/null, LC_ALL=C, in its
 * own process group; its stdout (at most max bytes) goes to out and *len. The group is
 * killed past timeout_ms or max bytes. Returns 0 when it exited 0, FH_ENOTFOUND (not
 * executable), FH_EAGAIN (timed out), FH_ETOOBIG (too much output), FH_EIO (could not
 * run, or failed). */
int fh_svc_run(char *const argv[], uint32_t timeout_ms, char *out, size_t max, size_t *len);

/* Connect to host:port within timeout_ms, then close. Returns 0 with *latency_ms (the
 * connect time), or FH_EIO / FH_EAGAIN (timed out) with the reason in reason. */
int fh_svc_tcp_check(const char *host, uint16_t port, uint32_t timeout_ms,
                     uint32_t *latency_ms, char reason[FH_SVC_REASON_MAX]);

/* One TLS client context for every https check (no verification required to connect;
 * the system's trust store is loaded so verification can be reported). NULL on error;
 * the caller frees it with SSL_CTX_free. */
SSL_CTX *fh_svc_tls_ctx(void);

struct fh_svc_fetch {
    int status;                          /* 0: no response */
    uint32_t latency_ms;                 /* connect to end of response */
    bool have_cert;
    int32_t cert_days_left;
    char tls_verify[FH_SVC_VERIFY_MAX];  /* "ok", the verification error, or "" (http) */
    bool truncated;                      /* body over FH_SVC_HTTP_MAX_BODY: hash of its start */
    uint64_t body_bytes;
    uint8_t sha256[32];                  /* of the body, when status is set */
    char reason[FH_SVC_REASON_MAX];      /* why it failed */
};

/* GET u within timeout_ms (redirects are not followed: their status is the result),
 * parsing the response with h (zeroed here; its head buffer is reused). now is the wall
 * clock for the certificate's days left. Returns 0 with r filled when a complete response
 * came, or FH_EIO / FH_EAGAIN / FH_EMALFORMED / FH_ETOOBIG / FH_ENOMEM with r->reason
 * (and the certificate facts of a TLS handshake that got that far). */
int fh_svc_http_fetch(SSL_CTX *ctx, const struct fh_svc_url *u, uint32_t timeout_ms,
                      time_t now, struct fh_svc_http *h, struct fh_svc_fetch *r);

#endif
