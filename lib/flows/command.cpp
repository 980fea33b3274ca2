#include "flows/command.h"

namespace kunlun {

void audit_refusal(Context& ctx, std::string_view command, std::string_view customer, const Error& e) {
    nlohmann::json details = ctx.refusal_scope.is_object() ? ctx.refusal_scope : nlohmann::json::object();
    details["error"] = e.slug();
    details["reason"] = e.what();
    ctx.audit(command, customer, "refused", details);
}

}  // namespace kunlun
