#include "store/sealed_fields.h"

#include "crypto/audit_chain.h"
#include "crypto/field_cipher.h"
#include "error.h"

#include <fmt/format.h>

namespace kunlun {

std::vector<unsigned char> seal_field(const StoreKeys& keys, std::string_view column, std::string_view row,
                                      std::string_view value) {
    return keys.cipher->seal(value, fmt::format("{}/{}", column, row));
}

std::string open_field(const StoreKeys& keys, std::string_view column, std::string_view row,
                       std::span<const unsigned char> sealed) {
    return keys.cipher->open(sealed, fmt::format("{}/{}", column, row));
}

std::vector<unsigned char> blind_index(const StoreKeys& keys, std::string_view column, std::string_view value) {
    auto idx = keys.index->of(column, value);
    return {idx.begin(), idx.end()};
}

AuditEntry chain_audit_entry(const StoreKeys& keys, const AuditHead& head, const AuditDraft& draft) {
    AuditEntry entry;
    static_cast<AuditDraft&>(entry) = draft;
    entry.seq = head.seq + 1;
    entry.mac = audit_mac(keys.audit_mac_key, head.mac, entry);
    return entry;
}

const StoreKeys& attached_keys(const std::optional<StoreKeys>& keys) {
    if (!keys) fail(Exit::internal, "internal", "store keys used before they were attached");
    return *keys;
}

}  // namespace kunlun
