/* fuzz_frame.c - a whole upward link message, checked the way the collector does.
 *
 * The input is a multipart message written as parts one after another, each a 4-byte
 * little-endian length then that many bytes (a length past the end takes what is left).
 * Part 0 is the ZeroMQ routing id, part 1 the HELLO, the rest reports: what
 * fh_pipeline_on_message() gets. The harness walks the checks of collector/pipeline.c in
 * its order (read_hello, then judge for every report) with the same functions of
 * common/report.c and common/path.h, for a collector whose scope is FUZZ_SCOPE; it stops
 * where the pipeline would open the store. Keep it in step with pipeline.c. */
#include "fuzz.h"

#include <stdio.h>

#include "log.h"
#include "path.h"
#include "report.h"

#define FUZZ_SCOPE "320000/320100/320102"
#define MAX_ROUTING_ID 256 /* as pipeline.c */

struct part {
    const uint8_t *data;
    size_t len;
};

/* Split the input into at most max parts; returns how many, or max + 1 when there were
 * more (the link's "truncated"). */
static size_t split(const uint8_t *data, size_t size, struct part *parts, size_t max)
{
    size_t n = 0;
    while (size > 0) {
        if (n == max)
            return max + 1;
        size_t len = 0;
        for (size_t i = 0; i < 4 && i < size; i++)
            len |= (size_t)data[i] << (8 * i);
        size_t head = size < 4 ? size : 4;
        data += head;
        size -= head;
        if (len > size)
            len = size;
        parts[n].data = data;
        parts[n].len = len;
        n++;
        data += len;
        size -= len;
    }
    return n;
}

/* pipeline.c read_hello(): the sender's path into sender, or false. */
static bool read_hello(const struct part *p, char *sender)
{
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    bool ok = false;
    if (fh_report_decode(p->data, p->len, &env, &why) != 0)
        return false;
    if (env->kind == FH__KIND__KIND_HELLO && fh_report_body(env, &body) == 0 &&
        fh_path_within_valid(FUZZ_SCOPE, env->origin) &&
        strcmp(FUZZ_SCOPE, env->origin) != 0) {
        const Fh__Hello *h = (const Fh__Hello *)body;
        if (strlen(env->origin) >= FH_PATH_MAX)
            abort(); /* fh_report_decode let an over-long origin through */
        snprintf(sender, FH_PATH_MAX, "%s", env->origin);
        (void)h->batch;
        (void)(h->software ? strlen(h->software) : 0);
        ok = true;
    }
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    fh__envelope__free_unpacked(env, NULL);
    return ok;
}

/* pipeline.c judge() up to the store: true when the report would be offered to it. */
static bool judge(const char *sender, const struct part *p)
{
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    bool ok = false;
    if (fh_report_decode(p->data, p->len, &env, &why) != 0)
        return false;
    if (env->kind == FH__KIND__KIND_HELLO || env->kind == FH__KIND__KIND_ACK || env->seq == 0)
        goto out;
    if (!fh_path_within_valid(FUZZ_SCOPE, env->origin) ||
        !fh_path_within_valid(sender, env->origin))
        goto out;
    if (fh_report_body(env, &body) != 0)
        goto out;
    (void)fh_kind_is_state(env->kind);
    (void)fh_kind_keeps_latest(env->kind);
    (void)fh_kind_lane(env->kind);
    ok = true;
out:
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    fh__envelope__free_unpacked(env, NULL);
    return ok;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fh_log_init("fuzz", FH_LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct part parts[FH_MAX_PARTS + 1]; /* routing id + HELLO + reports */
    size_t n = split(data, size, parts, FH_MAX_PARTS + 1);
    if (n > FH_MAX_PARTS + 1)
        return 0; /* truncated: refused whole */
    if (n < 2 || parts[0].len > MAX_ROUTING_ID)
        return 0;
    char sender[FH_PATH_MAX];
    if (!read_hello(&parts[1], sender))
        return 0;
    for (size_t i = 2; i < n; i++) {
        uint64_t series;
        if (judge(sender, &parts[i]))
            (void)fh_report_series(parts[i].data, parts[i].len, &series, NULL);
    }
    return 0;
}
