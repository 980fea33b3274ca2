// HKDF (RFC 5869) with SHA-256: turns the one master key into independent keys per purpose
// (field encryption, blind index, audit chain), so that no two uses ever share a key.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace kunlun {

// Extract-then-expand. An empty salt means HashLen zero bytes (RFC 5869 §2.2). `length` must
// be 1..8160 (255 blocks of 32 bytes); anything else is a bug: Error(Exit::internal).
std::vector<unsigned char> hkdf_sha256(std::span<const unsigned char> ikm,
                                       std::span<const unsigned char> salt,
                                       std::span<const unsigned char> info, std::size_t length);

}  // namespace kunlun
