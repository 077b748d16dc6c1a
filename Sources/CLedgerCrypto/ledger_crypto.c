#include "CLedgerCrypto.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
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

void mlc_free(void *ptr) { free(ptr); }
