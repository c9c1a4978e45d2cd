/* ctl_incident.c - fenghuo-ctl incident: list, show, update, close.
 *
 *   incident list                        every incident known at this node, newest last
 *   incident show ID                     one, with its rules, units, duty and lateness
 *   incident update ID [--state S] [--note TEXT] [--done N]...   (playbook steps)
 *   incident close ID [--note TEXT] [--summary-report FILE]
 *
 * list/show read the store: at any tier they show the incidents made there and those
 * received from below, each with this tier's receipt (迟报 when late). update/close are
 * requests the collector that made the incident carries out (control.h); closing an
 * incident of grade Ⅲ or above needs the 总结调查报告 (plan 004 附件3) as a JSON file. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "incidents.h"
#include "log.h"
#include "playbooks.h"
#include "pbjson.h"

static const char *const grade_names[] = {"?", "Ⅰ 特别重大", "Ⅱ 重大", "Ⅲ 较大", "Ⅳ 一般"};

/* The record as JSON, with what a reader needs derived: grade name, lateness, whether
 * the summary report is overdue. */
static json_t *record_json(const Fh__IncidentRecord *r)
{
    json_t *j = fh_pbjson(&r->base);
    const Fh__Incident *inc = r->incident;
    json_t *o = json_object_get(j, "incident");
    json_object_set_new(o, "grade_name", json_string(grade_names[inc->grade <= 4 ? inc->grade : 0]));
    json_object_set_new(o, "state_name", json_string(fh_incident_state_name(inc->state)));
    bool overdue = inc->summary_due_days >= 0 && inc->response_ended_us && inc->grade <= 3 &&
                   inc->state != FH__INCIDENT_STATE__INCIDENT_STATE_CLOSED &&
                   fh_now_us() > inc->response_ended_us +
                                     (uint64_t)inc->summary_due_days * 86400000000u;
    json_object_set_new(j, "summary_overdue", json_boolean(overdue));
    const struct fh_playbook *pb = fh_playbook_get(inc->playbook);
    if (pb) {
        json_t *steps = json_array();
        for (size_t i = 0; i < fh_playbook_steps(pb); i++) {
            bool done = false;
            for (size_t k = 0; k < inc->n_playbook_done; k++)
                done |= inc->playbook_done[k] == i + 1;
            json_array_append_new(steps, json_pack("{s:i, s:s, s:b}", "step", (int)i + 1,
                                                   "text", pb->steps[i], "done", done));
        }
        json_object_set_new(j, "playbook", json_pack("{s:s, s:s, s:o}", "id", pb->id,
                                                     "title", pb->title, "steps", steps));
    }
    return j;
}

static int add(void *arg, const Fh__IncidentRecord *r)
{
    json_array_append_new(arg, record_json(r));
    return 0;
}

static void print_line(json_t *rec)
{
    json_t *o = json_object_get(rec, "incident");
    printf("%-28s %-12s %-9s %-9s %-8s %3zu units%s%s%s%s\n",
           json_string_value(json_object_get(o, "id")),
           json_string_value(json_object_get(o, "grade_name")),
           json_string_value(json_object_get(o, "class_code")),
           json_string_value(json_object_get(o, "spread_scope")),
           json_string_value(json_object_get(o, "state_name")),
           json_array_size(json_object_get(o, "units")),
           json_is_true(json_object_get(rec, "late")) ? "  迟报 LATE" : "",
           json_is_true(json_object_get(o, "missed")) ? "  漏报 MISSED" : "",
           json_is_true(json_object_get(o, "drill")) ? "  [演练 drill]" : "",
           json_is_true(json_object_get(rec, "summary_overdue")) ? "  SUMMARY OVERDUE" : "");
}

static int list(const struct fh_ctl_opts *o)
{
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    json_t *arr = json_array();
    int err = fh_incidents_each(st, add, arr);
    fh_store_close(st);
    json_t *doc = json_pack("{s:o}", "incidents", arr);
    if (o->json) {
        fh_ctl_print_json(doc);
    } else {
        size_t i;
        json_t *r;
        json_array_foreach(arr, i, r)
            print_line(r);
        if (!json_array_size(arr))
            printf("no incidents\n");
    }
    json_decref(doc);
    return err ? 1 : 0;
}

static int show(const struct fh_ctl_opts *o, const char *id)
{
    struct fh_store *st;
    if (fh_ctl_open_store(o, &st))
        return 1;
    Fh__IncidentRecord *r = fh_incidents_get(st, id);
    fh_store_close(st);
    if (!r) {
        fprintf(stderr, "fenghuo-ctl: no incident %s here\n", id);
        return 1;
    }
    json_t *doc = record_json(r);
    if (o->json) {
        fh_ctl_print_json(doc);
    } else {
        const Fh__Incident *inc = r->incident;
        print_line(doc);
        printf("  rules     %s (%s profile), warning %s\n", inc->rule, inc->profile,
               inc->warning);
        printf("  duty      %s\n", !inc->has_duty ? "handled locally, counted (no report due)"
                                   : inc->report_within_minutes ? "report within the minutes below"
                                                                : "report at once (立即)");
        if (r->late)
            printf("  迟报      received here %llu s after its deadline\n",
                   (unsigned long long)r->delay_s);
        for (size_t i = 0; i < inc->n_units; i++)
            printf("  unit      %s\n", inc->units[i]);
        printf("  summary   %s\n", inc->summary);
        json_t *pb = json_object_get(doc, "playbook"), *step;
        size_t i;
        if (pb)
            printf("  playbook  %s (plan 001 附件4)\n", json_string_value(json_object_get(pb, "title")));
        json_array_foreach(json_object_get(pb, "steps"), i, step)
            printf("    [%s] %zu. %s\n", json_is_true(json_object_get(step, "done")) ? "x" : " ",
                   i + 1, json_string_value(json_object_get(step, "text")));
    }
    json_decref(doc);
    fh__incident_record__free_unpacked(r, NULL);
    return 0;
}

static int change(const struct fh_ctl_opts *o, const char *sub, int argc, char **argv)
{
    json_t *req = json_pack("{s:s, s:s}", "cmd", "incident", "id", argv[1]);
    if (strcmp(sub, "close") == 0)
        json_object_set_new(req, "state", json_string("closed"));
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc && strcmp(sub, "update") == 0) {
            json_object_set_new(req, "state", json_string(argv[++i]));
        } else if (strcmp(argv[i], "--done") == 0 && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > FH_PLAYBOOK_MAX_STEPS) {
                fprintf(stderr, "fenghuo-ctl: --done takes a step number of the playbook\n");
                json_decref(req);
                return 1;
            }
            if (!json_object_get(req, "done"))
                json_object_set_new(req, "done", json_array());
            json_array_append_new(json_object_get(req, "done"), json_integer(n));
        } else if (strcmp(argv[i], "--note") == 0 && i + 1 < argc) {
            json_object_set_new(req, "note", json_string(argv[++i]));
        } else if (strcmp(argv[i], "--summary-report") == 0 && i + 1 < argc) {
            json_error_t je;
            json_t *rep = json_load_file(argv[++i], 0, &je);
            if (!json_is_object(rep)) {
                fprintf(stderr, "fenghuo-ctl: %s: not a JSON object: %s\n", argv[i], je.text);
                json_decref(rep);
                json_decref(req);
                return 1;
            }
            json_object_set_new(req, "summary_report", rep);
        } else {
            fprintf(stderr, "fenghuo-ctl: incident %s: unknown argument \"%s\"\n", sub, argv[i]);
            json_decref(req);
            return 1;
        }
    }
    return fh_ctl_request_print(o, req);
}

static int run(const struct fh_ctl_opts *o, int argc, char **argv)
{
    const char *sub = argc ? argv[0] : "";
    if (strcmp(sub, "list") == 0 && argc == 1)
        return list(o);
    if (strcmp(sub, "show") == 0 && argc == 2)
        return show(o, argv[1]);
    if ((strcmp(sub, "update") == 0 || strcmp(sub, "close") == 0) && argc >= 2)
        return change(o, sub, argc, argv);
    fprintf(stderr, "usage: fenghuo-ctl -c COLLECTOR_CONFIG incident "
                    "list | show ID | update ID --state S [--note T] | close ID "
                    "[--summary-report FILE]\n");
    return 1;
}

const struct fh_ctl_cmd fh_ctl_cmd_incident = {
    "incident", run,
    "事件: list | show ID | update ID [--state STATE] [--note TEXT] [--done STEP] |\n"
    "                  close ID [--note TEXT] [--summary-report FILE]"};
