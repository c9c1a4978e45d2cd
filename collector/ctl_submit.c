/* ctl_submit.c - `fenghuo-ctl submit`: a person or a tool reports a detection through
 * the local agent (机房断电, a phone call from a teacher, an antivirus hook).
 *
 *   fenghuo-ctl [-c AGENT_CONFIG | --spool DIR] submit --class CODE --summary TEXT
 *               [--fact KEY=VALUE]... [--severity NAME] [--drill] [--socket PATH]
 *
 * The detection becomes one JSON document (agent/probes/submitted.h). It goes:
 *   - over the agent's submit socket when --socket PATH is given or the agent config
 *     given with -c has a [submit] socket (with its root prefix): the document is
 *     written, the sending side shut down, and the agent's one-line reply printed
 *     ({"ok":true,"seq":N} once the report is committed to the agent's outbox, or
 *     {"ok":false,"error":"..."}). Exit 0 when ok, 2 when the agent refused it, 1 when
 *     the agent could not be reached or did not answer within CTL_SUBMIT_TIMEOUT_S;
 *   - otherwise into the agent's spool directory (--spool DIR, or [spool] dir from -c),
 *     as a temporary file renamed to NAME.json so the agent never reads half of it;
 *     the file's path is printed. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "log.h"
#include "taxonomy.h"

#define CTL_SUBMIT_MAX_BYTES (64 * 1024)   /* the agent's FH_SUBMITTED_MAX_BYTES */
#define CTL_SUBMIT_REPLY_MAX 4096
#define CTL_SUBMIT_TIMEOUT_S 10
#define CTL_SUBMIT_KEY_MAX 128
#define CTL_SUBMIT_PATH_MAX 512

struct submit_sock {
    char socket[CTL_SUBMIT_PATH_MAX];
    char root[CTL_SUBMIT_PATH_MAX];
};

static int find_socket(void *user, const char *section, const char *name, const char *value)
{
    struct submit_sock *s = user;
    if (strcmp(section, "submit") == 0 && strcmp(name, "socket") == 0)
        snprintf(s->socket, sizeof s->socket, "%s", value);
    if (strcmp(section, "submit") == 0 && strcmp(name, "root") == 0)
        snprintf(s->root, sizeof s->root, "%s", value);
    return 1;
}

/* Write a detection for the agent's spool probe: a temporary name, then rename. */
static int to_spool(const char *spool, json_t *doc)
{
    if (!spool[0]) {
        fprintf(stderr, "fenghuo-ctl: submit needs --socket PATH, --spool DIR, or -c with "
                        "a [submit] socket or a [spool] dir\n");
        return 1;
    }
    char tmp[600], path[600];
    uint64_t now = fh_now_us();
    snprintf(tmp, sizeof tmp, "%s/.submit-%ld-%llu", spool, (long)getpid(),
             (unsigned long long)now);
    snprintf(path, sizeof path, "%s/%llu-%ld.json", spool, (unsigned long long)now,
             (long)getpid());
    if (json_dump_file(doc, tmp, JSON_COMPACT) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "fenghuo-ctl: cannot write into the spool %s: %s\n", spool,
                strerror(errno));
        unlink(tmp);
        return 1;
    }
    printf("%s\n", path);
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Send text to the agent's socket at path and print its reply. */
static int to_socket(const char *path, const char *text)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char reply[CTL_SUBMIT_REPLY_MAX + 1];
    size_t got = 0;
    int rc = 1;
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "fenghuo-ctl: socket path %s is too long\n", path);
        return 1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {.tv_sec = CTL_SUBMIT_TIMEOUT_S};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "fenghuo-ctl: cannot reach the agent at %s: %s\n", path,
                strerror(errno));
        goto out;
    }
    if (write_all(fd, text, strlen(text)) != 0 || shutdown(fd, SHUT_WR) != 0) {
        fprintf(stderr, "fenghuo-ctl: cannot send to the agent at %s: %s\n", path,
                strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t r = recv(fd, reply + got, CTL_SUBMIT_REPLY_MAX - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "fenghuo-ctl: no answer from the agent at %s within %d s\n",
                    path, CTL_SUBMIT_TIMEOUT_S);
            goto out;
        }
        if (r == 0 || (got += (size_t)r) == CTL_SUBMIT_REPLY_MAX)
            break;
    }
    reply[got] = 0;
    json_error_t jerr;
    json_t *doc = json_loads(reply, 0, &jerr);
    if (!json_is_boolean(json_object_get(doc, "ok"))) {
        fprintf(stderr, "fenghuo-ctl: the agent's answer is not understood: %.200s\n", reply);
    } else {
        fputs(reply, stdout);
        if (got && reply[got - 1] != '\n')
            putchar('\n');
        rc = json_is_true(json_object_get(doc, "ok")) ? 0 : 2;
    }
    json_decref(doc);
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

static bool severity_known(const char *s)
{
    static const char *const names[] = {"info", "low", "medium", "high", "critical"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    return false;
}

/* The socket to use: --socket, else [submit] socket (with root) of -c; "" for none. */
static int pick_socket(const struct fh_ctl_opts *o, const char *opt, char *out, size_t len)
{
    struct submit_sock s;
    memset(&s, 0, sizeof s);
    out[0] = 0;
    if (opt) {
        snprintf(out, len, "%s", opt);
        return 0;
    }
    if (!o->config[0])
        return 0;
    if (ini_parse(o->config, find_socket, &s) != 0) {
        fprintf(stderr, "fenghuo-ctl: cannot read %s\n", o->config);
        return 1;
    }
    if (s.socket[0] && (size_t)snprintf(out, len, "%s%s", s.root, s.socket) >= len) {
        fprintf(stderr, "fenghuo-ctl: the [submit] socket path of %s is too long\n",
                o->config);
        return 1;
    }
    return 0;
}

static int cmd_submit(const struct fh_ctl_opts *o, int argc, char **argv)
{
    const char *cls = NULL, *summary = NULL, *severity = NULL, *sock_opt = NULL;
    bool drill = false;
    json_t *facts = json_object(), *doc = NULL;
    char *text = NULL, sock[CTL_SUBMIT_PATH_MAX];
    int rc = 1;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--class") == 0 && i + 1 < argc) {
            cls = argv[++i];
        } else if (strcmp(argv[i], "--summary") == 0 && i + 1 < argc) {
            summary = argv[++i];
        } else if (strcmp(argv[i], "--severity") == 0 && i + 1 < argc) {
            severity = argv[++i];
        } else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
            sock_opt = argv[++i];
        } else if (strcmp(argv[i], "--drill") == 0) {
            drill = true;
        } else if (strcmp(argv[i], "--fact") == 0 && i + 1 < argc) {
            const char *kv = argv[++i], *eq = strchr(kv, '=');
            if (!eq || eq == kv || (size_t)(eq - kv) >= CTL_SUBMIT_KEY_MAX) {
                fprintf(stderr, "fenghuo-ctl: --fact needs KEY=VALUE (KEY under %d bytes)\n",
                        CTL_SUBMIT_KEY_MAX);
                goto out;
            }
            char key[CTL_SUBMIT_KEY_MAX];
            snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
            if (json_object_set_new(facts, key, json_string(eq + 1)) != 0) {
                fprintf(stderr, "fenghuo-ctl: --fact %s is not UTF-8 text\n", key);
                goto out;
            }
        } else {
            fprintf(stderr, "fenghuo-ctl: submit: unknown argument \"%s\"\n", argv[i]);
            goto out;
        }
    }
    if (!cls || !fh_class_valid(cls)) {
        fprintf(stderr, "fenghuo-ctl: --class must be a GB/Z 20986 code such as IDI.IAI\n");
        goto out;
    }
    if (!summary || !*summary) {
        fprintf(stderr, "fenghuo-ctl: --summary is required\n");
        goto out;
    }
    if (severity && !severity_known(severity)) {
        fprintf(stderr, "fenghuo-ctl: --severity is one of info, low, medium, high, "
                        "critical\n");
        goto out;
    }
    doc = json_pack("{s:s, s:s, s:s, s:O, s:b}", "kind", "detection", "class", cls,
                    "summary", summary, "facts", facts, "drill", drill);
    if (doc && severity)
        json_object_set_new(doc, "severity", json_string(severity));
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (!text) {
        fprintf(stderr, "fenghuo-ctl: the detection is not valid UTF-8 text\n");
        goto out;
    }
    if (strlen(text) > CTL_SUBMIT_MAX_BYTES) {
        fprintf(stderr, "fenghuo-ctl: the detection is over 64 KiB\n");
        goto out;
    }
    if (pick_socket(o, sock_opt, sock, sizeof sock))
        goto out;
    rc = sock[0] ? to_socket(sock, text) : to_spool(o->spool, doc);
out:
    free(text);
    json_decref(doc);
    json_decref(facts);
    return rc;
}

const struct fh_ctl_cmd fh_ctl_cmd_submit = {
    "submit", cmd_submit,
    "hand a detection to the local agent: --class CODE (GB/Z 20986, e.g. IDI.IAI)\n"
    "                  --summary TEXT [--fact KEY=VALUE]... [--severity NAME] [--drill]\n"
    "                  [--socket PATH] (else -c's [submit] socket, else the spool)"};
