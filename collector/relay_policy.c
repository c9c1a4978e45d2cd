/* relay_policy.c - the relay policy as a table (see relay_policy.h).
 *
 * kinds[] is the one place that says which kind has a key, its built-in action and what
 * the key means; the config keys are made from it, in the same order, so index i of
 * struct fh_relay_conf.kind is kinds[i]. A per-kind key that is set wins over `default`,
 * which wins over the built-in action. */
#include "relay_policy.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fenghuo.pb-c.h"
#include "report.h"

#define FH_GRADE_MIN 1
#define FH_GRADE_MAX 4
#define ROLLUP_PERIOD_MAX_S 86400

static const struct {
    int kind;
    bool send;       /* built-in action: relay (true) or keep */
} kinds[FH_RELAY_CONF_KEYS] = {
    {FH__KIND__KIND_HEALTH, false},         {FH__KIND__KIND_PATCH, false},
    {FH__KIND__KIND_DETECTION, false},      {FH__KIND__KIND_SERVICE, false},
    {FH__KIND__KIND_INCIDENT, true},        {FH__KIND__KIND_ROLLUP, true},
    {FH__KIND__KIND_WARNING, true},         {FH__KIND__KIND_ADVISORY, true},
    {FH__KIND__KIND_WARNING_ACK, true},     {FH__KIND__KIND_ADVISORY_ANSWER, true},
    {FH__KIND__KIND_DROP_NOTICE, true},
};

#define WORDS "relay|keep: "
#define KIND_KEY(i, name, help)                                                          \
    {"relay_policy", name, FH_CONF_CHOICE, offsetof(struct fh_relay_conf, kind[i]),      \
     FH_RELAY_WORD, false, NULL, 0, 0, WORDS help}

/* The names are fh_kind_name()'s (a unit test holds them to it). */
static const struct fh_config_key keys[] = {
    KIND_KEY(0, "health", "health samples (built-in keep: hosts online/stale in rollups)"),
    KIND_KEY(1, "patch", "patch states (built-in keep: pending security updates and "
                         "reboots per unit in rollups)"),
    KIND_KEY(2, "detection", "detections (built-in keep: counted by class in rollups; "
                             "incidents made of them go up)"),
    KIND_KEY(3, "service", "service outage events (built-in keep: outages in rollups)"),
    KIND_KEY(4, "incident", "incidents from the collectors below (built-in relay)"),
    KIND_KEY(5, "rollup", "rollups from the collectors below (built-in relay; keep: "
                          "merged into this collector's own)"),
    KIND_KEY(6, "warning", "warnings issued below (built-in relay)"),
    KIND_KEY(7, "advisory", "advisories issued below (built-in relay)"),
    KIND_KEY(8, "warning_ack", "receipts of warnings (built-in relay: the issuer counts "
                               "them)"),
    KIND_KEY(9, "advisory_answer", "hosts' answers to advisories (built-in relay: the "
                                   "issuer counts compliance)"),
    KIND_KEY(10, "drop_notice", "what outboxes below coalesced (built-in relay)"),
    {"relay_policy", "default", FH_CONF_CHOICE, offsetof(struct fh_relay_conf, def),
     FH_RELAY_WORD, false, NULL, 0, 0,
     WORDS "every kind not named above (unset: each kind's built-in action); relay "
     "relays everything"},
    {"relay_policy", "urgent_grade", FH_CONF_INT,
     offsetof(struct fh_relay_conf, urgent_grade), sizeof(int64_t), false, "3",
     FH_GRADE_MIN, FH_GRADE_MAX,
     "incidents of grade Ⅰ up to this one go in the urgent lane, ahead of everything; the "
     "others (Ⅳ) in the bulk lane, with the next batch"},
    {"rollup", "period_s", FH_CONF_INT, offsetof(struct fh_relay_conf, rollup_period_s),
     sizeof(int64_t), false, "300", 1, ROLLUP_PERIOD_MAX_S,
     "every this many seconds a collector with a parent sends up a rollup of what it "
     "keeps (relay_policy keep), per unit"},
};

struct fh_config_table fh_relay_conf_table(struct fh_relay_conf *c)
{
    return (struct fh_config_table){keys, sizeof keys / sizeof keys[0], c};
}

void fh_relay_policy_all(struct fh_relay_policy *out)
{
    for (size_t i = 0; i < FH_RELAY_KINDS; i++)
        out->send[i] = true;
    out->urgent_grade = 3;
}

void fh_relay_policy_make(const struct fh_relay_conf *c, struct fh_relay_policy *out)
{
    fh_relay_policy_all(out);
    for (size_t i = 0; i < FH_RELAY_CONF_KEYS; i++) {
        const char *w = c->kind[i][0] ? c->kind[i] : c->def;
        out->send[kinds[i].kind] = w[0] ? strcmp(w, "relay") == 0 : kinds[i].send;
    }
    out->urgent_grade = (uint32_t)c->urgent_grade;
}

bool fh_relay_sends(const struct fh_relay_policy *p, int kind)
{
    return !p || kind < 0 || kind >= FH_RELAY_KINDS || p->send[kind];
}

enum fh_lane fh_relay_lane(const struct fh_relay_policy *p, int kind,
                           const ProtobufCMessage *body)
{
    if (p && body && kind == FH__KIND__KIND_INCIDENT) {
        uint32_t g = ((const Fh__Incident *)body)->grade;
        return g > p->urgent_grade ? FH_LANE_BULK : FH_LANE_URGENT;
    }
    return fh_kind_lane(kind);
}

void fh_relay_policy_describe(const struct fh_relay_policy *p, char *buf, size_t len)
{
    size_t n = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < FH_RELAY_CONF_KEYS && n < len; i++) {
        int w = snprintf(buf + n, len - n, "%s%s=%s", i ? " " : "", keys[i].name,
                         p->send[kinds[i].kind] ? "relay" : "keep");
        if (w < 0)
            break;
        n += (size_t)w;
    }
    if (n < len)
        snprintf(buf + n, len - n, " urgent_grade=%u", p->urgent_grade);
}
