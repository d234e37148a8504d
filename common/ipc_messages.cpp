#include "common/ipc_messages.h"

#include <cstring>

#include "common/ipc_codec.h"

namespace ipc {

const char *outcome_name(Outcome o) {
    switch (o) {
    case Outcome::Ok: return "ok";
    case Outcome::ModelFailed: return "model_failed";
    case Outcome::BackendFailed: return "backend_failed";
    case Outcome::Timeout: return "timeout";
    case Outcome::Cancelled: return "cancelled";
    case Outcome::SpawnFailed: return "spawn_failed";
    case Outcome::RateLimited: return "rate_limited";
    case Outcome::Unauthorized: return "unauthorized";
    case Outcome::ContextWindowExceeded: return "context_window_exceeded";
    case Outcome::ProviderFailed: return "provider_failed";
    }
    return "unknown";
}

std::string encode(const ReadyMsg &m) { return Builder().u32(m.pid).str(m.backend).take(); }
std::string encode(const JobMsg &m) {
    Builder b;
    b.u32(m.timeout_ms).str(m.model).str(m.reasoning_effort).str(m.prompt).str(m.output_schema);
    b.u32(static_cast<uint32_t>(m.images.size()));
    for (const auto &i : m.images) b.str(i.extension).str(i.bytes);
    return b.take();
}
size_t encoded_size(const JobMsg &m) {
    size_t n =
        4 + 4 + m.model.size() + 4 + m.reasoning_effort.size() + 4 + m.prompt.size() + 4 + m.output_schema.size() + 4;
    for (const auto &i : m.images) n += 4 + i.extension.size() + 4 + i.bytes.size();
    return n;
}
std::string encode(const TextMsg &m) { return Builder().str(m.text).take(); }
std::string encode(const UsageMsg &m) {
    return Builder().u64(m.input_tokens).u64(m.cached_input_tokens).u64(m.output_tokens).u64(m.reasoning_tokens).take();
}
std::string encode(const DoneMsg &m) {
    return Builder()
        .u8(static_cast<uint8_t>(m.outcome))
        .u32(static_cast<uint32_t>(m.exit_status))
        .u32(m.backend_ms)
        .str(m.detail)
        .u32(m.retry_after_s)
        .u16(m.provider_status)
        .take();
}
std::string encode(const UsageWindowsMsg &m) {
    Builder b;
    b.u32(static_cast<uint32_t>(m.windows.size()));
    for (const auto &w : m.windows) {
        uint64_t bits;
        static_assert(sizeof bits == sizeof w.used_percent);
        memcpy(&bits, &w.used_percent, sizeof bits);
        b.str(w.limit_id).str(w.limit_name).str(w.window).u64(bits).u32(w.window_minutes).u64(w.resets_at);
    }
    return b.take();
}

bool decode(const std::string &payload, ReadyMsg &m) {
    Reader r(payload);
    m.pid = r.u32();
    m.backend = r.str();
    return r.finish();
}
bool decode(const std::string &payload, JobMsg &m) {
    Reader r(payload);
    m.timeout_ms = r.u32();
    m.model = r.str();
    m.reasoning_effort = r.str();
    m.prompt = r.str();
    m.output_schema = r.str();
    uint32_t n = r.u32();
    if (n > kMaxJobImages) return false;
    m.images.clear();
    for (uint32_t i = 0; i < n && r.ok(); i++) {
        ImageFile f;
        f.extension = r.str();
        f.bytes = r.str();
        m.images.push_back(std::move(f));
    }
    return r.finish() && m.images.size() == n;
}
bool decode(const std::string &payload, TextMsg &m) {
    Reader r(payload);
    m.text = r.str();
    return r.finish();
}
bool decode(const std::string &payload, UsageMsg &m) {
    Reader r(payload);
    m.input_tokens = r.u64();
    m.cached_input_tokens = r.u64();
    m.output_tokens = r.u64();
    m.reasoning_tokens = r.u64();
    return r.finish();
}
bool decode(const std::string &payload, DoneMsg &m) {
    Reader r(payload);
    uint8_t o = r.u8();
    m.exit_status = static_cast<int32_t>(r.u32());
    m.backend_ms = r.u32();
    m.detail = r.str();
    m.retry_after_s = r.u32();
    m.provider_status = r.u16();
    if (o > static_cast<uint8_t>(kLastOutcome)) return false;
    m.outcome = static_cast<Outcome>(o);
    return r.finish();
}
bool decode(const std::string &payload, UsageWindowsMsg &m) {
    Reader r(payload);
    uint32_t n = r.u32();
    if (n > kMaxUsageWindows) return false;
    m.windows.clear();
    for (uint32_t i = 0; i < n && r.ok(); i++) {
        UsageWindow w;
        w.limit_id = r.str(kMaxUsageWindowName);
        w.limit_name = r.str(kMaxUsageWindowName);
        w.window = r.str(kMaxUsageWindowName);
        uint64_t bits = r.u64();
        memcpy(&w.used_percent, &bits, sizeof bits);
        w.window_minutes = r.u32();
        w.resets_at = r.u64();
        // A percentage is a finite, non-negative number (a provider may
        // report over 100 once a limit is passed; far beyond is nonsense).
        if (!(w.used_percent >= 0 && w.used_percent <= 1000)) return false;
        m.windows.push_back(std::move(w));
    }
    return r.finish() && m.windows.size() == n;
}

}  // namespace ipc
