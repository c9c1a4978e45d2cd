/* lg_opts.c - fh-loadgen's command line (see loadgen.h): every option, its default and
 * its bounds in one table; an endpoint other than 127.0.0.1 is refused. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "loadgen.h"
#include "path.h"
#include "report.h"

void lg_usage(FILE *f)
{
    fprintf(f,
        "usage: fh-loadgen --endpoint tcp://127.0.0.1:PORT [options]\n"
        "  --agents K             simulated agents, each its own origin and seq (10)\n"
        "  --reports-per-agent N  reports each agent makes (1000)\n"
        "  --total T              reports in all, spread over the agents (overrides -N)\n"
        "  --batch B              reports per message, 1..512 (64)\n"
        "  --window W             unacknowledged reports per agent, >= B (256)\n"
        "  --body-bytes N         body size of each report (200)\n"
        "  --kind health|detection  report kind (health)\n"
        "  --rate R               reports/s in all, paced by a 1 ms timer; 0: unpaced (0)\n"
        "  --duration-s S         stop after S seconds whatever happened (60)\n"
        "  --sockets S            DEALER sockets; agent i uses socket i mod S (K)\n"
        "  --units U              agent i is host h(i div U + 1) of unit i mod U (K)\n"
        "  --prefix PATH          county path above the units (320000/320100/320102)\n"
        "  --retry-ms MS          resend from the oldest when no ack came in MS (5000)\n"
        "  --watch-store DIR      measure when reports become durable in DIR's store\n"
        "  --watch-ms MS          poll interval of --watch-store (5)\n"
        "  --watch-wait-s S       after the last ack, wait up to S s for DIR (30)\n"
        "  --key-dir DIR          CURVE with DIR's keys (and DIR/parent.pub), every report\n"
        "                         signed with DIR's signing key before the clock starts\n"
        "  --json                 print the result as one JSON object\n");
}

static bool num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int lg_opts_parse(int argc, char **argv, struct lg_opts *o)
{
    static const struct option lo[] = {
        {"endpoint", 1, 0, 'e'}, {"agents", 1, 0, 'k'}, {"reports-per-agent", 1, 0, 'n'},
        {"total", 1, 0, 't'}, {"batch", 1, 0, 'b'}, {"window", 1, 0, 'w'},
        {"body-bytes", 1, 0, 'y'}, {"kind", 1, 0, 'K'}, {"rate", 1, 0, 'r'},
        {"duration-s", 1, 0, 'd'}, {"sockets", 1, 0, 's'}, {"units", 1, 0, 'u'},
        {"prefix", 1, 0, 'p'}, {"retry-ms", 1, 0, 'R'}, {"watch-store", 1, 0, 'W'},
        {"watch-ms", 1, 0, 'M'}, {"watch-wait-s", 1, 0, 'T'}, {"json", 0, 0, 'j'}, {"key-dir", 1, 0, 'D'},
        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    *o = (struct lg_opts){.agents = 10, .per_agent = 1000, .batch = 64, .window = 256,
                       .body_bytes = 200, .kind = FH__KIND__KIND_HEALTH, .duration_s = 60,
                       .prefix = "320000/320100/320102", .retry_ms = 5000, .watch_ms = 5,
                       .watch_wait_s = 30};
    double v = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'e': o->endpoint = optarg; break;
        case 'k': ok = num(optarg, 1, LG_MAX_AGENTS, &v); o->agents = (uint32_t)v; break;
        case 'n': ok = num(optarg, 0, 1e9, &v); o->per_agent = (uint64_t)v; break;
        case 't': ok = num(optarg, 1, 1e10, &v); o->total = (uint64_t)v; break;
        case 'b': ok = num(optarg, 1, FH_MAX_BATCH, &v); o->batch = (uint32_t)v; break;
        case 'w': ok = num(optarg, 1, 1 << 20, &v); o->window = (uint32_t)v; break;
        case 'y': ok = num(optarg, 16, 65536, &v); o->body_bytes = (uint32_t)v; break;
        case 'r': ok = num(optarg, 0, 1e8, &o->rate); break;
        case 'd': ok = num(optarg, 0.1, 86400, &o->duration_s); break;
        case 's': ok = num(optarg, 1, LG_MAX_AGENTS, &v); o->sockets = (uint32_t)v; break;
        case 'u': ok = num(optarg, 1, LG_MAX_UNITS, &v); o->units = (uint32_t)v; break;
        case 'p': o->prefix = optarg; break;
        case 'R': ok = num(optarg, 10, 3600000, &v); o->retry_ms = (uint32_t)v; break;
        case 'W': o->watch_dir = optarg; break;
        case 'M': ok = num(optarg, 1, 10000, &v); o->watch_ms = (uint32_t)v; break;
        case 'T': ok = num(optarg, 0, 3600, &o->watch_wait_s); break;
        case 'j': o->json = true; break;
        case 'D': o->key_dir = optarg; break;
        case 'K':
            if (strcmp(optarg, "health") == 0)
                o->kind = FH__KIND__KIND_HEALTH;
            else if (strcmp(optarg, "detection") == 0)
                o->kind = FH__KIND__KIND_DETECTION;
            else
                ok = false;
            break;
        case 'h': lg_usage(stdout); exit(0);
        default: ok = false;
        }
        if (!ok) {
            fprintf(stderr, "fh-loadgen: bad value for option %s\n", argv[optind - 1]);
            return FH_EINVAL;
        }
    }
    if (!o->sockets)
        o->sockets = o->agents;
    if (!o->units)
        o->units = o->agents < LG_MAX_UNITS ? o->agents : LG_MAX_UNITS;
    const char *why = NULL;
    if (optind != argc)
        why = "unexpected arguments";
    else if (!o->endpoint || strncmp(o->endpoint, "tcp://127.0.0.1:", 16) != 0)
        why = "--endpoint must be tcp://127.0.0.1:PORT (this tool loads only this host)";
    else if (o->sockets > o->agents || o->units > o->agents)
        why = "--sockets and --units may not exceed --agents";
    else if (o->window < o->batch)
        why = "--window must be at least --batch";
    else if (!fh_path_valid(o->prefix))
        why = "--prefix is not a valid path";
    if (why) {
        fprintf(stderr, "fh-loadgen: %s\n", why);
        return FH_EINVAL;
    }
    return 0;
}

