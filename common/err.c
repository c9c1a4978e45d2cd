/* err.c - messages for the FH_E* codes of err.h. */
#include "err.h"

const char *fh_strerror(int err)
{
    switch (err) {
    case FH_OK: return "success";
    case FH_EINVAL: return "invalid argument";
    case FH_ENOMEM: return "out of memory";
    case FH_EIO: return "input/output error";
    case FH_ENOTFOUND: return "not found";
    case FH_EDUP: return "already stored";
    case FH_ETOOBIG: return "too big";
    case FH_EMALFORMED: return "malformed input";
    case FH_ESCOPE: return "outside scope";
    case FH_EVERSION: return "unsupported version";
    case FH_EFULL: return "store full";
    case FH_EAGAIN: return "try again";
    case FH_ESTORE: return "store error";
    case FH_ELINK: return "link error";
    case FH_ECONFIG: return "configuration error";
    }
    return "unknown error";
}
