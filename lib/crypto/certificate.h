// X.509 certificates of customers' e-shields (domain.md §1, §3, §4): parsing, the key types
// the bank accepts, validity dates and the chain to the bank's trusted CAs. Signature
// checks against them are in crypto/signature.h.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace kunlun {

// SHA-256 of the DER encoding, lower-case hex. A PEM that is not one certificate:
// Error(Exit::data, "invalid-certificate").
std::string certificate_fingerprint(std::string_view pem);

struct CertificateInfo {
    std::string fingerprint;  // as certificate_fingerprint
    // Most specific first, e.g. "CN=C000001 Zhang Wei, O=Bank of Kunlun test" (RFC 2253
    // order, UTF-8 kept as is, so a Chinese name reads as written).
    std::string subject;
    std::string key_type;  // "rsa", "ecdsa-p256" or "sm2"
    int key_bits = 0;      // modulus size for RSA, 256 for the curves
    std::chrono::sys_seconds not_before;
    std::chrono::sys_seconds not_after;
};

// The accepted e-shield keys: RSA of at least 2048 bits, ECDSA on P-256 (prime256v1) and SM2.
inline constexpr int min_rsa_bits = 2048;

// Parses one PEM certificate. Not one certificate, or a key of another type or size:
// Error(Exit::data, "invalid-certificate"), naming the key found and what is accepted.
CertificateInfo inspect_certificate(std::string_view pem);

// RFC 5280 §4.1.2.5: valid from not_before through not_after, both included. Otherwise
// Error(Exit::refused, "certificate-not-yet-valid" or "certificate-expired"), with the dates.
// Not one certificate: Error(Exit::data, "invalid-certificate"). The key type is not judged.
void check_certificate_valid_at(std::string_view pem, std::chrono::sys_seconds now);

// The certificate chains, at `now`, to a CA in the PEM bundle `ca_bundle` (every certificate
// in it is trusted; an intermediate goes in it with its root). SM2-signed certificates are checked
// with the GM/T 0009 default signer identity. Refused: Error(Exit::refused,
// "certificate-untrusted") with OpenSSL's reason; the customer's own certificate outside its
// dates gives "certificate-expired" / "certificate-not-yet-valid" as above. A bundle that
// cannot be read or holds no certificate: Error(Exit::config, "config").
void check_certificate_chain(std::string_view pem, const std::filesystem::path& ca_bundle,
                             std::chrono::sys_seconds now);

}  // namespace kunlun
