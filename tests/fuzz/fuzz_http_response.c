/* fuzz_http_response.c - an HTTP/1.x response as the service probe reads it from a
 * monitored server (fh_svc_http_feed in agent/probes/service_parse.h).
 *
 * The first byte gives the size of the pieces the response arrives in (1..256 bytes,
 * so heads, chunk lines and trailers are cut anywhere), the rest is the response; the
 * connection closes after it. Checked: feed and eof return only the documented values,
 * an error has a reason, a complete response has a status in 100..599 and hashed no
 * more than FH_SVC_HTTP_MAX_BODY bytes, and nothing is taken after the end. */
#include "fuzz.h"

#include "err.h"
#include "service_parse.h"

#define FUZZ_MAX_TEXT (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > FUZZ_MAX_TEXT)
        return 0;
    size_t piece = (size_t)data[0] + 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    static struct fh_svc_http h;
    memset(&h, 0, sizeof h);
    if (fh_svc_http_init(&h) != 0)
        return 0;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += piece)
        rc = fh_svc_http_feed(&h, text + off, len - off < piece ? len - off : piece);
    if (rc == 0)
        rc = fh_svc_http_eof(&h);
    if (rc != 0 && rc != 1 && rc != FH_EMALFORMED && rc != FH_ETOOBIG)
        abort();
    if (rc < 0 && !h.why)
        abort();
    if (rc == 1 && (h.status < 100 || h.status > 599 || h.body_bytes > FH_SVC_HTTP_MAX_BODY))
        abort();
    fh_svc_http_free(&h);
    return 0;
}
