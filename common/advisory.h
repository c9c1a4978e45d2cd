/* advisory.h - 风险通报 (advisories): the spec, its JSON form, and the check of a host.
 *
 * An advisory (Fh__Advisory, proto/fenghuo.proto) names a high-risk vulnerability: CVE
 * ids, and the affected packages, each for one package manager ("dpkg" or "rpm", whose
 * versions differ) with the first fixed version and optionally the first affected
 * (introduced) one, and a fix deadline. fenghuo-ctl advisory issue --file reads it from
 * JSON (fh_advisory_from_json); it travels as the protobuf message; an agent checks it
 * against its package inventory (fh_advisory_check_*) and answers with the verdict.
 *
 * The check, for a host whose package manager is M:
 *   - M not among the advisory's managers: NOT_AFFECTED. The managers are the listed
 *     ones; when none are listed, those its packages name; with no packages, both.
 *   - M among them but no package of the advisory is for M (CVE ids only): UNKNOWN, a
 *     person must check.
 *   - Else each installed package whose name is an advisory package for M is judged;
 *     the packages of one (name, arch) installed in several versions at once (RPM
 *     kernels, kept as fallbacks) are judged by the highest of them. An installed
 *     version below introduced is NOT_AFFECTED, below fixed AFFECTED, else FIXED; one that
 *     is not a valid version for M is UNKNOWN. The host's verdict is the worst of them in
 *     the order AFFECTED, UNKNOWN, FIXED, NOT_AFFECTED (none installed: NOT_AFFECTED), and
 *     the result names the package that decided it (the first by name, then arch).
 *   - Versions compare by M's own order (common/pkgver.h). The patch probe's rpm query
 *     gives VERSION-RELEASE without the epoch; so an installed rpm version without an
 *     epoch is compared with the bound's version-release only (a package's epoch does not
 *     change within a distribution release).
 *
 * Every size read from outside (the JSON file, a received message) is bounded by the
 * FH_ADVISORY_* constants below; over a bound is FH_ETOOBIG, anything else invalid is
 * FH_EMALFORMED, both with a one-line reason naming the field ("packages[1].fixed: ..."). */
#ifndef FH_ADVISORY_H
#define FH_ADVISORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"
#include "path.h"
#include "pkgver.h"

#define FH_ADVISORY_JSON_MAX (256u * 1024u)    /* bytes of an advisory JSON file */
#define FH_ADVISORY_ID_MAX (FH_PATH_MAX + 32)  /* id with its NUL ("<issuer path>#<seq>") */
#define FH_ADVISORY_TITLE_MAX 512              /* title bytes (UTF-8) with the NUL */
#define FH_ADVISORY_TEXT_MAX 8192              /* text bytes (UTF-8) with the NUL */
#define FH_ADVISORY_BY_MAX 128                 /* issued_by bytes with the NUL */
#define FH_ADVISORY_MAX_CVES 64u
#define FH_ADVISORY_CVE_MAX 24                 /* "CVE-YYYY-NNNN..." with the NUL */
#define FH_ADVISORY_MAX_PACKAGES 256u          /* affected packages, both managers */
#define FH_ADVISORY_NAME_MAX 128               /* package name with its NUL */
#define FH_ADVISORY_ARCH_MAX 32                /* installed architecture with its NUL */
#define FH_ADVISORY_MAX_SLOTS 1024u            /* installed (package, arch) pairs judged */
#define FH_ADVISORY_DEFAULT_DEADLINE_DAYS 7    /* plan 001: fix high-risk ones in 7 days */
#define FH_ADVISORY_MAX_DEADLINE_DAYS 365

/* ---- the spec ---- */

/* Parse an advisory JSON document of len bytes (at most FH_ADVISORY_JSON_MAX):
 *
 *   {"id": "CNVD-2024-1234",            optional; the issuer assigns one when absent
 *    "title": "OpenSSH regreSSHion",     required
 *    "text": "...",                      optional: description and measures
 *    "cves": ["CVE-2024-6387"],          optional (case-insensitive, stored upper case)
 *    "managers": ["dpkg", "rpm"],        optional: see the check above
 *    "packages": [{"name": "openssh-server", "manager": "dpkg",
 *                  "fixed": "1:9.2p1-2+deb12u3", "introduced": "1:8.5p1-1"}],
 *    "deadline": "2026-12-02T00:00:00Z"  optional, UTC; or "deadline_days": 1..365;
 *                                        neither: FH_ADVISORY_DEFAULT_DEADLINE_DAYS
 *    "scope": "320000/320100",           optional, a path (common/path.h)
 *    "drill": false}                     optional
 *
 * At least one CVE id or package. Unknown keys are refused (a misspelt "fixed_version"
 * must not pass as "no bound"); so are duplicate keys and duplicate (name, manager)
 * packages, and an introduced version not below its fixed one. issued_us is set to
 * now_us and the deadline must come after it; managers is filled in when absent;
 * issuer and issued_by are left empty for the issuer. On success *out is a new message
 * the caller frees with fh_advisory_free. Returns 0, FH_EMALFORMED, FH_ETOOBIG or
 * FH_ENOMEM, with the reason in why (when why_len > 0). */
int fh_advisory_from_json(const char *text, size_t len, uint64_t now_us, Fh__Advisory **out,
                          char *why, size_t why_len);

/* Check an advisory received from elsewhere by the rules of fh_advisory_from_json, and
 * that it has an id and a deadline. Returns 0, FH_EMALFORMED or FH_ETOOBIG with why. */
int fh_advisory_validate(const Fh__Advisory *a, char *why, size_t why_len);

/* Unpack len bytes (a report body) and validate the advisory. On success *out is the
 * caller's, to free with fh_advisory_free. Returns 0, FH_EMALFORMED, FH_ETOOBIG (len or a
 * field over its bound) or FH_ENOMEM, with why. */
int fh_advisory_unpack(const uint8_t *buf, size_t len, Fh__Advisory **out, char *why,
                       size_t why_len);

/* Free an advisory from fh_advisory_from_json or fh_advisory_unpack (NULL is fine). */
void fh_advisory_free(Fh__Advisory *a);

/* Is manager ("dpkg" or "rpm") in the advisory's scope (see the check above)? */
bool fh_advisory_covers_manager(const Fh__Advisory *a, const char *manager);

/* ---- the check ---- */

/* The verdict for one host and the package that decided it ("" when none did). */
struct fh_advisory_result {
    Fh__AdvisoryVerdict verdict;
    char package[FH_ADVISORY_NAME_MAX];
    char arch[FH_ADVISORY_ARCH_MAX];
    char installed[FH_PKGVER_MAX];
    char fixed[FH_PKGVER_MAX];
    size_t skipped; /* installed entries ignored: arch over its bound */
};

/* One check in progress: begin, add every installed package (in any order, e.g. the
 * chunks of a full PatchState one by one, or the patch probe's inventory), end. It
 * keeps only the packages the advisory names. */
struct fh_advisory_slot;
struct fh_advisory_check {
    const Fh__Advisory *adv;
    bool rpm, covered;
    size_t n; /* advisory packages for this manager, sorted by name */
    const Fh__AdvisoryPackage *pkgs[FH_ADVISORY_MAX_PACKAGES];
    struct fh_advisory_slot *slots; /* highest installed version per (package, arch) */
    size_t nslots, cap, skipped;
};

/* Start checking a (valid: fh_advisory_validate) advisory for a host whose package
 * manager is manager. Returns 0 or FH_EINVAL (manager not "dpkg" or "rpm"). After 0,
 * fh_advisory_check_end must be called (it frees what add allocated). */
int fh_advisory_check_begin(struct fh_advisory_check *c, const Fh__Advisory *a,
                            const char *manager);

/* One installed package (arch may be NULL or ""). Returns 0, FH_ETOOBIG (more than
 * FH_ADVISORY_MAX_SLOTS matching (package, arch) pairs) or FH_ENOMEM. */
int fh_advisory_check_add(struct fh_advisory_check *c, const char *name,
                          const char *version, const char *arch);

/* The verdict into *out; frees the check's memory (c may be begun again). */
void fh_advisory_check_end(struct fh_advisory_check *c, struct fh_advisory_result *out);

/* The whole check on a PatchState that holds a whole inventory in one message (full and
 * n_installed == package_count), with its package_manager. Returns 0, FH_EINVAL (not a
 * whole inventory, unknown manager), FH_ETOOBIG or FH_ENOMEM. */
int fh_advisory_check_state(const Fh__Advisory *a, const Fh__PatchState *ps,
                            struct fh_advisory_result *out);

/* Fill ans (initialised here) with the answer to a for result r. The strings point into
 * a, r and manager, which must outlive ans; nothing is allocated. */
void fh_advisory_answer_fill(Fh__AdvisoryAnswer *ans, const Fh__Advisory *a,
                             const struct fh_advisory_result *r, const char *manager,
                             uint64_t checked_us);

/* "affected", "not_affected", "fixed", "unknown" (anything else: "unspecified"). */
const char *fh_advisory_verdict_name(Fh__AdvisoryVerdict v);

#endif
