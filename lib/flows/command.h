// The shape of every state-changing command: one write transaction; on success the flow has
// written its state, audit entry and outbox rows, and all commit together. On a refusal the
// audit log records it: a KeptRefusal also keeps the counters it bumped, any other error
// rolls everything back first (domain.md §8: failed attempts are audited too).
#pragma once

#include "error.h"
#include "flows/context.h"

namespace kunlun {

void audit_refusal(Context& ctx, std::string_view command, std::string_view customer, const Error& e);

// Waits a little longer before each new try (and by a random part, so that two transactions
// that deadlocked do not meet again in step).
void pause_before_retry(std::int64_t tries_so_far);

// Runs `attempt`, which opens and commits its own transaction, again when the store reports a
// TransientConflict (PostgreSQL: deadlock, serialization failure), at most
// `store.conflict_retries` more times; then the conflict is exit 75 `busy`. Whatever the
// attempt did outside the store must be safe to do again.
template <typename F>
auto with_conflict_retries(const Context& ctx, F&& attempt) {
    for (std::int64_t tries = 0;; ++tries) {
        try {
            return attempt();
        } catch (const TransientConflict&) {
            if (tries >= ctx.settings().store_conflict_retries) throw;
            pause_before_retry(tries);
        }
    }
}

template <typename F>
auto run_write_once(Context& ctx, std::string_view command, std::string_view customer, F& body) {
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
    } catch (const TransientConflict&) {
        throw;  // rolled back; run again from the start
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

// The shape of every state-changing command, tried again after a transient conflict.
template <typename F>
auto run_write(Context& ctx, std::string_view command, std::string_view customer, F&& body) {
    return with_conflict_retries(ctx, [&] { return run_write_once(ctx, command, customer, body); });
}

}  // namespace kunlun
