/* ransom_match.c - ransom extensions, ransom note names, bursts (see ransom_match.h). */
#include "ransom_match.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

/* The next comma-separated item of *p, trimmed, into out[cap]. Returns its length,
 * 0 at the end, or -1 when it does not fit (or is empty between commas). */
static int next_item(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return 0;
    const char *e = strchr(s, ',');
    const char *end = e ? e : s + strlen(s);
    *p = e ? e + 1 : end;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t len = (size_t)(end - s);
    if (!len || len >= cap)
        return -1;
    memcpy(out, s, len);
    out[len] = 0;
    return (int)len;
}

int fh_ransom_parse_exts(const char *text, struct fh_ransom_lists *l)
{
    char item[FH_RANSOM_EXT_MAX + 1];
    int len;
    l->nexts = 0;
    while ((len = next_item(&text, item, sizeof item)) != 0) {
        const char *e = item[0] == '.' ? item + 1 : item;
        if (len < 0 || !*e || strlen(e) >= FH_RANSOM_EXT_MAX || l->nexts >= FH_RANSOM_MAX_EXTS)
            return FH_ECONFIG;
        char *out = l->exts[l->nexts++];
        for (size_t i = 0; ; i++) {
            unsigned char c = (unsigned char)e[i];
            if (c && !isalnum(c) && c != '_' && c != '-' && c != '.')
                return FH_ECONFIG;
            out[i] = (char)tolower(c);
            if (!c)
                break;
        }
    }
    return 0;
}

int fh_ransom_parse_notes(const char *text, struct fh_ransom_lists *l)
{
    char item[FH_RANSOM_NOTE_MAX];
    int len;
    l->nnotes = 0;
    while ((len = next_item(&text, item, sizeof item)) != 0) {
        if (len < 0 || strchr(item, '/') || l->nnotes >= FH_RANSOM_MAX_NOTES ||
            strspn(item, "*") == strlen(item))
            return FH_ECONFIG;
        memcpy(l->notes[l->nnotes++], item, (size_t)len + 1);
    }
    return 0;
}

int fh_ransom_ext_of(const struct fh_ransom_lists *l, const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || !dot[1])
        return -1;
    for (size_t i = 0; i < l->nexts; i++)
        if (strcasecmp(dot + 1, l->exts[i]) == 0)
            return (int)i;
    return -1;
}

bool fh_ransom_is_note(const struct fh_ransom_lists *l, const char *name)
{
    for (size_t i = 0; i < l->nnotes; i++)
        if (fnmatch(l->notes[i], name, FNM_CASEFOLD) == 0)
            return true;
    return false;
}

int fh_ransom_burst_init(struct fh_ransom_burst *b, uint32_t size)
{
    memset(b, 0, sizeof *b);
    if (size < 1 || size > FH_RANSOM_MAX_BURST)
        return FH_EINVAL;
    if (!(b->ring = calloc(size, sizeof *b->ring)))
        return FH_ENOMEM;
    b->size = size;
    return 0;
}

void fh_ransom_burst_free(struct fh_ransom_burst *b)
{
    free(b->ring);
    memset(b, 0, sizeof *b);
}

bool fh_ransom_burst_add(struct fh_ransom_burst *b, uint64_t now_us, uint64_t window_us)
{
    b->ring[b->next] = now_us;
    b->next = (b->next + 1) % b->size;
    b->seen++;
    if (b->seen < b->size)
        return false;
    uint64_t oldest = b->ring[b->next];   /* the first of the last size sightings */
    return now_us - oldest <= window_us;
}
