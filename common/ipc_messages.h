// The typed message set between supervisor and executor.
//
// Like OpenSMTPD's mproc: a builder per message, and a reader per message
// that fails on a short payload, an oversized string, or leftover bytes.
// The executor -> supervisor events are backend-neutral so that a backend
// other than `codex exec` can produce them without the supervisor noticing.
// Their order per job is the text contract (executor/backend.h):
// (TextDelta* MessageEnd)* Usage? Done; the supervisor enforces it
// (supervisor/jobs/executor_protocol.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/ipc_frame.h"

namespace ipc {

struct ReadyMsg {
    uint32_t pid = 0;
    std::string backend;  // e.g. "codex-exec"
};

struct ImageFile {
    std::string extension;  // png, jpeg, gif or webp: checked by the supervisor
    std::string bytes;
};
constexpr uint32_t kMaxJobImages = 32;

struct JobMsg {
    uint32_t timeout_ms = 0;
    std::string model;             // empty: the backend's default
    std::string reasoning_effort;  // empty: the model's default
    std::string prompt;
    std::string output_schema;  // JSON Schema of the final answer; empty: free text
    std::vector<ImageFile> images;
};

struct TextMsg {  // TextDelta and MessageEnd share this shape
    std::string text;
};

struct UsageMsg {
    uint64_t input_tokens = 0;
    uint64_t cached_input_tokens = 0;
    uint64_t output_tokens = 0;
    uint64_t reasoning_tokens = 0;
};

enum class Outcome : uint8_t {
    Ok = 0,
    ModelFailed = 1,    // the model provider failed the turn
    BackendFailed = 2,  // codex exited badly or ended without a result
    Timeout = 3,
    Cancelled = 4,
    SpawnFailed = 5,  // codex could not be started at all
    // What the provider said, when the backend could tell (both backends map
    // codex's errors onto these; the supervisor onto OpenAI's errors).
    RateLimited = 6,            // the account's usage limit or the provider's rate limit
    Unauthorized = 7,           // the provider refused the login (expired, revoked, missing)
    ContextWindowExceeded = 8,  // the conversation does not fit the model's context window
    ProviderFailed = 9,         // the provider answered with an HTTP error (provider_status)
};
constexpr Outcome kLastOutcome = Outcome::ProviderFailed;
const char *outcome_name(Outcome o);

struct DoneMsg {
    Outcome outcome = Outcome::Ok;
    int32_t exit_status = 0;       // exit code, or -signal
    uint32_t backend_ms = 0;       // wall time the backend ran
    std::string detail;            // for the log only; never sent to HTTP clients
    uint32_t retry_after_s = 0;    // RateLimited: seconds until the limit resets; 0: unknown
    uint16_t provider_status = 0;  // ProviderFailed: the provider's HTTP status; 0: unknown
};

// The account's usage windows, as the provider last reported them (codex's
// rate-limit snapshots, flattened): a backend may send them during a job.
struct UsageWindow {
    std::string limit_id;         // codex's limit id, e.g. "codex"; empty: the default limit
    std::string limit_name;       // its human name, when codex gives one
    std::string window;           // "primary" or "secondary"
    double used_percent = 0;      // 0..100 (finite, never negative)
    uint32_t window_minutes = 0;  // the window's length; 0: unknown
    uint64_t resets_at = 0;       // unix seconds; 0: unknown
};
constexpr uint32_t kMaxUsageWindows = 16;
constexpr uint32_t kMaxUsageWindowName = 64;  // bytes of each string above
struct UsageWindowsMsg {
    std::vector<UsageWindow> windows;
};

std::string encode(const ReadyMsg &m);
std::string encode(const JobMsg &m);
size_t encoded_size(const JobMsg &m);  // encode(m).size(), without encoding
std::string encode(const TextMsg &m);
std::string encode(const UsageMsg &m);
std::string encode(const DoneMsg &m);
std::string encode(const UsageWindowsMsg &m);

bool decode(const std::string &payload, ReadyMsg &m);
bool decode(const std::string &payload, JobMsg &m);
bool decode(const std::string &payload, TextMsg &m);
bool decode(const std::string &payload, UsageMsg &m);
bool decode(const std::string &payload, DoneMsg &m);
bool decode(const std::string &payload, UsageWindowsMsg &m);
// Cancel carries nothing; a non-empty payload is a protocol error.
inline bool decode_empty(const std::string &payload) { return payload.empty(); }

}  // namespace ipc
