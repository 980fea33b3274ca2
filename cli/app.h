// The state shared by the command files: global options, the output, and the action the
// parsed subcommand chose. Each cmd_*.cpp declares its options and calls one library flow.
#pragma once

#include "error.h"
#include "flows/context.h"
#include "output.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace kunlun::cli {

struct App {
    SessionOptions session;
    std::string output_name = "table";
    Output out;
    std::function<void()> action;
    int exit_code = 0;  // an action that printed its result but must still exit non-zero

    // Opens the store for a command, with warnings routed to stderr.
    Context open() const;

    // A long run that still fails after doing part of its work (a batch or a delivery
    // stopped by a signal, 75; a sink that went down, 74): the one-line summary first (with
    // -o json, the error object carrying that progress instead), then the error line.
    void fail_with_progress(const std::string& summary, const nlohmann::json& progress, Exit exit,
                            const std::string& slug, const std::string& message);
};

// Installs the SIGINT/SIGTERM handler of the long runs (the batch, deliveries) and returns
// the flag it sets: the run stops at its next safe point (after a chunk or a page) with 75.
const std::atomic<bool>& stop_on_signals();

void register_init(CLI::App& app, App& cli);
void register_operator(CLI::App& app, App& cli);
void register_fixtures(CLI::App& app, App& cli);
void register_customer(CLI::App& app, App& cli);
void register_audit(CLI::App& app, App& cli);
void register_calendar(CLI::App& app, App& cli);
void register_config(CLI::App& app, App& cli);
void register_otp(CLI::App& app, App& cli);
void register_verify(CLI::App& app, App& cli);
void register_resets(CLI::App& app, App& cli);
void register_notify(CLI::App& app, App& cli);
void register_review(CLI::App& app, App& cli);
void register_eshield(CLI::App& app, App& cli);
void register_otp_device(CLI::App& app, App& cli);
void register_change_phone(CLI::App& app, App& cli);
void register_token(CLI::App& app, App& cli);

}  // namespace kunlun::cli
