/* service_http.c - an HTTP/1.x response, read incrementally and bounded (service_parse.h).
 *
 * Phases: HEAD gathers bytes until the empty line ending the head (CRLF or bare LF
 * lines) and parses it: the status line, Content-Length and Transfer-Encoding. Interim
 * 1xx heads are skipped. Then the body: BODY_LEN counts down a Content-Length,
 * BODY_EOF runs to the end of the connection, and CHUNK_SIZE -> CHUNK_DATA ->
 * CHUNK_END ... -> TRAILER undoes chunked framing. Body bytes only go through SHA-256;
 * past FH_SVC_HTTP_MAX_BODY the response counts as complete and truncated. */
#include "service_parse.h"

#include <string.h>
#include <strings.h>

#include "err.h"

enum phase { HEAD, BODY_LEN, BODY_EOF, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER, DONE, BAD };

int fh_svc_http_init(struct fh_svc_http *h)
{
    h->phase = HEAD;
    if (!(h->sha = EVP_MD_CTX_new()))
        return FH_ENOMEM;
    if (EVP_DigestInit_ex(h->sha, EVP_sha256(), NULL) != 1)
        return FH_ENOMEM;
    return 0;
}

void fh_svc_http_free(struct fh_svc_http *h)
{
    EVP_MD_CTX_free(h->sha);
    h->sha = NULL;
}

static int fail(struct fh_svc_http *h, int err, const char *why)
{
    h->phase = BAD;
    h->why = why;
    return err;
}

static int finish(struct fh_svc_http *h)
{
    unsigned len = 0;
    if (EVP_DigestFinal_ex(h->sha, h->sha256, &len) != 1 || len != 32)
        return fail(h, FH_ENOMEM, "cannot hash the body");
    h->phase = DONE;
    return 1;
}

/* Hash up to n body bytes. Returns 1 when the body cap was passed (the response is then
 * complete, truncated), else 0. */
static int hash_body(struct fh_svc_http *h, const char *p, size_t n)
{
    uint64_t room = FH_SVC_HTTP_MAX_BODY - h->body_bytes;
    size_t take = n > room ? (size_t)room : n;
    if (take && EVP_DigestUpdate(h->sha, p, take) != 1)
        return fail(h, FH_ENOMEM, "cannot hash the body");
    h->body_bytes += take;
    if (n > take) {
        h->truncated = true;
        return finish(h);
    }
    return 0;
}

/* Digits only, at most 18 of them (no overflow). */
static int parse_length(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len > 18)
        return FH_EMALFORMED;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return FH_EMALFORMED;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static bool header_is(const char *line, size_t klen, const char *name)
{
    return klen == strlen(name) && strncasecmp(line, name, klen) == 0;
}

/* The head in h->head[0..head_len) is complete: parse it and choose the body phase. */
static int parse_head(struct fh_svc_http *h)
{
    const char *p = h->head, *end = h->head + h->head_len;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    uint64_t length = 0;

    if (!nl || nl - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' ||
        p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
        p[11] < '0' || p[11] > '9' || (p[12] != ' ' && p[12] != '\r' && p[12] != '\n'))
        return fail(h, FH_EMALFORMED, "not an HTTP/1.x status line");
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    h->has_length = h->chunked = false;
    for (p = nl + 1; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)(nl - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (len == 0)
            break;   /* the empty line: the head ends */
        const char *colon = memchr(p, ':', len);
        if (!colon || colon == p || p[0] == ' ' || p[0] == '\t')
            return fail(h, FH_EMALFORMED, "a header line without a name");
        size_t klen = (size_t)(colon - p), vlen = len - klen - 1;
        const char *v = colon + 1;
        if (header_is(p, klen, "Content-Length")) {
            uint64_t n;
            if (parse_length(v, vlen, &n) != 0 || (h->has_length && n != length))
                return fail(h, FH_EMALFORMED, "a bad Content-Length");
            length = n;
            h->has_length = true;
        } else if (header_is(p, klen, "Transfer-Encoding")) {
            while (vlen && (*v == ' ' || *v == '\t'))
                v++, vlen--;
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (h->chunked || vlen != 7 || strncasecmp(v, "chunked", 7) != 0)
                return fail(h, FH_EMALFORMED, "a Transfer-Encoding other than chunked");
            h->chunked = true;
        }
    }
    if (h->status < 200) {   /* an interim response: the real head follows */
        h->head_len = 0;
        return 0;
    }
    h->head_only = h->status == 204 || h->status == 304;
    if (h->head_only || (!h->chunked && h->has_length && length == 0))
        return finish(h);
    if (h->chunked) {
        h->phase = CHUNK_SIZE;
        h->line_len = 0;
    } else if (h->has_length) {
        h->phase = BODY_LEN;
        h->remaining = length;
    } else {
        h->phase = BODY_EOF;
    }
    return 0;
}

/* Gather the head byte by byte. *used: bytes taken. */
static int feed_head(struct fh_svc_http *h, const char *data, size_t len, size_t *used)
{
    for (size_t i = 0; i < len; i++) {
        if (h->head_len == sizeof h->head)
            return fail(h, FH_ETOOBIG, "a response head over 16 KiB");
        char c = h->head[h->head_len++] = data[i];
        size_t n = h->head_len;
        if (c == '\n' && ((n >= 2 && h->head[n - 2] == '\n') ||
                          (n >= 3 && h->head[n - 2] == '\r' && h->head[n - 3] == '\n'))) {
            *used = i + 1;
            return parse_head(h);
        }
    }
    *used = len;
    return 0;
}

/* Gather one line into h->line (without its LF). Returns 1 when it is complete, 0 when
 * more is needed, or the error. */
static int feed_line(struct fh_svc_http *h, const char *data, size_t len, size_t *used)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            *used = i + 1;
            if (h->line_len && h->line[h->line_len - 1] == '\r')
                h->line_len--;
            return 1;
        }
        if (h->line_len == sizeof h->line - 1)
            return fail(h, FH_EMALFORMED, "a chunk line over 256 bytes");
        h->line[h->line_len++] = data[i];
    }
    *used = len;
    return 0;
}

static int chunk_size(struct fh_svc_http *h)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < h->line_len; i++) {
        char c = h->line[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            break;
        if (i == 15)
            return fail(h, FH_EMALFORMED, "a chunk size over 15 hex digits");
        v = v * 16 + (uint64_t)d;
    }
    if (i == 0 || (i < h->line_len && h->line[i] != ';' && h->line[i] != ' ' &&
                   h->line[i] != '\t'))
        return fail(h, FH_EMALFORMED, "a bad chunk size line");
    h->line_len = 0;
    h->remaining = v;
    h->phase = v ? CHUNK_DATA : TRAILER;
    return 0;
}

int fh_svc_http_feed(struct fh_svc_http *h, const char *data, size_t len)
{
    size_t pos = 0;
    int rc = 0;

    if (h->phase == DONE)
        return 1;
    if (h->phase == BAD)
        return FH_EMALFORMED;
    while (pos < len && rc == 0) {
        const char *p = data + pos;
        size_t n = len - pos, used = n;
        switch (h->phase) {
        case HEAD:
            rc = feed_head(h, p, n, &used);
            break;
        case BODY_EOF:
            rc = hash_body(h, p, n);
            break;
        case BODY_LEN:
        case CHUNK_DATA:
            used = n > h->remaining ? (size_t)h->remaining : n;
            if ((rc = hash_body(h, p, used)) != 0)
                break;
            h->remaining -= used;
            if (h->remaining == 0 && h->phase == BODY_LEN)
                rc = finish(h);
            else if (h->remaining == 0)
                h->phase = CHUNK_END;
            break;
        case CHUNK_SIZE:
            if ((rc = feed_line(h, p, n, &used)) == 1)
                rc = chunk_size(h);
            break;
        case CHUNK_END:
            if ((rc = feed_line(h, p, n, &used)) == 1) {
                rc = h->line_len ? fail(h, FH_EMALFORMED, "chunk data longer than its size")
                                 : 0;
                h->phase = rc ? BAD : CHUNK_SIZE;
            }
            break;
        case TRAILER:
            if ((rc = feed_line(h, p, n, &used)) < 0)
                break;
            h->trailer_len += used;
            if (h->trailer_len > FH_SVC_HTTP_MAX_TRAILER)
                rc = fail(h, FH_ETOOBIG, "a chunked trailer over 4 KiB");
            else if (rc == 1 && h->line_len == 0)
                rc = finish(h);   /* the empty line: the response ends */
            else if (rc == 1) {
                h->line_len = 0;  /* a trailer field: skipped */
                rc = 0;
            }
            break;
        default:
            rc = 1;
        }
        pos += used;
    }
    return rc;
}

int fh_svc_http_eof(struct fh_svc_http *h)
{
    if (h->phase == DONE)
        return 1;
    if (h->phase == BODY_EOF)
        return finish(h);
    if (h->phase == BAD)
        return FH_EMALFORMED;
    return fail(h, FH_EMALFORMED, h->phase == HEAD ? "the connection closed before a "
                                                     "complete response head"
                                                   : "the connection closed mid-body");
}
