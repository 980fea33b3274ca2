// Layered configuration: defaults, overriding layers and their origins, and the refusals
// (unknown key, wrong type, out of range, not a choice) that name file, line and key.
#include "config/config.h"
#include "config/keys.h"
#include "error.h"
#include "support.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using kunlun::Config;
using kunlun::ConfigLayer;
using kunlun::Exit;
using kunlun::Settings;
using kunlun::test::error_of;
using kunlun::test::TempDir;

namespace {

ConfigLayer layer(const fs::path& path, bool required, const std::string& label) {
    return ConfigLayer{path, required, label};
}

const kunlun::KeySpec& key(std::string_view name) {
    const auto* spec = kunlun::find_config_key(name);
    REQUIRE(spec != nullptr);
    return *spec;
}

bool is_integer_key(const kunlun::KeySpec& k) {
    return std::holds_alternative<std::int64_t Settings::*>(k.member);
}
bool is_bool_key(const kunlun::KeySpec& k) { return std::holds_alternative<bool Settings::*>(k.member); }

}  // namespace

TEST_CASE("no layer leaves every key at its default, with origin 'default'", "[config][layers]") {
    const Settings defaults;
    for (const auto& layers : {std::vector<ConfigLayer>{},
                               std::vector<ConfigLayer>{layer("/nonexistent/kunlun/a.toml", false, "system"),
                                                        layer("/nonexistent/kunlun/b.toml", false, "user")}}) {
        const auto config = Config::load(layers);
        for (const auto& k : kunlun::config_keys()) {
            INFO(k.name);
            CHECK(kunlun::format_setting(config.settings, k) == kunlun::format_setting(defaults, k));
            CHECK(config.origin(k.name) == "default");
        }
    }
    const auto config = Config::load({});
    CHECK(config.settings.otp_ttl_s == 300);
    CHECK(config.settings.bank_timezone == "Asia/Shanghai");
    CHECK(config.settings.login_profile == "kunlun");
    CHECK(config.settings.batch_auto_approve == false);
    CHECK(config.origin("no.such.key") == "default");
}

TEST_CASE("a later layer overrides an earlier one and owns the origin", "[config][layers]") {
    TempDir dir("config-override");
    const auto system = dir.write("system.toml",
                                  "[policy.otp]\n"
                                  "ttl_seconds = 120\n"
                                  "max_tries = 3\n"
                                  "[bank]\n"
                                  "name = \"系统银行\"\n");
    const auto user = dir.write("user.toml",
                                "[policy.otp]\n"
                                "ttl_seconds = 600\n"
                                "[batch]\n"
                                "auto_approve = true\n");
    const auto config = Config::load({layer(system, false, "SYSTEM"), layer(user, false, "USER")});

    struct Row {
        const char* key;
        const char* value;
        const char* origin;
    };
    const std::vector<Row> rows{
        {"policy.otp.ttl_seconds", "600", "USER"},        // set in both: the later wins
        {"policy.otp.max_tries", "3", "SYSTEM"},          // set only in the earlier layer
        {"bank.name", "\"系统银行\"", "SYSTEM"},
        {"batch.auto_approve", "true", "USER"},           // set only in the later layer
        {"policy.otp.daily_max", "10", "default"},        // set in neither
        {"bank.sms_number", "\"95379\"", "default"},
    };
    for (const auto& row : rows) {
        INFO(row.key);
        CHECK(kunlun::format_setting(config.settings, key(row.key)) == row.value);
        CHECK(config.origin(row.key) == row.origin);
    }

    // Reversed order: now the system file is the later layer.
    const auto reversed = Config::load({layer(user, false, "USER"), layer(system, false, "SYSTEM")});
    CHECK(reversed.settings.otp_ttl_s == 120);
    CHECK(reversed.origin("policy.otp.ttl_seconds") == "SYSTEM");
    CHECK(reversed.origin("batch.auto_approve") == "USER");
}

TEST_CASE("missing optional layers are skipped, a missing required layer is exit 66", "[config][layers]") {
    TempDir dir("config-missing");
    const auto present = dir.write("present.toml", "[policy.login]\nmax_failures = 7\n");
    const auto absent = dir.path() / "absent.toml";

    SECTION("optional layers before and after a present one") {
        const auto config = Config::load({layer(absent, false, "A"), layer(present, false, "P"),
                                          layer(dir.path() / "also-absent.toml", false, "B")});
        CHECK(config.settings.login_max_failures == 7);
        CHECK(config.origin("policy.login.max_failures") == "P");
    }
    SECTION("a required layer that exists is read") {
        const auto config = Config::load({layer(present, true, "P (--config)")});
        CHECK(config.settings.login_max_failures == 7);
        CHECK(config.origin("policy.login.max_failures") == "P (--config)");
    }
    SECTION("a required layer that is missing") {
        const auto error = error_of([&] { Config::load({layer(present, false, "P"), layer(absent, true, "X")}); });
        REQUIRE(error.has_value());
        CHECK(error->exit() == Exit::no_input);
        CHECK(static_cast<int>(error->exit()) == 66);
        CHECK(error->slug() == "no-input");
        CHECK_THAT(error->what(), Catch::Contains(absent.string()));
    }
    SECTION("a required layer that is a directory is not a config file") {
        const auto error = error_of([&] { Config::load({layer(dir.path(), true, "DIR")}); });
        REQUIRE(error.has_value());
        CHECK(error->exit() == Exit::no_input);
        CHECK_THAT(error->what(), Catch::Contains(dir.path().string()));
    }
}

TEST_CASE("bad values are refused with exit 78 naming file, line and key", "[config][layers]") {
    struct Row {
        const char* what;
        const char* toml;
        int line;
        const char* key;
        const char* also;  // a further fragment the message must carry
    };
    const std::vector<Row> rows{
        {"unknown top-level key", "nonsense = 1\n", 1, "nonsense", "unknown key"},
        {"unknown key in a known table", "[policy]\n\nfoo = 1\n", 3, "policy.foo", "unknown key"},
        {"unknown key in a nested table", "[policy.otp]\nttl_seconds = 60\nttl = 60\n", 3, "policy.otp.ttl",
         "unknown key"},
        {"unknown dotted key", "# comment\npolicy.otp.resend = 5\n", 2, "policy.otp.resend", "unknown key"},
        {"unknown table", "[bank]\nname = \"x\"\n[banks]\nname = \"y\"\n", 4, "banks.name", "unknown key"},
        {"string for an integer", "[policy.otp]\nttl_seconds = \"300\"\n", 2, "policy.otp.ttl_seconds",
         "expected an integer"},
        {"float for an integer", "[policy.otp]\n\nttl_seconds = 300.0\n", 3, "policy.otp.ttl_seconds",
         "expected an integer"},
        {"bool for an integer", "[store]\nbusy_timeout_ms = true\n", 2, "store.busy_timeout_ms",
         "expected an integer"},
        {"integer for a bool", "[batch]\nauto_approve = 1\n", 2, "batch.auto_approve", "expected true or false"},
        {"string for a bool", "[batch]\nauto_approve = \"true\"\n", 2, "batch.auto_approve",
         "expected true or false"},
        {"integer for a string", "[bank]\nname = 95379\n", 2, "bank.name", "expected a string"},
        {"array for an integer", "[policy.otp]\nmax_tries = [5]\n", 2, "policy.otp.max_tries",
         "expected an integer"},
        {"integer below its range", "[policy.otp]\nttl_seconds = 29\n", 2, "policy.otp.ttl_seconds", "29"},
        {"integer above its range", "[policy.otp]\nttl_seconds = 3601\n", 2, "policy.otp.ttl_seconds", "3601"},
        {"negative integer", "[store]\nbusy_timeout_ms = -1\n", 2, "store.busy_timeout_ms", "-1"},
        {"integer far above its range", "[crypto.argon2]\nmemory_kib = 9223372036854775807\n", 2,
         "crypto.argon2.memory_kib", "out of range"},
        {"temporary length too short", "[policy.login]\ntemporary_length = 5\n", 2,
         "policy.login.temporary_length", "6..8"},
        {"string outside its choices", "[calendar]\nmissing_year = \"ignore\"\n", 2, "calendar.missing_year",
         "'ignore' is not one of: warn, error"},
        {"choice in the wrong case", "[policy.login]\nprofile = \"ICBC\"\n", 2, "policy.login.profile", "ICBC"},
        {"empty string is not a choice", "[policy.login]\nprofile = \"\"\n", 2, "policy.login.profile",
         "kunlun, icbc"},
    };
    for (const auto& row : rows) {
        INFO(row.what);
        TempDir dir("config-bad");
        const auto file = dir.write("cfg.toml", row.toml);
        const auto error = error_of([&] { Config::load({layer(file, false, "LABEL")}); });
        REQUIRE(error.has_value());
        CHECK(error->exit() == Exit::config);
        CHECK(static_cast<int>(error->exit()) == 78);
        CHECK(error->slug() == "config");
        const std::string message = error->what();
        INFO(message);
        CHECK_THAT(message, Catch::StartsWith(fmt::format("{}:{}:", file.string(), row.line)));
        CHECK_THAT(message, Catch::Contains(fmt::format("'{}'", row.key)));
        CHECK_THAT(message, Catch::Contains(row.also));
    }
}

TEST_CASE("a bad value in a later layer is reported against that layer's file", "[config][layers]") {
    TempDir dir("config-later-bad");
    const auto good = dir.write("good.toml", "[policy.otp]\nttl_seconds = 120\n");
    const auto bad = dir.write("bad.toml", "[policy.otp]\nttl_seconds = 120\nmax_tries = 0\n");
    const auto error = error_of([&] { Config::load({layer(good, false, "G"), layer(bad, false, "B")}); });
    REQUIRE(error.has_value());
    CHECK(error->exit() == Exit::config);
    CHECK_THAT(error->what(), Catch::StartsWith(bad.string() + ":3:"));
    CHECK_THAT(error->what(), Catch::Contains("'policy.otp.max_tries'"));
}

TEST_CASE("a TOML syntax error is exit 78 with the file and line", "[config][layers]") {
    TempDir dir("config-syntax");
    const auto file = dir.write("cfg.toml", "[policy.otp]\nttl_seconds = 60\nmax_tries = = 3\n");
    const auto error = error_of([&] { Config::load({layer(file, false, "L")}); });
    REQUIRE(error.has_value());
    CHECK(error->exit() == Exit::config);
    CHECK_THAT(error->what(), Catch::StartsWith(file.string() + ":3:"));
}

TEST_CASE("range ends and every choice are accepted", "[config][layers]") {
    struct Row {
        const char* toml;
        const char* key;
        const char* value;
    };
    const std::vector<Row> rows{
        {"[policy.otp]\nttl_seconds = 30\n", "policy.otp.ttl_seconds", "30"},
        {"[policy.otp]\nttl_seconds = 3600\n", "policy.otp.ttl_seconds", "3600"},
        {"[store]\nbusy_timeout_ms = 0\n", "store.busy_timeout_ms", "0"},
        {"[policy.login]\ntemporary_length = 6\n", "policy.login.temporary_length", "6"},
        {"[policy.login]\ntemporary_length = 8\n", "policy.login.temporary_length", "8"},
        {"[policy.review]\nmaterials_max_bytes = 1073741824\n", "policy.review.materials_max_bytes", "1073741824"},
        {"[calendar]\nmissing_year = \"warn\"\n", "calendar.missing_year", "\"warn\""},
        {"[calendar]\nmissing_year = \"error\"\n", "calendar.missing_year", "\"error\""},
        {"[policy.login]\nprofile = \"icbc\"\n", "policy.login.profile", "\"icbc\""},
        {"[policy.login]\nprofile = \"kunlun\"\n", "policy.login.profile", "\"kunlun\""},
        {"[batch]\nauto_approve = true\n", "batch.auto_approve", "true"},
        {"[bank]\nname = \"\"\n", "bank.name", "\"\""},
    };
    for (const auto& row : rows) {
        INFO(row.toml);
        TempDir dir("config-ends");
        const auto file = dir.write("cfg.toml", row.toml);
        const auto config = Config::load({layer(file, false, "L")});
        CHECK(kunlun::format_setting(config.settings, key(row.key)) == row.value);
        CHECK(config.origin(row.key) == "L");
    }
}

TEST_CASE("nested tables, dotted keys and inline tables address the same keys", "[config][layers]") {
    const std::vector<std::string> spellings{
        "[policy.otp]\nttl_seconds = 90\nmax_tries = 4\n",
        "policy.otp.ttl_seconds = 90\npolicy.otp.max_tries = 4\n",
        "[policy]\notp.ttl_seconds = 90\notp.max_tries = 4\n",
        "[policy]\notp = { ttl_seconds = 90, max_tries = 4 }\n",
        "[policy.login]\nhistory = 5\n[policy.otp]\nttl_seconds = 90\n[policy.otp]\n",  // (duplicate table: TOML error)
    };
    for (std::size_t i = 0; i + 1 < spellings.size(); ++i) {
        INFO(spellings[i]);
        TempDir dir("config-nested");
        const auto file = dir.write("cfg.toml", spellings[i]);
        const auto config = Config::load({layer(file, false, "N")});
        CHECK(config.settings.otp_ttl_s == 90);
        CHECK(config.settings.otp_max_tries == 4);
        CHECK(config.origin("policy.otp.ttl_seconds") == "N");
        CHECK(config.origin("policy.otp.max_tries") == "N");
        CHECK(config.origin("policy.otp.daily_max") == "default");
    }
    TempDir dir("config-nested-dup");
    const auto file = dir.write("cfg.toml", spellings.back());
    const auto error = error_of([&] { Config::load({layer(file, false, "N")}); });
    REQUIRE(error.has_value());
    CHECK(error->exit() == Exit::config);

    // Deeper nesting: [crypto.argon2] and [notify.templates].
    const auto deep = dir.write("deep.toml",
                                "[crypto.argon2]\nmemory_kib = 65536\n"
                                "[notify.templates]\notp = \"{bank}:{code}\"\n");
    const auto config = Config::load({layer(deep, false, "D")});
    CHECK(config.settings.argon2_memory_kib == 65536);
    CHECK(config.settings.tpl_otp == "{bank}:{code}");
    CHECK(config.origin("notify.templates.otp") == "D");
}

TEST_CASE("the key table: unique names, defaults within range and among the choices", "[config][keys]") {
    const Settings defaults;
    std::set<std::string_view> names;
    REQUIRE_FALSE(kunlun::config_keys().empty());
    for (const auto& k : kunlun::config_keys()) {
        INFO(k.name);
        CHECK(names.insert(k.name).second);
        CHECK(kunlun::find_config_key(k.name) == &k);
        CHECK_FALSE(k.help.empty());
        const std::string shown = kunlun::format_setting(defaults, k);
        if (is_integer_key(k)) {
            const auto value = defaults.*std::get<std::int64_t Settings::*>(k.member);
            CHECK(k.min <= k.max);
            CHECK(k.min <= value);
            CHECK(value <= k.max);
            CHECK(shown == std::to_string(value));
            CHECK(k.choices.empty());
        } else if (is_bool_key(k)) {
            const bool value = defaults.*std::get<bool Settings::*>(k.member);
            CHECK(shown == (value ? "true" : "false"));
        } else {
            const auto& value = defaults.*std::get<std::string Settings::*>(k.member);
            CHECK(shown == "\"" + value + "\"");
            if (!k.choices.empty()) {
                CHECK(std::find(k.choices.begin(), k.choices.end(), value) != k.choices.end());
            }
        }
    }
    CHECK(kunlun::find_config_key("policy.otp") == nullptr);
    CHECK(kunlun::find_config_key("") == nullptr);
    CHECK(kunlun::find_config_key("policy.otp.ttl_seconds ") == nullptr);
}

TEST_CASE("format_setting writes every default as TOML that loads back unchanged", "[config][keys]") {
    // What `config show` prints can be pasted into a config file.
    const Settings defaults;
    std::string text;
    for (const auto& k : kunlun::config_keys()) {
        text += fmt::format("{} = {}\n", k.name, kunlun::format_setting(defaults, k));
    }
    TempDir dir("config-roundtrip");
    const auto file = dir.write("all.toml", text);
    const auto config = Config::load({layer(file, true, "ALL")});
    for (const auto& k : kunlun::config_keys()) {
        INFO(k.name);
        CHECK(config.origin(k.name) == "ALL");
        CHECK(kunlun::format_setting(config.settings, k) == kunlun::format_setting(defaults, k));
    }
}

TEST_CASE("format_setting output is valid TOML for strings with quotes and backslashes", "[config][keys]") {
    struct Row {
        const char* toml;       // how the value is written in the file (literal strings)
        const char* expected;   // what the setting holds
    };
    const std::vector<Row> rows{
        {"name = '昆仑 \"Kunlun\" 银行'", "昆仑 \"Kunlun\" 银行"},
        {"name = 'C:\\bank'", "C:\\bank"},
    };
    for (const auto& row : rows) {
        INFO(row.toml);
        TempDir dir("config-escape");
        const auto file = dir.write("cfg.toml", std::string("[bank]\n") + row.toml + "\n");
        const auto config = Config::load({layer(file, false, "E")});
        REQUIRE(config.settings.bank_name == row.expected);
        const std::string shown = kunlun::format_setting(config.settings, key("bank.name"));
        INFO(shown);
        std::optional<std::string> back;
        try {
            back = toml::parse("v = " + shown)["v"].value<std::string>();
        } catch (const toml::parse_error& e) {
            FAIL_CHECK("format_setting wrote invalid TOML: " << e.description());
        }
        CHECK(back == std::optional<std::string>(row.expected));
    }
}
