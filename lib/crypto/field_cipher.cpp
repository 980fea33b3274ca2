#include "crypto/field_cipher.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/openssl_handles.h"
#include "crypto/random.h"
#include "error.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <climits>

namespace kunlun {

using namespace crypto_detail;

namespace {

// EVP_*Update take an int length.
int evp_length(std::size_t size) {
    if (size > static_cast<std::size_t>(INT_MAX)) {
        fail(Exit::internal, "internal", "a field of {} bytes is too large to encrypt", size);
    }
    return static_cast<int>(size);
}

[[noreturn]] void fail_corrupt() {
    ERR_clear_error();
    throw Error(Exit::unavailable, "store-corrupt",
                "an encrypted field failed authentication (wrong key file or altered store)");
}

void seal_into(std::span<const unsigned char, SecretKey::size> key,
               std::span<const unsigned char, gcm_nonce_size> nonce,
               std::span<const unsigned char> plaintext,
               std::span<const unsigned char> associated_data, std::vector<unsigned char>& sealed) {
    const CipherCtxPtr ctx{checked(EVP_CIPHER_CTX_new(), "creating a cipher context")};
    check(EVP_EncryptInit_ex2(ctx.get(), aes256gcm_cipher(), key.data(), nonce.data(), nullptr),
          "AES-256-GCM init");
    int written = 0;
    if (!associated_data.empty()) {
        check(EVP_EncryptUpdate(ctx.get(), nullptr, &written, associated_data.data(),
                                evp_length(associated_data.size())),
              "AES-256-GCM associated data");
    }
    sealed.resize(gcm_nonce_size + plaintext.size() + gcm_tag_size);
    std::copy(nonce.begin(), nonce.end(), sealed.begin());
    unsigned char* out = sealed.data() + gcm_nonce_size;
    written = 0;
    if (!plaintext.empty()) {
        check(EVP_EncryptUpdate(ctx.get(), out, &written, plaintext.data(),
                                evp_length(plaintext.size())),
              "AES-256-GCM encrypt");
    }
    int tail = 0;
    check(EVP_EncryptFinal_ex(ctx.get(), out + written, &tail), "AES-256-GCM final");
    unsigned char* tag = out + plaintext.size();
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, gcm_tag_size),
        OSSL_PARAM_construct_end(),
    };
    check(EVP_CIPHER_CTX_get_params(ctx.get(), params), "AES-256-GCM tag");
}

}  // namespace

struct FieldCipher::Keyed {
    CipherCtxPtr seal;
    CipherCtxPtr open;
};

FieldCipher::FieldCipher(std::span<const unsigned char, SecretKey::size> key) noexcept
    : key_(key) {}

FieldCipher::~FieldCipher() = default;

FieldCipher::Keyed& FieldCipher::keyed() const {
    if (!keyed_) {
        auto k = std::make_unique<Keyed>();
        k->seal.reset(checked(EVP_CIPHER_CTX_new(), "creating a cipher context"));
        k->open.reset(checked(EVP_CIPHER_CTX_new(), "creating a cipher context"));
        check(EVP_EncryptInit_ex2(k->seal.get(), aes256gcm_cipher(), key_.reveal().data(), nullptr, nullptr),
              "AES-256-GCM init");
        check(EVP_DecryptInit_ex2(k->open.get(), aes256gcm_cipher(), key_.reveal().data(), nullptr, nullptr),
              "AES-256-GCM init");
        keyed_ = std::move(k);
    }
    return *keyed_;
}

std::vector<unsigned char> FieldCipher::seal(std::string_view plaintext,
                                             std::string_view associated_data) const {
    std::array<unsigned char, gcm_nonce_size> nonce{};
    random_bytes(nonce);
    const auto plain = bytes_of(plaintext);
    const auto aad = bytes_of(associated_data);
    std::vector<unsigned char> sealed(gcm_nonce_size + plain.size() + gcm_tag_size);
    std::copy(nonce.begin(), nonce.end(), sealed.begin());
    std::lock_guard lock(mutex_);
    EVP_CIPHER_CTX* ctx = keyed().seal.get();
    // The key stays expanded in the context; only the nonce is new.
    check(EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr), "AES-256-GCM init");
    int written = 0;
    if (!aad.empty()) {
        check(EVP_EncryptUpdate(ctx, nullptr, &written, aad.data(), evp_length(aad.size())),
              "AES-256-GCM associated data");
    }
    unsigned char* out = sealed.data() + gcm_nonce_size;
    written = 0;
    if (!plain.empty()) {
        check(EVP_EncryptUpdate(ctx, out, &written, plain.data(), evp_length(plain.size())), "AES-256-GCM encrypt");
    }
    int tail = 0;
    check(EVP_EncryptFinal_ex(ctx, out + written, &tail), "AES-256-GCM final");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out + plain.size(), gcm_tag_size),
        OSSL_PARAM_construct_end(),
    };
    check(EVP_CIPHER_CTX_get_params(ctx, params), "AES-256-GCM tag");
    return sealed;
}

std::string FieldCipher::open(std::span<const unsigned char> sealed,
                              std::string_view associated_data) const {
    if (sealed.size() < gcm_nonce_size + gcm_tag_size) {
        fail_corrupt();
    }
    const auto nonce = sealed.first<gcm_nonce_size>();
    const auto ciphertext =
        sealed.subspan(gcm_nonce_size, sealed.size() - gcm_nonce_size - gcm_tag_size);
    const auto tag = sealed.last<gcm_tag_size>();

    std::lock_guard lock(mutex_);
    EVP_CIPHER_CTX* ctx = keyed().open.get();
    check(EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr), "AES-256-GCM init");
    int written = 0;
    if (!associated_data.empty()) {
        const auto aad = bytes_of(associated_data);
        check(EVP_DecryptUpdate(ctx, nullptr, &written, aad.data(), evp_length(aad.size())),
              "AES-256-GCM associated data");
    }
    std::string plaintext(ciphertext.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
    written = 0;
    if (!ciphertext.empty()) {
        check(EVP_DecryptUpdate(ctx, out, &written, ciphertext.data(),
                                evp_length(ciphertext.size())),
              "AES-256-GCM decrypt");
    }
    // The expected tag goes in before the final call, which compares it in constant time.
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                          const_cast<unsigned char*>(tag.data()), tag.size()),
        OSSL_PARAM_construct_end(),
    };
    check(EVP_CIPHER_CTX_set_params(ctx, params), "AES-256-GCM set tag");
    int tail = 0;
    if (EVP_DecryptFinal_ex(ctx, out + written, &tail) != 1) {
        // Unauthenticated plaintext must not outlive the failure.
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        fail_corrupt();
    }
    return plaintext;
}

std::vector<unsigned char> aes256gcm_seal_with_nonce(
    std::span<const unsigned char, SecretKey::size> key,
    std::span<const unsigned char, gcm_nonce_size> nonce, std::span<const unsigned char> plaintext,
    std::span<const unsigned char> associated_data) {
    std::vector<unsigned char> sealed;
    seal_into(key, nonce, plaintext, associated_data, sealed);
    return sealed;
}

BlindIndex::BlindIndex(std::span<const unsigned char, SecretKey::size> key) noexcept : key_(key) {}

std::array<unsigned char, 32> BlindIndex::of(std::string_view column,
                                             std::string_view canonical_value) const {
    // The 0x00 separator keeps ("ab", "c") and ("a", "bc") apart, as long as no column name
    // holds one; column names are fixed in the code, so one that does is a bug.
    if (column.find('\0') != std::string_view::npos) {
        fail(Exit::internal, "internal", "a blind index column name contains a NUL byte");
    }
    std::string message;
    message.reserve(column.size() + 1 + canonical_value.size());
    message.append(column).push_back('\0');
    message.append(canonical_value);
    const auto index = hmac_sha256(key_.reveal(), bytes_of(message));
    OPENSSL_cleanse(message.data(), message.size());
    return index;
}

}  // namespace kunlun
