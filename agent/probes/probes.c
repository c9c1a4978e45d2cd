/* probes.c - the one list of the agent's probes.
 *
 * To add a probe: define its struct fh_probe in its own file, declare it in probes.h and
 * list it here. The agent initialises probes in this order. */
#include "probes.h"

#include <stddef.h>

const struct fh_probe *const fh_probes[] = {
    &fh_probe_health,
    &fh_probe_spool,
    &fh_probe_patch,
    &fh_probe_ports,
    &fh_probe_submit,
    &fh_probe_ransomware,
    &fh_probe_service,
    &fh_probe_auth,
    &fh_probe_av,
    &fh_probe_ids,
    &fh_probe_fim,
    NULL,
};
