/* patch_advisory.h - the patch probe answers advisories (风险通报) from its inventory.
 *
 * After each inventory the probe checks every advisory the host holds (the agent's
 * store, through sink->each_advisory) with common/advisory.h and sends an
 * AdvisoryAnswer when the verdict is new or changed: affected, fixed, not affected or
 * unknown. An admin who installs the fixed version turns "affected" into "fixed" at the
 * next round (or at once: the agent runs the probe when an advisory arrives). The last
 * verdict per advisory is kept in memory (at most FH_PATCH_MAX_ANSWERS); after a restart
 * every advisory is answered again, which is harmless: tiers keep the latest answer. */
#ifndef FH_PATCH_ADVISORY_H
#define FH_PATCH_ADVISORY_H

#include "patch_parse.h"
#include "probe.h"

#define FH_PATCH_MAX_ANSWERS 512

struct fh_patch_answers;

/* Check every advisory against inv (of manager "dpkg" or "rpm"); *mem is created on
 * first use. Returns 0 or the first emit error (that answer is sent next round). */
int fh_patch_answer_advisories(struct fh_patch_answers **mem, const struct fh_patch_inv *inv,
                               const char *manager, struct fh_probe_sink *sink);
void fh_patch_answers_free(struct fh_patch_answers *mem);

#endif
