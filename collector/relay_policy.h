/* relay_policy.h - what a collector sends up of what its children send: data, per kind.
 *
 * [relay_policy] in the collector's config holds one key per kind of report (the names
 * of fh_kind_name(): health, patch, detection, service, incident, rollup, warning,
 * advisory, warning_ack, advisory_answer, drop_notice), each `relay` (stored here and
 * sent up as received) or `keep` (stored here only, and counted into this collector's
 * rollups, rollup.h). `default` names the action of every kind not named; without it
 * each kind has its built-in default:
 *
 *   relay   incident, rollup, warning, advisory, warning_ack, advisory_answer, drop_notice
 *   keep    health, patch, detection, service   (summarised in rollups)
 *
 * so the province sees every incident in detail and everything else counted, without
 * carrying every health sample. `default = relay` relays everything (the delivery tests,
 * a small deployment). Kinds the table does not know (a newer protocol) are relayed.
 *
 * The lane a relayed report travels in is its kind's (report.h), except incidents:
 * grade Ⅰ..urgent_grade (default Ⅲ) in the urgent lane, ahead of anything else in the
 * outbox; less grave ones (Ⅳ) in the bulk lane, with the next batch.
 *
 * The policy applies to what children send. What a collector makes itself (incidents,
 * rollups, drop notices, security detections) always goes up; only incident lanes
 * follow urgent_grade there too (incidents.c). */
#ifndef FH_RELAY_POLICY_H
#define FH_RELAY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "config.h"
#include "outbox.h"

#define FH_RELAY_KINDS 32           /* Fh__Kind values below this have an entry */
#define FH_RELAY_CONF_KEYS 11       /* kinds with a key in [relay_policy] */
#define FH_RELAY_WORD 8             /* "relay", "keep" and their NUL */

/* The config as read: one word per kind key ("" when not set), default, urgent_grade,
 * and [rollup] period_s (rollup.h). */
struct fh_relay_conf {
    char kind[FH_RELAY_CONF_KEYS][FH_RELAY_WORD];
    char def[FH_RELAY_WORD];
    int64_t urgent_grade;
    int64_t rollup_period_s;
};

struct fh_relay_policy {
    bool send[FH_RELAY_KINDS];      /* by Fh__Kind */
    uint32_t urgent_grade;          /* incidents of grade 1..this: urgent lane */
};

/* The [relay_policy] and [rollup] keys, landing in c (NULL for --print-config). */
struct fh_config_table fh_relay_conf_table(struct fh_relay_conf *c);

/* The policy c says. */
void fh_relay_policy_make(const struct fh_relay_conf *c, struct fh_relay_policy *out);

/* The built-in policy with every kind relayed (what a NULL policy means). */
void fh_relay_policy_all(struct fh_relay_policy *out);

/* Does a received report of kind with body go up (when this collector has a parent)? */
bool fh_relay_sends(const struct fh_relay_policy *p, int kind);

/* The lane a report of kind with body (decoded; may be NULL) travels in: the kind's,
 * for an incident by its grade. p NULL: the kind's lane. */
enum fh_lane fh_relay_lane(const struct fh_relay_policy *p, int kind,
                           const ProtobufCMessage *body);

/* "health=keep patch=keep ..." into buf (len bytes, NUL-terminated): the start log. */
void fh_relay_policy_describe(const struct fh_relay_policy *p, char *buf, size_t len);

#endif
