/* report.h - envelopes: building them at the origin, checking them on arrival.
 *
 * Every bound on what crosses a link is named here. A receiver calls
 * fh_report_decode() on each part it gets: it refuses, with a reason that maps to a
 * counter, anything over FH_MAX_ENVELOPE_BYTES, anything that does not decode, another
 * protocol version, an invalid origin path, an unknown kind, or a body that does not
 * decode as the message its kind names. */
#ifndef FH_REPORT_H
#define FH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "counters.h"
#include "fenghuo.pb-c.h"
#include "outbox.h"

#define FH_PROTO_VERSION 1
#define FH_MAX_ENVELOPE_BYTES (256u * 1024u)  /* one report, envelope included */
#define FH_MAX_BATCH 512u                     /* reports in one link message */
#define FH_MAX_PARTS (FH_MAX_BATCH + 1u)      /* plus the HELLO or ACK first part */
/* The transport drops a connection that sends a single frame larger than this (libzmq
 * ZMQ_MAXMSGSIZE): a bound on memory, well above any valid part. */
#define FH_MAX_FRAME_BYTES (4u * 1024u * 1024u)

/* The descriptor of the body message of kind, or NULL for an unknown kind. */
const ProtobufCMessageDescriptor *fh_kind_body(int kind);
/* "health", "hello", ... or "unknown": a static string. */
const char *fh_kind_name(int kind);
/* The outbox lane reports of kind travel in: bulk for state samples and summaries,
 * urgent for everything else (detections, incidents, acknowledgements, drop notices). */
enum fh_lane fh_kind_lane(int kind);
/* True for state samples, where a newer report of the same origin replaces an older one
 * (health): the only kind an outbox under pressure may coalesce. */
bool fh_kind_is_state(int kind);
/* True when each origin's latest report of kind is kept apart (health, drop notices). */
bool fh_kind_keeps_latest(int kind);
/* An fh_series_fn for fh_outbox_coalesce(): state samples belong to the series of their
 * origin and kind. */
int fh_report_series(const void *bytes, size_t len, uint64_t *series, void *arg);

/* Encode body (may be NULL for an empty body) and wrap it in an envelope. *out is
 * malloc'd (the caller frees it), *len its size. Returns 0, FH_ETOOBIG, FH_ENOMEM. */
int fh_report_encode(const char *origin, uint64_t seq, uint64_t time_us, int kind,
                     const ProtobufCMessage *body, uint8_t **out, size_t *len);

/* The same for a body already encoded (body may be NULL when len is 0). */
int fh_report_encode_bytes(const char *origin, uint64_t seq, uint64_t time_us, int kind,
                           const uint8_t *body, size_t len, uint8_t **out, size_t *out_len);

/* Decode and check one envelope. On success *out holds it (free with
 * fh__envelope__free_unpacked(*out, NULL)) and 0 is returned. On refusal returns a
 * negative FH_E* and sets *why to the counter that counts this reason. */
int fh_report_decode(const uint8_t *buf, size_t len, Fh__Envelope **out,
                     enum fh_counter *why);

/* Decode env's body as the message its kind names (free with
 * protobuf_c_message_free_unpacked). FH_EMALFORMED when it does not decode. */
int fh_report_body(const Fh__Envelope *env, ProtobufCMessage **out);

#endif
