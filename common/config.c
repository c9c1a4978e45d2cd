/* config.c - load INI files with inih into the caller's structs, checking every key.
 *
 * Loading goes in three steps. First every key's default is parsed by set_value(), the
 * same code that parses file values, so a bad default is caught like a bad line. Then
 * inih reads the file through read_line(), a reader of our own that counts lines (the
 * inih handler of Debian's libinih gets no line number) and refuses lines longer than
 * inih's buffer rather than letting inih split them. on_value() finds the key's owner
 * (the first table naming section and key), parses the value into the owner's struct
 * and records the line that set it. The first error, ours or inih's syntax error (the
 * line ini_parse_stream returns), wins and stops the reading; its message is built as
 * "NAME:LINE: section.key: reason". Last, keys marked required that no line set are
 * reported without a line. Keys without a default and not in the file are untouched.
 * An FH_CONF_INT key with min == max == 0 takes any int64_t. A key set twice is an
 * error; so is an indented line after a key, which inih reads as its continuation. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "err.h"
#include "path.h"

#define MSG_MAX 512      /* "section.key: reason" of the first error */
#define IPC_PATH_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 */

struct load {
    const char *name;                    /* file name or the string's name */
    const struct fh_config_table *tables;
    size_t ntables;
    int *set_line;                       /* per key, all tables in a row: line, 0 = unset */
    FILE *f;                             /* the source: a file ... */
    const char *text;                    /* ... or a string */
    int line;                            /* lines read so far */
    bool indented;                       /* the last line read starts with a blank */
    int err_line;                        /* line of the first error, 0 = none */
    char msg[MSG_MAX];
};

/* Format into err (err_len bytes, NUL-terminated; a cut message ends in "...").
 * Returns FH_ECONFIG, for "return put_err(...);". */
__attribute__((format(printf, 3, 4)))
static int put_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || err_len == 0)
        return FH_ECONFIG;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= err_len && err_len > 3)
        memcpy(err + err_len - 4, "...", 4);
    return FH_ECONFIG;
}

/* Parse a decimal int64: optional '-', digits, nothing else. */
static int parse_int(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX, v = 0;

    s += neg;
    if (*s == '\0')
        return FH_EMALFORMED;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return FH_EMALFORMED;
        unsigned d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10)
            return FH_ETOOBIG;
        v = v * 10 + d;
    }
    *out = !neg ? (int64_t)v : v > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)v;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const words[][2] = {
        {"true", "false"}, {"yes", "no"}, {"on", "off"}, {"1", "0"}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        for (int v = 0; v < 2; v++) {
            if (strcasecmp(s, words[i][v]) == 0) {
                *out = v == 0;
                return 0;
            }
        }
    }
    return FH_EMALFORMED;
}

/* NULL when s is a ZeroMQ tcp:// or ipc:// endpoint, else what is wrong with it. */
static const char *endpoint_problem(const char *s)
{
    if (strncmp(s, "ipc://", 6) == 0) {
        size_t n = strlen(s + 6);
        if (n == 0)
            return "ipc:// needs a path";
        return n > IPC_PATH_MAX ? "an ipc:// path is at most 107 bytes" : NULL;
    }
    if (strncmp(s, "tcp://", 6) != 0)
        return "the transport is tcp:// or ipc://";
    const char *host = s + 6, *colon = strrchr(host, ':');
    if (!colon)
        return "tcp:// needs HOST:PORT";
    size_t hlen = (size_t)(colon - host);
    if (hlen == 0)
        return "the host is empty";
    if (host[0] == '[') {
        if (hlen < 3 || host[hlen - 1] != ']' ||
            strspn(host + 1, "0123456789abcdefABCDEF:.") != hlen - 2)
            return "a bracketed host is an IPv6 address";
    } else if (!(hlen == 1 && host[0] == '*')) {
        if (strcspn(host, ":") < hlen)
            return "an IPv6 host goes in brackets";
        if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
            != hlen)
            return "the host is a name, an address or '*'";
    }
    int64_t port;
    if (parse_int(colon + 1, &port) < 0 || port < 1 || port > 65535)
        return "the port is a number 1..65535";
    return NULL;
}

/* Copy a string value into the char[size] of key k, refusing what does not fit. */
static int set_text(const struct fh_config_key *k, char *field, const char *value,
                    char *why, size_t why_len)
{
    size_t n = strlen(value);
    if (k->size == 0 || n >= k->size)
        return put_err(why, why_len, "the value is %zu characters, the limit is %zu", n,
                       k->size ? k->size - 1 : 0);
    memcpy(field, value, n + 1);
    return 0;
}

static int set_int(const struct fh_config_key *k, char *field, const char *value,
                   char *why, size_t why_len)
{
    int64_t v;
    int rc = parse_int(value, &v);

    if (rc == FH_EMALFORMED)
        return put_err(why, why_len, "\"%s\" is not a decimal integer", value);
    if (rc == FH_ETOOBIG)
        return put_err(why, why_len, "\"%s\" is out of range for a 64-bit integer", value);
    if ((k->min != 0 || k->max != 0) && v < k->min)
        return put_err(why, why_len, "\"%s\" is below the minimum %" PRId64, value, k->min);
    if ((k->min != 0 || k->max != 0) && v > k->max)
        return put_err(why, why_len, "\"%s\" is above the maximum %" PRId64, value, k->max);
    memcpy(field, &v, sizeof v);
    return 0;
}

/* FH_CONF_CHOICE: is value one of the '|'-separated words before the ':' of help? */
static bool choice_known(const char *help, const char *value)
{
    size_t vlen = strlen(value), end = help ? strcspn(help, ":") : 0;
    for (size_t i = 0; i < end;) {
        size_t n = strcspn(help + i, "|:");
        if (n == vlen && n && strncmp(help + i, value, n) == 0)
            return true;
        i += n + 1;
    }
    return false;
}

/* Parse value as key k's type into its field of dst. Returns 0 or FH_ECONFIG with the
 * reason in why. */
static int set_value(const struct fh_config_key *k, void *dst, const char *value,
                     char *why, size_t why_len)
{
    char *field = (char *)dst + k->offset;
    char sub[256];
    const char *problem;
    bool b;

    switch (k->type) {
    case FH_CONF_STRING:
        return set_text(k, field, value, why, why_len);
    case FH_CONF_INT:
        return set_int(k, field, value, why, why_len);
    case FH_CONF_BOOL:
        if (parse_bool(value, &b) < 0)
            return put_err(why, why_len,
                           "\"%s\" is not a boolean (true/false, yes/no, on/off, 1/0)", value);
        memcpy(field, &b, sizeof b);
        return 0;
    case FH_CONF_PATH:
        if (fh_path_parse(value, NULL, sub, sizeof sub) < 0)
            return put_err(why, why_len, "\"%s\" is not a node path: %s", value, sub);
        return set_text(k, field, value, why, why_len);
    case FH_CONF_ENDPOINT:
        problem = endpoint_problem(value);
        if (problem)
            return put_err(why, why_len, "\"%s\" is not an endpoint: %s", value, problem);
        return set_text(k, field, value, why, why_len);
    case FH_CONF_CHOICE:
        if (!choice_known(k->help, value))
            return put_err(why, why_len, "\"%s\" is not one of %.*s", value,
                           (int)strcspn(k->help ? k->help : "", ":"), k->help ? k->help : "");
        return set_text(k, field, value, why, why_len);
    }
    return put_err(why, why_len, "the key has an unknown type %d", (int)k->type);
}

/* "section.key", or "key" for keys before any section. */
#define KEY_FMT "%s%s%s"
#define KEY_ARGS(sec, name) (sec), (sec)[0] ? "." : "", (name)

/* The owner of section/name, the first table naming both: its key in *key, its table
 * in *tb, its index over all tables' keys in a row returned; -1 when no table names
 * it, with *section_known telling whether any names the section. */
static long find_key(const struct load *ld, const char *section, const char *name,
                     const struct fh_config_key **key, const struct fh_config_table **tb,
                     bool *section_known)
{
    long idx = 0;
    *section_known = false;
    for (size_t t = 0; t < ld->ntables; t++) {
        for (size_t i = 0; i < ld->tables[t].nkeys; i++, idx++) {
            const struct fh_config_key *k = &ld->tables[t].keys[i];
            if (strcmp(k->section, section) != 0)
                continue;
            *section_known = true;
            if (strcmp(k->name, name) == 0) {
                *key = k;
                *tb = &ld->tables[t];
                return idx;
            }
        }
    }
    return -1;
}

/* inih's handler: route one name = value to its owner. Returns 1 to go on, 0 on error. */
static int on_value(void *user, const char *section, const char *name, const char *value)
{
    struct load *ld = user;
    char why[MSG_MAX - 64];
    const struct fh_config_key *k = NULL;
    const struct fh_config_table *tb = NULL;
    bool known;

    if (ld->err_line)
        return 1;
    long idx = find_key(ld, section, name, &k, &tb, &known);
    if (idx < 0) {
        put_err(ld->msg, sizeof ld->msg, KEY_FMT ": %s", KEY_ARGS(section, name),
                known ? "unknown key" : section[0] ? "unknown section"
                                                   : "unknown key before any [section]");
        goto fail;
    }
    if (ld->set_line[idx] && ld->indented) { /* inih reads it as a continuation */
        put_err(ld->msg, sizeof ld->msg, KEY_FMT ": an indented line continues the value"
                " set on line %d; do not indent keys", KEY_ARGS(section, name),
                ld->set_line[idx]);
        goto fail;
    }
    if (ld->set_line[idx]) {
        put_err(ld->msg, sizeof ld->msg, KEY_FMT ": set again (first set on line %d)",
                KEY_ARGS(section, name), ld->set_line[idx]);
        goto fail;
    }
    if (set_value(k, tb->dst, value, why, sizeof why) < 0) {
        put_err(ld->msg, sizeof ld->msg, KEY_FMT ": %s", KEY_ARGS(section, name), why);
        goto fail;
    }
    ld->set_line[idx] = ld->line;
    return 1;
fail:
    ld->err_line = ld->line;
    return 0;
}

/* inih's reader: one line into buf (size bytes) from the file or the string; counts
 * lines, ends the reading after the first error and refuses lines that do not fit. */
static char *read_line(char *buf, int size, void *stream)
{
    struct load *ld = stream;
    size_t n = 0;
    bool more;

    if (ld->err_line || size < 2)
        return NULL;
    if (ld->f) {
        if (!fgets(buf, size, ld->f))
            return NULL;
        n = strlen(buf);
        int c = getc(ld->f);
        more = c != EOF;
        if (more)
            ungetc(c, ld->f);
    } else {
        if (*ld->text == '\0')
            return NULL;
        while (n < (size_t)size - 1 && ld->text[n] && (n == 0 || ld->text[n - 1] != '\n'))
            n++;
        memcpy(buf, ld->text, n);
        buf[n] = '\0';
        ld->text += n;
        more = *ld->text != '\0';
    }
    ld->line++;
    ld->indented = buf[0] == ' ' || buf[0] == '\t';
    if (n == (size_t)size - 1 && buf[n - 1] != '\n' && more) {
        put_err(ld->msg, sizeof ld->msg, "the line is longer than %d characters", size - 3);
        ld->err_line = ld->line;
        return NULL;
    }
    return buf;
}

static int apply_defaults(const char *name, const struct fh_config_table *tables,
                          size_t ntables, char *err, size_t err_len)
{
    char why[MSG_MAX - 64];
    for (size_t t = 0; t < ntables; t++) {
        for (size_t i = 0; i < tables[t].nkeys; i++) {
            const struct fh_config_key *k = &tables[t].keys[i];
            if (k->def && set_value(k, tables[t].dst, k->def, why, sizeof why) < 0)
                return put_err(err, err_len, "%s: " KEY_FMT ": bad default: %s", name,
                               KEY_ARGS(k->section, k->name), why);
        }
    }
    return 0;
}

/* The first key marked required that no line set, as an error; else 0. */
static int check_required(const struct load *ld, char *err, size_t err_len)
{
    long idx = 0;
    for (size_t t = 0; t < ld->ntables; t++) {
        for (size_t i = 0; i < ld->tables[t].nkeys; i++, idx++) {
            const struct fh_config_key *k = &ld->tables[t].keys[i], *owner;
            const struct fh_config_table *tb;
            bool known;
            if (k->required && ld->set_line[idx] == 0 &&
                find_key(ld, k->section, k->name, &owner, &tb, &known) == idx)
                return put_err(err, err_len, "%s: " KEY_FMT ": required key is missing",
                               ld->name, KEY_ARGS(k->section, k->name));
        }
    }
    return 0;
}

/* Parse from ld->f or ld->text, then check required keys. */
static int load(struct load *ld, char *err, size_t err_len)
{
    size_t total = 0;
    int rc = FH_ECONFIG;

    for (size_t t = 0; t < ld->ntables; t++)
        total += ld->tables[t].nkeys;
    ld->set_line = calloc(total ? total : 1, sizeof *ld->set_line);
    if (!ld->set_line) {
        put_err(err, err_len, "%s: out of memory", ld->name);
        return FH_ENOMEM;
    }
    int line = ini_parse_stream(read_line, ld, on_value, ld);
    if (line < 0) {
        put_err(err, err_len, "%s: out of memory", ld->name);
        rc = FH_ENOMEM;
    } else if (line > 0 && (ld->err_line == 0 || line < ld->err_line)) {
        put_err(err, err_len, "%s:%d: not a [section] header or a key = value line",
                ld->name, line);
    } else if (ld->err_line) {
        put_err(err, err_len, "%s:%d: %s", ld->name, ld->err_line, ld->msg);
    } else if (ld->f && ferror(ld->f)) {
        put_err(err, err_len, "%s: cannot read: %s", ld->name, strerror(errno));
        rc = FH_EIO;
    } else {
        rc = check_required(ld, err, err_len);
    }
    free(ld->set_line);
    ld->set_line = NULL;
    return rc;
}

int fh_config_load(const char *file, const struct fh_config_table *tables, size_t ntables,
                   char *err, size_t err_len)
{
    struct load ld = {.name = file, .tables = tables, .ntables = ntables};
    int rc = apply_defaults(file, tables, ntables, err, err_len);

    if (rc < 0)
        return rc;
    ld.f = fopen(file, "r");
    if (!ld.f) {
        put_err(err, err_len, "%s: cannot open: %s", file, strerror(errno));
        return FH_EIO;
    }
    rc = load(&ld, err, err_len);
    fclose(ld.f);
    return rc;
}

int fh_config_load_string(const char *name, const char *text,
                          const struct fh_config_table *tables, size_t ntables,
                          char *err, size_t err_len)
{
    struct load ld = {.name = name, .tables = tables, .ntables = ntables,
                      .text = text ? text : ""};
    int rc = apply_defaults(name, tables, ntables, err, err_len);

    return rc < 0 ? rc : load(&ld, err, err_len);
}

/* True when no key before keys[i] of tables[t] has the same section (and, when name
 * is not NULL, the same name): the first of its section, or the owner of its name. */
static bool first_of(const struct fh_config_table *tables, size_t t, size_t i,
                     const char *section, const char *name)
{
    for (size_t t2 = 0; t2 <= t; t2++) {
        for (size_t i2 = 0; i2 < (t2 == t ? i : tables[t2].nkeys); i2++) {
            const struct fh_config_key *k = &tables[t2].keys[i2];
            if (strcmp(k->section, section) == 0 && (!name || strcmp(k->name, name) == 0))
                return false;
        }
    }
    return true;
}

static void print_key(FILE *f, const struct fh_config_key *k)
{
    if (k->help)
        fprintf(f, "; %s\n", k->help);
    fputs("; ", f);
    switch (k->type) {
    case FH_CONF_STRING: fprintf(f, "string of at most %zu characters",
                                 k->size ? k->size - 1 : 0); break;
    case FH_CONF_INT:
        if (k->min != 0 || k->max != 0)
            fprintf(f, "integer %" PRId64 "..%" PRId64, k->min, k->max);
        else
            fputs("integer", f);
        break;
    case FH_CONF_BOOL: fputs("boolean: true/false, yes/no, on/off, 1/0", f); break;
    case FH_CONF_PATH: fputs("node path, e.g. 320000/320100/320102/3132000001", f); break;
    case FH_CONF_ENDPOINT: fputs("endpoint tcp://HOST:PORT or ipc://PATH", f); break;
    case FH_CONF_CHOICE:
        fprintf(f, "one of %.*s", (int)strcspn(k->help ? k->help : "", ":"),
                k->help ? k->help : "");
        break;
    }
    fprintf(f, "%s\n", k->required ? "; required" : "");
    if (k->def)
        fprintf(f, "%s = %s\n\n", k->name, k->def);
    else
        fprintf(f, ";%s =\n\n", k->name);
}

/* Print the owned keys of section, from tables[t].keys[i] on. */
static void print_section(FILE *f, const struct fh_config_table *tables, size_t ntables,
                          size_t t, size_t i, const char *section)
{
    for (; t < ntables; t++, i = 0) {
        for (; i < tables[t].nkeys; i++) {
            const struct fh_config_key *k = &tables[t].keys[i];
            if (strcmp(k->section, section) == 0 && first_of(tables, t, i, section, k->name))
                print_key(f, k);
        }
    }
}

void fh_config_print(FILE *f, const struct fh_config_table *tables, size_t ntables)
{
    /* Keys before any section first: after a header they would land in its section. */
    print_section(f, tables, ntables, 0, 0, "");
    for (size_t t = 0; t < ntables; t++) {
        for (size_t i = 0; i < tables[t].nkeys; i++) {
            const char *section = tables[t].keys[i].section;
            if (section[0] == '\0' || !first_of(tables, t, i, section, NULL))
                continue;
            fprintf(f, "[%s]\n", section);
            print_section(f, tables, ntables, t, i, section);
        }
    }
}
