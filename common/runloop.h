/* runloop.h - what every node's main loop does the same way: stop on SIGTERM/SIGINT,
 * and close every handle left at exit. */
#ifndef FH_RUNLOOP_H
#define FH_RUNLOOP_H

#include <uv.h>

/* Stop loop (uv_stop) on SIGTERM or SIGINT, with a log line. sigs[2] are owned by the
 * caller and closed by fh_loop_close_all(). */
void fh_loop_stop_on_signals(uv_loop_t *loop, uv_signal_t sigs[2]);

/* uv_close every handle of loop not already closing (their close callbacks run on the
 * next uv_run). */
void fh_loop_close_all(uv_loop_t *loop);

#endif
