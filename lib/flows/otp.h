// One-time SMS codes (domain.md §7): 6 CSPRNG digits, 5 minutes, 5 wrong tries, one send per
// 60 s and 10 a day per customer, purpose and destination number. Only a keyed hash is stored.
#pragma once

#include "flows/context.h"

#include <nlohmann/json.hpp>
#include <optional>

namespace kunlun {

nlohmann::json send_otp(Context& ctx, const std::string& customer_id, const std::string& purpose,
                        const std::optional<std::string>& to);

// Checks `code` against the newest code sent for (customer, purpose, destination) and uses it
// up. A wrong code counts a try and throws KeptRefusal(77, otp-invalid): the caller's
// run_write() commits the count.
void consume_otp(Context& ctx, const std::string& customer_id, const std::string& purpose,
                 const std::string& destination_e164, const std::string& code);

}  // namespace kunlun
