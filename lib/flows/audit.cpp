#include "flows/audit.h"

#include "crypto/audit_chain.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/master_key.h"
#include "error.h"

#include <fstream>
#include <sstream>

namespace kunlun {
namespace {

struct Checkpoint {
    std::int64_t seq = 0;
    std::vector<unsigned char> mac;
};

Checkpoint read_checkpoint(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) fail(Exit::no_input, "no-input", "cannot read the checkpoint file {}", path.string());
    std::stringstream text;
    text << in.rdbuf();
    try {
        auto j = nlohmann::json::parse(text.str());
        return {j.at("seq").get<std::int64_t>(), from_hex(j.at("mac").get<std::string>())};
    } catch (const std::exception&) {  // malformed JSON, a missing field or a MAC that is not hex
        fail(Exit::data, "invalid-checkpoint", "{} is not a checkpoint written by `kunlunctl audit checkpoint`",
             path.string());
    }
}

std::vector<unsigned char> audit_key(const Context& ctx) {
    auto k = ctx.master_key->derive("audit-mac");
    return {k.begin(), k.end()};
}

}  // namespace

void list_audit(Context& ctx, const std::optional<std::string>& customer, std::optional<std::int64_t> limit,
                const std::function<void(const nlohmann::json&)>& row) {
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::auditor, Role::admin}, "audit list");
    std::int64_t n = 0;
    ctx.store->for_each_audit(customer, [&](const AuditEntry& e) {
        if (limit && n >= *limit) return false;
        ++n;
        nlohmann::json details = nlohmann::json::parse(e.details, nullptr, false);
        row({{"seq", e.seq},
             {"at", ctx.format_time(e.at_real)},
             {"at_effective", ctx.format_time(e.at_effective)},
             {"operator", e.operator_name},
             {"command", e.command},
             {"customer", e.customer.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.customer)},
             {"outcome", e.outcome},
             {"details", details.is_discarded() ? nlohmann::json(e.details) : details}});
        return true;
    });
}

nlohmann::json verify_audit(Context& ctx, const std::optional<std::filesystem::path>& checkpoint_file) {
    std::optional<Checkpoint> checkpoint;
    if (checkpoint_file) checkpoint = read_checkpoint(*checkpoint_file);
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::auditor, Role::admin}, "audit verify");
    auto key = audit_key(ctx);

    std::vector<unsigned char> previous;
    std::int64_t expected = 1;
    std::int64_t entries = 0;
    std::optional<std::int64_t> first_bad;
    std::string problem;
    auto flag = [&](std::int64_t seq, std::string why) {
        if (!first_bad) {
            first_bad = seq;
            problem = std::move(why);
        }
    };
    ctx.store->for_each_audit(std::nullopt, [&](const AuditEntry& e) {
        ++entries;
        if (first_bad) return true;  // keep counting; the first break is what matters
        if (e.seq != expected) {
            flag(expected, e.seq > expected ? fmt::format("entries {}..{} are missing", expected, e.seq - 1)
                                            : fmt::format("entry {} is out of order", e.seq));
            return true;
        }
        auto mac = audit_mac(key, previous, e);
        if (!constant_time_equal(mac, e.mac)) {
            flag(e.seq, "the entry does not match its MAC (altered, or inserted)");
            return true;
        }
        if (checkpoint && e.seq == checkpoint->seq && !constant_time_equal(e.mac, checkpoint->mac)) {
            flag(e.seq, "the entry differs from the checkpoint");
        }
        previous = e.mac;
        ++expected;
        return true;
    });
    if (!first_bad && checkpoint && checkpoint->seq >= expected) {
        flag(expected, fmt::format("the checkpoint names entry {}, but the chain ends at {}: entries were removed",
                                   checkpoint->seq, expected - 1));
    }
    if (!first_bad) return {{"ok", true}, {"entries", entries}};
    return {{"ok", false}, {"first_bad_seq", *first_bad}, {"entries", entries}, {"problem", problem}};
}

nlohmann::json audit_checkpoint(Context& ctx) {
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::auditor, Role::admin}, "audit checkpoint");
    auto head = ctx.store->audit_head();
    return {{"seq", head.seq}, {"mac", to_hex(head.mac)}, {"key_id", ctx.master_key->key_id()},
            {"at", ctx.format_time(ctx.real_now)}};
}

}  // namespace kunlun
