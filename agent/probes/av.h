/* av.h - the pieces of the av probe (av.c) that tests call directly: reading a ClamAV
 * "PATH: SIGNATURE FOUND" line and choosing the class of a signature. Both are pure. */
#ifndef FH_AV_H
#define FH_AV_H

#include <stddef.h>

#include "fenghuo.pb-c.h"

#define FH_AV_PATH_MAX 1024   /* a reported file path with its NUL (longer: malformed) */
#define FH_AV_SIG_MAX 256     /* a signature name with its NUL (longer: malformed) */

/* Read a clamd, clamonacc or clamdscan result line: "[TIME -> ]PATH: SIG FOUND" (also
 * "ScanOnAccess: PATH: SIG FOUND"; PATH is from the first '/' to the last ": "). Returns
 * 1 with path and sig filled, 0 for any line that does not end in " FOUND", or
 * FH_EMALFORMED (no absolute path, an empty signature or one with spaces, over a
 * bound). */
int fh_av_parse_found(const char *line, char path[FH_AV_PATH_MAX], char sig[FH_AV_SIG_MAX]);

/* The GB/Z 20986 class and severity of a signature name, by the first entry of a table
 * whose word it holds (case-insensitive): Ransom -> MI.OMI, Webshell -> MI.WBPI,
 * Backdoor -> NAI.BDAI, Worm -> MI.WI, Trojan -> MI.THI, Botnet -> MI.BI, Phish -> NAI.PI,
 * PUA -> MI.OMI (medium); anything else MI.CVI; all high unless said. *drill is set for
 * the EICAR test signature (a drill: shown as such, never counted). */
const char *fh_av_class(const char *sig, Fh__Severity *sev, int *drill);

#endif
