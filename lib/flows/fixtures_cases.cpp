#include "flows/fixtures_cases.h"

#include "crypto/password_hash.h"
#include "crypto/secret.h"
#include "error.h"
#include "flows/calendar.h"
#include "flows/cases.h"
#include "flows/materials.h"
#include "rules/rfc3339.h"

#include <array>
#include <fstream>

namespace kunlun {
namespace {

constexpr std::array<const char*, 3> kKinds = {"reset-login", "reset-txn", "change-phone"};
// Staged secrets that pass today's rules: hashed once for the whole run (Argon2 is slow on
// purpose); each case seals its own copy, since the case id is the associated data.
constexpr const char* kStagedLogin = "Orchid#Valley2031";
constexpr const char* kStagedPin = "385027";

// Three tiny images, written once into the materials directory and shared by every case.
std::vector<MaterialRecord> shared_materials(const Context& ctx) {
    auto dir = std::filesystem::temp_directory_path() /
               fmt::format("kunlunctl-generate-{}", static_cast<long long>(ctx.real_now.time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    const std::array<std::pair<const char*, std::string>, 3> files = {{
        {"id-front", std::string("\xFF\xD8\xFF\xE0 generated id front", 23)},
        {"id-back", std::string("\x89PNG\r\n\x1a\n generated id back", 26)},
        {"handheld", std::string("\xFF\xD8\xFF\xE0 generated handheld", 23)},
    }};
    std::vector<MaterialRecord> out;
    for (const auto& [role, bytes] : files) {
        auto path = dir / role;
        std::ofstream(path, std::ios::binary) << bytes;
        out.push_back(take_material(ctx, role, path));
    }
    std::filesystem::remove_all(dir);
    return out;
}

}  // namespace

struct PendingCaseMaker::State {
    Context& ctx;
    std::int64_t total;
    std::string login_hash, pin_hash;
    std::vector<MaterialRecord> materials;
    std::array<Instant, 3> submitted{};
    std::array<Instant, 3> due{};
    std::array<Instant, 3> expires{};
};

PendingCaseMaker::PendingCaseMaker(Context& ctx, std::int64_t total, std::int64_t customers)
    : state_(std::make_unique<State>(State{ctx, total, {}, {}, {}, {}, {}, {}})) {
    if (total < 0 || total > 3 * customers) {
        fail(Exit::usage, "usage", "--pending-cases must be at most 3 x --customers ({}): one case per customer and kind",
             3 * customers);
    }
    if (total == 0) return;
    auto& s = *state_;
    s.login_hash = hash_secret(Secret(std::string(kStagedLogin)), ctx.argon2_cost());
    s.pin_hash = hash_secret(Secret(std::string(kStagedPin)), ctx.argon2_cost());
    s.materials = shared_materials(ctx);
    // Submitted at 10:00 on each of the last three business days before today.
    auto calendar = business_calendar(ctx);
    std::chrono::sys_days day{ctx.zone.local_day(ctx.now)};
    for (std::size_t k = 0; k < 3;) {
        day -= std::chrono::days(1);
        std::chrono::year_month_day ymd{day};
        if (!calendar.is_business_day(ymd)) continue;
        s.submitted[k] = ctx.zone.end_of_day(ymd) - std::chrono::hours(14) + std::chrono::seconds(1);
        s.due[k] = ctx.zone.end_of_day(due_day(calendar, ymd));
        s.expires[k] = ctx.zone.end_of_day(
            expiry_day(calendar, ymd, static_cast<int>(ctx.settings().review_expire_business_days)));
        ++k;
    }
    report_missing_years(ctx, calendar);
}

PendingCaseMaker::~PendingCaseMaker() = default;

void PendingCaseMaker::make_for(const CustomerRecord& customer, std::int64_t index) {
    auto& s = *state_;
    for (std::int64_t k = 0; k < 3; ++k) {
        std::int64_t n = index * 3 + k;
        if (n >= s.total) return;
        auto slot = static_cast<std::size_t>(index % 3);
        CaseRecord c;
        c.id = fmt::format("G{:09}-{}", index + 1, k + 1);
        c.kind = kKinds[static_cast<std::size_t>(k)];
        c.customer_id = customer.id;
        c.state = "pending";
        c.submitted_at = s.submitted[slot];
        c.submitted_by = "generator";
        c.due_at = s.due[slot];
        c.expires_at = s.expires[slot];
        c.face_result = "pass";
        c.face_ref = fmt::format("FACE-{:09}", n);
        c.checks = nlohmann::json({{"identity_ref", identity_ref(s.ctx, customer)}}).dump();
        c.materials = s.materials;
        if (c.kind == std::string("reset-login")) {
            c.contact_phone = fmt::format("+86167{:08}", index);
            c.staged_hash = s.login_hash;
            c.staged_secret_enc = seal_staged_secret(s.ctx, c.id, Secret(std::string(kStagedLogin)));
        } else if (c.kind == std::string("reset-txn")) {
            c.account = customer.accounts.front().number;
            c.staged_hash = s.pin_hash;
            c.staged_secret_enc = seal_staged_secret(s.ctx, c.id, Secret(std::string(kStagedPin)));
        } else {
            c.staged_phone = fmt::format("+86166{:08}", index);
        }
        s.ctx.store->insert_case(c);
    }
}

}  // namespace kunlun
