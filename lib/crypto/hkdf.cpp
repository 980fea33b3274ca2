#include "crypto/hkdf.h"

#include "crypto/openssl_handles.h"
#include "error.h"

#include <openssl/core_names.h>

namespace kunlun {

using namespace crypto_detail;

std::vector<unsigned char> hkdf_sha256(std::span<const unsigned char> ikm,
                                       std::span<const unsigned char> salt,
                                       std::span<const unsigned char> info, std::size_t length) {
    constexpr std::size_t max_length = std::size_t{255} * 32;  // RFC 5869 §2.3: L <= 255 * HashLen
    if (length == 0 || length > max_length) {
        fail(Exit::internal, "internal", "HKDF-SHA256 asked for {} bytes; it gives 1 to {}", length,
             max_length);
    }
    const KdfCtxPtr ctx{checked(EVP_KDF_CTX_new(hkdf_kdf()), "creating an HKDF context")};
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, param_bytes(ikm.data(), ikm.size()),
                                          ikm.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                          param_bytes(salt.data(), salt.size()), salt.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                          param_bytes(info.data(), info.size()), info.size()),
        OSSL_PARAM_construct_end(),
    };
    std::vector<unsigned char> okm(length);
    check(EVP_KDF_derive(ctx.get(), okm.data(), okm.size(), params), "HKDF-SHA256");
    return okm;
}

}  // namespace kunlun
