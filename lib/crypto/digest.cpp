#include "crypto/digest.h"

#include "crypto/encoding.h"
#include "crypto/openssl_handles.h"
#include "error.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

namespace kunlun {

using namespace crypto_detail;

Sha256Digest sha256(std::span<const unsigned char> data) {
    Sha256Digest digest{};
    unsigned int size = 0;
    // EVP_Digest is the one-shot form of init/update/final over a context it owns.
    check(EVP_Digest(data.data(), data.size(), digest.data(), &size, sha256_md(), nullptr),
          "SHA-256");
    return digest;
}

Sha256Digest sha256(std::string_view data) { return sha256(bytes_of(data)); }

Sha256Digest hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data) {
    const MacCtxPtr ctx{checked(EVP_MAC_CTX_new(hmac_mac()), "creating an HMAC context")};
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    // A zero-length key is legal HMAC; OpenSSL only wants a non-null pointer for it.
    static const unsigned char no_key = 0;
    check(EVP_MAC_init(ctx.get(), key.empty() ? &no_key : key.data(), key.size(), params),
          "HMAC-SHA256 init");
    check(EVP_MAC_update(ctx.get(), data.data(), data.size()), "HMAC-SHA256 update");
    Sha256Digest mac{};
    std::size_t size = 0;
    check(EVP_MAC_final(ctx.get(), mac.data(), &size, mac.size()), "HMAC-SHA256 final");
    return mac;
}

struct Sha256Stream::State {
    MdCtxPtr ctx{checked(EVP_MD_CTX_new(), "creating a SHA-256 context")};
    bool finished = false;
};

Sha256Stream::Sha256Stream() : state_(std::make_unique<State>()) {
    check(EVP_DigestInit_ex2(state_->ctx.get(), sha256_md(), nullptr), "SHA-256 init");
}

Sha256Stream::Sha256Stream(Sha256Stream&&) noexcept = default;
Sha256Stream& Sha256Stream::operator=(Sha256Stream&&) noexcept = default;
Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::update(std::span<const unsigned char> data) {
    if (!state_ || state_->finished) {
        fail(Exit::internal, "internal", "a SHA-256 stream was used after it was finished");
    }
    check(EVP_DigestUpdate(state_->ctx.get(), data.data(), data.size()), "SHA-256 update");
}

void Sha256Stream::update(std::string_view data) { update(bytes_of(data)); }

Sha256Digest Sha256Stream::final() {
    if (!state_ || state_->finished) {
        fail(Exit::internal, "internal", "a SHA-256 stream was finished twice");
    }
    Sha256Digest digest{};
    unsigned int size = 0;
    check(EVP_DigestFinal_ex(state_->ctx.get(), digest.data(), &size), "SHA-256 final");
    state_->finished = true;
    return digest;
}

bool constant_time_equal(std::span<const unsigned char> a, std::span<const unsigned char> b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kunlun
