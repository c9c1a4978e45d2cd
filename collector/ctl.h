/* ctl.h - fenghuo-ctl's commands and the views they build as JSON from a node's store.
 *
 * fenghuo-ctl opens the node's LMDB read-only (it works while the node runs: LMDB gives
 * readers a consistent snapshot) and builds one JSON document per command; --json
 * prints it as is, otherwise ctl.c renders it for a person. A command is a struct
 * fh_ctl_cmd listed once in the table of ctl.c; commands of their own module live in
 * ctl_<name>.c. */
#ifndef FH_CTL_H
#define FH_CTL_H

#include <jansson.h>
#include <stdio.h>

#include <stdbool.h>

#include "store.h"

/* What every command gets: the global options. */
struct fh_ctl_opts {
    char data[512];     /* -d, or data_dir from -c */
    char spool[512];    /* --spool, or [spool] dir from -c */
    char config[512];   /* -c: the node's config file, "" without */
    bool json;          /* --json */
};

/* One command: its name, what it does (one or two lines for usage), and the function
 * that runs it with the arguments after its name (global options removed). run returns
 * the process exit code: 0 done, 1 usage or operational error, 2 refused input. */
struct fh_ctl_cmd {
    const char *name;
    int (*run)(const struct fh_ctl_opts *o, int argc, char **argv);
    const char *help;
};

/* Commands of their own files (ctl_<name>.c), listed in the table of ctl.c. */
extern const struct fh_ctl_cmd fh_ctl_cmd_grade;   /* ctl_grade.c: grade incidents */
extern const struct fh_ctl_cmd fh_ctl_cmd_submit;  /* ctl_submit.c: hand the agent a detection */
extern const struct fh_ctl_cmd fh_ctl_cmd_warning; /* ctl_warning.c: 预警 */
extern const struct fh_ctl_cmd fh_ctl_cmd_incident; /* ctl_incident.c: 事件 */
extern const struct fh_ctl_cmd fh_ctl_cmd_advisory; /* ctl_advisory.c: 风险通报 */
extern const struct fh_ctl_cmd fh_ctl_cmd_deploy_window; /* ctl_deploy.c: fim windows */
extern const struct fh_ctl_cmd fh_ctl_cmd_keygen;  /* ctl_keys.c: key files */
extern const struct fh_ctl_cmd fh_ctl_cmd_token;   /* ctl_keys.c: enrolment tokens */
extern const struct fh_ctl_cmd fh_ctl_cmd_peers;   /* ctl_keys.c: registered keys */
extern const struct fh_ctl_cmd fh_ctl_cmd_revoke;  /* ctl_keys.c: revoke a key */

/* Open the node's store read-only from o->data; prints why not and returns 1. */
int fh_ctl_open_store(const struct fh_ctl_opts *o, struct fh_store **st);
/* Hand req to the running collector of o->data (control.h) and wait for its answer
 * (*res, the caller decrefs). Returns 0, or 1 after printing why there is no answer. */
int fh_ctl_request(const struct fh_ctl_opts *o, json_t *req, json_t **res);
/* The same, taking req's reference, then the answer printed: --json as is, else the id
 * (and revision) it made, "ok", or "refused: why" on stderr. Returns the exit code: 0,
 * 1 (no answer), 2 (refused). */
int fh_ctl_request_print(const struct fh_ctl_opts *o, json_t *req);
/* A time (UTC µs) for a person: "2026-11-25 09:30:00Z", "never" for 0 or less. Returns
 * buf (or the static "never"). */
const char *fh_ctl_when(int64_t us, char *buf, size_t len);
/* Print a JSON document as fenghuo-ctl --json does (indented, ASCII, newline). */
void fh_ctl_print_json(json_t *doc);

/* Node path, role and tier, parent and last ack, outbox, children, counters. */
json_t *fh_ctl_status(struct fh_store *st);
/* The tree of units and hosts under the node, with each host's latest health. */
json_t *fh_ctl_units(struct fh_store *st);
/* ctl_rollup.c: add to the units view's list what rollups and the counters kept here
 * say (hosts known only as counts, detections by class, outages, patch state), adding
 * their hosts to *hosts and *stale; {unit: hosts known from rollups} within scope (NULL:
 * all), the caller decrefs. See docs/collector.md "Relay policy and rollups". */
void fh_ctl_units_rollups(struct fh_store *st, json_t *list, uint64_t now_us, int *hosts,
                          int *stale);
json_t *fh_ctl_rollup_hosts(struct fh_store *st, const char *scope);
/* Write every stored report as one JSON object per line to f. Returns 0 or FH_E*. */
int fh_ctl_export(struct fh_store *st, FILE *f);

#endif
