/* grading_input.c - the facts of an incident from JSON, checked field by field.
 *
 * The input fields are one table (fields[] below): where each sits in the JSON object
 * (top level or inside "system", "data", "spread", "edu"), its JSON type and, for the
 * enumerated ones, its vocabulary. The parser walks the object's keys, not the table,
 * so a key the table does not know is refused by name; nothing is guessed or coerced. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "grading_int.h"
#include "taxonomy.h"

static const char *const importance_tokens[] = {"absent", "general", "important", "critical"};
static const char *const loss_tokens[] = {"absent", "none", "minor", "relatively_serious",
                                          "serious", "especially_serious"};
static const char *const degree_tokens[] = {"absent", "some", "relatively_serious", "serious",
                                            "especially_serious"};
static const char *const data_kind_tokens[] = {"absent", "none", "personal", "important_data",
                                               "key_data", "important_sensitive",
                                               "state_secret"};
static const char *const scope_tokens[] = {"absent", "host", "unit", "units", "county",
                                           "city", "province", "nation"};
static const char *const offline_tokens[] = {"absent", "none", "some", "many"};

#define VOCAB(t) {t, sizeof t / sizeof t[0]}
const struct grade_vocab fh_grade_vocab_importance = VOCAB(importance_tokens);
const struct grade_vocab fh_grade_vocab_loss = VOCAB(loss_tokens);
const struct grade_vocab fh_grade_vocab_degree = VOCAB(degree_tokens);
const struct grade_vocab fh_grade_vocab_data_kind = VOCAB(data_kind_tokens);
const struct grade_vocab fh_grade_vocab_scope = VOCAB(scope_tokens);
const struct grade_vocab fh_grade_vocab_offline = VOCAB(offline_tokens);

int fh_grade_vocab_find(const struct grade_vocab *v, const char *s)
{
    for (unsigned i = 0; s && i < v->n; i++)
        if (strcmp(v->tokens[i], s) == 0)
            return (int)i;
    return -1;
}

enum json_kind { J_CLASS, J_ENUM, J_NUMBER, J_COUNT, J_BOOL };

static const struct {
    const char *group;               /* NULL: top level */
    const char *name;
    enum grade_field field;
    enum json_kind kind;
    const struct grade_vocab *vocab; /* J_ENUM */
} fields[] = {
    {NULL, "class", GF_CLASS, J_CLASS, NULL},
    {"system", "importance", GF_IMPORTANCE, J_ENUM, &fh_grade_vocab_importance},
    {"system", "loss", GF_LOSS, J_ENUM, &fh_grade_vocab_loss},
    {NULL, "outage_hours", GF_OUTAGE_HOURS, J_NUMBER, NULL},
    {NULL, "people_affected", GF_PEOPLE, J_COUNT, NULL},
    {NULL, "economic_loss_cny", GF_ECONOMIC_LOSS, J_NUMBER, NULL},
    {"data", "kind", GF_DATA_KIND, J_ENUM, &fh_grade_vocab_data_kind},
    {"data", "threat", GF_DATA_THREAT, J_ENUM, &fh_grade_vocab_degree},
    {"spread", "scope", GF_SPREAD_SCOPE, J_ENUM, &fh_grade_vocab_scope},
    {"spread", "units", GF_SPREAD_UNITS, J_COUNT, NULL},
    {"edu", "provincial_network_users_offline", GF_EDU_PROVINCIAL, J_ENUM,
     &fh_grade_vocab_offline},
    {"edu", "metro_or_campus_network_users_offline", GF_EDU_METRO, J_ENUM,
     &fh_grade_vocab_offline},
    {"edu", "core_system_unreachable", GF_EDU_CORE, J_BOOL, NULL},
    {NULL, "impact", GF_IMPACT, J_ENUM, &fh_grade_vocab_degree},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const char *const groups[] = {"system", "data", "spread", "edu"};

static int refuse(char *why, size_t len, const char *group, const char *name,
                  const char *what)
{
    if (why && len)
        snprintf(why, len, "field \"%s%s%s\": %s", group ? group : "", group ? "." : "",
                 name, what);
    return FH_EINVAL;
}

static void store_enum(struct fh_grade_input *in, enum grade_field f, int v)
{
    switch (f) {
    case GF_IMPORTANCE: in->importance = (enum fh_grade_importance)v; break;
    case GF_LOSS: in->loss = (enum fh_grade_loss)v; break;
    case GF_DATA_KIND: in->data_kind = (enum fh_grade_data_kind)v; break;
    case GF_DATA_THREAT: in->data_threat = (enum fh_grade_degree)v; break;
    case GF_SPREAD_SCOPE: in->spread_scope = (enum fh_grade_scope)v; break;
    case GF_EDU_PROVINCIAL: in->edu_provincial_offline = (enum fh_grade_offline)v; break;
    case GF_EDU_METRO: in->edu_metro_offline = (enum fh_grade_offline)v; break;
    case GF_IMPACT: in->impact = (enum fh_grade_degree)v; break;
    default: break;
    }
}

static void store_number(struct fh_grade_input *in, enum grade_field f, double d)
{
    switch (f) {
    case GF_OUTAGE_HOURS: in->outage_hours = d; in->has |= FH_GRADE_HAS_OUTAGE; break;
    case GF_ECONOMIC_LOSS:
        in->economic_loss_cny = d;
        in->has |= FH_GRADE_HAS_ECONOMIC_LOSS;
        break;
    default: break;
    }
}

/* One field's value into *in, or a refusal naming it. */
static int take(struct fh_grade_input *in, size_t k, const json_t *v, char *why, size_t len)
{
    const char *g = fields[k].group, *n = fields[k].name;
    if (json_is_null(v))
        return fields[k].kind == J_CLASS ? refuse(why, len, g, n, "is required") : 0;
    switch (fields[k].kind) {
    case J_CLASS: {
        const char *s = json_string_value(v);
        if (!s)
            return refuse(why, len, g, n, "must be a string such as \"MI.CVI\"");
        if (strlen(s) >= FH_GRADE_CLASS_MAX || !fh_class_valid(s))
            return refuse(why, len, g, n, "not a GB/Z 20986 class code");
        snprintf(in->class_code, sizeof in->class_code, "%s", s);
        return 0;
    }
    case J_ENUM: {
        const char *s = json_string_value(v);
        if (!s)
            return refuse(why, len, g, n, "must be a string");
        int t = fh_grade_vocab_find(fields[k].vocab, s);
        if (t <= 0) /* "absent" is a rule file's word, not an input value */
            return refuse(why, len, g, n, "unknown value");
        store_enum(in, fields[k].field, t);
        return 0;
    }
    case J_NUMBER:
    case J_COUNT: {
        if (!json_is_number(v) || (fields[k].kind == J_COUNT && !json_is_integer(v)))
            return refuse(why, len, g, n, fields[k].kind == J_COUNT
                                              ? "must be a whole number"
                                              : "must be a number");
        double d = json_number_value(v);
        if (json_is_integer(v) && json_integer_value(v) < 0)
            return refuse(why, len, g, n, "must not be negative");
        if (!isfinite(d) || d < 0)
            return refuse(why, len, g, n, "must not be negative");
        if (fields[k].kind == J_COUNT) {
            if (fields[k].field == GF_PEOPLE) {
                in->people_affected = (uint64_t)json_integer_value(v);
                in->has |= FH_GRADE_HAS_PEOPLE;
            } else {
                in->spread_units = (uint64_t)json_integer_value(v);
                in->has |= FH_GRADE_HAS_SPREAD_UNITS;
            }
            return 0;
        }
        store_number(in, fields[k].field, d);
        return 0;
    }
    case J_BOOL:
        if (!json_is_boolean(v))
            return refuse(why, len, g, n, "must be true or false");
        in->edu_core_unreachable = json_is_true(v);
        return 0;
    }
    return FH_EINVAL;
}

static int find_field(const char *group, const char *name)
{
    for (size_t k = 0; k < NFIELDS; k++)
        if (strcmp(fields[k].name, name) == 0 &&
            (group ? fields[k].group && strcmp(fields[k].group, group) == 0
                   : !fields[k].group))
            return (int)k;
    return -1;
}

static bool is_group(const char *key)
{
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (strcmp(groups[i], key) == 0)
            return true;
    return false;
}

int fh_grade_input_parse(const json_t *obj, struct fh_grade_input *in, char *why,
                         size_t why_len)
{
    memset(in, 0, sizeof *in);
    if (!json_is_object(obj)) {
        if (why && why_len)
            snprintf(why, why_len, "the input must be a JSON object");
        return FH_EINVAL;
    }
    const char *key, *sub;
    const json_t *v, *sv;
    json_object_foreach((json_t *)obj, key, v) {
        if (is_group(key)) {
            if (json_is_null(v))
                continue;
            if (!json_is_object(v))
                return refuse(why, why_len, NULL, key, "must be an object");
            json_object_foreach((json_t *)v, sub, sv) {
                int k = find_field(key, sub);
                if (k < 0)
                    return refuse(why, why_len, key, sub, "unknown field");
                int err = take(in, (size_t)k, sv, why, why_len);
                if (err)
                    return err;
            }
            continue;
        }
        int k = find_field(NULL, key);
        if (k < 0)
            return refuse(why, why_len, NULL, key, "unknown field");
        int err = take(in, (size_t)k, v, why, why_len);
        if (err)
            return err;
    }
    if (!in->class_code[0])
        return refuse(why, why_len, NULL, "class", "is required");
    if (in->importance == FH_IMPORTANCE_ABSENT)
        in->importance = FH_IMPORTANCE_GENERAL;  /* GRADING.md: absent means general */
    return 0;
}

int fh_grade_input_parse_text(const char *text, size_t len, struct fh_grade_input *in,
                              char *why, size_t why_len)
{
    memset(in, 0, sizeof *in);
    if (len > FH_GRADE_INPUT_MAX_BYTES) {
        if (why && why_len)
            snprintf(why, why_len, "input of %zu bytes is over the bound of %d", len,
                     FH_GRADE_INPUT_MAX_BYTES);
        return FH_ETOOBIG;
    }
    json_error_t jerr;
    json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!obj) {
        if (why && why_len)
            snprintf(why, why_len, "malformed JSON at column %d: %s", jerr.column, jerr.text);
        return FH_EMALFORMED;
    }
    int err = fh_grade_input_parse(obj, in, why, why_len);
    json_decref(obj);
    return err;
}
