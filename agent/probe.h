/* probe.h - what a probe is, and how it hands the agent a report.
 *
 * A probe is one file under agent/probes/ that fills in one const struct fh_probe and
 * is listed once in agent/probes/probes.c. The agent:
 *   1. adds the probe's config keys (its own INI section) to the config it loads,
 *      into a zeroed buffer of conf_size bytes;
 *   2. calls init(conf, &state, &interval_s) once; a probe that is disabled in its
 *      config returns FH_ENOTFOUND and is skipped;
 *   3. calls collect(state, sink) every interval_s seconds on the agent's loop; collect
 *      builds body messages and passes each to sink->emit(), which encodes the body,
 *      wraps it in an Envelope with the next seq and commits it to the outbox before
 *      returning (the body is not kept: the probe frees what it built);
 *   4. if the probe has start(), calls start(state, loop, sink) once after init: a probe
 *      that watches (uv_fs_event on a web root, a Unix socket for fenghuo-ctl submit)
 *      opens its libuv handles there, inside its state, and emits through sink from
 *      their callbacks on the loop. The agent closes every handle of the loop at exit
 *      (uv_walk + uv_close) and runs the loop until they are closed, before destroy();
 *   5. calls destroy(state) at exit.
 * collect must return quickly (bounded work), unless the probe is `threaded`; it returns
 * 0 or a negative FH_E*. */
#ifndef FH_PROBE_H
#define FH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

struct uv_loop_s;

#include "config.h"
#include "fenghuo.pb-c.h"

struct fh_probe_sink {
    /* Commit one report of the given kind. Returns 0 or a negative FH_E*. */
    int (*emit)(struct fh_probe_sink *sink, Fh__Kind kind, const ProtobufCMessage *body);
    void *agent;
    uint64_t last_seq;   /* the loop's sink: seq of the report emit last committed */
    /* The advisories (风险通报) this host received, for a probe that checks them
     * (.checks_advisories): fn for each, in a read transaction of the agent's store; fn
     * may emit. Returns 0 or fn's error. Both sinks have it. */
    int (*each_advisory)(struct fh_probe_sink *sink,
                         int (*fn)(void *arg, const Fh__Advisory *a), void *arg);
    const char *self_path;   /* this host's path */
};

struct fh_probe {
    const char *name;                      /* also its config section */
    const struct fh_config_key *keys;      /* its section's keys */
    size_t nkeys;
    size_t conf_size;                      /* bytes of its config struct */
    int (*init)(const void *conf, void **state, uint32_t *interval_s);
    int (*collect)(void *state, struct fh_probe_sink *sink);
    void (*destroy)(void *state);
    /* optional (NULL): open the probe's own handles on the agent's loop; its callbacks
     * run on the loop and may emit through sink (the loop's sink: never the worker's).
     * A threaded probe whose handles touch its state must keep what they share apart
     * from what collect touches in the worker (or hand it over under a mutex). */
    int (*start)(void *state, struct uv_loop_s *loop, struct fh_probe_sink *sink);
    bool on_demand;   /* reports only what it is handed (spool): --max-reports spares it */
    bool checks_advisories;  /* collect answers advisories (each_advisory): the agent runs
                              * it at once when a new advisory arrives */
    bool threaded;    /* collect may block (runs a package manager, hashes files): run it
                       * in libuv's thread pool; what it emits is committed on the loop
                       * afterwards. Its state is touched by one thread at a time. */
};

/* The list, NULL-terminated (agent/probes/probes.c). */
extern const struct fh_probe *const fh_probes[];

#endif
