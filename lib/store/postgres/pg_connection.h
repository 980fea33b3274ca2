// One libpq connection: parameters, results, prepared statements, and the single place where
// a libpq failure becomes one of the contract's errors (unreachable → 69, deadlock or
// serialization failure → TransientConflict, a privilege the database role lacks → 77).
#pragma once

#include "store/records.h"

#include "store/postgres/libpq.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace kunlun::pg {

// A statement's parameters, in order ($1, $2, ...). Text values go as text and bytea as
// binary, so no value is ever spliced into SQL.
class Params {
public:
    Params& text(std::string value);
    Params& text_or_null(const std::string& value);  // empty: NULL
    Params& integer(std::int64_t value);
    Params& integer_or_null(const std::optional<std::int64_t>& value);
    Params& boolean(bool value);
    Params& time(Instant value);  // Unix seconds, as SQLite keeps them
    Params& time_or_null(const std::optional<Instant>& value);
    Params& bytes(const std::vector<unsigned char>& value);
    Params& bytes_or_null(const std::vector<unsigned char>& value);  // empty: NULL
    Params& null();

    [[nodiscard]] int size() const { return static_cast<int>(values_.size()); }
    [[nodiscard]] std::vector<const char*> pointers() const;
    [[nodiscard]] std::vector<int> lengths() const;
    [[nodiscard]] const std::vector<int>& formats() const { return formats_; }

private:
    std::vector<std::string> values_;
    std::vector<bool> nulls_;
    std::vector<int> formats_;
};

// A PostgreSQL array literal of text values ({"a","b"}), for `= ANY($n::text[])`: a set of
// keys as one parameter.
std::string text_array(const std::vector<std::string>& values);

// A query's rows, read by position. Owns the PGresult.
class Rows {
public:
    explicit Rows(PGresult* result) : result_(result) {}
    Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
    Rows& operator=(Rows&&) = delete;
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;
    ~Rows() { libpq().PQclear(result_); }

    [[nodiscard]] int size() const { return libpq().PQntuples(result_); }
    [[nodiscard]] bool empty() const { return size() == 0; }
    [[nodiscard]] int columns() const { return libpq().PQnfields(result_); }
    [[nodiscard]] std::int64_t affected() const;  // rows an INSERT, UPDATE or DELETE touched
    [[nodiscard]] bool null(int row, int column) const { return libpq().PQgetisnull(result_, row, column) != 0; }
    [[nodiscard]] std::string text(int row, int column) const;  // NULL reads as ""
    [[nodiscard]] std::int64_t integer(int row, int column) const;
    [[nodiscard]] bool boolean(int row, int column) const;
    [[nodiscard]] Instant time(int row, int column) const { return Instant(std::chrono::seconds(integer(row, column))); }
    [[nodiscard]] std::optional<Instant> time_or_null(int row, int column) const;
    [[nodiscard]] std::vector<unsigned char> bytes(int row, int column) const;  // NULL reads as empty

private:
    PGresult* result_;
};

class Connection {
public:
    // Connects with the URI (libpq's own environment, service file and .pgpass apply), giving
    // up after `connect_timeout_s` unless the URI sets its own `connect_timeout`.
    Connection(const std::string& uri, std::int64_t connect_timeout_s, std::string display);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // A statement without parameters (transaction control, DDL); several may be given at once.
    Rows exec(const std::string& sql);
    // A statement prepared once per connection and kept (the usual queries).
    Rows run(const std::string& sql, const Params& params = {});
    // A statement built for this call (filters): parsed each time, not kept.
    Rows run_once(const std::string& sql, const Params& params = {});

    [[nodiscard]] bool in_transaction() const;
    [[nodiscard]] const std::string& display() const { return display_; }

private:
    Rows checked(PGresult* result);

    PGconn* conn_ = nullptr;
    std::string display_;
    std::unordered_map<std::string, std::string> prepared_;  // SQL → statement name
};

}  // namespace kunlun::pg
