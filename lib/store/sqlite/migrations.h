// The SQLite schema, as numbered migrations. Version N is the N-th entry; the store's
// version is PRAGMA user_version. Never edit a released migration: append a new one.
#pragma once

#include <span>
#include <string_view>

namespace kunlun::sqlite {

std::span<const std::string_view> migrations();

}  // namespace kunlun::sqlite
