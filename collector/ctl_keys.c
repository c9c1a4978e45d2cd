/* ctl_keys.c - fenghuo-ctl's key, enrolment and peer commands (docs/security.md).
 *
 *   fenghuo-ctl [-c CONFIG] keygen [--dir DIR] [--force]
 *   fenghuo-ctl -c COLLECTOR_CONFIG token create --path P [--ttl 24h] [--role agent|collector]
 *                                   [--endpoint tcp://HOST:PORT]
 *   fenghuo-ctl -c COLLECTOR_CONFIG [--json] token list
 *   fenghuo-ctl -c COLLECTOR_CONFIG [--json] peers
 *   fenghuo-ctl -c COLLECTOR_CONFIG peers add (--key Z85 | --key-dir DIR) --path P
 *                                   [--role agent|collector]
 *   fenghuo-ctl -c COLLECTOR_CONFIG revoke KEY|PATH
 *
 * keygen writes the key files of keys.h into DIR (default: [security] key_dir of -c).
 * The other commands open the collector's store for writing while it runs (LMDB lets
 * one writer at a time in, across processes; each transaction here is short). A token
 * is printed once and only its hash is kept. The enrolment endpoint put in a token is
 * --endpoint, else the one the running collector bound (store meta "enrol_endpoint")
 * unless that names a wildcard address, which a school host could not reach. */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "err.h"
#include "fenghuo.pb-c.h"
#include "keys.h"
#include "log.h"
#include "peers.h"
#include "signer.h"
#include "token.h"

#define DIR_MAX 512
#define DEFAULT_TTL "24h"

static int find_key_dir(void *user, const char *section, const char *name, const char *value)
{
    if (strcmp(section, "security") == 0 && strcmp(name, "key_dir") == 0)
        snprintf(user, DIR_MAX, "%s", value);
    return 1;
}

/* [security] key_dir of the -c config, "" when none. */
static void config_key_dir(const struct fh_ctl_opts *o, char *dir)
{
    dir[0] = 0;
    if (o->config[0])
        ini_parse(o->config, find_key_dir, dir);
}

static const char *role_name(uint32_t role)
{
    return role == FH__ROLE__ROLE_COLLECTOR ? "collector" : "agent";
}

static int parse_role(const char *s, uint32_t *role)
{
    if (strcmp(s, "agent") == 0)
        *role = FH__ROLE__ROLE_AGENT;
    else if (strcmp(s, "collector") == 0)
        *role = FH__ROLE__ROLE_COLLECTOR;
    else
        return FH_EINVAL;
    return 0;
}

/* The collector's store, opened for writing (created when missing). */
static int open_rw(const struct fh_ctl_opts *o, struct fh_store **st)
{
    if (!o->data[0]) {
        fprintf(stderr, "fenghuo-ctl: this command needs -c COLLECTOR_CONFIG or -d DATA_DIR\n");
        return 1;
    }
    int err = fh_store_open(o->data, 0, 0, st);
    if (err)
        fprintf(stderr, "fenghuo-ctl: cannot open the store in %s: %s\n", o->data,
                fh_strerror(err));
    return err ? 1 : 0;
}

static int cmd_keygen(const struct fh_ctl_opts *o, int argc, char **argv)
{
    char dir[DIR_MAX], err[700];
    bool force = false;
    config_key_dir(o, dir);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            snprintf(dir, sizeof dir, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else {
            fprintf(stderr, "fenghuo-ctl: keygen: unknown argument \"%s\"\n", argv[i]);
            return 1;
        }
    }
    if (!dir[0]) {
        fprintf(stderr, "fenghuo-ctl: keygen needs --dir DIR or -c CONFIG with [security] "
                "key_dir\n");
        return 1;
    }
    struct fh_keys k;
    if (fh_keys_generate(dir, force, err, sizeof err) != 0 ||
        fh_keys_load(dir, &k, err, sizeof err) != 0) {
        fprintf(stderr, "fenghuo-ctl: keygen: %s\n", err);
        return 1;
    }
    fh_keys_wipe(&k);
    printf("%s\n", k.curve_public);   /* the CURVE public key: what a parent registers */
    return 0;
}

/* The collector's public key for a token: from the running collector's store, else from
 * its key_dir. */
static int server_key(const struct fh_ctl_opts *o, struct fh_store *st, char *out)
{
    char dir[DIR_MAX], file[DIR_MAX + 32];
    if (fh_store_meta_get(st, "curve_public", out, FH_Z85_KEY_LEN + 1) == 0 &&
        fh_keys_z85_valid(out))
        return 0;
    config_key_dir(o, dir);
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_CURVE_PUBLIC);
    return dir[0] ? fh_keys_read_public(file, out) : FH_ENOTFOUND;
}

static bool wildcard(const char *ep)
{
    return strstr(ep, "://0.0.0.0:") || strstr(ep, "://*:") || strstr(ep, "://[::]:");
}

static int token_create(const struct fh_ctl_opts *o, int argc, char **argv)
{
    const char *ttl = DEFAULT_TTL, *endpoint = NULL, *path = NULL;
    struct fh_token t = {.role = FH__ROLE__ROLE_AGENT};
    uint32_t role = FH__ROLE__ROLE_AGENT;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--path") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc) {
            ttl = argv[++i];
        } else if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc) {
            endpoint = argv[++i];
        } else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc &&
                   parse_role(argv[i + 1], &role) == 0) {
            i++;
        } else {
            fprintf(stderr, "fenghuo-ctl: token create: bad argument \"%s\"\n", argv[i]);
            return 1;
        }
    }
    uint64_t ttl_s;
    if (!path || !fh_path_valid(path) || fh_duration_parse(ttl, &ttl_s) != 0) {
        fprintf(stderr, "fenghuo-ctl: token create needs --path P (a valid path) and --ttl "
                "like 90s, 30m, 24h, 7d (at most %u days)\n", FH_TOKEN_TTL_MAX_S / 86400);
        return 1;
    }
    struct fh_store *st;
    if (open_rw(o, &st))
        return 1;
    int rc = 1;
    char scope[FH_PATH_MAX] = "", text[FH_TOKEN_TEXT_MAX];
    if (fh_store_meta_get(st, "path", scope, sizeof scope) == 0 && scope[0] &&
        !fh_path_within(scope, path)) {
        fprintf(stderr, "fenghuo-ctl: %s is outside this collector's scope %s\n", path, scope);
        goto out;
    }
    if (server_key(o, st, t.server_key) != 0) {
        fprintf(stderr, "fenghuo-ctl: the collector's public key is unknown: start it once "
                "with security.curve on, or give -c its config\n");
        goto out;
    }
    if (!endpoint && fh_store_meta_get(st, "enrol_endpoint", t.endpoint, sizeof t.endpoint))
        t.endpoint[0] = 0;
    if (endpoint)
        snprintf(t.endpoint, sizeof t.endpoint, "%s", endpoint);
    if (!t.endpoint[0] || wildcard(t.endpoint)) {
        fprintf(stderr, "fenghuo-ctl: give --endpoint tcp://HOST:PORT, the enrolment endpoint "
                "as the node will reach it%s\n", t.endpoint[0] ? "" :
                " (the collector has no collector.enrol_listen, or never ran)");
        goto out;
    }
    t.role = (int)role;
    snprintf(t.path, sizeof t.path, "%s", path);
    struct fh_token_rec r = {.role = role, .created_us = fh_now_us()};
    r.expires_us = r.created_us + ttl_s * 1000000u;
    snprintf(r.path, sizeof r.path, "%s", path);
    if (fh_token_new_secret(&t) || fh_token_encode(&t, text, sizeof text)) {
        fprintf(stderr, "fenghuo-ctl: cannot make a token (endpoint %s)\n", t.endpoint);
        goto out;
    }
    fh_token_hash(t.secret, r.hash);
    int err = fh_tokens_put(st, &r);
    if (err) {
        fprintf(stderr, "fenghuo-ctl: cannot keep the token: %s\n", fh_strerror(err));
        goto out;
    }
    printf("%s\n", text);
    rc = 0;
out:
    memset(&t, 0, sizeof t);
    fh_store_close(st);
    return rc;
}

static int add_token(const struct fh_token_rec *r, void *arg)
{
    char hash[17];
    for (int i = 0; i < 8; i++)
        snprintf(hash + 2 * i, 3, "%02x", r->hash[i]);
    uint64_t now = fh_now_us();
    const char *state = r->used_us ? "used" : now >= r->expires_us ? "expired" : "valid";
    json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}",
        "id", hash, "path", r->path, "role", role_name(r->role), "state", state,
        "created_us", (json_int_t)r->created_us, "expires_us", (json_int_t)r->expires_us,
        "used_us", (json_int_t)r->used_us, "used_by", r->used_by));
    return 0;
}

static int token_list(const struct fh_ctl_opts *o)
{
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    json_t *arr = json_array(), *t;
    int err = fh_tokens_each(st, add_token, arr);
    fh_store_close(st);
    size_t i;
    char b1[32], b2[32];
    if (!err && o->json) {
        fh_ctl_print_json(arr);
    } else if (!err) {
        json_array_foreach(arr, i, t)
            printf("%s  %-9s %-8s %-40s expires %s  used %s %s\n",
                   json_string_value(json_object_get(t, "id")),
                   json_string_value(json_object_get(t, "role")),
                   json_string_value(json_object_get(t, "state")),
                   json_string_value(json_object_get(t, "path")),
                   fh_ctl_when(json_integer_value(json_object_get(t, "expires_us")), b1, 32),
                   fh_ctl_when(json_integer_value(json_object_get(t, "used_us")), b2, 32),
                   json_string_value(json_object_get(t, "used_by")));
    }
    json_decref(arr);
    return err ? 1 : 0;
}

static int cmd_token(const struct fh_ctl_opts *o, int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "create") == 0)
        return token_create(o, argc - 1, argv + 1);
    if (argc == 1 && strcmp(argv[0], "list") == 0)
        return token_list(o);
    fprintf(stderr, "fenghuo-ctl: token create --path P [--ttl 24h] [--role agent|collector] "
            "[--endpoint EP] | token list\n");
    return 1;
}

/* peers add: register a key by hand (a node that cannot enrol; the test harness). */
static int peers_add(const struct fh_ctl_opts *o, int argc, char **argv)
{
    struct fh_peer p = {.role = FH__ROLE__ROLE_AGENT, .registered_us = fh_now_us()};
    const char *key_dir = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
            snprintf(p.key, sizeof p.key, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--key-dir") == 0 && i + 1 < argc) {
            key_dir = argv[++i];
        } else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc) {
            snprintf(p.path, sizeof p.path, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc &&
                   parse_role(argv[i + 1], &p.role) == 0) {
            i++;
        } else {
            fprintf(stderr, "fenghuo-ctl: peers add: bad argument \"%s\"\n", argv[i]);
            return 1;
        }
    }
    char file[DIR_MAX + 32];
    if (key_dir) {
        snprintf(file, sizeof file, "%s/%s", key_dir, FH_KEY_CURVE_PUBLIC);
        if (fh_keys_read_public(file, p.key) != 0) {
            fprintf(stderr, "fenghuo-ctl: %s: not a CURVE public key file\n", file);
            return 1;
        }
        /* its signing key too: what it signs is checked against it (sig.h) */
        snprintf(file, sizeof file, "%s/%s", key_dir, FH_KEY_SIGN_PUBLIC);
        int rc = fh_sign_read_public(file, p.sign_public);
        if (rc && rc != FH_ENOTFOUND) {
            fprintf(stderr, "fenghuo-ctl: %s: not an Ed25519 public key file\n", file);
            return 1;
        }
        p.has_sign = rc == 0;
    }
    if (!fh_keys_z85_valid(p.key) || !fh_path_valid(p.path)) {
        fprintf(stderr, "fenghuo-ctl: peers add needs --key Z85 (or --key-dir DIR) and "
                "--path P\n");
        return 1;
    }
    struct fh_store *st;
    if (open_rw(o, &st))
        return 1;
    int err = fh_peers_put(st, &p);
    fh_store_close(st);
    if (err)
        fprintf(stderr, "fenghuo-ctl: cannot register the key: %s\n", fh_strerror(err));
    else
        printf("registered %s %s for %s\n", role_name(p.role), p.key, p.path);
    return err ? 1 : 0;
}

static int add_peer(const struct fh_peer *p, void *arg)
{
    json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:I, s:I, s:b}", "key", p->key,
        "path", p->path, "role", role_name(p->role),
        "registered_us", (json_int_t)p->registered_us,
        "last_seen_us", (json_int_t)p->last_seen_us, "signing_key", p->has_sign));
    return 0;
}

static int cmd_peers(const struct fh_ctl_opts *o, int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "add") == 0)
        return peers_add(o, argc - 1, argv + 1);
    if (argc) {
        fprintf(stderr, "fenghuo-ctl: peers [add ...]\n");
        return 1;
    }
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    json_t *arr = json_array(), *p;
    int err = fh_peers_each(st, add_peer, arr);
    fh_store_close(st);
    size_t i;
    char b1[32], b2[32];
    if (!err && o->json) {
        fh_ctl_print_json(arr);
    } else if (!err) {
        json_array_foreach(arr, i, p)
            printf("%s  %-9s %-48s registered %s  last seen %s\n",
                   json_string_value(json_object_get(p, "key")),
                   json_string_value(json_object_get(p, "role")),
                   json_string_value(json_object_get(p, "path")),
                   fh_ctl_when(json_integer_value(json_object_get(p, "registered_us")), b1, 32),
                   fh_ctl_when(json_integer_value(json_object_get(p, "last_seen_us")), b2, 32));
    }
    json_decref(arr);
    return err ? 1 : 0;
}

static int cmd_revoke(const struct fh_ctl_opts *o, int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "fenghuo-ctl: revoke KEY|PATH\n");
        return 1;
    }
    struct fh_store *st;
    if (open_rw(o, &st))
        return 1;
    unsigned n = 0;
    int err = fh_peers_revoke(st, argv[0], &n);
    fh_store_close(st);
    if (err == FH_ENOTFOUND)
        fprintf(stderr, "fenghuo-ctl: no registered key or path %s\n", argv[0]);
    else if (err)
        fprintf(stderr, "fenghuo-ctl: cannot revoke: %s\n", fh_strerror(err));
    else
        printf("revoked %u key(s); the collector drops their connections within a second\n",
               n);
    return err ? 1 : 0;
}

const struct fh_ctl_cmd fh_ctl_cmd_keygen = {
    "keygen", cmd_keygen,
    "[--dir DIR] [--force]: make this node's CURVE and Ed25519 keys (mode 0600)"};
const struct fh_ctl_cmd fh_ctl_cmd_token = {
    "token", cmd_token,
    "create --path P [--ttl 24h] [--role agent|collector] [--endpoint EP] | list:\n"
    "                  one-time enrolment tokens"};
const struct fh_ctl_cmd fh_ctl_cmd_peers = {
    "peers", cmd_peers,
    "[add (--key Z85 | --key-dir DIR) --path P [--role R]]: registered keys"};
const struct fh_ctl_cmd fh_ctl_cmd_revoke = {
    "revoke", cmd_revoke, "KEY|PATH: remove a registered key; its connection is dropped"};
