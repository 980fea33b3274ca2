// Opens the store a locator names, whichever backend it is: the one place that knows both.
#pragma once

#include "config/settings.h"
#include "store/locator.h"
#include "store/store.h"

#include <memory>
#include <optional>
#include <string>

namespace kunlun {

struct OpenedStore {
    std::unique_ptr<Store> store;
    // PostgreSQL: the database role connected (current_user), which is the acting operator's
    // identity there. SQLite: none (the operating-system account is).
    std::optional<std::string> database_role;
};

enum class StoreOpening {
    existing,         // a missing SQLite file is 69 store-unavailable
    create_if_missing  // `init`: a SQLite file is created (a PostgreSQL database must exist)
};

OpenedStore open_store(const StoreLocator& locator, const Settings& settings, StoreOpening opening);

}  // namespace kunlun
