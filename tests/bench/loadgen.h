/* loadgen.h - the parts of fh-loadgen (loadgen.c) that live in files of their own:
 * its command line (lg_opts.c) and the store watcher (lg_watch.c). */
#ifndef FH_BENCH_LOADGEN_H
#define FH_BENCH_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

#define LG_MAX_AGENTS 100000u
#define LG_MAX_UNITS 100000u     /* unit codes 31320UUUUU */

struct lg_opts {
    const char *endpoint;        /* tcp://127.0.0.1:PORT only */
    uint32_t agents, sockets, units, batch, window, body_bytes, retry_ms, watch_ms;
    uint64_t per_agent, total;   /* total 0: per_agent each */
    double rate, duration_s, watch_wait_s;
    const char *prefix, *watch_dir;
    const char *key_dir;         /* --key-dir: CURVE and pre-signed reports (lg_sign.c) */
    int kind;                    /* FH__KIND__KIND_HEALTH or _DETECTION */
    bool json;
};

/* Fill o from the command line, defaults first. Returns 0, or FH_EINVAL after printing
 * why on stderr. --help prints the usage and exits 0. */
int lg_opts_parse(int argc, char **argv, struct lg_opts *o);
void lg_usage(FILE *f);

/* What a run did. Latencies are per report, from the time_us it carries (when it was
 * first sent) to its ack, and (--watch-store) to when the watched node had committed it. */
struct lg_result {
    uint64_t planned, sent, retransmitted;
    uint64_t stored, duplicate, retry, refused;       /* verdicts of the acks */
    uint64_t timeouts, rewinds, bad_acks, stale_acks, connects, disconnects;
    uint64_t env_bytes;                               /* size of one report envelope */
    bool complete;                                    /* every report acknowledged */
    double elapsed_s;                                 /* first send to last ack (or stop) */
    struct hist ack;
    uint64_t observed;                                /* --watch-store */
    bool watch_complete;
    double until_all_durable_s;
    struct hist durable;
};

/* Print r as text, or as one JSON object with o->json (lg_result.c). */
void lg_result_print(const struct lg_opts *o, const struct lg_result *r);

/* A read-only look at another node's LMDB store while that node runs. */
struct lg_watch;

/* Called for each origin of the store's `seqs` database with its mark: every seq up to
 * it is committed at that node. origin is not NUL-terminated; it is valid during the call. */
typedef void (*lg_mark_fn)(const char *origin, size_t len, uint64_t mark, void *arg);

/* Open the store in dir read-only (*out freed by lg_watch_close). Returns 0 or
 * FH_ESTORE after printing why on stderr. */
int lg_watch_open(const char *dir, struct lg_watch **out);
/* One consistent snapshot of what is committed now: fn for every origin. 0 or FH_ESTORE. */
int lg_watch_poll(struct lg_watch *w, lg_mark_fn fn, void *arg);
void lg_watch_close(struct lg_watch *w);

/* --key-dir (lg_sign.c): the CURVE keys (with parent.pub, the collector's key) and the
 * signing key of the directory. */
struct fh_signer;
struct lg_keys {
    char secret[41], public_[41], server[41];
    struct fh_signer *signer;
};
int lg_keys_load(const char *dir, struct lg_keys *k);
/* Envelopes of seqs 1..quota of origin, signed in groups of `group` (one signature
 * each): (*env)[seq - 1], (*env_len)[seq - 1], malloc'd. Returns 0 or FH_E*. */
int lg_presign(const struct lg_keys *k, const char *origin, int kind, const uint8_t *body,
               size_t len, uint64_t quota, uint32_t group, uint64_t time_us, uint8_t ***env,
               size_t **env_len);

#endif
