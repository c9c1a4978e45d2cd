/* ids.h - the pieces of the ids probe (ids.c) that tests call directly: the map from
 * Suricata alert categories to GB/Z 20986 classes, and reading one eve.json line. */
#ifndef FH_IDS_H
#define FH_IDS_H

#include <stddef.h>
#include <stdint.h>

#define FH_IDS_MAX_MAP 64          /* categories in the map */
#define FH_IDS_CATEGORY_MAX 128    /* a category name with its NUL */
#define FH_IDS_CLASS_MAX 16        /* a class code with its NUL */
#define FH_IDS_ADDR_MAX 64         /* an address with its NUL */
#define FH_IDS_PROTO_MAX 16
#define FH_IDS_SIGNATURE_MAX 512   /* a signature (longer: cut) */

struct fh_ids_map {
    size_t n;
    struct {
        char category[FH_IDS_CATEGORY_MAX];
        char class_code[FH_IDS_CLASS_MAX];
    } e[FH_IDS_MAX_MAP];
    char other[FH_IDS_CLASS_MAX];  /* the class of categories not in the map */
};

/* The default map (ids.c lists it), then the entries of text on top:
 * "Category=CLASS;Category=CLASS" (spaces around items allowed; a category already
 * mapped gets the new class; the category "other" sets the class of unmapped ones).
 * Returns 0, or FH_ECONFIG with *why (a static string) naming what is wrong: an item
 * without '=', a class that is not a GB/Z 20986 code, a name over its bound, too many. */
int fh_ids_map_parse(const char *text, struct fh_ids_map *m, const char **why);

/* The class of category (exact match), or m->other. */
const char *fh_ids_map_class(const struct fh_ids_map *m, const char *category);

struct fh_ids_alert {
    char src_ip[FH_IDS_ADDR_MAX], dest_ip[FH_IDS_ADDR_MAX];
    char proto[FH_IDS_PROTO_MAX];
    char signature[FH_IDS_SIGNATURE_MAX];
    char category[FH_IDS_CATEGORY_MAX];
    int64_t signature_id, dest_port, severity;
};

/* Read one eve.json line (len bytes). Returns 1 for an alert (event_type "alert" with an
 * alert object holding signature_id and signature; missing addresses are "", a missing
 * severity is 3, a missing category ""), 0 for any other event type, FH_EMALFORMED
 * for a line that is not a JSON object with an event_type string, or an alert without
 * its alert object, signature or signature_id. */
int fh_ids_parse_line(const char *line, size_t len, struct fh_ids_alert *a);

#endif
