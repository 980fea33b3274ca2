// How every backend seals, opens and indexes PII, and chains an audit entry: one place, so
// a SQLite and a PostgreSQL store hold exactly the same forms (a dump of either is the same,
// and a value moved between them opens where it belongs and nowhere else).
#pragma once

#include "store/store.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kunlun {

// AES-256-GCM with "column/row-owner" as the associated data: a sealed value copied to
// another row or column fails authentication instead of decrypting as someone else's.
std::vector<unsigned char> seal_field(const StoreKeys& keys, std::string_view column, std::string_view row,
                                      std::string_view value);
// Throws 69 `store-corrupt` when the value does not open (wrong key, altered or moved value).
std::string open_field(const StoreKeys& keys, std::string_view column, std::string_view row,
                       std::span<const unsigned char> sealed);
// The keyed blind index of a canonical value in a column (lookups without decrypting).
std::vector<unsigned char> blind_index(const StoreKeys& keys, std::string_view column, std::string_view value);

// The entry that follows `head` in the chain: the next sequence number and the MAC over the
// previous MAC and every field.
AuditEntry chain_audit_entry(const StoreKeys& keys, const AuditHead& head, const AuditDraft& draft);

// Refuses (70) a store whose keys were never attached: every PII column needs them.
const StoreKeys& attached_keys(const std::optional<StoreKeys>& keys);

}  // namespace kunlun
