// SHA-256 and HMAC-SHA256 through OpenSSL's EVP interfaces: digests of material files and
// exports, the audit log's HMAC chain, blind indexes, and constant-time comparison of MACs.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace kunlun {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest sha256(std::span<const unsigned char> data);
Sha256Digest sha256(std::string_view data);

// RFC 2104 HMAC with SHA-256. Any key length works; keys longer than 64 bytes are hashed first.
Sha256Digest hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data);

// SHA-256 over data that arrives in pieces (a large file read in chunks). final() may be called
// once; using the stream after that is a bug and throws Error(Exit::internal, "internal").
class Sha256Stream {
public:
    Sha256Stream();
    Sha256Stream(Sha256Stream&&) noexcept;
    Sha256Stream& operator=(Sha256Stream&&) noexcept;
    ~Sha256Stream();

    void update(std::span<const unsigned char> data);
    void update(std::string_view data);
    Sha256Digest final();

private:
    struct State;
    std::unique_ptr<State> state_;
};

// True when both byte strings are equal, in time that does not depend on where they differ
// (for MACs and tags an attacker may probe). Lengths are compared openly: they are public.
bool constant_time_equal(std::span<const unsigned char> a, std::span<const unsigned char> b);

}  // namespace kunlun
