/* utf8_check.h - the oracle of the text harnesses: is a string well-formed UTF-8?
 *
 * Strings the agent puts into a report must be UTF-8 (proto3); the health parsers make
 * them so with fh_health_utf8_sanitize(). This is an independent check of the same rule
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), written apart
 * from the code it checks so one bug cannot hide in both. */
#ifndef FH_FUZZ_UTF8_CHECK_H
#define FH_FUZZ_UTF8_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static inline bool fuzz_utf8_ok(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s, need;
        unsigned long cp;
        if (c < 0x80) {
            s++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            need = 1, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3, cp = c & 0x07;
        } else {
            return false;
        }
        for (unsigned i = 1; i <= need; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        s += need + 1;
    }
    return true;
}

/* abort() unless s is NUL-terminated within len bytes and UTF-8. */
static inline void fuzz_check_string(const char *s, size_t len, bool utf8)
{
    if (!memchr(s, 0, len))
        abort();
    if (utf8 && !fuzz_utf8_ok(s))
        abort();
}

#endif
