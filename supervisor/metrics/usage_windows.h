// The account's usage windows as executors last reported them (codex's
// rate-limit snapshots): kept so that an operator sees a coming 429 before
// it happens (GET /metrics, behind the API key). One account behind every
// executor, so the latest report of a limit replaces that limit's windows.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/ipc_messages.h"

struct UsageWindowEntry {
    ipc::UsageWindow w;        // names sanitised to printable ASCII
    uint64_t reported_at = 0;  // unix seconds
};

class UsageWindows {
public:
    static constexpr size_t kMaxEntries = 32;
    // Each limit id in m replaces the windows kept for that id; the oldest
    // limits go first once kMaxEntries is reached.
    void update(const ipc::UsageWindowsMsg &m, uint64_t now_unix_s);
    const std::vector<UsageWindowEntry> &entries() const { return entries_; }

private:
    std::vector<UsageWindowEntry> entries_;  // in report order, oldest first
};

// Printable ASCII but '"' and '\\', anything else as '_': names come from the
// provider and end up in JSON and in Prometheus labels.
std::string usage_window_name(const std::string &s);
