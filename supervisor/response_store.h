// Stored responses, so that a client can refer back to them.
//
// The AI SDK sends earlier output back as {"type":"item_reference","id":"msg_…"}
// and chains turns with previous_response_id. Each stored response is one
// file, $CODEX_PROXY_STATE_DIR/responses/<id>.json, holding the conversation
// as it stood after the response and the items the response returned. A
// file is written beside and renamed into place after fsync, so a kill -9
// leaves at worst a temporary file, which the next start removes; a file
// that does not parse is skipped and removed. The store is bounded by total
// bytes and by age, oldest first. `store: false` responses are not kept.
#pragma once
#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "supervisor/prompt.h"

class ResponseStore {
public:
    // Opens (creating) dir, indexes what is there, removes what is not a
    // complete response. error says why not.
    bool open(const std::string &dir, uint64_t max_bytes, uint32_t max_age_s, std::string &error);
    bool is_open() const { return !dir_.empty(); }

    struct Item {
        std::string id;
        Turn turn;
    };
    // Keeps a response: the conversation up to and including its output,
    // and the items it returned (looked up by id later).
    bool put(const std::string &response_id, const std::vector<Turn> &conversation, const std::vector<Item> &items);
    bool conversation(const std::string &response_id, std::vector<Turn> &out) const;
    bool item(const std::string &item_id, Turn &out) const;

    size_t count() const { return entries_.size(); }

private:
    struct Entry {
        int64_t created_ns = 0;  // orders eviction: seconds would tie
        uint64_t bytes = 0;
        std::vector<std::string> item_ids;
    };
    bool load(const std::string &id, std::string &text) const;
    void index(const std::string &id, const std::string &text, uint64_t bytes, int64_t created_ns);
    void evict(int64_t now_ns);
    void remove(const std::string &id);

    std::string dir_;
    uint64_t max_bytes_ = 0;
    uint32_t max_age_s_ = 0;
    uint64_t total_bytes_ = 0;
    std::map<std::string, Entry> entries_;
    std::map<std::string, std::string> item_owner_;  // item id -> response id
};

// A response or item id as the proxy makes them: prefix_ then 24 hex.
bool response_store_id_ok(const std::string &id);
