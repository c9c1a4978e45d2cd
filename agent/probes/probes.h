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

#endif
