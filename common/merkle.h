/* merkle.h - the hash tree under a signed batch of reports (docs/security.md,
 * "Signatures").
 *
 * An origin signs what it commits together (a "group": one report, or a probe round's
 * reports) with one Ed25519 signature over the root of a binary SHA-256 tree whose
 * leaves are its reports. Each report carries its leaf index, the group's leaf count and
 * the sibling hashes on its path (the envelope's Proof), so any tier checks it alone:
 * a few SHA-256 to climb to the root, one signature check per root.
 *
 *   leaf = SHA-256(0x00 | be32 len(origin) | origin | be64 seq | be64 time_us |
 *                  be32 kind | SHA-256(body))
 *   node = SHA-256(0x01 | left | right)
 *
 * The leaf covers every field of the envelope but the proof, so no relay can change the
 * origin, seq, time, kind or body of a report without the root changing. Levels pair
 * nodes left to right; an odd last node goes up unchanged (it has no sibling at that
 * level), so a proof has between 0 and FH_MERKLE_MAX_DEPTH siblings, their number fixed
 * by (index, count). The 0x00 / 0x01 prefixes keep a leaf from passing for a node. */
#ifndef FH_MERKLE_H
#define FH_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define FH_HASH_LEN 32
#define FH_MERKLE_MAX_DEPTH 16                          /* siblings in a proof at most */
#define FH_MERKLE_MAX_LEAVES (1u << FH_MERKLE_MAX_DEPTH) /* reports under one signature */

typedef uint8_t fh_hash[FH_HASH_LEN];

/* The leaf of one report. origin must be NUL-terminated (a valid path). */
void fh_merkle_leaf(const char *origin, uint64_t seq, uint64_t time_us, int kind,
                    const uint8_t *body, size_t len, fh_hash out);

/* The node above left and right. out may be either of them. */
void fh_merkle_node(const fh_hash left, const fh_hash right, fh_hash out);

/* The root of n leaves (1..FH_MERKLE_MAX_LEAVES). Returns 0, FH_EINVAL, FH_ENOMEM. */
int fh_merkle_root(const fh_hash *leaves, size_t n, fh_hash root);

/* The siblings of leaf index among n leaves into sib[FH_MERKLE_MAX_DEPTH], their number
 * in *nsib. Returns 0, FH_EINVAL, FH_ENOMEM. */
int fh_merkle_proof(const fh_hash *leaves, size_t n, size_t index, fh_hash *sib,
                    size_t *nsib);

/* The root and every leaf's proof at once (n log n hashes instead of n^2): sib[i][k],
 * nsib[i] for leaf i (arrays of n). Returns 0, FH_EINVAL, FH_ENOMEM. */
int fh_merkle_all(const fh_hash *leaves, size_t n, fh_hash root,
                  fh_hash (*sib)[FH_MERKLE_MAX_DEPTH], size_t *nsib);

/* How many siblings the proof of leaf index among count leaves has (0 when index >= count
 * or count is 0 or over the bound: such a proof is refused anyway). */
size_t fh_merkle_depth(uint64_t index, uint64_t count);

/* Climb from leaf at index among count leaves with the nsib siblings to the root.
 * Returns 0, or FH_EMALFORMED when count is 0 or over FH_MERKLE_MAX_LEAVES, index is not
 * below count, or nsib is not what (index, count) needs. */
int fh_merkle_climb(const fh_hash leaf, uint64_t index, uint64_t count, const fh_hash *sib,
                    size_t nsib, fh_hash root);

#endif
