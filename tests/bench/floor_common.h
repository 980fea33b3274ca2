// What the benchmark floors share: the master key's subkeys (HKDF-SHA256, salt
// "kunlunctl-v1", as docs/architecture.md "Keys"), HMAC-SHA256, AES-256-GCM sealing and the
// audit chain's MAC, written with raw OpenSSL calls only, plus a few sqlite3 helpers.
// Nothing here uses libkunlun: a floor is what the storage work costs with the raw libraries.
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace floorbench {

using Bytes = std::vector<unsigned char>;

[[noreturn]] inline void die(const std::string& what) {
    std::fprintf(stderr, "floor: %s\n", what.c_str());
    std::exit(1);
}

inline Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline Bytes hkdf(const Bytes& master, std::string_view purpose) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    static const char salt[] = "kunlunctl-v1";
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(master.data()), master.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt), sizeof salt - 1),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(purpose.data()), purpose.size()),
        OSSL_PARAM_construct_end()};
    Bytes out(32);
    if (EVP_KDF_derive(ctx, out.data(), out.size(), params) != 1) die("HKDF");
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return out;
}

inline Bytes master_key(const std::string& path) {
    Bytes k = read_file(path);
    if (k.size() != 32) die("the key file " + path + " is not 32 bytes");
    return k;
}

// HMAC-SHA256 through one reused EVP_MAC context.
class Hmac {
public:
    explicit Hmac(const Bytes& key) : key_(key) {
        mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        ctx_ = EVP_MAC_CTX_new(mac_);
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(ctx_, key_.data(), key_.size(), params) != 1) die("HMAC init");
    }
    ~Hmac() {
        EVP_MAC_CTX_free(ctx_);
        EVP_MAC_free(mac_);
    }
    Hmac(const Hmac&) = delete;
    Hmac& operator=(const Hmac&) = delete;
    Bytes operator()(const void* data, std::size_t n) {
        if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1) die("HMAC reinit");
        EVP_MAC_update(ctx_, static_cast<const unsigned char*>(data), n);
        Bytes out(32);
        std::size_t len = 0;
        EVP_MAC_final(ctx_, out.data(), &len, out.size());
        return out;
    }
    Bytes operator()(std::string_view s) { return (*this)(s.data(), s.size()); }

private:
    Bytes key_;
    EVP_MAC* mac_ = nullptr;
    EVP_MAC_CTX* ctx_ = nullptr;
};

// AES-256-GCM: nonce(12) || ciphertext || tag(16), with associated data.
class Sealer {
public:
    explicit Sealer(const Bytes& key) : key_(key), ctx_(EVP_CIPHER_CTX_new()) {}
    ~Sealer() { EVP_CIPHER_CTX_free(ctx_); }
    Sealer(const Sealer&) = delete;
    Sealer& operator=(const Sealer&) = delete;
    Bytes seal(std::string_view plain, std::string_view aad) {
        Bytes out(12 + plain.size() + 16);
        RAND_bytes(out.data(), 12);
        int len = 0;
        EVP_EncryptInit_ex2(ctx_, EVP_aes_256_gcm(), key_.data(), out.data(), nullptr);
        EVP_EncryptUpdate(ctx_, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size()));
        EVP_EncryptUpdate(ctx_, out.data() + 12, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                          static_cast<int>(plain.size()));
        EVP_EncryptFinal_ex(ctx_, out.data() + 12 + len, &len);
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, 16, out.data() + 12 + plain.size());
        return out;
    }

    // The plaintext of nonce || ciphertext || tag; dies on a wrong tag.
    std::string open(const Bytes& sealed, std::string_view aad) {
        if (sealed.size() < 28) die("sealed field too short");
        std::string out(sealed.size() - 28, '\0');
        int len = 0;
        EVP_DecryptInit_ex2(ctx_, EVP_aes_256_gcm(), key_.data(), sealed.data(), nullptr);
        EVP_DecryptUpdate(ctx_, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size()));
        EVP_DecryptUpdate(ctx_, reinterpret_cast<unsigned char*>(out.data()), &len, sealed.data() + 12,
                          static_cast<int>(out.size()));
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, 16, const_cast<unsigned char*>(sealed.data() + sealed.size() - 16));
        if (EVP_DecryptFinal_ex(ctx_, nullptr, &len) != 1) die("AES-256-GCM tag mismatch");
        return out;
    }

private:
    Bytes key_;
    EVP_CIPHER_CTX* ctx_;
};

inline void put_field(std::string& out, std::string_view field) {
    auto n = static_cast<std::uint64_t>(field.size());
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
    out.append(field);
}

struct AuditRow {
    std::int64_t seq = 0, at_real = 0, at_effective = 0;
    std::string op, command, customer, outcome, details;
};

// The chain MAC: HMAC(previous MAC || each field, length-prefixed), as docs/architecture.md.
inline Bytes audit_mac(Hmac& hmac, const Bytes& previous, const AuditRow& e) {
    std::string m;
    m.reserve(128 + e.details.size());
    put_field(m, std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size()));
    put_field(m, std::to_string(e.seq));
    put_field(m, std::to_string(e.at_real));
    put_field(m, std::to_string(e.at_effective));
    put_field(m, e.op);
    put_field(m, e.command);
    put_field(m, e.customer);
    put_field(m, e.outcome);
    put_field(m, e.details);
    return hmac(m);
}

}  // namespace floorbench
