/* patch_parse.h - the package inventory and the text parsers of the patch probe.
 *
 * Internal to the patch probe: implemented in patch_parse.c, used by patch.c and
 * tests/unit/test_patch.c; the agent never includes it. Nothing here does I/O: the probe
 * reads files and program output in chunks and feeds them to a line splitter, whose
 * callback is one of the parsers below. Every length from outside is checked against a
 * bound named here; a field over its bound makes its package (or line) malformed, never
 * truncated into a wrong value. Package fields must be printable ASCII without spaces
 * (0x21..0x7e), so "name version arch" lines sort the same way field by field. */
#ifndef FH_PATCH_PARSE_H
#define FH_PATCH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FH_PATCH_MAX_PACKAGES 20000u   /* packages in one inventory; more are left out */
#define FH_PATCH_NAME_MAX 128          /* package name with its NUL */
#define FH_PATCH_VERSION_MAX 128       /* version with its NUL */
#define FH_PATCH_ARCH_MAX 32           /* architecture with its NUL */
#define FH_PATCH_LINE_MAX 1024         /* kept of one input line; the rest is cut */
#define FH_PATCH_MAX_SECURITY_NAMES 2048u       /* names kept of pending security updates */
#define FH_PATCH_SECURITY_TEXT_BYTES (32 * 1024) /* and the bytes of those names */
#define FH_PATCH_RELEASE_MAX 160       /* a kernel release with its NUL */

/* ---- version order ---- */

/* Compare two Debian versions ([epoch:]upstream[-revision]) the way dpkg does: epochs
 * numerically (absent is 0), then upstream and revision part by part, where digits
 * compare as numbers, letters sort before other characters and '~' before anything,
 * even the end ("1.0~rc1" < "1.0"). An absent revision equals "0". A prefix before ':'
 * that is not all digits is not an epoch. NULL is "". Returns <0, 0 or >0. Also used
 * for RPM's VERSION-RELEASE, which it orders the same way for the usual versions. */
int fh_deb_version_cmp(const char *a, const char *b);

/* ---- the inventory ---- */

/* One installed package; the strings live in the inventory's arena. */
struct fh_patch_pkg {
    const char *name;
    const char *version;
    const char *arch; /* "" when the package database gave none */
};

struct fh_patch_block; /* a block of the arena, private to patch_parse.c */

/* A set of installed packages. Zero-initialise (or fh_patch_inv_init), fill with
 * fh_patch_inv_add, then fh_patch_inv_finish before reading it. fh_patch_inv_reset
 * empties it but keeps its memory for the next fill; fh_patch_inv_free releases it. */
struct fh_patch_inv {
    struct fh_patch_pkg *pkgs; /* after finish: sorted by name, arch, version; unique */
    size_t n, cap;
    struct fh_patch_block *blocks, *fill; /* the arena holding the strings */
    const struct fh_patch_pkg **order;    /* scratch of fh_patch_inv_sha256 */
    size_t order_cap;
};

void fh_patch_inv_init(struct fh_patch_inv *inv);
void fh_patch_inv_reset(struct fh_patch_inv *inv);
void fh_patch_inv_free(struct fh_patch_inv *inv);

/* Copy one package in (lengths in bytes, the strings need no NUL). Returns 0,
 * FH_EMALFORMED (empty name or version, a field over its bound or with a byte outside
 * 0x21..0x7e: nothing added), FH_ETOOBIG (already FH_PATCH_MAX_PACKAGES) or FH_ENOMEM. */
int fh_patch_inv_add(struct fh_patch_inv *inv, const char *name, size_t name_len,
                     const char *version, size_t version_len, const char *arch,
                     size_t arch_len);

/* Sort by name, arch, version (byte order) and drop exact duplicates. */
void fh_patch_inv_finish(struct fh_patch_inv *inv);

/* SHA-256 over the lines "name version arch\n" of every package, lines in byte order
 * (what `LC_ALL=C sort` gives), into out. Returns 0, FH_ENOMEM or FH_EIO (OpenSSL). */
int fh_patch_inv_sha256(struct fh_patch_inv *inv, uint8_t out[32]);

/* What changed from old to cur (both finished). A package is known by its name and
 * arch; those with several versions installed at once (RPM kernels) form one group.
 * changed() is called for every package of cur whose group is new or differs from old's
 * (so a receiver replaces the whole group); removed() once for the first package of each
 * group of old that cur no longer has. A callback returning non-zero stops the walk and
 * that value is returned; else 0. */
typedef int (*fh_patch_pkg_fn)(void *arg, const struct fh_patch_pkg *p);
int fh_patch_inv_diff(const struct fh_patch_inv *old, const struct fh_patch_inv *cur,
                      fh_patch_pkg_fn changed, fh_patch_pkg_fn removed, void *arg);

/* ---- lines ---- */

/* Called with each line, without its '\n', NUL-terminated at line[len]. cut: the line
 * was longer than FH_PATCH_LINE_MAX - 1 bytes and only its start is given. Returns 0 to
 * go on, non-zero to stop the feed (which then returns that value). */
typedef int (*fh_patch_line_fn)(void *arg, const char *line, size_t len, bool cut);

struct fh_patch_lines {
    fh_patch_line_fn fn;
    void *arg;
    size_t len;
    bool cut;
    int stopped; /* non-zero once fn stopped the feed */
    char buf[FH_PATCH_LINE_MAX];
};

void fh_patch_lines_init(struct fh_patch_lines *l, fh_patch_line_fn fn, void *arg);
/* Split n bytes into lines; returns 0 or what fn stopped with (later feeds do nothing). */
int fh_patch_lines_feed(struct fh_patch_lines *l, const char *data, size_t n);
/* End of input: a last line without '\n' is passed on. Returns 0 or fn's stop value. */
int fh_patch_lines_end(struct fh_patch_lines *l);

/* ---- package databases ---- */

/* The state of one parse into an inventory: fh_patch_parse_begin, then one of the line
 * functions as the fh_patch_line_fn (arg: the struct fh_patch_parse), then
 * fh_patch_parse_end. They stop the feed with FH_ETOOBIG when the inventory is full and
 * FH_ENOMEM; a malformed package is skipped and counted. */
struct fh_patch_parse {
    struct fh_patch_inv *inv;
    size_t malformed; /* packages (dpkg stanzas, rpm lines) skipped */
    /* the dpkg stanza being read */
    bool in_stanza, installed, bad;
    size_t name_len, version_len, arch_len;
    char name[FH_PATCH_NAME_MAX], version[FH_PATCH_VERSION_MAX], arch[FH_PATCH_ARCH_MAX];
};

void fh_patch_parse_begin(struct fh_patch_parse *p, struct fh_patch_inv *inv);

/* One line of /var/lib/dpkg/status. Stanzas end at a blank line; fields are
 * "Name: value" (names case-insensitive), continuation lines start with a space or tab.
 * A stanza is a package when its Status' third word is "installed" (so "hold ok
 * installed" counts, "deinstall ok config-files" does not) and it has Package and
 * Version; Architecture may be missing (""). */
int fh_patch_dpkg_line(void *parse, const char *line, size_t len, bool cut);

/* One line of `rpm -qa --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n'`: three fields
 * separated by blanks; a blank line is skipped, anything else malformed. */
int fh_patch_rpm_line(void *parse, const char *line, size_t len, bool cut);

/* End of input: the last dpkg stanza (no blank line after it) is taken. Returns 0, or
 * FH_ETOOBIG / FH_ENOMEM as the line functions. */
int fh_patch_parse_end(struct fh_patch_parse *p);

/* ---- pending updates ---- */

/* What `apt-get -s upgrade` would install. */
struct fh_patch_apt {
    uint32_t pending;   /* "Inst" lines */
    uint32_t security;  /* of them from a security suite */
    size_t nnames;      /* names kept of the security ones (bounded; the count is exact) */
    char *names[FH_PATCH_MAX_SECURITY_NAMES];
    size_t text_len;
    char text[FH_PATCH_SECURITY_TEXT_BYTES];
};

void fh_patch_apt_reset(struct fh_patch_apt *a);

/* One line of `apt-get -s upgrade` (arg: the struct fh_patch_apt). Only lines
 * "Inst NAME [OLD] (NEW SUITE... [ARCH])" count; one is a security update when the part in
 * parentheses contains "-security" or "Debian-Security". Never stops the feed. */
int fh_patch_apt_line(void *apt, const char *line, size_t len, bool cut);

/* ---- kernels ---- */

/* When p is a kernel image, write the release it reports in `uname -r` to out and return
 * true. dpkg: linux-image-RELEASE (also linux-image-unsigned-RELEASE and RELEASE-unsigned)
 * with RELEASE starting with a digit (not the linux-image-amd64 meta package), not
 * -dbg/-dbgsym. rpm: kernel or kernel-core, release VERSION-RELEASE.ARCH. */
bool fh_patch_kernel_release(const struct fh_patch_pkg *p, bool rpm, char *out,
                             size_t out_len);

/* The release of the newest installed kernel of inv into out ("" when there is none):
 * the highest package version; among kernels of that version the running one (running
 * may be NULL), so a second flavour of the same build does not look like a pending
 * reboot; else the highest release. */
void fh_patch_newest_kernel(const struct fh_patch_inv *inv, bool rpm, const char *running,
                            char *out, size_t out_len);

#endif
