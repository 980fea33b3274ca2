// `review batch` (domain.md §6), run by cron or a systemd timer every evening: re-runs the
// automated checks on every pending case, rejects failures, optionally approves what passes,
// expires stale cases, counts overdue ones and delivers every notification due. Chunked and
// streaming; each chunk's decisions, audit entries and outbox rows commit together, so a
// batch killed at any moment and run again decides no case twice and loses no message.
#pragma once

#include "error.h"
#include "flows/context.h"

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

namespace kunlun {

struct BatchOptions {
    bool dry_run = false;
    std::optional<std::filesystem::path> report;  // JSON lines: one per case, then the summary
    const std::atomic<bool>* stop = nullptr;      // set by SIGINT/SIGTERM: stop after the chunk
};

struct BatchResult {
    nlohmann::json summary;  // {checked, approved, rejected, expired, overdue, notified, ...}
    bool interrupted = false;
    // The decisions are committed but the sink could not take the messages (74): they stay
    // queued for `notify dispatch`.
    std::optional<Error> delivery_error;
};

BatchResult run_batch(Context& ctx, const BatchOptions& options);

}  // namespace kunlun
