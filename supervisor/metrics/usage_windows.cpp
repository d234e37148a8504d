#include "supervisor/metrics/usage_windows.h"

#include <algorithm>

std::string usage_window_name(const std::string &s) {
    std::string out = s.substr(0, ipc::kMaxUsageWindowName);
    for (char &c : out)
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') c = '_';
    return out;
}

void UsageWindows::update(const ipc::UsageWindowsMsg &m, uint64_t now_unix_s) {
    std::vector<UsageWindowEntry> fresh;
    for (const auto &w : m.windows) {
        if (fresh.size() == kMaxEntries) break;
        UsageWindowEntry e{w, now_unix_s};
        e.w.limit_id = usage_window_name(w.limit_id);
        e.w.limit_name = usage_window_name(w.limit_name);
        e.w.window = usage_window_name(w.window);
        fresh.push_back(std::move(e));
    }
    auto reported = [&](const UsageWindowEntry &old) {
        return std::any_of(fresh.begin(), fresh.end(), [&](auto &f) { return f.w.limit_id == old.w.limit_id; });
    };
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(), reported), entries_.end());
    size_t room = kMaxEntries - fresh.size();
    if (entries_.size() > room) entries_.erase(entries_.begin(), entries_.end() - static_cast<ptrdiff_t>(room));
    entries_.insert(entries_.end(), fresh.begin(), fresh.end());
}
