/* keys.c - make, check and load a node's key files (see keys.h).
 *
 * Every file is written under a temporary name created with O_EXCL in the key
 * directory with its final mode, then renamed into place, so a key is never visible
 * half-written or with a wider mode than its own. Reading opens with O_NOFOLLOW and
 * checks the open file (fstat), never the name, so what is checked is what is read.
 * CURVE keys come from libzmq (zmq_curve_keypair, libsodium underneath), the Ed25519
 * key from OpenSSL's EVP interface. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "err.h"

#define PATH_BUF 1024

__attribute__((format(printf, 4, 5)))
static int fail(int code, char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && err_len)
        vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return code;
}

static int join(char *out, const char *dir, const char *name)
{
    return snprintf(out, PATH_BUF, "%s/%s", dir, name) >= PATH_BUF ? FH_ETOOBIG : 0;
}

bool fh_keys_z85_valid(const char *s)
{
    uint8_t raw[32];
    return s && strlen(s) == FH_Z85_KEY_LEN && zmq_z85_decode(raw, s) != NULL;
}

static int make_dirs(const char *dir)
{
    char buf[PATH_BUF];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return errno;
        *p = '/';
    }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? errno : 0;
}

/* Write len bytes to dir/name with mode, through a temporary file and a rename. */
static int write_file(const char *dir, const char *name, const void *data, size_t len,
                      mode_t mode)
{
    char tmp[PATH_BUF], final[PATH_BUF];
    if (join(final, dir, name) || snprintf(tmp, sizeof tmp, "%s/.%s.%ld", dir, name,
                                           (long)getpid()) >= (int)sizeof tmp)
        return FH_ETOOBIG;
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return FH_EIO;
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    int ok = left == 0 && fchmod(fd, mode) == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, final) != 0) {
        unlink(tmp);
        return FH_EIO;
    }
    return 0;
}

/* Read at most FH_KEY_FILE_MAX bytes of a file into buf (NUL-terminated); when secret,
 * refuse a file that is not a regular file of ours or that group or others may use. */
static int read_file(const char *file, bool secret, char *buf, size_t *len, char *err,
                     size_t err_len)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return fail(errno == ENOENT ? FH_ENOTFOUND : FH_EIO, err, err_len, "%s: %s", file,
                    errno == ENOENT ? "missing (make keys with `fenghuo-ctl keygen`)"
                                    : strerror(errno));
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = fail(FH_EIO, err, err_len, "%s: not a regular file", file);
    } else if (secret && (sb.st_mode & (S_IRWXG | S_IRWXO))) {
        rc = fail(FH_ECONFIG, err, err_len, "%s: a private key must not be readable by "
                  "group or others (mode %04o); chmod 600 it", file,
                  (unsigned)(sb.st_mode & 07777));
    } else if (secret && sb.st_uid != geteuid()) {
        rc = fail(FH_ECONFIG, err, err_len, "%s: a private key must belong to the user "
                  "that runs the node (uid %ld, not %ld)", file, (long)geteuid(),
                  (long)sb.st_uid);
    } else if (sb.st_size > FH_KEY_FILE_MAX) {
        rc = fail(FH_ETOOBIG, err, err_len, "%s: over %u bytes: not a key file", file,
                  FH_KEY_FILE_MAX);
    } else {
        ssize_t n = read(fd, buf, FH_KEY_FILE_MAX);
        if (n < 0)
            rc = fail(FH_EIO, err, err_len, "%s: %s", file, strerror(errno));
        else
            buf[*len = (size_t)n] = 0;
    }
    close(fd);
    return rc;
}

int fh_keys_read_file(const char *file, bool secret, char *buf, size_t *len, char *err,
                      size_t err_len)
{
    return read_file(file, secret, buf, len, err, err_len);
}

/* A Z85 key file: 40 characters and an optional newline. */
static int parse_z85(const char *buf, size_t len, char *out)
{
    if (len && buf[len - 1] == '\n')
        len--;
    if (len != FH_Z85_KEY_LEN)
        return FH_EMALFORMED;
    memcpy(out, buf, FH_Z85_KEY_LEN);
    out[FH_Z85_KEY_LEN] = 0;
    return fh_keys_z85_valid(out) ? 0 : FH_EMALFORMED;
}

int fh_keys_read_public(const char *file, char *out)
{
    char buf[FH_KEY_FILE_MAX + 1];
    size_t len;
    int rc = read_file(file, false, buf, &len, NULL, 0);
    return rc ? rc : parse_z85(buf, len, out);
}

int fh_keys_write_public(const char *dir, const char *name, const char *z85)
{
    char line[FH_Z85_KEY_LEN + 2];
    if (!fh_keys_z85_valid(z85))
        return FH_EINVAL;
    snprintf(line, sizeof line, "%s\n", z85);
    return write_file(dir, name, line, FH_Z85_KEY_LEN + 1, 0644);
}

/* PEM text of key (private or public) into a malloc'd buffer. */
static int pem_of(EVP_PKEY *key, bool private, char **out, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    int ok = b && (private ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)
                           : PEM_write_bio_PUBKEY(b, key));
    char *data;
    long n = ok ? BIO_get_mem_data(b, &data) : 0;
    if (n > 0 && (*out = malloc((size_t)n))) {
        memcpy(*out, data, (size_t)n);
        *len = (size_t)n;
    } else {
        ok = 0;
    }
    BIO_free(b);
    return ok ? 0 : FH_ENOMEM;
}

int fh_keys_generate(const char *dir, bool force, char *err, size_t err_len)
{
    static const char *const names[] = {FH_KEY_CURVE_SECRET, FH_KEY_CURVE_PUBLIC,
                                        FH_KEY_SIGN_SECRET, FH_KEY_SIGN_PUBLIC};
    char path[PATH_BUF];
    int e = make_dirs(dir);
    if (e)
        return fail(FH_EIO, err, err_len, "%s: %s", dir, strerror(e));
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !force; i++) {
        if (join(path, dir, names[i]))
            return fail(FH_ETOOBIG, err, err_len, "%s: path too long", dir);
        if (access(path, F_OK) == 0)
            return fail(FH_EDUP, err, err_len, "%s already exists: not replacing keys "
                        "(--force replaces them; registered peers must then re-enrol)", path);
    }
    char pub[FH_Z85_KEY_LEN + 2], sec[FH_Z85_KEY_LEN + 2];
    if (zmq_curve_keypair(pub, sec) != 0)
        return fail(FH_EIO, err, err_len, "zmq_curve_keypair: %s", zmq_strerror(zmq_errno()));
    pub[FH_Z85_KEY_LEN] = sec[FH_Z85_KEY_LEN] = '\n';
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    char *spem = NULL, *ppem = NULL;
    size_t slen = 0, plen = 0;
    int rc = FH_ENOMEM;
    if (!key || pem_of(key, true, &spem, &slen) || pem_of(key, false, &ppem, &plen)) {
        rc = fail(FH_ENOMEM, err, err_len, "cannot make an Ed25519 key");
        goto out;
    }
    /* secrets first: a public file never exists without its secret one */
    if ((rc = write_file(dir, FH_KEY_CURVE_SECRET, sec, FH_Z85_KEY_LEN + 1, 0600)) ||
        (rc = write_file(dir, FH_KEY_SIGN_SECRET, spem, slen, 0600)) ||
        (rc = write_file(dir, FH_KEY_CURVE_PUBLIC, pub, FH_Z85_KEY_LEN + 1, 0644)) ||
        (rc = write_file(dir, FH_KEY_SIGN_PUBLIC, ppem, plen, 0644)))
        fail(rc, err, err_len, "%s: cannot write the key files: %s", dir, strerror(errno));
out:
    OPENSSL_cleanse(sec, sizeof sec);
    if (spem)
        OPENSSL_cleanse(spem, slen);
    free(spem);
    free(ppem);
    EVP_PKEY_free(key);
    return rc;
}

static int load_sign(const char *file, uint8_t *pub, char *err, size_t err_len)
{
    char buf[FH_KEY_FILE_MAX + 1];
    size_t len;
    int rc = read_file(file, true, buf, &len, err, err_len);
    if (rc)
        return rc;
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    EVP_PKEY *key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    size_t plen = FH_ED25519_LEN;
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_public_key(key, pub, &plen) != 1 || plen != FH_ED25519_LEN)
        rc = fail(FH_EMALFORMED, err, err_len, "%s: not an Ed25519 private key in PEM", file);
    EVP_PKEY_free(key);
    BIO_free(b);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

int fh_keys_load(const char *dir, struct fh_keys *k, char *err, size_t err_len)
{
    char path[PATH_BUF], buf[FH_KEY_FILE_MAX + 1], derived[FH_Z85_KEY_LEN + 1];
    size_t len;
    int rc;
    memset(k, 0, sizeof *k);
    if (join(path, dir, FH_KEY_CURVE_SECRET))
        return fail(FH_ETOOBIG, err, err_len, "%s: path too long", dir);
    if ((rc = read_file(path, true, buf, &len, err, err_len)))
        goto out;
    if (parse_z85(buf, len, k->curve_secret) ||
        zmq_curve_public(derived, k->curve_secret) != 0) {
        rc = fail(FH_EMALFORMED, err, err_len, "%s: not a Z85 CURVE secret key", path);
        goto out;
    }
    join(path, dir, FH_KEY_CURVE_PUBLIC);
    rc = fh_keys_read_public(path, k->curve_public);
    if (rc == 0 && strcmp(k->curve_public, derived) != 0) {
        rc = fail(FH_EMALFORMED, err, err_len, "%s does not belong to %s/%s", path, dir,
                  FH_KEY_CURVE_SECRET);
        goto out;
    }
    if (rc) {
        rc = fail(rc, err, err_len, "%s: missing or not a Z85 CURVE public key", path);
        goto out;
    }
    join(path, dir, FH_KEY_SIGN_SECRET);
    rc = load_sign(path, k->sign_public, err, err_len);
out:
    OPENSSL_cleanse(buf, sizeof buf);
    if (rc)
        fh_keys_wipe(k);
    return rc;
}

void fh_keys_wipe(struct fh_keys *k)
{
    OPENSSL_cleanse(k->curve_secret, sizeof k->curve_secret);
}
