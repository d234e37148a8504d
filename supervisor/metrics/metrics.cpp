#include "supervisor/metrics/metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/small_file.h"
#include "supervisor/codex/model_names.h"
#include "supervisor/http/http_request.h"

namespace {

// OpenTelemetry's advice for gen_ai.server.request.duration (0.01 … 81.92 s),
// widened both ways: /healthz answers in well under 10 ms, and a job may
// run up to CODEX_PROXY_TIMEOUT_MS (180 s by default).
const double kSecondsBounds[] = {0.001, 0.0025, 0.005, 0.01,  0.02,  0.04,  0.08,  0.16,   0.32, 0.64,
                                 1.28,  2.56,   5.12,  10.24, 20.48, 40.96, 81.92, 163.84, 300};
// OpenTelemetry's advice for gen_ai.client.token.usage.
const double kTokenBounds[] = {1,     4,     16,     64,      256,     1024,     4096,
                               16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};

void append_number(std::string &out, double v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", v);
    out += buf;
}

void family(std::string &out, const char *name, const char *type, const char *help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string &out, std::string_view name, std::string_view labels, double v) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    append_number(out, v);
    out += '\n';
}

Histogram &series(std::map<std::string, Histogram> &m, std::string key, const std::vector<double> &bounds) {
    auto it = m.find(key);
    if (it == m.end()) it = m.emplace(std::move(key), Histogram(&bounds)).first;
    return it->second;
}

uint64_t resident_bytes() {
    std::string statm;
    if (!small_file_read("/proc/self/statm", statm, 4096, false)) return 0;
    unsigned long size = 0, resident = 0;
    if (sscanf(statm.c_str(), "%lu %lu", &size, &resident) != 2) return 0;
    return static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t open_fds() {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return 0;
    uint64_t n = 0;
    while (const dirent *e = readdir(d))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n > 0 ? n - 1 : 0;  // not the directory's own fd
}

// The account's usage windows, labelled by codex's limit id and window: a
// bounded set (UsageWindows keeps at most kMaxEntries, names sanitised).
void render_usage_windows(std::string &out, const UsageWindows &u) {
    const auto &e = u.entries();
    if (e.empty()) return;
    auto labels = [](const UsageWindowEntry &x) {
        return "limit=\"" + metrics_label_value(x.w.limit_id) + "\",window=\"" + metrics_label_value(x.w.window) + "\"";
    };
    family(out, "codex_proxy_usage_window_used_percent", "gauge",
           "How much of the account's usage window is used, as the provider last reported it.");
    for (const auto &x : e) sample(out, "codex_proxy_usage_window_used_percent", labels(x), x.w.used_percent);
    family(out, "codex_proxy_usage_window_length_seconds", "gauge", "The usage window's length (0: unknown).");
    for (const auto &x : e)
        sample(out, "codex_proxy_usage_window_length_seconds", labels(x), 60.0 * x.w.window_minutes);
    family(out, "codex_proxy_usage_window_resets_at_seconds", "gauge",
           "When the usage window resets, in Unix time (0: unknown).");
    for (const auto &x : e)
        sample(out, "codex_proxy_usage_window_resets_at_seconds", labels(x), static_cast<double>(x.w.resets_at));
    family(out, "codex_proxy_usage_window_reported_at_seconds", "gauge",
           "When an executor last reported the window, in Unix time.");
    for (const auto &x : e)
        sample(out, "codex_proxy_usage_window_reported_at_seconds", labels(x), static_cast<double>(x.reported_at));
}

}  // namespace

void Histogram::observe(double v) {
    if (counts_.empty()) counts_.assign(bounds_->size() + 1, 0);
    size_t i = std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin();
    counts_[i]++;
    sum_ += v;
    count_++;
}

void Histogram::render(std::string &out, std::string_view name, std::string_view labels) const {
    std::string bucket = std::string(name) + "_bucket";
    std::string sep = labels.empty() ? "" : std::string(labels) + ",";
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_->size(); i++) {
        cumulative += counts_.empty() ? 0 : counts_[i];
        std::string le = sep + "le=\"";
        if (i < bounds_->size()) append_number(le, (*bounds_)[i]);
        else le += "+Inf";
        le += '"';
        sample(out, bucket, le, static_cast<double>(cumulative));
    }
    sample(out, std::string(name) + "_sum", labels, sum_);
    sample(out, std::string(name) + "_count", labels, static_cast<double>(count_));
}

const char *metrics_route(std::string_view p) {
    static const char *const kRoutes[] = {"/healthz", "/metrics", "/v1/models", "/v1/chat/completions",
                                          "/v1/responses"};
    for (const char *r : kRoutes)
        if (p == r) return r;
    if (p.substr(0, 11) == "/v1/models/") return "/v1/models/{id}";
    return "other";
}

std::string metrics_label_value(std::string_view v) {
    std::string out;
    for (char ch : v) {
        if (ch == '\\' || ch == '"') out += '\\';
        if (ch == '\n') {
            out += "\\n";
            continue;
        }
        out += ch;
    }
    return out;
}

Metrics::Metrics()
    : seconds_bounds_(std::begin(kSecondsBounds), std::end(kSecondsBounds)),
      token_bounds_(std::begin(kTokenBounds), std::end(kTokenBounds)),
      queue_wait_(&seconds_bounds_),
      codex_run_(&seconds_bounds_) {}

std::string Metrics::model_labels(const ModelNames &names, const std::string &model) {
    std::string label = "other";
    if (model.empty()) label = "unknown";
    for (const std::string &n : model_names_listed(names))
        if (n == model) label = metrics_label_value(model);
    return "gen_ai_operation_name=\"chat\",gen_ai_system=\"openai\",gen_ai_request_model=\"" + label + "\"";
}

void Metrics::request_done(const ModelNames &names, const HttpRequest &r, int status, uint64_t now_ms) {
    const char *route = metrics_route(r.path);
    double seconds = static_cast<double>(now_ms - r.start_ms) / 1000.0;
    requests_["http_route=\"" + std::string(route) + "\",http_response_status_code=\"" + std::to_string(status) +
              "\""]++;
    series(http_duration_, "http_route=\"" + std::string(route) + "\"", seconds_bounds_).observe(seconds);
    std::string_view rv = route;
    if (rv != "/v1/chat/completions" && rv != "/v1/responses") return;
    std::string labels = model_labels(names, r.stats.model);
    if (status >= 400) labels += ",error_type=\"" + std::to_string(status) + "\"";
    series(genai_duration_, labels, seconds_bounds_).observe(seconds);
}

void Metrics::job_finished(const char *outcome, int64_t queue_ms, int64_t run_ms) {
    if (queue_ms >= 0) queue_wait_.observe(static_cast<double>(queue_ms) / 1000.0);
    outcomes_[outcome]++;
    if (run_ms >= 0) codex_run_.observe(static_cast<double>(run_ms) / 1000.0);
}

void Metrics::first_token(const ModelNames &names, const std::string &model, double seconds) {
    series(ttft_, model_labels(names, model), seconds_bounds_).observe(seconds);
}

void Metrics::token_usage(const ModelNames &names, const std::string &model, uint64_t input, uint64_t output) {
    std::string labels = model_labels(names, model);
    series(tokens_, labels + ",gen_ai_token_type=\"input\"", token_bounds_).observe(static_cast<double>(input));
    series(tokens_, labels + ",gen_ai_token_type=\"output\"", token_bounds_).observe(static_cast<double>(output));
}

std::string Metrics::render(const MetricsGauges &c) const {
    std::string out;
    auto histograms = [&out](const char *name, const char *help, const std::map<std::string, Histogram> &m) {
        family(out, name, "histogram", help);
        for (const auto &[labels, h] : m) h.render(out, name, labels);
    };
    family(out, "codex_proxy_http_requests_total", "counter", "HTTP requests answered, by route and status.");
    for (const auto &[labels, n] : requests_)
        sample(out, "codex_proxy_http_requests_total", labels, static_cast<double>(n));
    histograms("http_server_request_duration_seconds", "Time from a request's first byte to its answer's last.",
               http_duration_);
    histograms("gen_ai_server_request_duration_seconds",
               "Completion requests (chat and responses), first byte to the answer's last.", genai_duration_);
    histograms("gen_ai_server_time_to_first_token_seconds",
               "Time from a completion request to the first bytes of its answer.", ttft_);
    histograms("gen_ai_client_token_usage", "Tokens per answered completion, as codex reported them.", tokens_);
    family(out, "codex_proxy_queue_wait_seconds", "histogram", "Time a job waited for a free executor.");
    queue_wait_.render(out, "codex_proxy_queue_wait_seconds", "");
    family(out, "codex_proxy_codex_run_duration_seconds", "histogram", "Time one codex run took.");
    codex_run_.render(out, "codex_proxy_codex_run_duration_seconds", "");
    family(out, "codex_proxy_codex_runs_total", "counter", "Jobs that left the scheduler, by outcome.");
    for (const auto &[outcome, n] : outcomes_)
        sample(out, "codex_proxy_codex_runs_total", "outcome=\"" + outcome + "\"", static_cast<double>(n));

    family(out, "codex_proxy_queue_depth", "gauge", "Jobs waiting for an executor.");
    sample(out, "codex_proxy_queue_depth", "", static_cast<double>(c.queued));
    family(out, "codex_proxy_executors", "gauge", "Executors by state.");
    sample(out, "codex_proxy_executors", "state=\"idle\"", c.idle);
    sample(out, "codex_proxy_executors", "state=\"busy\"", c.busy);
    sample(out, "codex_proxy_executors", "state=\"starting\"", c.starting);
    sample(out, "codex_proxy_executors", "state=\"restarting\"", c.restarting);
    family(out, "codex_proxy_executor_restarts_total", "counter", "Executors restarted after they died.");
    sample(out, "codex_proxy_executor_restarts_total", "", static_cast<double>(executor_restarts));
    family(out, "codex_proxy_token_refreshes_total", "counter",
           "Renewals of the shared Codex login seen in auth.json.");
    sample(out, "codex_proxy_token_refreshes_total", "", static_cast<double>(token_refreshes));
    family(out, "codex_proxy_token_refresh_gate_waits_total", "counter",
           "Times a free executor was held back because the login was due for a refresh.");
    sample(out, "codex_proxy_token_refresh_gate_waits_total", "", static_cast<double>(refresh_gate_waits));
    render_usage_windows(out, usage_windows);
    family(out, "codex_proxy_connections", "gauge", "Open client connections.");
    sample(out, "codex_proxy_connections", "", static_cast<double>(c.connections));
    family(out, "process_resident_memory_bytes", "gauge", "The supervisor's resident memory.");
    sample(out, "process_resident_memory_bytes", "", static_cast<double>(resident_bytes()));
    family(out, "process_open_fds", "gauge", "The supervisor's open file descriptors.");
    sample(out, "process_open_fds", "", static_cast<double>(open_fds()));
    return out;
}
