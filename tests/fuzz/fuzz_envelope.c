/* fuzz_envelope.c - one received part: fh_report_decode() on raw bytes.
 *
 * What every tier does to every part it receives, and what fenghuo-ctl does to every
 * stored report: decode and check the envelope; when it passes, decode its body as the
 * message its kind names, and ask the outbox's coalescing question of the same bytes
 * (fh_report_series reads stored envelopes without fh_report_decode's checks). */
#include "fuzz.h"

#include "log.h"
#include "report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fh_log_init("fuzz", FH_LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t series;
    (void)fh_report_series(data, size, &series, NULL);

    Fh__Envelope *env = NULL;
    enum fh_counter why = FH_CTR_COUNT;
    if (fh_report_decode(data, size, &env, &why) != 0) {
        if (why >= FH_CTR_COUNT)
            abort(); /* a refusal must name the counter of its reason */
        (void)fh_counter_name(why);
        return 0;
    }
    (void)fh_kind_name(env->kind);
    (void)fh_kind_lane(env->kind);
    (void)fh_kind_is_state(env->kind);
    (void)fh_kind_keeps_latest(env->kind);
    ProtobufCMessage *body = NULL;
    if (fh_report_body(env, &body) == 0)
        protobuf_c_message_free_unpacked(body, NULL);
    fh__envelope__free_unpacked(env, NULL);
    return 0;
}
