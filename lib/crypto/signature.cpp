#include "crypto/signature.h"

#include "crypto/certificate.h"
#include "crypto/encoding.h"
#include "crypto/openssl_handles.h"
#include "error.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <functional>
#include <string>

namespace kunlun {

using namespace crypto_detail;

namespace {

// Fine-tunes the verification context once the key and digest are set (padding, identity).
using Tuning = std::function<void(EVP_PKEY_CTX*)>;

// One attempt with one scheme. A failed check is `false`; OpenSSL's error queue is cleared so
// that a refused signature leaves nothing behind for an unrelated later error to report.
bool verify_with(EVP_PKEY* key, const char* digest, const Tuning& tune, std::span<const unsigned char> data,
                 std::span<const unsigned char> signature) {
    const MdCtxPtr ctx{checked(EVP_MD_CTX_new(), "creating a verification context")};
    EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by ctx
    check(EVP_DigestVerifyInit_ex(ctx.get(), &pkey_ctx, digest, nullptr, nullptr, key, nullptr),
          "starting a signature verification");
    if (tune) tune(pkey_ctx);
    const int result = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size());
    ERR_clear_error();
    return result == 1;
}

// OpenSSL 3 may hand over a certificate's SM2 key as an "EC" key on the SM2 curve, and the
// signature scheme follows the key type: an "EC" key would be checked as ECDSA. Rebuild it
// as an "SM2" key from the same public point so that SM2 (with SM3 and the identity) is used.
PkeyPtr as_sm2_key(EVP_PKEY* key) {
    if (EVP_PKEY_is_a(key, "SM2")) {
        check(EVP_PKEY_up_ref(key), "sharing a public key");
        return PkeyPtr{key};
    }
    std::array<unsigned char, 133> point{};  // an uncompressed point on a 256-bit curve is 65 bytes
    std::size_t point_size = 0;
    check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &point_size),
          "reading an SM2 public key");
    char group[] = "SM2";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point_size),
        OSSL_PARAM_construct_end(),
    };
    const PkeyCtxPtr ctx{checked(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr), "creating an SM2 key context")};
    check(EVP_PKEY_fromdata_init(ctx.get()), "starting an SM2 key import");
    EVP_PKEY* sm2 = nullptr;
    check(EVP_PKEY_fromdata(ctx.get(), &sm2, EVP_PKEY_PUBLIC_KEY, params),
          "importing an SM2 public key");
    return PkeyPtr{sm2};
}

bool is_base64_text(std::span<const unsigned char> bytes) {
    const auto base64_or_space = [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
               c == '/' || c == '=' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
    };
    const auto visible = [](unsigned char c) { return c != ' ' && c != '\t' && c != '\r' && c != '\n'; };
    return std::all_of(bytes.begin(), bytes.end(), base64_or_space) &&
           std::any_of(bytes.begin(), bytes.end(), visible);
}

}  // namespace

bool verify_signature(std::string_view cert_pem, std::span<const unsigned char> data,
                      std::span<const unsigned char> signature) {
    // Refuses certificates whose key the bank does not accept, before any use of the key.
    const CertificateInfo info = inspect_certificate(cert_pem);
    const X509Ptr cert = read_certificate(cert_pem);
    EVP_PKEY* key = checked(X509_get0_pubkey(cert.get()), "reading a certificate's public key");
    if (signature.empty()) return false;

    if (info.key_type == "rsa") {
        // PKCS#1 v1.5 is what `openssl dgst -sign` and most tokens produce; PSS is tried second.
        const Tuning pkcs1 = [](EVP_PKEY_CTX* ctx) {
            check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), "choosing PKCS#1 v1.5 padding");
        };
        // Salt length "auto" reads it from the signature: signers use the digest length or the
        // maximum, and both are sound. MGF1 uses the signature's digest, SHA-256, by default.
        const Tuning pss = [](EVP_PKEY_CTX* ctx) {
            check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING), "choosing PSS padding");
            check(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO), "choosing the PSS salt length");
        };
        return verify_with(key, "SHA256", pkcs1, data, signature) || verify_with(key, "SHA256", pss, data, signature);
    }
    if (info.key_type == "ecdsa-p256") {
        return verify_with(key, "SHA256", {}, data, signature);
    }
    // SM2: the identity enters the digest (Z value) before the data, so it is set on the
    // context before EVP_DigestVerify feeds any data.
    const PkeyPtr sm2 = as_sm2_key(key);
    const Tuning identity = [](EVP_PKEY_CTX* ctx) {
        check(EVP_PKEY_CTX_set1_id(ctx, sm2_default_id.data(), static_cast<int>(sm2_default_id.size())),
              "setting the SM2 signer identity");
    };
    return verify_with(sm2.get(), "SM3", identity, data, signature);
}

std::vector<unsigned char> decode_signature_file(std::span<const unsigned char> bytes) {
    if (is_base64_text(bytes)) {
        try {
            return base64_decode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        } catch (const Error&) {
            // Base64 characters that do not decode (bad length or padding): raw after all.
        }
    }
    return {bytes.begin(), bytes.end()};
}

}  // namespace kunlun
