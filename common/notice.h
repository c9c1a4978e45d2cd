/* notice.h - warnings (预警) and their receipts: checks, authority, and the state every
 * tier keeps of them.
 *
 * Who may issue which level is data: the grading profile's [warning] section (plans 001
 * §3.3, 004 §3.3; docs/grading.md): red only by the top tier of a deployment at province
 * level or above, orange by a province, yellow and blue by a county or city, each only
 * for its own region. A receiver cannot know whether the issuer was the top of its
 * deployment, so it checks the level part; the issuer checks both.
 *
 * State: the state records (store.h fh_kv_*) hold, per warning id, its latest revision
 * ("w\0<id>" -> packed Warning), and per warning and acknowledging host or unit its
 * latest receipt ("a\0<id>\0<host or unit>" -> packed WarningAck). Every tier that
 * stores a warning or a receipt records it here, in the same transaction. */
#ifndef FH_NOTICE_H
#define FH_NOTICE_H

#include <stdbool.h>
#include <stddef.h>

#include "fenghuo.pb-c.h"
#include "path.h"
#include "store.h"

#define FH_WARNING_MAX_TEXT 4096     /* watch, measures */
#define FH_WARNING_ID_MAX (FH_PATH_MAX + 24)

/* "red", "orange", "yellow", "blue" <-> level (0 for an unknown name). */
Fh__WarningLevel fh_warning_level_from_name(const char *name);
const char *fh_warning_level_name(Fh__WarningLevel level);

/* May a collector at path issuer (top: it has no parent) issue level for scope under
 * profile p's [warning] data (NULL: the national profile)? Returns 0, or FH_EINVAL with
 * why naming the rule. */
struct fh_grade_profile;
int fh_warning_authority(const struct fh_grade_profile *p, Fh__WarningLevel level,
                         const char *issuer, bool top, const char *scope, char *why,
                         size_t why_len);

/* Check a received WARNING or ADVISORY envelope's body: fields present and bounded,
 * the issuer is the envelope's origin, the scope inside the issuer's region, the level
 * within the issuer's authority. *scope points into body. Returns 0, or FH_EINVAL with
 * a reason in why. */
int fh_notice_check(const Fh__Envelope *env, const ProtobufCMessage *body,
                    const char **scope, char *why, size_t why_len);

/* Record a stored WARNING (its latest revision), WARNING_ACK, ADVISORY or
 * ADVISORY_ANSWER (the latest per host) in t; other kinds are ignored. Returns 0 or a negative FH_E*.
 * A record that cannot be kept (an id over its bound, a warning whose id is not
 * "<origin>#...") is logged and skipped with 0: the report itself stays stored. */
int fh_notice_record(struct fh_txn *t, const Fh__Envelope *env, const ProtobufCMessage *body);

/* The latest revision of warning id, unpacked (free with fh__warning__free_unpacked),
 * or NULL. Read transaction of its own. */
Fh__Warning *fh_notice_warning(struct fh_store *st, const char *id);

typedef int (*fh_warning_fn)(void *arg, const Fh__Warning *w);
typedef int (*fh_ack_fn)(void *arg, const Fh__WarningAck *a);
typedef int (*fh_advisory_fn)(void *arg, const Fh__Advisory *a);
typedef int (*fh_answer_fn)(void *arg, const Fh__AdvisoryAnswer *a);
/* Every advisory known here; one (free with fh__advisory__free_unpacked) or NULL; the
 * latest answer of every host to advisory id. */
int fh_notice_each_advisory(struct fh_store *st, fh_advisory_fn fn, void *arg);
Fh__Advisory *fh_notice_advisory(struct fh_store *st, const char *id);
int fh_notice_each_answer(struct fh_store *st, const char *id, fh_answer_fn fn, void *arg);

/* Every warning known here (latest revisions, in id order). */
int fh_notice_each_warning(struct fh_store *st, fh_warning_fn fn, void *arg);
/* The receipts of warning id. */
int fh_notice_each_ack(struct fh_store *st, const char *id, fh_ack_fn fn, void *arg);

#endif
