/* lg_sign.c - fh-loadgen --key-dir: CURVE keys, and every report signed before the clock
 * starts (see loadgen.h).
 *
 * A real agent signs its reports as it commits them, on its own CPU; the load generator
 * plays a thousand agents on one process and must not be slowed by their signing, so it
 * signs everything at start: each agent's reports in groups of --batch (one Ed25519
 * signature per group, a Merkle proof per report: what an agent committing a probe round
 * of that size sends). The collector's side, checking, is what the benchmark measures.
 * The envelopes carry the time of signing; latencies are still measured from each
 * report's first send (loadgen.c keeps those times apart). */
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "keys.h"
#include "loadgen.h"
#include "report.h"
#include "signer.h"

int lg_keys_load(const char *dir, struct lg_keys *k)
{
    char why[600], file[1024];
    struct fh_keys keys;
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_PARENT_PUBLIC);
    if (fh_keys_load(dir, &keys, why, sizeof why) != 0 ||
        fh_keys_read_public(file, k->server) != 0 ||
        fh_signer_load(dir, &k->signer, why, sizeof why) != 0) {
        fprintf(stderr, "fh-loadgen: --key-dir %s: no usable keys (with parent.pub)\n", dir);
        return FH_ECONFIG;
    }
    snprintf(k->secret, sizeof k->secret, "%s", keys.curve_secret);
    snprintf(k->public_, sizeof k->public_, "%s", keys.curve_public);
    fh_keys_wipe(&keys);
    return 0;
}

int lg_presign(const struct lg_keys *k, const char *origin, int kind, const uint8_t *body,
               size_t len, uint64_t quota, uint32_t group, uint64_t time_us, uint8_t ***env,
               size_t **env_len)
{
    struct fh_sign_item items[FH_MAX_BATCH];
    if (group == 0 || group > FH_MAX_BATCH)
        return FH_EINVAL;
    *env = calloc(quota ? quota : 1, sizeof **env);
    *env_len = calloc(quota ? quota : 1, sizeof **env_len);
    if (!*env || !*env_len)
        return FH_ENOMEM;
    for (uint64_t first = 1; first <= quota; first += group) {
        uint32_t n = quota - first + 1 < group ? (uint32_t)(quota - first + 1) : group;
        for (uint32_t i = 0; i < n; i++)
            items[i] = (struct fh_sign_item){.origin = origin, .seq = first + i,
                                             .time_us = time_us, .kind = kind,
                                             .body = body, .len = len};
        int err = fh_sign_encode(k->signer, items, n, *env + first - 1, *env_len + first - 1);
        if (err)
            return err;
    }
    return 0;
}
