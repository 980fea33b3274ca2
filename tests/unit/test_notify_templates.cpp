// SMS templates: every shipped template renders completely with the params its flow passes
// (lib/flows/otp.cpp, credentials.cpp, cases.cpp, review.cpp), plus {bank} and {sms_number}
// from the settings.
#include "notify/outbox.h"

#include "config/settings.h"
#include "error.h"
#include "support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

using kunlun::Exit;
using kunlun::Settings;
using kunlun::test::error_of;
using nlohmann::json;

namespace {

struct Shipped {
    const char* name;
    json params;            // exactly what the flow passes
    const char* expected;   // with the default settings
};

// The params of each enqueue/deliver call in lib/flows.
const std::vector<Shipped>& shipped() {
    static const std::vector<Shipped> rows{
        // otp.cpp: {code, purpose, minutes = otp_ttl_s / 60}
        {"otp", json{{"code", "382914"}, {"purpose", "reset-login"}, {"minutes", 5}},
         "【昆仑银行】您的验证码为382914，5分钟内有效，请勿告诉他人。"},
        // the same message as the outbox stores it, with the code redacted
        {"otp", json{{"code", "******"}, {"purpose", "reset-txn"}, {"minutes", 5}},
         "【昆仑银行】您的验证码为******，5分钟内有效，请勿告诉他人。"},
        // credentials.cpp: no params
        {"login_password_changed", json::object(),
         "【昆仑银行】您的登录密码已重置成功。如非本人操作，请致电95379。"},
        // credentials.cpp: {account = last four digits}
        {"txn_password_changed", json{{"account", "0123"}},
         "【昆仑银行】您尾号0123账户的交易密码已修改成功。如非本人操作，请致电95379。"},
        // cases.cpp: {kind_name, case, due}
        {"case_submitted",
         json{{"kind_name", "登录密码重置"}, {"case", "K-20260310-0001"}, {"due", "2026-03-17T23:59:59+08:00"}},
         "【昆仑银行】您的登录密码重置申请已受理，我们将于2026-03-17T23:59:59+08:00前以短信通知审核结果。"},
        // review.cpp: approve {kind_name, case}
        {"case_approved", json{{"kind_name", "交易密码重置"}, {"case", "K-20260310-0002"}},
         "【昆仑银行】您的交易密码重置申请已审核通过，已即时生效。"},
        // review.cpp: reject {reason, reason_text, kind_name, case}
        {"case_rejected",
         json{{"reason", "face-mismatch"},
              {"reason_text", "人脸识别结果与证件照片不一致"},
              {"kind_name", "预留手机号变更"},
              {"case", "K-20260310-0003"}},
         "【昆仑银行】很抱歉，您的预留手机号变更申请未通过审核：人脸识别结果与证件照片不一致。您可重新提交申请。"},
        // review.cpp: expire {days = review_expire_business_days, kind_name, case}
        {"case_expired", json{{"days", 5}, {"kind_name", "登录密码重置"}, {"case", "K-20260310-0004"}},
         "【昆仑银行】您的登录密码重置申请因超过5个工作日未完成审核已失效，您可重新提交申请。"},
    };
    return rows;
}

}  // namespace

TEST_CASE("every shipped template renders fully with its flow's params", "[notify][templates]") {
    const Settings settings;
    for (const auto& row : shipped()) {
        INFO(row.name << " " << row.params.dump());
        const auto text = kunlun::render_template(settings, row.name, row.params);
        CHECK(text == row.expected);
        CHECK(text.find('{') == std::string::npos);
        CHECK(text.find('}') == std::string::npos);
        CHECK(text.find(settings.bank_name) != std::string::npos);
    }
}

TEST_CASE("{bank} and {sms_number} come from the settings", "[notify][templates]") {
    Settings settings;
    settings.bank_name = "测试银行";
    settings.bank_sms_number = "95588";
    for (const auto& row : shipped()) {
        INFO(row.name);
        const auto text = kunlun::render_template(settings, row.name, row.params);
        CHECK(text.find("【测试银行】") == 0);
        CHECK(text.find("昆仑银行") == std::string::npos);
        CHECK(text.find("95379") == std::string::npos);
        CHECK(text.find('{') == std::string::npos);
    }
    CHECK(kunlun::render_template(settings, "login_password_changed", json::object()) ==
          "【测试银行】您的登录密码已重置成功。如非本人操作，请致电95588。");
    CHECK(kunlun::render_template(settings, "txn_password_changed", json{{"account", "9876"}}) ==
          "【测试银行】您尾号9876账户的交易密码已修改成功。如非本人操作，请致电95588。");

    // A param cannot override the bank's name or number.
    CHECK(kunlun::render_template(settings, "login_password_changed",
                                  json{{"bank", "假银行"}, {"sms_number", "110"}}) ==
          "【测试银行】您的登录密码已重置成功。如非本人操作，请致电95588。");
}

TEST_CASE("configured template texts are used, each placeholder filled every time", "[notify][templates]") {
    Settings settings;
    settings.tpl_otp = "{bank}|{code}|{code}|{minutes}min|{sms_number}|{bank}";
    settings.tpl_case_expired = "{days}{days}{kind_name}";
    struct Row {
        const char* name;
        json params;
        const char* expected;
    };
    const std::vector<Row> rows{
        {"otp", json{{"code", "000001"}, {"minutes", 10}, {"purpose", "token"}},
         "昆仑银行|000001|000001|10min|95379|昆仑银行"},
        {"case_expired", json{{"days", 60}, {"kind_name", "X"}, {"case", "K"}}, "6060X"},
        // a placeholder whose value is shorter or longer than its name, next to itself
        {"otp", json{{"code", ""}, {"minutes", 0}}, "昆仑银行|||0min|95379|昆仑银行"},
        {"otp", json{{"code", "{code}"}, {"minutes", 1}}, "昆仑银行|{code}|{code}|1min|95379|昆仑银行"},
    };
    for (const auto& row : rows) {
        INFO(row.name << " " << row.params.dump());
        CHECK(kunlun::render_template(settings, row.name, row.params) == row.expected);
    }
}

TEST_CASE("an unknown template name is an internal error", "[notify][templates]") {
    const Settings settings;
    for (const char* name : {"", "OTP", "otp ", "case_submit", "login_changed", "sms", "case-approved"}) {
        INFO('"' << name << '"');
        const auto error = error_of([&] { (void)kunlun::render_template(settings, name, json::object()); });
        REQUIRE(error.has_value());
        CHECK(error->exit() == Exit::internal);
        CHECK(static_cast<int>(error->exit()) == 70);
        CHECK(error->slug() == "internal");
        CHECK_THAT(error->what(), Catch::Contains(std::string("'") + name + "'"));
    }
}
