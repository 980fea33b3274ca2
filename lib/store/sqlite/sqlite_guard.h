// Every SQLite call runs inside guarded(): SQLite's own exceptions become the contract's
// errors (busy → 75, damaged or unreadable → 69, I/O → 74) and never leak past the store.
#pragma once

#include <SQLiteCpp/Exception.h>

#include <filesystem>

namespace kunlun {

[[noreturn]] void translate_sqlite_error(const SQLite::Exception& e, const std::filesystem::path& path);

template <typename F>
auto guarded(const std::filesystem::path& path, F&& body) {
    try {
        return body();
    } catch (const SQLite::Exception& e) {
        translate_sqlite_error(e, path);
    }
}

}  // namespace kunlun
