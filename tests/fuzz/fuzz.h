/* fuzz.h - what every libFuzzer harness of tests/fuzz shares.
 *
 * A harness is one file fuzz_<name>.c defining LLVMFuzzerTestOneInput(), which feeds
 * the input to one of fenghuo's real decoders and returns 0. It must not leak, must not
 * keep state between inputs (beyond constant tables), and bounds its own work: the input
 * is the only thing that varies. A crash, a sanitizer report, a leak or a timeout is a
 * bug in the decoder (or in the harness). tests/fuzz/run runs them; seeds are in
 * tests/fuzz/corpus/<name>/. */
#ifndef FH_FUZZ_H
#define FH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A NUL-terminated heap copy of the input, for parsers of text (an input with a NUL
 * inside is cut there, as the C string it becomes). The caller frees it; NULL only when
 * out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        if (size)
            memcpy(s, data, size);
        s[size] = 0;
    }
    return s;
}

#endif
