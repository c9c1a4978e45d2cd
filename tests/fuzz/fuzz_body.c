/* fuzz_body.c - report bodies: decoded as their kind names, rendered as fenghuo-ctl does.
 *
 * Built once per kind (tests/fuzz/meson.build passes -DFUZZ_KINDS=...): the input is a
 * body as it sits in an envelope's body field. It is decoded with fh_report_body()
 * (the kind table of report.c), turned into JSON by fh_pbjson() (common/pbjson.c) inside
 * the line `fenghuo-ctl export --jsonl` prints, and dumped with export's flags and with
 * `--json`'s. A harness built for several kinds (the reserved ones) takes the kind from
 * the first byte. A body that decodes must render, in the shape pbjson.h promises: every
 * field of every message present, a repeated field as an array of as many values, a
 * map as an object of at most as many keys. */
#include "fuzz.h"

#include <jansson.h>

#include "log.h"
#include "pbjson.h"
#include "report.h"

#ifndef FUZZ_KINDS
#error "build with -DFUZZ_KINDS=FH__KIND__KIND_..."
#endif

static const int kinds[] = {FUZZ_KINDS};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* abort() unless j has msg's shape (pbjson.h). */
static void check_shape(const ProtobufCMessage *msg, const json_t *j)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    if (!json_is_object(j))
        abort();
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)msg;
        json_t *v = json_object_get(j, f->name);
        if (!v)
            abort(); /* a field went missing */
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
                *(ProtobufCMessage *const *)(base + f->offset))
                check_shape(*(ProtobufCMessage *const *)(base + f->offset), v);
            continue;
        }
        size_t n = *(const size_t *)(base + f->quantifier_offset);
        if (json_is_object(v)) { /* a map */
            if (json_object_size(v) > n)
                abort();
            continue;
        }
        if (!json_is_array(v) || json_array_size(v) != n)
            abort();
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            for (size_t k = 0; k < n; k++)
                check_shape((*(ProtobufCMessage *const *const *)(base + f->offset))[k],
                            json_array_get(v, k));
    }
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
    int kind = kinds[0];
    if (NKINDS > 1) {
        if (size < 1)
            return 0;
        kind = kinds[data[0] % NKINDS];
        data++;
        size--;
    }
    if (size > FH_MAX_ENVELOPE_BYTES)
        return 0; /* fh_report_decode refuses the envelope first */
    Fh__Envelope env = FH__ENVELOPE__INIT;
    env.version = FH_PROTO_VERSION;
    env.origin = "320000/320100/320102/3132000001/web01";
    env.seq = 1;
    env.kind = (Fh__Kind)kind;
    env.body.data = (uint8_t *)data;
    env.body.len = size;
    ProtobufCMessage *body = NULL;
    if (fh_report_body(&env, &body) != 0)
        return 0;
    json_t *jb = fh_pbjson(body);
    if (!jb)
        abort();
    check_shape(body, jb);
    json_t *line = json_pack("{s:s, s:I, s:s, s:I, s:o}", "origin", env.origin, "seq",
                             (json_int_t)env.seq, "kind", fh_kind_name(env.kind),
                             "time_us", (json_int_t)env.time_us, "body", jb);
    if (!line)
        abort();
    char *a = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
    char *b = json_dumps(line, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
    if (!a || !b)
        abort();
    free(a);
    free(b);
    json_decref(line);
    protobuf_c_message_free_unpacked(body, NULL);
    return 0;
}
