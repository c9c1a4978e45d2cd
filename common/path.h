/* path.h - node paths and scopes.
 *
 * A node's path names where it sits in the administrative tree:
 *
 *     [100000/]320000/320100/320102/3132000001/web01
 *     nation   province city  county  unit       host
 *
 * Division segments are GB/T 2260 six-digit codes whose prefixes nest: a province is
 * PP0000 (PP 11..82), a city PPCC00 (CC != 00) under province PP0000, a county PPCCXX
 * (XX != 00) under city PPCC00. The optional leading 100000 stands for the nation, for
 * deployments with a national top tier. A path holds one or more division segments in
 * that order without skipping a level (a county needs its city), then optionally a unit
 * code, then optionally a host name. A unit code is 8 to 18 characters of ASCII digits
 * and upper-case letters (a school's 10-digit 学校标识码, an 18-character 统一社会信用代码,
 * a 9-character 组织机构代码) so it can never be read as a division code. A host name is
 * an RFC 1123 name: labels of 1..63 letters, digits and '-', not starting or ending with
 * '-', joined by '.', at most 253 characters in all; it needs a unit above it.
 *
 * A scope is any valid path; a path is within a scope when the scope's segments are the
 * path's first segments (segment-wise, so 320100 is not within 32010). */
#ifndef FH_PATH_H
#define FH_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define FH_PATH_MAX 320     /* bytes of a path including the terminating NUL */
#define FH_PATH_SEGMENTS 6  /* nation, province, city, county, unit, host */
#define FH_NATION_CODE "100000"

enum fh_path_level {
    FH_LEVEL_NATION,
    FH_LEVEL_PROVINCE,
    FH_LEVEL_CITY,
    FH_LEVEL_COUNTY,
    FH_LEVEL_UNIT,
    FH_LEVEL_HOST,
};

struct fh_path {
    char text[FH_PATH_MAX];               /* the path as given, validated */
    size_t nseg;                           /* segments in use */
    enum fh_path_level level[FH_PATH_SEGMENTS];
    unsigned short off[FH_PATH_SEGMENTS];  /* offset of each segment in text */
    unsigned short len[FH_PATH_SEGMENTS];  /* length of each segment */
};

/* Parse and validate s. On success fills *out and returns 0. On failure returns
 * FH_EINVAL (or FH_ETOOBIG for an over-long path) and, when why is not NULL, writes a
 * one-line English reason naming the bad segment into why (at most why_len bytes). */
int fh_path_parse(const char *s, struct fh_path *out, char *why, size_t why_len);

/* True when s is a valid path. */
bool fh_path_valid(const char *s);

/* True when path is scope itself or lies below it. Both must be valid paths; an
 * invalid one makes the answer false. */
bool fh_path_within(const char *scope, const char *path);

/* The same for two paths already known to be valid (fh_path_valid): a string compare,
 * no parsing. A valid path has no empty segment, so segment-wise containment is "scope
 * is a prefix of path ending at a '/' or at path's end". */
bool fh_path_within_valid(const char *scope, const char *path);

/* The level of the last segment ("province", "city", "county", "unit", "host",
 * "nation"): a static string. */
const char *fh_path_level_name(enum fh_path_level level);

/* Copy into out (size out_len) the path without its last segment; "" when it has one
 * segment. Returns 0, or FH_ETOOBIG when out is too small. */
int fh_path_parent(const char *path, char *out, size_t out_len);

#endif
