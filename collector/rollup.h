/* rollup.h - 汇总: what a collector keeps, counted per unit and sent up periodically.
 *
 * What the relay policy keeps at a collector (relay_policy.h: by default health, patch,
 * detections and service events stay at the first collector) travels up as counts: every
 * [rollup] period_s a collector with a parent sends one Rollup (fenghuo.proto), in parts
 * of at most FH_ROLLUP_UNITS_PER_REPORT units and FH_ROLLUP_PART_BYTES, as its own
 * report. Per unit: hosts total, online and stale (from the latest health kept here), service outages open, started,
 * ended and their seconds, detections by class, hosts with pending security updates or a
 * reboot required, and, when advisory answers are kept, the answers per advisory.
 *
 * Counts are kept in state records (store.h fh_kv_*) updated in the pipeline's
 * transaction as reports are stored, so a period costs a walk of the counters, not of
 * the reports; the counters are cumulative, and a rollup says both the totals and what
 * of them came in its period. A tier above keeps the latest entry per (origin, unit);
 * when that tier keeps rollups too (relay_policy rollup = keep), its own rollup merges
 * them with what it keeps itself. Each report is counted once, where it stops going up.
 *
 * State records (tags 'K' and 'L'):
 *   "K\0d\0<unit>\0<class>"    -> {u64 total, u64 sent}   detections kept, by class
 *   "K\0o\0<unit>"             -> six u64: outages started, ended, seconds; the same sent
 *   "K\0t\0<host>\0<target>"   -> u64 down since (present while the target is down)
 *   "K\0p\0<host>"             -> {u64 seq, u32 security pending, u32 reboot required}
 *   "L\0<origin>\0<unit>"      -> RollupRecord (the latest entry received per origin)
 * "sent" is the total the last rollup sent: the period's count is total - sent. */
#ifndef FH_ROLLUP_H
#define FH_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"
#include "path.h"
#include "relay_policy.h"
#include "store.h"

#define FH_ROLLUP_UNITS_PER_REPORT 64    /* units in one emitted Rollup report, and */
#define FH_ROLLUP_PART_BYTES (128u * 1024u)  /* at most this of them (one unit always) */
#define FH_ROLLUP_MAX_RECEIVED_UNITS 1024 /* units a received Rollup may hold */
#define FH_ROLLUP_MAX_CLASSES 64         /* classes per unit entry */
#define FH_ROLLUP_MAX_ADVISORIES 64      /* advisories per unit entry */
#define FH_ROLLUP_MAX_UNITS 100000       /* units one summary holds; more are dropped */
#define FH_ROLLUP_CLASS_MAX 32           /* bytes of a class code with its NUL */
#define FH_ROLLUP_ID_MAX (FH_PATH_MAX + 24)  /* bytes of an advisory id with its NUL */
#define FH_STALE_MIN_S 30                /* nothing is stale sooner than this */
#define FH_STALE_INTERVALS 3             /* stale after this many missed intervals */

struct fh_rollup_class {
    char code[FH_ROLLUP_CLASS_MAX];      /* GB/Z 20986, or "other" for an invalid one */
    uint64_t total, period;
};

struct fh_rollup_advisory {
    char id[FH_ROLLUP_ID_MAX];
    uint32_t affected, not_affected, fixed, unknown;
};

/* One unit's summary: own counts and received entries merged. */
struct fh_rollup_unit {
    char unit[FH_PATH_MAX];
    uint32_t hosts_total, hosts_stale, outages_open;
    uint64_t outages_started, outages_ended, outage_s;
    uint64_t outages_started_period, outages_ended_period, outage_s_period;
    uint32_t hosts_patch_known, hosts_security_pending, hosts_reboot_required;
    const struct fh_rollup_class *classes;
    size_t nclasses;
    const struct fh_rollup_advisory *advisories;
    size_t nadvisories;
    uint32_t origins;       /* received entries merged in (0: own counts only) */
    uint64_t newest_us;     /* the newest merged entry's period end (0: none) */
};

/* Is something last heard of at then_us, every interval_s, stale at now_us? */
bool fh_rollup_stale(uint64_t then_us, uint32_t interval_s, uint64_t now_us);

/* Check a received ROLLUP before it is stored: its origin a collector (not a host), every
 * unit a valid path inside the origin's scope, lists within their bounds. Returns 0 or FH_EINVAL with why. */
int fh_rollup_check(const Fh__Envelope *env, const Fh__Rollup *r, char *why, size_t why_len);

/* A report just stored in t by the pipeline; relayed: it goes up from here. A ROLLUP is
 * kept as the latest entry per (origin, unit); a DETECTION (not a drill), SERVICE or
 * PATCH that stays here is counted. Other kinds are ignored. Returns 0 or a negative
 * FH_E* (t must then be aborted). */
int fh_rollup_on_report(struct fh_txn *t, const Fh__Envelope *env,
                        const ProtobufCMessage *body, bool relayed);

/* Make this period's rollup of what collector self keeps (p says what; period_s is
 * written into it) and commit it to the outbox, with the counters' "sent" marks, in one
 * transaction. *made: reports made (0 when there is nothing to summarise). Returns 0 or
 * a negative FH_E* (nothing committed; the next period sends it all). */
int fh_rollup_emit(struct fh_store *st, const char *self, const struct fh_relay_policy *p,
                   uint32_t period_s, uint64_t now_us, uint64_t *made);

/* fenghuo-ctl: every unit known here from received rollups and own counts (not from
 * health: the caller lists that in detail), merged, in path order; fn's unit is valid
 * during the call. A non-zero return of fn stops the walk and is returned. */
typedef int (*fh_rollup_unit_fn)(void *arg, const struct fh_rollup_unit *u);
int fh_rollup_each_unit(struct fh_store *st, uint64_t now_us, fh_rollup_unit_fn fn,
                        void *arg);

#endif
