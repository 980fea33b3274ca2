#include "notify/delivery.h"

#include "error.h"
#include "flows/command.h"
#include "notify/claimant.h"
#include "notify/sink.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <set>

namespace kunlun {
namespace {

// Leases run on the wall clock of the machines, never on a test store's fixed "now": a claim
// must end in real time for another deliverer to take it over.
Instant wall_clock() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

std::unique_ptr<Sink> configured_sink(const Context& ctx, std::string_view what) {
    const auto& s = ctx.settings();
    auto sink = make_sink(s.notify_sink, std::chrono::seconds(s.notify_exec_timeout_s));
    if (!sink) fail(Exit::config, "config", "{} need an SMS sink: set `[notify] sink` (file:PATH or exec:PROGRAM)", what);
    // A hand-over must end well within the claim, or another deliverer could take the message
    // over while it is still being handed over.
    if (s.notify_claim_lease_s < sink->time_limit().count() + 5) {
        fail(Exit::config, "config",
             "key 'notify.claim_lease_seconds' ({} s) must exceed the sink's time limit ({} s) by 5 s or more",
             s.notify_claim_lease_s, sink->time_limit().count());
    }
    return sink;
}

// One deliverer's run: it chooses and claims pages under the claim lock, hands them over and
// records the outcome, until nothing is due or it is told to stop.
class Deliverer {
public:
    Deliverer(Context& ctx, Sink& sink) : ctx_(ctx), sink_(sink), claimant_(new_claimant()) {}

    DeliveryReport run(const std::atomic<bool>* stop) {
        while (true) {
            if (stop != nullptr && stop->load()) {
                report_.interrupted = true;
                break;
            }
            auto page = claim_page();
            if (page.empty()) break;
            // A page of which nothing could be handed over (the claim ran short) ends the run
            // instead of claiming the same page again and again.
            if (!deliver(page)) break;
        }
        return report_;
    }

private:
    // Under the claim lock: the first `page_size` due messages in id order whose recipient is
    // free. A recipient is not free while one of its messages is held by a live claim of
    // another deliverer or waits for its next attempt: taking a later message of it would hand
    // its messages over out of order.
    std::vector<OutboxMessage> claim_page() {
        return with_conflict_retries(ctx_, [&] {
            Transaction tx(*ctx_.store, Transaction::Kind::write);
            ctx_.store->lock_named(kOutboxClaimLock);
            auto wall = wall_clock();
            auto page_size = static_cast<std::size_t>(ctx_.settings().notify_page_size);
            std::set<std::vector<unsigned char>> held;
            std::vector<std::int64_t> ids;
            std::int64_t after = 0;
            while (ids.size() < page_size) {
                auto heads = ctx_.store->pending_outbox_heads(after, static_cast<std::int64_t>(2 * page_size));
                for (const auto& h : heads) {
                    after = h.id;
                    if (held.contains(h.recipient)) continue;
                    bool claimed = !h.claimed_by.empty() && h.claim_until && *h.claim_until > wall &&
                                   claimant_alive(h.claimed_by);
                    if (claimed || h.next_attempt_at > ctx_.now) {
                        held.insert(h.recipient);
                        continue;
                    }
                    ids.push_back(h.id);
                    if (ids.size() == page_size) break;
                }
                if (heads.size() < 2 * page_size) break;
            }
            lease_until_ = wall + std::chrono::seconds(ctx_.settings().notify_claim_lease_s);
            auto page = ctx_.store->claim_outbox(ids, claimant_, lease_until_);
            tx.commit();
            return page;
        });
    }

    // Whether a hand-over that starts now ends inside the claim.
    [[nodiscard]] bool claim_lasts() const { return wall_clock() + sink_.time_limit() < lease_until_; }

    // Returns whether any message of the page was handed over or tried.
    bool deliver(std::vector<OutboxMessage>& page) {
        std::vector<DeliveryOutcome> outcomes(page.size(), DeliveryOutcome::released);
        std::optional<Error> sink_down;
        if (sink_.takes_pages()) {
            if (claim_lasts()) {
                std::vector<nlohmann::json> messages;
                messages.reserve(page.size());
                for (auto& m : page) messages.push_back(sink_message(ctx_, m));
                try {
                    sink_.deliver_page(messages);
                    for (std::size_t i = 0; i < page.size(); ++i) record_sent(page[i], outcomes[i]);
                } catch (const Error& e) {
                    // Nothing of the page was taken: it stays queued as it was, and the run ends.
                    for (auto& m : page) m.last_error = e.what();
                    sink_down = e;
                }
                for (auto& m : messages) wipe_secret(m);
            }
        } else {
            // One message at a time. A recipient whose message failed gets nothing more from
            // this page: its later messages wait for the failed one.
            std::set<std::string> failed;
            for (std::size_t i = 0; i < page.size(); ++i) {
                auto& m = page[i];
                if (failed.contains(m.to)) continue;
                if (!claim_lasts()) break;  // the rest is released, for the next page
                auto message = sink_message(ctx_, m);
                try {
                    sink_.deliver(message);
                    record_sent(m, outcomes[i]);
                } catch (const Error& e) {
                    record_failure(m, outcomes[i], e.what());
                    failed.insert(m.to);
                }
                wipe_secret(message);
            }
        }
        with_conflict_retries(ctx_, [&] {
            Transaction tx(*ctx_.store, Transaction::Kind::write);
            ctx_.store->settle_outbox(claimant_, page, outcomes, ctx_.now);
            tx.commit();
        });
        for (auto& m : page) wipe(m.secret_params);
        if (sink_down) throw *sink_down;
        return std::any_of(outcomes.begin(), outcomes.end(), [](auto o) { return o != DeliveryOutcome::released; });
    }

    void record_sent(const OutboxMessage& /*message*/, DeliveryOutcome& outcome) {
        outcome = DeliveryOutcome::sent;
        ++report_.sent;
    }

    void record_failure(OutboxMessage& m, DeliveryOutcome& outcome, const std::string& error) {
        const auto& s = ctx_.settings();
        ++m.attempts;
        m.last_error = error;
        if (m.attempts >= s.notify_max_attempts) {
            outcome = DeliveryOutcome::dead;
            ++report_.dead;
        } else {
            outcome = DeliveryOutcome::failed;
            m.next_attempt_at = ctx_.now + std::chrono::seconds(s.notify_base_delay_s << (m.attempts - 1));
            ++report_.retrying;
        }
    }

    static void wipe_secret(nlohmann::json& message) {
        auto& params = message["params"];
        if (params.contains("code") && params["code"].is_string()) wipe(params["code"].get_ref<std::string&>());
        if (message.contains("text") && message["text"].is_string()) wipe(message["text"].get_ref<std::string&>());
    }

    Context& ctx_;
    Sink& sink_;
    std::string claimant_;
    Instant lease_until_{};
    DeliveryReport report_;
};

}  // namespace

nlohmann::json DeliveryReport::to_json() const {
    nlohmann::json j = {{"sent", sent}, {"retrying", retrying}, {"dead", dead}};
    if (interrupted) j["interrupted"] = true;  // only then: the usual result keeps its three keys
    return j;
}

DeliveryReport deliver_outbox(Context& ctx, const std::atomic<bool>* stop) {
    auto sink = configured_sink(ctx, "deliveries");
    Deliverer deliverer(ctx, *sink);
    return deliverer.run(stop);
}

ImmediateMessage ImmediateMessage::queue(Context& ctx, const Notification& n) {
    configured_sink(ctx, "one-time codes");
    ImmediateMessage im;
    im.claimant_ = new_claimant();
    im.message_ = queued_message(ctx, n);
    im.message_.claimed_by = im.claimant_;
    im.message_.claim_until = wall_clock() + std::chrono::seconds(ctx.settings().notify_claim_lease_s);
    im.message_.id = ctx.store->enqueue(im.message_);
    return im;
}

ImmediateMessage::~ImmediateMessage() { wipe(message_.secret_params); }

void ImmediateMessage::deliver(Context& ctx) {
    auto sink = configured_sink(ctx, "one-time codes");
    auto message = sink_message(ctx, message_);
    DeliveryOutcome outcome = DeliveryOutcome::sent;
    std::optional<Error> failure;
    try {
        sink->deliver(message);
    } catch (const Error& e) {
        failure = e;
        message_.last_error = e.what();
        if (sink->takes_pages()) {
            outcome = DeliveryOutcome::released;  // the sink itself is down: the code waits as it is
        } else {
            ++message_.attempts;
            outcome = message_.attempts >= ctx.settings().notify_max_attempts ? DeliveryOutcome::dead
                                                                              : DeliveryOutcome::failed;
            message_.next_attempt_at =
                ctx.now + std::chrono::seconds(ctx.settings().notify_base_delay_s << (message_.attempts - 1));
        }
    }
    if (message["params"].contains("code")) wipe(message["params"]["code"].get_ref<std::string&>());
    wipe(message["text"].get_ref<std::string&>());
    with_conflict_retries(ctx, [&] {
        Transaction tx(*ctx.store, Transaction::Kind::write);
        ctx.store->settle_outbox(claimant_, {message_}, {outcome}, ctx.now);
        tx.commit();
    });
    wipe(message_.secret_params);
    if (failure) {
        fail(Exit::io, "sink",
             "{}; the message (id {}) stays in the outbox and `kunlunctl notify dispatch` delivers it", failure->what(),
             message_.id);
    }
}

}  // namespace kunlun
