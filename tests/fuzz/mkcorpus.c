/* mkcorpus.c - writes the binary seeds of the fuzz corpora (tests/fuzz/corpus/).
 *
 *   mkcorpus DIR     writes DIR/<harness>/seed-*.bin for frame, envelope, body_* and token
 *
 * Seeds are small valid inputs built with the project's own encoders, one or two per
 * kind, so the fuzzers start from what a real agent or collector sends. Run it by hand
 * after a change to proto/fenghuo.proto (build-fuzz/tests/fuzz/mkcorpus tests/fuzz/corpus)
 * and commit what changed; the text seeds (config, /proc, dpkg) are written by hand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "report.h"
#include "token.h"

#define SENDER "320000/320100/320102/3132000001/web01"
#define PATH_MAX_LEN 1024

static const char *root;

static void put(const char *harness, const char *name, const uint8_t *b, size_t len)
{
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof path, "%s/%s", root, harness);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/seed-%s.bin", root, harness, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* The packed body into body_<harness> (prefixed by prefix when >= 0), then an envelope
 * of it into envelope; the envelope is returned (malloc'd) for the frames. */
static uint8_t *seed(const char *harness, const char *name, int kind, int prefix,
                     const ProtobufCMessage *m, uint64_t seq, size_t *elen)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(n + 1);
    if (!b)
        exit(1);
    b[0] = (uint8_t)prefix;
    protobuf_c_message_pack(m, b + 1);
    char h[64];
    snprintf(h, sizeof h, "body_%s", harness);
    put(h, name, prefix >= 0 ? b : b + 1, prefix >= 0 ? n + 1 : n);
    free(b);
    uint8_t *env;
    if (fh_report_encode(SENDER, seq, 1764072000000000ull + seq, kind, m, &env, elen) != 0)
        exit(1);
    char en[64];
    snprintf(en, sizeof en, "%s-%s", harness, name);
    put("envelope", en, env, *elen);
    return env;
}

/* A frame: parts as 4-byte little-endian lengths and bytes (fuzz_frame.c). */
struct frame {
    uint8_t buf[64 * 1024];
    size_t len;
};

static void frame_add(struct frame *f, const uint8_t *b, size_t len)
{
    if (f->len + 4 + len > sizeof f->buf)
        exit(1);
    for (int i = 0; i < 4; i++)
        f->buf[f->len++] = (uint8_t)(len >> (8 * i));
    memcpy(f->buf + f->len, b, len);
    f->len += len;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkcorpus DIR\n");
        return 2;
    }
    root = argv[1];
    size_t hl, l1, l2, l3, l4, l5;

    Fh__Hello hello = FH__HELLO__INIT;
    hello.role = FH__ROLE__ROLE_AGENT;
    hello.software = "fenghuo-agent 0.1.0";
    hello.hostname = "web01";
    hello.batch = 7;
    hello.outbox_depth = 3;
    uint8_t *eh = seed("hello", "agent", FH__KIND__KIND_HELLO, -1, &hello.base, 0, &hl);

    Fh__Health h = FH__HEALTH__INIT;
    Fh__Filesystem fs = FH__FILESYSTEM__INIT, *fsp = &fs;
    Fh__NetInterface ni = FH__NET_INTERFACE__INIT, *nip = &ni;
    Fh__Listener li = FH__LISTENER__INIT, *lip = &li;
    Fh__ProcessUsage pu = FH__PROCESS_USAGE__INIT, *pup = &pu;
    h.interval_s = 10;
    h.cpu_pct = 12.5;
    h.cpus = 4;
    h.mem_total_kb = 8000000;
    h.mem_available_kb = 4000000;
    h.load1 = 0.5;
    h.uptime_s = 3600;
    h.procs = 120;
    fs.mount = "/";
    fs.fstype = "ext4";
    fs.device = "/dev/sda1";
    fs.total_bytes = 1u << 30;
    fs.avail_bytes = 1u << 29;
    h.n_filesystems = 1;
    h.filesystems = &fsp;
    ni.name = "eth0";
    ni.rx_bytes = 1000;
    h.n_interfaces = 1;
    h.interfaces = &nip;
    li.proto = "tcp";
    li.address = "0.0.0.0";
    li.port = 22;
    h.n_listeners = 1;
    h.listeners = &lip;
    pu.pid = 1;
    pu.name = "systemd";
    pu.cpu_pct = 0.1;
    pu.rss_kb = 9000;
    h.n_top_cpu = h.n_top_rss = 1;
    h.top_cpu = h.top_rss = &pup;
    h.hostname = "web01";
    h.kernel = "6.1.0-13-amd64";
    h.os = "Debian GNU/Linux 12 (bookworm)";
    uint8_t *e1 = seed("health", "full", FH__KIND__KIND_HEALTH, -1, &h.base, 1, &l1);

    Fh__Ack ack = FH__ACK__INIT;
    Fh__Verdict verdicts[] = {FH__VERDICT__VERDICT_STORED, FH__VERDICT__VERDICT_DUPLICATE,
                              FH__VERDICT__VERDICT_RETRY, FH__VERDICT__VERDICT_REFUSED};
    ack.batch = 7;
    ack.n_verdicts = 4;
    ack.verdicts = verdicts;
    ack.credit = 4096;
    ack.receiver = "320000/320100/320102";
    free(seed("ack", "four", FH__KIND__KIND_ACK, -1, &ack.base, 0, &l2));

    Fh__PatchState ps = FH__PATCH_STATE__INIT;
    Fh__Package pk[2] = {FH__PACKAGE__INIT, FH__PACKAGE__INIT}, *pkp[2] = {&pk[0], &pk[1]};
    char *removed[] = {"telnet"}, *pending[] = {"openssl"};
    uint8_t sha[32] = {1, 2, 3};
    pk[0].name = "openssl";
    pk[0].version = "3.0.11-1~deb12u2";
    pk[0].arch = "amd64";
    pk[1].name = "linux-image-6.1.0-13-amd64";
    pk[1].version = "6.1.55-1";
    pk[1].arch = "amd64";
    ps.full = 1;
    ps.n_installed = 2;
    ps.installed = pkp;
    ps.n_removed = 1;
    ps.removed = removed;
    ps.inventory_sha256.data = sha;
    ps.inventory_sha256.len = sizeof sha;
    ps.package_count = 2;
    ps.pending_updates = 1;
    ps.pending_security_updates = 1;
    ps.n_pending_security = 1;
    ps.pending_security = pending;
    ps.kernel_running = "6.1.0-13-amd64";
    ps.kernel_installed = "6.1.0-13-amd64";
    ps.package_manager = "dpkg";
    uint8_t *e2 = seed("patch", "full", FH__KIND__KIND_PATCH, -1, &ps.base, 2, &l3);

    Fh__Detection d = FH__DETECTION__INIT;
    Fh__Detection__FactsEntry fe[2] = {FH__DETECTION__FACTS_ENTRY__INIT,
                                       FH__DETECTION__FACTS_ENTRY__INIT};
    Fh__Detection__FactsEntry *fep[2] = {&fe[0], &fe[1]};
    fe[0].key = "path";
    fe[0].value = "/var/www/index.html";
    fe[1].key = "sha256";
    fe[1].value = "9f86d081884c7d659a2feaa0c55ad015";
    d.class_code = "IDI.IAI";
    d.summary = "web page changed";
    d.n_facts = 2;
    d.facts = fep;
    d.severity = FH__SEVERITY__SEVERITY_HIGH;
    d.fingerprint = "fim:/var/www/index.html";
    d.probe = "fim";
    d.count = 1;
    d.evidence = "-<title>School</title>\n+<title>hacked</title>";
    uint8_t *e3 = seed("detection", "fim", FH__KIND__KIND_DETECTION, -1, &d.base, 3, &l4);

    Fh__DropNotice dn = FH__DROP_NOTICE__INIT;
    dn.coalesced = 12;
    dn.refused = 1;
    free(seed("drop_notice", "some", FH__KIND__KIND_DROP_NOTICE, -1, &dn.base, 4, &l5));

    Fh__ServiceEvent se = FH__SERVICE_EVENT__INIT;
    se.name = "nginx";
    se.up = 0;
    se.since_us = 1764072000000000ull;
    uint8_t *e4 = seed("service", "down", FH__KIND__KIND_SERVICE, -1, &se.base, 5, &l5);

    /* reserved kinds: the first byte picks the kind in the order of meson.build */
    Fh__Incident inc = FH__INCIDENT__INIT;
    inc.id = "INC-1";
    inc.class_code = "IDI.IAI";
    inc.grade = 3;
    inc.rule = "defacement";
    free(seed("reserved", "incident", FH__KIND__KIND_INCIDENT, 0, &inc.base, 6, &l2));
    Fh__Rollup ro = FH__ROLLUP__INIT;
    ro.period_start_us = 1;
    ro.period_end_us = 2;
    free(seed("reserved", "rollup", FH__KIND__KIND_ROLLUP, 1, &ro.base, 7, &l2));
    Fh__Warning w = FH__WARNING__INIT;
    w.id = "W-1";
    w.level = 2;
    w.scope = "320000";
    w.class_code = "MCI.RI";
    w.watch = "ransomware";
    w.measures = "patch";
    w.deadline_us = 3;
    free(seed("reserved", "warning", FH__KIND__KIND_WARNING, 2, &w.base, 8, &l2));
    Fh__Advisory adv = FH__ADVISORY__INIT;
    adv.id = "A-1";
    adv.scope = "320000";
    adv.title = "update openssl";
    free(seed("reserved", "advisory", FH__KIND__KIND_ADVISORY, 3, &adv.base, 9, &l2));
    Fh__WarningAck wa = FH__WARNING_ACK__INIT;
    wa.warning_id = "W-1";
    wa.by = "320000/320100";
    free(seed("reserved", "warning_ack", FH__KIND__KIND_WARNING_ACK, 4, &wa.base, 10, &l2));

    Fh__AdvisoryAnswer aa = FH__ADVISORY_ANSWER__INIT;
    aa.advisory_id = "A-1";
    aa.package = "openssl";
    aa.installed = "3.0.11-1~deb12u1";
    aa.fixed = "3.0.11-1~deb12u2";
    aa.checked_us = 1764072000000000ull;
    aa.manager = "dpkg";
    aa.host = SENDER;
    aa.unit = "320000/320100/320102/3132000001";
    free(seed("advisory_answer", "outdated", FH__KIND__KIND_ADVISORY_ANSWER, -1, &aa.base,
              11, &l2));
    /* enrolment: the first byte picks request (0) or answer (1), as meson.build lists */
    uint8_t secret[32], sign_key[32];
    memset(secret, 0x5a, sizeof secret);
    memset(sign_key, 0x3c, sizeof sign_key);
    Fh__EnrolRequest er = FH__ENROL_REQUEST__INIT;
    er.token_secret.data = secret;
    er.token_secret.len = sizeof secret;
    er.role = FH__ROLE__ROLE_AGENT;
    er.sign_public_key.data = sign_key;
    er.sign_public_key.len = sizeof sign_key;
    er.software = "fenghuo-agent 0.1.0";
    er.hostname = "web01";
    free(seed("enrol", "request", FH__KIND__KIND_ENROL_REQUEST, 0, &er.base, 0, &l2));
    Fh__EnrolAnswer ea = FH__ENROL_ANSWER__INIT;
    ea.ok = 1;
    ea.scope = SENDER;
    ea.collector = "320000/320100/320102";
    ea.collector_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    ea.collector_sign_key.data = sign_key;
    ea.collector_sign_key.len = sizeof sign_key;
    free(seed("enrol", "answer", FH__KIND__KIND_ENROL_ANSWER, 1, &ea.base, 0, &l2));
    Fh__SigningKey sk = FH__SIGNING_KEY__INIT;
    sk.path = SENDER;
    sk.role = FH__ROLE__ROLE_AGENT;
    sk.public_key.data = sign_key;
    sk.public_key.len = sizeof sign_key;
    sk.key_id.data = sign_key;
    sk.key_id.len = 8;
    sk.valid_from_us = 1764072000000000ull;
    free(seed("key", "agent", FH__KIND__KIND_KEY, -1, &sk.base, 12, &l2));

    /* frames: routing id, HELLO, reports */
    static struct frame f;
    const uint8_t rid[] = {0, 0x6b, 0x8b, 0x45, 0x67};
    frame_add(&f, rid, sizeof rid);
    frame_add(&f, eh, hl);
    put("frame", "hello-only", f.buf, f.len);
    frame_add(&f, e1, l1);
    frame_add(&f, e2, l3);
    frame_add(&f, e3, l4);
    frame_add(&f, e4, l5);
    put("frame", "four-reports", f.buf, f.len);
    /* an enrolment token, as `fenghuo-ctl token` prints it */
    struct fh_token t = {.role = FH__ROLE__ROLE_AGENT, .endpoint = "tcp://10.1.2.3:7103",
                         .path = SENDER};
    char secret_key[FH_Z85_KEY_LEN + 1], text[FH_TOKEN_TEXT_MAX];
    memset(t.secret, 0xa5, sizeof t.secret);
    if (zmq_curve_keypair(t.server_key, secret_key) != 0 ||
        fh_token_encode(&t, text, sizeof text) != 0)
        exit(1);
    put("token", "agent", (const uint8_t *)text, strlen(text));

    free(eh);
    free(e1);
    free(e2);
    free(e3);
    free(e4);
    return 0;
}
