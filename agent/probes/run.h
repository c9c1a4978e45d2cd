/* run.h - run a program for a probe (apt-get, rpm, systemctl): bounded in time and in
 * output, in its own process group, killed as a group when it overruns.
 *
 * The child gets stdin and stderr on /dev/null, none of the agent's other descriptors,
 * an empty signal mask and default SIGPIPE/SIGINT/SIGTERM/SIGHUP (the agent ignores
 * SIGPIPE), and only the environment envp. Its stdout is handed to fn as it arrives. */
#ifndef FH_PROBE_RUN_H
#define FH_PROBE_RUN_H

#include <stddef.h>
#include <stdint.h>

/* One piece of the program's stdout; a non-zero return stops the run with that error. */
typedef int (*fh_probe_run_fn)(void *arg, const char *buf, size_t len);

/* Run argv (argv[0]: a full path). Returns 0 when it exited 0 within timeout_ms after
 * writing at most max_bytes, FH_ENOTFOUND (not an executable), FH_EAGAIN (timed out),
 * FH_ETOOBIG (more output), FH_EIO (could not run, or exited otherwise), or fn's error.
 * On any error the process group is killed and the child reaped before returning. */
int fh_probe_run(char *const argv[], char *const envp[], uint64_t timeout_ms,
                 size_t max_bytes, fh_probe_run_fn fn, void *arg);

#endif
