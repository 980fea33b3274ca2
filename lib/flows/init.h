// `kunlunctl init [--testing]`: creates the store and its master key, or migrates an
// existing store; idempotent (a second run changes nothing and says so).
#pragma once

#include "flows/context.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kunlun {

struct InitReport {
    bool created = false;       // a new store
    bool key_created = false;   // a new master key file
    bool testing = false;
    std::vector<std::int64_t> migrated;  // schema versions applied now
    std::int64_t schema_version = 0;
    std::string store;
    std::string key_file;
    std::string admin;          // the operator made admin by the first init
};

InitReport init_store(const SessionOptions& options, bool testing);

}  // namespace kunlun
