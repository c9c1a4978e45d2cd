/* fuzz_token.c - enrolment tokens (common/token.h) as an administrator pastes them.
 *
 * fh_token_decode() on the text (NUL-terminated, as read from a command line or a
 * file); when it passes, every field must be within its bound and the token must encode
 * again and decode to the same fields. */
#include "fuzz.h"

#include "log.h"
#include "path.h"
#include "token.h"

#define FUZZ_MAX_TEXT (4 * FH_TOKEN_TEXT_MAX)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fh_log_init("fuzz", FH_LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_TEXT)
        return 0;
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct fh_token t, again;
    memset(&t, 0, sizeof t);
    if (fh_token_decode(text, &t) == 0) {
        if (!memchr(t.server_key, 0, sizeof t.server_key) ||
            !memchr(t.endpoint, 0, sizeof t.endpoint) || !memchr(t.path, 0, sizeof t.path) ||
            !fh_path_valid(t.path))
            abort();
        char out[FH_TOKEN_TEXT_MAX];
        if (fh_token_encode(&t, out, sizeof out) != 0)
            abort(); /* what decodes must encode */
        memset(&again, 0, sizeof again);
        if (fh_token_decode(out, &again) != 0 || again.role != t.role ||
            strcmp(again.server_key, t.server_key) != 0 ||
            memcmp(again.secret, t.secret, sizeof t.secret) != 0 ||
            strcmp(again.endpoint, t.endpoint) != 0 || strcmp(again.path, t.path) != 0)
            abort();
    }
    free(text);
    return 0;
}
