/* service_parse.h - the service probe's pure parts: what it reads from outside (the
 * output of `systemctl show`, an HTTP response, its config lists, a certificate's
 * notAfter) and the outage state machine, each testable without a network or systemd.
 *
 * Every input is bounded by a named constant below; what is malformed or too long is
 * refused with FH_EMALFORMED / FH_ETOOBIG, never read past. */
#ifndef FH_SERVICE_PARSE_H
#define FH_SERVICE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* ---- systemctl show ---- */

#define FH_SVC_UNIT_NAME_MAX 128     /* a unit name with its NUL (systemd allows 255) */
#define FH_SVC_UNIT_FIELD_MAX 32     /* ActiveState, SubState... values with their NUL */
#define FH_SVC_SHOW_LINE_MAX 512     /* one key=value line of systemctl show */

/* One unit as `systemctl show --property=Id,LoadState,ActiveState,SubState,Result,
 * NRestarts` describes it. */
struct fh_svc_unit {
    char id[FH_SVC_UNIT_NAME_MAX];
    char load[FH_SVC_UNIT_FIELD_MAX];
    char active[FH_SVC_UNIT_FIELD_MAX];
    char sub[FH_SVC_UNIT_FIELD_MAX];
    char result[FH_SVC_UNIT_FIELD_MAX];
    uint32_t restarts;
    bool have_restarts;     /* NRestarts was there (systemd >= 235) */
};

/* Parse the output of one `systemctl show UNIT...` run (len bytes, need not end in NUL):
 * blocks of key=value lines separated by an empty line, one block per unit in the order
 * asked. Fills out[0..max-1] and *n. Unknown keys are skipped. Returns 0, FH_EMALFORMED
 * (a line without '=' or a value too long for its field, a bad NRestarts, a block
 * without Id), FH_ETOOBIG (more than max blocks, or a line over FH_SVC_SHOW_LINE_MAX). */
int fh_svc_parse_show(const char *text, size_t len, struct fh_svc_unit *out, size_t max,
                      size_t *n);

/* True when the unit runs: ActiveState active or reloading, or activating other than
 * systemd's auto-restart wait; false for failed, inactive, deactivating, a unit that is
 * not loaded, or anything else. */
bool fh_svc_unit_up(const struct fh_svc_unit *u);

/* ---- config lists ---- */

#define FH_SVC_URL_MAX 512           /* a configured URL with its NUL */
#define FH_SVC_HOST_MAX 256          /* a host name or address with its NUL */

/* Split the comma list text into at most max trimmed items of at most item_size - 1
 * bytes each, written to items (max * item_size bytes). Empty items are kept as ""
 * (keep_empty) or skipped. Items must be printable ASCII without spaces. Returns the
 * count, or FH_ETOOBIG (too many, too long) / FH_EMALFORMED (a bad character). */
int fh_svc_split_list(const char *text, char *items, size_t item_size, size_t max,
                      bool keep_empty);

/* "host:port" or "[v6]:port" with port 1..65535. Returns 0 or FH_EMALFORMED. */
int fh_svc_parse_hostport(const char *s, char host[FH_SVC_HOST_MAX], uint16_t *port);

struct fh_svc_url {
    bool tls;                        /* https */
    char host[FH_SVC_HOST_MAX];      /* without brackets */
    uint16_t port;                   /* 80 / 443 when not given */
    char path[FH_SVC_URL_MAX];       /* "/" when not given; with its query */
    char host_header[FH_SVC_HOST_MAX + 8]; /* host[:port] as the Host header wants it */
};

/* Parse an http:// or https:// URL without user info or fragment. Returns 0 or
 * FH_EMALFORMED. */
int fh_svc_parse_url(const char *s, struct fh_svc_url *u);

/* 64 hex digits into 32 bytes; true when s is exactly that. */
bool fh_svc_parse_sha256(const char *s, uint8_t out[32]);
/* 32 bytes as 64 lower-case hex digits and a NUL. */
void fh_svc_hex(const uint8_t in[32], char out[65]);

/* ---- HTTP responses ---- */

#define FH_SVC_HTTP_MAX_HEADER (16 * 1024)  /* status line and headers */
#define FH_SVC_HTTP_MAX_BODY (4u << 20)     /* body bytes hashed; the rest is not read */
#define FH_SVC_HTTP_MAX_LINE 256            /* a chunk-size line */
#define FH_SVC_HTTP_MAX_TRAILER 4096        /* the trailer of a chunked body */

/* An HTTP/1.x response read incrementally: the status, and the SHA-256 of the body
 * (de-chunked) without keeping it. Zero it, then fh_svc_http_init. */
struct fh_svc_http {
    int phase;
    int status;                      /* 100..599 once the head is read */
    bool chunked;
    bool has_length;
    bool truncated;                  /* the body went past FH_SVC_HTTP_MAX_BODY */
    bool head_only;                  /* 1xx/204/304: no body */
    uint64_t remaining;              /* of the Content-Length or the current chunk */
    uint64_t body_bytes;             /* hashed */
    size_t head_len, line_len, trailer_len;
    EVP_MD_CTX *sha;
    uint8_t sha256[32];              /* once done */
    const char *why;                 /* after an error: a short English reason */
    char head[FH_SVC_HTTP_MAX_HEADER];
    char line[FH_SVC_HTTP_MAX_LINE];
};

/* Returns 0 or FH_ENOMEM. fh_svc_http_free releases it (also after an error). */
int fh_svc_http_init(struct fh_svc_http *h);
void fh_svc_http_free(struct fh_svc_http *h);

/* Feed len bytes as they arrive. Returns 0 (wants more), 1 (the response is complete:
 * what follows is ignored; also once the body passed FH_SVC_HTTP_MAX_BODY, with
 * truncated set and the hash of the first FH_SVC_HTTP_MAX_BODY bytes), or FH_EMALFORMED
 * (not HTTP/1.x, a bad status, Content-Length or chunk line, a Transfer-Encoding other
 * than chunked) / FH_ETOOBIG (a head over FH_SVC_HTTP_MAX_HEADER, a trailer over
 * FH_SVC_HTTP_MAX_TRAILER); h->why says which. After an error or 1 it takes no more. */
int fh_svc_http_feed(struct fh_svc_http *h, const char *data, size_t len);

/* The connection closed. Returns 1 when the response is complete (a body without a
 * length ends here), FH_EMALFORMED when it was cut short. */
int fh_svc_http_eof(struct fh_svc_http *h);

/* ---- certificates ---- */

/* Whole days from now until the certificate's notAfter (rounded down; negative once it
 * expired). Returns 0 and *days, or FH_EMALFORMED when the time cannot be read. */
int fh_svc_cert_days_left(const X509 *cert, time_t now, int32_t *days);

/* ---- outages ---- */

enum fh_svc_change {
    FH_SVC_SAME = 0,         /* no transition */
    FH_SVC_WENT_DOWN = 1,    /* an outage starts now (also: down at the first check) */
    FH_SVC_CAME_UP = 2,      /* the outage ended now */
};

/* The state of one target: zero it before the first check. */
struct fh_svc_outage {
    bool checked;            /* at least one check */
    bool down;
    uint64_t down_since_us;  /* when the current outage started (down only) */
};

/* Record one check result at now_us. On FH_SVC_CAME_UP *duration_s gets the length of
 * the outage that ended (0 when the clock went back). */
enum fh_svc_change fh_svc_outage_step(struct fh_svc_outage *o, bool up, uint64_t now_us,
                                      uint64_t *duration_s);

#endif
