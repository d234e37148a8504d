#include "supervisor/api/response_store.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "common/small_file.h"
#include "supervisor/base/json_util.h"

namespace {

// A stored response holds at most a body's worth of conversation and more.
constexpr size_t kMaxResponseFile = 256u << 20;

cJSON *turn_to_json(const Turn &t) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "role", t.role.c_str());
    cJSON_AddStringToObject(o, "content", t.content.c_str());
    if (!t.name.empty()) cJSON_AddStringToObject(o, "name", t.name.c_str());
    if (!t.tool_call_id.empty()) cJSON_AddStringToObject(o, "tool_call_id", t.tool_call_id.c_str());
    if (t.tool_calls) cJSON_AddItemToObject(o, "tool_calls", t.tool_calls.reference());
    return o;
}

// An array since the calls are kept as values; files written before hold
// its text.
JsonValue tool_calls_from_json(const cJSON *calls) {
    if (cJSON_IsArray(calls)) return JsonValue(cJSON_Duplicate(calls, true));
    if (cJSON_IsString(calls) && *calls->valuestring) return JsonValue::parse(calls->valuestring);
    return JsonValue();
}

bool turn_from_json(const cJSON *o, Turn &t) {
    const cJSON *role = json_get(o, "role"), *content = json_get(o, "content"), *name = json_get(o, "name");
    if (!cJSON_IsString(role) || !cJSON_IsString(content)) return false;
    const cJSON *call_id = json_get(o, "tool_call_id"), *calls = json_get(o, "tool_calls");
    t = Turn{role->valuestring, content->valuestring, cJSON_IsString(name) ? name->valuestring : "",
             cJSON_IsString(call_id) ? call_id->valuestring : "", tool_calls_from_json(calls)};
    return true;
}

int64_t ns_of(const struct timespec &ts) { return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec; }

int64_t now_ns() {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ns_of(ts);
}

}  // namespace

bool response_store_id_ok(const std::string &id) {
    size_t us = id.find('_');
    if (us == std::string::npos || us == 0 || us > 8 || id.size() - us - 1 != 24) return false;
    for (size_t i = 0; i < us; i++)
        if (id[i] < 'a' || id[i] > 'z') return false;
    for (size_t i = us + 1; i < id.size(); i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return false;
    return true;
}

bool ResponseStore::open(const std::string &dir, uint64_t max_bytes, uint32_t max_age_s, std::string &error) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        error = "cannot create " + dir + ": " + strerror(errno);
        return false;
    }
    dir_ = dir, max_bytes_ = max_bytes, max_age_s_ = max_age_s;
    DIR *d = opendir(dir.c_str());
    if (!d) {
        error = "cannot read " + dir + ": " + strerror(errno);
        return false;
    }
    std::vector<std::string> names;
    while (struct dirent *e = readdir(d)) names.push_back(e->d_name);
    closedir(d);
    int dropped = 0;
    for (const auto &n : names) {
        if (n == "." || n == "..") continue;
        std::string id = n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0 ? n.substr(0, n.size() - 5) : "";
        std::string text;
        struct stat st;
        if (!response_store_id_ok(id) || !load(id, text) || stat((dir + "/" + n).c_str(), &st) != 0) {
            unlink((dir + "/" + n).c_str());  // a kill -9's temporary file, or worse
            dropped++;
            continue;
        }
        index(id, text, static_cast<uint64_t>(st.st_size), ns_of(st.st_mtim));
    }
    if (dropped) LogLine("supervisor", "warn", "removed incomplete stored responses").kv("count", dropped).emit();
    evict(now_ns());
    return true;
}

bool ResponseStore::load(const std::string &id, std::string &text) const {
    if (!small_file_read(dir_ + "/" + id + ".json", text, kMaxResponseFile, true)) return false;
    JsonDoc doc(text);
    const cJSON *client = json_get(doc.root, "client_items");
    return cJSON_IsString(json_get(doc.root, "owner")) && cJSON_IsArray(json_get(doc.root, "conversation")) &&
           cJSON_IsObject(json_get(doc.root, "items")) && (!client || cJSON_IsObject(client));
}

void ResponseStore::index(const std::string &id, const std::string &text, uint64_t bytes, int64_t created_ns) {
    Entry e;
    e.created_ns = created_ns;
    e.bytes = bytes;
    JsonDoc doc(text);
    e.owner = json_get(doc.root, "owner")->valuestring;
    for (const cJSON *it = json_get(doc.root, "items")->child; it; it = it->next) {
        e.item_ids.push_back(it->string);
        item_owner_[it->string] = id;
    }
    const cJSON *client = json_get(doc.root, "client_items");
    for (const cJSON *it = client ? client->child : nullptr; it; it = it->next) {
        e.client_item_ids.push_back(it->string);
        client_item_owner_[ClientKey{e.owner, it->string}] = id;
    }
    total_bytes_ += bytes;
    entries_[id] = std::move(e);
}

// Drops id from the index, leaving its file; a later response that took
// over one of its client ids keeps it.
void ResponseStore::forget(const std::string &id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    for (const auto &item : it->second.item_ids) {
        auto owner = item_owner_.find(item);
        if (owner != item_owner_.end() && owner->second == id) item_owner_.erase(owner);
    }
    for (const auto &item : it->second.client_item_ids) {
        auto owner = client_item_owner_.find(ClientKey{it->second.owner, item});
        if (owner != client_item_owner_.end() && owner->second == id) client_item_owner_.erase(owner);
    }
    total_bytes_ -= it->second.bytes;
    entries_.erase(it);
}

void ResponseStore::remove(const std::string &id) {
    if (!entries_.count(id)) return;
    std::string path = dir_ + "/" + id + ".json";  // id may be the key forget() erases
    forget(id);
    unlink(path.c_str());
}

void ResponseStore::evict(int64_t now) {
    while (!entries_.empty()) {
        auto oldest = entries_.begin();
        for (auto it = entries_.begin(); it != entries_.end(); ++it)
            if (it->second.created_ns < oldest->second.created_ns) oldest = it;
        bool too_old = now - oldest->second.created_ns > int64_t{max_age_s_} * 1000000000;
        if (!too_old && total_bytes_ <= max_bytes_) return;
        remove(oldest->first);
    }
}

bool ResponseStore::put(const std::string &owner, const std::string &id, const std::vector<Turn> &conversation,
                        const std::vector<Item> &items, const std::vector<Item> &client_items) {
    if (!is_open() || !response_store_id_ok(id)) return false;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "owner", owner.c_str());
    cJSON *conv = cJSON_AddArrayToObject(root, "conversation");
    for (const auto &t : conversation) cJSON_AddItemToArray(conv, turn_to_json(t));
    cJSON *its = cJSON_AddObjectToObject(root, "items");
    for (const auto &i : items) cJSON_AddItemToObject(its, i.id.c_str(), turn_to_json(i.turn));
    cJSON *client = cJSON_AddObjectToObject(root, "client_items");
    for (const auto &i : client_items) cJSON_AddItemToObject(client, i.id.c_str(), turn_to_json(i.turn));
    std::string text = json_take(root);
    // A response stored again under its id replaces the old one: it leaves
    // the index before the file is replaced, never after (which would unlink
    // the new file).
    {
        std::lock_guard<std::mutex> lock(index_mu_);
        forget(id);
    }
    if (!small_file_replace(dir_ + "/" + id + ".json", text)) {
        LogLine("supervisor", "error", "cannot store a response").kv("error", strerror(errno)).emit();
        unlink((dir_ + "/" + id + ".json").c_str());  // not left unaccounted for
        return false;
    }
    std::lock_guard<std::mutex> lock(index_mu_);
    index(id, text, text.size(), now_ns());
    evict(now_ns());
    return true;
}

const ResponseStore::Entry *ResponseStore::owned(const std::string &owner, const std::string &id) const {
    auto it = entries_.find(id);
    return it != entries_.end() && it->second.owner == owner ? &it->second : nullptr;
}

bool ResponseStore::conversation(const std::string &owner, const std::string &id, std::vector<Turn> &out) const {
    {
        std::lock_guard<std::mutex> lock(index_mu_);
        if (!owned(owner, id)) return false;
    }
    std::string text;  // read unlocked: a response evicted meanwhile is not found
    if (!load(id, text)) return false;
    JsonDoc doc(text);
    for (const cJSON *t = json_get(doc.root, "conversation")->child; t; t = t->next) {
        Turn turn;
        if (!turn_from_json(t, turn)) return false;
        out.push_back(std::move(turn));
    }
    return true;
}

bool ResponseStore::item_in(const std::string &response_id, const char *field, const std::string &item_id, Turn &out,
                            ItemCache *cache) const {
    std::string key = response_id + "/" + field;
    if (cache) {
        auto hit = cache->files.find(key);
        if (hit != cache->files.end()) {
            auto it = hit->second.find(item_id);
            if (it == hit->second.end()) return false;
            out = it->second;
            return true;
        }
    }
    std::string text;
    if (!load(response_id, text)) return false;
    JsonDoc doc(text);
    if (!cache) return turn_from_json(json_get(json_get(doc.root, field), item_id.c_str()), out);
    std::map<std::string, Turn> &items = cache->files[key];
    const cJSON *all = json_get(doc.root, field);  // client_items: absent in older files
    for (const cJSON *it = all ? all->child : nullptr; it; it = it->next) {
        Turn t;
        if (it->string && turn_from_json(it, t)) items.emplace(it->string, std::move(t));  // first wins, as json_get
    }
    auto it = items.find(item_id);
    if (it == items.end()) return false;
    out = it->second;
    return true;
}

// What the proxy minted wins; the tenant's own client ids come second.
bool ResponseStore::item(const std::string &owner, const std::string &item_id, Turn &out, ItemCache *cache) const {
    std::string response_id;
    const char *field = nullptr;
    {
        std::lock_guard<std::mutex> lock(index_mu_);
        auto minted = item_owner_.find(item_id);
        auto client = client_item_owner_.find(ClientKey{owner, item_id});
        if (minted != item_owner_.end() && owned(owner, minted->second)) response_id = minted->second, field = "items";
        else if (client != client_item_owner_.end() && owned(owner, client->second))
            response_id = client->second, field = "client_items";
    }
    return field && item_in(response_id, field, item_id, out, cache);
}
