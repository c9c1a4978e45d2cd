/* ctl_request.c - hand a request to the running collector (collector/control.h) and
 * wait for its answer. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "ctl.h"
#include "log.h"

#define WAIT_MS 10000

int fh_ctl_request(const struct fh_ctl_opts *o, json_t *req, json_t **res)
{
    *res = NULL;
    if (!o->data[0]) {
        fprintf(stderr, "fenghuo-ctl: this command needs -c CONFIG or -d DATA_DIR of the "
                        "collector\n");
        return 1;
    }
    char name[64], tmp[700], path[700], res_path[700];
    snprintf(name, sizeof name, "%llu-%ld", (unsigned long long)fh_now_us(), (long)getpid());
    snprintf(tmp, sizeof tmp, "%s/control/.%s.tmp", o->data, name);
    snprintf(path, sizeof path, "%s/control/%s.req", o->data, name);
    snprintf(res_path, sizeof res_path, "%s/control/%s.res", o->data, name);
    if (json_dump_file(req, tmp, JSON_COMPACT) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "fenghuo-ctl: cannot write a request into %s/control: %s (is this "
                        "a collector's data directory, and are you its owner?)\n",
                o->data, strerror(errno));
        unlink(tmp);
        return 1;
    }
    for (int waited = 0; waited < WAIT_MS; waited += 50) {
        json_error_t je;
        if ((*res = json_load_file(res_path, 0, &je))) {
            unlink(res_path);
            return 0;
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    /* Not taken: withdraw it, unless the collector is taking it right now. */
    if (unlink(path) == 0) {
        fprintf(stderr, "fenghuo-ctl: the collector did not take the request within %d s: "
                        "is it running?\n", WAIT_MS / 1000);
        return 1;
    }
    fprintf(stderr, "fenghuo-ctl: the collector took the request but has not answered; see "
                    "its log\n");
    return 1;
}

int fh_ctl_request_print(const struct fh_ctl_opts *o, json_t *req)
{
    json_t *res;
    int rc = fh_ctl_request(o, req, &res);
    json_decref(req);
    if (rc)
        return rc;
    bool ok = json_is_true(json_object_get(res, "ok"));
    json_t *id = json_object_get(res, "id"), *rev = json_object_get(res, "revision");
    if (o->json)
        fh_ctl_print_json(res);
    else if (ok && id && rev)
        printf("%s (revision %lld)\n", json_string_value(id),
               (long long)json_integer_value(rev));
    else if (ok && id)
        printf("%s\n", json_string_value(id));
    else if (ok)
        printf("ok\n");
    else
        fprintf(stderr, "fenghuo-ctl: refused: %s\n",
                json_string_value(json_object_get(res, "error")));
    json_decref(res);
    return ok ? 0 : 2;
}
