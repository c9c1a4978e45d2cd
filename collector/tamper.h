/* tamper.h - TEST ONLY: a collector that betrays its children, to prove the tiers above
 * notice (tests/integration/signatures.py).
 *
 * With the environment variable FH_TEST_TAMPER_RELAY set when the collector starts, it
 * changes what it relays instead of forwarding the same bytes:
 *   flip     the lowest bit of the last byte of each relayed report's body
 *   resign   the same, and the report signed again with this collector's own key
 * Unset (always, outside tests) nothing changes. A tampering collector logs so at start
 * in capitals; the option exists to be caught: the parent must refuse every altered
 * report (refused_signature) and store none of them. */
#ifndef FH_TAMPER_H
#define FH_TAMPER_H

#include <stddef.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"

#define FH_TAMPER_ENV "FH_TEST_TAMPER_RELAY"

/* When tampering is on: an altered copy of the report env (its bytes buf, len) in *out
 * (malloc'd, the caller frees it) and 1; else 0 (or 0 when it cannot: the report goes
 * unaltered). */
int fh_tamper_relay(const Fh__Envelope *env, uint8_t **out, size_t *out_len);

#endif
