/* pbjson.h - any protobuf-c message as JSON (jansson), driven by its descriptor.
 *
 * Used by fenghuo-ctl to print report bodies of every kind without code per kind.
 * Field names are the .proto names; enums print as their value names; bytes as lower
 * case hex; 64-bit integers as JSON integers; proto3 fields are always present (zero
 * values included) so consumers see a stable shape; map fields become objects. A string
 * that is not UTF-8 (protobuf-c does not check) has each bad byte replaced by U+FFFD; a
 * NaN or infinite float or double prints as null. */
#ifndef FH_PBJSON_H
#define FH_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object for msg (the caller owns the reference), or NULL on allocation
 * failure. */
json_t *fh_pbjson(const ProtobufCMessage *msg);

#endif
