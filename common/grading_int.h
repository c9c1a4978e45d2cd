/* grading_int.h - what the three files of the grading module share (not a public API).
 *
 * grading_input.c holds the vocabularies (the tokens of every enumerated input field)
 * and the JSON input parser; grading_rules.c loads and validates a rule file into a
 * struct fh_grade_profile; grading.c evaluates rules and renders results. A rule is a
 * list of conditions that must all hold; a condition tests one input field. */
#ifndef FH_GRADING_INT_H
#define FH_GRADING_INT_H

#include "grading.h"

#define FH_GRADE_MAX_RULES 64        /* rules (sections) in one profile */
#define FH_GRADE_MAX_CONDS 8         /* conditions in one rule */
#define FH_GRADE_MAX_CLASSES 8       /* codes in one class_in */
#define FH_GRADE_ID_MAX 48           /* "education.III.5" */
#define FH_GRADE_NAME_MAX 32         /* profile and grade names */
#define FH_GRADE_CLAUSE_MAX 600      /* a clause of a plan, bytes of UTF-8 */
#define FH_GRADE_READING_MAX 600     /* fenghuo's reading of a clause */
#define FH_GRADE_TEXT_MAX (FH_GRADE_CLAUSE_MAX + FH_GRADE_READING_MAX + 40)
#define FH_GRADE_NOTE_MAX 300        /* report_to, issuer texts */

/* The input fields a condition can test. */
enum grade_field {
    GF_CLASS, GF_IMPORTANCE, GF_LOSS, GF_OUTAGE_HOURS, GF_PEOPLE, GF_ECONOMIC_LOSS,
    GF_DATA_KIND, GF_DATA_THREAT, GF_SPREAD_SCOPE, GF_SPREAD_UNITS, GF_EDU_PROVINCIAL,
    GF_EDU_METRO, GF_EDU_CORE, GF_IMPACT,
};

/* The tokens of an enumerated field: tokens[v] is the JSON name of value v; tokens[0]
 * is "absent", which only rule files use. */
struct grade_vocab {
    const char *const *tokens;
    unsigned n;
};
extern const struct grade_vocab fh_grade_vocab_importance, fh_grade_vocab_loss,
    fh_grade_vocab_degree, fh_grade_vocab_data_kind, fh_grade_vocab_scope,
    fh_grade_vocab_offline;

/* Index of token s in v (0 for "absent"), or -1. */
int fh_grade_vocab_find(const struct grade_vocab *v, const char *s);

enum grade_cond_kind {
    COND_IN,        /* the field's value is one of a set (bit v of mask) */
    COND_GE,        /* the field is given and >= min */
    COND_IS,        /* a boolean field equals want */
    COND_CLASS_IN,  /* the class is one of the codes or a subclass of one */
};

struct grade_cond {
    enum grade_field field;
    enum grade_cond_kind kind;
    unsigned mask;
    double min;
    bool want;
    unsigned nclasses;
    char classes[FH_GRADE_MAX_CLASSES][FH_GRADE_CLASS_MAX];
};

struct grade_rule {
    char id[FH_GRADE_ID_MAX];
    enum fh_grade grade;
    int line;                                /* of its section header */
    char text[FH_GRADE_TEXT_MAX];            /* clause, then the reading if any */
    unsigned nconds;
    struct grade_cond conds[FH_GRADE_MAX_CONDS];
};

struct grade_level {                         /* what a profile says of one grade */
    char name[FH_GRADE_NAME_MAX];
    enum fh_warning warning;
    int within_minutes;                      /* -1 none */
    char report_to[FH_GRADE_NOTE_MAX];
    int line;                                /* of its section, 0 while missing */
};

struct fh_grade_profile {
    char name[FH_GRADE_NAME_MAX];
    int summary_due_days;                    /* -1 none */
    struct grade_level levels[FH_GRADE_IV + 1];          /* [FH_GRADE_I..IV] */
    int warn_tier[FH_WARNING_BLUE + 1];                  /* enum fh_path_level, -1 unset */
    char warn_issuer[FH_WARNING_BLUE + 1][FH_GRADE_NOTE_MAX];
    int multi_area_tier;
    unsigned nrules;
    struct grade_rule rules[FH_GRADE_MAX_RULES];
};

/* The rule files built into the binary (common/rules/embed.py writes the table from
 * the .ini files of common/rules); ends with a NULL name. */
struct grade_embedded {
    const char *name;       /* "national" */
    const char *file;       /* "national.ini", for messages */
    const char *text;
    size_t len;
};
extern const struct grade_embedded fh_grade_embedded[];
extern const char *const fh_grade_embedded_names[];  /* NULL-terminated */

/* The grade codes "I".."IV" by enum fh_grade; [0] is NULL. */
extern const char *const fh_grade_codes[FH_GRADE_IV + 1];

#endif
