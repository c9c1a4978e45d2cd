/* notice_fixtures.h - valid warnings and advisories, as their issuers make them, for the
 * tests of common/notice.c (test_notice.c, test_notice_record.c). Header-only. */
#ifndef FH_TEST_NOTICE_FIXTURES_H
#define FH_TEST_NOTICE_FIXTURES_H

#include <stdio.h>

#include "fenghuo.pb-c.h"
#include "notice.h"

#define NATION "100000"
#define PROVINCE "320000"
#define CITY "320000/320100"
#define COUNTY "320000/320100/320102"
#define COUNTY_B "320000/320100/320104"
#define UNIT COUNTY "/3132000001"
#define UNIT_B COUNTY "/3132000002"
#define HOST UNIT "/web01"
#define HOST_2 UNIT "/web02"
#define NOW_US 1700000000000000ull
#define RED FH__WARNING_LEVEL__WARNING_LEVEL_RED
#define ORANGE FH__WARNING_LEVEL__WARNING_LEVEL_ORANGE
#define YELLOW FH__WARNING_LEVEL__WARNING_LEVEL_YELLOW
#define BLUE FH__WARNING_LEVEL__WARNING_LEVEL_BLUE
#define WALK_MAX 8

struct wmsg {
    Fh__Envelope env;
    Fh__Warning w;
    char id[FH_WARNING_ID_MAX + 8];
};

/* A valid yellow warning issued by issuer for its own region, report seq 7. */
static void good_warning(struct wmsg *m, const char *issuer)
{
    Fh__Envelope e = FH__ENVELOPE__INIT;
    Fh__Warning w = FH__WARNING__INIT;
    m->env = e;
    m->env.origin = (char *)issuer;
    m->env.kind = FH__KIND__KIND_WARNING;
    m->env.seq = 7;
    snprintf(m->id, sizeof m->id, "%s#7", issuer);
    m->w = w;
    m->w.id = m->id;
    m->w.level = YELLOW;
    m->w.scope = (char *)issuer;
    m->w.class_code = "MI.CVI";
    m->w.watch = "WannaCry";
    m->w.measures = "关闭 445";
    m->w.action = FH__WARNING_ACTION__WARNING_ACTION_ISSUE;
    m->w.issuer = (char *)issuer;
    m->w.issued_by = "应急办";
    m->w.revision = 1;
}

struct amsg {
    Fh__Envelope env;
    Fh__Advisory a;
    char *cves[1];
    char id[64];
};

/* A valid advisory of issuer for scope (one CVE, due in 7 days), report seq 3. */
static void good_advisory(struct amsg *m, const char *issuer, const char *scope)
{
    Fh__Envelope e = FH__ENVELOPE__INIT;
    Fh__Advisory a = FH__ADVISORY__INIT;
    m->env = e;
    m->env.origin = (char *)issuer;
    m->env.kind = FH__KIND__KIND_ADVISORY;
    m->env.seq = 3;
    snprintf(m->id, sizeof m->id, "%s#3", issuer);
    m->a = a;
    m->a.id = m->id;
    m->a.scope = (char *)scope;
    m->a.title = "OpenSSH regreSSHion";
    m->cves[0] = "CVE-2024-6387";
    m->a.cves = m->cves;
    m->a.n_cves = 1;
    m->a.issued_us = NOW_US;
    m->a.deadline_us = NOW_US + 7 * 86400000000ull;
    m->a.issuer = (char *)issuer;
}

#endif
