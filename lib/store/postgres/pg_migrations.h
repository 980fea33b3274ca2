// The PostgreSQL schema, as numbered migrations: version N is the same schema as SQLite's
// version N (store/sqlite/migrations.cpp) in PostgreSQL's dialect, plus what only a shared
// store needs (the audit chain's head row, batch workers and their claims). Applied versions
// are rows of schema_migrations. Never edit a released migration: append a new one to both.
#pragma once

#include <span>
#include <string_view>

namespace kunlun::postgres {

std::span<const std::string_view> migrations();

}  // namespace kunlun::postgres
