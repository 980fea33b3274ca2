// The few list-valued fields that every backend keeps as one text column: an operator's
// roles ("operator,auditor") and a device's apps ("mobile-banking,invest").
#pragma once

#include "store/records.h"

#include <string>
#include <vector>

namespace kunlun {

std::string roles_text(const std::vector<Role>& roles);
std::vector<Role> roles_from_text(const std::string& text);  // unknown words are dropped

std::string apps_text(const std::vector<std::string>& apps);
std::vector<std::string> apps_from_text(const std::string& text);

}  // namespace kunlun
