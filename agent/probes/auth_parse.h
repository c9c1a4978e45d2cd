/* auth_parse.h - the pure parts of the auth probe: log lines, failure counting per
 * source, privileged accounts from passwd/group, SSH key fingerprints.
 *
 * Nothing here reads a file or a clock: the probe (auth.c) hands in lines, texts and
 * the time, so each rule is tested with fixtures and a clock of the test's own. */
#ifndef FH_AUTH_PARSE_H
#define FH_AUTH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FH_AUTH_USER_MAX 64       /* a user name kept (longer: cut, ending in '~') */
#define FH_AUTH_SOURCE_MAX 64     /* an address or host name (longer: malformed) */
#define FH_AUTH_PROGRAM_MAX 32
#define FH_AUTH_METHOD_MAX 32
#define FH_AUTH_MAX_REPEAT 1000   /* "message repeated N times": N counted at most */

enum fh_auth_kind {
    FH_AUTH_NONE = 0,         /* not a line the probe uses */
    FH_AUTH_FAILED,           /* a failed authentication from source */
    FH_AUTH_INVALID_USER,     /* sshd "Invalid user X from S": a failure too */
    FH_AUTH_ACCEPTED,         /* a successful login from source */
};

struct fh_auth_event {
    enum fh_auth_kind kind;
    bool invalid_user;        /* FAILED: "for invalid user X" */
    uint32_t count;           /* 1, or N of "message repeated N times: [ ... ]" */
    long pid;                 /* of program[pid]; 0 when none */
    char program[FH_AUTH_PROGRAM_MAX];
    char user[FH_AUTH_USER_MAX];
    char source[FH_AUTH_SOURCE_MAX];
    char method[FH_AUTH_METHOD_MAX]; /* "password", "publickey", "pam" ... */
};

/* Parse one syslog line (Debian/Ubuntu auth.log or RHEL secure, classic "Mon DD
 * HH:MM:SS host prog[pid]: msg" or RFC 3339 time stamps; journalctl -o short is the
 * same). Knows sshd's "Failed METHOD for [invalid user] U from S port N",
 * "Invalid user U from S", "Accepted METHOD for U from S port N" (sshd or
 * sshd-session), and pam_unix "authentication failure; ... rhost=S user=U" of services
 * other than sshd (sshd logs its own Failed line for the same attempt) with a remote
 * host. Returns 1 with *ev filled, 0 for any other line, FH_EMALFORMED for one of those
 * messages whose source is not an address or host name. */
int fh_auth_parse_line(const char *line, struct fh_auth_event *ev);

/* ---- failures per source ---- */

#define FH_AUTH_MAX_SOURCES 1024     /* sources tracked; the least recent is forgotten */
#define FH_AUTH_MAX_FAIL_COUNT 100   /* the largest fail_count */

struct fh_auth_rules {
    uint32_t fail_count;        /* brute force: this many failures ... */
    uint32_t fail_window_s;     /* ... from one source within this many seconds */
    uint32_t success_window_s;  /* a login counts as "after failures" within this */
    uint32_t success_min_fails; /* ... when the source failed at least this often */
};

struct fh_auth_verdict {
    bool brute_force;           /* this failure made fail_count within the window */
    uint32_t in_window;         /* failures of the source in the window (<= fail_count) */
    bool after_failures;        /* a login from a source that failed recently */
    uint32_t failed_before;     /* its failures within success_window_s */
};

struct fh_auth_tracker;

/* Returns 0, FH_EINVAL (fail_count not 1..FH_AUTH_MAX_FAIL_COUNT, a window of 0) or
 * FH_ENOMEM. The caller frees it with fh_auth_tracker_free(). */
int fh_auth_tracker_new(const struct fh_auth_rules *rules, struct fh_auth_tracker **out);
void fh_auth_tracker_free(struct fh_auth_tracker *tr);

/* Account for ev (FAILED, INVALID_USER or ACCEPTED) at now_s and say what it means.
 * "Invalid user X" and the "Failed ... for invalid user X" that follows it from the same
 * sshd pid are one attempt, counted once. A login clears the source's failures. */
void fh_auth_track(struct fh_auth_tracker *tr, const struct fh_auth_event *ev,
                   uint64_t now_s, struct fh_auth_verdict *v);

/* ---- privileged accounts ---- */

#define FH_AUTH_MAX_PRIV 1024        /* entries of a snapshot (more: left out, counted) */
#define FH_AUTH_PRIV_ENTRY_MAX 144   /* "uid0 NAME" or "group GROUP USER" with NUL */
#define FH_AUTH_MAX_PRIV_GROUPS 16   /* groups named in the groups list */
#define FH_AUTH_NAME_MAX 64          /* a passwd/group name (longer: malformed line) */

/* The privileged accounts of a host: every user with uid 0 ("uid0 NAME"), every member
 * of a privileged group, listed in group or by primary gid in passwd ("group GROUP
 * USER"), sorted and without duplicates. */
struct fh_auth_priv {
    size_t n;
    size_t left_out;            /* entries over FH_AUTH_MAX_PRIV */
    size_t malformed;           /* lines of passwd or group that did not parse */
    char e[FH_AUTH_MAX_PRIV][FH_AUTH_PRIV_ENTRY_MAX];
};

/* Build *out from the texts of passwd and group (NUL-terminated) and groups, a comma
 * separated list of privileged group names ("sudo,wheel,admin"). Always succeeds;
 * lines that do not parse are counted in out->malformed. */
void fh_auth_priv_build(const char *passwd, const char *group, const char *groups,
                        struct fh_auth_priv *out);

/* Call fn for each entry of cur that prev does not hold. Returns the number of them. */
size_t fh_auth_priv_added(const struct fh_auth_priv *prev, const struct fh_auth_priv *cur,
                          void (*fn)(void *arg, const char *entry), void *arg);

/* ---- authorized_keys ---- */

#define FH_AUTH_KEYFP_MAX 64          /* "SHA256:" + 43 base64 characters + NUL */
#define FH_AUTH_MAX_KEY_BLOB 16384    /* base64 characters of a key (more: not a key) */

/* The fingerprint of the key on an authorized_keys line as `ssh-keygen -l` shows it,
 * "SHA256:" and the unpadded base64 of the SHA-256 of the key blob. Returns 0, or
 * FH_ENOTFOUND for a blank or comment line or one without a key that decodes. */
int fh_auth_key_fingerprint(const char *line, char out[FH_AUTH_KEYFP_MAX]);

#endif
