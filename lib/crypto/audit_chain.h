// The audit log's HMAC chain (domain.md §8): each entry's MAC covers the previous entry's
// MAC and every field of the entry, so altering, inserting or deleting an entry breaks the
// chain from that point on. The key is derived from the master key, outside the store.
#pragma once

#include "store/records.h"

#include <span>
#include <vector>

namespace kunlun {

std::vector<unsigned char> audit_mac(std::span<const unsigned char> key, std::span<const unsigned char> previous_mac,
                                     const AuditEntry& entry);

}  // namespace kunlun
