#include "flows/command.h"

namespace kunlun {

void audit_refusal(Context& ctx, std::string_view command, std::string_view customer, const Error& e) {
    ctx.audit(command, customer, "refused", {{"error", e.slug()}, {"reason", e.what()}});
}

}  // namespace kunlun
