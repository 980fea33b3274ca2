#include "store/locator.h"

#include "error.h"

#include <cstdlib>

namespace kunlun {

StoreLocator StoreLocator::parse(const std::string& text) {
    StoreLocator loc;
    if (text.empty()) fail(Exit::usage, "usage", "the store location is empty");
    if (text.starts_with("postgresql://") || text.starts_with("postgres://")) {
        loc.kind = Kind::postgresql;
        loc.uri = text;
        return loc;
    }
    std::string path = text.starts_with("sqlite:") ? text.substr(7) : text;
    if (path.starts_with("//")) path = path.substr(2);  // tolerate sqlite:///abs/path
    if (path.empty()) fail(Exit::usage, "usage", "'{}' names no file: use sqlite:PATH", text);
    loc.path = path;
    return loc;
}

StoreLocator StoreLocator::resolve(const std::optional<std::string>& option) {
    if (option) return parse(*option);
    if (const char* env = std::getenv("KUNLUNCTL_STORE"); env != nullptr && *env != '\0') return parse(env);
    std::filesystem::path base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        base = std::filesystem::path(home) / ".local" / "share";
    } else {
        fail(Exit::usage, "usage", "no store given: use --store, KUNLUNCTL_STORE or set HOME");
    }
    StoreLocator loc;
    loc.path = base / "kunlunctl" / "store.db";
    return loc;
}

std::filesystem::path StoreLocator::default_key_file() const {
    if (kind != Kind::sqlite) {
        fail(Exit::config, "config", "a PostgreSQL store needs `[keys] file` in the config: the key never goes into the database");
    }
    return std::filesystem::path(path.string() + ".key");
}

std::string StoreLocator::display() const {
    if (kind == Kind::sqlite) return "sqlite:" + path.string();
    // Never print a password that may be embedded in the URI.
    auto at = uri.find('@');
    auto scheme = uri.find("://");
    if (at != std::string::npos && scheme != std::string::npos && at > scheme) {
        return uri.substr(0, scheme + 3) + "…" + uri.substr(at);
    }
    return uri;
}

}  // namespace kunlun
