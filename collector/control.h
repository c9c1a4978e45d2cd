/* control.h - requests from fenghuo-ctl to a running collector.
 *
 * What changes the network (issuing a warning, a person's receipt) must be done by the
 * collector itself: it numbers its own reports, and what it issues goes into its outbox
 * (up) and its down log (down) in one transaction. fenghuo-ctl drops a request file,
 * NAME.req (one JSON object, at most FH_CONTROL_MAX_BYTES), into DATA_DIR/control/
 * (a temporary name first, then rename); the collector takes it within
 * FH_CONTROL_POLL_MS, handles it, writes NAME.res (JSON: {"ok": true, ...} or
 * {"ok": false, "error": "..."}) the same way and deletes the request. The directory is
 * mode 0700: whoever can write there can act as this collector's office.
 *
 * Requests:
 *   {"cmd": "warning", "action": "issue", "level": "yellow", "scope": PATH,
 *    "class": CODE, "watch": TEXT, "measures": TEXT, "deadline_us": N,
 *    "by": NAME, "drill": BOOL}
 *   {"cmd": "warning", "action": "adjust" | "lift", "id": ID, [fields to change]}
 *   {"cmd": "warning_ack", "id": ID, "unit": PATH, "by": NAME}   a person's receipt
 *   {"cmd": "advisory", "advisory": {...advisory.h JSON...}, "by": NAME}   风险通报
 *   {"cmd": "incident", "id": ID, "state": NAME, "note": TEXT,
 *    "summary_report": {...}}          a person moves an incident made here along */
#ifndef FH_CONTROL_H
#define FH_CONTROL_H

#include <stdbool.h>
#include <uv.h>

#include "incidents.h"
#include "store.h"

#define FH_CONTROL_MAX_BYTES (64 * 1024)
#define FH_CONTROL_POLL_MS 200
#define FH_CONTROL_PER_TICK 16

struct fh_control;

struct fh_control_opts {
    const char *data_dir;
    const char *self;        /* the collector's scope path */
    bool top;                /* no parent: the top tier of its deployment */
    struct fh_store *st;
    struct fh_incidents *incidents;  /* for incident updates; NULL: refused */
    void (*changed)(void *arg);  /* called after a request committed reports */
    void *arg;
};

/* Create DATA_DIR/control and poll it on loop. The caller keeps st alive until the loop
 * has closed the control's handles (fh_loop_close_all), then frees it with
 * fh_control_free(). */
int fh_control_start(uv_loop_t *loop, const struct fh_control_opts *o, struct fh_control **out);
void fh_control_free(struct fh_control *c);

#endif
