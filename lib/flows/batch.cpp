#include "flows/batch.h"

#include "error.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "flows/cases.h"
#include "flows/command.h"
#include "flows/credentials.h"
#include "flows/materials.h"
#include "flows/review.h"
#include "notify/delivery.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace kunlun {
namespace {

std::string host_name() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

// A holder is alive while its heartbeat is fresh (every chunk renews it) and, on this host,
// while its process exists: a killed batch's lock is taken over at once, and a pid reused
// by some other process does not hold it beyond the heartbeat's age.
bool holder_alive(const BatchLockHolder& h, const std::string& host, Instant real_now) {
    bool fresh = real_now - h.heartbeat < std::chrono::minutes(5);
    if (h.host == host) return fresh && (::kill(static_cast<pid_t>(h.pid), 0) == 0 || errno == EPERM);
    return fresh;
}

// This process as a batch worker: registered in the store for the whole run, with a
// heartbeat renewed in every chunk's transaction. Where the store lets workers share a run
// (PostgreSQL), a worker joins the run of the live workers it finds, or starts one; where it
// does not (SQLite), a live worker is 75 batch-running. A dead worker's row is removed by the
// next one to join.
class BatchWorker {
public:
    explicit BatchWorker(Context& ctx) : ctx_(ctx), pid_(::getpid()), host_(host_name()) {
        with_conflict_retries(ctx, [&] {
            Transaction tx(*ctx.store, Transaction::Kind::write);
            ctx.store->lock_named("review-batch");  // two workers starting at once agree on the run
            std::vector<BatchLockHolder> live;
            for (const auto& h : ctx.store->batch_workers()) {
                if (holder_alive(h, host_, ctx.real_now)) {
                    live.push_back(h);
                } else {
                    ctx.store->release_batch_lock(h.pid, h.host);
                }
            }
            if (!live.empty() && !ctx.store->shared_batch_runs()) {
                const auto& h = live.front();
                fail(Exit::busy, "batch-running", "a review batch is already running (operator {}, pid {} on {}, since {}): "
                     "try again when it has finished", h.holder, h.pid, h.host, ctx.format_time(h.heartbeat));
            }
            run_ = live.empty() ? to_hex(random_bytes(8)) : live.front().run;
            beat();
            tx.commit();
        });
        registered_ = true;
    }
    BatchWorker(const BatchWorker&) = delete;
    BatchWorker& operator=(const BatchWorker&) = delete;
    ~BatchWorker() {
        try {
            if (registered_) leave();
        } catch (...) {  // a row left behind is removed by the next worker (pid gone, or stale)
        }
    }
    // Inside a chunk's transaction.
    void beat() {
        auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        ctx_.store->set_batch_lock({ctx_.operator_name, pid_, host_, Instant(now), run_});
    }
    // Unregisters; true when no other live worker of the run is left (the one to deliver).
    bool leave() {
        bool last = with_conflict_retries(ctx_, [&] {
            Transaction tx(*ctx_.store, Transaction::Kind::write);
            ctx_.store->lock_named("review-batch");
            ctx_.store->release_batch_lock(pid_, host_);
            bool others = false;
            for (const auto& h : ctx_.store->batch_workers()) {
                others = others || (h.run == run_ && holder_alive(h, host_, ctx_.real_now));
            }
            tx.commit();
            return !others;
        });
        registered_ = false;
        return last;
    }
    [[nodiscard]] const std::string& run() const { return run_; }

private:
    Context& ctx_;
    std::int64_t pid_;
    std::string host_;
    std::string run_;
    bool registered_ = false;
};

struct Counts {
    std::int64_t checked = 0, approved = 0, rejected = 0, expired = 0, passed = 0;
    std::int64_t closed_overdue = 0;  // decided or expired cases that were past their due time
};

class BatchRun {
public:
    BatchRun(Context& ctx, const BatchOptions& options) : ctx_(ctx), options_(options) {
        if (options.report) {
            report_.open(*options.report, std::ios::trunc);
            if (!report_) fail(Exit::io, "io", "cannot write the report {}", options.report->string());
        }
    }

    // Decides one pending case; returns the action taken.
    std::string process(CaseRecord& c) {
        std::string action = decide(c);
        if (action != "checked" && c.due_at < ctx_.now) ++counts_.closed_overdue;
        return action;
    }

    const Counts& counts() const { return counts_; }
    void summary_line(const nlohmann::json& summary) {
        if (report_) report_ << nlohmann::json({{"summary", summary}}).dump() << "\n";
    }

private:
    std::string decide(CaseRecord& c) {
        ++counts_.checked;
        if (ctx_.now > c.expires_at) {
            apply_expiry(ctx_, c, customer_of(c));
            ++counts_.expired;
            return record(c, "expired", "");
        }
        auto* customer = customer_of(c);
        std::string failure = failed_check(c, customer);
        CustomerRecord* known = customer;
        if (!failure.empty()) {
            apply_rejection(ctx_, c, failure, "automated check failed", true, known);
            ++counts_.rejected;
            return record(c, "rejected", failure);
        }
        ++counts_.passed;
        // Four eyes holds for the batch too: a case its own operator submitted waits for a person.
        if (ctx_.settings().batch_auto_approve && c.submitted_by != ctx_.operator_name) {
            // Updates the chunk's copy of the customer too: a later case of theirs sees the change.
            apply_approval(ctx_, c, "all automated checks passed", true, known);
            ++counts_.approved;
            return record(c, "approved", "");
        }
        return record(c, "checked", "");
    }

    // The case's customer as this chunk read them (without the devices and second factors no
    // check looks at), with what this chunk's approvals changed; null when they no longer exist.
    CustomerRecord* customer_of(const CaseRecord& c) {
        auto it = chunk_customers_.find(c.customer_id);
        return it == chunk_customers_.end() ? nullptr : &it->second;
    }

public:
    // Reads what deciding a chunk needs in a few statements, not a few per case: its
    // customers with their accounts, and its cases' materials.
    void read_chunk(const std::vector<CaseRecord>& chunk) {
        chunk_customers_.clear();
        std::vector<std::string> customers, cases;
        for (const auto& c : chunk) {
            customers.push_back(c.customer_id);
            cases.push_back(c.id);
        }
        std::sort(customers.begin(), customers.end());
        customers.erase(std::unique(customers.begin(), customers.end()), customers.end());
        for (auto& customer : ctx_.store->find_customers(customers, Store::CustomerParts::row_and_accounts)) {
            auto id = customer.id;
            chunk_customers_.emplace(std::move(id), std::move(customer));
        }
        chunk_materials_ = ctx_.store->materials_of_cases(cases);
    }

private:

    // The reason code of the first failing check, or empty when every check passes.
    std::string failed_check(const CaseRecord& c, const CustomerRecord* customer) {
        if (customer == nullptr || customer->status != "active") return "other";
        if (c.kind == "change-phone") {
            auto owner = ctx_.store->customer_with_phone(c.staged_phone);
            if (owner && *owner != c.customer_id) return "duplicate";  // the new number was taken meanwhile
        }
        auto checks = nlohmann::json::parse(c.checks, nullptr, false);
        if (checks.is_object() && checks.contains("identity_ref") &&
            checks["identity_ref"] != identity_ref(ctx_, *customer)) {
            return "identity-mismatch";
        }
        if (auto materials = chunk_materials_.find(c.id); materials != chunk_materials_.end()) {
            for (const auto& m : materials->second) {
                if (materials_.size() >= kMaterialCacheSize) materials_.clear();  // memory stays flat
                auto it = materials_.find(m.sha256);
                if (it == materials_.end()) it = materials_.emplace(m.sha256, material_intact(ctx_, m)).first;
                if (!it->second) return "materials-unclear";
            }
        }
        if (!c.staged_secret_enc.empty()) {
            Secret staged = open_staged_secret(ctx_, c);
            if (current_rule_problem(ctx_, *customer, c.kind, staged)) return "weak-password";
        }
        return {};
    }

    // Report lines wait until their chunk is committed (or rolled back, in a dry run), so a
    // killed batch never reports a decision the store does not have.
    std::string record(const CaseRecord& c, const std::string& action, const std::string& reason) {
        if (report_) {
            pending_lines_.push_back(
                nlohmann::json({{"case", c.id}, {"kind", c.kind}, {"customer", c.customer_id}, {"action", action},
                                {"reason", reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(reason)}})
                    .dump());
        }
        return action;
    }

public:
    // After the chunk committed (or, in a dry run, rolled back): its report lines are true.
    void chunk_done() {
        for (const auto& line : pending_lines_) report_ << line << "\n";
        report_.flush();
        pending_lines_.clear();
        done_counts_ = counts_;
    }
    // Before a chunk is tried (again, after a conflict rolled it back): forget what the
    // rolled-back try counted and would have reported.
    void rewind_chunk() {
        counts_ = done_counts_;
        pending_lines_.clear();
    }

private:
    std::vector<std::string> pending_lines_;
    Counts done_counts_;

    Context& ctx_;
    const BatchOptions& options_;
    Counts counts_;
    // sha256 → intact: materials shared by many cases are hashed once, in a bounded cache.
    static constexpr std::size_t kMaterialCacheSize = 4096;
    std::map<std::string, bool> materials_;
    // What read_chunk read for the chunk in hand.
    std::map<std::string, CustomerRecord> chunk_customers_;
    std::map<std::string, std::vector<MaterialRecord>> chunk_materials_;
    std::ofstream report_;
};

}  // namespace

BatchResult run_batch(Context& ctx, const BatchOptions& options) {
    {
        Transaction tx(*ctx.store, Transaction::Kind::read);
        ctx.require_role({Role::reviewer}, "review batch");
    }
    std::optional<BatchWorker> worker;
    if (!options.dry_run) worker.emplace(ctx);
    BatchRun run(ctx, options);
    BatchResult result;
    std::optional<std::pair<Instant, std::string>> cursor;
    while (true) {
        // One chunk: its decisions, audit entries and outbox rows commit together. A real run
        // claims its chunk (several workers may share the run); a dry run only reads, in the
        // same order, and rolls each chunk back.
        bool more = with_conflict_retries(ctx, [&] {
            run.rewind_chunk();
            Transaction tx(*ctx.store, Transaction::Kind::write);
            std::vector<CaseRecord> chunk;
            if (worker) {
                chunk = ctx.store->claim_batch_chunk(worker->run(), cursor, ctx.settings().batch_chunk_size);
            } else {
                CaseFilter filter;
                filter.state = "pending";
                filter.after = cursor;
                filter.limit = ctx.settings().batch_chunk_size;
                ctx.store->for_each_case(filter, [&](const CaseRecord& c) {
                    chunk.push_back(c);
                    return true;
                });
            }
            if (chunk.empty()) return false;
            run.read_chunk(chunk);
            for (auto& c : chunk) run.process(c);
            if (worker) {
                worker->beat();
                tx.commit();
            } else {
                tx.rollback();  // a dry run decides nothing; it only says what it would do
            }
            cursor = std::make_pair(chunk.back().due_at, chunk.back().id);
            run.chunk_done();
            return true;
        });
        if (!more) break;
        if (options.stop != nullptr && options.stop->load()) {
            result.interrupted = true;
            break;
        }
    }
    std::int64_t overdue = 0, notified = 0;
    {
        Transaction tx(*ctx.store, Transaction::Kind::read);
        CaseFilter filter;
        filter.overdue_at = ctx.now;
        overdue = ctx.store->count_cases(filter);
        // A dry run rolled its decisions back: what it would have closed is not overdue.
        if (options.dry_run) overdue -= run.counts().closed_overdue;
    }
    // Of several workers sharing a run, the last to leave delivers, once, what all queued; a
    // lone worker (SQLite) delivers while it still holds the batch lock.
    bool deliver = worker && (!ctx.store->shared_batch_runs() || worker->leave()) && !result.interrupted;
    if (deliver) {
        if (ctx.settings().notify_sink.empty()) {
            ctx.warn("no SMS sink configured (`[notify] sink`): notifications stay in the outbox");
        } else {
            // The same delivery as `notify dispatch`: a signal now stops it after the page in
            // flight (75, the rest stays queued); a sink that is down is 74 after the summary.
            try {
                auto delivered = deliver_outbox(ctx, options.stop);
                notified = delivered.sent;
                result.interrupted = delivered.interrupted;
            } catch (const Error& e) {
                if (e.exit() != Exit::io) throw;
                result.delivery_error = e;
            }
        }
    }
    const auto& n = run.counts();
    result.summary = {{"checked", n.checked},   {"approved", n.approved}, {"rejected", n.rejected},
                      {"expired", n.expired},   {"overdue", overdue},     {"notified", notified},
                      {"passed", n.passed},     {"dry_run", options.dry_run}, {"interrupted", result.interrupted}};
    run.summary_line(result.summary);
    return result;
}

}  // namespace kunlun
