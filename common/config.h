/* config.h - INI configuration read with inih, validated key by key.
 *
 * Each program describes the keys it accepts in a table of struct fh_config_key and
 * calls fh_config_load(). Every key read is checked against the table: unknown sections
 * and keys, malformed values, values out of range and missing required keys are errors
 * whose message names the file, the line (where there is one) and "section.key", e.g.
 *
 *     /etc/fenghuo/agent.ini:7: health.interval_s: "0" is below the minimum 1
 *
 * Values land in the caller's struct at the offsets the table gives. Strings are copied
 * into fixed char arrays of the given size (too long is an error, never truncated). */
#ifndef FH_CONFIG_H
#define FH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fh_config_type {
    FH_CONF_STRING, /* char[size] at offset */
    FH_CONF_INT,    /* int64_t at offset, within [min, max] */
    FH_CONF_BOOL,   /* bool at offset: true/false, yes/no, on/off, 1/0 */
    FH_CONF_PATH,   /* char[size], must be a valid node path (path.h) */
    FH_CONF_ENDPOINT, /* char[size], a ZeroMQ endpoint: tcp://HOST:PORT or ipc://PATH */
    FH_CONF_CHOICE, /* char[size], one of the words the help text starts with, separated
                     * by '|' and ended by ':' ("relay|keep: what to do with ...") */
};

struct fh_config_key {
    const char *section;
    const char *name;
    enum fh_config_type type;
    size_t offset;        /* offsetof(struct yours, field) */
    size_t size;          /* for strings: sizeof the char array */
    bool required;
    const char *def;      /* default as text (parsed like a file value) or NULL */
    int64_t min, max;     /* for FH_CONF_INT */
    const char *help;     /* one line for docs and --help */
};

/* One table of keys and the struct its values land in. A program with plug-ins (the
 * agent's probes) passes one table per plug-in; a key belongs to the first table that
 * names its section and key. */
struct fh_config_table {
    const struct fh_config_key *keys;
    size_t nkeys;
    void *dst;
};

/* Apply defaults of every table, then read file. Returns 0, or FH_ECONFIG with the
 * message in err (err_len bytes; always NUL-terminated); FH_EIO with a message when
 * the file cannot be opened. Stops at the first error. A key or section no table
 * names is an error. */
int fh_config_load(const char *file, const struct fh_config_table *tables, size_t ntables,
                   char *err, size_t err_len);

/* The same from a string in memory; name is used in messages in place of a file name. */
int fh_config_load_string(const char *name, const char *text,
                          const struct fh_config_table *tables, size_t ntables,
                          char *err, size_t err_len);

/* Print the keys of the tables as an annotated INI file (section headers, "; help",
 * "key = default") to f: the --print-config of each program. */
#include <stdio.h>
void fh_config_print(FILE *f, const struct fh_config_table *tables, size_t ntables);

#endif
