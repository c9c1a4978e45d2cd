/* grading.c - evaluate a profile's rules on an incident's facts and render the answer.
 *
 * A rule is met when every one of its conditions holds; a clause with alternatives is
 * several rules with one id. The grade is the highest grade of any rule met (the grade
 * IV rule has no conditions, so it is always met), and the answer lists each distinct
 * rule id met at that grade, in file order. What a grade means (its name, warning
 * colour, reporting deadline and addressee) and who may issue each warning are read
 * from the profile too (grading_rules.c); no clause of a plan is written here. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "grading_int.h"

const char *const fh_grade_codes[FH_GRADE_IV + 1] = {NULL, "I", "II", "III", "IV"};
static const char *const warning_names[] = {NULL, "red", "orange", "yellow", "blue"};

static unsigned enum_value(const struct fh_grade_input *in, enum grade_field f)
{
    switch (f) {
    case GF_IMPORTANCE:
        return in->importance == FH_IMPORTANCE_ABSENT ? FH_IMPORTANCE_GENERAL
                                                      : in->importance;
    case GF_LOSS: return in->loss;
    case GF_DATA_KIND: return in->data_kind;
    case GF_DATA_THREAT: return in->data_threat;
    case GF_SPREAD_SCOPE: return in->spread_scope;
    case GF_EDU_PROVINCIAL: return in->edu_provincial_offline;
    case GF_EDU_METRO: return in->edu_metro_offline;
    case GF_IMPACT: return in->impact;
    default: return 0;
    }
}

/* A numeric field's value; false when it was not given. */
static bool number_value(const struct fh_grade_input *in, enum grade_field f, double *v)
{
    switch (f) {
    case GF_OUTAGE_HOURS: *v = in->outage_hours; return in->has & FH_GRADE_HAS_OUTAGE;
    case GF_PEOPLE: *v = (double)in->people_affected; return in->has & FH_GRADE_HAS_PEOPLE;
    case GF_ECONOMIC_LOSS:
        *v = in->economic_loss_cny;
        return in->has & FH_GRADE_HAS_ECONOMIC_LOSS;
    case GF_SPREAD_UNITS:
        *v = (double)in->spread_units;
        return in->has & FH_GRADE_HAS_SPREAD_UNITS;
    default: return false;
    }
}

/* code is cls or one of its subclasses ("MI" covers "MI.CVI"). */
static bool class_covers(const char *cls, const char *code)
{
    size_t n = strlen(cls);
    return strncmp(cls, code, n) == 0 && (code[n] == '\0' || code[n] == '.');
}

static bool cond_holds(const struct grade_cond *c, const struct fh_grade_input *in)
{
    double v;
    switch (c->kind) {
    case COND_IN: return (c->mask >> enum_value(in, c->field)) & 1u;
    case COND_GE: return number_value(in, c->field, &v) && v >= c->min;
    case COND_IS: return in->edu_core_unreachable == c->want;
    case COND_CLASS_IN:
        for (unsigned i = 0; i < c->nclasses; i++)
            if (class_covers(c->classes[i], in->class_code))
                return true;
        return false;
    }
    return false;
}

static bool rule_met(const struct grade_rule *r, const struct fh_grade_input *in)
{
    for (unsigned i = 0; i < r->nconds; i++)
        if (!cond_holds(&r->conds[i], in))
            return false;
    return true;
}

int fh_grade_eval(const struct fh_grade_profile *p, const struct fh_grade_input *in,
                  struct fh_grade_result *r)
{
    memset(r, 0, sizeof *r);
    if (!in->class_code[0])
        return FH_EINVAL;
    enum fh_grade best = FH_GRADE_IV;
    for (unsigned i = 0; i < p->nrules; i++)
        if (p->rules[i].grade < best && rule_met(&p->rules[i], in))
            best = p->rules[i].grade;
    for (unsigned i = 0; i < p->nrules && r->nmatches < FH_GRADE_MAX_MATCHES; i++) {
        const struct grade_rule *rule = &p->rules[i];
        if (rule->grade != best || !rule_met(rule, in))
            continue;
        bool dup = false;
        for (size_t k = 0; k < r->nmatches && !dup; k++)
            dup = strcmp(r->matches[k].id, rule->id) == 0;
        if (!dup)
            r->matches[r->nmatches++] = (struct fh_grade_match){rule->id, rule->text};
    }
    const struct grade_level *lv = &p->levels[best];
    r->grade = best;
    r->grade_code = fh_grade_codes[best];
    r->name = lv->name;
    r->warning = warning_names[lv->warning];
    r->report_within_minutes = lv->within_minutes;
    r->report_to = lv->report_to;
    r->summary_due_days = p->summary_due_days;
    return 0;
}

static json_t *int_or_null(int v)
{
    return v < 0 ? json_null() : json_integer(v);
}

json_t *fh_grade_result_json(const struct fh_grade_result *r)
{
    json_t *rules = json_array();
    for (size_t i = 0; rules && i < r->nmatches; i++)
        json_array_append_new(rules, json_pack("{s:s, s:s}", "id", r->matches[i].id,
                                               "text", r->matches[i].text));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:o, s:s}, s:o}", "grade", r->grade_code,
                     "name", r->name, "warning", r->warning, "response", r->grade_code,
                     "rules", rules, "report", "within_minutes",
                     int_or_null(r->report_within_minutes), "to", r->report_to,
                     "summary_due_days", int_or_null(r->summary_due_days));
}

int fh_grade_result_text(const struct fh_grade_result *r, char *buf, size_t len)
{
    char ids[FH_GRADE_MAX_MATCHES * (FH_GRADE_ID_MAX + 2)] = "";
    size_t at = 0;
    for (size_t i = 0; i < r->nmatches && at < sizeof ids; i++)
        at += (size_t)snprintf(ids + at, sizeof ids - at, "%s%s", i ? ", " : "",
                               r->matches[i].id);
    char within[48], summary[48];
    if (r->report_within_minutes < 0)
        snprintf(within, sizeof within, "no deadline (handled locally, counted)");
    else if (r->report_within_minutes == 0)
        snprintf(within, sizeof within, "at once");
    else
        snprintf(within, sizeof within, "within %d minutes", r->report_within_minutes);
    if (r->summary_due_days < 0)
        snprintf(summary, sizeof summary, "none");
    else
        snprintf(summary, sizeof summary, "due %d days after the response ends",
                 r->summary_due_days);
    return snprintf(buf, len,
                    "%s级 %s网络安全事件 (grade %s, %s warning, response %s): %s\n"
                    "report %s to %s; summary %s\n",
                    r->grade_code, r->name, r->grade_code, r->warning, r->grade_code, ids,
                    within, r->report_to, summary);
}

int fh_grade_warning_authority(const struct fh_grade_profile *p, enum fh_warning level)
{
    if (level < FH_WARNING_RED || level > FH_WARNING_BLUE)
        return FH_EINVAL;
    return p->warn_tier[level];
}

int fh_grade_warning_multi_area_authority(const struct fh_grade_profile *p)
{
    return p->multi_area_tier;
}

const char *fh_grade_warning_issuer(const struct fh_grade_profile *p, enum fh_warning level)
{
    if (level < FH_WARNING_RED || level > FH_WARNING_BLUE)
        return NULL;
    return p->warn_issuer[level];
}

const char *fh_grade_warning_name(enum fh_warning level)
{
    if (level < FH_WARNING_RED || level > FH_WARNING_BLUE)
        return NULL;
    return warning_names[level];
}

const char *fh_grade_profile_name(const struct fh_grade_profile *p)
{
    return p->name;
}

const char *const *fh_grade_profile_names(void)
{
    return fh_grade_embedded_names;
}

int fh_grade_profile_load(const char *name, struct fh_grade_profile **out, char *why,
                          size_t why_len)
{
    *out = NULL;
    for (size_t i = 0; name && fh_grade_embedded[i].name; i++) {
        const struct grade_embedded *e = &fh_grade_embedded[i];
        if (strcmp(e->name, name) != 0)
            continue;
        int err = fh_grade_profile_parse(e->file, e->text, e->len, out, why, why_len);
        if (!err && strcmp((*out)->name, name) != 0) {
            snprintf(why, why_len, "%s: its [profile] name is \"%s\"", e->file,
                     (*out)->name);
            fh_grade_profile_free(*out);
            *out = NULL;
            err = FH_ECONFIG;
        }
        return err;
    }
    snprintf(why, why_len, "no grading profile \"%s\"", name ? name : "");
    return FH_ENOTFOUND;
}
