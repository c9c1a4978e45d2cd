/* playbooks.h - the typical responses of plan 001 附件4, attached to incidents by class.
 *
 * Each playbook is a short checklist (the plan's steps, summarised) for a kind of
 * incident: web page tampering, a virus outbreak (ransomware), an information system
 * down, a network outage, a high-risk vulnerability notice (fix within 7 days). An
 * incident gets the playbook of its class when it is made; a person ticks steps off with
 * `fenghuo-ctl incident update ID --done N`. The table is data (playbooks.c). */
#ifndef FH_PLAYBOOKS_H
#define FH_PLAYBOOKS_H

#include <stddef.h>

#define FH_PLAYBOOK_MAX_STEPS 8

struct fh_playbook {
    const char *id;              /* "web_tamper" */
    const char *title;           /* 网页内容篡改事件 */
    const char *classes;         /* class codes (or categories) it answers, space-separated */
    int deadline_days;           /* the plan's deadline to report the fix, -1: none */
    const char *steps[FH_PLAYBOOK_MAX_STEPS + 1];   /* NULL-terminated */
};

/* The playbook for a class code ("IDI.IAI", "MI.CVI"...): an exact code first, then its
 * category; NULL when none fits. */
const struct fh_playbook *fh_playbook_for_class(const char *class_code);
/* By id, or NULL. */
const struct fh_playbook *fh_playbook_get(const char *id);
size_t fh_playbook_steps(const struct fh_playbook *p);

#endif
