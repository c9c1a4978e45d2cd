/* grading_rules.c - load and validate a profile's rule file (common/rules/<name>.ini).
 *
 * The file is a plain INI of our own reading (not inih: its line bound is a build
 * option of the system library, and every error here must name its line):
 *
 *     # comment                 ; comment
 *     [profile]                 name, summary_due_days
 *     [grade I] .. [grade IV]   name, warning, report_within_minutes, report_to
 *     [warning]                 red, orange, yellow, blue, multi_area (tiers),
 *                               red_issuer .. blue_issuer (texts)
 *     [rule PROFILE.GRADE.N]    grade, clause, reading, and conditions (conds[] below)
 *
 * A rule's conditions must all hold. A rule id given in several sections is a clause
 * with alternatives: it is met when any of its sections is; the clause and reading are
 * written in the first section only. Everything is checked as it is read, and the first
 * error is returned as "origin:LINE: reason". Lines are bounded by RULE_LINE_MAX, the
 * file by FH_GRADE_RULES_MAX_BYTES. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grading_int.h"
#include "taxonomy.h"

#define RULE_LINE_MAX 2048      /* bytes of one line of a rule file */
#define SECTION_KEYS_MAX 32     /* keys in one section */

static const struct {
    const char *name;
    enum grade_field field;
    enum grade_cond_kind kind;
    const struct grade_vocab *vocab;  /* COND_IN */
    bool whole;                       /* COND_GE: a count */
} conds[] = {
    {"class_in", GF_CLASS, COND_CLASS_IN, NULL, false},
    {"importance_in", GF_IMPORTANCE, COND_IN, &fh_grade_vocab_importance, false},
    {"loss_in", GF_LOSS, COND_IN, &fh_grade_vocab_loss, false},
    {"outage_hours_ge", GF_OUTAGE_HOURS, COND_GE, NULL, false},
    {"people_affected_ge", GF_PEOPLE, COND_GE, NULL, true},
    {"economic_loss_cny_ge", GF_ECONOMIC_LOSS, COND_GE, NULL, false},
    {"data_kind_in", GF_DATA_KIND, COND_IN, &fh_grade_vocab_data_kind, false},
    {"data_threat_in", GF_DATA_THREAT, COND_IN, &fh_grade_vocab_degree, false},
    {"spread_scope_in", GF_SPREAD_SCOPE, COND_IN, &fh_grade_vocab_scope, false},
    {"spread_units_ge", GF_SPREAD_UNITS, COND_GE, NULL, true},
    {"edu_provincial_offline_in", GF_EDU_PROVINCIAL, COND_IN, &fh_grade_vocab_offline, false},
    {"edu_metro_offline_in", GF_EDU_METRO, COND_IN, &fh_grade_vocab_offline, false},
    {"edu_core_unreachable_is", GF_EDU_CORE, COND_IS, NULL, false},
    {"impact_in", GF_IMPACT, COND_IN, &fh_grade_vocab_degree, false},
};
#define NCONDS (sizeof conds / sizeof conds[0])

static const char *const warning_names[] = {NULL, "red", "orange", "yellow", "blue"};
static const char *const tier_names[] = {"nation", "province", "city", "county", "unit",
                                         "host"};

enum section { S_NONE, S_PROFILE, S_GRADE, S_WARNING, S_RULE };

struct loader {
    const char *origin;
    char *why;
    size_t why_len;
    int line;
    struct fh_grade_profile *p;
    enum section sec;
    int sec_line;
    enum fh_grade sec_grade;          /* S_GRADE: which; S_RULE: the id's grade */
    struct grade_rule *rule;          /* S_RULE */
    const struct grade_rule *first;   /* S_RULE: the first section of this id, or NULL */
    bool have_clause, have_grade, have_within;
    char clause[FH_GRADE_CLAUSE_MAX], reading[FH_GRADE_READING_MAX];
    unsigned nkeys;
    char keys[SECTION_KEYS_MAX][32];
};

static int fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct loader *l, const char *fmt, ...)
{
    if (l->why && l->why_len) {
        char msg[FH_GRADE_WHY_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(l->why, l->why_len, "%s:%d: %s", l->origin, l->line, msg);
    }
    return FH_ECONFIG;
}

static int grade_of(const char *s)
{
    for (int g = FH_GRADE_I; g <= FH_GRADE_IV; g++)
        if (strcmp(fh_grade_codes[g], s) == 0)
            return g;
    return -1;
}

static int find_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* A whole non-negative number, or "none" (-1) when none_ok. */
static int parse_int(struct loader *l, const char *key, const char *v, bool none_ok,
                     long max, int *out)
{
    if (none_ok && strcmp(v, "none") == 0) {
        *out = -1;
        return 0;
    }
    char *end;
    errno = 0;
    long n = isdigit((unsigned char)v[0]) ? strtol(v, &end, 10) : -1;
    if (n < 0 || errno || *end || n > max)
        return fail(l, "%s: \"%s\" is not a whole number 0..%ld%s", key, v, max,
                    none_ok ? " or none" : "");
    *out = (int)n;
    return 0;
}

static int copy_text(struct loader *l, const char *key, const char *v, char *out,
                     size_t len)
{
    json_t *probe = json_string(v);  /* NULL unless valid UTF-8 */
    json_decref(probe);
    if (!probe || !*v)
        return fail(l, "%s: empty or not UTF-8", key);
    if (strlen(v) >= len)
        return fail(l, "%s: longer than %zu bytes", key, len - 1);
    snprintf(out, len, "%s", v);
    return 0;
}

/* value of a condition into c; v is a space- or comma-separated list for the _in ones. */
static int parse_cond(struct loader *l, size_t k, char *v, struct grade_cond *c)
{
    memset(c, 0, sizeof *c);
    c->field = conds[k].field;
    c->kind = conds[k].kind;
    if (c->kind == COND_GE) {
        char *end;
        errno = 0;
        double d = isdigit((unsigned char)v[0]) ? strtod(v, &end) : -1;
        if (d < 0 || errno || *end || (conds[k].whole && strchr(v, '.')))
            return fail(l, "%s: \"%s\" is not a %snumber >= 0", conds[k].name, v,
                        conds[k].whole ? "whole " : "");
        c->min = d;
        return 0;
    }
    if (c->kind == COND_IS) {
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
            return fail(l, "%s: \"%s\" is not true or false", conds[k].name, v);
        c->want = strcmp(v, "true") == 0;
        return 0;
    }
    char *save = NULL;
    for (char *t = strtok_r(v, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save)) {
        if (c->kind == COND_CLASS_IN) {
            if (!fh_class_valid(t) || strlen(t) >= FH_GRADE_CLASS_MAX)
                return fail(l, "%s: \"%s\" is not a GB/Z 20986 class code", conds[k].name, t);
            if (c->nclasses == FH_GRADE_MAX_CLASSES)
                return fail(l, "%s: more than %d codes", conds[k].name,
                            FH_GRADE_MAX_CLASSES);
            snprintf(c->classes[c->nclasses++], FH_GRADE_CLASS_MAX, "%s", t);
            continue;
        }
        int i = fh_grade_vocab_find(conds[k].vocab, t);
        if (i < 0 || (i == 0 && conds[k].field == GF_IMPORTANCE))
            return fail(l, "%s: unknown value \"%s\"", conds[k].name, t);
        c->mask |= 1u << i;
    }
    if (!c->mask && !c->nclasses)
        return fail(l, "%s: no values", conds[k].name);
    return 0;
}

/* The checks that need the whole section; compose a rule's text. */
static int end_section(struct loader *l)
{
    struct fh_grade_profile *p = l->p;
    int at = l->line;
    l->line = l->sec_line;
    int err = 0;
    if (l->sec == S_PROFILE && !p->name[0])
        err = fail(l, "[profile] has no name");
    if (l->sec == S_GRADE) {
        struct grade_level *g = &p->levels[l->sec_grade];
        if (!g->name[0] || !g->warning || !l->have_within || !g->report_to[0])
            err = fail(l, "[grade %s] needs name, warning, report_within_minutes and "
                          "report_to", fh_grade_codes[l->sec_grade]);
    }
    if (l->sec == S_RULE) {
        struct grade_rule *r = l->rule;
        if (!l->have_grade || r->grade != l->sec_grade)
            err = fail(l, "rule %s: grade must be given and be the id's grade (%s)", r->id,
                       fh_grade_codes[l->sec_grade]);
        else if (!l->first && !l->have_clause)
            err = fail(l, "rule %s: no clause", r->id);
        else if ((r->grade == FH_GRADE_IV) != (r->nconds == 0))
            err = fail(l, "rule %s: %s", r->id,
                       r->nconds ? "the grade IV rule takes no conditions"
                                 : "a rule above grade IV needs conditions");
        else if (l->first)
            memcpy(r->text, l->first->text, sizeof r->text);
        else if (l->reading[0])
            snprintf(r->text, sizeof r->text, "%s [fenghuo 读法: %s]", l->clause, l->reading);
        else
            snprintf(r->text, sizeof r->text, "%s", l->clause);
    }
    l->line = at;
    l->sec = S_NONE;
    return err;
}

static int begin_section(struct loader *l, char *name)
{
    struct fh_grade_profile *p = l->p;
    int err = l->sec != S_NONE ? end_section(l) : 0;
    if (err)
        return err;
    l->sec_line = l->line;
    l->nkeys = 0;
    l->have_clause = l->have_grade = l->have_within = false;
    l->clause[0] = l->reading[0] = '\0';
    if (strcmp(name, "profile") == 0 || strcmp(name, "warning") == 0) {
        enum section s = name[0] == 'p' ? S_PROFILE : S_WARNING;
        if ((s == S_PROFILE && p->name[0]) ||
            (s == S_WARNING && p->multi_area_tier != -2))
            return fail(l, "[%s] given twice", name);
        if (s == S_WARNING)
            p->multi_area_tier = -1;  /* seen; set by its key */
        l->sec = s;
        return 0;
    }
    if (!p->name[0])
        return fail(l, "[profile] with its name must come first");
    if (strncmp(name, "grade ", 6) == 0) {
        int g = grade_of(name + 6);
        if (g < 0)
            return fail(l, "unknown grade \"%s\" (I, II, III, IV)", name + 6);
        if (p->levels[g].line)
            return fail(l, "[grade %s] given twice", name + 6);
        p->levels[g].line = l->line;
        p->levels[g].within_minutes = -1;
        l->sec = S_GRADE;
        l->sec_grade = (enum fh_grade)g;
        return 0;
    }
    if (strncmp(name, "rule ", 5) != 0)
        return fail(l, "unknown section [%s]", name);
    const char *id = name + 5;
    size_t pl = strlen(p->name);
    char code[8] = "";
    int n = 0, used = 0;
    if (strlen(id) >= FH_GRADE_ID_MAX || strncmp(id, p->name, pl) != 0 || id[pl] != '.' ||
        sscanf(id + pl + 1, "%3[IV]%n", code, &used) != 1 || grade_of(code) < 0)
        return fail(l, "rule id \"%s\" is not %s.GRADE.N", id, p->name);
    const char *tail = id + pl + 1 + used;
    int g = grade_of(code);
    if (g == FH_GRADE_IV ? *tail != '\0'
                         : (tail[0] != '.' || !isdigit((unsigned char)tail[1]) ||
                            sscanf(tail + 1, "%2d%n", &n, &used) != 1 || tail[1 + used] ||
                            n < 1))
        return fail(l, "rule id \"%s\" is not %s.GRADE.N (%s.IV for grade IV)", id, p->name,
                    p->name);
    if (p->nrules == FH_GRADE_MAX_RULES)
        return fail(l, "more than %d rules", FH_GRADE_MAX_RULES);
    l->first = NULL;
    for (unsigned i = 0; i < p->nrules && !l->first; i++)
        if (strcmp(p->rules[i].id, id) == 0)
            l->first = &p->rules[i];
    l->rule = &p->rules[p->nrules++];
    memset(l->rule, 0, sizeof *l->rule);
    snprintf(l->rule->id, sizeof l->rule->id, "%s", id);
    l->rule->line = l->line;
    l->sec = S_RULE;
    l->sec_grade = (enum fh_grade)g;
    return 0;
}

static int rule_key(struct loader *l, const char *key, char *v)
{
    struct grade_rule *r = l->rule;
    if (strcmp(key, "grade") == 0) {
        int g = grade_of(v);
        if (g < 0)
            return fail(l, "grade: \"%s\" is not I, II, III or IV", v);
        r->grade = (enum fh_grade)g;
        l->have_grade = true;
        return 0;
    }
    if (strcmp(key, "clause") == 0 || strcmp(key, "reading") == 0) {
        if (l->first)
            return fail(l, "%s: written in the first section of %s only (line %d)", key,
                        r->id, l->first->line);
        if (key[0] == 'c')
            l->have_clause = true;
        return key[0] == 'c' ? copy_text(l, key, v, l->clause, sizeof l->clause)
                             : copy_text(l, key, v, l->reading, sizeof l->reading);
    }
    for (size_t k = 0; k < NCONDS; k++)
        if (strcmp(conds[k].name, key) == 0) {
            if (r->nconds == FH_GRADE_MAX_CONDS)
                return fail(l, "more than %d conditions", FH_GRADE_MAX_CONDS);
            return parse_cond(l, k, v, &r->conds[r->nconds++]);
        }
    return fail(l, "unknown condition \"%s\"", key);
}

static int other_key(struct loader *l, const char *key, char *v)
{
    struct fh_grade_profile *p = l->p;
    int n;
    if (l->sec == S_PROFILE) {
        if (strcmp(key, "name") == 0) {
            for (const char *c = v; *c; c++)
                if (!islower((unsigned char)*c))
                    return fail(l, "name: lower-case letters only");
            return copy_text(l, key, v, p->name, sizeof p->name);
        }
        if (strcmp(key, "title") == 0)
            return 0;  /* for the reader */
        if (strcmp(key, "summary_due_days") == 0)
            return parse_int(l, key, v, true, 365, &p->summary_due_days);
    } else if (l->sec == S_GRADE) {
        struct grade_level *g = &p->levels[l->sec_grade];
        if (strcmp(key, "name") == 0)
            return copy_text(l, key, v, g->name, sizeof g->name);
        if (strcmp(key, "report_to") == 0)
            return copy_text(l, key, v, g->report_to, sizeof g->report_to);
        if (strcmp(key, "report_within_minutes") == 0) {
            l->have_within = true;
            return parse_int(l, key, v, true, 7 * 24 * 60, &g->within_minutes);
        }
        if (strcmp(key, "warning") == 0) {
            if ((n = find_name(warning_names, 5, v)) < 0)
                return fail(l, "warning: \"%s\" is not red, orange, yellow or blue", v);
            g->warning = (enum fh_warning)n;
            return 0;
        }
    } else if (l->sec == S_WARNING) {
        if (strcmp(key, "multi_area") == 0 || find_name(warning_names, 5, key) > 0) {
            if ((n = find_name(tier_names, 6, v)) < 0)
                return fail(l, "%s: \"%s\" is not a tier (nation .. host)", key, v);
            if (key[0] == 'm')
                p->multi_area_tier = n;
            else
                p->warn_tier[find_name(warning_names, 5, key)] = n;
            return 0;
        }
        char color[16];
        if (sscanf(key, "%15[a-z]_issuer", color) == 1 && strstr(key, "_issuer") &&
            strlen(key) == strlen(color) + 7 && (n = find_name(warning_names, 5, color)) > 0)
            return copy_text(l, key, v, p->warn_issuer[n], sizeof p->warn_issuer[n]);
    }
    return fail(l, "unknown key \"%s\"", key);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int one_line(struct loader *l, char *s)
{
    s = trim(s);
    if (!*s || *s == '#' || *s == ';')
        return 0;
    if (*s == '[') {
        size_t n = strlen(s);
        if (s[n - 1] != ']')
            return fail(l, "section header without ']'");
        s[n - 1] = '\0';
        return begin_section(l, trim(s + 1));
    }
    char *eq = strchr(s, '=');
    if (!eq)
        return fail(l, "neither [section] nor key = value");
    *eq = '\0';
    char *key = trim(s), *v = trim(eq + 1);
    if (l->sec == S_NONE)
        return fail(l, "key \"%s\" before any section", key);
    if (!*v)
        return fail(l, "%s: empty value", key);
    for (unsigned i = 0; i < l->nkeys; i++)
        if (strcmp(l->keys[i], key) == 0)
            return fail(l, "%s: given twice in this section", key);
    if (l->nkeys == SECTION_KEYS_MAX || strlen(key) >= sizeof l->keys[0])
        return fail(l, "%s: too many or too long keys", key);
    snprintf(l->keys[l->nkeys++], sizeof l->keys[0], "%s", key);
    return l->sec == S_RULE ? rule_key(l, key, v) : other_key(l, key, v);
}

/* What only the whole file can show. */
static int check_profile(struct loader *l)
{
    struct fh_grade_profile *p = l->p;
    if (!p->name[0])
        return fail(l, "no [profile]");
    for (int g = FH_GRADE_I; g <= FH_GRADE_IV; g++)
        if (!p->levels[g].line)
            return fail(l, "no [grade %s]", fh_grade_codes[g]);
    if (p->multi_area_tier < 0)
        return fail(l, "[warning] missing or without multi_area");
    for (int w = FH_WARNING_RED; w <= FH_WARNING_BLUE; w++)
        if (p->warn_tier[w] < 0 || !p->warn_issuer[w][0])
            return fail(l, "[warning] needs %s and %s_issuer", warning_names[w],
                        warning_names[w]);
    for (unsigned i = 0; i < p->nrules; i++)
        if (p->rules[i].grade == FH_GRADE_IV)
            return 0;
    return fail(l, "no rule for grade IV (%s.IV)", p->name);
}

int fh_grade_profile_parse(const char *origin, const char *text, size_t len,
                           struct fh_grade_profile **out, char *why, size_t why_len)
{
    struct loader l = {.origin = origin, .why = why, .why_len = why_len};
    char *buf = NULL;
    int err = 0;
    *out = NULL;
    if (len > FH_GRADE_RULES_MAX_BYTES) {
        fail(&l, "over %d bytes", FH_GRADE_RULES_MAX_BYTES);
        return FH_ETOOBIG;
    }
    l.p = calloc(1, sizeof *l.p);
    buf = malloc(RULE_LINE_MAX + 1);
    if (!l.p || !buf) {
        err = FH_ENOMEM;
        goto out;
    }
    l.p->multi_area_tier = -2;  /* -2: no [warning] yet */
    for (int w = 0; w <= FH_WARNING_BLUE; w++)
        l.p->warn_tier[w] = -1;
    for (size_t at = 0; at < len && !err;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = (nl ? (size_t)(nl - text) : len) - at;
        l.line++;
        if (n > RULE_LINE_MAX)
            err = fail(&l, "line longer than %d bytes", RULE_LINE_MAX);
        else if (memchr(text + at, '\0', n))
            err = fail(&l, "NUL byte in the line");
        if (err)
            break;
        memcpy(buf, text + at, n);
        buf[n] = '\0';
        err = one_line(&l, buf);
        at += n + 1;
    }
    if (!err && l.sec != S_NONE)
        err = end_section(&l);
    if (!err)
        err = check_profile(&l);
out:
    free(buf);
    if (err)
        free(l.p);
    else
        *out = l.p;
    return err;
}

int fh_grade_profile_load_file(const char *path, struct fh_grade_profile **out, char *why,
                               size_t why_len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return FH_EIO;
    }
    char *text = malloc(FH_GRADE_RULES_MAX_BYTES + 1);
    size_t n = text ? fread(text, 1, FH_GRADE_RULES_MAX_BYTES + 1, f) : 0;
    int err = !text ? FH_ENOMEM : ferror(f) ? FH_EIO : 0;
    fclose(f);
    if (err)
        snprintf(why, why_len, "%s: cannot read", path);
    else if (n > FH_GRADE_RULES_MAX_BYTES) {
        snprintf(why, why_len, "%s: over %d bytes", path, FH_GRADE_RULES_MAX_BYTES);
        err = FH_ETOOBIG;
    } else {
        err = fh_grade_profile_parse(path, text, n, out, why, why_len);
    }
    free(text);
    return err;
}

void fh_grade_profile_free(struct fh_grade_profile *p)
{
    free(p);
}
