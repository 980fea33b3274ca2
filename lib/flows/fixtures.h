// `fixtures load|dump|generate` (admin): seed a store from TOML (cli.md "Fixture files"),
// write it back out, or make a large deterministic one for tests and benchmarks.
#pragma once

#include "flows/context.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <vector>

namespace kunlun {

// All-or-nothing: every record of every file is validated, then applied in one transaction.
// A record identical to the store's is a no-op; a conflicting one is exit 65.
nlohmann::json load_fixtures(Context& ctx, const std::vector<std::filesystem::path>& files);

// Everything `load_fixtures` reads, operators included, secrets as hashes, in a stable order.
nlohmann::json dump_fixtures(Context& ctx, std::ostream& out);

struct GenerateOptions {
    std::int64_t customers = 0;
    std::uint64_t seed = 1;
    std::int64_t pending_cases = 0;  // spread over the three kinds; at most 3 per customer
    bool progress = false;  // a progress line on stderr (the caller knows if it is a terminal)
};
nlohmann::json generate_fixtures(Context& ctx, const GenerateOptions& options);

}  // namespace kunlun
