/* fuzz_submitted.c - a detection handed in by a local tool (agent/probes/submitted.h).
 *
 * The text a spool file or a submit-socket client gives: fh_submitted_parse() on it and,
 * when it passes, fh_submitted_detection() with one extra fact as the submit probe adds
 * (who submitted it), then the Detection packed and rendered as fenghuo-ctl would. Checked:
 * the accepted document honours every bound of submitted.h, a submitted fact never
 * replaces the extra one, and the body packs and decodes back. */
#include "fuzz.h"

#include "log.h"
#include "pbjson.h"
#include "submitted.h"
#include "taxonomy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fh_log_init("fuzz", FH_LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fh_submitted s;
    const char *why = NULL;
    if (fh_submitted_parse((const char *)data, size, &s, &why) != 0) {
        if (!why)
            abort(); /* a refusal says why */
        return 0;
    }
    if (size > FH_SUBMITTED_MAX_BYTES || !fh_class_valid(s.class_code) || !s.summary[0] ||
        strlen(s.summary) > FH_SUBMITTED_MAX_SUMMARY || s.nfacts > FH_SUBMITTED_MAX_FACTS)
        abort();
    for (size_t i = 0; i < s.nfacts; i++)
        if (strlen(s.fact_keys[i]) > FH_SUBMITTED_MAX_FACT_BYTES ||
            strlen(s.fact_values[i]) > FH_SUBMITTED_MAX_FACT_BYTES)
            abort();

    static struct fh_submitted_body body;
    const struct fh_detect_fact extra[] = {{"submitted_by", "uid 1000 (fuzz)"}};
    fh_submitted_detection(&s, "submit", extra, 1, 1764072000000000ull, &body);
    const Fh__Detection *d = &body.d;
    if (d->n_facts < 1 || d->n_facts > 1 + s.nfacts)
        abort();
    for (size_t i = 0; i < d->n_facts; i++)
        if (strcmp(d->facts[i]->key, "submitted_by") == 0 &&
            strcmp(d->facts[i]->value, "uid 1000 (fuzz)") != 0)
            abort(); /* a submitter posed as someone else */

    size_t n = fh__detection__get_packed_size(d);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        abort();
    fh__detection__pack(d, buf);
    Fh__Detection *back = fh__detection__unpack(NULL, n, buf);
    if (!back)
        abort();
    json_t *j = fh_pbjson(&back->base);
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (!text)
        abort();
    free(text);
    json_decref(j);
    fh__detection__free_unpacked(back, NULL);
    free(buf);
    fh_submitted_free(&s);
    return 0;
}
