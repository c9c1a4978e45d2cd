/* fuzz_auth_parse.c - what the auth probe reads (agent/probes/auth_parse.h).
 *
 * The first byte picks the reader. 0: the text is split at '\n' into log lines (each
 * at most FH_TAIL_DEFAULT_MAX_LINE bytes, as tail.c hands them over), each parsed by
 * fh_auth_parse_line() and the events counted by a tracker whose clock the line number
 * drives. 1: each line is an authorized_keys line for fh_auth_key_fingerprint(). 2: the
 * text is cut at its first NUL-free '\f' into passwd and group for fh_auth_priv_build().
 * Checked: the return values are the documented ones, strings NUL-terminated within
 * their arrays, counts within their bounds, a brute-force verdict within fail_count. */
#include "fuzz.h"

#include "auth_parse.h"
#include "err.h"
#include "tail.h"

#define FUZZ_MAX_TEXT (256 * 1024)

static void check_log_line(const char *line, uint64_t now_s, struct fh_auth_tracker *tr)
{
    struct fh_auth_event ev;
    memset(&ev, 'x', sizeof ev);
    int rc = fh_auth_parse_line(line, &ev);
    if (rc != 1 && rc != 0 && rc != FH_EMALFORMED)
        abort();
    if (rc != 1)
        return;
    if (ev.kind == FH_AUTH_NONE || ev.count < 1 || ev.count > FH_AUTH_MAX_REPEAT ||
        !memchr(ev.program, 0, sizeof ev.program) || !memchr(ev.user, 0, sizeof ev.user) ||
        !memchr(ev.source, 0, sizeof ev.source) || !memchr(ev.method, 0, sizeof ev.method))
        abort();
    struct fh_auth_verdict v;
    fh_auth_track(tr, &ev, now_s, &v);
    if (v.in_window > 5)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > FUZZ_MAX_TEXT)
        return 0;
    int which = data[0] % 3;
    char *text = fuzz_text(data + 1, size - 1);
    if (!text)
        return 0;
    if (which == 2) {
        static struct fh_auth_priv priv;
        char *group = strchr(text, '\f');
        if (group)
            *group++ = 0;
        fh_auth_priv_build(text, group ? group : "", "sudo,wheel,admin", &priv);
        if (priv.n > FH_AUTH_MAX_PRIV)
            abort();
        for (size_t i = 0; i < priv.n; i++)
            if (!memchr(priv.e[i], 0, sizeof priv.e[i]) ||
                (i > 0 && strcmp(priv.e[i - 1], priv.e[i]) >= 0))
                abort(); /* sorted, without duplicates */
        free(text);
        return 0;
    }
    struct fh_auth_tracker *tr = NULL;
    if (which == 0) {
        const struct fh_auth_rules rules = {.fail_count = 5, .fail_window_s = 60,
                                            .success_window_s = 300, .success_min_fails = 3};
        if (fh_auth_tracker_new(&rules, &tr) != 0)
            abort();
    }
    uint64_t n = 0;
    for (char *line = text, *end; line; line = end) {
        end = strchr(line, '\n');
        if (end)
            *end++ = 0;
        if (strlen(line) > FH_TAIL_DEFAULT_MAX_LINE)
            continue;
        if (which == 0) {
            check_log_line(line, 1764072000u + n++, tr);
        } else {
            char fp[FH_AUTH_KEYFP_MAX];
            memset(fp, 'x', sizeof fp);
            int rc = fh_auth_key_fingerprint(line, fp);
            if ((rc != 0 && rc != FH_ENOTFOUND) ||
                (rc == 0 && (!memchr(fp, 0, sizeof fp) || strncmp(fp, "SHA256:", 7) != 0)))
                abort();
        }
    }
    if (tr)
        fh_auth_tracker_free(tr);
    free(text);
    return 0;
}
