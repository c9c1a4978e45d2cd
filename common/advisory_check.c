/* advisory_check.c - check a host's package inventory against an advisory (advisory.h).
 *
 * begin() takes the advisory's packages for the host's manager and sorts them by name,
 * so add() finds the one an installed package names by binary search; an inventory of
 * 20000 packages against 256 advisory packages costs about 20000 * 8 compares. Only
 * the installed packages the advisory names are kept: one slot per (advisory package,
 * arch) holding the highest version seen (a host may keep several kernels). end() judges
 * each slot and keeps the worst verdict, ties going to the first slot by name and arch,
 * so the answer does not depend on the order the inventory came in. */
#include "advisory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

struct fh_advisory_slot {
    size_t pkg; /* index into c->pkgs */
    char arch[FH_ADVISORY_ARCH_MAX];
    char version[FH_PKGVER_MAX];
    bool cut; /* the version was FH_PKGVER_MAX bytes or more: invalid, kept cut */
};

static int cmp_pkg_name(const void *x, const void *y)
{
    const Fh__AdvisoryPackage *const *a = x, *const *b = y;
    return strcmp((*a)->name, (*b)->name);
}

static bool version_valid(bool rpm, const char *v)
{
    return rpm ? fh_pkgver_valid_rpm(v) : fh_pkgver_valid_deb(v);
}

static int version_cmp(bool rpm, const char *a, const char *b)
{
    return rpm ? fh_pkgver_cmp_rpm(a, b) : fh_pkgver_cmp_deb(a, b);
}

/* An installed version against a bound. The patch probe's rpm inventory has no epochs:
 * an installed rpm version without one is compared with the bound's version-release. */
static int installed_cmp(bool rpm, const char *installed, const char *bound)
{
    const char *colon = strchr(bound, ':');
    if (rpm && colon && !strchr(installed, ':'))
        bound = colon + 1;
    return version_cmp(rpm, installed, bound);
}

int fh_advisory_check_begin(struct fh_advisory_check *c, const Fh__Advisory *a,
                            const char *manager)
{
    memset(c, 0, sizeof *c);
    if (!manager || (strcmp(manager, "dpkg") && strcmp(manager, "rpm")))
        return FH_EINVAL;
    c->adv = a;
    c->rpm = !strcmp(manager, "rpm");
    c->covered = fh_advisory_covers_manager(a, manager);
    for (size_t i = 0; i < a->n_packages && c->n < FH_ADVISORY_MAX_PACKAGES; i++)
        if (!strcmp(a->packages[i]->manager, manager))
            c->pkgs[c->n++] = a->packages[i];
    qsort(c->pkgs, c->n, sizeof c->pkgs[0], cmp_pkg_name);
    return 0;
}

/* The index in c->pkgs of the advisory package named name, or -1. */
static long find_pkg(const struct fh_advisory_check *c, const char *name)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(name, c->pkgs[mid]->name);
        if (r == 0)
            return (long)mid;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

int fh_advisory_check_add(struct fh_advisory_check *c, const char *name,
                          const char *version, const char *arch)
{
    if (!c->covered || !name || !version)
        return 0;
    long pkg = find_pkg(c, name);
    if (pkg < 0)
        return 0;
    arch = arch ? arch : "";
    if (strnlen(arch, FH_ADVISORY_ARCH_MAX) >= FH_ADVISORY_ARCH_MAX) {
        c->skipped++;
        return 0;
    }
    for (size_t i = 0; i < c->nslots; i++) {
        struct fh_advisory_slot *s = &c->slots[i];
        if (s->pkg != (size_t)pkg || strcmp(s->arch, arch))
            continue;
        bool higher = s->cut ? version_valid(c->rpm, version)
                             : version_cmp(c->rpm, version, s->version) > 0;
        if (higher) {
            snprintf(s->version, sizeof s->version, "%s", version);
            s->cut = strnlen(version, FH_PKGVER_MAX) >= FH_PKGVER_MAX;
        }
        return 0;
    }
    if (c->nslots == c->cap) {
        if (c->cap >= FH_ADVISORY_MAX_SLOTS)
            return FH_ETOOBIG;
        size_t cap = c->cap ? 2 * c->cap : 8;
        cap = cap > FH_ADVISORY_MAX_SLOTS ? FH_ADVISORY_MAX_SLOTS : cap;
        struct fh_advisory_slot *grown = realloc(c->slots, cap * sizeof *grown);
        if (!grown)
            return FH_ENOMEM;
        c->slots = grown;
        c->cap = cap;
    }
    struct fh_advisory_slot *s = &c->slots[c->nslots++];
    s->pkg = (size_t)pkg;
    snprintf(s->arch, sizeof s->arch, "%s", arch);
    snprintf(s->version, sizeof s->version, "%s", version);
    s->cut = strnlen(version, FH_PKGVER_MAX) >= FH_PKGVER_MAX;
    return 0;
}

/* Worse verdicts rank higher. */
static int rank(Fh__AdvisoryVerdict v)
{
    switch (v) {
    case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_AFFECTED: return 4;
    case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_UNKNOWN: return 3;
    case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_FIXED: return 2;
    case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_NOT_AFFECTED: return 1;
    default: return 0;
    }
}

static Fh__AdvisoryVerdict judge(bool rpm, const Fh__AdvisoryPackage *p, const char *v)
{
    if (!version_valid(rpm, v))
        return FH__ADVISORY_VERDICT__ADVISORY_VERDICT_UNKNOWN;
    if (p->introduced[0] && installed_cmp(rpm, v, p->introduced) < 0)
        return FH__ADVISORY_VERDICT__ADVISORY_VERDICT_NOT_AFFECTED;
    if (installed_cmp(rpm, v, p->fixed) < 0)
        return FH__ADVISORY_VERDICT__ADVISORY_VERDICT_AFFECTED;
    return FH__ADVISORY_VERDICT__ADVISORY_VERDICT_FIXED;
}

/* Does slot x come before slot y (by package name, then arch)? */
static bool slot_before(const struct fh_advisory_slot *x, const struct fh_advisory_slot *y)
{
    return x->pkg != y->pkg ? x->pkg < y->pkg : strcmp(x->arch, y->arch) < 0;
}

void fh_advisory_check_end(struct fh_advisory_check *c, struct fh_advisory_result *out)
{
    memset(out, 0, sizeof *out);
    out->skipped = c->skipped;
    if (!c->adv || !c->covered)
        out->verdict = FH__ADVISORY_VERDICT__ADVISORY_VERDICT_NOT_AFFECTED;
    else if (c->n == 0)
        out->verdict = FH__ADVISORY_VERDICT__ADVISORY_VERDICT_UNKNOWN;
    else
        out->verdict = FH__ADVISORY_VERDICT__ADVISORY_VERDICT_NOT_AFFECTED;
    const struct fh_advisory_slot *best = NULL;
    Fh__AdvisoryVerdict best_v = out->verdict;
    for (size_t i = 0; i < c->nslots; i++) {
        const struct fh_advisory_slot *s = &c->slots[i];
        Fh__AdvisoryVerdict v = s->cut ? FH__ADVISORY_VERDICT__ADVISORY_VERDICT_UNKNOWN
                                       : judge(c->rpm, c->pkgs[s->pkg], s->version);
        if (!best || rank(v) > rank(best_v) || (rank(v) == rank(best_v) && slot_before(s, best))) {
            best = s;
            best_v = v;
        }
    }
    if (best) {
        const Fh__AdvisoryPackage *p = c->pkgs[best->pkg];
        out->verdict = best_v;
        snprintf(out->package, sizeof out->package, "%s", p->name);
        snprintf(out->arch, sizeof out->arch, "%s", best->arch);
        snprintf(out->installed, sizeof out->installed, "%s", best->version);
        snprintf(out->fixed, sizeof out->fixed, "%s", p->fixed);
    }
    free(c->slots);
    memset(c, 0, sizeof *c);
}

int fh_advisory_check_state(const Fh__Advisory *a, const Fh__PatchState *ps,
                            struct fh_advisory_result *out)
{
    if (!ps->full || ps->n_installed != ps->package_count)
        return FH_EINVAL;
    struct fh_advisory_check *c = malloc(sizeof *c);
    if (!c)
        return FH_ENOMEM;
    int rc = fh_advisory_check_begin(c, a, ps->package_manager);
    if (rc)
        goto out;
    for (size_t i = 0; i < ps->n_installed && !rc; i++) {
        const Fh__Package *p = ps->installed[i];
        if (p)
            rc = fh_advisory_check_add(c, p->name, p->version, p->arch);
    }
    fh_advisory_check_end(c, out);
out:
    free(c);
    return rc;
}

void fh_advisory_answer_fill(Fh__AdvisoryAnswer *ans, const Fh__Advisory *a,
                             const struct fh_advisory_result *r, const char *manager,
                             uint64_t checked_us)
{
    fh__advisory_answer__init(ans);
    ans->advisory_id = a->id;
    ans->verdict = r->verdict;
    ans->package = (char *)r->package;
    ans->installed = (char *)r->installed;
    ans->fixed = (char *)r->fixed;
    ans->checked_us = checked_us;
    ans->manager = (char *)(manager ? manager : "");
    ans->drill = a->drill;
}

const char *fh_advisory_verdict_name(Fh__AdvisoryVerdict v)
{
    switch (v) {
    case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_AFFECTED: return "affected";
    case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_NOT_AFFECTED: return "not_affected";
    case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_FIXED: return "fixed";
    case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_UNKNOWN: return "unknown";
    default: return "unspecified";
    }
}
