/* pbjson.c - descriptor-driven protobuf-c -> JSON (see pbjson.h).
 *
 * protobuf-c lays out each message as a struct; a field descriptor gives the offset of
 * its value and, for repeated fields, of its count. value_json() converts one value at
 * an address; fh_pbjson() walks the fields. */
#include "pbjson.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static json_t *hex(const ProtobufCBinaryData *b)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(b->len * 2 + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < b->len; i++) {
        s[2 * i] = digits[b->data[i] >> 4];
        s[2 * i + 1] = digits[b->data[i] & 15];
    }
    s[b->len * 2] = 0;
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *value_json(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        /* JSON integers are signed 64-bit in jansson: values above fit no consumer. */
        return json_integer((json_int_t)*(const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT:
        return json_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_real(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        return ev ? json_string(ev->name) : json_integer(*(const int *)p);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return json_string(s ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES:
        return hex((const ProtobufCBinaryData *)p);
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
        return m ? fh_pbjson(m) : json_null();
    }
    }
    return json_null();
}

static size_t value_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    default:
        return 4;
    }
}

/* A map field: repeated entry messages with fields key (1) and value (2). */
static bool is_map(const ProtobufCFieldDescriptor *f)
{
    if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label != PROTOBUF_C_LABEL_REPEATED)
        return false;
    const ProtobufCMessageDescriptor *d = f->descriptor;
    size_t n = strlen(d->name);
    return n > 5 && strcmp(d->name + n - 5, "Entry") == 0 && d->n_fields == 2;
}

static json_t *map_json(const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *items,
                        size_t n)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < n; i++) {
        const ProtobufCMessageDescriptor *d = items[i]->descriptor;
        json_t *k = value_json(&d->fields[0], (const char *)items[i] + d->fields[0].offset);
        json_t *v = value_json(&d->fields[1], (const char *)items[i] + d->fields[1].offset);
        if (json_is_string(k))
            json_object_set_new(obj, json_string_value(k), v);
        else
            json_decref(v);
        json_decref(k);
    }
    (void)f;
    return obj;
}

json_t *fh_pbjson(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)msg;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(char *const *)(base + f->offset);
            if (is_map(f)) {
                json_object_set_new(obj, f->name, map_json(f, (ProtobufCMessage *const *)arr, n));
                continue;
            }
            json_t *a = json_array();
            for (size_t k = 0; a && k < n; k++)
                json_array_append_new(a, value_json(f, arr + k * value_size(f)));
            json_object_set_new(obj, f->name, a);
        } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                   !(f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) &&
                   !*(const protobuf_c_boolean *)(base + f->quantifier_offset)) {
            continue; /* an unset optional scalar */
        } else {
            json_object_set_new(obj, f->name, value_json(f, base + f->offset));
        }
    }
    return obj;
}
