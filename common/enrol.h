/* enrol.h - joining a parent collector with a one-time token (the joining side).
 *
 *   fenghuo-agent enroll TOKEN -c CONFIG        (a school host)
 *   fenghuo-collector enroll TOKEN -c CONFIG    (a child collector)
 *
 * make the node's keys in its key_dir when there are none, connect with CURVE to the
 * enrolment endpoint the token names, trusting only the collector key the token
 * carries, send the token's secret with the node's path, role and Ed25519 public key,
 * and wait at most FH_ENROL_WAIT_MS for the answer. On success the collector has
 * registered the node's CURVE key (the one this connection authenticated with) for the
 * token's scope, and the collector's public key is written to KEY_DIR/parent.pub, where
 * the node reads it at start. The collector side is collector/enrolment.c. */
#ifndef FH_ENROL_H
#define FH_ENROL_H

#include <stddef.h>

#define FH_ENROL_WAIT_MS 10000

struct fh_enrol_request {
    const char *token;        /* the token text (token.h) */
    const char *key_dir;      /* the node's [security] key_dir */
    const char *path;         /* the node's own path (agent) or scope (collector) */
    int role;                 /* Fh__Role */
    const char *software;     /* "fenghuo-agent 0.1.0" */
};

/* Enrol as described above. Returns 0 with a line for the operator in msg, or FH_E*
 * with what went wrong in msg: FH_EMALFORMED (not a token, or one for the other role),
 * FH_EAGAIN (no answer in time), FH_ESCOPE (the collector refused: msg says why,
 * e.g. "token expired", "token already used"), or a key or I/O error. */
int fh_enrol_run(const struct fh_enrol_request *r, char *msg, size_t msg_len);

#endif
