/* tamper.c - TEST ONLY: alter relayed reports (see tamper.h). */
#include "tamper.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sig.h"
#include "signer.h"

enum mode { UNREAD, OFF, FLIP, RESIGN };

static enum mode mode_now(void)
{
    static enum mode m = UNREAD;
    if (m != UNREAD)
        return m;
    const char *v = getenv(FH_TAMPER_ENV);
    m = !v || !v[0] ? OFF : strcmp(v, "resign") == 0 ? RESIGN : FLIP;
    if (m != OFF)
        fh_log(FH_LOG_WARN, "%s=%s: THIS COLLECTOR ALTERS WHAT IT RELAYS (a test of the "
               "signatures; never in production)", FH_TAMPER_ENV, v);
    return m;
}

int fh_tamper_relay(const Fh__Envelope *env, uint8_t **out, size_t *out_len)
{
    enum mode m = mode_now();
    if (m == OFF || !env->body.len)
        return 0;
    uint8_t *body = malloc(env->body.len);
    if (!body)
        return 0;
    memcpy(body, env->body.data, env->body.len);
    body[env->body.len - 1] ^= 1u;
    Fh__Envelope e = *env;
    e.body.data = body;
    int done = 0;
    if (m == RESIGN) {
        struct fh_sign_item it = {.origin = env->origin, .seq = env->seq,
                                  .time_us = env->time_us, .kind = env->kind, .body = body,
                                  .len = env->body.len};
        done = fh_sig_signer() && fh_sign_encode(fh_sig_signer(), &it, 1, out, out_len) == 0;
    } else {
        size_t n = fh__envelope__get_packed_size(&e);
        if ((*out = malloc(n))) {
            fh__envelope__pack(&e, *out);
            *out_len = n;
            done = 1;
        }
    }
    free(body);
    return done;
}
