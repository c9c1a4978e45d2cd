/* pkgver.h - package version order of dpkg and rpm, for advisories (风险通报).
 *
 * An advisory says "hosts with openssh-server below 1:9.2p1-2+deb12u3 are affected", so
 * the order must be exactly the package manager's, not an approximation:
 *
 *   Debian (Debian Policy §5.6.12): [epoch:]upstream_version[-debian_revision]. The epoch
 *   is everything before the first ':' (absent: 0), the revision everything after the
 *   last '-' (absent: equal to "0"). Epochs compare as numbers; then upstream, then
 *   revision, each by alternating runs: a run of non-digits compared character by
 *   character where '~' sorts before everything (even the end of the run), letters
 *   before all other characters, others by ASCII; then a run of digits compared as a
 *   number (an empty run is 0). So 1.0~rc1 < 1.0 < 1.0+b1 < 1.0.1 and 1:1.0 > 2.0.
 *
 *   RPM ([epoch:]version[-release], the order of rpm's rpmvercmp as rpm >= 4.15
 *   documents it): epoch as a number (absent: 0), then version, then release (absent:
 *   empty, below every release). Each string is cut into segments of only digits or
 *   only letters, anything else separating them; numeric segments compare as numbers
 *   and are newer than alphabetic ones, alphabetic segments compare by ASCII (so
 *   upper case sorts first); when one string runs out of segments the longer one is
 *   newer. '~' sorts before everything, even the end ("1.0~rc1" < "1.0"); '^' sorts
 *   after the end but before anything else ("1.0" < "1.0^git1" < "1.0.1").
 *
 * Invalid input. Both compare functions are total orders on every byte string, so a
 * sort or a max never misbehaves whatever a host reports: a version that is invalid
 * for its manager (see fh_pkgver_valid_deb / fh_pkgver_valid_rpm; NULL, "" and strings
 * of FH_PKGVER_MAX bytes or more included) sorts below every valid version; invalid
 * ones order among themselves by bytes (NULL first). Callers that must not guess (the
 * advisory check) test validity first. Digit runs of any length compare exactly (by
 * their digits, not through an integer), so nothing overflows. */
#ifndef FH_PKGVER_H
#define FH_PKGVER_H

#include <stdbool.h>

#define FH_PKGVER_MAX 128 /* bytes of a version with its NUL (FH_PATCH_VERSION_MAX) */

/* Debian order of a and b: <0 when a is older, 0 when equal in dpkg's sense ("1.0" ==
 * "1.0-0" == "0:1.0" == "1.00"), >0 when newer. Never fails. */
int fh_pkgver_cmp_deb(const char *a, const char *b);

/* RPM order of two "[epoch:]version[-release]" strings, as fh_pkgver_cmp_deb. */
int fh_pkgver_cmp_rpm(const char *a, const char *b);

/* rpmvercmp alone on one version or release string (no epoch or release split): <0, 0,
 * >0. Any bytes are accepted (NULL is ""); the order over valid strings is rpm's. */
int fh_pkgver_rpmvercmp(const char *a, const char *b);

/* Is s a valid Debian version: shorter than FH_PKGVER_MAX, epoch (when a ':' is
 * present) one or more digits, upstream non-empty of letters, digits and ". + ~ -",
 * revision (after the last '-', when present) non-empty of letters, digits and ". + ~".
 * Policy's "should start with a digit" is not required (dpkg only warns). */
bool fh_pkgver_valid_deb(const char *s);

/* Is s a valid RPM "[epoch:]version[-release]": shorter than FH_PKGVER_MAX, epoch
 * digits (when a ':' is present), version non-empty, version and release (after the
 * last '-', non-empty when the '-' is there) of letters, digits and ". _ + ~ ^". */
bool fh_pkgver_valid_rpm(const char *s);

/* The parts of an RPM "[epoch:]version[-release]" (the EVR splitter). Points into
 * evr; lengths in bytes. An absent epoch has epoch_len 0; an absent release has
 * release == NULL. Returns 0, or FH_EMALFORMED when evr is not valid (fh_pkgver_valid_rpm;
 * out is then unspecified). */
struct fh_pkgver_evr {
    const char *epoch, *version, *release;
    unsigned epoch_len, version_len, release_len;
};
int fh_pkgver_split_rpm(const char *evr, struct fh_pkgver_evr *out);

#endif
