/* fuzz_config.c - the INI loader (common/config.c) on any file content.
 *
 * The first byte picks the program and the source. Bit 0: the agent's tables (its
 * [agent] keys, the shared [store]/[relay]/[log] keys of nodeconf.c and every probe's
 * section from fh_probes[]) or the collector's ([collector] and the shared keys). Bit 1:
 * fh_config_load() on a file (a memfd, read with stdio) or fh_config_load_string().
 * The [agent] and [collector] tables are static in agent.c and collector.c: they are
 * copied here (keep them in step); the others are the real ones. After a load that
 * succeeds, every value must honour its key: strings NUL-terminated within their size,
 * paths valid, integers within [min, max], booleans 0 or 1; then the cross-key checks of
 * fh_nodeconf_apply() run as the programs run them. An error message must be
 * NUL-terminated within its buffer. */
#include "fuzz.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "nodeconf.h"
#include "path.h"
#include "probe.h"

#define FUZZ_MAX_TEXT (64 * 1024)
#define FUZZ_MAX_TABLES 24

struct agent_conf {
    char path[FH_PATH_MAX];
    char parent[256];
    char data_dir[512];
};
#define KA(name, type, field, req, def)                                                   \
    {"agent", name, type, offsetof(struct agent_conf, field),                            \
     sizeof(((struct agent_conf *)0)->field), req, def, 0, 0, NULL}
static const struct fh_config_key agent_keys[] = {
    KA("path", FH_CONF_PATH, path, true, NULL),
    KA("parent", FH_CONF_ENDPOINT, parent, true, NULL),
    KA("data_dir", FH_CONF_STRING, data_dir, true, NULL),
};

struct collector_conf {
    char scope[FH_PATH_MAX];
    char listen[256];
    char parent[256];
    char data_dir[512];
};
#define KC(name, type, field, req, def)                                                   \
    {"collector", name, type, offsetof(struct collector_conf, field),                    \
     sizeof(((struct collector_conf *)0)->field), req, def, 0, 0, NULL}
static const struct fh_config_key collector_keys[] = {
    KC("scope", FH_CONF_PATH, scope, true, NULL),
    KC("listen", FH_CONF_ENDPOINT, listen, true, NULL),
    KC("parent", FH_CONF_STRING, parent, false, ""),
    KC("data_dir", FH_CONF_STRING, data_dir, true, NULL),
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fh_log_init("fuzz", FH_LOG_ERROR);
    return 0;
}

static void check_values(const struct fh_config_table *tables, size_t n)
{
    for (size_t t = 0; t < n; t++) {
        for (size_t i = 0; i < tables[t].nkeys; i++) {
            const struct fh_config_key *k = &tables[t].keys[i];
            const char *field = (const char *)tables[t].dst + k->offset;
            int64_t v;
            switch (k->type) {
            case FH_CONF_STRING:
            case FH_CONF_ENDPOINT:
                if (!memchr(field, 0, k->size))
                    abort();
                break;
            case FH_CONF_PATH:
                if (!memchr(field, 0, k->size) || (field[0] && !fh_path_valid(field)))
                    abort();
                break;
            case FH_CONF_INT:
                memcpy(&v, field, sizeof v);
                if ((k->min || k->max) && (v < k->min || v > k->max))
                    abort();
                break;
            case FH_CONF_BOOL:
                if (*(const unsigned char *)field > 1)
                    abort();
                break;
            }
        }
    }
}

/* A memfd holding text, named for fh_config_load() by its /proc path; -1 on failure. */
static int text_file(const char *text, size_t len, char *name, size_t name_len)
{
    int fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    snprintf(name, name_len, "/proc/self/fd/%d", fd);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > FUZZ_MAX_TEXT)
        return 0;
    bool agent = data[0] & 1, from_file = data[0] & 2;
    static struct agent_conf ac;
    static struct collector_conf cc;
    static struct fh_nodeconf nc;
    static void *probe_conf[FUZZ_MAX_TABLES];
    struct fh_config_table tables[FUZZ_MAX_TABLES];
    size_t n = 0;
    memset(&ac, 0, sizeof ac);
    memset(&cc, 0, sizeof cc);
    memset(&nc, 0, sizeof nc);
    if (agent)
        tables[n++] = (struct fh_config_table){agent_keys, 3, &ac};
    else
        tables[n++] = (struct fh_config_table){collector_keys, 4, &cc};
    tables[n++] = fh_nodeconf_table(&nc);
    for (size_t i = 0; agent && fh_probes[i] && n < FUZZ_MAX_TABLES; i++) {
        if (!probe_conf[n] && !(probe_conf[n] = malloc(fh_probes[i]->conf_size)))
            abort();
        memset(probe_conf[n], 0, fh_probes[i]->conf_size);
        tables[n] = (struct fh_config_table){fh_probes[i]->keys, fh_probes[i]->nkeys,
                                             probe_conf[n]};
        n++;
    }

    char err[512], name[64] = "fuzz.ini";
    memset(err, 'x', sizeof err);
    int rc;
    if (from_file) {
        int fd = text_file((const char *)data + 1, size - 1, name, sizeof name);
        if (fd < 0)
            return 0;
        rc = fh_config_load(name, tables, n, err, sizeof err);
        close(fd);
    } else {
        char *text = fuzz_text(data + 1, size - 1);
        if (!text)
            return 0;
        rc = fh_config_load_string(name, text, tables, n, err, sizeof err);
        free(text);
    }
    if (rc != 0) {
        if (!memchr(err, 0, sizeof err))
            abort();
        return 0;
    }
    check_values(tables, n);
    if (fh_nodeconf_apply(&nc, name, "fuzz", err, sizeof err) == 0)
        fh_log_init("fuzz", FH_LOG_ERROR);
    else if (!memchr(err, 0, sizeof err))
        abort();
    return 0;
}
