/* probes.h - the probes compiled into the agent.
 *
 * Each probe is one file under agent/probes/ that defines one const struct fh_probe
 * (probe.h). This header declares them for the list in probes.c; nothing else names a
 * probe: the agent walks fh_probes[]. */
#ifndef FH_PROBES_H
#define FH_PROBES_H

#include "probe.h"

extern const struct fh_probe fh_probe_health; /* health.c: CPU, memory, load, disks, nics */
extern const struct fh_probe fh_probe_spool;  /* spool.c: detections dropped by local tools */
extern const struct fh_probe fh_probe_patch;  /* patch.c: packages, pending updates, kernel */
extern const struct fh_probe fh_probe_ports;  /* ports.c: risky listening services */
extern const struct fh_probe fh_probe_submit; /* submit.c: detections handed over a socket */
extern const struct fh_probe fh_probe_ransomware; /* ransomware.c: ransom renames, notes */
extern const struct fh_probe fh_probe_service; /* service.c: units, ports, pages, outages */
extern const struct fh_probe fh_probe_auth;   /* auth.c: brute force, new root, keys */
extern const struct fh_probe fh_probe_av;     /* av.c: ClamAV findings, signature age */
extern const struct fh_probe fh_probe_ids;    /* ids.c: Suricata eve.json alerts */
extern const struct fh_probe fh_probe_fim;    /* fim.c: file integrity, web shells */

#endif
