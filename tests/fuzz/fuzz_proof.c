/* fuzz_proof.c - the Merkle proof decoder: fh_proof_root() on a received envelope.
 *
 * What every tier does before storing a report (sig.h): decode the envelope with the
 * bounded checks of fh_report_decode(), then check its Proof (key id and signature
 * lengths, leaf_count within FH_MERKLE_MAX_LEAVES, leaf_index below it, exactly the
 * siblings (index, count) needs, each FH_HASH_LEN bytes) and climb from the report's
 * leaf to the root; a root that comes out is checked against a fixed public key (any
 * 32 bytes must be a refusal or an answer, never a crash). Seeds: signed envelopes of a
 * group of one and of a group of three (tests/fuzz/corpus/proof/). */
#include "fuzz.h"

#include "log.h"
#include "merkle.h"
#include "report.h"
#include "signer.h"

static const uint8_t KEY[FH_ED25519_LEN] = {
    0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
    0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fh_log_init("fuzz", FH_LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fh__Envelope *env = NULL;
    enum fh_counter why;
    if (fh_report_decode(data, size, &env, &why) != 0)
        return 0;
    fh_hash root;
    if (fh_proof_root(env, root) == 0) {
        if (env->proof->leaf_count == 0 || env->proof->leaf_index >= env->proof->leaf_count)
            abort();   /* the decoder let an impossible position through */
        (void)fh_sign_verify_root(KEY, root, env->proof->leaf_count,
                                  env->proof->root_sig.data);
    }
    fh__envelope__free_unpacked(env, NULL);
    return 0;
}
