// X.509 certificates of customers' e-shields: parsing and fingerprints. Signature checks
// against them come with the e-shield flows.
#pragma once

#include <string>
#include <string_view>

namespace kunlun {

// SHA-256 of the DER encoding, lower-case hex. A PEM that is not one certificate:
// Error(Exit::data, "invalid-certificate").
std::string certificate_fingerprint(std::string_view pem);

}  // namespace kunlun
