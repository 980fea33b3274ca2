// The reset paths that end in a review case: nothing changes on the customer's credentials
// until a reviewer (or the batch) approves; the new secret waits as a hash plus a sealed copy.
#include "crypto/password_hash.h"
#include "error.h"
#include "flows/cases.h"
#include "flows/command.h"
#include "flows/credentials.h"
#include "flows/customers.h"
#include "flows/materials.h"
#include "flows/otp.h"
#include "rules/identity.h"

namespace kunlun {
namespace {

void require_materials(const MaterialFiles& files) {
    if (files.id_front.empty() || files.id_back.empty() || files.handheld.empty()) {
        fail(Exit::usage, "usage", "give all three materials: --id-front, --id-back and --handheld");
    }
}

// Taken after every other check of the submission, so that a refused submission leaves no
// copies behind in the materials directory.
std::vector<MaterialRecord> take_materials(const Context& ctx, const MaterialFiles& files) {
    require_materials(files);
    precheck_material(ctx, "handheld", files.handheld);
    precheck_material(ctx, "id-back", files.id_back);
    precheck_material(ctx, "id-front", files.id_front);
    return {take_material(ctx, "handheld", files.handheld), take_material(ctx, "id-back", files.id_back),
            take_material(ctx, "id-front", files.id_front)};
}

void stage_secret(Context& ctx, CaseRecord& c, const Secret& secret) {
    c.staged_hash = hash_secret(secret, ctx.argon2_cost());
    c.staged_secret_enc = seal_staged_secret(ctx, c.id, secret);
}

// A case id is needed before sealing (it is the associated data): make it first.
CaseRecord draft_case(Context& ctx, const std::string& kind, const std::string& customer_id) {
    CaseRecord c;
    c.kind = kind;
    c.customer_id = customer_id;
    c.id = submit_case_id(ctx);
    return c;
}

}  // namespace

nlohmann::json reset_login_without_phone(Context& ctx, const std::string& customer_id, const IdentityClaim& claim,
                                         const std::string& face, const std::string& face_ref,
                                         const MaterialFiles& files, const std::string& contact_phone_raw,
                                         const std::string& contact_otp, const NewSecret& password) {
    if (face.empty()) fail(Exit::usage, "usage", "give --face pass (the result of the face check) and --face-ref");
    if (face_ref.empty()) fail(Exit::usage, "usage", "--face-ref names the face check; it is required");
    require_materials(files);
    std::string contact_phone = normalize_phone(contact_phone_raw);
    return run_write(ctx, "reset-login", customer_id, [&] {
        ctx.require_role({Role::operator_}, "reset-login --phone-unavailable");
        auto customer = require_customer(ctx, customer_id);
        // A refusal inside the transaction: it is audited like every other refused attempt.
        if (face != "pass") {
            fail(Exit::refused, "face-failed", "face recognition must have passed (--face pass) for this path; "
                 "otherwise the customer resets at a branch");
        }
        check_identity(customer, claim, ctx.zone.local_day(ctx.now));
        consume_otp(ctx, customer.id, "reset-login", contact_phone, contact_otp);
        check_confirmation(password.value, password.confirmation);
        check_new_login_password(ctx, customer, password.value);
        auto materials = take_materials(ctx, files);
        CaseRecord c = draft_case(ctx, "reset-login", customer.id);
        c.face_result = face;
        c.face_ref = face_ref;
        c.contact_phone = contact_phone;
        c.materials = materials;
        stage_secret(ctx, c, password.value);
        c = submit_case(ctx, std::move(c), contact_phone);
        return case_json(ctx, c);
    });
}

nlohmann::json reset_txn_reviewed(Context& ctx, const std::string& customer_id, const std::string& account_raw,
                                  const std::string& face, const std::string& face_ref, const MaterialFiles& files,
                                  const std::string& otp, const NewSecret& password) {
    if (face != "pass" && face != "failed-over-limit") {
        fail(Exit::usage, "usage", "--face is pass or failed-over-limit (failed more than 3 times)");
    }
    if (face == "pass" && face_ref.empty()) fail(Exit::usage, "usage", "--face pass needs --face-ref");
    require_materials(files);
    std::string account = normalize_account_number(account_raw);
    return run_write(ctx, "reset-txn", customer_id, [&] {
        ctx.require_role({Role::operator_}, "reset-txn");
        auto customer = require_customer(ctx, customer_id);
        bool owns = std::any_of(customer.accounts.begin(), customer.accounts.end(),
                                [&](const AccountRecord& a) { return a.number == account; });
        if (!owns) fail(Exit::not_found, "not-found", "customer {} has no account {}", customer_id, mask_account(account));
        consume_otp(ctx, customer.id, "reset-txn", customer.phone, otp);
        check_confirmation(password.value, password.confirmation);
        check_new_txn_password(ctx, customer, password.value);
        auto materials = take_materials(ctx, files);
        CaseRecord c = draft_case(ctx, "reset-txn", customer.id);
        c.account = account;
        c.face_result = face;
        c.face_ref = face_ref;
        c.materials = materials;
        stage_secret(ctx, c, password.value);
        c = submit_case(ctx, std::move(c), customer.phone);
        return case_json(ctx, c);
    });
}

}  // namespace kunlun
