/* grading.h - grade an incident from its facts: grade, warning level, reporting duty.
 *
 * The contract is /work/shared/GRADING.md (docs/grading.md in the tree). A profile is
 * one set of rules taken from one plan: "national" (plan 001 §1.4, 附件3) and
 * "education" (plan 004 §1.4, §3.3, §4.1, §5). The rules are data, one INI file per
 * profile (common/rules/<profile>.ini, embedded into the binary at build time); nothing
 * about any clause is written in C. Using it:
 *
 *     struct fh_grade_profile *p;
 *     char why[FH_GRADE_WHY_MAX];
 *     fh_grade_profile_load("national", &p, why, sizeof why);
 *     struct fh_grade_input in;
 *     if (fh_grade_input_parse(obj, &in, why, sizeof why) == 0) {
 *         struct fh_grade_result r;
 *         fh_grade_eval(p, &in, &r);
 *         json_t *answer = fh_grade_result_json(&r);   (caller decrefs)
 *     }
 *     fh_grade_profile_free(p);
 *
 * A result points into its profile (rule ids and texts): it is valid while the profile
 * is. Everything here is reentrant; a loaded profile is read-only and may be shared by
 * threads. */
#ifndef FH_GRADING_H
#define FH_GRADING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "path.h"

#define FH_GRADE_WHY_MAX 256          /* a reason message, including NUL */
#define FH_GRADE_MAX_MATCHES 16       /* rules reported at the result's grade */
#define FH_GRADE_CLASS_MAX 16         /* a class code such as "IDI.OIDI", including NUL */
#define FH_GRADE_RULES_MAX_BYTES 65536 /* a rule file */
#define FH_GRADE_INPUT_MAX_BYTES 16384 /* one input object as text (fh_grade_input_parse_text) */

/* Grades, highest first; the response level has the same number. */
enum fh_grade { FH_GRADE_I = 1, FH_GRADE_II, FH_GRADE_III, FH_GRADE_IV };
/* Warning levels; FH_WARNING_RED goes with FH_GRADE_I and so on. */
enum fh_warning { FH_WARNING_RED = 1, FH_WARNING_ORANGE, FH_WARNING_YELLOW, FH_WARNING_BLUE };

/* The input's vocabularies. 0 is always "absent" (the field was not given). The JSON
 * names are the lower-case tails ("especially_serious", "key_data", ...). */
enum fh_grade_importance {   /* system.importance; absent is read as GENERAL */
    FH_IMPORTANCE_ABSENT, FH_IMPORTANCE_GENERAL, FH_IMPORTANCE_IMPORTANT,
    FH_IMPORTANCE_CRITICAL,
};
enum fh_grade_loss {         /* system.loss: the degrees of plan 001 附件3 */
    FH_LOSS_ABSENT, FH_LOSS_NONE, FH_LOSS_MINOR, FH_LOSS_RELATIVELY_SERIOUS,
    FH_LOSS_SERIOUS, FH_LOSS_ESPECIALLY_SERIOUS,
};
enum fh_grade_degree {       /* data.threat and impact */
    FH_DEGREE_ABSENT, FH_DEGREE_SOME, FH_DEGREE_RELATIVELY_SERIOUS, FH_DEGREE_SERIOUS,
    FH_DEGREE_ESPECIALLY_SERIOUS,
};
enum fh_grade_data_kind {    /* data.kind */
    FH_DATA_ABSENT, FH_DATA_NONE, FH_DATA_PERSONAL, FH_DATA_IMPORTANT_DATA,
    FH_DATA_KEY_DATA, FH_DATA_IMPORTANT_SENSITIVE, FH_DATA_STATE_SECRET,
};
enum fh_grade_scope {        /* spread.scope, narrowest first */
    FH_SCOPE_ABSENT, FH_SCOPE_HOST, FH_SCOPE_UNIT, FH_SCOPE_UNITS, FH_SCOPE_COUNTY,
    FH_SCOPE_CITY, FH_SCOPE_PROVINCE, FH_SCOPE_NATION,
};
enum fh_grade_offline {      /* edu.*_users_offline */
    FH_OFFLINE_ABSENT, FH_OFFLINE_NONE, FH_OFFLINE_SOME, FH_OFFLINE_MANY,
};

/* Bits of fh_grade_input.has for the numeric fields. */
#define FH_GRADE_HAS_OUTAGE (1u << 0)
#define FH_GRADE_HAS_PEOPLE (1u << 1)
#define FH_GRADE_HAS_ECONOMIC_LOSS (1u << 2)
#define FH_GRADE_HAS_SPREAD_UNITS (1u << 3)

/* The facts of one incident (GRADING.md "Input"). Zero it, then fill it, or let
 * fh_grade_input_parse() fill it from JSON. */
struct fh_grade_input {
    char class_code[FH_GRADE_CLASS_MAX];     /* required, fh_class_valid() */
    enum fh_grade_importance importance;
    enum fh_grade_loss loss;
    unsigned has;                            /* FH_GRADE_HAS_* */
    double outage_hours;                     /* >= 0 */
    uint64_t people_affected;
    double economic_loss_cny;                /* >= 0 */
    enum fh_grade_data_kind data_kind;
    enum fh_grade_degree data_threat;
    enum fh_grade_scope spread_scope;
    uint64_t spread_units;
    enum fh_grade_offline edu_provincial_offline;  /* provincial_network_users_offline */
    enum fh_grade_offline edu_metro_offline;       /* metro_or_campus_network_users_offline */
    bool edu_core_unreachable;                     /* core_system_unreachable; absent false */
    enum fh_grade_degree impact;
};

/* One rule met: pointers into the profile. text is the clause of the plan, followed by
 * fenghuo's reading of its ambiguous points when the rule has one. */
struct fh_grade_match {
    const char *id;       /* "national.II.1", or "national.IV" */
    const char *text;
};

struct fh_grade_result {
    enum fh_grade grade;            /* also the response level */
    const char *grade_code;         /* "I" .. "IV" */
    const char *name;               /* "特别重大", "重大", "较大", "一般" */
    const char *warning;            /* "red", "orange", "yellow", "blue" */
    size_t nmatches;
    struct fh_grade_match matches[FH_GRADE_MAX_MATCHES];  /* distinct ids, file order */
    int report_within_minutes;      /* 0 = at once; -1 = none (handled locally) */
    const char *report_to;          /* whom to report to, English */
    int summary_due_days;           /* days after the response ends; -1 = none */
};

struct fh_grade_profile;

/* Load the embedded rule file of profile name ("national", "education"). On error
 * returns FH_ENOTFOUND (no such profile) or the loader's error, with a reason in why. */
int fh_grade_profile_load(const char *name, struct fh_grade_profile **out, char *why,
                          size_t why_len);
/* Load a rule file from disk (at most FH_GRADE_RULES_MAX_BYTES, else FH_ETOOBIG). */
int fh_grade_profile_load_file(const char *path, struct fh_grade_profile **out, char *why,
                               size_t why_len);
/* Parse and validate rule text; origin names it in messages ("national.ini"). Every
 * error is FH_ECONFIG (FH_ETOOBIG over the bound) with "origin:LINE: reason" in why:
 * unknown sections, keys and condition names, bad grades, ids, numbers and tokens,
 * missing grade data, a profile without a rule for grade IV. *out is freed with
 * fh_grade_profile_free(). */
int fh_grade_profile_parse(const char *origin, const char *text, size_t len,
                           struct fh_grade_profile **out, char *why, size_t why_len);
void fh_grade_profile_free(struct fh_grade_profile *p);
/* The profile's name as its file says ("national"): owned by the profile. */
const char *fh_grade_profile_name(const struct fh_grade_profile *p);
/* The names of the embedded profiles, NULL-terminated; static. */
const char *const *fh_grade_profile_names(void);

/* Fill *in from one JSON object. Returns 0, or FH_EINVAL with why naming the field for:
 * a non-object, a missing or unknown class, an unknown field (at any depth), an unknown
 * token, a negative or non-finite number, a wrong type. A JSON null counts as absent
 * for every field but class. */
int fh_grade_input_parse(const json_t *obj, struct fh_grade_input *in, char *why,
                         size_t why_len);
/* The same from text (at most FH_GRADE_INPUT_MAX_BYTES, else FH_ETOOBIG); malformed
 * JSON and duplicate keys are FH_EMALFORMED with the parser's position in why. */
int fh_grade_input_parse_text(const char *text, size_t len, struct fh_grade_input *in,
                              char *why, size_t why_len);

/* Grade in by p's rules into *r: the highest grade any rule reaches and every rule met at
 * that grade. Returns 0, or FH_EINVAL when in has no valid class. */
int fh_grade_eval(const struct fh_grade_profile *p, const struct fh_grade_input *in,
                  struct fh_grade_result *r);
/* The answer object of GRADING.md "Output": a new reference the caller decrefs, or NULL
 * when out of memory. */
json_t *fh_grade_result_json(const struct fh_grade_result *r);
/* The answer as one or two lines of text (each ending in '\n') into buf; returns what
 * snprintf returns. */
int fh_grade_result_text(const struct fh_grade_result *r, char *buf, size_t len);

/* The lowest tier allowed to issue a warning of this level under p's plan (a tier
 * above it may too); a level of p's plan reserved for another body is answered with the
 * tier that body sits at. Returns a non-negative enum fh_path_level, or FH_EINVAL for
 * an unknown level. */
int fh_grade_warning_authority(const struct fh_grade_profile *p, enum fh_warning level);
/* The lowest tier allowed to issue a warning that spans several areas (any level). */
int fh_grade_warning_multi_area_authority(const struct fh_grade_profile *p);
/* Who issues it, as the plan says (Chinese): owned by p; NULL for an unknown level. */
const char *fh_grade_warning_issuer(const struct fh_grade_profile *p, enum fh_warning level);
/* "red", ... for a level; NULL for an unknown one. Static. */
const char *fh_grade_warning_name(enum fh_warning level);

#endif
