#include "flows/command.h"

#include "crypto/random.h"

#include <chrono>
#include <thread>

namespace kunlun {

void audit_refusal(Context& ctx, std::string_view command, std::string_view customer, const Error& e) {
    nlohmann::json details = ctx.refusal_scope.is_object() ? ctx.refusal_scope : nlohmann::json::object();
    details["error"] = e.slug();
    details["reason"] = e.what();
    ctx.audit(command, customer, "refused", details);
}

void pause_before_retry(std::int64_t tries_so_far) {
    auto base = std::chrono::milliseconds(10) * (1 << std::min<std::int64_t>(tries_so_far, 6));
    auto jitter = std::chrono::milliseconds(random_bytes(1).front() % 20);
    std::this_thread::sleep_for(base + jitter);
}

}  // namespace kunlun
