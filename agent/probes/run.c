/* run.c - a probe's program, bounded (run.h): posix_spawn into a new process group, a
 * poll loop on its stdout against the deadline, then waitpid with the same deadline. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

static int spawn(char *const argv[], char *const envp[], int out_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, def;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3); /* none of the agent's fds */
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigemptyset(&def);
    for (const int *sig = (const int[]){SIGPIPE, SIGINT, SIGTERM, SIGHUP, 0}; *sig; sig++)
        sigaddset(&def, *sig); /* the agent ignores SIGPIPE; the child must not */
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETPGROUP);
    int err = posix_spawn(pid, argv[0], &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return err ? FH_EIO : 0;
}

/* Wait for pid, killing its group once deadline_ms passes (at once when kill_now).
 * *status: its wait status, or -1. Returns 0, or FH_EAGAIN when it overran. */
static int reap(pid_t pid, uint64_t deadline_ms, bool kill_now, int *status)
{
    bool killed = false;
    int rc = 0;
    for (;;) {
        if (!killed && (kill_now || fh_mono_ms() >= deadline_ms)) {
            kill(-pid, SIGKILL);
            killed = true;
            rc = kill_now ? 0 : FH_EAGAIN;
        }
        pid_t w = waitpid(pid, status, killed ? 0 : WNOHANG);
        if (w == pid)
            return rc;
        if (w < 0 && errno != EINTR) {
            *status = -1;
            return rc;
        }
        if (w == 0)
            nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    }
}

int fh_probe_run(char *const argv[], char *const envp[], uint64_t timeout_ms,
                 size_t max_bytes, fh_probe_run_fn fn, void *arg)
{
    uint64_t deadline_ms = fh_mono_ms() + timeout_ms;
    int pfd[2], status = -1, rc = 0;
    size_t total = 0;
    pid_t pid;
    char buf[4096];

    if (access(argv[0], X_OK) != 0)
        return FH_ENOTFOUND;
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return FH_EIO;
    rc = spawn(argv, envp, pfd[1], &pid);
    close(pfd[1]);
    if (rc) {
        close(pfd[0]);
        return rc;
    }
    while (rc == 0) {
        uint64_t now = fh_mono_ms();
        struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
        if (now >= deadline_ms) {
            rc = FH_EAGAIN;
            break;
        }
        int pr = poll(&pf, 1, deadline_ms - now > INT_MAX ? INT_MAX : (int)(deadline_ms - now));
        if (pr == 0 || (pr < 0 && errno == EINTR))
            continue;
        ssize_t r = pr < 0 ? -1 : read(pfd[0], buf, sizeof buf);
        if (r < 0) {
            rc = errno == EINTR || errno == EAGAIN ? 0 : FH_EIO;
            continue;
        }
        if (r == 0)
            break;
        if ((size_t)r > max_bytes - total)
            rc = FH_ETOOBIG;
        else
            rc = fn(arg, buf, (size_t)r);
        total += (size_t)r;
    }
    close(pfd[0]);
    /* stdout closed: it is exiting; give it until the deadline, then kill the group */
    int err = reap(pid, deadline_ms, rc != 0, &status);
    if (rc == 0)
        rc = err;
    if (rc == 0 && !(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0))
        rc = FH_EIO;
    return rc;
}
