/* service_fixtures.h - what the service probe's two unit tests share: the SHA-256 of a
 * buffer and a self-signed certificate made with the OpenSSL API. Header-only (tests are
 * one file); include after cmocka.h. */
#ifndef FH_TEST_SERVICE_FIXTURES_H
#define FH_TEST_SERVICE_FIXTURES_H

#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

static void sha256_of(const void *p, size_t len, uint8_t out[32])
{
    unsigned n = 0;
    assert_int_equal(EVP_Digest(p, len, out, &n, EVP_sha256(), NULL), 1);
}

/* A self-signed P-256 certificate valid from now - 1 day until now + after_s; *key too. */
static X509 *make_cert(time_t now, long after_s, EVP_PKEY **key)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    assert_non_null(k);
    assert_non_null(x);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, &now);
    X509_time_adj_ex(X509_getm_notAfter(x), 0, after_s, &now);
    X509_set_pubkey(x, k);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1",
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    *key = k;
    return x;
}

#endif
