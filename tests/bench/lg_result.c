/* lg_result.c - fh-loadgen's result: a few lines for a person, or one JSON object
 * (--json) for tests/bench/run. Rates count acknowledged reports (stored or duplicate)
 * over the time from the first send to the last ack. */
#include <sys/resource.h>

#include "fenghuo.pb-c.h"
#include "loadgen.h"

static double cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

#define U(x) ((unsigned long long)(x))

static void print_text(const struct lg_opts *o, const struct lg_result *r, const char *kind,
                       double rate)
{
    printf("fh-loadgen %s: %u agents on %u sockets, batch %u, window %u, %s bodies of %u "
           "bytes (envelopes %llu bytes)\n", o->endpoint, o->agents, o->sockets, o->batch,
           o->window, kind, o->body_bytes, U(r->env_bytes));
    printf("  sent %llu (%llu resent), acked stored %llu, duplicate %llu, other %llu (retry "
           "%llu, refused %llu)%s\n", U(r->sent), U(r->retransmitted), U(r->stored),
           U(r->duplicate), U(r->retry + r->refused), U(r->retry), U(r->refused),
           r->complete ? "" : "  INCOMPLETE");
    printf("  %.3f s, %.0f acked reports/s; ack latency p50 %.2f ms, p99 %.2f ms, max %.2f "
           "ms; fh-loadgen used %.2f s of CPU\n", r->elapsed_s, rate,
           hist_quantile_ms(&r->ack, 0.5), hist_quantile_ms(&r->ack, 0.99),
           (double)r->ack.max_us / 1000.0, cpu_s());
    if (o->watch_dir)
        printf("  at %s: %llu reports seen committed, latency from time_us p50 %.2f ms, "
               "p99 %.2f ms, max %.2f ms (polled every %u ms)%s\n", o->watch_dir,
               U(r->observed), hist_quantile_ms(&r->durable, 0.5),
               hist_quantile_ms(&r->durable, 0.99), (double)r->durable.max_us / 1000.0,
               o->watch_ms, r->watch_complete ? "" : "  INCOMPLETE");
}

static void print_hist(const char *name, const struct hist *h)
{
    printf("\"%s\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}", name,
           hist_quantile_ms(h, 0.5), hist_quantile_ms(h, 0.9), hist_quantile_ms(h, 0.99),
           (double)h->max_us / 1000.0);
}

void lg_result_print(const struct lg_opts *o, const struct lg_result *r)
{
    const char *kind = o->kind == FH__KIND__KIND_HEALTH ? "health" : "detection";
    double rate = r->elapsed_s > 0 ? (double)(r->stored + r->duplicate) / r->elapsed_s : 0;
    if (!o->json) {
        print_text(o, r, kind, rate);
        return;
    }
    printf("{\"tool\":\"fh-loadgen\",\"endpoint\":\"%s\",\"agents\":%u,\"sockets\":%u,"
           "\"units\":%u,\"batch\":%u,\"window\":%u,\"kind\":\"%s\",\"body_bytes\":%u,"
           "\"envelope_bytes\":%llu,\"rate_target\":%.0f,\"planned\":%llu,\"sent\":%llu,"
           "\"retransmitted\":%llu,\"acked_stored\":%llu,\"acked_duplicate\":%llu,"
           "\"acked_other\":%llu,\"retry\":%llu,\"refused\":%llu,\"timeouts\":%llu,"
           "\"rewinds\":%llu,\"bad_acks\":%llu,\"stale_acks\":%llu,\"connects_seen\":%llu,"
           "\"complete\":%s,\"elapsed_s\":%.3f,\"rate_acked_per_s\":%.0f,"
           "\"loadgen_cpu_s\":%.3f,",
           o->endpoint, o->agents, o->sockets, o->units, o->batch, o->window, kind,
           o->body_bytes, U(r->env_bytes), o->rate, U(r->planned), U(r->sent),
           U(r->retransmitted), U(r->stored), U(r->duplicate), U(r->retry + r->refused),
           U(r->retry), U(r->refused), U(r->timeouts), U(r->rewinds), U(r->bad_acks),
           U(r->stale_acks), U(r->connects), r->complete ? "true" : "false", r->elapsed_s,
           rate, cpu_s());
    print_hist("ack_latency_ms", &r->ack);
    if (o->watch_dir) {
        printf(",\"store_watch\":{\"dir\":\"%s\",\"interval_ms\":%u,\"observed\":%llu,"
               "\"complete\":%s,\"until_all_durable_s\":%.3f,", o->watch_dir, o->watch_ms,
               U(r->observed), r->watch_complete ? "true" : "false",
               r->until_all_durable_s);
        print_hist("latency_ms", &r->durable);
        printf("}");
    }
    printf("}\n");
    fflush(stdout);
}
