// How a Context comes to be: the shared steps of open_session() and `init`.
#pragma once

#include "flows/context.h"
#include "store/open_store.h"

namespace kunlun::session {

struct Overrides {
    std::optional<Instant> now;                 // KUNLUNCTL_NOW
    std::optional<std::string> operator_name;   // KUNLUNCTL_OPERATOR
    [[nodiscard]] bool any() const { return now || operator_name; }
};

// Config, the bank's zone and the store's location; the store itself is not opened yet.
Context unopened_context(const SessionOptions& options);

// Reads KUNLUNCTL_NOW / KUNLUNCTL_OPERATOR; a malformed KUNLUNCTL_NOW is exit 64.
Overrides read_overrides();
// Refuses overrides on a store that is not a test store (exit 77 `override-refused`).
void check_overrides(const Overrides& overrides, bool testing);
// The effective uid's user name (the identity is the OS account, never an env variable).
std::string os_operator_name();
// The acting operator a store knows without overrides: the database role on PostgreSQL
// (current_user), the operating-system account on SQLite.
std::string store_operator_name(const OpenedStore& opened);
// The store's keys, derived from the master key (one place, so tests derive them the same way).
StoreKeys derive_store_keys(const MasterKey& key);
// Derives the store's keys from the master key and attaches them.
void attach_keys(Context& ctx);
// The master key file for this store.
std::filesystem::path key_file(const Context& ctx);

}  // namespace kunlun::session
