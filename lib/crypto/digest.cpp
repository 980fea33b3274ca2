#include "crypto/digest.h"

#include "crypto/encoding.h"
#include "crypto/openssl_handles.h"
#include "error.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <vector>

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

namespace {

// An HMAC context with its digest already chosen: EVP_MAC_init with a digest *name* looks the
// digest up in the provider on every call, which a batch making several MACs per case paid
// again and again. Each MAC starts from a copy of this one and only sets its key.
const EVP_MAC_CTX* hmac_sha256_template() {
    static const MacCtxPtr ctx = [] {
        MacCtxPtr c{checked(EVP_MAC_CTX_new(hmac_mac()), "creating an HMAC context")};
        char digest_name[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
            OSSL_PARAM_construct_end(),
        };
        check(EVP_MAC_CTX_set_params(c.get(), params), "HMAC-SHA256 digest");
        return c;
    }();
    return ctx.get();
}

// The few keys a process MACs with again and again (the audit chain's, the blind index's, the
// one-time codes'), each kept as a context already keyed: a MAC starts from a copy of it
// instead of hashing the key into the pads again. The copies of the keys kept here to find
// their context are wiped when the thread ends, like every other copy of key material.
class KeyedContexts {
public:
    KeyedContexts() = default;
    KeyedContexts(const KeyedContexts&) = delete;
    KeyedContexts& operator=(const KeyedContexts&) = delete;
    ~KeyedContexts() {
        for (auto& e : entries_) OPENSSL_cleanse(e.key.data(), e.key.size());
    }
    // A context keyed with `key`, to be copied, never used directly.
    const EVP_MAC_CTX* keyed(std::span<const unsigned char> key) {
        for (auto& e : entries_) {
            if (e.key.size() == key.size() && std::equal(key.begin(), key.end(), e.key.begin())) return e.ctx.get();
        }
        if (entries_.size() == kMaxKeys) {
            OPENSSL_cleanse(entries_.front().key.data(), entries_.front().key.size());
            entries_.erase(entries_.begin());
        }
        Entry e;
        e.ctx.reset(checked(EVP_MAC_CTX_dup(hmac_sha256_template()), "creating an HMAC context"));
        // A zero-length key is legal HMAC; OpenSSL only wants a non-null pointer for it.
        static const unsigned char no_key = 0;
        check(EVP_MAC_init(e.ctx.get(), key.empty() ? &no_key : key.data(), key.size(), nullptr), "HMAC-SHA256 init");
        e.key.assign(key.begin(), key.end());
        entries_.push_back(std::move(e));
        return entries_.back().ctx.get();
    }

private:
    static constexpr std::size_t kMaxKeys = 8;
    struct Entry {
        std::vector<unsigned char> key;
        MacCtxPtr ctx;
    };
    std::vector<Entry> entries_;
};

}  // namespace

Sha256Digest hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data) {
    thread_local KeyedContexts contexts;
    const MacCtxPtr ctx{checked(EVP_MAC_CTX_dup(contexts.keyed(key)), "creating an HMAC context")};
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
