#include "supervisor/api/chat_completions.h"

#include <cjson/cJSON.h>

#include <cstring>
#include <ctime>

#include "supervisor/answer/answer_request.h"
#include "supervisor/api/completion_exchange.h"
#include "supervisor/base/json_util.h"
#include "supervisor/api/off_loop.h"
#include "supervisor/api/request_common.h"
#include "supervisor/base/random_id.h"
#include "supervisor/http/sse.h"
#include "supervisor/api/completion_task.h"

namespace {

const char *const kRoles[] = {"system", "developer", "user", "assistant", "tool"};
const char *const kTextParts[] = {"text", nullptr};

bool parse_message(const cJSON *m, int i, Turn &t, std::vector<ipc::ImageFile> &images, ApiError &err) {
    std::string at = "messages[" + std::to_string(i) + "]";
    const cJSON *role = json_get(m, "role");
    bool known = false;
    for (const char *r : kRoles) known |= cJSON_IsString(role) && strcmp(role->valuestring, r) == 0;
    if (!known) {
        err = api_error_invalid("'" + at + ".role' must be one of system, developer, user, assistant, tool.",
                                at + ".role", "invalid_value");
        return false;
    }
    t.role = role->valuestring;
    const cJSON *content = json_get(m, "content");
    const cJSON *calls = json_get(m, "tool_calls");
    if (t.role == "assistant" && cJSON_IsArray(calls)) t.tool_calls = JsonValue(cJSON_Duplicate(calls, true));
    bool may_be_empty = static_cast<bool>(t.tool_calls);
    if ((!content || cJSON_IsNull(content)) && may_be_empty) {
        // an assistant turn that only called tools
    } else if (!content_text(content, kTextParts, at + ".content", t.content, err, &images)) {
        return false;
    }
    const cJSON *name = json_get(m, "name");
    if (cJSON_IsString(name)) t.name = name->valuestring;
    const cJSON *tcid = json_get(m, "tool_call_id");
    if (cJSON_IsString(tcid)) t.tool_call_id = tcid->valuestring;
    return true;
}

bool parse_messages(const cJSON *root, ChatRequest &out, ApiError &err) {
    const cJSON *msgs = json_get(root, "messages");
    if (!cJSON_IsArray(msgs) || !msgs->child) {
        err = api_error_invalid("'messages' must be a non-empty array.", "messages", "invalid_value");
        return false;
    }
    int i = 0;
    for (const cJSON *m = msgs->child; m; m = m->next, i++) {
        if (!cJSON_IsObject(m)) {
            err = api_error_invalid("'messages[" + std::to_string(i) + "]' must be an object.",
                                    "messages[" + std::to_string(i) + "]", "invalid_type");
            return false;
        }
        Turn t;
        if (!parse_message(m, i, t, out.images, err)) return false;
        out.turns.push_back(std::move(t));
    }
    return true;
}

bool parse_options(const cJSON *root, ChatRequest &out, ApiError &err) {
    if (!answer_request_parse(root, ApiFlavor::Chat, out.spec, err)) return false;
    const cJSON *so = json_get(root, "stream_options");
    out.include_usage = cJSON_IsTrue(json_get(so, "include_usage"));
    return parse_reasoning_effort(json_get(root, "reasoning_effort"), "reasoning_effort", out.reasoning_effort, err);
}

const char *finish_reason(const Choice &c) { return c.calls.empty() ? "stop" : "tool_calls"; }

class ChatFormat final : public AnswerFormat {
public:
    ChatFormat(std::string model, bool include_usage)
        : id_(random_id("chatcmpl-")),
          created_(static_cast<double>(time(nullptr))),
          model_(std::move(model)),
          include_usage_(include_usage) {}

    std::string stream_open() override { return role_chunk(0); }
    std::string stream_text(std::string_view t) override {
        cJSON *delta = cJSON_CreateObject();
        cJSON_AddStringToObject(delta, "content", std::string(t).c_str());
        return chunk(0, delta, nullptr);
    }
    // Each choice's content, then each call: first its id, type, name and
    // empty arguments, then its arguments, one call per chunk, as OpenAI
    // streams them and as the SDKs' accumulators expect.
    std::string stream_answer(const Answer &a) override {
        std::string out;
        for (size_t i = 0; i < a.choices.size(); i++) {
            const Choice &c = a.choices[i];
            if (i > 0) out += role_chunk(static_cast<int>(i));
            if (c.has_content && !c.content.empty()) {
                cJSON *delta = cJSON_CreateObject();
                cJSON_AddStringToObject(delta, "content", c.content.c_str());
                out += chunk(static_cast<int>(i), delta, nullptr);
            }
            for (size_t k = 0; k < c.calls.size(); k++) {
                out += chunk(static_cast<int>(i), call_delta(c.calls[k], static_cast<int>(k), true), nullptr);
                out += chunk(static_cast<int>(i), call_delta(c.calls[k], static_cast<int>(k), false), nullptr);
            }
        }
        return out;
    }
    std::string stream_close(const Answer &a, const ipc::UsageMsg &u) override {
        std::string out;
        for (size_t i = 0; i < a.choices.size(); i++)
            out += chunk(static_cast<int>(i), cJSON_CreateObject(), finish_reason(a.choices[i]));
        if (include_usage_) {
            cJSON *o = base("chat.completion.chunk");
            cJSON_AddItemToObject(o, "choices", cJSON_CreateArray());
            cJSON_AddItemToObject(o, "usage", usage(u));
            out += sse_event("", json_take(o));
        }
        return out + sse_event("", "[DONE]");
    }
    std::string stream_fail(const ApiError &e) override { return sse_event("", api_error_json(e)); }
    std::string whole(const Answer &a, const ipc::UsageMsg &u) override {
        cJSON *o = base("chat.completion");
        cJSON *choices = cJSON_AddArrayToObject(o, "choices");
        for (size_t i = 0; i < a.choices.size(); i++) cJSON_AddItemToArray(choices, whole_choice(a.choices[i], i));
        cJSON_AddItemToObject(o, "usage", usage(u));
        return json_take(o);
    }

private:
    static cJSON *whole_choice(const Choice &c, size_t index) {
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(choice, "index", static_cast<double>(index));
        cJSON *msg = cJSON_AddObjectToObject(choice, "message");
        cJSON_AddStringToObject(msg, "role", "assistant");
        if (c.has_content) cJSON_AddStringToObject(msg, "content", c.content.c_str());
        else cJSON_AddNullToObject(msg, "content");
        cJSON_AddNullToObject(msg, "refusal");
        if (!c.calls.empty()) {
            cJSON *calls = cJSON_AddArrayToObject(msg, "tool_calls");
            for (const auto &call : c.calls) cJSON_AddItemToArray(calls, tool_call_json(call));
        }
        cJSON_AddItemToObject(msg, "annotations", cJSON_CreateArray());
        cJSON_AddNullToObject(choice, "logprobs");
        cJSON_AddStringToObject(choice, "finish_reason", finish_reason(c));
        return choice;
    }
    static cJSON *call_delta(const ToolCall &call, int index, bool first) {
        cJSON *tc = cJSON_CreateObject();
        cJSON_AddNumberToObject(tc, "index", index);
        if (first) {
            cJSON_AddStringToObject(tc, "id", call.call_id.c_str());
            cJSON_AddStringToObject(tc, "type", "function");
        }
        cJSON *fn = cJSON_AddObjectToObject(tc, "function");
        if (first) cJSON_AddStringToObject(fn, "name", call.name.c_str());
        cJSON_AddStringToObject(fn, "arguments", first ? "" : call.arguments.c_str());
        cJSON *delta = cJSON_CreateObject();
        cJSON_AddItemToArray(cJSON_AddArrayToObject(delta, "tool_calls"), tc);
        return delta;
    }
    std::string role_chunk(int index) {
        cJSON *delta = cJSON_CreateObject();
        cJSON_AddStringToObject(delta, "role", "assistant");
        cJSON_AddStringToObject(delta, "content", "");
        return chunk(index, delta, nullptr);
    }
    cJSON *base(const char *object) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id_.c_str());
        cJSON_AddStringToObject(o, "object", object);
        cJSON_AddNumberToObject(o, "created", created_);
        cJSON_AddStringToObject(o, "model", model_.c_str());
        cJSON_AddNullToObject(o, "system_fingerprint");
        return o;
    }
    std::string chunk(int index, cJSON *delta, const char *finish_reason) {
        cJSON *o = base("chat.completion.chunk");
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(choice, "index", index);
        cJSON_AddItemToObject(choice, "delta", delta);
        cJSON_AddNullToObject(choice, "logprobs");
        if (finish_reason) cJSON_AddStringToObject(choice, "finish_reason", finish_reason);
        else cJSON_AddNullToObject(choice, "finish_reason");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "choices"), choice);
        if (include_usage_) cJSON_AddNullToObject(o, "usage");  // as OpenAI does on every other chunk
        return sse_event("", json_take(o));
    }
    static cJSON *usage(const ipc::UsageMsg &u) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "prompt_tokens", static_cast<double>(u.input_tokens));
        cJSON_AddNumberToObject(o, "completion_tokens", static_cast<double>(u.output_tokens));
        cJSON_AddNumberToObject(o, "total_tokens", static_cast<double>(u.input_tokens + u.output_tokens));
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "prompt_tokens_details"), "cached_tokens",
                                static_cast<double>(u.cached_input_tokens));
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "completion_tokens_details"), "reasoning_tokens",
                                static_cast<double>(u.reasoning_tokens));
        return o;
    }

    std::string id_;
    double created_;
    std::string model_;
    bool include_usage_;
};

}  // namespace

bool chat_request_parse(const std::string &body, ChatRequest &out, ApiError &err, const ModelNames &names) {
    cJSON *root = nullptr;
    if (!parse_body_object(body, root, err)) return false;
    bool ok = parse_model(root, names, out, err) && parse_stream(root, out.stream, err) &&
              parse_options(root, out, err) && parse_messages(root, out, err);
    cJSON_Delete(root);
    return ok;
}

namespace {

class ChatTask final : public CompletionTask {
public:
    explicit ChatTask(HttpConnection &c) : CompletionTask(c) {}

private:
    bool parse(CompletionRequest &cr, std::unique_ptr<AnswerFormat> &fmt, ApiError &err) override {
        ChatRequest req;
        bool ok = chat_request_parse(body(), req, err, model_names());
        Conversation conv;
        conv.turns = std::move(req.turns);
        if (ok) fmt = std::make_unique<ChatFormat>(req.model, req.include_usage);
        fill(cr, std::move(req), std::move(conv), "messages");
        return ok;
    }
};

}  // namespace

void handle_chat_completions(HttpConnection &c) { off_loop_for_request(c, std::make_unique<ChatTask>(c)); }
