/* merkle.c - the hash tree of a signed group of reports (see merkle.h).
 *
 * Built level by level in one array of n hashes, overwritten in place: node i of the
 * next level is made from nodes 2i and 2i+1 of this one, or is node 2i itself when that
 * is the odd last one. A proof records, climbing, the sibling of the path's node at each
 * level that has one. */
#include "merkle.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "path.h"

static void be32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

void fh_merkle_leaf(const char *origin, uint64_t seq, uint64_t time_us, int kind,
                    const uint8_t *body, size_t len, fh_hash out)
{
    uint8_t buf[1 + 4 + FH_PATH_MAX + 8 + 8 + 4 + FH_HASH_LEN];
    size_t olen = strnlen(origin, FH_PATH_MAX);
    size_t n = 0;
    buf[n++] = 0x00;
    be32(buf + n, (uint32_t)olen);
    n += 4;
    memcpy(buf + n, origin, olen);
    n += olen;
    be64(buf + n, seq);
    n += 8;
    be64(buf + n, time_us);
    n += 8;
    be32(buf + n, (uint32_t)kind);
    n += 4;
    SHA256(len ? body : (const uint8_t *)"", len, buf + n);
    n += FH_HASH_LEN;
    SHA256(buf, n, out);
}

void fh_merkle_node(const fh_hash left, const fh_hash right, fh_hash out)
{
    uint8_t buf[1 + 2 * FH_HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left, FH_HASH_LEN);
    memcpy(buf + 1 + FH_HASH_LEN, right, FH_HASH_LEN);
    SHA256(buf, sizeof buf, out);
}

/* Replace level[0..n) by the next level; returns its size. */
static size_t up(fh_hash *level, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i += 2, m++) {
        if (i + 1 < n)
            fh_merkle_node(level[i], level[i + 1], level[m]);
        else if (m != i)
            memcpy(level[m], level[i], FH_HASH_LEN);
    }
    return m;
}

static int walk(const fh_hash *leaves, size_t n, size_t index, fh_hash root, fh_hash *sib,
                size_t *nsib)
{
    if (n == 0 || n > FH_MERKLE_MAX_LEAVES || index >= n)
        return FH_EINVAL;
    fh_hash *level = malloc(n * sizeof *level);
    if (!level)
        return FH_ENOMEM;
    memcpy(level, leaves, n * sizeof *level);
    size_t k = 0;
    while (n > 1) {
        if (sib && (index ^ 1u) < n)
            memcpy(sib[k++], level[index ^ 1u], FH_HASH_LEN);
        n = up(level, n);
        index /= 2;
    }
    if (root)
        memcpy(root, level[0], FH_HASH_LEN);
    if (nsib)
        *nsib = k;
    free(level);
    return 0;
}

int fh_merkle_root(const fh_hash *leaves, size_t n, fh_hash root)
{
    return walk(leaves, n, 0, root, NULL, NULL);
}

int fh_merkle_proof(const fh_hash *leaves, size_t n, size_t index, fh_hash *sib,
                    size_t *nsib)
{
    return walk(leaves, n, index, NULL, sib, nsib);
}

int fh_merkle_all(const fh_hash *leaves, size_t n, fh_hash root,
                  fh_hash (*sib)[FH_MERKLE_MAX_DEPTH], size_t *nsib)
{
    if (n == 0 || n > FH_MERKLE_MAX_LEAVES)
        return FH_EINVAL;
    fh_hash *level = malloc(n * sizeof *level);
    if (!level)
        return FH_ENOMEM;
    memcpy(level, leaves, n * sizeof *level);
    for (size_t i = 0; i < n; i++)
        nsib[i] = 0;
    for (size_t m = n, shift = 0; m > 1; m = up(level, m), shift++)
        for (size_t i = 0; i < n; i++) {
            size_t pos = i >> shift;
            if ((pos ^ 1u) < m)
                memcpy(sib[i][nsib[i]++], level[pos ^ 1u], FH_HASH_LEN);
        }
    memcpy(root, level[0], FH_HASH_LEN);
    free(level);
    return 0;
}

size_t fh_merkle_depth(uint64_t index, uint64_t count)
{
    size_t k = 0;
    if (count == 0 || count > FH_MERKLE_MAX_LEAVES || index >= count)
        return 0;
    for (; count > 1; index /= 2, count = (count + 1) / 2)
        k += (index ^ 1u) < count;
    return k;
}

int fh_merkle_climb(const fh_hash leaf, uint64_t index, uint64_t count, const fh_hash *sib,
                    size_t nsib, fh_hash root)
{
    if (count == 0 || count > FH_MERKLE_MAX_LEAVES || index >= count ||
        nsib != fh_merkle_depth(index, count))
        return FH_EMALFORMED;
    fh_hash cur;
    memcpy(cur, leaf, FH_HASH_LEN);
    size_t k = 0;
    for (; count > 1; index /= 2, count = (count + 1) / 2) {
        if ((index ^ 1u) >= count)
            continue;   /* the odd last node: goes up unchanged */
        if (index & 1u)
            fh_merkle_node(sib[k], cur, cur);
        else
            fh_merkle_node(cur, sib[k], cur);
        k++;
    }
    memcpy(root, cur, FH_HASH_LEN);
    return 0;
}
