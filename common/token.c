/* token.c - enrolment token text (see token.h).
 *
 * Binary layout before base64url:
 *   [0] version 1   [1] role   [2..34) server key   [34..66) secret
 *   [66] endpoint length E, E bytes   then 2 bytes path length P (big-endian), P bytes
 * The decoder checks each length against its named bound before it is used and the
 * total against what was decoded, so any truncation or extra byte is refused. */
#include "token.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <string.h>
#include <zmq.h>

#include "err.h"
#include "fenghuo.pb-c.h"

#define VERSION 1
#define FIXED (2 + 32 + FH_TOKEN_SECRET_LEN)
#define RAW_MAX (FIXED + 1 + FH_TOKEN_ENDPOINT_MAX + 2 + FH_PATH_MAX)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_value(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* base64url without padding; out must hold 4 * ceil(n / 3) + 1. */
static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t c = 0; c < chars; c++)
            out[o++] = b64[v >> (18 - 6 * c) & 63];
    }
    out[o] = 0;
    return o;
}

/* Returns the bytes decoded, or -1 on a character outside the alphabet, an impossible
 * length, or more than max bytes. */
static long b64_decode(const char *in, size_t n, uint8_t *out, size_t max)
{
    if (n % 4 == 1)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        size_t chars = n - i >= 4 ? 4 : n - i;
        for (size_t c = 0; c < 4; c++) {
            int d = c < chars ? b64_value(in[i + c]) : 0;
            if (d < 0)
                return -1;
            v = v << 6 | (uint32_t)d;
        }
        for (size_t b = 0; b + 1 < chars; b++) {
            if (o >= max)
                return -1;
            out[o++] = (uint8_t)(v >> (16 - 8 * b));
        }
    }
    return (long)o;
}

static bool endpoint_ok(const char *s, size_t len)
{
    if (len < 7 || len > FH_TOKEN_ENDPOINT_MAX || strncmp(s, "tcp://", 6) != 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    return true;
}

static bool role_ok(int role)
{
    return role == FH__ROLE__ROLE_AGENT || role == FH__ROLE__ROLE_COLLECTOR;
}

int fh_token_new_secret(struct fh_token *t)
{
    return RAND_bytes(t->secret, FH_TOKEN_SECRET_LEN) == 1 ? 0 : FH_EIO;
}

int fh_token_encode(const struct fh_token *t, char *out, size_t out_len)
{
    uint8_t raw[RAW_MAX];
    size_t elen = strlen(t->endpoint), plen = strlen(t->path);
    if (!role_ok(t->role) || !endpoint_ok(t->endpoint, elen) || !fh_path_valid(t->path) ||
        strlen(t->server_key) != FH_Z85_KEY_LEN ||
        zmq_z85_decode(raw + 2, t->server_key) == NULL)
        return FH_EINVAL;
    raw[0] = VERSION;
    raw[1] = (uint8_t)t->role;
    memcpy(raw + 34, t->secret, FH_TOKEN_SECRET_LEN);
    size_t n = FIXED;
    raw[n++] = (uint8_t)elen;
    memcpy(raw + n, t->endpoint, elen);
    n += elen;
    raw[n++] = (uint8_t)(plen >> 8);
    raw[n++] = (uint8_t)plen;
    memcpy(raw + n, t->path, plen);
    n += plen;
    size_t need = strlen(FH_TOKEN_PREFIX) + (n + 2) / 3 * 4 + 1;
    if (need > out_len)
        return FH_EINVAL;
    strcpy(out, FH_TOKEN_PREFIX);
    b64_encode(raw, n, out + strlen(FH_TOKEN_PREFIX));
    return 0;
}

int fh_token_decode(const char *text, struct fh_token *t)
{
    uint8_t raw[RAW_MAX];
    const size_t pre = strlen(FH_TOKEN_PREFIX);
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    size_t n = strnlen(text, FH_TOKEN_TEXT_MAX);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\n' || text[n - 1] == '\r' ||
                 text[n - 1] == '\t'))
        n--;
    if (n >= FH_TOKEN_TEXT_MAX || n <= pre || strncmp(text, FH_TOKEN_PREFIX, pre) != 0)
        return FH_EMALFORMED;
    long len = b64_decode(text + pre, n - pre, raw, sizeof raw);
    if (len < FIXED + 1 + 2 || raw[0] != VERSION || !role_ok(raw[1]))
        return FH_EMALFORMED;
    memset(t, 0, sizeof *t);
    t->role = raw[1];
    if (!zmq_z85_encode(t->server_key, raw + 2, 32))
        return FH_EMALFORMED;
    memcpy(t->secret, raw + 34, FH_TOKEN_SECRET_LEN);
    size_t off = FIXED, elen = raw[off++];
    if (off + elen + 2 > (size_t)len || !endpoint_ok((const char *)raw + off, elen))
        return FH_EMALFORMED;
    memcpy(t->endpoint, raw + off, elen);
    off += elen;
    size_t plen = (size_t)raw[off] << 8 | raw[off + 1];
    off += 2;
    if (plen == 0 || plen >= FH_PATH_MAX || off + plen != (size_t)len)
        return FH_EMALFORMED;
    memcpy(t->path, raw + off, plen);
    t->path[plen] = 0;
    if (strlen(t->path) != plen || !fh_path_valid(t->path))
        return FH_EMALFORMED;
    return 0;
}

void fh_token_hash(const uint8_t *secret, uint8_t *hash)
{
    SHA256(secret, FH_TOKEN_SECRET_LEN, hash);
}

int fh_duration_parse(const char *s, uint64_t *seconds)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > FH_TOKEN_TTL_MAX_S)
            return FH_EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (i == 0)
        return FH_EINVAL;
    static const struct {
        char unit;
        uint64_t s;
    } units[] = {{0, 1}, {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (s[i] != units[u].unit || (units[u].unit && s[i + 1]))
            continue;
        if (v == 0 || v > FH_TOKEN_TTL_MAX_S / units[u].s)
            return FH_EINVAL;
        *seconds = v * units[u].s;
        return 0;
    }
    return FH_EINVAL;
}
