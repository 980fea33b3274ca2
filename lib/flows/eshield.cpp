#include "flows/eshield.h"

#include "crypto/certificate.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "error.h"
#include "flows/command.h"
#include "flows/customers.h"
#include "flows/input_file.h"

#include <array>

namespace kunlun {
namespace {

constexpr std::size_t kMaxCertificateBytes = 64 * 1024;
constexpr std::size_t kMaxSignatureBytes = 16 * 1024;
constexpr std::array<std::string_view, 2> kPurposes = {"reset-txn", "change-phone"};
constexpr std::string_view kAnyPurpose = "any";

// The exact text the customer's e-shield signs: every field that binds the signature to this
// bank, customer, operation and moment, one per line, UTF-8, LF line ends.
std::string canonical_challenge(const Context& ctx, const EshieldChallengeRecord& c, const std::string& nonce) {
    return fmt::format(
        "kunlunctl e-shield challenge v1\n"
        "bank: {}\n"
        "customer: {}\n"
        "purpose: {}\n"
        "challenge: {}\n"
        "nonce: {}\n"
        "issued_at: {}\n"
        "expires_at: {}\n",
        ctx.settings().bank_name, c.customer_id, c.purpose, c.id, nonce, ctx.format_time(c.created_at),
        ctx.format_time(c.expires_at));
}

void check_certificate_in_force(const Context& ctx, const std::string& pem) {
    check_certificate_valid_at(pem, ctx.now);
    if (!ctx.settings().eshield_ca_bundle.empty()) check_certificate_chain(pem, ctx.settings().eshield_ca_bundle, ctx.now);
}

}  // namespace

nlohmann::json register_eshield(Context& ctx, const std::string& customer_id, const std::string& certificate_file) {
    std::string pem = read_input_file(certificate_file, "certificate", kMaxCertificateBytes);
    return run_write(ctx, "eshield register", customer_id, [&] {
        ctx.require_role({Role::operator_}, "eshield register");
        auto c = require_customer(ctx, customer_id);
        CertificateInfo info = inspect_certificate(pem);
        check_certificate_in_force(ctx, pem);
        ctx.store->put_eshield(c.id, EshieldRecord{pem, info.fingerprint});
        nlohmann::json details{{"fingerprint", info.fingerprint}, {"key_type", info.key_type}};
        if (c.eshield) details["replaced"] = c.eshield->fingerprint;
        ctx.audit("eshield register", c.id, "ok", details);
        return nlohmann::json{{"customer", c.id},
                              {"fingerprint", info.fingerprint},
                              {"key_type", info.key_type},
                              {"subject", info.subject},
                              {"not_before", ctx.format_time(info.not_before)},
                              {"not_after", ctx.format_time(info.not_after)}};
    });
}

nlohmann::json eshield_challenge(Context& ctx, const std::string& customer_id, const std::string& purpose,
                                 std::string* raw_out) {
    if (!purpose.empty() && std::find(kPurposes.begin(), kPurposes.end(), purpose) == kPurposes.end()) {
        fail(Exit::usage, "usage", "unknown --purpose '{}': use reset-txn or change-phone (or leave it out)", purpose);
    }
    return run_write(ctx, "eshield challenge", customer_id, [&] {
        ctx.require_role({Role::operator_}, "eshield challenge");
        auto c = require_customer(ctx, customer_id);
        if (!c.eshield) {
            fail(Exit::not_found, "not-found", "customer {} has no e-shield: register one with `kunlunctl eshield register`",
                 c.id);
        }
        check_certificate_in_force(ctx, c.eshield->certificate_pem);
        EshieldChallengeRecord ch;
        ch.id = "ES" + to_hex(random_bytes(10));
        ch.customer_id = c.id;
        ch.purpose = purpose.empty() ? std::string(kAnyPurpose) : purpose;
        ch.created_at = ctx.now;
        ch.expires_at = ctx.now + std::chrono::seconds(ctx.settings().eshield_challenge_ttl_s);
        std::string text = canonical_challenge(ctx, ch, to_hex(random_bytes(16)));
        ch.to_sign.assign(text.begin(), text.end());
        ctx.store->insert_eshield_challenge(ch);
        ctx.audit("eshield challenge", c.id, "ok", {{"challenge", ch.id}, {"purpose", ch.purpose}});
        if (raw_out != nullptr) *raw_out = text;
        return nlohmann::json{{"id", ch.id},
                              {"customer", c.id},
                              {"purpose", ch.purpose},
                              {"to_sign", base64_encode(ch.to_sign)},
                              {"expires_at", ctx.format_time(ch.expires_at)}};
    });
}

void consume_eshield_signature(Context& ctx, const CustomerRecord& customer, const std::string& challenge_id,
                               const std::string& signature_file, const std::string& purpose) {
    auto ch = ctx.store->find_eshield_challenge(challenge_id);
    // Another customer's challenge is answered like an unknown one: ids are not a directory.
    if (!ch || ch->customer_id != customer.id) {
        fail(Exit::refused, "challenge-invalid", "no e-shield challenge {} for customer {}: issue one with "
             "`kunlunctl eshield challenge --customer {}`", challenge_id, customer.id, customer.id);
    }
    if (ch->state != "active") {
        fail(Exit::refused, "challenge-used", "e-shield challenge {} has been used already; issue a new one", ch->id);
    }
    if (ctx.now >= ch->expires_at) {
        fail(Exit::refused, "challenge-expired", "e-shield challenge {} expired at {}; issue a new one", ch->id,
             ctx.format_time(ch->expires_at));
    }
    if (ch->purpose != kAnyPurpose && ch->purpose != purpose) {
        fail(Exit::refused, "challenge-invalid", "e-shield challenge {} was issued for {}, not {}", ch->id, ch->purpose,
             purpose);
    }
    if (!customer.eshield) {
        fail(Exit::not_found, "not-found", "customer {} has no e-shield registered", customer.id);
    }
    std::string file = read_input_file(signature_file, "signature", kMaxSignatureBytes);
    check_certificate_in_force(ctx, customer.eshield->certificate_pem);
    auto signature = decode_signature_file(bytes_of(file));
    ctx.store->use_eshield_challenge(ch->id);
    if (!verify_signature(customer.eshield->certificate_pem, ch->to_sign, signature)) {
        throw KeptRefusal(Exit::refused, "signature-invalid",
                          fmt::format("the signature does not verify against customer {}'s e-shield certificate for "
                                      "challenge {} (wrong key or wrong data); the challenge is used up: issue a new one",
                                      customer.id, ch->id));
    }
}

}  // namespace kunlun
