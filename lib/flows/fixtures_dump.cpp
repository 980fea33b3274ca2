// fixtures dump: everything `fixtures load` reads, in id order, secrets as their hashes.
// The output holds PII in clear (it is a full export): the CLI writes it with mode 0600.
#include "flows/fixtures.h"
#include "flows/roles.h"
#include "config/toml_text.h"

namespace kunlun {
namespace {

void write_customer(std::ostream& out, const CustomerRecord& c) {
    out << "[[customer]]\n"
        << "id = " << toml_string(c.id) << "\n"
        << "name = " << toml_string(c.name) << "\n"
        << "id_type = " << toml_string(c.id_type) << "\n"
        << "id_number = " << toml_string(c.id_number) << "\n"
        << "phone = " << toml_string(c.phone) << "\n";
    if (c.status != "active") out << "status = " << toml_string(c.status) << "\n";
    if (!c.login.hash.empty()) out << "login_password_hash = " << toml_string(c.login.hash) << "\n";
    for (const auto& a : c.accounts) {
        out << "\n  [[customer.account]]\n"
            << "  number = " << toml_string(a.number) << "\n"
            << "  class = " << toml_string(a.account_class) << "\n";
        if (!a.txn_hash.empty()) out << "  txn_password_hash = " << toml_string(a.txn_hash) << "\n";
    }
    for (const auto& d : c.devices) {
        out << "\n  [[customer.device]]\n"
            << "  id = " << toml_string(d.id) << "\n"
            << "  apps = " << toml_strings(d.apps) << "\n"
            << "  encrypted = " << (d.encrypted ? "true" : "false") << "\n"
            << "  app_version = " << toml_string(d.app_version) << "\n"
            << "  rooted = " << (d.rooted ? "true" : "false") << "\n";
    }
    if (c.eshield) {
        out << "\n  [customer.eshield]\n"
            << "  certificate_pem = " << toml_string(c.eshield->certificate_pem) << "\n";
    }
    if (c.otp_device) {
        const auto& o = *c.otp_device;
        out << "\n  [customer.otp_device]\n"
            << "  type = " << toml_string(o.type) << "\n"
            << "  secret_base32 = " << toml_string(o.secret_base32) << "\n"
            << "  digits = " << o.digits << "\n"
            << "  algorithm = " << toml_string(o.algorithm) << "\n"
            << "  period = " << o.period << "\n"
            << "  counter = " << o.counter << "\n";
    }
    out << "\n";
}

}  // namespace

nlohmann::json dump_fixtures(Context& ctx, std::ostream& out) {
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::admin}, "fixtures dump");
    out << "# kunlunctl fixtures dump: load with `kunlunctl fixtures load FILE`.\n"
        << "# It holds customers' PII in clear: keep it as carefully as the store and its key.\n\n";
    std::int64_t operators = 0, customers = 0;
    for (const auto& op : ctx.store->list_operators()) {
        out << "[[operator]]\nname = " << toml_string(op.name) << "\nroles = " << toml_strings(role_names(op.roles))
            << "\n\n";
        ++operators;
    }
    ctx.store->for_each_customer([&](const CustomerRecord& c) {
        write_customer(out, c);
        ++customers;
        return static_cast<bool>(out);
    });
    return {{"operators", operators}, {"customers", customers}};
}

}  // namespace kunlun
