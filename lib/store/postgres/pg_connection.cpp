#include "store/postgres/pg_connection.h"

#include "error.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace kunlun::pg {
namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

bool starts_with(const char* state, const char* prefix) {
    return state != nullptr && std::string_view(state).starts_with(prefix);
}

// One place decides what a failed statement means to the caller (cli.md exit codes).
[[noreturn]] void raise(PGresult* result, PGconn* conn, const std::string& display) {
    const char* raw_state = result != nullptr ? libpq().PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string state = raw_state != nullptr ? raw_state : "";
    std::string message = trimmed(result != nullptr ? libpq().PQresultErrorMessage(result) : libpq().PQerrorMessage(conn));
    if (message.empty()) message = trimmed(libpq().PQerrorMessage(conn));
    libpq().PQclear(result);
    if (libpq().PQstatus(conn) == CONNECTION_BAD || state.starts_with("08") || state == "57P01" || state == "57P02" ||
        state == "57P03") {
        fail(Exit::unavailable, "store-unavailable", "lost the connection to the store {} ({})", display, message);
    }
    if (state == "40001" || state == "40P01" || state == "55P03") {
        throw TransientConflict(Exit::busy, "busy",
                                fmt::format("the store {} is busy with concurrent changes; try again ({})", display,
                                            message));
    }
    if (state == "23505") {
        // A key another transaction committed between our check and our insert (two loads
        // of one fixture, two operators added at once). Run again, the check sees it and
        // answers as it should; a duplicate that persists is a defect, reported as one.
        throw TransientConflict(Exit::internal, "internal",
                                fmt::format("store error on {}: {} [{}]", display, message, state));
    }
    if (state == "42501") {
        fail(Exit::refused, "permission",
             "the store {} refused the database role: {} (the GRANTs for each role are in scripts/pg/roles.sql)",
             display, message);
    }
    if (state == "53100" || state == "58030") fail(Exit::io, "io", "I/O error on the store {} ({})", display, message);
    if (starts_with(raw_state, "53")) fail(Exit::busy, "busy", "the store {} is out of resources ({})", display, message);
    fail(Exit::internal, "internal", "store error on {}: {}{}", display, message,
         state.empty() ? std::string() : " [" + state + "]");
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

// --- parameters ---

Params& Params::text(std::string value) {
    values_.push_back(std::move(value));
    nulls_.push_back(false);
    formats_.push_back(0);
    return *this;
}

Params& Params::text_or_null(const std::string& value) { return value.empty() ? null() : text(value); }

Params& Params::integer(std::int64_t value) { return text(std::to_string(value)); }

Params& Params::boolean(bool value) { return text(value ? "true" : "false"); }

Params& Params::time(Instant value) { return integer(value.time_since_epoch().count()); }

Params& Params::time_or_null(const std::optional<Instant>& value) { return value ? time(*value) : null(); }

Params& Params::integer_or_null(const std::optional<std::int64_t>& value) { return value ? integer(*value) : null(); }

Params& Params::bytes(const std::vector<unsigned char>& value) {
    values_.emplace_back(value.begin(), value.end());
    nulls_.push_back(false);
    formats_.push_back(1);  // binary: the bytes as they are
    return *this;
}

Params& Params::bytes_or_null(const std::vector<unsigned char>& value) { return value.empty() ? null() : bytes(value); }

Params& Params::null() {
    values_.emplace_back();
    nulls_.push_back(true);
    formats_.push_back(0);
    return *this;
}

std::vector<const char*> Params::pointers() const {
    std::vector<const char*> out;
    for (std::size_t i = 0; i < values_.size(); ++i) out.push_back(nulls_[i] ? nullptr : values_[i].data());
    return out;
}

std::vector<int> Params::lengths() const {
    std::vector<int> out;
    for (const auto& v : values_) out.push_back(static_cast<int>(v.size()));
    return out;
}

// --- rows ---

std::int64_t Rows::affected() const {
    const char* n = libpq().PQcmdTuples(result_);
    return (n == nullptr || *n == '\0') ? 0 : std::stoll(n);
}

std::string Rows::text(int row, int column) const {
    if (null(row, column)) return {};
    return {libpq().PQgetvalue(result_, row, column), static_cast<std::size_t>(libpq().PQgetlength(result_, row, column))};
}

std::int64_t Rows::integer(int row, int column) const {
    const char* v = libpq().PQgetvalue(result_, row, column);
    std::int64_t out = 0;
    auto len = static_cast<std::size_t>(libpq().PQgetlength(result_, row, column));
    if (std::from_chars(v, v + len, out).ec != std::errc()) {
        fail(Exit::internal, "internal", "the store returned '{}' where a number was expected", std::string(v, len));
    }
    return out;
}

bool Rows::boolean(int row, int column) const { return text(row, column) == "t"; }

std::optional<Instant> Rows::time_or_null(int row, int column) const {
    if (null(row, column)) return std::nullopt;
    return time(row, column);
}

// bytea in text form is hex ("\x0a1b..."): the connection sets bytea_output = hex.
std::vector<unsigned char> Rows::bytes(int row, int column) const {
    if (null(row, column)) return {};
    std::string_view v(libpq().PQgetvalue(result_, row, column), static_cast<std::size_t>(libpq().PQgetlength(result_, row, column)));
    if (!v.starts_with("\\x") || v.size() % 2 != 0) fail(Exit::internal, "internal", "the store returned bytea not in hex form");
    std::vector<unsigned char> out;
    out.reserve((v.size() - 2) / 2);
    for (std::size_t i = 2; i < v.size(); i += 2) {
        int hi = hex_value(v[i]), lo = hex_value(v[i + 1]);
        if (hi < 0 || lo < 0) fail(Exit::internal, "internal", "the store returned bytea not in hex form");
        out.push_back(static_cast<unsigned char>(hi * 16 + lo));
    }
    return out;
}

// --- the connection ---

Connection::Connection(const std::string& uri, std::int64_t connect_timeout_s, std::string display)
    : display_(std::move(display)) {
    // Later keywords win over earlier ones, so the URI's own connect_timeout (or sslmode,
    // application_name, ...) overrides what is set here; PGHOST, PGSERVICE, .pgpass and the
    // other libpq environment apply to whatever neither names.
    // Over TCP, a server that dies or falls silent after the connection is made must not hang
    // a command either: TCP keepalives notice an idle dead peer within about a minute, and
    // tcp_user_timeout drops a connection whose sent data stays unacknowledged for 60 s (a
    // slow query on a live server still acknowledges). Unix sockets ignore both.
    auto timeout = std::to_string(connect_timeout_s);
    std::array<const char*, 10> keywords = {"connect_timeout", "fallback_application_name", "client_encoding",
                                            "keepalives", "keepalives_idle", "keepalives_interval",
                                            "keepalives_count", "tcp_user_timeout", "dbname", nullptr};
    std::array<const char*, 10> values = {timeout.c_str(), "kunlunctl", "UTF8", "1", "30", "10", "3", "60000",
                                          uri.c_str(), nullptr};
    conn_ = libpq().PQconnectdbParams(keywords.data(), values.data(), 1);
    if (conn_ == nullptr) fail(Exit::unavailable, "store-unavailable", "cannot connect to the store {}", display_);
    if (libpq().PQstatus(conn_) != CONNECTION_OK) {
        std::string message = trimmed(libpq().PQerrorMessage(conn_));
        libpq().PQfinish(conn_);
        conn_ = nullptr;
        fail(Exit::unavailable, "store-unavailable", "cannot connect to the store {} ({})", display_, message);
    }
    // Readable bytea whatever the server's default, and no notice chatter on stderr.
    exec("SET bytea_output = hex; SET client_min_messages = warning");
}

Connection::~Connection() {
    if (conn_ != nullptr) libpq().PQfinish(conn_);
}

Rows Connection::checked(PGresult* result) {
    auto status = result != nullptr ? libpq().PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) raise(result, conn_, display_);
    return Rows(result);
}

Rows Connection::exec(const std::string& sql) { return checked(libpq().PQexec(conn_, sql.c_str())); }

Rows Connection::run(const std::string& sql, const Params& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        std::string name = fmt::format("k{}", prepared_.size() + 1);
        checked(libpq().PQprepare(conn_, name.c_str(), sql.c_str(), params.size(), nullptr));
        it = prepared_.emplace(sql, std::move(name)).first;  // kept only once prepared
    }
    auto values = params.pointers();
    auto lengths = params.lengths();
    return checked(libpq().PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(), lengths.data(),
                                  params.formats().data(), 0));
}

Rows Connection::run_once(const std::string& sql, const Params& params) {
    auto values = params.pointers();
    auto lengths = params.lengths();
    return checked(libpq().PQexecParams(conn_, sql.c_str(), params.size(), nullptr, values.data(), lengths.data(),
                                params.formats().data(), 0));
}

bool Connection::in_transaction() const {
    auto status = libpq().PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (const auto& v : values) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (char c : v) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

}  // namespace kunlun::pg
