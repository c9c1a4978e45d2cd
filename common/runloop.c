/* runloop.c - signals and closing for the nodes' libuv loops (see runloop.h). */
#include "runloop.h"

#include <signal.h>

#include "log.h"

static void on_signal(uv_signal_t *s, int signum)
{
    fh_log(FH_LOG_INFO, "signal %d: stopping", signum);
    uv_stop(s->loop);
}

void fh_loop_stop_on_signals(uv_loop_t *loop, uv_signal_t sigs[2])
{
    uv_signal_init(loop, &sigs[0]);
    uv_signal_init(loop, &sigs[1]);
    uv_signal_start(&sigs[0], on_signal, SIGTERM);
    uv_signal_start(&sigs[1], on_signal, SIGINT);
}

static void close_one(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void fh_loop_close_all(uv_loop_t *loop)
{
    uv_walk(loop, close_one, NULL);
}
