// Where the store is: `sqlite:PATH`, a bare path (SQLite) or a `postgresql://` URI
// (cli.md, --store / KUNLUNCTL_STORE). The default is $XDG_DATA_HOME/kunlunctl/store.db.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace kunlun {

struct StoreLocator {
    enum class Kind { sqlite, postgresql };
    Kind kind = Kind::sqlite;
    std::filesystem::path path;  // SQLite file
    std::string uri;             // PostgreSQL connection URI

    static StoreLocator parse(const std::string& text);
    // --store, else $KUNLUNCTL_STORE, else the XDG default.
    static StoreLocator resolve(const std::optional<std::string>& option);

    // The master key file used when `[keys] file` is not set: STORE.key beside a SQLite file.
    [[nodiscard]] std::filesystem::path default_key_file() const;
    [[nodiscard]] std::string display() const;
};

}  // namespace kunlun
