/* advisory.c - the advisory spec: JSON in, validation, unpacking (advisory.h).
 *
 * One validator, check_fields(), holds every rule on the content of an advisory; the
 * JSON reader only checks shapes and types (unknown keys, a string where a string
 * belongs), copies values into a new Fh__Advisory, fills in what the issuer defaults
 * (issued_us, the deadline, managers) and then runs the same validator a received
 * message gets, so both refuse the same things with the same field names. Messages are
 * built with malloc field by field so that protobuf-c's free_unpacked releases those
 * made here and those it unpacked alike. The check of a host is in advisory_check.c. */
#include "advisory.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"

#define US_PER_DAY (86400ull * 1000000ull)
#define DEADLINE_TEXT_LEN 20 /* "2026-12-02T00:00:00Z" */

/* Write the reason into why and return err. */
static int refuse(char *why, size_t why_len, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(char *why, size_t why_len, int err, const char *fmt, ...)
{
    if (why && why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* ---- field rules ---- */

/* Printable ASCII without spaces, 1..max-1 bytes (ids, package names). */
static bool is_token(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (n == 0 || n >= max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* Valid UTF-8 without control characters (but '\n' and '\t' when multiline). */
static bool is_text(const char *s, bool multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, extra;
        if (c < 0x80) {
            if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f)
                return false;
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            extra = 1;
        else if (c >= 0xe0 && c <= 0xef)
            extra = 2;
        else if (c >= 0xf0 && c <= 0xf4)
            extra = 3;
        else
            return false;
        unsigned cp = c & (0x3fu >> extra);
        for (unsigned k = 1; k <= extra; k++) {
            if ((p[k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[k] & 0x3f);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false; /* overlong, surrogate or out of range */
        p += extra + 1;
    }
    return true;
}

/* "CVE-YYYY-N..." with 4 to 14 digits after the year, upper case. */
static bool is_cve(const char *s)
{
    size_t n = strnlen(s, FH_ADVISORY_CVE_MAX);
    if (n < 13 || n >= FH_ADVISORY_CVE_MAX || memcmp(s, "CVE-", 4) != 0 || s[8] != '-')
        return false;
    for (size_t i = 4; i < n; i++)
        if (i != 8 && (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

static bool is_manager(const char *s) { return !strcmp(s, "dpkg") || !strcmp(s, "rpm"); }

static bool version_ok(const char *manager, const char *v)
{
    return !strcmp(manager, "rpm") ? fh_pkgver_valid_rpm(v) : fh_pkgver_valid_deb(v);
}

static int version_cmp(const char *manager, const char *a, const char *b)
{
    return !strcmp(manager, "rpm") ? fh_pkgver_cmp_rpm(a, b) : fh_pkgver_cmp_deb(a, b);
}

bool fh_advisory_covers_manager(const Fh__Advisory *a, const char *manager)
{
    if (!manager)
        return false;
    if (a->n_managers > 0) {
        for (size_t i = 0; i < a->n_managers; i++)
            if (!strcmp(a->managers[i], manager))
                return true;
        return false;
    }
    if (a->n_packages == 0)
        return is_manager(manager);
    for (size_t i = 0; i < a->n_packages; i++)
        if (!strcmp(a->packages[i]->manager, manager))
            return true;
    return false;
}

/* A string field over its bound is FH_ETOOBIG, else bad content FH_EMALFORMED. */
static int check_text(const char *field, const char *s, size_t max, bool multiline,
                      bool required, char *why, size_t why_len)
{
    size_t n = strnlen(s, max);
    if (n >= max)
        return refuse(why, why_len, FH_ETOOBIG, "%s: longer than %zu bytes", field, max - 1);
    if (required && n == 0)
        return refuse(why, why_len, FH_EMALFORMED, "%s: missing or empty", field);
    if (!is_text(s, multiline))
        return refuse(why, why_len, FH_EMALFORMED,
                      "%s: not UTF-8 text (or has control characters)", field);
    return 0;
}

static int check_package(const Fh__Advisory *a, size_t i, char *why, size_t why_len)
{
    const Fh__AdvisoryPackage *p = a->packages[i];
    if (!p)
        return refuse(why, why_len, FH_EMALFORMED, "packages[%zu]: missing", i);
    if (!is_token(p->name, FH_ADVISORY_NAME_MAX))
        return refuse(why, why_len, FH_EMALFORMED,
                      "packages[%zu].name: empty, over %d bytes or not printable ASCII", i,
                      FH_ADVISORY_NAME_MAX - 1);
    if (!is_manager(p->manager))
        return refuse(why, why_len, FH_EMALFORMED,
                      "packages[%zu].manager: \"%.16s\" is not \"dpkg\" or \"rpm\"", i,
                      p->manager);
    if (a->n_managers > 0 && !fh_advisory_covers_manager(a, p->manager))
        return refuse(why, why_len, FH_EMALFORMED,
                      "packages[%zu].manager: \"%s\" is not among managers", i, p->manager);
    const char *kind = !strcmp(p->manager, "rpm") ? "RPM" : "Debian";
    if (!version_ok(p->manager, p->fixed))
        return refuse(why, why_len, FH_EMALFORMED,
                      "packages[%zu].fixed: \"%.64s\" is not a valid %s version", i,
                      p->fixed, kind);
    if (p->introduced[0]) {
        if (!version_ok(p->manager, p->introduced))
            return refuse(why, why_len, FH_EMALFORMED,
                          "packages[%zu].introduced: \"%.64s\" is not a valid %s version", i,
                          p->introduced, kind);
        if (version_cmp(p->manager, p->introduced, p->fixed) >= 0)
            return refuse(why, why_len, FH_EMALFORMED,
                          "packages[%zu].introduced: not below fixed", i);
    }
    for (size_t k = 0; k < i; k++)
        if (!strcmp(a->packages[k]->name, p->name) &&
            !strcmp(a->packages[k]->manager, p->manager))
            return refuse(why, why_len, FH_EMALFORMED,
                          "packages[%zu]: \"%s\" for %s is already packages[%zu]", i,
                          p->name, p->manager, k);
    return 0;
}

/* Every rule on the content; need_id: a received advisory must have its id. */
static int check_fields(const Fh__Advisory *a, bool need_id, char *why, size_t why_len)
{
    int rc;
    if (need_id || a->id[0]) {
        if (strnlen(a->id, FH_ADVISORY_ID_MAX) >= FH_ADVISORY_ID_MAX)
            return refuse(why, why_len, FH_ETOOBIG, "id: longer than %d bytes",
                          FH_ADVISORY_ID_MAX - 1);
        if (!is_token(a->id, FH_ADVISORY_ID_MAX))
            return refuse(why, why_len, FH_EMALFORMED,
                          "id: missing, or not printable ASCII without spaces");
    }
    if ((rc = check_text("title", a->title, FH_ADVISORY_TITLE_MAX, false, true, why,
                         why_len)) ||
        (rc = check_text("text", a->text, FH_ADVISORY_TEXT_MAX, true, false, why,
                         why_len)) ||
        (rc = check_text("issued_by", a->issued_by, FH_ADVISORY_BY_MAX, false, false, why,
                         why_len)))
        return rc;
    if (a->scope[0] && !fh_path_valid(a->scope))
        return refuse(why, why_len, FH_EMALFORMED, "scope: \"%.64s\" is not a valid path",
                      a->scope);
    if (a->issuer[0] && !fh_path_valid(a->issuer))
        return refuse(why, why_len, FH_EMALFORMED, "issuer: \"%.64s\" is not a valid path",
                      a->issuer);
    if (a->n_cves > FH_ADVISORY_MAX_CVES)
        return refuse(why, why_len, FH_ETOOBIG, "cves: more than %u", FH_ADVISORY_MAX_CVES);
    for (size_t i = 0; i < a->n_cves; i++) {
        if (!a->cves[i] || !is_cve(a->cves[i]))
            return refuse(why, why_len, FH_EMALFORMED,
                          "cves[%zu]: \"%.32s\" is not CVE-YYYY-NNNN", i,
                          a->cves[i] ? a->cves[i] : "");
        for (size_t k = 0; k < i; k++)
            if (!strcmp(a->cves[k], a->cves[i]))
                return refuse(why, why_len, FH_EMALFORMED, "cves[%zu]: %s twice", i,
                              a->cves[i]);
    }
    if (a->n_managers > 2)
        return refuse(why, why_len, FH_ETOOBIG, "managers: more than 2");
    for (size_t i = 0; i < a->n_managers; i++) {
        if (!a->managers[i] || !is_manager(a->managers[i]))
            return refuse(why, why_len, FH_EMALFORMED,
                          "managers[%zu]: not \"dpkg\" or \"rpm\"", i);
        if (i == 1 && !strcmp(a->managers[0], a->managers[1]))
            return refuse(why, why_len, FH_EMALFORMED, "managers[1]: %s twice",
                          a->managers[1]);
    }
    if (a->n_packages > FH_ADVISORY_MAX_PACKAGES)
        return refuse(why, why_len, FH_ETOOBIG, "packages: more than %u",
                      FH_ADVISORY_MAX_PACKAGES);
    for (size_t i = 0; i < a->n_packages; i++)
        if ((rc = check_package(a, i, why, why_len)))
            return rc;
    if (a->n_cves == 0 && a->n_packages == 0)
        return refuse(why, why_len, FH_EMALFORMED, "cves, packages: neither is given");
    if (a->deadline_us == 0 || a->deadline_us <= a->issued_us)
        return refuse(why, why_len, FH_EMALFORMED, "deadline: missing or not after issue");
    return 0;
}

int fh_advisory_validate(const Fh__Advisory *a, char *why, size_t why_len)
{
    if (!a)
        return refuse(why, why_len, FH_EMALFORMED, "advisory: missing");
    return check_fields(a, true, why, why_len);
}

void fh_advisory_free(Fh__Advisory *a)
{
    if (a)
        fh__advisory__free_unpacked(a, NULL);
}

int fh_advisory_unpack(const uint8_t *buf, size_t len, Fh__Advisory **out, char *why,
                       size_t why_len)
{
    *out = NULL;
    if (len > FH_ADVISORY_JSON_MAX) /* the packed form is smaller than the JSON bound */
        return refuse(why, why_len, FH_ETOOBIG, "advisory: %zu bytes, over %u", len,
                      FH_ADVISORY_JSON_MAX);
    Fh__Advisory *a = fh__advisory__unpack(NULL, len, buf);
    if (!a)
        return refuse(why, why_len, FH_EMALFORMED, "advisory: does not decode");
    int rc = fh_advisory_validate(a, why, why_len);
    if (rc) {
        fh_advisory_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

/* ---- JSON ---- */

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) into microseconds; false when it is not exactly that. */
static bool parse_utc(const char *s, uint64_t *us)
{
    int y, mo, d, h, mi, se, n = -1;
    if (strlen(s) != DEADLINE_TEXT_LEN ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
        n != DEADLINE_TEXT_LEN || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
        return false;
    for (int i = 0; i < DEADLINE_TEXT_LEN - 1; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
            return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = se};
    time_t t = timegm(&tm);
    struct tm back;
    if (y < 1970 || t < 0 || !gmtime_r(&t, &back) || back.tm_mday != d ||
        back.tm_mon != mo - 1 || back.tm_hour != h || back.tm_min != mi || back.tm_sec != se)
        return false; /* February 30th, 24:00 and the like */
    *us = (uint64_t)t * 1000000u;
    return true;
}

/* Copy a JSON string into *dst (a message field), upper-casing when upper. */
static int take_string(json_t *v, const char *field, char **dst, bool upper, char *why,
                       size_t why_len)
{
    if (!json_is_string(v))
        return refuse(why, why_len, FH_EMALFORMED, "%s: not a string", field);
    char *s = strdup(json_string_value(v));
    if (!s)
        return refuse(why, why_len, FH_ENOMEM, "%s: out of memory", field);
    for (char *c = s; upper && *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    *dst = s;
    return 0;
}

/* A JSON array of strings into a repeated string field. */
static int take_strings(json_t *v, const char *field, size_t max, char ***dst, size_t *n,
                        bool upper, char *why, size_t why_len)
{
    if (!json_is_array(v))
        return refuse(why, why_len, FH_EMALFORMED, "%s: not an array", field);
    size_t count = json_array_size(v);
    if (count > max)
        return refuse(why, why_len, FH_ETOOBIG, "%s: more than %zu", field, max);
    if (count == 0)
        return 0;
    if (!(*dst = calloc(count, sizeof **dst)))
        return refuse(why, why_len, FH_ENOMEM, "%s: out of memory", field);
    for (size_t i = 0; i < count; i++) {
        char name[48];
        snprintf(name, sizeof name, "%s[%zu]", field, i);
        int rc = take_string(json_array_get(v, i), name, &(*dst)[i], upper, why, why_len);
        if (rc)
            return rc;
        (*n)++;
    }
    return 0;
}

static int take_package(json_t *v, size_t i, Fh__AdvisoryPackage *p, char *why,
                        size_t why_len)
{
    if (!json_is_object(v))
        return refuse(why, why_len, FH_EMALFORMED, "packages[%zu]: not an object", i);
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        char field[64];
        snprintf(field, sizeof field, "packages[%zu].%.24s", i, key);
        char **dst = !strcmp(key, "name")         ? &p->name
                     : !strcmp(key, "manager")    ? &p->manager
                     : !strcmp(key, "fixed")      ? &p->fixed
                     : !strcmp(key, "introduced") ? &p->introduced
                                                  : NULL;
        if (!dst)
            return refuse(why, why_len, FH_EMALFORMED, "packages[%zu]: unknown key \"%.32s\"",
                          i, key);
        int rc = take_string(val, field, dst, false, why, why_len);
        if (rc)
            return rc;
    }
    if (!p->name[0] || !p->manager[0] || !p->fixed[0])
        return refuse(why, why_len, FH_EMALFORMED, "packages[%zu].%s: missing", i,
                      !p->name[0] ? "name" : !p->manager[0] ? "manager" : "fixed");
    return 0;
}

static int take_packages(json_t *v, Fh__Advisory *a, char *why, size_t why_len)
{
    if (!json_is_array(v))
        return refuse(why, why_len, FH_EMALFORMED, "packages: not an array");
    size_t count = json_array_size(v);
    if (count > FH_ADVISORY_MAX_PACKAGES)
        return refuse(why, why_len, FH_ETOOBIG, "packages: more than %u",
                      FH_ADVISORY_MAX_PACKAGES);
    if (count == 0)
        return 0;
    if (!(a->packages = calloc(count, sizeof *a->packages)))
        return refuse(why, why_len, FH_ENOMEM, "packages: out of memory");
    for (size_t i = 0; i < count; i++) {
        Fh__AdvisoryPackage *p = malloc(sizeof *p);
        if (!p)
            return refuse(why, why_len, FH_ENOMEM, "packages: out of memory");
        fh__advisory_package__init(p);
        a->packages[a->n_packages++] = p;
        int rc = take_package(json_array_get(v, i), i, p, why, why_len);
        if (rc)
            return rc;
    }
    return 0;
}

/* managers absent: those the packages name, or both when there are none. */
static int default_managers(Fh__Advisory *a, char *why, size_t why_len)
{
    const char *both[] = {"dpkg", "rpm"};
    if (!(a->managers = calloc(2, sizeof *a->managers)))
        return refuse(why, why_len, FH_ENOMEM, "managers: out of memory");
    for (size_t k = 0; k < 2; k++) {
        bool named = a->n_packages == 0;
        for (size_t i = 0; i < a->n_packages && !named; i++)
            named = !strcmp(a->packages[i]->manager, both[k]);
        if (named && !(a->managers[a->n_managers++] = strdup(both[k])))
            return refuse(why, why_len, FH_ENOMEM, "managers: out of memory");
    }
    return 0;
}

static int take_keys(json_t *root, Fh__Advisory *a, uint64_t now_us, char *why,
                     size_t why_len)
{
    const char *key;
    json_t *v;
    json_t *deadline = NULL, *days = NULL;
    bool managers = false;
    int rc = 0;
    json_object_foreach(root, key, v) {
        if (!strcmp(key, "id"))
            rc = take_string(v, key, &a->id, false, why, why_len);
        else if (!strcmp(key, "title"))
            rc = take_string(v, key, &a->title, false, why, why_len);
        else if (!strcmp(key, "text"))
            rc = take_string(v, key, &a->text, false, why, why_len);
        else if (!strcmp(key, "scope"))
            rc = take_string(v, key, &a->scope, false, why, why_len);
        else if (!strcmp(key, "cves"))
            rc = take_strings(v, key, FH_ADVISORY_MAX_CVES, &a->cves, &a->n_cves, true, why,
                              why_len);
        else if (!strcmp(key, "managers")) {
            rc = take_strings(v, key, 2, &a->managers, &a->n_managers, false, why, why_len);
            managers = true;
        } else if (!strcmp(key, "packages"))
            rc = take_packages(v, a, why, why_len);
        else if (!strcmp(key, "deadline"))
            deadline = v;
        else if (!strcmp(key, "deadline_days"))
            days = v;
        else if (!strcmp(key, "drill")) {
            if (!json_is_boolean(v))
                return refuse(why, why_len, FH_EMALFORMED, "drill: not true or false");
            a->drill = json_is_true(v);
        } else
            return refuse(why, why_len, FH_EMALFORMED, "unknown key \"%.32s\"", key);
        if (rc)
            return rc;
    }
    if (managers && a->n_managers == 0)
        return refuse(why, why_len, FH_EMALFORMED, "managers: empty");
    if (!managers && (rc = default_managers(a, why, why_len)))
        return rc;
    a->issued_us = now_us;
    if (deadline && days)
        return refuse(why, why_len, FH_EMALFORMED, "deadline, deadline_days: give one");
    if (deadline) {
        if (!json_is_string(deadline) || !parse_utc(json_string_value(deadline), &a->deadline_us))
            return refuse(why, why_len, FH_EMALFORMED,
                          "deadline: not a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"");
        if (a->deadline_us <= now_us)
            return refuse(why, why_len, FH_EMALFORMED, "deadline: not in the future");
        if (a->deadline_us - now_us > FH_ADVISORY_MAX_DEADLINE_DAYS * US_PER_DAY)
            return refuse(why, why_len, FH_EMALFORMED, "deadline: more than %d days ahead",
                          FH_ADVISORY_MAX_DEADLINE_DAYS);
    } else {
        json_int_t n = FH_ADVISORY_DEFAULT_DEADLINE_DAYS;
        if (days) {
            if (!json_is_integer(days) || json_integer_value(days) < 1 ||
                json_integer_value(days) > FH_ADVISORY_MAX_DEADLINE_DAYS)
                return refuse(why, why_len, FH_EMALFORMED,
                              "deadline_days: not a whole number of days from 1 to %d",
                              FH_ADVISORY_MAX_DEADLINE_DAYS);
            n = json_integer_value(days);
        }
        a->deadline_us = now_us + (uint64_t)n * US_PER_DAY;
    }
    return 0;
}

int fh_advisory_from_json(const char *text, size_t len, uint64_t now_us, Fh__Advisory **out,
                          char *why, size_t why_len)
{
    *out = NULL;
    if (len > FH_ADVISORY_JSON_MAX)
        return refuse(why, why_len, FH_ETOOBIG, "advisory: %zu bytes, over %u", len,
                      FH_ADVISORY_JSON_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return refuse(why, why_len, FH_EMALFORMED, "JSON, line %d column %d: %s", jerr.line,
                      jerr.column, jerr.text);
    int rc;
    Fh__Advisory *a = malloc(sizeof *a);
    if (!a) {
        rc = refuse(why, why_len, FH_ENOMEM, "advisory: out of memory");
        goto out;
    }
    fh__advisory__init(a);
    if (!json_is_object(root)) {
        rc = refuse(why, why_len, FH_EMALFORMED, "advisory: not a JSON object");
        goto out;
    }
    if ((rc = take_keys(root, a, now_us, why, why_len)))
        goto out;
    if ((rc = check_fields(a, false, why, why_len)))
        goto out;
    *out = a;
    a = NULL;
out:
    fh_advisory_free(a);
    json_decref(root);
    return rc;
}
