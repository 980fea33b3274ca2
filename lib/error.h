// The one error type of libkunlun: a stable slug that scripts can match, an exit category
// (sysexits, cli.md "Errors and exit codes") and a message that says what was wrong and
// what to do. Only cli/ turns it into text and an exit status.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace kunlun {

enum class Exit : int {
    ok = 0,
    usage = 64,        // bad command line
    data = 65,         // input refused: malformed or against policy
    no_input = 66,     // input file missing or unreadable
    not_found = 67,    // no such customer, account, device, case, operator
    unavailable = 69,  // store unreachable
    internal = 70,     // a bug
    io = 74,           // I/O error
    busy = 75,         // try again later
    refused = 77,      // not allowed: role, four eyes, wrong secret, locked, ...
    config = 78,       // configuration invalid
};

class Error : public std::runtime_error {
public:
    Error(Exit exit, std::string slug, const std::string& message)
        : std::runtime_error(message), exit_(exit), slug_(std::move(slug)) {}

    [[nodiscard]] Exit exit() const noexcept { return exit_; }
    [[nodiscard]] const std::string& slug() const noexcept { return slug_; }

private:
    Exit exit_;
    std::string slug_;
};

// A refusal whose side effects so far must persist: failure counters, a spent code. The
// command's transaction commits them (with the refusal's audit entry) before it propagates.
class KeptRefusal : public Error {
public:
    using Error::Error;
};

// A transaction that lost a race it can win on a second try: a deadlock, a serialization
// failure or a unique key committed by a concurrent transaction (PostgreSQL). Flows run the
// transaction again a bounded number of times (`store.conflict_retries`); past that the
// error stands as it is (75 `busy`; 70 for a duplicate key that does not go away).
class TransientConflict : public Error {
public:
    using Error::Error;
};

// Throws an Error with a message formatted by fmt.
template <typename... Args>
[[noreturn]] void fail(Exit exit, std::string slug, fmt::format_string<Args...> format, Args&&... args) {
    throw Error(exit, std::move(slug), fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace kunlun
