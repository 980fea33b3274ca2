// The few list-valued fields that every backend keeps as one text column: an operator's
// roles ("operator,auditor"), a device's apps ("mobile-banking,invest"), a token
// challenge's positions ("3,9,14").
#pragma once

#include "store/records.h"

#include <string>
#include <vector>

namespace kunlun {

std::string roles_text(const std::vector<Role>& roles);
std::vector<Role> roles_from_text(const std::string& text);  // unknown words are dropped

std::string apps_text(const std::vector<std::string>& apps);
std::vector<std::string> apps_from_text(const std::string& text);

// The 1-based ID-number positions of a token challenge ("3,9,14").
std::string positions_text(const std::vector<int>& positions);
std::vector<int> positions_from_text(const std::string& text);

}  // namespace kunlun
