// Owners for the OpenSSL 3 handles libkunlun's crypto uses, and the one way an OpenSSL
// failure becomes an Error. Internal to lib/crypto: nothing outside it includes OpenSSL.
//
// Algorithms are fetched once per process and kept: an EVP_*_fetch walks the provider
// tables under a lock, which would dominate the cost of hashing one audit row.
#pragma once

#include "error.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <memory>
#include <string_view>

namespace kunlun::crypto_detail {

template <auto FreeFunction>
struct Deleter {
    template <typename T>
    void operator()(T* handle) const noexcept {
        FreeFunction(handle);
    }
};

using MdPtr = std::unique_ptr<EVP_MD, Deleter<EVP_MD_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX_free>>;
using KdfPtr = std::unique_ptr<EVP_KDF, Deleter<EVP_KDF_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, Deleter<EVP_KDF_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, Deleter<EVP_CIPHER_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;

// Throws the internal error for a failed OpenSSL call, with OpenSSL's own reason. These
// calls fail only on a broken installation or a bug (wrong sizes), never on user input.
[[noreturn]] inline void fail_openssl(std::string_view operation) {
    std::array<char, 256> reason{};
    const unsigned long code = ERR_get_error();
    ERR_error_string_n(code, reason.data(), reason.size());
    ERR_clear_error();
    fail(Exit::internal, "internal", "OpenSSL {} failed: {}", operation,
         code == 0 ? "no reason given" : reason.data());
}

// Returns `handle`, or throws for the operation that should have produced it.
template <typename T>
T* checked(T* handle, std::string_view operation) {
    if (handle == nullptr) {
        fail_openssl(operation);
    }
    return handle;
}

inline void check(int status, std::string_view operation) {
    if (status != 1) {
        fail_openssl(operation);
    }
}

inline const EVP_MD* sha256_md() {
    static const MdPtr md{checked(EVP_MD_fetch(nullptr, "SHA256", nullptr), "fetching SHA256")};
    return md.get();
}

inline EVP_MAC* hmac_mac() {
    static const MacPtr mac{checked(EVP_MAC_fetch(nullptr, "HMAC", nullptr), "fetching HMAC")};
    return mac.get();
}

inline EVP_KDF* hkdf_kdf() {
    static const KdfPtr kdf{checked(EVP_KDF_fetch(nullptr, "HKDF", nullptr), "fetching HKDF")};
    return kdf.get();
}

inline const EVP_CIPHER* aes256gcm_cipher() {
    static const CipherPtr cipher{
        checked(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr), "fetching AES-256-GCM")};
    return cipher.get();
}

// GM/T 0009-2012's default SM2 signer identity, used by USB keys and CAs of the Chinese
// commercial PKI. OpenSSL 3.0 signs and verifies with an empty identity unless one is set,
// so every SM2 operation here sets this one explicitly.
inline constexpr std::string_view sm2_default_id = "1234567812345678";

// The one X.509 certificate in `pem` (defined in certificate.cpp). Not PEM, not a
// certificate, or more than one: Error(Exit::data, "invalid-certificate").
X509Ptr read_certificate(std::string_view pem);

// OSSL_PARAM wants a non-const pointer even for inputs it only reads, and a null pointer for
// an empty input is refused by some providers: point empty inputs at a harmless byte.
inline void* param_bytes(const unsigned char* data, std::size_t size) {
    static unsigned char empty = 0;
    return size == 0 ? static_cast<void*>(&empty)
                     : const_cast<void*>(static_cast<const void*>(data));
}

}  // namespace kunlun::crypto_detail
