#include "crypto/audit_chain.h"

#include "crypto/digest.h"

#include <string>

namespace kunlun {
namespace {

// Length-prefixed fields: no two different entries serialise to the same bytes.
void put_field(std::string& out, std::string_view field) {
    auto n = static_cast<std::uint64_t>(field.size());
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
    out.append(field);
}

}  // namespace

std::vector<unsigned char> audit_mac(std::span<const unsigned char> key, std::span<const unsigned char> previous_mac,
                                     const AuditEntry& entry) {
    std::string message;
    message.reserve(128 + entry.details.size());
    put_field(message, std::string_view(reinterpret_cast<const char*>(previous_mac.data()), previous_mac.size()));
    put_field(message, std::to_string(entry.seq));
    put_field(message, std::to_string(entry.at_real.time_since_epoch().count()));
    put_field(message, std::to_string(entry.at_effective.time_since_epoch().count()));
    put_field(message, entry.operator_name);
    put_field(message, entry.command);
    put_field(message, entry.customer);
    put_field(message, entry.outcome);
    put_field(message, entry.details);
    auto mac = hmac_sha256(key, std::span(reinterpret_cast<const unsigned char*>(message.data()), message.size()));
    return {mac.begin(), mac.end()};
}

}  // namespace kunlun
