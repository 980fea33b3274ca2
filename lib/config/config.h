// Layered configuration: built-in defaults < /etc/kunlunctl/config.toml <
// $XDG_CONFIG_HOME/kunlunctl/config.toml < --config / KUNLUNCTL_CONFIG. Each key remembers
// where its value came from, for `config show`.
#pragma once

#include "config/settings.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kunlun {

struct ConfigLayer {
    std::filesystem::path path;
    bool required = false;    // the explicit file must exist; the system/user files may not
    std::string label;        // how `config show` names the origin, e.g. the path
};

class Config {
public:
    Settings settings;

    // Reads each layer in order (lowest priority first). Unknown key, wrong type or a value
    // out of range: Error(Exit::config, "config") naming file, line and key.
    static Config load(const std::vector<ConfigLayer>& layers);

    // The standard layers for this process: system file, user's XDG file, then `explicit_file`
    // (from --config) or else $KUNLUNCTL_CONFIG.
    static std::vector<ConfigLayer> standard_layers(const std::optional<std::string>& explicit_file);

    // "default" or the label of the layer that set it.
    [[nodiscard]] const std::string& origin(std::string_view key) const;

private:
    void apply_file(const ConfigLayer& layer);
    std::map<std::string, std::string, std::less<>> origins_;
};

}  // namespace kunlun
