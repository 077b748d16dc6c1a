// A deliberately small C surface over OpenSSL libcrypto (3.x).
// Swift sees only opaque handles and plain byte buffers; every OpenSSL
// handle is created, used and freed in ledger_crypto.c.
#ifndef CLEDGER_CRYPTO_H
#define CLEDGER_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An HMAC-SHA256 context keyed once and reused for many messages.
typedef struct mlc_hmac mlc_hmac;

/// Creates a reusable HMAC-SHA256 context for `key`. Returns NULL on failure.
mlc_hmac *mlc_hmac_new(const uint8_t *key, size_t key_len);

/// Computes HMAC-SHA256(key, data) into `out` (32 bytes). Returns 1 on success, 0 on failure.
int mlc_hmac_compute(mlc_hmac *ctx, const uint8_t *data, size_t data_len, uint8_t out[32]);

/// Frees a context created by mlc_hmac_new (NULL is allowed). The key copy is wiped.
void mlc_hmac_free(mlc_hmac *ctx);

/// SHA-256 of `data` into `out` (32 bytes). Returns 1 on success, 0 on failure.
int mlc_sha256(const uint8_t *data, size_t data_len, uint8_t out[32]);

/// Streaming SHA-256 (for files). Returns NULL on failure.
typedef struct mlc_sha256_ctx mlc_sha256_ctx;
mlc_sha256_ctx *mlc_sha256_new(void);
/// Adds bytes. Returns 1 on success.
int mlc_sha256_update(mlc_sha256_ctx *ctx, const uint8_t *data, size_t data_len);
/// Writes the digest (32 bytes) and frees the context. Returns 1 on success.
int mlc_sha256_finish(mlc_sha256_ctx *ctx, uint8_t out[32]);

/// SHA-256 of `prefix || a || b` (b may be NULL with b_len 0) with a reusable context (re-initialised
/// on each call, never freed here): the RFC 6962 leaf and node hashes. Returns 1 on success.
int mlc_sha256_prefixed(mlc_sha256_ctx *ctx, uint8_t prefix, const uint8_t *a, size_t a_len,
                        const uint8_t *b, size_t b_len, uint8_t out[32]);
/// Frees a context made by mlc_sha256_new without finishing it.
void mlc_sha256_free(mlc_sha256_ctx *ctx);

/// Fills `out` with `len` bytes from OpenSSL's CSPRNG. Returns 1 on success, 0 on failure.
int mlc_random_bytes(uint8_t *out, size_t len);

/// Overwrites `len` bytes at `ptr` in a way the compiler will not optimise away.
void mlc_cleanse(void *ptr, size_t len);

/// Copies OpenSSL's most recent error string (or "") into `buf`.
void mlc_last_error(char *buf, size_t buf_len);

/// Generates an Ed25519 key pair as PEM text (PKCS#8 private key, SubjectPublicKeyInfo public key).
/// Buffers are allocated with malloc and must be released with mlc_free. Returns 1 on success.
int mlc_ed25519_generate(char **private_pem, size_t *private_len, char **public_pem, size_t *public_len);

/// Signs `data` with the Ed25519 private key in `private_pem` into `sig` (64 bytes). Returns 1 on success.
int mlc_ed25519_sign(const char *private_pem, size_t private_len,
                     const uint8_t *data, size_t data_len, uint8_t sig[64]);

/// Verifies an Ed25519 signature with the public key in `public_pem`.
/// Returns 1 when valid, 0 when invalid, -1 when the key cannot be read.
int mlc_ed25519_verify(const char *public_pem, size_t public_len,
                       const uint8_t *data, size_t data_len, const uint8_t sig[64]);

/// The 32-byte raw Ed25519 public key of a PEM key: a private key (PKCS#8) or a public key
/// (SubjectPublicKeyInfo). Returns 1 on success, -1 when the key cannot be read.
int mlc_ed25519_raw_public(const char *pem, size_t pem_len, uint8_t out[32]);

/// Verifies an Ed25519 signature with a 32-byte raw public key. 1 valid, 0 invalid, -1 unusable key.
int mlc_ed25519_verify_raw(const uint8_t public_key[32], const uint8_t *data, size_t data_len, const uint8_t sig[64]);

/// Signs with a 32-byte raw Ed25519 private key (the seed). Returns 1 on success.
int mlc_ed25519_sign_raw(const uint8_t seed[32], const uint8_t *data, size_t data_len, uint8_t sig[64]);

/// RFC 3161: a DER TimeStampReq over a SHA-256 `digest`, with a random 64-bit nonce and certReq
/// set. `*der` is allocated with malloc (release with mlc_free). Returns 1 on success.
int mlc_ts_request(const uint8_t digest[32], uint8_t **der, size_t *der_len);

/// RFC 3161: checks a DER TimeStampResp: status granted, the token's signature and its signer's
/// chain up to the PEM certificates in `ca_file` (the TSA certificate must carry the critical
/// timeStamping extended key usage), and that it covers `digest`. When `request` is given
/// (`request_len` > 0), its nonce must be echoed too. Writes the token's genTime
/// (`YYYYMMDDhhmmss[.fff]Z`) to `gen_time` and, on failure, OpenSSL's reason to `error`.
/// Returns 1 when valid, 0 when not.
int mlc_ts_verify(const uint8_t *response, size_t response_len, const uint8_t *request, size_t request_len,
                  const uint8_t digest[32], const char *ca_file, char *gen_time, size_t gen_time_len,
                  char *error, size_t error_len);

/// Releases a buffer returned by this module.
void mlc_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif
