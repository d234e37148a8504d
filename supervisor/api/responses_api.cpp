#include "supervisor/api/responses_api.h"

#include <cjson/cJSON.h>

#include <cstring>
#include <ctime>

#include "supervisor/answer/answer_request.h"
#include "supervisor/api/completion_exchange.h"
#include "supervisor/base/json_util.h"
#include "supervisor/api/off_loop.h"
#include "supervisor/api/request_common.h"
#include "supervisor/api/router.h"
#include "supervisor/base/random_id.h"
#include "supervisor/http/sse.h"
#include "supervisor/api/completion_task.h"

namespace {

const char *const kInputParts[] = {"input_text", "output_text", "text", nullptr};

// The transcript turn of one function call: an assistant turn that only
// calls, in chat's tool_calls shape.
Turn assistant_call_turn(const ToolCall &call) {
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, tool_call_json(call));
    Turn t;
    t.role = "assistant";
    t.tool_calls = JsonValue(arr);
    return t;
}
const char *const kRoles[] = {"system", "developer", "user", "assistant"};

// Another tenant's item is not found, as an unknown one.
bool resolve_reference(const cJSON *item, const std::string &at, const ResponseStore *store, const std::string &owner,
                       ResponseStore::ItemCache &cache, Turn &t, ApiError &err) {
    const cJSON *id = json_get(item, "id");
    std::string ref = cJSON_IsString(id) ? id->valuestring : "";
    if (store && !ref.empty() && store->item(owner, ref, t, &cache)) return true;
    err = api_error_invalid("Item with id '" + ref.substr(0, 64) + "' not found.", at + ".id", "item_not_found");
    return false;
}

bool need_string(const cJSON *item, const char *key, const std::string &at, std::string &out, ApiError &err) {
    const cJSON *v = json_get(item, key);
    if (cJSON_IsString(v)) {
        out = v->valuestring;
        return true;
    }
    err = api_error_invalid("'" + at + "." + key + "' must be a string.", at + "." + key, "invalid_type");
    return false;
}

// An earlier call of the model's, as the transcript shows chat tool calls.
bool parse_function_call(const cJSON *item, const std::string &at, Turn &t, ApiError &err) {
    ToolCall call;
    if (!need_string(item, "call_id", at, call.call_id, err) || !need_string(item, "name", at, call.name, err) ||
        !need_string(item, "arguments", at, call.arguments, err))
        return false;
    t = assistant_call_turn(call);
    return true;
}

bool parse_function_call_output(const cJSON *item, const std::string &at, Turn &t, ApiError &err) {
    t.role = "tool";
    if (!need_string(item, "call_id", at, t.tool_call_id, err)) return false;
    return content_text(json_get(item, "output"), kInputParts, at + ".output", t.content, err);
}

bool parse_item(const cJSON *item, int i, const ResponseStore *store, const std::string &owner,
                ResponseStore::ItemCache &cache, Turn &t, std::vector<ipc::ImageFile> *images, ApiError &err) {
    std::string at = "input[" + std::to_string(i) + "]";
    const cJSON *type = json_get(item, "type");
    if (cJSON_IsString(type) && strcmp(type->valuestring, "item_reference") == 0)
        return resolve_reference(item, at, store, owner, cache, t, err);
    if (cJSON_IsString(type) && strcmp(type->valuestring, "function_call") == 0)
        return parse_function_call(item, at, t, err);
    if (cJSON_IsString(type) && strcmp(type->valuestring, "function_call_output") == 0)
        return parse_function_call_output(item, at, t, err);
    if (type && !(cJSON_IsString(type) && strcmp(type->valuestring, "message") == 0)) {
        std::string ty = cJSON_IsString(type) ? type->valuestring : "(not a string)";
        err = api_error_invalid("Input item type '" + ty + "' is not supported by codex-proxy.", at + ".type",
                                "unsupported_input_item");
        return false;
    }
    const cJSON *role = json_get(item, "role");
    bool known = false;
    for (const char *r : kRoles) known |= cJSON_IsString(role) && strcmp(role->valuestring, r) == 0;
    if (!known) {
        err = api_error_invalid("'" + at + ".role' must be one of user, assistant, system, developer.", at + ".role",
                                "invalid_value");
        return false;
    }
    t.role = role->valuestring;
    return content_text(json_get(item, "content"), kInputParts, at + ".content", t.content, err, images);
}

// The conversation's text is counted as it is put together: a few stored
// items named over and over would otherwise be copied without bound before
// the rendered prompt's size is checked.
bool parse_input(const cJSON *root, const ResponseStore *store, ResponsesRequest &out, ApiError &err) {
    PromptBudget budget;
    if (!budget.add(out.instructions, "input", err)) return false;
    for (const auto &t : out.history)
        if (!budget.add(t, "input", err)) return false;
    const cJSON *input = json_get(root, "input");
    // Nothing to answer: codex refuses an empty prompt (exit 1, a 502).
    if (cJSON_IsString(input) && !*input->valuestring) {
        err = api_error_invalid("'input' must not be empty.", "input", "invalid_value");
        return false;
    }
    if (cJSON_IsString(input)) {
        out.input.push_back(Turn{"user", input->valuestring, "", "", {}});
        return true;
    }
    if (!cJSON_IsArray(input) || !input->child) {
        err = api_error_invalid("'input' must be a string or a non-empty array of input items.", "input",
                                "invalid_value");
        return false;
    }
    ResponseStore::ItemCache cache;
    int i = 0;
    for (const cJSON *item = input->child; item; item = item->next, i++) {
        Turn t;
        if (!cJSON_IsObject(item) || !parse_item(item, i, store, out.owner, cache, t, &out.images, err)) {
            if (!cJSON_IsObject(item))
                err = api_error_invalid("'input[" + std::to_string(i) + "]' must be an object.",
                                        "input[" + std::to_string(i) + "]", "invalid_type");
            return false;
        }
        if (!budget.add(t, "input", err)) return false;
        // A message that carries its own id can be referred to later too
        // (a reference's item is stored already), in the tenant's own
        // namespace of client ids: never in place of an item the proxy made.
        const cJSON *type = json_get(item, "type"), *id = json_get(item, "id");
        bool reference = cJSON_IsString(type) && strcmp(type->valuestring, "item_reference") == 0;
        if (!reference && cJSON_IsString(id) && response_store_id_ok(id->valuestring))
            out.input_items.push_back(ResponseStore::Item{id->valuestring, t});
        out.input.push_back(std::move(t));
    }
    return true;
}

bool parse_instructions(const cJSON *root, ResponsesRequest &out, ApiError &err) {
    const cJSON *ins = json_get(root, "instructions");
    if (!ins || cJSON_IsNull(ins)) return true;
    if (!cJSON_IsString(ins)) {
        err = api_error_invalid("'instructions' must be a string.", "instructions", "invalid_type");
        return false;
    }
    out.instructions = ins->valuestring;
    out.has_instructions = true;
    return true;
}

bool parse_reasoning(const cJSON *root, ResponsesRequest &out, ApiError &err) {
    return parse_reasoning_effort(json_get(json_get(root, "reasoning"), "effort"), "reasoning.effort",
                                  out.reasoning_effort, err);
}

// What the response object repeats of the request.
void keep_echoes(const cJSON *root, ResponsesRequest &out) {
    auto keep = [&](const char *key, bool (*ok)(const cJSON *), std::string &dst) {
        const cJSON *v = json_get(root, key);
        if (v && ok(v)) dst = json_take(cJSON_Duplicate(v, true));
    };
    keep(
        "tools", [](const cJSON *v) -> bool { return cJSON_IsArray(v); }, out.echo_tools);
    keep(
        "tool_choice", [](const cJSON *v) -> bool { return cJSON_IsString(v) || cJSON_IsObject(v); },
        out.echo_tool_choice);
    keep(
        "text", [](const cJSON *v) -> bool { return cJSON_IsObject(json_get(v, "format")); }, out.echo_text);
    keep(
        "metadata", [](const cJSON *v) -> bool { return cJSON_IsObject(v); }, out.echo_metadata);
}

bool parse_state(const cJSON *root, const ResponseStore *store, ResponsesRequest &out, ApiError &err) {
    const cJSON *st = json_get(root, "store");
    if (cJSON_IsBool(st)) out.store = cJSON_IsTrue(st);
    const cJSON *prev = json_get(root, "previous_response_id");
    if (!prev || cJSON_IsNull(prev)) return true;
    std::string id = cJSON_IsString(prev) ? prev->valuestring : "";
    if (store && !id.empty() && store->conversation(out.owner, id, out.history)) return true;
    err = api_error_invalid("Previous response with id '" + id.substr(0, 64) + "' not found.", "previous_response_id",
                            "previous_response_not_found");
    return false;
}

// One output item of a response: the message, or a function call.
struct OutputItem {
    std::string id;  // msg_… or fc_…
    const ToolCall *call = nullptr;
    std::string text;
};

class ResponsesFormat final : public AnswerFormat {
public:
    ResponsesFormat(std::string model, const ResponsesRequest &req, ResponseStore *store)
        : id_(random_id("resp_")),
          msg_id_(random_id("msg_")),
          created_(static_cast<double>(time(nullptr))),
          model_(std::move(model)),
          instructions_(req.instructions),
          has_instructions_(req.has_instructions),
          parallel_(req.spec.parallel_tool_calls),
          echo_tools_(req.echo_tools),
          echo_tool_choice_(req.echo_tool_choice),
          echo_text_(req.echo_text),
          echo_metadata_(req.echo_metadata),
          store_(req.store ? store : nullptr),
          owner_(req.owner),
          conversation_(req.history),
          client_items_(req.input_items) {
        conversation_.insert(conversation_.end(), req.input.begin(), req.input.end());
    }

    // Kept for later item_reference and previous_response_id: the
    // conversation without this request's instructions, as OpenAI does.
    void completed(const Answer &a) override {
        if (!store_) return;
        for (const auto &it : output_items(a)) {
            Turn t = it.call ? assistant_call_turn(*it.call) : Turn{"assistant", it.text, "", "", {}};
            conversation_.push_back(t);
            items_.push_back(ResponseStore::Item{it.id, t});
        }
        store_->put(owner_, id_, conversation_, items_, client_items_);
    }

    std::string stream_open() override {
        std::string out = event("response.created", with_response(response("in_progress", nullptr, nullptr, nullptr)));
        return out + event("response.in_progress", with_response(response("in_progress", nullptr, nullptr, nullptr)));
    }
    std::string stream_text(std::string_view t) override {
        std::string out = item_open_ ? "" : open_message(0);
        item_open_ = true;
        text_.append(t);
        return out + text_delta(0, std::string(t));
    }
    std::string stream_answer(const Answer &a) override {
        answer_streamed_ = true;
        std::string out;
        int index = 0;
        for (const auto &it : output_items(a))
            out += it.call ? stream_call(index++, it) : stream_message(index++, it.text);
        return out;
    }
    std::string stream_close(const Answer &a, const ipc::UsageMsg &u) override {
        std::string out;
        // A free-text answer's message is still open: its text came as deltas.
        if (!answer_streamed_) out = (item_open_ ? "" : open_message(0)) + close_message(0, text_);
        return out + event("response.completed", with_response(response("completed", &u, &a, nullptr)));
    }
    std::string stream_fail(const ApiError &e) override {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", e.code ? e.code : "server_error");
        cJSON_AddStringToObject(o, "message", e.message.c_str());
        cJSON_AddNullToObject(o, "param");
        cJSON *nested = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(nested, "type", e.type);
        cJSON_AddStringToObject(nested, "code", e.code ? e.code : "server_error");
        cJSON_AddStringToObject(nested, "message", e.message.c_str());
        cJSON_AddNullToObject(nested, "param");
        std::string out = event("error", o);
        return out + event("response.failed", with_response(response("failed", nullptr, nullptr, &e)));
    }
    std::string whole(const Answer &a, const ipc::UsageMsg &u) override {
        return json_take(response("completed", &u, &a, nullptr));
    }

private:
    // The message (when there is text, or nothing else), then the calls;
    // ids are fixed on first use so streamed and stored items agree.
    std::vector<OutputItem> output_items(const Answer &a) {
        std::vector<OutputItem> out;
        if (a.choices.empty()) return out;
        const Choice &c = a.choices[0];
        if (c.has_content || c.calls.empty()) out.push_back(OutputItem{msg_id_, nullptr, c.content});
        while (call_ids_.size() < c.calls.size()) call_ids_.push_back(random_id("fc_"));
        for (size_t i = 0; i < c.calls.size(); i++) out.push_back(OutputItem{call_ids_[i], &c.calls[i], ""});
        return out;
    }
    std::string event(const char *type, cJSON *o) {
        cJSON_AddStringToObject(o, "type", type);
        cJSON_AddNumberToObject(o, "sequence_number", seq_++);
        return sse_event(type, json_take(o));
    }
    static cJSON *with_response(cJSON *r) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "response", r);
        return o;
    }
    static cJSON *item_event(int index, cJSON *item) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "output_index", index);
        cJSON_AddItemToObject(o, "item", item);
        return o;
    }
    cJSON *part_ref(int index) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "item_id", msg_id_.c_str());
        cJSON_AddNumberToObject(o, "output_index", index);
        cJSON_AddNumberToObject(o, "content_index", 0);
        return o;
    }
    static cJSON *output_text(const std::string &text) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "type", "output_text");
        cJSON_AddStringToObject(p, "text", text.c_str());
        cJSON_AddItemToObject(p, "annotations", cJSON_CreateArray());
        cJSON_AddItemToObject(p, "logprobs", cJSON_CreateArray());
        return p;
    }
    cJSON *message_item(const char *status, const std::string &text) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "id", msg_id_.c_str());
        cJSON_AddStringToObject(m, "type", "message");
        cJSON_AddStringToObject(m, "status", status);
        cJSON_AddStringToObject(m, "role", "assistant");
        cJSON *content = cJSON_AddArrayToObject(m, "content");
        if (strcmp(status, "completed") == 0) cJSON_AddItemToArray(content, output_text(text));
        return m;
    }
    static cJSON *call_item(const OutputItem &it, const char *status) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "id", it.id.c_str());
        cJSON_AddStringToObject(m, "type", "function_call");
        cJSON_AddStringToObject(m, "status", status);
        cJSON_AddStringToObject(m, "call_id", it.call->call_id.c_str());
        cJSON_AddStringToObject(m, "name", it.call->name.c_str());
        cJSON_AddStringToObject(m, "arguments", strcmp(status, "completed") == 0 ? it.call->arguments.c_str() : "");
        return m;
    }
    std::string open_message(int index) {
        std::string out = event("response.output_item.added", item_event(index, message_item("in_progress", "")));
        cJSON *o = part_ref(index);
        cJSON_AddItemToObject(o, "part", output_text(""));
        return out + event("response.content_part.added", o);
    }
    std::string text_delta(int index, const std::string &t) {
        cJSON *o = part_ref(index);
        cJSON_AddStringToObject(o, "delta", t.c_str());
        cJSON_AddItemToObject(o, "logprobs", cJSON_CreateArray());
        return event("response.output_text.delta", o);
    }
    std::string close_message(int index, const std::string &text) {
        cJSON *o = part_ref(index);
        cJSON_AddStringToObject(o, "text", text.c_str());
        cJSON_AddItemToObject(o, "logprobs", cJSON_CreateArray());
        std::string out = event("response.output_text.done", o);
        o = part_ref(index);
        cJSON_AddItemToObject(o, "part", output_text(text));
        out += event("response.content_part.done", o);
        return out + event("response.output_item.done", item_event(index, message_item("completed", text)));
    }
    std::string stream_message(int index, const std::string &text) {
        return open_message(index) + (text.empty() ? "" : text_delta(index, text)) + close_message(index, text);
    }
    std::string stream_call(int index, const OutputItem &it) {
        std::string out = event("response.output_item.added", item_event(index, call_item(it, "in_progress")));
        const char *const events[][2] = {{"response.function_call_arguments.delta", "delta"},
                                         {"response.function_call_arguments.done", "arguments"}};
        for (const auto &[type, field] : events) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "item_id", it.id.c_str());
            cJSON_AddNumberToObject(o, "output_index", index);
            cJSON_AddStringToObject(o, field, it.call->arguments.c_str());
            out += event(type, o);
        }
        return out + event("response.output_item.done", item_event(index, call_item(it, "completed")));
    }
    cJSON *response(const char *status, const ipc::UsageMsg *u, const Answer *a, const ApiError *e);

    std::string id_, msg_id_;
    std::vector<std::string> call_ids_;
    double created_;
    std::string model_, instructions_;
    bool has_instructions_;
    bool parallel_;
    std::string echo_tools_, echo_tool_choice_, echo_text_, echo_metadata_;
    bool answer_streamed_ = false;  // stream_answer ran: a checked, not a free-text, answer
    std::string text_;
    bool item_open_ = false;
    int seq_ = 0;
    ResponseStore *store_;
    std::string owner_;
    std::vector<Turn> conversation_;
    std::vector<ResponseStore::Item> items_, client_items_;
};

cJSON *usage_json(const ipc::UsageMsg &u) {
    cJSON *us = cJSON_CreateObject();
    cJSON_AddNumberToObject(us, "input_tokens", static_cast<double>(u.input_tokens));
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(us, "input_tokens_details"), "cached_tokens",
                            static_cast<double>(u.cached_input_tokens));
    cJSON_AddNumberToObject(us, "output_tokens", static_cast<double>(u.output_tokens));
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(us, "output_tokens_details"), "reasoning_tokens",
                            static_cast<double>(u.reasoning_tokens));
    cJSON_AddNumberToObject(us, "total_tokens", static_cast<double>(u.input_tokens + u.output_tokens));
    return us;
}

cJSON *ResponsesFormat::response(const char *status, const ipc::UsageMsg *u, const Answer *a, const ApiError *e) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", id_.c_str());
    cJSON_AddStringToObject(r, "object", "response");
    cJSON_AddNumberToObject(r, "created_at", created_);
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddStringToObject(r, "model", model_.c_str());
    if (e) {
        cJSON *err = cJSON_AddObjectToObject(r, "error");
        cJSON_AddStringToObject(err, "code", e->code ? e->code : "server_error");
        cJSON_AddStringToObject(err, "message", e->message.c_str());
    } else {
        cJSON_AddNullToObject(r, "error");
    }
    cJSON_AddNullToObject(r, "incomplete_details");
    if (has_instructions_) cJSON_AddStringToObject(r, "instructions", instructions_.c_str());
    else cJSON_AddNullToObject(r, "instructions");
    cJSON *output = cJSON_AddArrayToObject(r, "output");
    if (a)
        for (const auto &it : output_items(*a))
            cJSON_AddItemToArray(output, it.call ? call_item(it, "completed") : message_item("completed", it.text));
    cJSON_AddBoolToObject(r, "parallel_tool_calls", parallel_);
    cJSON_AddItemToObject(r, "tool_choice", cJSON_Parse(echo_tool_choice_.c_str()));
    cJSON_AddItemToObject(r, "tools", cJSON_Parse(echo_tools_.c_str()));
    cJSON_AddItemToObject(r, "metadata", cJSON_Parse(echo_metadata_.c_str()));
    cJSON_AddItemToObject(r, "text", cJSON_Parse(echo_text_.c_str()));
    if (u) cJSON_AddItemToObject(r, "usage", usage_json(*u));
    else cJSON_AddNullToObject(r, "usage");
    return r;
}

}  // namespace

Conversation ResponsesRequest::conversation() const {
    Conversation c;
    if (has_instructions) c.instructions = instructions;
    c.turns.reserve(history.size() + input.size());
    c.turns.insert(c.turns.end(), history.begin(), history.end());
    c.turns.insert(c.turns.end(), input.begin(), input.end());
    return c;
}

bool responses_request_parse(const std::string &body, const ResponseStore *store, ResponsesRequest &out, ApiError &err,
                             const std::string &owner, const ModelNames &names) {
    out.owner = owner;
    cJSON *root = nullptr;
    if (!parse_body_object(body, root, err)) return false;
    bool ok = parse_model(root, names, out, err) && parse_stream(root, out.stream, err) &&
              parse_instructions(root, out, err) && parse_reasoning(root, out, err) &&
              answer_request_parse(root, ApiFlavor::Responses, out.spec, err) && parse_state(root, store, out, err) &&
              parse_input(root, store, out, err);
    if (ok) keep_echoes(root, out);
    cJSON_Delete(root);
    return ok;
}

namespace {

// The stored responses it reads lock themselves (response_store.h); the
// tenant is worked out on the loop, since a reload replaces the keys.
class ResponsesTask final : public CompletionTask {
public:
    ResponsesTask(HttpConnection &c, ResponseStore *store, std::string owner)
        : CompletionTask(c), store_(store), owner_(std::move(owner)) {}

private:
    bool parse(CompletionRequest &cr, std::unique_ptr<AnswerFormat> &fmt, ApiError &err) override {
        ResponsesRequest req;
        bool ok = responses_request_parse(body(), store_, req, err, owner_, model_names());
        if (ok) fmt = std::make_unique<ResponsesFormat>(req.model, req, store_);
        Conversation conv;
        if (ok) conv = req.conversation();
        fill(cr, std::move(req), std::move(conv), "input");
        return ok;
    }

    ResponseStore *store_;
    std::string owner_;
};

}  // namespace

void handle_responses(HttpConnection &c) {
    ApiContext &api = api_context(c);
    ResponseStore *store = api.responses.is_open() ? &api.responses : nullptr;
    const std::string *auth = c.request().header("authorization");
    std::string owner = api.keys.tenant(auth ? *auth : "");
    off_loop_for_request(c, std::make_unique<ResponsesTask>(c, store, std::move(owner)));
}
