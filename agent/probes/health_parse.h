/* health_parse.h - the text parsers of the health probe, open to its tests.
 *
 * Internal to the health probe: implemented in health_parse.c, used by health.c and the
 * tests (tests/unit/test_health_parse.c, test_health.c); the agent never includes it.
 * Each parser takes the NUL-terminated text of one kernel file (as read from /proc into
 * a bounded buffer), never reads past its NUL, never allocates, and writes only into
 * what the caller passes. Missing lines leave their fields untouched: the caller
 * zero-initialises. Counts are capped by the max the caller gives, names are cut to the
 * fixed arrays below. */
#ifndef FH_HEALTH_PARSE_H
#define FH_HEALTH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"

#define FH_HEALTH_MAX_FILE_BYTES (64 * 1024) /* one /proc file, longer is cut at a line */
#define FH_HEALTH_MAX_FS 64                  /* filesystems in one report */
#define FH_HEALTH_MAX_IFACES 64              /* interfaces in one report */
#define FH_HEALTH_MAX_PROCS 4194304u         /* PID_MAX_LIMIT: /proc entries counted */
#define FH_HEALTH_MOUNT_MAX 1024             /* decoded mount point with NUL; longer: skipped */
#define FH_HEALTH_DEVICE_MAX 256             /* device with NUL; longer: cut */
#define FH_HEALTH_FSTYPE_MAX 32              /* fstype with NUL; longer: cut */
#define FH_HEALTH_IFNAME_MAX 32              /* interface name with NUL; longer: cut */

/* CPU ticks of all CPUs from /proc/stat. busy = total - (idle + iowait); total is
 * user+nice+system+idle+iowait+irq+softirq+steal (guest time is already in user). */
struct fh_health_cpu {
    uint64_t busy;
    uint64_t total;
    uint32_t cpus; /* cpuN lines */
};

/* One mounted filesystem. The parser fills the strings and points fs.mount, fs.fstype
 * and fs.device at them; the probe fills the sizes with statvfs(). mount is the path
 * as decoded from the kernel's octal escapes, so it may be passed to statvfs(). */
struct fh_health_mount {
    Fh__Filesystem fs;
    char mount[FH_HEALTH_MOUNT_MAX];
    char device[FH_HEALTH_DEVICE_MAX];
    char fstype[FH_HEALTH_FSTYPE_MAX];
};

/* One network interface; ni.name points at name. */
struct fh_health_iface {
    Fh__NetInterface ni;
    char name[FH_HEALTH_IFNAME_MAX];
};

/* Parse /proc/stat: the ticks of the aggregate "cpu" line (at least user, nice, system,
 * idle) and the number of "cpuN" lines into *out (zeroed first). Returns 0, or
 * FH_EMALFORMED when there is no usable "cpu" line. */
int fh_health_parse_stat(const char *text, struct fh_health_cpu *out);

/* Busy share of all CPUs in percent (0..100) between two samples; with prev NULL, all
 * zero, or counters that went backwards (a reset), the share since boot of cur. Two
 * samples within one tick give 0. */
double fh_health_cpu_pct(const struct fh_health_cpu *prev, const struct fh_health_cpu *cur);

/* Parse /proc/meminfo: MemTotal, MemAvailable, SwapTotal, SwapFree (kB) into h.
 * Returns 0, or FH_EMALFORMED when MemTotal is missing (the other fields found are
 * still set). */
int fh_health_parse_meminfo(const char *text, Fh__Health *h);

/* Parse /proc/loadavg ("0.52 0.58 0.59 2/345 6789"): load1, load5, load15 and, when the
 * "runnable/total" field is there, procs = total (the agent prefers its own count of
 * /proc). Returns 0, or FH_EMALFORMED (h untouched) when the three loads do not parse. */
int fh_health_parse_loadavg(const char *text, Fh__Health *h);

/* Parse /proc/uptime ("12345.67 ..."): whole seconds into h->uptime_s. Returns 0 or
 * FH_EMALFORMED. */
int fh_health_parse_uptime(const char *text, Fh__Health *h);

/* True for a pseudo filesystem type (proc, sysfs, tmpfs, cgroup*, squashfs, ...) that the
 * probe leaves out unless include_pseudo_fs. overlay is real (a container's root). */
bool fh_health_fs_is_pseudo(const char *fstype);

/* Parse /proc/self/mounts into out[0..max), setting *n. Mount points are decoded
 * (\040 space, \011 tab, \012 newline, \134 backslash) and de-duplicated: the last mount
 * on a point is the visible one, so it replaces an earlier entry, and an excluded pseudo
 * filesystem mounted over a point removes it. Pseudo filesystems are skipped unless
 * include_pseudo; a mount point longer than FH_HEALTH_MOUNT_MAX is skipped. Returns 0,
 * FH_EMALFORMED when a line had fewer than three fields, or FH_ETOOBIG when more than
 * max mounts were found; either way out[0..*n) holds what was read. */
int fh_health_parse_mounts(const char *text, bool include_pseudo,
                           struct fh_health_mount *out, size_t max, size_t *n);

/* Parse /proc/net/dev: name, rx/tx bytes, packets and errors of each interface into
 * out[0..max), setting *n. Returns 0, FH_EMALFORMED when an interface line lacked its
 * counters (it is skipped), or FH_ETOOBIG when there were more than max interfaces;
 * either way out[0..*n) holds what was read. */
int fh_health_parse_netdev(const char *text, struct fh_health_iface *out, size_t max,
                           size_t *n);

/* Parse os-release: the value of PRETTY_NAME, unquoted, into out[out_len] (cut to fit,
 * always NUL-terminated when out_len > 0). Returns 0, FH_ENOTFOUND (out = "") when there
 * is no PRETTY_NAME, FH_EINVAL when out_len is 0. */
int fh_health_parse_os_release(const char *text, char *out, size_t out_len);

/* Make s valid UTF-8 in place, replacing each byte that does not start a well-formed
 * sequence with '?' (proto3 strings must be UTF-8; mount points and host names need not
 * be). */
void fh_health_utf8_sanitize(char *s);

#endif
