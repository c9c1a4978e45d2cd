/* ctl.h - the views of fenghuo-ctl, each built as JSON from a node's store.
 *
 * fenghuo-ctl opens the node's LMDB read-only (it works while the node runs: LMDB gives
 * readers a consistent snapshot) and builds one JSON document per command; --json
 * prints it as is, otherwise ctl.c renders it for a person. */
#ifndef FH_CTL_H
#define FH_CTL_H

#include <jansson.h>
#include <stdio.h>

#include "store.h"

/* Node path, role and tier, parent and last ack, outbox, children, counters. */
json_t *fh_ctl_status(struct fh_store *st);
/* The tree of units and hosts under the node, with each host's latest health. */
json_t *fh_ctl_units(struct fh_store *st);
/* Write every stored report as one JSON object per line to f. Returns 0 or FH_E*. */
int fh_ctl_export(struct fh_store *st, FILE *f);

#endif
