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
//
// Every response belongs to a tenant, the API key that created it (as
// OpenAI scopes them per project): the owner is a tag derived from the key's
// hash (api_keys.h), "" when no key is configured. Another tenant's response
// or item is not found, exactly as an unknown id. Items the proxy minted
// (its output) and ids a client put on its own input items are kept apart:
// a client's id is looked up only after the proxy's, and only for the same
// tenant, so no input can change what a proxy-minted id resolves to. Each
// file names its owner; a file without one (written before owners existed)
// cannot be attributed to anyone and is removed at open.
//
// Requests are read off the loop (off_loop.h), so conversation() and item()
// run on threadpool threads while put() runs on the loop: the in-memory
// index is guarded by a mutex, held for lookups and updates only, never
// across a file's read, so the loop never waits on a worker's disk read.
// Only the loop changes the index; its own unlocked reads are safe.
#pragma once
#include <cstdint>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "supervisor/codex/prompt.h"

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
    // Keeps a response for owner: the conversation up to and including its
    // output, the items it returned (minted by the proxy) and the input
    // items that carried the client's own ids (looked up by id later).
    bool put(const std::string &owner, const std::string &response_id, const std::vector<Turn> &conversation,
             const std::vector<Item> &items, const std::vector<Item> &client_items = {});
    bool conversation(const std::string &owner, const std::string &response_id, std::vector<Turn> &out) const;
    // One request's reads of stored items: each stored response's items are
    // read and parsed at most once, so a request that names the same item
    // (or items of the same response) many times pays a lookup each, not a
    // file read and parse.
    struct ItemCache {
        std::map<std::string, std::map<std::string, Turn>> files;  // "<response id>/<field>" -> items
    };
    bool item(const std::string &owner, const std::string &item_id, Turn &out, ItemCache *cache = nullptr) const;
    uint64_t total_bytes() const { return total_bytes_; }

    size_t count() const { return entries_.size(); }

private:
    struct Entry {
        int64_t created_ns = 0;  // orders eviction: seconds would tie
        uint64_t bytes = 0;
        std::string owner;
        std::vector<std::string> item_ids, client_item_ids;
    };
    using ClientKey = std::pair<std::string, std::string>;  // owner, the client's item id
    bool load(const std::string &id, std::string &text) const;
    void index(const std::string &id, const std::string &text, uint64_t bytes, int64_t created_ns);
    void evict(int64_t now_ns);
    void forget(const std::string &id);
    void remove(const std::string &id);
    const Entry *owned(const std::string &owner, const std::string &id) const;
    bool item_in(const std::string &response_id, const char *field, const std::string &item_id, Turn &out,
                 ItemCache *cache) const;

    mutable std::mutex index_mu_;  // guards entries_, item_owner_, client_item_owner_, total_bytes_
    std::string dir_;
    uint64_t max_bytes_ = 0;
    uint32_t max_age_s_ = 0;
    uint64_t total_bytes_ = 0;
    std::map<std::string, Entry> entries_;
    std::map<std::string, std::string> item_owner_;       // proxy-minted item id -> response id
    std::map<ClientKey, std::string> client_item_owner_;  // -> response id
};

// A response or item id as the proxy makes them: prefix_ then 24 hex.
bool response_store_id_ok(const std::string &id);
