// Eats a POST /v1/responses body, with a response store holding one stored
// conversation (resp_0…01, with the item msg_0…01) that previous_response_id and item
// references may name: parsing, validation, and the job it becomes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/request_to_job.h"
#include "fuzz/scratch_dir.h"
#include "supervisor/api/response_store.h"
#include "supervisor/api/responses_api.h"

namespace {

ResponseStore *open_store() {
    static ResponseStore store;
    std::string error;
    if (!store.open(scratch_dir("fuzz-responses"), 1 << 20, 3600, error)) abort();
    std::vector<Turn> conversation = {{"user", "What is 2+2?", "", "", ""}, {"assistant", "4", "", "", ""}};
    if (!store.put("", "resp_000000000000000000000001", conversation,
                   {{"msg_000000000000000000000001", conversation[1]}}))
        abort();
    return &store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static ResponseStore *store = open_store();
    std::string body(reinterpret_cast<const char *>(data), size);
    ResponsesRequest req;
    ApiError err;
    if (!responses_request_parse(body, store, req, err)) {
        if (err.status < 400 || err.message.empty()) abort();
        return 0;
    }
    request_to_job(req.turns(), req.spec, req.reasoning_effort, std::move(req.images));
    return 0;
}
