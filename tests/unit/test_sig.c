/* test_sig.c - the hash tree (merkle.h), group signatures and the proof decoder
 * (signer.h), and a node's checks and key records (sig.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "keys.h"
#include "log.h"
#include "merkle.h"
#include "peers.h"
#include "report.h"
#include "sig.h"
#include "signer.h"
#include "store.h"
#include "tmpdir.h"

#define COUNTY "320000/320100/320102"
#define SCHOOL COUNTY "/3132000001"
#define HOST SCHOOL "/pc-01"
#define MAX_N 40

static void leaves_of(size_t n, fh_hash *l)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t body[8] = {(uint8_t)i, 1, 2, 3};
        fh_merkle_leaf(HOST, i + 1, 1000 + i, FH__KIND__KIND_HEALTH, body, sizeof body, l[i]);
    }
}

/* ---- merkle ---- */

static void every_leaf_of_1_to_40_climbs_to_the_root(void **state)
{
    (void)state;
    fh_hash l[MAX_N], root, got, sib[FH_MERKLE_MAX_DEPTH], all[MAX_N][FH_MERKLE_MAX_DEPTH];
    size_t nall[MAX_N];
    leaves_of(MAX_N, l);
    for (size_t n = 1; n <= MAX_N; n++) {
        assert_int_equal(fh_merkle_root((const fh_hash *)l, n, root), 0);
        assert_int_equal(fh_merkle_all((const fh_hash *)l, n, got, all, nall), 0);
        assert_memory_equal(got, root, FH_HASH_LEN);
        for (size_t i = 0; i < n; i++) {
            size_t nsib = 99;
            assert_int_equal(fh_merkle_proof((const fh_hash *)l, n, i, sib, &nsib), 0);
            assert_int_equal(nsib, fh_merkle_depth(i, n));
            assert_int_equal(nall[i], nsib);   /* all at once: the same proofs */
            if (nsib)
                assert_memory_equal(all[i], sib, nsib * FH_HASH_LEN);
            assert_int_equal(fh_merkle_climb(l[i], i, n, (const fh_hash *)sib, nsib, got), 0);
            assert_memory_equal(got, root, FH_HASH_LEN);
        }
    }
}

static void one_leaf_is_its_own_root(void **state)
{
    (void)state;
    fh_hash l[1], root;
    leaves_of(1, l);
    assert_int_equal(fh_merkle_root((const fh_hash *)l, 1, root), 0);
    assert_memory_equal(root, l[0], FH_HASH_LEN);
    assert_int_equal(fh_merkle_depth(0, 1), 0);
}

static void odd_last_leaf_goes_up_without_a_sibling(void **state)
{
    (void)state;
    /* 3 leaves: leaf 2 has no sibling on level 0, one (the node of 0 and 1) on level 1 */
    assert_int_equal(fh_merkle_depth(2, 3), 1);
    assert_int_equal(fh_merkle_depth(0, 3), 2);
    assert_int_equal(fh_merkle_depth(4, 5), 1);
    assert_int_equal(fh_merkle_depth(0, 8), 3);
}

static void tampered_leaf_sibling_or_index_gives_another_root(void **state)
{
    (void)state;
    fh_hash l[7], root, got, sib[FH_MERKLE_MAX_DEPTH];
    size_t nsib;
    leaves_of(7, l);
    fh_merkle_root((const fh_hash *)l, 7, root);
    fh_merkle_proof((const fh_hash *)l, 7, 3, sib, &nsib);
    fh_hash bad;
    memcpy(bad, l[3], FH_HASH_LEN);
    bad[0] ^= 1;
    fh_merkle_climb(bad, 3, 7, (const fh_hash *)sib, nsib, got);
    assert_memory_not_equal(got, root, FH_HASH_LEN);
    sib[1][5] ^= 0x80;
    fh_merkle_climb(l[3], 3, 7, (const fh_hash *)sib, nsib, got);
    assert_memory_not_equal(got, root, FH_HASH_LEN);
    sib[1][5] ^= 0x80;
    fh_merkle_climb(l[3], 2, 7, (const fh_hash *)sib, nsib, got);   /* another index */
    assert_memory_not_equal(got, root, FH_HASH_LEN);
}

static void malformed_proofs_are_refused(void **state)
{
    (void)state;
    fh_hash l[4], got, sib[FH_MERKLE_MAX_DEPTH];
    size_t nsib;
    leaves_of(4, l);
    fh_merkle_proof((const fh_hash *)l, 4, 1, sib, &nsib);
    assert_int_equal(fh_merkle_climb(l[1], 1, 4, (const fh_hash *)sib, nsib - 1, got),
                     FH_EMALFORMED);
    assert_int_equal(fh_merkle_climb(l[1], 4, 4, (const fh_hash *)sib, nsib, got), FH_EMALFORMED);
    assert_int_equal(fh_merkle_climb(l[1], 0, 0, (const fh_hash *)sib, 0, got), FH_EMALFORMED);
    assert_int_equal(fh_merkle_climb(l[1], 0, FH_MERKLE_MAX_LEAVES + 1ull,
                                     (const fh_hash *)sib, 0, got), FH_EMALFORMED);
    assert_int_equal(fh_merkle_root((const fh_hash *)l, 0, got), FH_EINVAL);
    assert_int_equal(fh_merkle_proof((const fh_hash *)l, 4, 4, sib, &nsib), FH_EINVAL);
}

/* ---- signer ---- */

static struct fh_signer *signer_in(const char *name)
{
    char dir[128], err[256];
    struct fh_signer *s = NULL;
    snprintf(dir, sizeof dir, "%s/%s", fh_test_dir, name);
    assert_int_equal(fh_keys_generate(dir, false, err, sizeof err), 0);
    assert_int_equal(fh_signer_load(dir, &s, err, sizeof err), 0);
    return s;
}

static Fh__Envelope *encode_one(const struct fh_signer *s, const char *origin, uint64_t seq,
                                uint64_t time_us, int kind, const ProtobufCMessage *body)
{
    uint8_t b[512], *env;
    size_t blen = body ? protobuf_c_message_pack(body, b) : 0, len;
    struct fh_sign_item it = {origin, seq, time_us, kind, b, blen};
    assert_int_equal(fh_sign_encode(s, &it, 1, &env, &len), 0);
    Fh__Envelope *e = fh__envelope__unpack(NULL, len, env);
    free(env);
    assert_non_null(e);
    return e;
}

static void a_group_shares_one_root_and_signature(void **state)
{
    (void)state;
    struct fh_signer *s = signer_in("k");
    enum { N = 5 };
    uint8_t body[N][4], *out[N];
    size_t len[N];
    struct fh_sign_item it[N];
    for (int i = 0; i < N; i++) {
        memset(body[i], i, 4);
        it[i] = (struct fh_sign_item){HOST, 10 + (uint64_t)i, 77, FH__KIND__KIND_HEALTH, body[i],
                                      4};
    }
    assert_int_equal(fh_sign_encode(s, it, N, out, len), 0);
    fh_hash root0, root;
    for (int i = 0; i < N; i++) {
        Fh__Envelope *e = fh__envelope__unpack(NULL, len[i], out[i]);
        assert_non_null(e);
        assert_int_equal(e->proof->leaf_index, i);
        assert_int_equal(e->proof->leaf_count, N);
        assert_memory_equal(e->proof->key_id.data, fh_signer_key_id(s), FH_KEY_ID_LEN);
        assert_int_equal(fh_proof_root(e, i ? root : root0), 0);
        if (i)
            assert_memory_equal(root, root0, FH_HASH_LEN);
        assert_true(fh_sign_verify_root(fh_signer_public(s), root0, N, e->proof->root_sig.data));
        assert_false(fh_sign_verify_root(fh_signer_public(s), root0, N + 1,
                                         e->proof->root_sig.data));
        e->seq++;   /* any changed field changes the leaf, so the root */
        assert_int_equal(fh_proof_root(e, root), 0);
        assert_memory_not_equal(root, root0, FH_HASH_LEN);
        fh__envelope__free_unpacked(e, NULL);
        free(out[i]);
    }
    assert_int_equal(fh_sign_encode(s, it, 0, out, len), FH_EINVAL);
    fh_signer_free(s);
}

static void the_proof_decoder_refuses_what_is_out_of_bounds(void **state)
{
    (void)state;
    struct fh_signer *s = signer_in("k");
    fh_hash root;
    Fh__Envelope *e = encode_one(NULL, HOST, 1, 1, FH__KIND__KIND_HEALTH, NULL);
    assert_null(e->proof);
    assert_int_equal(fh_proof_root(e, root), FH_EMALFORMED);   /* unsigned */
    fh__envelope__free_unpacked(e, NULL);
    e = encode_one(s, HOST, 1, 1, FH__KIND__KIND_HEALTH, NULL);
    assert_int_equal(fh_proof_root(e, root), 0);
    e->proof->key_id.len = 7;
    assert_int_equal(fh_proof_root(e, root), FH_EMALFORMED);
    e->proof->key_id.len = FH_KEY_ID_LEN;
    e->proof->root_sig.len = 63;
    assert_int_equal(fh_proof_root(e, root), FH_EMALFORMED);
    e->proof->root_sig.len = FH_SIG_LEN;
    e->proof->leaf_count = 2;   /* a sibling is now due, and missing */
    assert_int_equal(fh_proof_root(e, root), FH_EMALFORMED);
    e->proof->leaf_count = 0;
    assert_int_equal(fh_proof_root(e, root), FH_EMALFORMED);
    e->proof->leaf_count = 1;
    size_t saved = e->proof->n_siblings;
    e->proof->n_siblings = FH_MERKLE_MAX_DEPTH + 1;
    assert_int_equal(fh_proof_root(e, root), FH_EMALFORMED);
    e->proof->n_siblings = saved;
    fh__envelope__free_unpacked(e, NULL);
    fh_signer_free(s);
}

static void a_public_key_file_round_trips(void **state)
{
    (void)state;
    struct fh_signer *s = signer_in("k");
    char file[128];
    uint8_t pub[FH_ED25519_LEN];
    assert_int_equal(fh_sign_write_public(fh_test_dir, "p.pub", fh_signer_public(s)), 0);
    snprintf(file, sizeof file, "%s/p.pub", fh_test_dir);
    assert_int_equal(fh_sign_read_public(file, pub), 0);
    assert_memory_equal(pub, fh_signer_public(s), FH_ED25519_LEN);
    snprintf(file, sizeof file, "%s/k/curve.pub", fh_test_dir);
    assert_int_equal(fh_sign_read_public(file, pub), FH_EMALFORMED);
    snprintf(file, sizeof file, "%s/none.pub", fh_test_dir);
    assert_int_equal(fh_sign_read_public(file, pub), FH_ENOTFOUND);
    fh_signer_free(s);
}

/* ---- the node's checks ---- */

struct node {
    struct fh_store *st;
    struct fh_txn *t;
    uint64_t ctr[FH_CTR_COUNT];
};

static void node_open(struct node *n, const char *self, int role, struct fh_signer *s,
                      const uint8_t *pin)
{
    char dir[128];
    memset(n, 0, sizeof *n);
    snprintf(dir, sizeof dir, "%s/store", fh_test_dir);
    assert_int_equal(fh_store_open(dir, 16, 0, &n->st), 0);
    assert_int_equal(fh_sig_setup(n->st, self, role, s, pin, n->ctr), 0);
    assert_int_equal(fh_txn_begin(n->st, true, &n->t), 0);
}

static void node_close(struct node *n)
{
    fh_txn_abort(n->t);
    fh_sig_teardown();
    fh_store_close(n->st);
}

static enum fh_sig_verdict up(struct node *n, const struct fh_peer *p, Fh__Envelope *e,
                              uint64_t *made, enum fh_counter *why)
{
    char detail[256];
    ProtobufCMessage *body = NULL;
    assert_int_equal(fh_report_body(e, &body), 0);
    enum fh_sig_verdict v = fh_sig_check_up(n->t, p, e, body, true, fh_now_us(), made, why,
                                            detail, sizeof detail);
    protobuf_c_message_free_unpacked(body, NULL);
    return v;
}

static void health_of(Fh__Health *h)
{
    *h = (Fh__Health)FH__HEALTH__INIT;
    h->interval_s = 30;
}

static struct fh_peer peer_of(const char *path, int role, const struct fh_signer *s)
{
    struct fh_peer p = {.role = (uint32_t)role, .has_sign = s != NULL, .registered_us = 1};
    snprintf(p.key, sizeof p.key, "%s", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    snprintf(p.path, sizeof p.path, "%s", path);
    if (s)
        memcpy(p.sign_public, fh_signer_public(s), FH_ED25519_LEN);
    return p;
}

static void the_first_tier_learns_and_announces_its_childs_key(void **state)
{
    (void)state;
    struct fh_signer *agent = signer_in("a"), *other = signer_in("o");
    struct node n;
    node_open(&n, COUNTY, FH__ROLE__ROLE_COLLECTOR, signer_in("c"), NULL);
    struct fh_peer p = peer_of(SCHOOL, FH__ROLE__ROLE_AGENT, agent);
    Fh__Health h;
    health_of(&h);
    uint64_t made = 0;
    enum fh_counter why;
    Fh__Envelope *e = encode_one(agent, HOST, 1, fh_now_us(), FH__KIND__KIND_HEALTH, &h.base);
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_OK);
    assert_int_equal(made, 1);   /* its KEY report, for the parent */
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_OK);
    assert_int_equal(made, 1);   /* once */
    Fh__SigningKey *k = fh_sig_key(n.t, fh_signer_key_id(agent));
    assert_non_null(k);
    assert_string_equal(k->path, SCHOOL);
    fh__signing_key__free_unpacked(k, NULL);
    h.cpus = 99;   /* altered after signing: the body no longer matches */
    uint8_t b[64], *orig = e->body.data;
    size_t blen = fh__health__pack(&h, b), olen = e->body.len;
    e->body.data = b;
    e->body.len = blen;
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_REFUSED);
    assert_int_equal(why, FH_CTR_REFUSED_SIGNATURE);
    e->body.data = orig;   /* b is not the decoder's to free */
    e->body.len = olen;
    fh__envelope__free_unpacked(e, NULL);
    /* signed by a key this tier does not know and the sender does not hold: retry */
    e = encode_one(other, HOST, 2, fh_now_us(), FH__KIND__KIND_HEALTH, &h.base);
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_RETRY);
    assert_int_equal(why, FH_CTR_RETRY_UNKNOWN_KEY);
    fh__envelope__free_unpacked(e, NULL);
    /* an hour ahead: a replay window refusal before anything else */
    e = encode_one(agent, HOST, 3, fh_now_us() + 3600000000ull, FH__KIND__KIND_HEALTH, &h.base);
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_REFUSED);
    assert_int_equal(why, FH_CTR_REFUSED_REPLAY);
    fh__envelope__free_unpacked(e, NULL);
    /* unsigned */
    e = encode_one(NULL, HOST, 4, fh_now_us(), FH__KIND__KIND_HEALTH, &h.base);
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_REFUSED);
    assert_int_equal(why, FH_CTR_REFUSED_SIGNATURE);
    fh__envelope__free_unpacked(e, NULL);
    node_close(&n);
    fh_signer_free(agent);
    fh_signer_free(other);
}

static void a_collector_key_signs_only_its_own_reports(void **state)
{
    (void)state;
    struct fh_signer *county = signer_in("cc"), *agent = signer_in("a");
    struct node n;
    node_open(&n, "320000/320100", FH__ROLE__ROLE_COLLECTOR, signer_in("city"), NULL);
    struct fh_peer p = peer_of(COUNTY, FH__ROLE__ROLE_COLLECTOR, county);
    Fh__Health h;
    health_of(&h);
    uint64_t made = 0;
    enum fh_counter why;
    Fh__Envelope *e = encode_one(county, COUNTY, 1, fh_now_us(), FH__KIND__KIND_HEALTH,
                                 &h.base);
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_OK);
    fh__envelope__free_unpacked(e, NULL);
    /* a host's report re-signed by the county: refused */
    e = encode_one(county, HOST, 1, fh_now_us(), FH__KIND__KIND_HEALTH, &h.base);
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_REFUSED);
    fh__envelope__free_unpacked(e, NULL);
    /* the county vouches for its school's key: a KEY report, then the host's reports */
    uint8_t id[FH_KEY_ID_LEN];
    fh_key_id(fh_signer_public(agent), id);
    Fh__SigningKey k = FH__SIGNING_KEY__INIT;
    k.path = SCHOOL;
    k.role = FH__ROLE__ROLE_AGENT;
    k.public_key = (ProtobufCBinaryData){FH_ED25519_LEN, (uint8_t *)fh_signer_public(agent)};
    k.key_id = (ProtobufCBinaryData){FH_KEY_ID_LEN, id};
    e = encode_one(agent, HOST, 2, fh_now_us(), FH__KIND__KIND_HEALTH, &h.base);
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_RETRY);   /* not yet */
    Fh__Envelope *ke = encode_one(county, COUNTY, 2, fh_now_us(), FH__KIND__KIND_KEY, &k.base);
    assert_int_equal(up(&n, &p, ke, &made, &why), FH_SIG_OK);
    assert_int_equal(up(&n, &p, e, &made, &why), FH_SIG_OK);
    fh__envelope__free_unpacked(ke, NULL);
    fh__envelope__free_unpacked(e, NULL);
    /* a KEY report for a key outside its maker's scope: refused, not recorded */
    struct fh_signer *stranger = signer_in("s");
    fh_key_id(fh_signer_public(stranger), id);
    k.path = "320000/320200/320201/3132000009";
    k.public_key.data = (uint8_t *)fh_signer_public(stranger);
    ke = encode_one(county, COUNTY, 3, fh_now_us(), FH__KIND__KIND_KEY, &k.base);
    assert_int_equal(up(&n, &p, ke, &made, &why), FH_SIG_REFUSED);
    assert_null(fh_sig_key(n.t, id));
    fh__envelope__free_unpacked(ke, NULL);
    node_close(&n);
    fh_signer_free(county);
    fh_signer_free(agent);
    fh_signer_free(stranger);
}

static int down(struct node *n, Fh__Envelope *e)
{
    char why[256];
    ProtobufCMessage *body = NULL;
    assert_int_equal(fh_report_body(e, &body), 0);
    int rc = fh_sig_check_down(n->t, HOST, e, body, why, sizeof why);
    protobuf_c_message_free_unpacked(body, NULL);
    return rc;
}

static Fh__Envelope *key_entry(const struct fh_signer *by, const char *origin,
                               const struct fh_signer *of, const char *path)
{
    uint8_t id[FH_KEY_ID_LEN];
    fh_key_id(fh_signer_public(of), id);
    Fh__SigningKey k = FH__SIGNING_KEY__INIT;
    k.path = (char *)path;
    k.role = FH__ROLE__ROLE_COLLECTOR;
    k.public_key = (ProtobufCBinaryData){FH_ED25519_LEN, (uint8_t *)fh_signer_public(of)};
    k.key_id = (ProtobufCBinaryData){FH_KEY_ID_LEN, id};
    return encode_one(by, origin, 0, fh_now_us(), FH__KIND__KIND_KEY, &k.base);
}

static Fh__Envelope *warning(const struct fh_signer *by, const char *issuer,
                             Fh__WarningLevel level)
{
    char id[128];
    snprintf(id, sizeof id, "%s#5", issuer);
    Fh__Warning w = FH__WARNING__INIT;
    w.id = id;
    w.level = level;
    w.scope = COUNTY;
    w.class_code = "MI.CVI";
    w.watch = "x";
    w.action = FH__WARNING_ACTION__WARNING_ACTION_ISSUE;
    w.issuer = (char *)issuer;
    return encode_one(by, issuer, 5, fh_now_us(), FH__KIND__KIND_WARNING, &w.base);
}

static void an_agent_trusts_its_pinned_parent_and_what_it_vouches_for(void **state)
{
    (void)state;
    struct fh_signer *county = signer_in("cc"), *province = signer_in("p"),
                     *evil = signer_in("e");
    struct node n;
    node_open(&n, HOST, FH__ROLE__ROLE_AGENT, signer_in("a"), fh_signer_public(county));
    /* someone else's self-signed KEY entry is not the pinned key */
    Fh__Envelope *e = key_entry(evil, COUNTY, evil, COUNTY);
    assert_int_equal(down(&n, e), FH_EINVAL);
    fh__envelope__free_unpacked(e, NULL);
    e = warning(county, COUNTY, FH__WARNING_LEVEL__WARNING_LEVEL_BLUE);
    assert_int_equal(down(&n, e), FH_EINVAL);   /* the county's key is not known yet */
    fh__envelope__free_unpacked(e, NULL);
    e = key_entry(county, COUNTY, county, COUNTY);   /* the parent's own, pinned */
    assert_int_equal(down(&n, e), 0);
    fh__envelope__free_unpacked(e, NULL);
    e = warning(county, COUNTY, FH__WARNING_LEVEL__WARNING_LEVEL_BLUE);
    assert_int_equal(down(&n, e), 0);
    fh__envelope__free_unpacked(e, NULL);
    /* red, claiming the province, signed by the county: authority by the key's path */
    uint64_t before = n.ctr[FH_CTR_REFUSED_SIGNATURE];
    e = warning(county, "320000", FH__WARNING_LEVEL__WARNING_LEVEL_RED);
    assert_int_equal(down(&n, e), FH_EINVAL);
    assert_int_equal(n.ctr[FH_CTR_REFUSED_SIGNATURE], before + 1);
    fh__envelope__free_unpacked(e, NULL);
    /* the county vouches for the province's key: then the province's red is accepted */
    e = key_entry(county, COUNTY, province, "320000");
    assert_int_equal(down(&n, e), 0);
    fh__envelope__free_unpacked(e, NULL);
    e = warning(province, "320000", FH__WARNING_LEVEL__WARNING_LEVEL_RED);
    assert_int_equal(down(&n, e), 0);
    e->body.data[e->body.len - 1] ^= 1;   /* altered on the way */
    assert_int_equal(down(&n, e), FH_EINVAL);
    fh__envelope__free_unpacked(e, NULL);
    node_close(&n);
    fh_signer_free(county);
    fh_signer_free(province);
    fh_signer_free(evil);
}

static int count_key(void *arg, const Fh__SigningKey *k)
{
    (void)k;
    (*(int *)arg)++;
    return 0;
}

static void a_key_record_is_never_replaced(void **state)
{
    (void)state;
    struct fh_signer *a = signer_in("a");
    struct node n;
    node_open(&n, COUNTY, FH__ROLE__ROLE_COLLECTOR, signer_in("c"), NULL);
    uint8_t id[FH_KEY_ID_LEN];
    fh_key_id(fh_signer_public(a), id);
    Fh__SigningKey k = FH__SIGNING_KEY__INIT;
    k.path = SCHOOL;
    k.role = FH__ROLE__ROLE_AGENT;
    k.public_key = (ProtobufCBinaryData){FH_ED25519_LEN, (uint8_t *)fh_signer_public(a)};
    k.key_id = (ProtobufCBinaryData){FH_KEY_ID_LEN, id};
    assert_int_equal(fh_sig_record(n.t, &k), 0);
    k.path = COUNTY "/3132000002";
    assert_int_equal(fh_sig_record(n.t, &k), 0);
    Fh__SigningKey *got = fh_sig_key(n.t, id);
    assert_string_equal(got->path, SCHOOL);
    fh__signing_key__free_unpacked(got, NULL);
    id[0] ^= 1;   /* a key id that is not the key's */
    assert_int_equal(fh_sig_record(n.t, &k), FH_EINVAL);
    k.public_key.len = 31;
    assert_int_equal(fh_sig_record(n.t, &k), FH_EINVAL);
    assert_int_equal(fh_txn_commit(n.t), 0);
    n.t = NULL;
    int count = 0;
    assert_int_equal(fh_sig_each_key(n.st, count_key, &count), 0);
    assert_int_equal(count, 2);   /* the node's own and the school's */
    node_close(&n);
    fh_signer_free(a);
}

int main(void)
{
    fh_log_init("test_sig", FH_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_leaf_of_1_to_40_climbs_to_the_root),
        cmocka_unit_test(one_leaf_is_its_own_root),
        cmocka_unit_test(odd_last_leaf_goes_up_without_a_sibling),
        cmocka_unit_test(tampered_leaf_sibling_or_index_gives_another_root),
        cmocka_unit_test(malformed_proofs_are_refused),
        cmocka_unit_test_setup_teardown(a_group_shares_one_root_and_signature, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(the_proof_decoder_refuses_what_is_out_of_bounds,
                                        tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(a_public_key_file_round_trips, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(the_first_tier_learns_and_announces_its_childs_key,
                                        tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(a_collector_key_signs_only_its_own_reports,
                                        tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(
            an_agent_trusts_its_pinned_parent_and_what_it_vouches_for, tmpdir_setup,
            tmpdir_teardown),
        cmocka_unit_test_setup_teardown(a_key_record_is_never_replaced, tmpdir_setup,
                                        tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
