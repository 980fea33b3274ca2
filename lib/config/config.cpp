#include "config/config.h"

#include "config/keys.h"
#include "error.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kunlun {
namespace {

[[noreturn]] void config_error(const ConfigLayer& layer, const toml::source_region& where,
                               std::string_view key, std::string_view what) {
    fail(Exit::config, "config", "{}:{}: key '{}': {}", layer.path.string(), where.begin.line, key, what);
}

// Sets one leaf value, checking its type and range against the key table.
void set_value(Settings& settings, const ConfigLayer& layer, const KeySpec& key, const toml::node& node) {
    std::visit(
        [&](auto member) {
            using T = std::decay_t<decltype(settings.*member)>;
            if constexpr (std::is_same_v<T, bool>) {
                auto v = node.value<bool>();
                if (!node.is_boolean() || !v) config_error(layer, node.source(), key.name, "expected true or false");
                settings.*member = *v;
            } else if constexpr (std::is_same_v<T, std::string>) {
                if (!node.is_string()) config_error(layer, node.source(), key.name, "expected a string");
                std::string v = **node.as_string();
                if (!key.choices.empty() &&
                    std::find(key.choices.begin(), key.choices.end(), v) == key.choices.end()) {
                    config_error(layer, node.source(), key.name,
                                 fmt::format("'{}' is not one of: {}", v, fmt::join(key.choices, ", ")));
                }
                settings.*member = v;
            } else {
                if (!node.is_integer()) config_error(layer, node.source(), key.name, "expected an integer");
                std::int64_t v = **node.as_integer();
                if (v < key.min || v > key.max) {
                    config_error(layer, node.source(), key.name,
                                 fmt::format("{} is out of range {}..{}", v, key.min, key.max));
                }
                settings.*member = v;
            }
        },
        key.member);
}

void walk(const toml::table& table, const std::string& prefix, const ConfigLayer& layer, Settings& settings,
          std::map<std::string, std::string, std::less<>>& origins) {
    for (const auto& [name, node] : table) {
        std::string key = prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
        if (const auto* sub = node.as_table()) {
            // A misspelt section with nothing in it would otherwise pass unnoticed.
            bool known = std::any_of(config_keys().begin(), config_keys().end(),
                                     [&](const KeySpec& k) { return k.name.starts_with(key + "."); });
            if (!known && sub->empty()) config_error(layer, node.source(), key, "unknown section (`kunlunctl config show` lists the keys)");
            walk(*sub, key, layer, settings, origins);
            continue;
        }
        const KeySpec* spec = find_config_key(key);
        if (spec == nullptr) {
            config_error(layer, node.source(), key, "unknown key (`kunlunctl config show` lists the keys)");
        }
        set_value(settings, layer, *spec, node);
        origins[key] = layer.label;
    }
}

}  // namespace

void Config::apply_file(const ConfigLayer& layer) {
    std::error_code ec;
    if (!std::filesystem::exists(layer.path, ec)) {
        if (layer.required) fail(Exit::no_input, "no-input", "config file {} does not exist", layer.path.string());
        return;
    }
    if (!std::filesystem::is_regular_file(layer.path, ec)) {
        fail(Exit::no_input, "no-input", "config file {} is not a regular file", layer.path.string());
    }
    std::ifstream in(layer.path, std::ios::binary);
    if (!in) fail(Exit::no_input, "no-input", "cannot read config file {}", layer.path.string());
    std::stringstream text;
    text << in.rdbuf();
    toml::table table;
    try {
        table = toml::parse(text.str(), layer.path.string());
    } catch (const toml::parse_error& e) {
        fail(Exit::config, "config", "{}:{}: {}", layer.path.string(), e.source().begin.line, e.description());
    }
    walk(table, "", layer, settings, origins_);
}

Config Config::load(const std::vector<ConfigLayer>& layers) {
    Config config;
    for (const auto& layer : layers) config.apply_file(layer);
    return config;
}

std::vector<ConfigLayer> Config::standard_layers(const std::optional<std::string>& explicit_file) {
    std::vector<ConfigLayer> layers;
    layers.push_back({"/etc/kunlunctl/config.toml", false, "/etc/kunlunctl/config.toml"});
    std::filesystem::path user;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
        user = std::filesystem::path(xdg) / "kunlunctl" / "config.toml";
    } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        user = std::filesystem::path(home) / ".config" / "kunlunctl" / "config.toml";
    }
    if (!user.empty()) layers.push_back({user, false, user.string()});
    if (explicit_file) {
        layers.push_back({*explicit_file, true, *explicit_file + " (--config)"});
    } else if (const char* env = std::getenv("KUNLUNCTL_CONFIG"); env != nullptr && *env != '\0') {
        layers.push_back({env, true, std::string(env) + " (KUNLUNCTL_CONFIG)"});
    }
    return layers;
}

const std::string& Config::origin(std::string_view key) const {
    static const std::string kDefault = "default";
    auto it = origins_.find(key);
    return it == origins_.end() ? kDefault : it->second;
}

}  // namespace kunlun
