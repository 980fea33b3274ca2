// The shape of every state-changing command: one write transaction; on success the flow has
// written its state, audit entry and outbox rows, and all commit together. On a refusal the
// audit log records it: a KeptRefusal also keeps the counters it bumped, any other error
// rolls everything back first (domain.md §8: failed attempts are audited too).
#pragma once

#include "error.h"
#include "flows/context.h"

namespace kunlun {

void audit_refusal(Context& ctx, std::string_view command, std::string_view customer, const Error& e);

template <typename F>
auto run_write(Context& ctx, std::string_view command, std::string_view customer, F&& body) {
    Transaction tx(*ctx.store, Transaction::Kind::write);
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            tx.commit();
        } else {
            auto result = body();
            tx.commit();
            return result;
        }
    } catch (const KeptRefusal& e) {
        audit_refusal(ctx, command, customer, e);
        tx.commit();
        throw;
    } catch (const Error& e) {
        tx.rollback();
        // Usage and internal errors are not attempts on a customer's credentials.
        if (e.exit() == Exit::refused || e.exit() == Exit::data) {
            Transaction audit_tx(*ctx.store, Transaction::Kind::write);
            audit_refusal(ctx, command, customer, e);
            audit_tx.commit();
        }
        throw;
    }
}

}  // namespace kunlun
