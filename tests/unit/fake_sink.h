/* fake_sink.h - a probe sink for unit tests that keeps a copy of each Detection emitted:
 * class, severity, summary, fingerprint, probe, count, drill and facts. fake_fact()
 * looks a fact up by key. Header-only (tests are one file); include after cmocka.h. */
#ifndef FH_TEST_FAKE_SINK_H
#define FH_TEST_FAKE_SINK_H

#include <stdio.h>
#include <string.h>

#include "probe.h"

#define FAKE_MAX_DETECTIONS 32
#define FAKE_MAX_FACTS 40

struct fake_detection {
    char class_code[16];
    char summary[1100];
    char fingerprint[40];
    char probe[16];
    Fh__Severity severity;
    uint32_t count;
    int drill;
    size_t nfacts;
    char keys[FAKE_MAX_FACTS][64];
    char values[FAKE_MAX_FACTS][1100];
};

struct fake_sink {
    struct fh_probe_sink sink;   /* first: the probe gets &f->sink */
    int calls;
    int fail;                    /* emit returns this when set */
    struct fake_detection d[FAKE_MAX_DETECTIONS];
};

static int fake_sink_emit(struct fh_probe_sink *sink, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct fake_sink *f = (struct fake_sink *)sink;
    if (f->fail)
        return f->fail;
    assert_int_equal(kind, FH__KIND__KIND_DETECTION);
    assert_true(f->calls < FAKE_MAX_DETECTIONS);
    const Fh__Detection *d = (const Fh__Detection *)body;
    struct fake_detection *g = &f->d[f->calls++];
    sink->last_seq = (uint64_t)f->calls;   /* as the agent does: the seq committed */
    snprintf(g->class_code, sizeof g->class_code, "%s", d->class_code);
    snprintf(g->summary, sizeof g->summary, "%s", d->summary);
    snprintf(g->fingerprint, sizeof g->fingerprint, "%s", d->fingerprint ? d->fingerprint : "");
    snprintf(g->probe, sizeof g->probe, "%s", d->probe ? d->probe : "");
    g->severity = d->severity;
    g->count = d->count;
    g->drill = d->drill;
    assert_true(d->n_facts <= FAKE_MAX_FACTS);
    g->nfacts = d->n_facts;
    for (size_t i = 0; i < d->n_facts; i++) {
        snprintf(g->keys[i], sizeof g->keys[i], "%s", d->facts[i]->key);
        snprintf(g->values[i], sizeof g->values[i], "%s", d->facts[i]->value);
    }
    return 0;
}

static void fake_sink_init(struct fake_sink *f)
{
    memset(f, 0, sizeof *f);
    f->sink.emit = fake_sink_emit;
}

/* The value of fact key of detection g, or NULL. */
static const char *fake_fact(const struct fake_detection *g, const char *key)
{
    for (size_t i = 0; i < g->nfacts; i++)
        if (strcmp(g->keys[i], key) == 0)
            return g->values[i];
    return NULL;
}

#endif
