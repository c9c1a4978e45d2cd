/* fuzz_grade_input.c - the JSON facts of an incident, as fenghuo-ctl grade reads them.
 *
 * fh_grade_input_parse_text() on the input; when it passes, the input is graded under
 * every embedded profile and the answer built as JSON and as text. Checked: a refusal's
 * reason is NUL-terminated within its buffer, an accepted input grades (I..IV) under
 * each profile, and the answer renders. */
#include "fuzz.h"

#include "grading.h"
#include "log.h"

#define MAX_PROFILES 8

static struct fh_grade_profile *profiles[MAX_PROFILES];
static size_t nprofiles;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fh_log_init("fuzz", FH_LOG_ERROR);
    char why[FH_GRADE_WHY_MAX];
    for (const char *const *n = fh_grade_profile_names(); *n && nprofiles < MAX_PROFILES; n++)
        if (fh_grade_profile_load(*n, &profiles[nprofiles], why, sizeof why) == 0)
            nprofiles++;
        else
            abort(); /* an embedded profile must load */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fh_grade_input in;
    char why[FH_GRADE_WHY_MAX];
    memset(&in, 0, sizeof in);
    memset(why, 'x', sizeof why);
    if (fh_grade_input_parse_text((const char *)data, size, &in, why, sizeof why) != 0) {
        if (!memchr(why, 0, sizeof why))
            abort();
        return 0;
    }
    for (size_t i = 0; i < nprofiles; i++) {
        struct fh_grade_result r;
        if (fh_grade_eval(profiles[i], &in, &r) != 0)
            abort(); /* parse accepted it: it has a valid class */
        if (r.grade < FH_GRADE_I || r.grade > FH_GRADE_IV || r.nmatches > FH_GRADE_MAX_MATCHES)
            abort();
        json_t *j = fh_grade_result_json(&r);
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (!text)
            abort();
        free(text);
        json_decref(j);
        char line[1024];
        if (fh_grade_result_text(&r, line, sizeof line) < 0)
            abort();
    }
    return 0;
}
