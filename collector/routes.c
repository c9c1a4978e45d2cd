/* routes.c - children's routing ids by path: an open-addressing hash table (FNV-1a,
 * linear probing, doubled at 1/2 full, at most FH_ROUTES_MAX entries: when full, the
 * least recently seen child is forgotten). */
#include "routes.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

struct entry {
    char *path;                      /* NULL: empty slot */
    uint8_t rid[FH_ROUTE_ID_MAX];
    size_t rid_len;
    uint64_t down_seq;
    uint64_t seen_ms;
};

struct fh_routes {
    struct entry *slots;
    size_t cap, n;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int fh_routes_new(struct fh_routes **out)
{
    struct fh_routes *r = calloc(1, sizeof *r);
    if (!r || !(r->slots = calloc(64, sizeof *r->slots))) {
        free(r);
        return FH_ENOMEM;
    }
    r->cap = 64;
    *out = r;
    return 0;
}

void fh_routes_free(struct fh_routes *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->cap; i++)
        free(r->slots[i].path);
    free(r->slots);
    free(r);
}

static struct entry *slot_for(struct entry *slots, size_t cap, const char *path)
{
    size_t i = hash(path) & (cap - 1);
    while (slots[i].path && strcmp(slots[i].path, path) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(struct fh_routes *r)
{
    size_t cap = r->cap * 2;
    struct entry *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return FH_ENOMEM;
    for (size_t i = 0; i < r->cap; i++)
        if (r->slots[i].path)
            *slot_for(slots, cap, r->slots[i].path) = r->slots[i];
    free(r->slots);
    r->slots = slots;
    r->cap = cap;
    return 0;
}

/* Forget the child seen longest ago (a full table: rare, and only costs a push). */
static void evict_oldest(struct fh_routes *r)
{
    struct entry *old = NULL;
    for (size_t i = 0; i < r->cap; i++)
        if (r->slots[i].path && (!old || r->slots[i].seen_ms < old->seen_ms))
            old = &r->slots[i];
    struct entry *slots = calloc(r->cap, sizeof *slots);
    if (!old || !slots) {
        free(slots);   /* out of memory: keep it, the table only grows past its bound */
        return;
    }
    /* Rebuild without it: linear probing cannot just empty a slot. */
    free(old->path);
    old->path = NULL;
    for (size_t i = 0; i < r->cap; i++)
        if (r->slots[i].path)
            *slot_for(slots, r->cap, r->slots[i].path) = r->slots[i];
    free(r->slots);
    r->slots = slots;
    r->n--;
}

int fh_routes_seen(struct fh_routes *r, const char *path, const uint8_t *rid, size_t rid_len,
                   uint64_t down_seq, uint64_t now_ms)
{
    if (rid_len > FH_ROUTE_ID_MAX)
        return FH_EINVAL;
    struct entry *e = slot_for(r->slots, r->cap, path);
    if (!e->path) {
        if (r->n >= FH_ROUTES_MAX)
            evict_oldest(r);
        if ((r->n + 1) * 2 > r->cap) {
            int err = grow(r);
            if (err)
                return err;
        }
        e = slot_for(r->slots, r->cap, path);
        if (!(e->path = strdup(path)))
            return FH_ENOMEM;
        r->n++;
    }
    memcpy(e->rid, rid, rid_len);
    e->rid_len = rid_len;
    e->down_seq = down_seq;
    e->seen_ms = now_ms;
    return 0;
}

void fh_routes_each(struct fh_routes *r, uint64_t now_ms, uint64_t max_age_ms,
                    void (*fn)(void *arg, const struct fh_route *route), void *arg)
{
    for (size_t i = 0; i < r->cap; i++) {
        const struct entry *e = &r->slots[i];
        if (!e->path || now_ms - e->seen_ms > max_age_ms)
            continue;
        struct fh_route route = {e->path, e->rid, e->rid_len, e->down_seq};
        fn(arg, &route);
    }
}

size_t fh_routes_count(const struct fh_routes *r)
{
    return r->n;
}
