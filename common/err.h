/* err.h - the one error type of fenghuo.
 *
 * Functions that can fail return int: 0 on success or a negative FH_E* code below.
 * fh_strerror() turns a code into a short English phrase for logs and messages. */
#ifndef FH_ERR_H
#define FH_ERR_H

enum fh_err {
    FH_OK = 0,
    FH_EINVAL = -1,    /* invalid argument or value */
    FH_ENOMEM = -2,    /* out of memory */
    FH_EIO = -3,       /* I/O error (errno says more in the log) */
    FH_ENOTFOUND = -4, /* no such key / entry */
    FH_EDUP = -5,      /* already stored */
    FH_ETOOBIG = -6,   /* a size over its named bound */
    FH_EMALFORMED = -7,/* input that does not decode */
    FH_ESCOPE = -8,    /* a path outside the allowed scope */
    FH_EVERSION = -9,  /* wrong protocol or store version */
    FH_EFULL = -10,    /* store or outbox full */
    FH_EAGAIN = -11,   /* try again later */
    FH_ESTORE = -12,   /* LMDB failure other than full */
    FH_ELINK = -13,    /* ZeroMQ failure */
    FH_ECONFIG = -14,  /* configuration error */
};

/* A static string describing err; never NULL, never to be freed. */
const char *fh_strerror(int err);

#endif
