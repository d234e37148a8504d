// What an operator scrapes at GET /metrics: counters and histograms kept by
// the App, updated where events happen (the access log, the scheduler, the
// executor slots, the completion exchange, the token refresh gate) at O(1)
// cost each, and rendered in Prometheus' text format only when scraped.
//
// Names follow OpenTelemetry's GenAI semantic conventions as LLM gateways
// export them to Prometheus (gen_ai.server.request.duration ->
// gen_ai_server_request_duration_seconds, attributes with '.' -> '_');
// what the conventions do not cover is named codex_proxy_*. Every label's
// values come from a bounded set: a client's model name is its own input,
// so only configured names are labels and any other is "other".
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/metrics/usage_windows.h"

struct HttpRequest;
struct ModelNames;

// What is sampled when scraped rather than counted.
struct MetricsGauges {
    size_t queued = 0;
    int idle = 0, busy = 0, starting = 0, restarting = 0;  // executors by state
    size_t connections = 0;
};

class Histogram {
public:
    explicit Histogram(const std::vector<double> *bounds = nullptr) : bounds_(bounds) {}
    void observe(double v);
    // Appends the _bucket, _sum and _count lines of one series.
    void render(std::string &out, std::string_view name, std::string_view labels) const;

private:
    const std::vector<double> *bounds_;
    std::vector<uint64_t> counts_;  // per bucket, not cumulative; last is +Inf
    double sum_ = 0;
    uint64_t count_ = 0;
};

class Metrics {
public:
    Metrics();

    // One finished request, as the access log sees it.
    void request_done(const ModelNames &names, const HttpRequest &r, int status, uint64_t now_ms);
    // A job left the scheduler (ran, failed, timed out in the queue, ...):
    // its outcome, how long it queued and how long its backend ran (-1:
    // not known).
    void job_finished(const char *outcome, int64_t queue_ms, int64_t run_ms);
    // A queued job whose client left before an executor was free.
    void job_dropped_from_queue() { outcomes_["dropped_from_queue"]++; }
    // The first bytes of an answer went out, seconds after the request came.
    void first_token(const ModelNames &names, const std::string &model, double seconds);
    void token_usage(const ModelNames &names, const std::string &model, uint64_t input, uint64_t output);

    uint64_t executor_restarts = 0;
    uint64_t token_refreshes = 0;     // codex renewed the shared login (seen in auth.json)
    uint64_t refresh_gate_waits = 0;  // a free executor held back while a refresh is due
    UsageWindows usage_windows;       // the account's, as executors last reported them

    std::string render(const MetricsGauges &g) const;

private:
    static std::string model_labels(const ModelNames &names, const std::string &model);

    std::vector<double> seconds_bounds_, token_bounds_;
    std::map<std::string, uint64_t> requests_;         // labels -> count
    std::map<std::string, Histogram> http_duration_;   // by route
    std::map<std::string, Histogram> genai_duration_;  // by model (and error)
    std::map<std::string, Histogram> ttft_;            // by model
    std::map<std::string, Histogram> tokens_;          // by model and token type
    std::map<std::string, uint64_t> outcomes_;         // codex outcome -> count
    Histogram queue_wait_, codex_run_;
};

// The bounded route label of a request path.
const char *metrics_route(std::string_view path);
// Escapes a Prometheus label value (backslash, double quote, newline).
std::string metrics_label_value(std::string_view v);
