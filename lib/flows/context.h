// The one context every flow receives: config, the bank's zone, the clock reading for this
// command, the acting operator, the store. Built once at start-up by open_session(); tests
// build their own.
#pragma once

#include "config/bank_zone.h"
#include "config/config.h"
#include "crypto/password_hash.h"
#include "store/locator.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace kunlun {

class MasterKey;

struct Context {
    Context(Config config_in, BankZone zone_in, StoreLocator locator_in)
        : config(std::move(config_in)), zone(std::move(zone_in)), locator(std::move(locator_in)) {}

    Config config;
    BankZone zone;
    StoreLocator locator;
    std::unique_ptr<Store> store;
    std::shared_ptr<const MasterKey> master_key;
    Instant now{};       // effective "now" (KUNLUNCTL_NOW on a test store)
    Instant real_now{};  // the wall clock, always
    std::string operator_name;
    bool testing = false;
    // Merged into the audit entry of a refused command: what it was about beyond the customer
    // (a token command names its device, so the token's history shows refusals too).
    nlohmann::json refusal_scope = nlohmann::json::object();
    std::function<void(const std::string&)> warn = [](const std::string&) {};

    [[nodiscard]] const Settings& settings() const { return config.settings; }
    [[nodiscard]] Argon2Cost argon2_cost() const;
    [[nodiscard]] std::string format_time(Instant t) const { return zone.format(t); }

    // Refuses with exit 77 `permission` unless the acting operator is registered and holds
    // one of `roles`; returns the operator's record.
    OperatorRecord require_role(std::initializer_list<Role> roles, std::string_view command) const;

    // Appends an audit entry inside the current write transaction.
    void audit(std::string_view command, std::string_view customer, std::string_view outcome,
               const nlohmann::json& details) const;
};

struct SessionOptions {
    std::optional<std::string> store;   // --store
    std::optional<std::string> config;  // --config
};

// Reads config, opens the store (migrating an old schema), checks the key file against the
// store and the test overrides against the store's kind. Refuses a missing store (69).
Context open_session(const SessionOptions& options);

// Loads the config only (commands that need no store: `config show`).
Config load_config(const SessionOptions& options);

}  // namespace kunlun
