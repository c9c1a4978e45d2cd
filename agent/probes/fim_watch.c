/* fim_watch.c - the live side of fim: inotify watches on the loop, dirty paths for the
 * worker (fim.h).
 *
 * inotify is not recursive, so every directory gets a uv_fs_event of its own, at most
 * max_watches; past that a line is logged once and those directories are only seen by
 * the periodic rescan. Which directories to watch is the worker's knowledge (it walks
 * the trees): it queues requests under the mutex and a timer on the loop applies them
 * every WATCH_TICK_MS, so no libuv handle is ever touched outside the loop. A new watch
 * marks its directory dirty, so whatever was created between the walk and the watch is
 * listed again.
 *
 * An event never does work on the loop: it marks "DIR/NAME" (or DIR when the event has
 * no name) dirty with the time, under the mutex, in a hash set of at most FIM_DIRTY_MAX
 * paths; when full, `overflowed` is set and the worker walks everything. The worker
 * takes the paths untouched for FIM_SETTLE_MS (a file being written is taken once it
 * rests), copying them out before it lets go of the mutex.
 *
 * Shared under `mu`: the dirty set, the request queue, `overflowed`. Loop only: the
 * watch table and the timer. Handles are freed by destroy after the agent closed them,
 * or by their close callback when a directory went away. */
#include "fim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "err.h"
#include "log.h"

#define WATCH_TICK_MS 250
#define BUCKETS 4096               /* both tables; chains stay short up to ~16k */
#define TAKE_BATCH_MAX 1024        /* paths copied out of the set per take */

struct dirty {
    struct dirty *next;
    uint64_t last_ms;
    char path[];
};

struct wnode {
    uv_fs_event_t h;
    struct fim_watch *w;
    struct wnode *next;
    char path[];
};

struct request {
    char *path;
    bool watch;
};

struct fim_watch {
    char prefix[FIM_PREFIX_MAX];
    size_t max_watches;
    pthread_mutex_t mu;
    /* under mu */
    struct dirty *dirty[BUCKETS];
    size_t ndirty;
    bool overflowed;
    struct request *reqs;
    size_t nreqs, reqs_cap;
    uint64_t reqs_dropped;
    /* loop only */
    uv_timer_t tick;
    bool started;
    struct wnode *watches[BUCKETS];
    size_t nwatches;
    bool warned_max;
    struct fh_log_limit err_log;
};

static size_t hash(const char *s)
{
    size_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h % BUCKETS;
}

int fim_watch_new(const char *prefix, size_t max_watches, struct fim_watch **out)
{
    struct fim_watch *w = calloc(1, sizeof *w);
    if (!w)
        return FH_ENOMEM;
    snprintf(w->prefix, sizeof w->prefix, "%s", prefix);
    w->max_watches = max_watches;
    pthread_mutex_init(&w->mu, NULL);
    *out = w;
    return 0;
}

void fim_watch_free(struct fim_watch *w)
{
    if (!w)
        return;
    for (size_t b = 0; b < BUCKETS; b++) {
        for (struct dirty *d = w->dirty[b], *n; d; d = n) {
            n = d->next;
            free(d);
        }
        for (struct wnode *x = w->watches[b], *n; x; x = n) {
            n = x->next;
            free(x);   /* closed by the agent's close of every handle */
        }
    }
    for (size_t i = 0; i < w->nreqs; i++)
        free(w->reqs[i].path);
    free(w->reqs);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

void fim_watch_mark(struct fim_watch *w, const char *path)
{
    size_t n = strlen(path), b = hash(path);
    if (n >= FIM_PATH_MAX)
        return;
    uint64_t now = fh_mono_ms();
    pthread_mutex_lock(&w->mu);
    struct dirty *d = w->dirty[b];
    while (d && strcmp(d->path, path) != 0)
        d = d->next;
    if (d) {
        d->last_ms = now;
    } else if (w->ndirty >= FIM_DIRTY_MAX) {
        w->overflowed = true;
    } else if ((d = malloc(sizeof *d + n + 1))) {
        memcpy(d->path, path, n + 1);
        d->last_ms = now;
        d->next = w->dirty[b];
        w->dirty[b] = d;
        w->ndirty++;
    } else {
        w->overflowed = true;
    }
    pthread_mutex_unlock(&w->mu);
}

size_t fim_watch_take(struct fim_watch *w, uint64_t now_ms, size_t max,
                      void (*fn)(void *arg, const char *path), void *arg)
{
    struct dirty *taken = NULL;
    size_t n = 0;
    if (max > TAKE_BATCH_MAX)
        max = TAKE_BATCH_MAX;
    pthread_mutex_lock(&w->mu);
    for (size_t b = 0; b < BUCKETS && n < max && w->ndirty; b++) {
        for (struct dirty **pp = &w->dirty[b]; *pp && n < max;) {
            struct dirty *d = *pp;
            if (now_ms - d->last_ms < FIM_SETTLE_MS) {
                pp = &d->next;
                continue;
            }
            *pp = d->next;
            d->next = taken;
            taken = d;
            w->ndirty--;
            n++;
        }
    }
    pthread_mutex_unlock(&w->mu);
    for (struct dirty *d = taken, *next; d; d = next) {
        next = d->next;
        fn(arg, d->path);
        free(d);
    }
    return n;
}

bool fim_watch_overflowed(struct fim_watch *w)
{
    pthread_mutex_lock(&w->mu);
    bool o = w->overflowed;
    w->overflowed = false;
    pthread_mutex_unlock(&w->mu);
    return o;
}

void fim_watch_request(struct fim_watch *w, const char *dir, bool watch)
{
    if (w->max_watches == 0)
        return;
    pthread_mutex_lock(&w->mu);
    if (w->nreqs == w->reqs_cap && w->reqs_cap < FIM_WATCH_REQ_MAX) {
        size_t cap = w->reqs_cap ? w->reqs_cap * 2 : 64;
        struct request *r = realloc(w->reqs, cap * sizeof *r);
        if (r) {
            w->reqs = r;
            w->reqs_cap = cap;
        }
    }
    char *p = w->nreqs < w->reqs_cap ? strdup(dir) : NULL;
    if (p)
        w->reqs[w->nreqs++] = (struct request){p, watch};
    else
        w->reqs_dropped++;   /* the rescan will ask again */
    pthread_mutex_unlock(&w->mu);
}

size_t fim_watch_count(const struct fim_watch *w)
{
    return w->nwatches;
}

/* ---- on the loop ---- */

static void on_event(uv_fs_event_t *h, const char *filename, int events, int status)
{
    struct wnode *x = h->data;
    char path[FIM_PATH_MAX + 2];
    (void)events;
    if (status < 0) {
        fh_log_limited(&x->w->err_log, 600, FH_LOG_WARN, "fim: watching %s: %s", x->path,
                       uv_strerror(status));
        return;
    }
    if (filename && *filename)
        snprintf(path, sizeof path, "%s/%s", x->path, filename);
    else
        snprintf(path, sizeof path, "%s", x->path);
    fim_watch_mark(x->w, path);
}

static struct wnode **find(struct fim_watch *w, const char *path)
{
    struct wnode **pp = &w->watches[hash(path)];
    while (*pp && strcmp((*pp)->path, path) != 0)
        pp = &(*pp)->next;
    return pp;
}

static void free_closed(uv_handle_t *h)
{
    free(h->data);
}

static void add_watch(struct fim_watch *w, const char *path)
{
    struct wnode **pp = find(w, path);
    char disk[FIM_PREFIX_MAX + FIM_PATH_MAX];
    size_t n = strlen(path);
    if (*pp)
        return;
    if (w->nwatches >= w->max_watches) {
        if (!w->warned_max)
            fh_log(FH_LOG_WARN, "fim: max_watches (%zu) reached: directories beyond it "
                   "are seen by the periodic rescan only", w->max_watches);
        w->warned_max = true;
        return;
    }
    struct wnode *x = calloc(1, sizeof *x + n + 1);
    if (!x)
        return;
    memcpy(x->path, path, n + 1);
    x->w = w;
    snprintf(disk, sizeof disk, "%s%s", w->prefix, path);
    uv_fs_event_init(w->tick.loop, &x->h);
    x->h.data = x;
    int rc = uv_fs_event_start(&x->h, on_event, disk, 0);
    if (rc < 0) {
        fh_log_limited(&w->err_log, 600, FH_LOG_WARN, "fim: cannot watch %s: %s (seen by "
                       "the rescan only)", path, uv_strerror(rc));
        uv_close((uv_handle_t *)&x->h, free_closed);
        return;
    }
    *pp = x;
    w->nwatches++;
    fim_watch_mark(w, path);   /* list it again: what came before the watch */
}

static void drop_watch(struct fim_watch *w, const char *path)
{
    struct wnode **pp = find(w, path), *x = *pp;
    if (!x)
        return;
    *pp = x->next;
    w->nwatches--;
    uv_close((uv_handle_t *)&x->h, free_closed);
}

static void on_tick(uv_timer_t *t)
{
    struct fim_watch *w = t->data;
    struct request *reqs;
    size_t n;
    pthread_mutex_lock(&w->mu);
    reqs = w->reqs;
    n = w->nreqs;
    w->reqs = NULL;
    w->nreqs = w->reqs_cap = 0;
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].watch)
            add_watch(w, reqs[i].path);
        else
            drop_watch(w, reqs[i].path);
        free(reqs[i].path);
    }
    free(reqs);
}

int fim_watch_start(struct fim_watch *w, struct uv_loop_s *loop)
{
    if (w->max_watches == 0)
        return 0;
    if (uv_timer_init(loop, &w->tick) != 0)
        return FH_EIO;
    w->tick.data = w;
    w->started = true;
    return uv_timer_start(&w->tick, on_tick, WATCH_TICK_MS, WATCH_TICK_MS) ? FH_EIO : 0;
}
