// The stop flag of the long runs and the way they report a partial result.
#include "app.h"

#include <fmt/format.h>

#include <csignal>

namespace kunlun::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void request_stop(int) { g_stop.store(true); }

}  // namespace

const std::atomic<bool>& stop_on_signals() {
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    return g_stop;
}

void App::fail_with_progress(const std::string& summary, const nlohmann::json& progress, Exit exit,
                             const std::string& slug, const std::string& message) {
    if (out.format == Format::json) {
        out.object({{"error", {{"code", slug}, {"message", message}, {"exit", static_cast<int>(exit)}, {"progress", progress}}}});
    } else {
        out.message(summary, progress);
    }
    std::fflush(stdout);
    fmt::print(stderr, "kunlunctl: error [{}]: {}\n", slug, message);
    exit_code = static_cast<int>(exit);
}

}  // namespace kunlun::cli
