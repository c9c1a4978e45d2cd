/* detect.c - detections with stable fingerprints, repeats counted per window.
 *
 * The repeat table is a small array (a probe watches a bounded number of things) of
 * entries: binary fingerprint, when its window opened, how many repeats it has seen and
 * a deep copy of the last repeat (so the window's report can say what was seen last).
 * Strings are cut to their bounds when the Detection is built, on a UTF-8 boundary. */
#include "detect.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "taxonomy.h"

#define FP_BYTES (FH_DETECT_FINGERPRINT_LEN / 2)

struct owned {              /* a deep copy of one struct fh_detect */
    struct fh_detect d;
    struct fh_detect_fact facts[FH_DETECT_MAX_FACTS];
    char *buf;              /* every string of d, one allocation */
};

struct entry {
    uint8_t fp[FP_BYTES];
    uint64_t opened_us;     /* first sighting: the window runs from here */
    uint64_t first_repeat_us, last_repeat_us;
    uint32_t repeats;
    struct owned last;      /* valid when repeats > 0 */
};

struct fh_repeats {
    uint64_t window_us;
    size_t n, max;
    struct entry *e;
};

static const char *const severity_names[] = {"unspecified", "info", "low", "medium", "high",
                                             "critical"};

Fh__Severity fh_severity_from_name(const char *name)
{
    for (size_t i = 1; name && i < sizeof severity_names / sizeof severity_names[0]; i++)
        if (strcmp(name, severity_names[i]) == 0)
            return (Fh__Severity)i;
    return FH__SEVERITY__SEVERITY_UNSPECIFIED;
}

const char *fh_severity_name(Fh__Severity s)
{
    return (unsigned)s < sizeof severity_names / sizeof severity_names[0]
               ? severity_names[s] : severity_names[0];
}

static void fingerprint_bin(const char *probe, const char *cls, const char *key,
                            uint8_t out[FP_BYTES])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const char *parts[3] = {probe ? probe : "", cls ? cls : "", key ? key : ""};
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (int i = 0; ok && i < 3; i++)   /* the NULs separate the parts */
        ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1);
    if (!ok || !EVP_DigestFinal_ex(ctx, md, &len))
        memset(md, 0, sizeof md);   /* cannot happen with a working libcrypto */
    EVP_MD_CTX_free(ctx);
    memcpy(out, md, FP_BYTES);
}

void fh_detect_fingerprint(const char *probe, const char *class_code, const char *key,
                           char out[FH_DETECT_FINGERPRINT_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t fp[FP_BYTES];
    fingerprint_bin(probe, class_code, key, fp);
    for (size_t i = 0; i < FP_BYTES; i++) {
        out[2 * i] = hex[fp[i] >> 4];
        out[2 * i + 1] = hex[fp[i] & 15];
    }
    out[FH_DETECT_FINGERPRINT_LEN] = '\0';
}

/* Copy s into out (max bytes of text, out has max + 1): longer text is cut on a UTF-8
 * boundary and ends in "…". Returns out. */
static char *bounded(const char *s, char *out, size_t max)
{
    static const char ellipsis[] = "\xe2\x80\xa6";
    size_t len = s ? strlen(s) : 0;
    if (len <= max) {
        memcpy(out, s ? s : "", len + 1);
        return out;
    }
    size_t cut = max - (sizeof ellipsis - 1);
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(out, s, cut);
    memcpy(out + cut, ellipsis, sizeof ellipsis);
    return out;
}

static int check(const struct fh_detect *d)
{
    if (!d || !d->probe || !d->summary || !fh_class_valid(d->class_code) ||
        d->nfacts > FH_DETECT_MAX_FACTS || (d->nfacts && !d->facts))
        return FH_EINVAL;
    for (size_t i = 0; i < d->nfacts; i++)
        if (!d->facts[i].key || !d->facts[i].value)
            return FH_EINVAL;
    return 0;
}

static int emit(struct fh_probe_sink *sink, const struct fh_detect *d, const uint8_t *fp,
                uint32_t count, uint64_t first_us, uint64_t last_us)
{
    static const char hex[] = "0123456789abcdef";
    char fphex[FH_DETECT_FINGERPRINT_LEN + 1];
    for (size_t i = 0; i < FP_BYTES; i++) {
        fphex[2 * i] = hex[fp[i] >> 4];
        fphex[2 * i + 1] = hex[fp[i] & 15];
    }
    fphex[FH_DETECT_FINGERPRINT_LEN] = '\0';
    char summary[FH_DETECT_MAX_SUMMARY + 1], evidence[FH_DETECT_MAX_EVIDENCE + 1];
    char values[FH_DETECT_MAX_FACTS][FH_DETECT_MAX_FACT + 1];
    Fh__Detection__FactsEntry facts[FH_DETECT_MAX_FACTS], *fp_facts[FH_DETECT_MAX_FACTS];
    Fh__Detection det = FH__DETECTION__INIT;
    det.class_code = (char *)d->class_code;
    det.summary = bounded(d->summary, summary, FH_DETECT_MAX_SUMMARY);
    det.evidence = bounded(d->evidence, evidence, FH_DETECT_MAX_EVIDENCE);
    det.severity = d->severity;
    det.fingerprint = fphex;
    det.probe = (char *)d->probe;
    det.count = count;
    det.first_seen_us = first_us;
    det.last_seen_us = last_us;
    det.drill = d->drill != 0;
    for (size_t i = 0; i < d->nfacts; i++) {
        fh__detection__facts_entry__init(&facts[i]);
        facts[i].key = (char *)d->facts[i].key;
        facts[i].value = bounded(d->facts[i].value, values[i], FH_DETECT_MAX_FACT);
        fp_facts[i] = &facts[i];
    }
    det.facts = fp_facts;
    det.n_facts = d->nfacts;
    return sink->emit(sink, FH__KIND__KIND_DETECTION, &det.base);
}

int fh_repeats_new(uint32_t window_s, size_t max_entries, struct fh_repeats **out)
{
    struct fh_repeats *r = calloc(1, sizeof *r);
    if (!r || !max_entries || !(r->e = calloc(max_entries, sizeof *r->e))) {
        free(r);
        return max_entries ? FH_ENOMEM : FH_EINVAL;
    }
    r->window_us = (uint64_t)window_s * 1000000u;
    r->max = max_entries;
    *out = r;
    return 0;
}

static void owned_clear(struct owned *o)
{
    free(o->buf);
    memset(o, 0, sizeof *o);
}

void fh_repeats_free(struct fh_repeats *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        owned_clear(&r->e[i].last);
    free(r->e);
    free(r);
}

/* Deep copy of d into o (replacing what o held). Strings longer than their bounds are
 * kept whole here: emit() cuts them. */
static int owned_set(struct owned *o, const struct fh_detect *d)
{
    const char *strs[4 + 2 * FH_DETECT_MAX_FACTS];
    size_t ns = 0, total = 0;
    strs[ns++] = d->probe;
    strs[ns++] = d->class_code;
    strs[ns++] = d->summary;
    strs[ns++] = d->evidence ? d->evidence : "";
    for (size_t i = 0; i < d->nfacts; i++) {
        strs[ns++] = d->facts[i].key;
        strs[ns++] = d->facts[i].value;
    }
    for (size_t i = 0; i < ns; i++)
        total += strlen(strs[i]) + 1;
    char *buf = malloc(total), *p = buf;
    if (!buf)
        return FH_ENOMEM;
    const char *copy[4 + 2 * FH_DETECT_MAX_FACTS];
    for (size_t i = 0; i < ns; i++) {
        size_t len = strlen(strs[i]) + 1;
        memcpy(p, strs[i], len);
        copy[i] = p;
        p += len;
    }
    free(o->buf);
    o->buf = buf;
    o->d = *d;
    o->d.probe = copy[0];
    o->d.class_code = copy[1];
    o->d.summary = copy[2];
    o->d.evidence = copy[3];
    for (size_t i = 0; i < d->nfacts; i++)
        o->facts[i] = (struct fh_detect_fact){copy[4 + 2 * i], copy[5 + 2 * i]};
    o->d.facts = o->facts;
    o->d.key = NULL;
    return 0;
}

static struct entry *find(struct fh_repeats *r, const uint8_t *fp)
{
    for (size_t i = 0; i < r->n; i++)
        if (memcmp(r->e[i].fp, fp, FP_BYTES) == 0)
            return &r->e[i];
    return NULL;
}

static void drop(struct fh_repeats *r, struct entry *e)
{
    owned_clear(&e->last);
    *e = r->e[--r->n];
    memset(&r->e[r->n], 0, sizeof r->e[r->n]);
}

int fh_detect_report(struct fh_probe_sink *sink, struct fh_repeats *r,
                     const struct fh_detect *d, uint64_t now_us)
{
    int err = check(d);
    if (err)
        return err;
    uint8_t fp[FP_BYTES];
    fingerprint_bin(d->probe, d->class_code, d->key, fp);
    struct entry *e = r ? find(r, fp) : NULL;
    if (e && now_us - e->opened_us < r->window_us) {
        if ((err = owned_set(&e->last, d)))
            return err;
        if (!e->repeats++)
            e->first_repeat_us = now_us;
        e->last_repeat_us = now_us;
        return 1;
    }
    /* A new fingerprint, or one whose window has ended: close the old window first so
     * its repeats are not lost, then report this sighting at once. */
    if (e && e->repeats &&
        (err = emit(sink, &e->last.d, e->fp, e->repeats, e->first_repeat_us,
                    e->last_repeat_us)))
        return err;
    if ((err = emit(sink, d, fp, 1, now_us, now_us)))
        return err;
    if (!r)
        return 0;
    if (!e && r->n < r->max) {
        e = &r->e[r->n++];
        memcpy(e->fp, fp, FP_BYTES);
    }
    if (e) {
        owned_clear(&e->last);
        e->opened_us = now_us;
        e->repeats = 0;
    }
    return 0;
}

int fh_repeats_flush(struct fh_probe_sink *sink, struct fh_repeats *r, uint64_t now_us)
{
    for (size_t i = 0; r && i < r->n;) {
        struct entry *e = &r->e[i];
        if (now_us - e->opened_us < r->window_us) {
            i++;
            continue;
        }
        if (e->repeats) {
            int err = emit(sink, &e->last.d, e->fp, e->repeats, e->first_repeat_us,
                           e->last_repeat_us);
            if (err)
                return err;
        }
        drop(r, e);   /* the last entry moved into slot i: look at it next */
    }
    return 0;
}
