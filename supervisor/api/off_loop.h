// Work too heavy for the event loop (parsing and checking a large request
// or answer) runs on libuv's threadpool, so that other connections are
// served meanwhile.
//
// A task's run() touches only the task's own data: no connection, no libuv
// handle, no App state the loop may change meanwhile (the response store,
// which it may read, locks itself). Its owner holds an OffLoopWork; when the
// owner goes (a client that left), the result is dropped. uv_cancel stops
// only work not yet started, so a task always frees itself in libuv's
// after-work callback, never its owner. Work in flight keeps the loop
// running, so shutdown waits for it. (cJSON keeps the position of its last
// parse error in a global that every parse writes; the proxy never reads
// it (cJSON_GetErrorPtr), so parses on several threads may write it at once.)
#pragma once
#include <uv.h>

#include <memory>

class HttpConnection;

class OffLoopTask {
public:
    virtual ~OffLoopTask() = default;
    virtual void run() = 0;    // on a threadpool thread
    virtual void done() = 0;   // back on the loop, only while the owner still holds the work
    virtual void dropped() {}  // back on the loop instead, when the owner let go
};

// The owner's hold on one task in flight. Dropping it, or cut(), means the
// task's done() is never called.
class OffLoopWork {
public:
    OffLoopWork() = default;
    OffLoopWork(const OffLoopWork &) = delete;
    OffLoopWork &operator=(const OffLoopWork &) = delete;
    ~OffLoopWork() { cut(); }

    void start(uv_loop_t *loop, std::unique_ptr<OffLoopTask> task);
    void cut();

private:
    struct Pending;
    Pending *pending_ = nullptr;
};

// Starts libuv's threadpool with every signal blocked in its threads (they
// inherit the starting thread's mask), so that SIGTERM, SIGINT and SIGHUP
// always reach the loop's thread, which blocks them itself once exiting.
// Call once, before any work is queued.
void off_loop_start_threads(uv_loop_t *loop);

// Runs task for the request c is answering: c holds it as its exchange, so
// a client that leaves drops the result. done() runs with c's exchange
// cleared, so it may answer or start another exchange on c.
void off_loop_for_request(HttpConnection &c, std::unique_ptr<OffLoopTask> task);
