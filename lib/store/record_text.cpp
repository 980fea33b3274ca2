#include "store/record_text.h"

namespace kunlun {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(',', start);
        out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

std::string join_commas(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += ',';
        out += w;
    }
    return out;
}

}  // namespace

std::string roles_text(const std::vector<Role>& roles) {
    std::vector<std::string> words;
    for (Role r : roles) {
        switch (r) {
            case Role::admin: words.emplace_back("admin"); break;
            case Role::operator_: words.emplace_back("operator"); break;
            case Role::reviewer: words.emplace_back("reviewer"); break;
            case Role::auditor: words.emplace_back("auditor"); break;
        }
    }
    return join_commas(words);
}

std::vector<Role> roles_from_text(const std::string& text) {
    std::vector<Role> roles;
    for (const auto& word : split_commas(text)) {
        if (word == "admin") roles.push_back(Role::admin);
        else if (word == "operator") roles.push_back(Role::operator_);
        else if (word == "reviewer") roles.push_back(Role::reviewer);
        else if (word == "auditor") roles.push_back(Role::auditor);
    }
    return roles;
}

std::string apps_text(const std::vector<std::string>& apps) { return join_commas(apps); }

std::vector<std::string> apps_from_text(const std::string& text) { return split_commas(text); }

std::string positions_text(const std::vector<int>& positions) {
    std::vector<std::string> words;
    for (int p : positions) words.push_back(std::to_string(p));
    return join_commas(words);
}

std::vector<int> positions_from_text(const std::string& text) {
    std::vector<int> out;
    for (const auto& w : split_commas(text)) {
        if (!w.empty()) out.push_back(std::stoi(w));
    }
    return out;
}

}  // namespace kunlun
