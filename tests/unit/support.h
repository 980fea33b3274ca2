// Shared scaffolding for the C++ tests: catching a kunlun::Error, temporary directories,
// byte and hex helpers, calendar dates and UTC instants.
#pragma once

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "error.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

namespace kunlun::test {

namespace fs = std::filesystem;

// --- errors ---

// The Error `action` throws, or nothing if it throws none.
template <typename Action>
std::optional<Error> error_of(Action&& action) {
    try {
        action();
    } catch (const Error& e) {
        return e;
    }
    return std::nullopt;
}

// The Error `action` throws; the test fails (with `failure`) if it throws none.
template <typename Action>
Error error_from(Action&& action, const char* failure = "expected a kunlun::Error") {
    try {
        action();
    } catch (const Error& e) {
        return e;
    }
    FAIL(failure);
    return Error(Exit::ok, "", "");
}

// A rule's verdict: no problem when `expect` is empty, else a problem containing `expect`.
inline void check_problem(const std::optional<std::string>& problem, const std::string& expect) {
    if (expect.empty()) {
        CHECK_FALSE(problem.has_value());
        if (problem) INFO("refused: " << *problem);
    } else {
        REQUIRE(problem.has_value());
        CHECK_THAT(*problem, Catch::Matchers::Contains(expect));
    }
}

// --- files ---

// A fresh directory under the system temp directory, removed with everything in it.
// Unnamed: a random name. Named: kunlun-test-NAME-PID, emptied first if it exists.
class TempDir {
public:
    TempDir() : path_(fs::temp_directory_path() / ("kunlun-test-" + to_hex(random_bytes(8)))) {
        fs::create_directory(path_);
    }
    explicit TempDir(const std::string& name)
        : path_(fs::temp_directory_path() / fmt::format("kunlun-test-{}-{}", name, ::getpid())) {
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    [[nodiscard]] const fs::path& path() const { return path_; }
    [[nodiscard]] fs::path file(const std::string& name) const { return path_ / name; }
    // Writes `text` to the file `name` in this directory; returns its path.
    fs::path write(const std::string& name, const std::string& text) const {
        std::ofstream(path_ / name, std::ios::binary) << text;
        return path_ / name;
    }

private:
    fs::path path_;
};

inline std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// --- bytes ---

// n bytes first, first + 1, ... (mod 256).
inline std::vector<unsigned char> counting(unsigned first, std::size_t n) {
    std::vector<unsigned char> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(first + i);
    return out;
}

inline std::string text_of(const std::vector<unsigned char>& bytes) { return {bytes.begin(), bytes.end()}; }

// Exactly N bytes from hex (the test fails on any other length).
template <std::size_t N>
std::array<unsigned char, N> array_from_hex(std::string_view hex) {
    const auto bytes = from_hex(hex);
    REQUIRE(bytes.size() == N);
    std::array<unsigned char, N> out{};
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

// --- dates and times ---

constexpr std::chrono::year_month_day date(int y, unsigned m, unsigned d) {
    return std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// A UTC instant from its calendar fields.
inline std::chrono::sys_seconds utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    using namespace std::chrono;
    return sys_seconds(sys_days(date(y, mo, d)) + hours(h) + minutes(mi) + seconds(s));
}

inline std::string iso(std::chrono::year_month_day d) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                       static_cast<unsigned>(d.day()));
}

}  // namespace kunlun::test
