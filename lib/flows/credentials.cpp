#include "flows/credentials.h"

#include "config/data_dir.h"
#include "crypto/password_hash.h"
#include "crypto/random.h"
#include "error.h"
#include "flows/command.h"
#include "flows/customers.h"
#include "flows/eshield.h"
#include "flows/phone_change.h"
#include "flows/otp.h"
#include "notify/outbox.h"
#include "rules/identity.h"
#include "rules/password_policy.h"

namespace kunlun {
namespace {

PersonalData personal_data(const CustomerRecord& c) {
    auto type = parse_id_type(c.id_type);
    return {c.id_number, c.phone, type ? birth_date(*type, c.id_number) : std::nullopt};
}

AccountRecord& require_account(CustomerRecord& c, const std::string& raw) {
    std::string number = normalize_account_number(raw);
    for (auto& a : c.accounts) {
        if (a.number == number) return a;
    }
    fail(Exit::not_found, "not-found", "customer {} has no account {}", c.id, mask_account(number));
}

// Counts a failed verification; locks at the limit. Throws KeptRefusal so the count commits.
[[noreturn]] void count_failure(std::int64_t& failures, std::optional<Instant>& locked_at, std::int64_t limit,
                                Instant now, const std::function<void()>& save, const std::string& what) {
    ++failures;
    if (failures >= limit) locked_at = now;
    save();
    if (locked_at) {
        throw KeptRefusal(Exit::refused, "locked",
                          fmt::format("wrong {}; {} consecutive failures lock it until it is reset", what, limit));
    }
    throw KeptRefusal(Exit::refused, "wrong-password",
                      fmt::format("wrong {}; {} attempts left before it locks", what, limit - failures));
}

}  // namespace

void check_identity(const CustomerRecord& c, const IdentityClaim& claim, std::chrono::year_month_day today) {
    std::string type_name = claim.id_type.value_or(c.id_type);
    auto type = parse_id_type(type_name);
    if (!type) fail(Exit::usage, "usage", "unknown --id-type '{}': use resident-id, hkid or passport", type_name);
    auto mismatch = [&] {
        fail(Exit::refused, "identity-mismatch",
             "the ID type, number and name do not match customer {}'s records: check the document and try again", c.id);
    };
    // Another document type than the registered one is a mismatch, whatever its number looks
    // like; a malformed number of the right type is refused as malformed (65).
    if (type_name != c.id_type) mismatch();
    std::string number = normalize_id_number(*type, claim.id_number, today);
    if (number != c.id_number || claim.name != c.name) mismatch();
}

void check_confirmation(const Secret& value, const Secret& confirmation) {
    if (!secrets_equal(value, confirmation)) {
        fail(Exit::data, "confirmation-mismatch", "the two entries of the new password differ: enter the same one twice");
    }
}

void check_new_login_password(Context& ctx, const CustomerRecord& c, const Secret& password) {
    auto rule = login_rule_profile(ctx.settings().login_profile);
    if (auto problem = login_password_problem(password.reveal(), rule, personal_data(c), common_passwords())) {
        fail(Exit::data, "weak-password", "{} (rule '{}')", *problem, rule.name);
    }
    auto history = ctx.store->login_history(c.id);
    for (const auto& old : history) {
        if (verify_secret(password, old)) {
            fail(Exit::data, "weak-password", "the password was one of the last {} login passwords: choose a new one",
                 ctx.settings().login_history);
        }
    }
}

void check_new_six_digit_pin(const CustomerRecord& c, const Secret& pin, std::string_view what) {
    if (auto problem = six_digit_pin_problem(pin.reveal(), personal_data(c))) {
        fail(Exit::data, "weak-password", "{} refused: {}", what, *problem);
    }
}

void check_new_txn_password(Context&, const CustomerRecord& c, const Secret& password) {
    check_new_six_digit_pin(c, password, "transaction password");
}

std::optional<std::string> current_rule_problem(const Context& ctx, const CustomerRecord& c,
                                                const std::string& case_kind, const Secret& secret) {
    if (case_kind == "reset-login") {
        return login_password_problem(secret.reveal(), login_rule_profile(ctx.settings().login_profile), personal_data(c),
                                      common_passwords());
    }
    if (case_kind == "reset-txn") return six_digit_pin_problem(secret.reveal(), personal_data(c));
    return std::nullopt;
}

namespace {

// Installs a new login password: history of hashes kept to the configured length.
void install_login_password(Context& ctx, CustomerRecord& c, const std::string& hash, bool must_change) {
    c.login.hash = hash;
    c.login.failures = 0;
    c.login.locked_at.reset();
    c.login.locked_reason.clear();
    c.login.must_change = must_change;
    ctx.store->update_login(c.id, c.login);
    if (must_change) return;  // a temporary password is not part of the history
    auto history = ctx.store->login_history(c.id);
    history.insert(history.begin(), hash);
    if (history.size() > static_cast<std::size_t>(ctx.settings().login_history)) {
        history.resize(static_cast<std::size_t>(ctx.settings().login_history));
    }
    ctx.store->set_login_history(c.id, history);
}

}  // namespace

nlohmann::json verify_login(Context& ctx, const std::string& customer_id, const Secret& password,
                            const std::optional<std::string>& otp) {
    return run_write(ctx, "login verify", customer_id, [&] {
        ctx.require_role({Role::operator_}, "login verify");
        auto c = require_customer(ctx, customer_id);
        if (c.login.locked_at) {
            fail(Exit::refused, "locked", "the login of {} is locked ({}): reset the password to unlock it", customer_id,
                 c.login.locked_reason.empty() ? "too many wrong passwords" : c.login.locked_reason);
        }
        if (c.login.hash.empty() || !verify_secret(password, c.login.hash)) {
            std::int64_t limit = ctx.settings().login_max_failures;
            count_failure(c.login.failures, c.login.locked_at, limit, ctx.now, [&] {
                if (c.login.locked_at) c.login.locked_reason = fmt::format("{} consecutive wrong login passwords", limit);
                ctx.store->update_login(c.id, c.login);
            }, "login password");
        }
        c.login.failures = 0;
        if (c.login.otp_required) {
            // Sessions were ended (token disabled in `invest`): password + SMS code this time.
            if (!otp) {
                fail(Exit::refused, "otp-required", "the password is right, but customer {}'s sessions were ended: this "
                     "login also needs an SMS code (otp send --purpose login, then login verify --otp CODE)", c.id);
            }
            consume_otp(ctx, c.id, "login", c.phone, *otp);
            c.login.otp_required = false;
        }
        if (needs_rehash(c.login.hash, ctx.argon2_cost())) c.login.hash = hash_secret(password, ctx.argon2_cost());
        ctx.store->update_login(c.id, c.login);
        ctx.audit("login verify", customer_id, "ok", {{"must_change", c.login.must_change}, {"with_otp", otp.has_value()}});
        return nlohmann::json{{"customer", customer_id}, {"ok", true}, {"must_change", c.login.must_change}};
    });
}

nlohmann::json verify_txn(Context& ctx, const std::string& customer_id, const std::string& account_raw,
                          const Secret& password) {
    return run_write(ctx, "txn verify", customer_id, [&] {
        ctx.require_role({Role::operator_}, "txn verify");
        auto c = require_customer(ctx, customer_id);
        auto& a = require_account(c, account_raw);
        if (a.txn_locked_at) {
            fail(Exit::refused, "locked", "transactions on account {} are locked after {} wrong passwords: reset it",
                 mask_account(a.number), ctx.settings().txn_max_failures);
        }
        if (a.txn_hash.empty() || !verify_secret(password, a.txn_hash)) {
            count_failure(a.txn_failures, a.txn_locked_at, ctx.settings().txn_max_failures, ctx.now,
                          [&] { ctx.store->update_account_txn(a.number, a); }, "transaction password");
        }
        a.txn_failures = 0;
        if (needs_rehash(a.txn_hash, ctx.argon2_cost())) a.txn_hash = hash_secret(password, ctx.argon2_cost());
        ctx.store->update_account_txn(a.number, a);
        ctx.audit("txn verify", customer_id, "ok", {{"account", mask_account(a.number)}});
        return nlohmann::json{{"customer", customer_id}, {"account", mask_account(a.number)}, {"ok", true}};
    });
}

nlohmann::json reset_login_with_phone(Context& ctx, const std::string& customer_id, const IdentityClaim& claim,
                                      const std::string& phone, const std::string& otp, const NewSecret& password) {
    return run_write(ctx, "reset-login", customer_id, [&] {
        ctx.require_role({Role::operator_}, "reset-login");
        auto c = require_customer(ctx, customer_id);
        check_identity(c, claim, ctx.zone.local_day(ctx.now));
        if (normalize_phone(phone) != c.phone) {
            fail(Exit::refused, "identity-mismatch", "{} is not customer {}'s reserved phone", mask_phone(normalize_phone(phone)),
                 customer_id);
        }
        consume_otp(ctx, c.id, "reset-login", c.phone, otp);
        check_confirmation(password.value, password.confirmation);
        check_new_login_password(ctx, c, password.value);
        install_login_password(ctx, c, hash_secret(password.value, ctx.argon2_cost()), false);
        enqueue_notification(ctx, {c.id, c.phone, "login_password_changed", nlohmann::json::object(), ""});
        ctx.audit("reset-login", c.id, "ok", {{"path", "reserved-phone"}, {"phone", mask_phone(c.phone)}});
        return nlohmann::json{{"customer", c.id}, {"path", "reserved-phone"}, {"effective", true}};
    });
}

nlohmann::json reset_login_at_branch(Context& ctx, const std::string& customer_id, const IdentityClaim& claim) {
    return run_write(ctx, "reset-login", customer_id, [&] {
        ctx.require_role({Role::operator_}, "reset-login --at-branch");
        auto c = require_customer(ctx, customer_id);
        check_identity(c, claim, ctx.zone.local_day(ctx.now));
        // Seed 002: a temporary password of digits, shown once, changed at the next login.
        Secret temporary(random_digits(static_cast<std::size_t>(ctx.settings().login_temp_length)));
        install_login_password(ctx, c, hash_secret(temporary, ctx.argon2_cost()), true);
        enqueue_notification(ctx, {c.id, c.phone, "login_password_changed", nlohmann::json::object(), ""});
        ctx.audit("reset-login", c.id, "ok", {{"path", "at-branch"}, {"must_change", true}});
        return nlohmann::json{{"customer", c.id}, {"path", "at-branch"}, {"temporary_password", temporary.reveal()},
                              {"must_change", true}};
    });
}

namespace {

void install_txn_password(Context& ctx, const CustomerRecord& c, AccountRecord& a, const Secret& password) {
    a.txn_hash = hash_secret(password, ctx.argon2_cost());
    a.txn_failures = 0;
    a.txn_locked_at.reset();
    ctx.store->update_account_txn(a.number, a);
    std::string tail = a.number.substr(a.number.size() - 4);
    enqueue_notification(ctx, {c.id, c.phone, "txn_password_changed", {{"account", tail}}, ""});
}

}  // namespace

nlohmann::json reset_txn_with_eshield(Context& ctx, const std::string& customer_id, const std::string& account_raw,
                                      const std::string& challenge_id, const std::string& signature_file,
                                      const NewSecret& password) {
    return run_write(ctx, "reset-txn", customer_id, [&] {
        ctx.require_role({Role::operator_}, "reset-txn --eshield-challenge");
        auto c = require_customer(ctx, customer_id);
        auto& a = require_account(c, account_raw);
        refuse_during_cooling_off(ctx, c, "a transaction-password reset without review");
        check_confirmation(password.value, password.confirmation);
        check_new_txn_password(ctx, c, password.value);
        consume_eshield_signature(ctx, c, challenge_id, signature_file, "reset-txn");
        install_txn_password(ctx, c, a, password.value);
        ctx.audit("reset-txn", c.id, "ok",
                  {{"path", "eshield"}, {"account", mask_account(a.number)}, {"challenge", challenge_id}});
        return nlohmann::json{{"customer", c.id}, {"account", mask_account(a.number)}, {"path", "eshield"}, {"effective", true}};
    });
}

nlohmann::json modify_txn_password(Context& ctx, const std::string& customer_id, const std::string& account_raw,
                                   const std::string& otp, const Secret& old_password, const NewSecret& password) {
    return run_write(ctx, "reset-txn", customer_id, [&] {
        ctx.require_role({Role::operator_}, "reset-txn --modify");
        auto c = require_customer(ctx, customer_id);
        auto& a = require_account(c, account_raw);
        if (a.txn_locked_at) {
            fail(Exit::refused, "locked", "transactions on account {} are locked: use the reset path, not --modify",
                 mask_account(a.number));
        }
        if (a.txn_hash.empty() || !verify_secret(old_password, a.txn_hash)) {
            count_failure(a.txn_failures, a.txn_locked_at, ctx.settings().txn_max_failures, ctx.now,
                          [&] { ctx.store->update_account_txn(a.number, a); }, "old transaction password");
        }
        consume_otp(ctx, c.id, "reset-txn", c.phone, otp);
        check_confirmation(password.value, password.confirmation);
        check_new_txn_password(ctx, c, password.value);
        install_txn_password(ctx, c, a, password.value);
        ctx.audit("reset-txn", c.id, "ok", {{"path", "modify"}, {"account", mask_account(a.number)}});
        return nlohmann::json{{"customer", c.id}, {"account", mask_account(a.number)}, {"path", "modify"}, {"effective", true}};
    });
}

}  // namespace kunlun
