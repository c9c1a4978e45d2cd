/* ctl_deploy.c - `fenghuo-ctl deploy-window`: declare when web root changes are expected.
 *
 *   fenghuo-ctl -c AGENT_CONFIG [--json] deploy-window --open DURATION [--root PATH]
 *               [--reason TEXT]
 *   fenghuo-ctl -c AGENT_CONFIG [--json] deploy-window --close [--root PATH]
 *   fenghuo-ctl -c AGENT_CONFIG [--json] deploy-window --list
 *
 * The agent's fim probe reports a page changed in a web root as IDI.IAI critical unless a
 * deployment window covers that root. This command edits the windows file of
 * common/deploywin.h in the directory of the agent config's [fim] db (or --db DIR):
 * --open adds a window of DURATION ("90s", "30m", "2h", "1d"; at most 7 days) for one
 * web root (--root, which must be one of [fim] web_roots when the config is given) or
 * for all of them, recording the caller's uid and the reason; --close removes the open
 * windows (of --root only, when given); --list shows them. Windows that ended are
 * dropped whenever the file is written. The probe sees the file change within a round
 * and reports the opening (and later the closing, with the number of changes made in
 * it) upward as info Detections, so the audit trail reaches the collectors.
 * Exit 0 done, 1 usage or I/O error, 2 refused (a root not configured, too many
 * windows). Two ctl runs at the same instant could both rewrite the file (the last one
 * wins): this is an operator's tool, not a concurrent service. */
#include <inttypes.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "deploywin.h"
#include "err.h"
#include "log.h"

#define DEPLOY_DIR_MAX 512
#define DEPLOY_LIST_MAX 4096   /* [fim] web_roots, as the agent's key */

struct fim_keys {
    char db[DEPLOY_DIR_MAX];
    char web_roots[DEPLOY_LIST_MAX];
};

static int find_fim(void *user, const char *section, const char *name, const char *value)
{
    struct fim_keys *k = user;
    if (strcmp(section, "fim") == 0 && strcmp(name, "db") == 0)
        snprintf(k->db, sizeof k->db, "%s", value);
    if (strcmp(section, "fim") == 0 && strcmp(name, "web_roots") == 0)
        snprintf(k->web_roots, sizeof k->web_roots, "%s", value);
    return 1;
}

/* Whether root is one of the comma list. */
static bool listed(const char *list, const char *root)
{
    size_t n = strlen(root);
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t k = strcspn(p, ", ");
        if (k == n && k && strncmp(p, root, n) == 0)
            return true;
        p += k;
    }
    return false;
}

static const char *when(uint64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static json_t *window_json(const struct fh_deploywin *w)
{
    char b1[32], b2[32];
    return json_pack("{s:s, s:I, s:I, s:s, s:s, s:i, s:s}", "root", w->root, "opened_us",
                     (json_int_t)w->opened_us, "end_us", (json_int_t)w->end_us, "opened",
                     when(w->opened_us, b1, sizeof b1), "until",
                     when(w->end_us, b2, sizeof b2), "uid", (int)w->uid, "reason",
                     w->reason);
}

static void print_windows(const struct fh_deploywin_set *set, const char *verb, bool json)
{
    char b[32];
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < set->n; i++)
            json_array_append_new(arr, window_json(&set->w[i]));
        json_t *doc = json_pack("{s:s, s:o}", "done", verb, "windows", arr);
        fh_ctl_print_json(doc);
        json_decref(doc);
        return;
    }
    if (set->n == 0)
        printf("no deployment window open\n");
    for (size_t i = 0; i < set->n; i++)
        printf("%-32s until %s  uid %u  %s\n", set->w[i].root,
               when(set->w[i].end_us, b, sizeof b), set->w[i].uid, set->w[i].reason);
}

static int usage_error(const char *why)
{
    fprintf(stderr, "fenghuo-ctl: deploy-window: %s\n"
            "usage: deploy-window --open DURATION [--root PATH] [--reason TEXT] | "
            "--close [--root PATH] | --list   [--db DIR]\n", why);
    return 1;
}

static int cmd_deploy_window(const struct fh_ctl_opts *o, int argc, char **argv)
{
    const char *open_for = NULL, *root = NULL, *reason = "", *db = NULL;
    bool close_ = false, list = false;
    struct fim_keys keys = {{0}, {0}};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--open") == 0 && i + 1 < argc)
            open_for = argv[++i];
        else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
            root = argv[++i];
        else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--close") == 0)
            close_ = true;
        else if (strcmp(argv[i], "--list") == 0)
            list = true;
        else
            return usage_error("unknown argument");
    }
    if ((open_for != NULL) + close_ + list != 1)
        return usage_error("give one of --open, --close, --list");
    if (o->config[0] && ini_parse(o->config, find_fim, &keys) < 0) {
        fprintf(stderr, "fenghuo-ctl: cannot read %s\n", o->config);
        return 1;
    }
    if (db)
        snprintf(keys.db, sizeof keys.db, "%s", db);
    if (!keys.db[0])
        return usage_error("needs -c AGENT_CONFIG with a [fim] db, or --db DIR");
    if (root && (root[0] != '/' || strlen(root) >= FH_DEPLOYWIN_ROOT_MAX ||
                 strchr(root, ' ')))
        return usage_error("--root is an absolute path without blanks");
    if (root && keys.web_roots[0] && !listed(keys.web_roots, root)) {
        fprintf(stderr, "fenghuo-ctl: deploy-window: %s is not one of [fim] web_roots "
                "(%s)\n", root, keys.web_roots);
        return 2;
    }
    if (strlen(reason) >= FH_DEPLOYWIN_REASON_MAX)
        return usage_error("--reason is at most 255 bytes");

    struct fh_deploywin_set set;
    size_t bad = 0;
    int err = fh_deploywin_load(keys.db, &set, &bad);
    if (err) {
        fprintf(stderr, "fenghuo-ctl: %s/%s: %s\n", keys.db, FH_DEPLOYWIN_FILE,
                fh_strerror(err));
        return 1;
    }
    if (bad)
        fprintf(stderr, "fenghuo-ctl: %zu malformed lines in %s/%s (dropped when it is "
                "written)\n", bad, keys.db, FH_DEPLOYWIN_FILE);
    uint64_t now = fh_now_us();
    fh_deploywin_prune(&set, now);
    if (list) {
        print_windows(&set, "list", o->json);
        return 0;
    }
    if (close_) {
        size_t kept = 0, closed = 0;
        for (size_t i = 0; i < set.n; i++) {
            if (!root || strcmp(set.w[i].root, root) == 0)
                closed++;
            else
                set.w[kept++] = set.w[i];
        }
        set.n = kept;
        if ((err = fh_deploywin_save(keys.db, &set))) {
            fprintf(stderr, "fenghuo-ctl: cannot write %s/%s\n", keys.db, FH_DEPLOYWIN_FILE);
            return 1;
        }
        if (!o->json)
            printf("closed %zu deployment windows\n", closed);
        else
            print_windows(&set, "close", true);
        return 0;
    }
    uint64_t secs;
    if (fh_deploywin_parse_duration(open_for, &secs))
        return usage_error("--open takes a duration: 90s, 30m, 2h, 1d (at most 7d)");
    if (set.n == FH_DEPLOYWIN_MAX) {
        fprintf(stderr, "fenghuo-ctl: deploy-window: %d windows are open already\n",
                FH_DEPLOYWIN_MAX);
        return 2;
    }
    struct fh_deploywin *w = &set.w[set.n++];
    memset(w, 0, sizeof *w);
    w->opened_us = now;
    w->end_us = now + secs * 1000000u;
    w->uid = (uint32_t)getuid();
    snprintf(w->root, sizeof w->root, "%s", root ? root : "*");
    for (size_t i = 0; reason[i] && i + 1 < sizeof w->reason; i++)
        w->reason[i] = (unsigned char)reason[i] < 0x20 ? ' ' : reason[i];
    if ((err = fh_deploywin_save(keys.db, &set))) {
        fprintf(stderr, "fenghuo-ctl: cannot write %s/%s\n", keys.db, FH_DEPLOYWIN_FILE);
        return 1;
    }
    if (o->json) {
        json_t *doc = window_json(w);
        fh_ctl_print_json(doc);
        json_decref(doc);
    } else {
        char b[32];
        printf("deployment window open for %s until %s (uid %u)\n", w->root,
               when(w->end_us, b, sizeof b), w->uid);
    }
    return 0;
}

const struct fh_ctl_cmd fh_ctl_cmd_deploy_window = {
    "deploy-window", cmd_deploy_window,
    "--open DURATION [--root PATH] [--reason TEXT] | --close [--root PATH] | --list:\n"
    "                  when web root changes are expected (the agent's fim probe)"};
