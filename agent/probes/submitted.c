/* submitted.c - check a submitted detection document and build its Detection body
 * (see submitted.h). The spool probe and the submit probe both call these, so a
 * document is accepted or refused the same way whichever way it came in. */
#include "submitted.h"

#include <string.h>

#include "err.h"
#include "taxonomy.h"

/* Check doc's members and fill s (pointing into doc). Returns NULL or the reason. */
static const char *check(json_t *doc, struct fh_submitted *s)
{
    if (!json_is_object(doc))
        return "not a JSON object";
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    const char *cls = json_string_value(json_object_get(doc, "class"));
    const char *summary = json_string_value(json_object_get(doc, "summary"));
    json_t *jf = json_object_get(doc, "facts");
    json_t *jsev = json_object_get(doc, "severity");
    json_t *jdrill = json_object_get(doc, "drill");
    if (!kind || strcmp(kind, "detection") != 0)
        return "\"kind\" is not \"detection\"";
    if (!cls || !fh_class_valid(cls))
        return "\"class\" is not a GB/Z 20986 class code (e.g. IDI.IAI)";
    if (!summary || !summary[0] || strlen(summary) > FH_SUBMITTED_MAX_SUMMARY)
        return "\"summary\" is missing, empty or over 1024 bytes";
    if (jf && (!json_is_object(jf) || json_object_size(jf) > FH_SUBMITTED_MAX_FACTS))
        return "\"facts\" is not an object of at most 32 strings";
    s->severity = FH_SUBMITTED_DEFAULT_SEVERITY;
    if (jsev && !(json_is_string(jsev) &&
                  (s->severity = fh_severity_from_name(json_string_value(jsev))) != 0))
        return "\"severity\" is not one of info, low, medium, high, critical";
    if (jdrill && !json_is_boolean(jdrill))
        return "\"drill\" is not true or false";
    s->drill = json_is_true(jdrill);
    const char *key;
    json_t *val;
    size_t n = 0;
    json_object_foreach(jf, key, val) {
        const char *v = json_string_value(val);
        if (!v || !key[0] || strlen(key) > FH_SUBMITTED_MAX_FACT_BYTES ||
            strlen(v) > FH_SUBMITTED_MAX_FACT_BYTES)
            return "a fact is not a string of at most 1024 bytes under a non-empty key";
        s->fact_keys[n] = key;
        s->fact_values[n] = v;
        n++;
    }
    s->class_code = cls;
    s->summary = summary;
    s->nfacts = n;
    return NULL;
}

int fh_submitted_parse(const char *text, size_t len, struct fh_submitted *out,
                       const char **why)
{
    memset(out, 0, sizeof *out);
    if (len > FH_SUBMITTED_MAX_BYTES) {
        *why = "over 64 KiB";
        return FH_ETOOBIG;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        *why = "not valid JSON (UTF-8, no duplicate keys)";
        return FH_EMALFORMED;
    }
    if ((*why = check(doc, out)) != NULL) {
        json_decref(doc);
        memset(out, 0, sizeof *out);
        return FH_EMALFORMED;
    }
    out->doc = doc;
    return 0;
}

void fh_submitted_free(struct fh_submitted *s)
{
    json_decref(s->doc);
    memset(s, 0, sizeof *s);
}

static void put_fact(struct fh_submitted_body *b, const char *key, const char *value)
{
    size_t i = b->d.n_facts++;
    fh__detection__facts_entry__init(&b->entries[i]);
    b->entries[i].key = (char *)key;
    b->entries[i].value = (char *)value;
    b->ptrs[i] = &b->entries[i];
}

void fh_submitted_detection(const struct fh_submitted *s, const char *probe,
                            const struct fh_detect_fact *extra, size_t nextra,
                            uint64_t now_us, struct fh_submitted_body *out)
{
    fh__detection__init(&out->d);
    if (nextra > FH_SUBMITTED_MAX_EXTRA)
        nextra = FH_SUBMITTED_MAX_EXTRA;
    fh_detect_fingerprint(probe, s->class_code, s->summary, out->fingerprint);
    out->d.class_code = (char *)s->class_code;
    out->d.summary = (char *)s->summary;
    out->d.severity = s->severity;
    out->d.fingerprint = out->fingerprint;
    out->d.probe = (char *)probe;
    out->d.count = 1;
    out->d.first_seen_us = now_us;
    out->d.last_seen_us = now_us;
    out->d.drill = s->drill;
    out->d.facts = out->ptrs;
    for (size_t i = 0; i < nextra; i++)
        put_fact(out, extra[i].key, extra[i].value);
    for (size_t i = 0; i < s->nfacts; i++) {
        bool taken = false;
        for (size_t k = 0; k < nextra && !taken; k++)
            taken = strcmp(extra[k].key, s->fact_keys[i]) == 0;
        if (!taken)
            put_fact(out, s->fact_keys[i], s->fact_values[i]);
    }
}
