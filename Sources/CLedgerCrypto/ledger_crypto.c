#include "CLedgerCrypto.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mlc_hmac {
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx;
};

mlc_hmac *mlc_hmac_new(const uint8_t *key, size_t key_len) {
    mlc_hmac *h = calloc(1, sizeof(*h));
    if (h == NULL) return NULL;
    h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (h->mac == NULL) goto fail;
    h->ctx = EVP_MAC_CTX_new(h->mac);
    if (h->ctx == NULL) goto fail;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    // Keyed once; each later EVP_MAC_init with a NULL key reuses this key.
    if (EVP_MAC_init(h->ctx, key, key_len, params) != 1) goto fail;
    return h;
fail:
    mlc_hmac_free(h);
    return NULL;
}

int mlc_hmac_compute(mlc_hmac *h, const uint8_t *data, size_t data_len, uint8_t out[32]) {
    if (h == NULL) return 0;
    size_t out_len = 0;
    if (EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1) return 0;
    if (data_len > 0 && EVP_MAC_update(h->ctx, data, data_len) != 1) return 0;
    if (EVP_MAC_final(h->ctx, out, &out_len, 32) != 1) return 0;
    return out_len == 32;
}

void mlc_hmac_free(mlc_hmac *h) {
    if (h == NULL) return;
    EVP_MAC_CTX_free(h->ctx);  // frees (and cleanses) the key held by the context
    EVP_MAC_free(h->mac);
    free(h);
}

int mlc_sha256(const uint8_t *data, size_t data_len, uint8_t out[32]) {
    unsigned int out_len = 0;
    if (EVP_Digest(data, data_len, out, &out_len, EVP_sha256(), NULL) != 1) return 0;
    return out_len == 32;
}

struct mlc_sha256_ctx {
    EVP_MD_CTX *md;
};

mlc_sha256_ctx *mlc_sha256_new(void) {
    mlc_sha256_ctx *c = calloc(1, sizeof(*c));
    if (c == NULL) return NULL;
    c->md = EVP_MD_CTX_new();
    if (c->md == NULL || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c->md);
        free(c);
        return NULL;
    }
    return c;
}

int mlc_sha256_update(mlc_sha256_ctx *c, const uint8_t *data, size_t data_len) {
    if (c == NULL) return 0;
    return data_len == 0 || EVP_DigestUpdate(c->md, data, data_len) == 1;
}

int mlc_sha256_finish(mlc_sha256_ctx *c, uint8_t out[32]) {
    if (c == NULL) return 0;
    unsigned int out_len = 0;
    int ok = EVP_DigestFinal_ex(c->md, out, &out_len) == 1 && out_len == 32;
    EVP_MD_CTX_free(c->md);
    free(c);
    return ok;
}

int mlc_sha256_prefixed(mlc_sha256_ctx *c, uint8_t prefix, const uint8_t *a, size_t a_len,
                        const uint8_t *b, size_t b_len, uint8_t out[32]) {
    if (c == NULL) return 0;
    unsigned int out_len = 0;
    if (EVP_DigestInit_ex(c->md, NULL, NULL) != 1) return 0;
    if (EVP_DigestUpdate(c->md, &prefix, 1) != 1) return 0;
    if (a_len > 0 && EVP_DigestUpdate(c->md, a, a_len) != 1) return 0;
    if (b_len > 0 && EVP_DigestUpdate(c->md, b, b_len) != 1) return 0;
    return EVP_DigestFinal_ex(c->md, out, &out_len) == 1 && out_len == 32;
}

void mlc_sha256_free(mlc_sha256_ctx *c) {
    if (c == NULL) return;
    EVP_MD_CTX_free(c->md);
    free(c);
}

int mlc_random_bytes(uint8_t *out, size_t len) {
    if (len > 0x7fffffff) return 0;
    return RAND_bytes(out, (int)len) == 1;
}

void mlc_cleanse(void *ptr, size_t len) {
    if (ptr != NULL && len > 0) OPENSSL_cleanse(ptr, len);
}

void mlc_last_error(char *buf, size_t buf_len) {
    if (buf == NULL || buf_len == 0) return;
    unsigned long code = ERR_get_error();
    if (code == 0) {
        buf[0] = '\0';
        return;
    }
    ERR_error_string_n(code, buf, buf_len);
    ERR_clear_error();
}

static int bio_to_buffer(BIO *bio, char **out, size_t *out_len) {
    char *mem = NULL;
    long n = BIO_get_mem_data(bio, &mem);
    if (n <= 0 || mem == NULL) return 0;
    *out = malloc((size_t)n + 1);
    if (*out == NULL) return 0;
    memcpy(*out, mem, (size_t)n);
    (*out)[n] = '\0';
    *out_len = (size_t)n;
    return 1;
}

int mlc_ed25519_generate(char **private_pem, size_t *private_len, char **public_pem, size_t *public_len) {
    int ok = 0;
    EVP_PKEY *pkey = NULL;
    BIO *priv = NULL, *pub = NULL;
    *private_pem = NULL;
    *public_pem = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (pctx == NULL || EVP_PKEY_keygen_init(pctx) != 1 || EVP_PKEY_keygen(pctx, &pkey) != 1) goto done;
    priv = BIO_new(BIO_s_mem());
    pub = BIO_new(BIO_s_mem());
    if (priv == NULL || pub == NULL) goto done;
    if (PEM_write_bio_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) != 1) goto done;
    if (PEM_write_bio_PUBKEY(pub, pkey) != 1) goto done;
    if (!bio_to_buffer(priv, private_pem, private_len)) goto done;
    if (!bio_to_buffer(pub, public_pem, public_len)) goto done;
    ok = 1;
done:
    if (!ok) {
        if (*private_pem != NULL) { OPENSSL_cleanse(*private_pem, *private_len); free(*private_pem); *private_pem = NULL; }
        free(*public_pem);
        *public_pem = NULL;
    }
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(pctx);
    return ok;
}

int mlc_ed25519_sign(const char *private_pem, size_t private_len,
                     const uint8_t *data, size_t data_len, uint8_t sig[64]) {
    int ok = 0;
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *md = NULL;
    BIO *bio = BIO_new_mem_buf(private_pem, (int)private_len);
    if (bio == NULL) goto done;
    pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) goto done;
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) != 1) goto done;
    size_t sig_len = 64;
    if (EVP_DigestSign(md, sig, &sig_len, data, data_len) != 1 || sig_len != 64) goto done;
    ok = 1;
done:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return ok;
}

int mlc_ed25519_verify(const char *public_pem, size_t public_len,
                       const uint8_t *data, size_t data_len, const uint8_t sig[64]) {
    int result = -1;
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *md = NULL;
    BIO *bio = BIO_new_mem_buf(public_pem, (int)public_len);
    if (bio == NULL) goto done;
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) goto done;
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) != 1) goto done;
    result = EVP_DigestVerify(md, sig, 64, data, data_len) == 1 ? 1 : 0;
    ERR_clear_error();
done:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return result;
}

int mlc_ed25519_raw_public(const char *pem, size_t pem_len, uint8_t out[32]) {
    int result = -1;
    size_t len = 32;
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    if (bio == NULL) return -1;
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (pkey == NULL) {
        (void)BIO_reset(bio);
        pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    }
    if (pkey != NULL && EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 &&
        EVP_PKEY_get_raw_public_key(pkey, out, &len) == 1 && len == 32) {
        result = 1;
    }
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return result;
}

int mlc_ed25519_verify_raw(const uint8_t public_key[32], const uint8_t *data, size_t data_len, const uint8_t sig[64]) {
    int result = -1;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, public_key, 32);
    if (pkey == NULL) goto done;
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) != 1) goto done;
    result = EVP_DigestVerify(md, sig, 64, data, data_len) == 1 ? 1 : 0;
done:
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    return result;
}

int mlc_ed25519_sign_raw(const uint8_t seed[32], const uint8_t *data, size_t data_len, uint8_t sig[64]) {
    int result = 0;
    size_t sig_len = 64;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (pkey == NULL) goto done;
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) != 1) goto done;
    result = EVP_DigestSign(md, sig, &sig_len, data, data_len) == 1 && sig_len == 64 ? 1 : 0;
done:
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    return result;
}

int mlc_ts_request(const uint8_t digest[32], uint8_t **der, size_t *der_len) {
    int ok = 0;
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *imprint = TS_MSG_IMPRINT_new();
    X509_ALGOR *algo = X509_ALGOR_new();
    ASN1_INTEGER *nonce = NULL;
    BIGNUM *bn = BN_new();
    unsigned char *out = NULL;
    if (req == NULL || imprint == NULL || algo == NULL || bn == NULL) goto done;
    if (TS_REQ_set_version(req, 1) != 1) goto done;
    if (X509_ALGOR_set0(algo, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) != 1) goto done;
    if (TS_MSG_IMPRINT_set_algo(imprint, algo) != 1) goto done;
    if (TS_MSG_IMPRINT_set_msg(imprint, (unsigned char *)digest, 32) != 1) goto done;
    if (TS_REQ_set_msg_imprint(req, imprint) != 1) goto done;
    if (BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) goto done;
    nonce = BN_to_ASN1_INTEGER(bn, NULL);
    if (nonce == NULL || TS_REQ_set_nonce(req, nonce) != 1) goto done;
    if (TS_REQ_set_cert_req(req, 1) != 1) goto done;
    int len = i2d_TS_REQ(req, &out);
    if (len <= 0) goto done;
    *der = malloc((size_t)len);
    if (*der == NULL) goto done;
    memcpy(*der, out, (size_t)len);
    *der_len = (size_t)len;
    ok = 1;
done:
    OPENSSL_free(out);
    ASN1_INTEGER_free(nonce);
    BN_free(bn);
    X509_ALGOR_free(algo);
    TS_MSG_IMPRINT_free(imprint);
    TS_REQ_free(req);
    return ok;
}

static void mlc_copy_error(char *error, size_t error_len, const char *fallback) {
    if (error == NULL || error_len == 0) return;
    unsigned long code = ERR_peek_last_error();
    if (code != 0) {
        ERR_error_string_n(code, error, error_len);
    } else {
        snprintf(error, error_len, "%s", fallback);
    }
}

int mlc_ts_verify(const uint8_t *response, size_t response_len, const uint8_t *request, size_t request_len,
                  const uint8_t digest[32], const char *ca_file, char *gen_time, size_t gen_time_len,
                  char *error, size_t error_len) {
    int ok = 0;
    TS_RESP *resp = NULL;
    TS_REQ *req = NULL;
    TS_VERIFY_CTX *ctx = NULL;
    X509_STORE *store = NULL;
    const unsigned char *p = response;
    ERR_clear_error();
    if (gen_time != NULL && gen_time_len > 0) gen_time[0] = 0;
    resp = d2i_TS_RESP(NULL, &p, (long)response_len);
    if (resp == NULL || p != response + response_len) {
        mlc_copy_error(error, error_len, "not a DER TimeStampResp");
        goto done;
    }
    TS_TST_INFO *info = TS_RESP_get_tst_info(resp);
    if (info != NULL && gen_time != NULL && gen_time_len > 0) {
        const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time(info);
        if (t != NULL) {
            int n = ASN1_STRING_length(t);
            if (n > 0 && (size_t)n < gen_time_len) {
                memcpy(gen_time, ASN1_STRING_get0_data(t), (size_t)n);
                gen_time[n] = 0;
            }
        }
    }
    if (request_len > 0) {
        const unsigned char *q = request;
        req = d2i_TS_REQ(NULL, &q, (long)request_len);
        if (req == NULL) {
            mlc_copy_error(error, error_len, "not a DER TimeStampReq");
            goto done;
        }
        ctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
        if (ctx == NULL) goto fail;
        TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE);
    } else {
        ctx = TS_VERIFY_CTX_new();
        if (ctx == NULL) goto fail;
        unsigned char *imprint = OPENSSL_malloc(32);
        if (imprint == NULL) goto fail;
        memcpy(imprint, digest, 32);
        TS_VERIFY_CTX_set_imprint(ctx, imprint, 32);
        TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNER | TS_VFY_IMPRINT | TS_VFY_SIGNATURE);
    }
    store = X509_STORE_new();
    if (store == NULL || X509_STORE_load_file(store, ca_file) != 1) {
        mlc_copy_error(error, error_len, "cannot read the TSA CA file");
        goto done;
    }
    TS_VERIFY_CTX_set_store(ctx, store);
    store = NULL;  /* owned by ctx */
    if (request_len > 0) {
        /* The request's imprint must be the digest asked about. */
        TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(req);
        ASN1_OCTET_STRING *msg = mi == NULL ? NULL : TS_MSG_IMPRINT_get_msg(mi);
        if (msg == NULL || ASN1_STRING_length(msg) != 32 || memcmp(ASN1_STRING_get0_data(msg), digest, 32) != 0) {
            mlc_copy_error(error, error_len, "the request is not about this digest");
            goto done;
        }
    }
    if (TS_RESP_verify_response(ctx, resp) == 1) {
        ok = 1;
        goto done;
    }
fail:
    mlc_copy_error(error, error_len, "the time-stamp response does not verify");
done:
    ERR_clear_error();
    X509_STORE_free(store);
    TS_VERIFY_CTX_free(ctx);
    TS_REQ_free(req);
    TS_RESP_free(resp);
    return ok;
}

void mlc_free(void *ptr) { free(ptr); }
