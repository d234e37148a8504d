#include "supervisor/api/off_loop.h"

#include <pthread.h>
#include <signal.h>

#include "common/log.h"
#include "supervisor/http/http_connection.h"

struct OffLoopWork::Pending {
    uv_work_t req;
    std::unique_ptr<OffLoopTask> task;
    OffLoopWork *owner;
};

void OffLoopWork::start(uv_loop_t *loop, std::unique_ptr<OffLoopTask> task) {
    cut();
    auto *p = new Pending{{}, std::move(task), this};
    p->req.data = p;
    auto work = [](uv_work_t *r) { static_cast<Pending *>(r->data)->task->run(); };
    auto after = [](uv_work_t *r, int status) {
        std::unique_ptr<Pending> p(static_cast<Pending *>(r->data));
        if (!p->owner) return p->task->dropped();
        p->owner->pending_ = nullptr;
        p->owner = nullptr;  // done() may end the owner; p and its task live on to the end of this scope
        if (status == 0) p->task->done();
    };
    pending_ = p;
    if (uv_queue_work(loop, &p->req, work, after) != 0) {  // cannot happen with a work callback; run here then
        work(&p->req);
        after(&p->req, 0);
    }
}

void OffLoopWork::cut() {
    if (!pending_) return;
    pending_->owner = nullptr;
    uv_cancel(reinterpret_cast<uv_req_t *>(&pending_->req));  // fails once running: the result is then dropped
    pending_ = nullptr;
}

void off_loop_start_threads(uv_loop_t *loop) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    auto *w = new uv_work_t;  // libuv starts its threads on the first work queued
    if (uv_queue_work(
            loop, w, [](uv_work_t *) {}, [](uv_work_t *r, int) { delete r; }) != 0)
        delete w;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

namespace {

// The connection's exchange while its request's task runs.
class PendingRequest final : public Exchange {
public:
    OffLoopWork work;
    void client_gone() override { work.cut(); }
};

// Clears the connection's exchange (the PendingRequest) before the task's
// own done(), so that done() may set another.
class RequestTask final : public OffLoopTask {
public:
    RequestTask(HttpConnection &c, std::unique_ptr<OffLoopTask> inner)
        : conn_(&c), request_id_(c.request().request_id), inner_(std::move(inner)) {}
    void run() override { inner_->run(); }
    void dropped() override {
        LogLine("supervisor", "info", "client left while its request was prepared; nothing started")
            .kv("request_id", request_id_)
            .emit();
    }
    void done() override {
        conn_->set_exchange(nullptr);
        inner_->done();
    }

private:
    HttpConnection *conn_;  // in done() only, when the connection still holds this task
    std::string request_id_;
    std::unique_ptr<OffLoopTask> inner_;
};

}  // namespace

void off_loop_for_request(HttpConnection &c, std::unique_ptr<OffLoopTask> task) {
    auto pending = std::make_unique<PendingRequest>();
    PendingRequest *raw = pending.get();
    c.set_exchange(std::move(pending));
    raw->work.start(c.loop(), std::make_unique<RequestTask>(c, std::move(task)));
}
