// The one source of randomness for keys, salts, nonces and one-time codes: OpenSSL's CSPRNG
// (RAND_bytes, seeded from the kernel). std::random_device and <random> engines are not for
// secrets: their quality is implementation-defined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kunlun {

// Fills `out` with random bytes. A CSPRNG failure is Error(Exit::internal, "internal").
void random_bytes(std::span<unsigned char> out);
std::vector<unsigned char> random_bytes(std::size_t n);

// A uniform integer in [0, bound). Rejection sampling, not `r % bound`, which would make the
// small results more likely whenever `bound` does not divide 2^64. `bound` must be > 0.
std::uint64_t random_below(std::uint64_t bound);

// `n` independent uniform decimal digits, e.g. a 6-digit SMS code or a temporary password.
std::string random_digits(std::size_t n);

}  // namespace kunlun
