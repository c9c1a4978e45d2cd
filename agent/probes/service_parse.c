/* service_parse.c - reading what the service probe gets from outside, bounded.
 *
 * `systemctl show` output is walked line by line (FH_SVC_SHOW_LINE_MAX), each value
 * copied into a fixed field or refused. An HTTP response is fed to a small state machine
 * as it arrives: the head is gathered (at most FH_SVC_HTTP_MAX_HEADER) and parsed once
 * complete; the body, whether delimited by Content-Length, chunked or the end of the
 * connection, is only hashed (SHA-256 of at most FH_SVC_HTTP_MAX_BODY bytes), never
 * kept. Any Transfer-Encoding but plain "chunked" is refused: we ask for none. */
#include "service_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

/* ---- systemctl show ---- */

/* Copy value (vlen bytes) into field[size]; FH_EMALFORMED when it does not fit. */
static int copy_field(char *field, size_t size, const char *value, size_t vlen)
{
    if (vlen >= size)
        return FH_EMALFORMED;
    memcpy(field, value, vlen);
    field[vlen] = '\0';
    return 0;
}

static int parse_u32(const char *s, size_t len, uint32_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 10)
        return FH_EMALFORMED;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return FH_EMALFORMED;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return FH_EMALFORMED;
    *out = (uint32_t)v;
    return 0;
}

/* One key=value line into u. */
static int show_line(struct fh_svc_unit *u, const char *line, size_t len)
{
    const char *eq = memchr(line, '=', len);
    if (!eq)
        return FH_EMALFORMED;
    size_t klen = (size_t)(eq - line), vlen = len - klen - 1;
    const char *v = eq + 1;
#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)
    if (KEY_IS("Id"))
        return copy_field(u->id, sizeof u->id, v, vlen);
    if (KEY_IS("LoadState"))
        return copy_field(u->load, sizeof u->load, v, vlen);
    if (KEY_IS("ActiveState"))
        return copy_field(u->active, sizeof u->active, v, vlen);
    if (KEY_IS("SubState"))
        return copy_field(u->sub, sizeof u->sub, v, vlen);
    if (KEY_IS("Result"))
        return copy_field(u->result, sizeof u->result, v, vlen);
    if (KEY_IS("NRestarts")) {
        if (vlen == 0 || (vlen == 9 && memcmp(v, "[not set]", 9) == 0))
            return 0;
        u->have_restarts = true;
        return parse_u32(v, vlen, &u->restarts);
    }
#undef KEY_IS
    return 0;
}

int fh_svc_parse_show(const char *text, size_t len, struct fh_svc_unit *out, size_t max,
                      size_t *n)
{
    size_t pos = 0, count = 0;
    bool in_block = false;
    int rc;

    *n = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *line = text + pos;
        pos += llen + (nl ? 1 : 0);
        if (llen > 0 && line[llen - 1] == '\r')
            llen--;
        if (llen > FH_SVC_SHOW_LINE_MAX)
            return FH_ETOOBIG;
        if (llen == 0) {
            if (in_block && !out[count - 1].id[0])
                return FH_EMALFORMED;
            in_block = false;
            continue;
        }
        if (!in_block) {
            if (count == max)
                return FH_ETOOBIG;
            memset(&out[count++], 0, sizeof out[0]);
            in_block = true;
        }
        if ((rc = show_line(&out[count - 1], line, llen)) != 0)
            return rc;
    }
    if (in_block && !out[count - 1].id[0])
        return FH_EMALFORMED;
    *n = count;
    return 0;
}

bool fh_svc_unit_up(const struct fh_svc_unit *u)
{
    if (strcmp(u->load, "loaded") != 0)
        return false;
    if (strcmp(u->active, "active") == 0 || strcmp(u->active, "reloading") == 0)
        return true;
    return strcmp(u->active, "activating") == 0 && strcmp(u->sub, "auto-restart") != 0;
}

/* ---- config lists ---- */

int fh_svc_split_list(const char *text, char *items, size_t item_size, size_t max,
                      bool keep_empty)
{
    size_t count = 0;
    const char *p = text;

    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
                return FH_EMALFORMED;
        if (len > 0 || (keep_empty && (end || count > 0 || *text))) {
            if (count == max || len >= item_size)
                return FH_ETOOBIG;
            memcpy(items + count * item_size, p, len);
            items[count * item_size + len] = '\0';
            count++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return (int)count;
}

static int parse_port(const char *s, uint16_t *port)
{
    uint32_t v;
    if (parse_u32(s, strlen(s), &v) != 0 || v == 0 || v > 65535)
        return FH_EMALFORMED;
    *port = (uint16_t)v;
    return 0;
}

/* host (with [..] for IPv6) and an optional port from an authority of len bytes. */
static int parse_authority(const char *s, size_t len, char host[FH_SVC_HOST_MAX],
                           uint16_t *port, bool need_port)
{
    char buf[FH_SVC_HOST_MAX + 8];
    const char *colon;
    char *h = buf;

    if (len == 0 || len >= sizeof buf)
        return FH_EMALFORMED;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (!close || close == buf + 1)
            return FH_EMALFORMED;
        *close = '\0';
        h = buf + 1;
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] && !colon)
            return FH_EMALFORMED;
    } else {
        char *c = strchr(buf, ':');
        if (c && strchr(c + 1, ':'))
            return FH_EMALFORMED;   /* a bare IPv6 address needs brackets */
        colon = c;
        if (c)
            *c = '\0';
    }
    if (!h[0] || strlen(h) >= FH_SVC_HOST_MAX || strpbrk(h, "@/?#[]"))
        return FH_EMALFORMED;
    if (colon) {
        if (parse_port(colon + 1, port) != 0)
            return FH_EMALFORMED;
    } else if (need_port) {
        return FH_EMALFORMED;
    }
    memcpy(host, h, strlen(h) + 1);   /* fits: checked above */
    return 0;
}

int fh_svc_parse_hostport(const char *s, char host[FH_SVC_HOST_MAX], uint16_t *port)
{
    return parse_authority(s, strlen(s), host, port, true);
}

int fh_svc_parse_url(const char *s, struct fh_svc_url *u)
{
    size_t skip;
    memset(u, 0, sizeof *u);
    if (strncasecmp(s, "http://", 7) == 0) {
        skip = 7;
        u->port = 80;
    } else if (strncasecmp(s, "https://", 8) == 0) {
        skip = 8;
        u->port = 443;
        u->tls = true;
    } else {
        return FH_EMALFORMED;
    }
    s += skip;
    if (strchr(s, '#') || strlen(s) >= FH_SVC_URL_MAX - 1)
        return FH_EMALFORMED;
    size_t alen = strcspn(s, "/?");
    uint16_t dflt = u->port;
    if (parse_authority(s, alen, u->host, &u->port, false) != 0)
        return FH_EMALFORMED;
    snprintf(u->path, sizeof u->path, "%s%s", s[alen] == '/' ? "" : "/", s + alen);
    bool v6 = strchr(u->host, ':') != NULL;
    if (u->port == dflt)
        snprintf(u->host_header, sizeof u->host_header, v6 ? "[%s]" : "%s", u->host);
    else
        snprintf(u->host_header, sizeof u->host_header, v6 ? "[%s]:%u" : "%s:%u", u->host,
                 (unsigned)u->port);
    return 0;
}

bool fh_svc_parse_sha256(const char *s, uint8_t out[32])
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &v) != 1)
            return false;
        out[i] = (uint8_t)v;
    }
    return true;
}

void fh_svc_hex(const uint8_t in[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[64] = '\0';
}

/* ---- certificates ---- */

int fh_svc_cert_days_left(const X509 *cert, time_t now, int32_t *days)
{
    const ASN1_TIME *not_after = X509_get0_notAfter(cert);
    ASN1_TIME *from = ASN1_TIME_set(NULL, now);
    int day = 0, sec = 0;
    int ok = from && not_after && ASN1_TIME_diff(&day, &sec, from, not_after);
    ASN1_TIME_free(from);
    if (!ok)
        return FH_EMALFORMED;
    if (sec < 0)
        day--;   /* day and sec share a sign: round down, 0 days and -1 s is day -1 */
    *days = day;
    return 0;
}

/* ---- outages ---- */

enum fh_svc_change fh_svc_outage_step(struct fh_svc_outage *o, bool up, uint64_t now_us,
                                      uint64_t *duration_s)
{
    bool was_down = o->checked && o->down;
    o->checked = true;
    if (!up) {
        if (was_down)
            return FH_SVC_SAME;
        o->down = true;
        o->down_since_us = now_us;
        return FH_SVC_WENT_DOWN;
    }
    o->down = false;
    if (!was_down)
        return FH_SVC_SAME;
    *duration_s = now_us > o->down_since_us ? (now_us - o->down_since_us) / 1000000u : 0;
    return FH_SVC_CAME_UP;
}
