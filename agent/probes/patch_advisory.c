/* patch_advisory.c - answers to advisories from the patch inventory (patch_advisory.h). */
#include "patch_advisory.h"

#include <stdlib.h>
#include <string.h>

#include "advisory.h"
#include "err.h"
#include "log.h"
#include "path.h"

struct answered {
    char id[FH_ADVISORY_ID_MAX];
    Fh__AdvisoryVerdict verdict;
    char installed[FH_PKGVER_MAX];
};

struct fh_patch_answers {
    size_t n;
    struct answered a[FH_PATCH_MAX_ANSWERS];
};

struct round {
    struct fh_patch_answers *mem;
    const struct fh_patch_inv *inv;
    const char *manager;
    struct fh_probe_sink *sink;
};

static struct answered *find(struct fh_patch_answers *m, const char *id)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->a[i].id, id) == 0)
            return &m->a[i];
    return NULL;
}

static int check_one(void *arg, const Fh__Advisory *adv)
{
    struct round *r = arg;
    struct fh_advisory_check c;
    struct fh_advisory_result res;
    if (!adv->id || strlen(adv->id) >= FH_ADVISORY_ID_MAX ||
        fh_advisory_check_begin(&c, adv, r->manager) != 0)
        return 0;
    int err = 0;
    for (size_t i = 0; i < r->inv->n && !err; i++)
        err = fh_advisory_check_add(&c, r->inv->pkgs[i].name, r->inv->pkgs[i].version,
                                    r->inv->pkgs[i].arch);
    fh_advisory_check_end(&c, &res);
    if (err)
        res.verdict = FH__ADVISORY_VERDICT__ADVISORY_VERDICT_UNKNOWN;
    struct answered *prev = find(r->mem, adv->id);
    if (prev && prev->verdict == res.verdict && strcmp(prev->installed, res.installed) == 0)
        return 0;   /* nothing new to say */
    Fh__AdvisoryAnswer ans;
    char unit[FH_PATH_MAX] = "";
    fh_advisory_answer_fill(&ans, adv, &res, r->manager, fh_now_us());
    ans.host = (char *)(r->sink->self_path ? r->sink->self_path : "");
    if (ans.host[0] && fh_path_parent(ans.host, unit, sizeof unit) != 0)
        unit[0] = '\0';
    ans.unit = unit;
    if ((err = r->sink->emit(r->sink, FH__KIND__KIND_ADVISORY_ANSWER, &ans.base)))
        return err;
    if (!prev && r->mem->n < FH_PATCH_MAX_ANSWERS)
        prev = &r->mem->a[r->mem->n++];
    if (prev) {
        snprintf(prev->id, sizeof prev->id, "%s", adv->id);
        prev->verdict = res.verdict;
        snprintf(prev->installed, sizeof prev->installed, "%s", res.installed);
    }
    fh_log(FH_LOG_INFO, "patch: advisory %s: %s%s%s", adv->id,
           fh_advisory_verdict_name(res.verdict), res.package[0] ? " by " : "", res.package);
    return 0;
}

int fh_patch_answer_advisories(struct fh_patch_answers **mem, const struct fh_patch_inv *inv,
                               const char *manager, struct fh_probe_sink *sink)
{
    if (!sink->each_advisory)
        return 0;
    if (!*mem && !(*mem = calloc(1, sizeof **mem)))
        return FH_ENOMEM;
    struct round r = {*mem, inv, manager, sink};
    return sink->each_advisory(sink, check_one, &r);
}

void fh_patch_answers_free(struct fh_patch_answers *mem)
{
    free(mem);
}
