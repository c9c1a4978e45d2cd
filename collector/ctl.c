/* ctl.c - fenghuo-ctl: the operator's tool.
 *
 *   fenghuo-ctl [-c CONFIG | -d DATA_DIR] [--json] status
 *   fenghuo-ctl [-c CONFIG | -d DATA_DIR] [--json] units
 *   fenghuo-ctl [-c CONFIG | -d DATA_DIR] export --jsonl
 *   fenghuo-ctl [-c AGENT_CONFIG | --spool DIR] submit --class CODE --summary TEXT
 *               [--fact KEY=VALUE]...
 *   fenghuo-ctl [--json] grade --profile national|education [--rules FILE] [FILE|-]
 *
 * Each command builds its JSON document (ctl_view.c); --json prints it, otherwise it is
 * rendered here as a few aligned lines for a person. -c reads data_dir from the
 * [collector] or [agent] section of a node's config file. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "log.h"
#include "taxonomy.h"

static int find_dirs(void *user, const char *section, const char *name, const char *value)
{
    struct fh_ctl_opts *d = user;
    if ((strcmp(section, "collector") == 0 || strcmp(section, "agent") == 0) &&
        strcmp(name, "data_dir") == 0)
        snprintf(d->data, sizeof d->data, "%s", value);
    if (strcmp(section, "spool") == 0 && strcmp(name, "dir") == 0)
        snprintf(d->spool, sizeof d->spool, "%s", value);
    return 1;
}

const char *fh_ctl_when(int64_t us, char *buf, size_t len)
{
    if (us <= 0)
        return "never";
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static json_int_t jint(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static double jnum(json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static void print_status(json_t *s)
{
    char b1[32];
    printf("node      %s (%s, %s)\n", jstr(s, "path"), jstr(s, "tier"), jstr(s, "role"));
    if (json_is_string(json_object_get(s, "listen")) && *jstr(s, "listen"))
        printf("listen    %s\n", jstr(s, "listen"));
    const char *parent = jstr(s, "parent");
    if (*parent && strcmp(parent, "-") != 0)
        if (jint(s, "parent_last_ack_us"))
            printf("parent    %s, last ack %s (%.1f s ago)\n", parent,
                   fh_ctl_when(jint(s, "parent_last_ack_us"), b1, sizeof b1),
                   jnum(s, "parent_last_ack_age_s"));
        else
            printf("parent    %s, no ack yet\n", parent);
    else
        printf("parent    none (top tier)\n");
    printf("outbox    %lld waiting, %lld dead letters\n", (long long)jint(s, "outbox_depth"),
           (long long)jint(s, "dead_letters"));
    printf("stored    %lld reports\n", (long long)jint(s, "reports_stored"));
    json_t *space = json_object_get(s, "space");
    printf("space     outbox %.1f MiB, map %.1f of %.1f MiB (%.0f%%)\n",
           (double)jint(space, "outbox_bytes") / 1048576.0,
           (double)jint(space, "map_used_bytes") / 1048576.0,
           (double)jint(space, "map_size_bytes") / 1048576.0, jnum(space, "map_used_pct"));
    json_t *drops = json_object_get(s, "drops_reported");
    if (jint(drops, "coalesced") || jint(drops, "refused"))
        printf("drops     reported by %zu origins below: %lld health samples coalesced, "
               "%lld sent back\n", json_object_size(json_object_get(drops, "by_origin")),
               (long long)jint(drops, "coalesced"), (long long)jint(drops, "refused"));
    json_t *children = json_object_get(s, "children"), *c;
    size_t i;
    printf("children  %zu\n", json_array_size(children));
    json_array_foreach(children, i, c)
        printf("  %-48s %-9s last seen %5.1f s ago, %lld received, %lld waiting there\n",
               jstr(c, "path"), jstr(c, "role"), jnum(c, "last_seen_age_s"),
               (long long)jint(c, "reports_received"), (long long)jint(c, "outbox_depth"));
    printf("counters ");
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(s, "counters"), k, v)
        if (json_integer_value(v))
            printf(" %s=%lld", k, (long long)json_integer_value(v));
    printf("\nrefused   %lld inputs in all\n", (long long)jint(s, "refused_total"));
}

static void print_units(json_t *u)
{
    printf("scope %s: %lld units, %lld hosts, %lld stale\n", jstr(u, "scope"),
           (long long)jint(u, "units_total"), (long long)jint(u, "hosts_total"),
           (long long)jint(u, "hosts_stale"));
    json_t *unit, *h;
    size_t i, j;
    json_array_foreach(json_object_get(u, "units"), i, unit) {
        printf("%s  (%lld hosts, %lld stale)\n", jstr(unit, "unit"),
               (long long)jint(unit, "hosts_total"), (long long)jint(unit, "hosts_stale"));
        json_array_foreach(json_object_get(unit, "hosts"), j, h)
            printf("  %-20s %s seen %6.1f s ago  cpu %5.1f%%  mem %5.1f%%  disk %5.1f%%  "
                   "load %.2f\n", jstr(h, "hostname"),
                   json_is_true(json_object_get(h, "stale")) ? "STALE" : "ok   ",
                   jnum(h, "last_seen_age_s"), jnum(h, "cpu_pct"), jnum(h, "mem_used_pct"),
                   jnum(h, "disk_max_used_pct"), jnum(h, "load1"));
    }
}

int fh_ctl_open_store(const struct fh_ctl_opts *o, struct fh_store **st)
{
    if (!o->data[0]) {
        fprintf(stderr, "fenghuo-ctl: this command needs -c CONFIG or -d DATA_DIR\n");
        return 1;
    }
    int err = fh_store_open(o->data, 0, FH_STORE_READONLY, st);
    if (err) {
        fprintf(stderr, "fenghuo-ctl: no fenghuo store in %s: %s\n", o->data,
                fh_strerror(err));
        return 1;
    }
    return 0;
}

void fh_ctl_print_json(json_t *doc)
{
    json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
    putchar('\n');
}

/* status, units: one document from the store, as JSON or as text. */
static int show(const struct fh_ctl_opts *o, int argc, json_t *(*view)(struct fh_store *),
                void (*print)(json_t *))
{
    if (argc) {
        fprintf(stderr, "fenghuo-ctl: this command takes no arguments\n");
        return 1;
    }
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    json_t *doc = view(st);
    if (doc && o->json)
        fh_ctl_print_json(doc);
    else if (doc)
        print(doc);
    json_decref(doc);
    fh_store_close(st);
    return doc ? 0 : 1;
}

static int cmd_status(const struct fh_ctl_opts *o, int argc, char **argv)
{
    return show(o, argc, fh_ctl_status, print_status);
}

static int cmd_units(const struct fh_ctl_opts *o, int argc, char **argv)
{
    return show(o, argc, fh_ctl_units, print_units);
}

static int cmd_export(const struct fh_ctl_opts *o, int argc, char **argv)
{
    /* JSON lines is the one export format; --jsonl is accepted for clarity. */
    if (argc > 1 || (argc == 1 && strcmp(argv[0], "--jsonl") != 0)) {
        fprintf(stderr, "fenghuo-ctl: export takes only --jsonl\n");
        return 1;
    }
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    int rc = fh_ctl_export(st, stdout) ? 1 : 0;
    fh_store_close(st);
    return rc;
}

static const struct fh_ctl_cmd cmd_status_def = {
    "status", cmd_status, "node path and tier, parent link, outbox, children, counters"};
static const struct fh_ctl_cmd cmd_units_def = {
    "units", cmd_units, "units and hosts under this node with their latest health"};
static const struct fh_ctl_cmd cmd_export_def = {
    "export", cmd_export, "--jsonl: every stored report, one JSON object per line"};

/* The one list of commands; each lives in its own file (ctl_*.c) or above. */
static const struct fh_ctl_cmd *const commands[] = {
    &cmd_status_def,
    &cmd_units_def,
    &cmd_export_def,
    &fh_ctl_cmd_submit,
    &fh_ctl_cmd_warning,
    &fh_ctl_cmd_incident,
    &fh_ctl_cmd_advisory,
    &fh_ctl_cmd_grade,
    &fh_ctl_cmd_deploy_window,
    &fh_ctl_cmd_keygen,
    &fh_ctl_cmd_token,
    &fh_ctl_cmd_peers,
    &fh_ctl_cmd_revoke,
    NULL,
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fenghuo-ctl [-c CONFIG | -d DATA_DIR] [--json] COMMAND [ARGS]\n"
               "commands:\n");
    for (size_t i = 0; commands[i]; i++)
        fprintf(f, "  %-15s %s\n", commands[i]->name, commands[i]->help);
    fprintf(f, "options (before or after the command):\n"
               "  -c CONFIG       a collector's or agent's config file (for its data_dir)\n"
               "  -d DATA_DIR     the node's data directory\n"
               "  --spool DIR     the agent's spool directory (for submit)\n"
               "  --json          print the command's JSON document instead of text\n");
}

/* Global options may come before or after the command; everything else after the
 * command is the command's own argument list. */
int main(int argc, char **argv)
{
    struct fh_ctl_opts o = {0};
    const struct fh_ctl_cmd *cmd = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0, rc = 1;
    fh_log_init("fenghuo-ctl", FH_LOG_WARN);
    if (!rest)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
            snprintf(o.data, sizeof o.data, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--spool") == 0 && i + 1 < argc) {
            snprintf(o.spool, sizeof o.spool, "%s", argv[++i]);
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            const char *file = argv[++i];
            snprintf(o.config, sizeof o.config, "%s", file);
            int prc = ini_parse(file, find_dirs, &o);
            if (prc != 0 || !o.data[0]) {
                fprintf(stderr, "fenghuo-ctl: %s: %s\n", file,
                        prc < 0 ? "cannot read the file" : "no data_dir in it");
                goto out;
            }
        } else if (strcmp(argv[i], "--json") == 0) {
            o.json = true;
        } else if (!cmd && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
            usage(stdout);
            rc = 0;
            goto out;
        } else if (!cmd && argv[i][0] != '-') {
            for (size_t k = 0; commands[k] && !cmd; k++)
                if (strcmp(commands[k]->name, argv[i]) == 0)
                    cmd = commands[k];
            if (!cmd) {
                fprintf(stderr, "fenghuo-ctl: unknown command \"%s\"\n", argv[i]);
                usage(stderr);
                goto out;
            }
        } else if (cmd) {
            rest[nrest++] = argv[i];
        } else {
            usage(stderr);
            goto out;
        }
    }
    if (!cmd) {
        usage(stderr);
        goto out;
    }
    rc = cmd->run(&o, nrest, rest);
out:
    free(rest);
    return rc;
}
